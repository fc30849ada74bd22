//! The integrations of a receiver (`email_configs`, `slack_configs`, …), field by field, with
//! the release that introduced each field when that is after 0.25 (an integration added later
//! is marked where the receiver names it). Nested parts sloforge does not look into are read
//! as they come.

use super::http::{Http, Tls};
use super::{Any, HostPort, Url};
use crate::load::spanned::Sp;

am_struct!(
    /// `email_configs`: no `subject` of its own (it is a header: `headers: {Subject: …}`).
    Email, "an email config" {
        send_resolved: bool,
        to: String,
        from: String,
        hello: String,
        smarthost: HostPort,
        auth_username: String,
        auth_password: String,
        auth_password_file: String,
        auth_secret: String,
        auth_identity: String,
        headers: Any,
        html: String,
        text: String,
        require_tls: bool,
        tls_config: Tls,
        auth_secret_file: String => V0_33,
        force_implicit_tls: bool => V0_33,
        threading: Any => V0_33,
    }
);

am_struct!(
    /// `slack_configs`.
    Slack, "a slack config" {
        send_resolved: bool,
        http_config: Http,
        api_url: Url,
        api_url_file: String,
        channel: String,
        username: String,
        color: String,
        title: String,
        title_link: String,
        pretext: String,
        text: String,
        fields: Vec<Sp<SlackField>>,
        short_fields: bool,
        footer: String,
        fallback: String,
        callback_id: String,
        icon_emoji: String,
        icon_url: String,
        image_url: String,
        thumb_url: String,
        link_names: bool,
        mrkdwn_in: Any,
        actions: Vec<Sp<SlackAction>>,
        app_token: String => V0_33,
        app_token_file: String => V0_33,
        app_url: Url => V0_33,
        message_text: String => V0_33,
        timeout: Any => V0_33,
        update_message: bool => V0_33,
    }
);

am_struct!(
    /// A field of a Slack message.
    SlackField, "a slack field" {
        title: String,
        value: String,
        short: bool,
    }
);

am_struct!(
    /// A button of a Slack message.
    SlackAction, "a slack action" {
        r#type: String,
        text: String,
        url: String,
        style: String,
        name: String,
        value: String,
        confirm: SlackConfirm,
    }
);

am_struct!(
    /// The confirmation of a Slack action.
    SlackConfirm, "a slack action's confirm" {
        text: String,
        title: String,
        ok_text: String,
        dismiss_text: String,
    }
);

am_struct!(
    /// `webhook_configs`.
    Webhook, "a webhook config" {
        send_resolved: bool,
        http_config: Http,
        url: Url,
        max_alerts: Any,
        url_file: String => V0_28,
        timeout: Any => V0_28,
        payload: Any => V0_33,
    }
);

am_struct!(
    /// `pagerduty_configs`.
    PagerDuty, "a pagerduty config" {
        send_resolved: bool,
        http_config: Http,
        routing_key: String,
        routing_key_file: String,
        service_key: String,
        service_key_file: String,
        url: Url,
        client: String,
        client_url: String,
        description: String,
        details: Any,
        images: Vec<Sp<PagerDutyImage>>,
        links: Vec<Sp<PagerDutyLink>>,
        source: String,
        severity: String,
        class: String,
        component: String,
        group: String,
        timeout: Any => V0_33,
    }
);

am_struct!(
    /// An image of a PagerDuty event.
    PagerDutyImage, "a pagerduty image" {
        src: String,
        alt: String,
        href: String,
    }
);

am_struct!(
    /// A link of a PagerDuty event.
    PagerDutyLink, "a pagerduty link" {
        href: String,
        text: String,
    }
);

am_struct!(
    /// `opsgenie_configs`.
    OpsGenie, "an opsgenie config" {
        send_resolved: bool,
        http_config: Http,
        api_key: String,
        api_key_file: String,
        api_url: Url,
        message: String,
        description: String,
        source: String,
        details: Any,
        entity: String,
        responders: Vec<Sp<OpsGenieResponder>>,
        actions: String,
        tags: String,
        note: String,
        priority: String,
        update_alerts: bool,
    }
);

am_struct!(
    /// A responder of an OpsGenie alert.
    OpsGenieResponder, "an opsgenie responder" {
        id: String,
        name: String,
        username: String,
        r#type: String,
    }
);

am_struct!(
    /// `wechat_configs`.
    Wechat, "a wechat config" {
        send_resolved: bool,
        http_config: Http,
        api_secret: String,
        corp_id: String,
        api_url: Url,
        message: String,
        message_type: String,
        agent_id: String,
        to_user: String,
        to_party: String,
        to_tag: String,
        api_secret_file: String => V0_33,
    }
);

