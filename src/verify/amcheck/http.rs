//! The HTTP client settings integrations share (`http_config`) and TLS, as Alertmanager reads
//! them (Prometheus' common HTTP client configuration), with the release that introduced each
//! field when that is after 0.25.

use super::Any;

am_struct!(
    /// An integration's HTTP client (`http_config`).
    Http, "`http_config`" {
        authorization: Authorization,
        basic_auth: BasicAuth,
        bearer_token: String,
        bearer_token_file: String,
        enable_http2: bool,
        follow_redirects: bool,
        oauth2: OAuth2,
        proxy_connect_header: Any,
        proxy_url: String,
        tls_config: Tls,
        http_headers: Any => V0_28,
        no_proxy: String => V0_28,
        proxy_from_environment: bool => V0_28,
    }
);

am_struct!(
    /// TLS settings.
    Tls, "`tls_config`" {
        ca_file: String,
        cert_file: String,
        key_file: String,
        insecure_skip_verify: bool,
        max_version: String,
        min_version: String,
        server_name: String,
        ca: String => V0_28,
        ca_ref: String => V0_28,
        cert: String => V0_28,
        cert_ref: String => V0_28,
        key: String => V0_28,
        key_ref: String => V0_28,
    }
);

am_struct!(
    /// HTTP basic authentication.
    BasicAuth, "`basic_auth`" {
        username: String,
        password: String,
        password_file: String,
        password_ref: String => V0_28,
        username_file: String => V0_28,
        username_ref: String => V0_28,
    }
);

am_struct!(
    /// The `Authorization` header.
    Authorization, "`authorization`" {
        r#type: String,
        credentials: String,
        credentials_file: String,
        credentials_ref: String => V0_28,
    }
);

am_struct!(
    /// OAuth 2.0 client credentials.
    OAuth2, "`oauth2`" {
        client_id: String,
        client_secret: String,
        client_secret_file: String,
        endpoint_params: Any,
        proxy_url: String,
        scopes: Any,
        tls_config: Tls,
        token_url: String,
        client_secret_ref: String => V0_28,
        no_proxy: String => V0_28,
        proxy_connect_header: Any => V0_28,
        proxy_from_environment: bool => V0_28,
        audience: Any => V0_33,
        claims: Any => V0_33,
        client_certificate_key: String => V0_33,
        client_certificate_key_file: String => V0_33,
        client_certificate_key_id: String => V0_33,
        client_certificate_key_ref: String => V0_33,
        grant_type: String => V0_33,
        iss: String => V0_33,
        signature_algorithm: String => V0_33,
    }
);
