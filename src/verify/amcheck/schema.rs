//! The structure of an Alertmanager configuration outside its integrations: the top level,
//! `global`, routes, inhibition rules, receivers and time intervals. Each field is marked with
//! the release that introduced it when that is after 0.25.

use super::http::{Http, Tls};
use super::integrations::{
    Discord, Email, Incidentio, Jira, Mattermost, MsTeams, MsTeamsV2, OpsGenie, PagerDuty,
    Pushover, Rocketchat, Slack, Sns, Telegram, VictorOps, Webex, Webhook, Wechat,
};
use super::{Any, Dur, HostPort, LabelMap, LabelNames, Matchers, RegexMap, Url};
use crate::load::spanned::Sp;

am_struct!(
    /// The whole file.
    Config, "the configuration" {
        global: Global,
        route: Route,
        inhibit_rules: Vec<Sp<Inhibit>>,
        receivers: Vec<Sp<Receiver>>,
        templates: Vec<Sp<String>>,
        mute_time_intervals: Vec<Sp<NamedInterval>>,
        time_intervals: Vec<Sp<NamedInterval>>,
        tracing: Any => V0_33,
        event_recorder: Any => V0_33,
    }
);

am_struct!(
    /// `global`: defaults for the integrations.
    Global, "`global`" {
        resolve_timeout: Dur,
        http_config: Http,
        smtp_from: String,
        smtp_hello: String,
        smtp_smarthost: HostPort,
        smtp_auth_username: String,
        smtp_auth_password: String,
        smtp_auth_password_file: String,
        smtp_auth_secret: String,
        smtp_auth_identity: String,
        smtp_require_tls: bool,
        slack_api_url: Url,
        slack_api_url_file: String,
        pagerduty_url: Url,
        opsgenie_api_url: Url,
        opsgenie_api_key: String,
        opsgenie_api_key_file: String,
        wechat_api_url: Url,
        wechat_api_secret: String,
        wechat_api_corp_id: String,
        victorops_api_url: Url,
        victorops_api_key: String,
        victorops_api_key_file: String,
        telegram_api_url: Url,
        webex_api_url: Url,
        rocketchat_api_url: Url => V0_28,
        rocketchat_token: String => V0_28,
        rocketchat_token_file: String => V0_28,
        rocketchat_token_id: String => V0_28,
        rocketchat_token_id_file: String => V0_28,
        smtp_tls_config: Tls => V0_28,
        jira_api_url: Url => V0_33,
        mattermost_webhook_url: String => V0_33,
        mattermost_webhook_url_file: String => V0_33,
        slack_app_token: String => V0_33,
        slack_app_token_file: String => V0_33,
        slack_app_url: Url => V0_33,
        smtp_auth_secret_file: String => V0_33,
        smtp_force_implicit_tls: bool => V0_33,
        telegram_bot_token: String => V0_33,
        telegram_bot_token_file: String => V0_33,
        wechat_api_secret_file: String => V0_33,
    }
);

am_struct!(
    /// A route of the routing tree.
    Route, "a route" {
        receiver: String,
        group_by: LabelNames,
        matchers: Matchers,
        r#match: LabelMap,
        match_re: RegexMap,
        r#continue: bool,
        routes: Vec<Sp<Route>>,
        group_wait: Dur,
        group_interval: Dur,
        repeat_interval: Dur,
        mute_time_intervals: Vec<Sp<String>>,
        active_time_intervals: Vec<Sp<String>>,
    }
);

am_struct!(
    /// An inhibition rule.
    Inhibit, "an inhibition rule" {
        source_match: LabelMap,
        source_match_re: RegexMap,
        source_matchers: Matchers,
        target_match: LabelMap,
        target_match_re: RegexMap,
        target_matchers: Matchers,
        equal: LabelNames,
        name: String => V0_33,
    }
);

am_struct!(
    /// A receiver: a name and its integrations.
    Receiver, "a receiver" {
        name: String,
        discord_configs: Vec<Sp<Discord>>,
        email_configs: Vec<Sp<Email>>,
        opsgenie_configs: Vec<Sp<OpsGenie>>,
        pagerduty_configs: Vec<Sp<PagerDuty>>,
        pushover_configs: Vec<Sp<Pushover>>,
        slack_configs: Vec<Sp<Slack>>,
        sns_configs: Vec<Sp<Sns>>,
        telegram_configs: Vec<Sp<Telegram>>,
        victorops_configs: Vec<Sp<VictorOps>>,
        webex_configs: Vec<Sp<Webex>>,
        webhook_configs: Vec<Sp<Webhook>>,
        wechat_configs: Vec<Sp<Wechat>>,
        msteams_configs: Vec<Sp<MsTeams>> => V0_28,
        msteamsv2_configs: Vec<Sp<MsTeamsV2>> => V0_28,
        rocketchat_configs: Vec<Sp<Rocketchat>> => V0_28,
        incidentio_configs: Vec<Sp<Incidentio>> => V0_33,
        jira_configs: Vec<Sp<Jira>> => V0_33,
        mattermost_configs: Vec<Sp<Mattermost>> => V0_33,
        labels: Any => V0_33,
    }
);

am_struct!(
    /// A named time interval (`time_intervals` or the older `mute_time_intervals`).
    NamedInterval, "a time interval" {
        name: String,
        time_intervals: Vec<Sp<Period>>,
    }
);

am_struct!(
    /// One period of a time interval.
    Period, "a time interval's period" {
        times: Vec<Sp<Times>>,
        weekdays: Any,
        days_of_month: Any,
        months: Any,
        years: Any,
        location: String,
    }
);

am_struct!(
    /// A time range of a period.
    Times, "a time range" {
        start_time: String,
        end_time: String,
    }
);

/// A field's value when present.
pub(crate) fn get<T>(f: &Option<Sp<T>>) -> Option<&T> {
    f.as_ref().map(|s| &s.value)
}

/// Whether a string field is present and not empty.
pub(crate) fn set(f: &Option<Sp<String>>) -> bool {
    get(f).is_some_and(|s| !s.is_empty())
}