am_struct!(
    /// `pushover_configs`.
    Pushover, "a pushover config" {
        send_resolved: bool,
        http_config: Http,
        user_key: String,
        token: String,
        title: String,
        message: String,
        url: String,
        url_title: String,
        sound: String,
        priority: String,
        retry: Any,
        expire: Any,
        html: bool,
        device: String => V0_28,
        token_file: String => V0_28,
        ttl: Any => V0_28,
        user_key_file: String => V0_28,
        monospace: bool => V0_33,
    }
);

am_struct!(
    /// `victorops_configs`.
    VictorOps, "a victorops config" {
        send_resolved: bool,
        http_config: Http,
        api_key: String,
        api_key_file: String,
        api_url: Url,
        routing_key: String,
        message_type: String,
        state_message: String,
        entity_display_name: String,
        monitoring_tool: String,
        custom_fields: Any,
    }
);

am_struct!(
    /// `sns_configs`.
    Sns, "an sns config" {
        send_resolved: bool,
        http_config: Http,
        api_url: String,
        sigv4: SigV4,
        topic_arn: String,
        phone_number: String,
        target_arn: String,
        subject: String,
        message: String,
        attributes: Any,
        use_aws_http_client: bool => V0_33,
    }
);

am_struct!(
    /// AWS signature settings of SNS.
    SigV4, "`sigv4`" {
        region: String,
        access_key: String,
        secret_key: String,
        profile: String,
        role_arn: String,
        use_fips_sts_endpoint: bool => V0_28,
        external_id: String => V0_33,
        service_name: String => V0_33,
    }
);

am_struct!(
    /// `telegram_configs`.
    Telegram, "a telegram config" {
        send_resolved: bool,
        http_config: Http,
        api_url: Url,
        bot_token: String,
        chat_id: Any,
        message: String,
        disable_notifications: bool,
        parse_mode: String,
        bot_token_file: String => V0_28,
        message_thread_id: Any => V0_28,
        chat_id_file: String => V0_33,
    }
);

am_struct!(
    /// `discord_configs`.
    Discord, "a discord config" {
        send_resolved: bool,
        http_config: Http,
        webhook_url: Url,
        title: String,
        message: String,
        avatar_url: String => V0_28,
        content: String => V0_28,
        username: String => V0_28,
        webhook_url_file: String => V0_28,
    }
);

am_struct!(
    /// `webex_configs`.
    Webex, "a webex config" {
        send_resolved: bool,
        http_config: Http,
        api_url: Url,
        room_id: String,
        message: String,
    }
);

am_struct!(
    /// `msteams_configs` (0.26 on).
    MsTeams, "an msteams config" {
        send_resolved: bool,
        http_config: Http,
        webhook_url: Url,
        webhook_url_file: String,
        title: String,
        summary: String,
        text: String,
    }
);

am_struct!(
    /// `msteamsv2_configs`.
    MsTeamsV2, "an msteamsv2 config" {
        send_resolved: bool,
        http_config: Http,
        webhook_url: Url,
        webhook_url_file: String,
        title: String,
        text: String,
    }
);

am_struct!(
    /// `rocketchat_configs`.
    Rocketchat, "a rocketchat config" {
        send_resolved: bool,
        http_config: Http,
        api_url: Url,
        token: String,
        token_file: String,
        token_id: String,
        token_id_file: String,
        channel: String,
        color: String,
        title: String,
        title_link: String,
        text: String,
        fields: Any,
        short_fields: bool,
        emoji: String,
        icon_url: String,
        image_url: String,
        thumb_url: String,
        link_names: bool,
        actions: Any,
    }
);

am_struct!(
    /// `jira_configs`.
    Jira, "a jira config" {
        send_resolved: bool,
        http_config: Http,
        api_url: Url,
        api_type: String,
        project: String,
        issue_type: String,
        summary: Any,
        description: Any,
        priority: String,
        labels: Any,
        fields: Any,
        reopen_transition: String,
        resolve_transition: String,
        wont_fix_resolution: String,
        reopen_duration: Any,
    }
);

am_struct!(
    /// `incidentio_configs`.
    Incidentio, "an incidentio config" {
        send_resolved: bool,
        http_config: Http,
        url: Url,
        url_file: String,
        alert_source_token: String,
        alert_source_token_file: String,
        max_alerts: Any,
        timeout: Any,
    }
);

am_struct!(
    /// `mattermost_configs`.
    Mattermost, "a mattermost config" {
        send_resolved: bool,
        http_config: Http,
        webhook_url: Url,
        webhook_url_file: String,
        channel: String,
        username: String,
        text: String,
        icon_url: String,
        icon_emoji: String,
        attachments: Any,
        props: Any,
        priority: Any,
        author_icon: String,
        author_link: String,
        author_name: String,
        color: String,
        fallback: String,
        fields: Any,
        footer: String,
        footer_icon: String,
        image_url: String,
        pretext: String,
        thumb_url: String,
        title: String,
        title_link: String,
        r#type: String,
    }
);
