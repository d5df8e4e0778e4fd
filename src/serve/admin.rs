//! The admin endpoints of `serve`: `POST /admin/fetch[?source=ID]` and `POST /admin/reload`.
//!
//! They change what the server does, so each request must pass every check: a token
//! (`admin_token` in `[settings]` or `PORTALFEED_ADMIN_TOKEN`, sent as
//! `Authorization: Bearer …`; without a configured token the endpoints are off), a loopback
//! peer (IPv4-mapped loopback included: a proxy on the same host counts), a `Host` that names
//! this server (no DNS rebinding) and no `Origin` of another site (no cross-site POST from a
//! browser). The checks only read the request; the handlers only ask the scheduler or reload.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::App;

/// The environment variable that overrides `admin_token`.
pub const TOKEN_ENV: &str = "PORTALFEED_ADMIN_TOKEN";

/// The admin token in force: the environment's, else the config's.
pub fn token(settings: &crate::config::Settings) -> Option<String> {
    std::env::var(TOKEN_ENV)
        .ok()
        .filter(|t| !t.trim().is_empty())
        .or_else(|| settings.admin_token.clone())
}

/// Why an admin request is refused, or `None` when it may proceed.
fn refusal(app: &App, peer: SocketAddr, headers: &HeaderMap) -> Option<Response> {
    let config = app.config();
    let refuse = |status: StatusCode, why: &str| Some((status, format!("{why}\n")).into_response());
    let Some(expected) = token(&config.settings) else {
        return refuse(
            StatusCode::NOT_FOUND,
            "admin endpoints are off: set admin_token in [settings] or PORTALFEED_ADMIN_TOKEN",
        );
    };
    if !peer.ip().to_canonical().is_loopback() {
        return refuse(
            StatusCode::FORBIDDEN,
            "admin endpoints answer this machine only (a proxy on it included)",
        );
    }
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let host = text(header::HOST).unwrap_or_default().to_ascii_lowercase();
    let base = &config.settings.base_url;
    let base_authority = match (base.host_str(), base.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => String::new(),
    };
    let port = app.listen_addr.port();
    let ours = [
        base_authority.to_ascii_lowercase(),
        app.listen_addr.to_string(),
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
    ];
    if !ours.contains(&host) {
        return refuse(
            StatusCode::FORBIDDEN,
            "the Host header does not name this server",
        );
    }
    if let Some(origin) = text(header::ORIGIN) {
        let own = [
            format!("http://{host}"),
            format!("https://{host}"),
            base.origin().ascii_serialization(),
        ];
        if !own.iter().any(|o| o.eq_ignore_ascii_case(origin)) {
            return refuse(
                StatusCode::FORBIDDEN,
                "cross-origin admin requests are refused",
            );
        }
    }
    let presented = text(header::AUTHORIZATION)
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or_default();
    if !same_secret(presented.as_bytes(), expected.as_bytes()) {
        let mut response = (
            StatusCode::UNAUTHORIZED,
            "an admin token is needed: Authorization: Bearer <admin_token>\n",
        )
            .into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
        return Some(response);
    }
    None
}

/// Compares two secrets in time that depends on their lengths only.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

pub async fn reload(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if let Some(refused) = refusal(&app, peer, &headers) {
        return refused;
    }
    match app.reload() {
        Ok(()) => (StatusCode::OK, "reloaded\n").into_response(),
        Err(e) => (
            StatusCode::BAD_REQUEST,
            format!("reload refused, the running config stays:\n{e}\n"),
        )
            .into_response(),
    }
}

#[derive(serde::Deserialize)]
pub struct FetchParams {
    source: Option<String>,
}

pub async fn fetch(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(params): Query<FetchParams>,
) -> Response {
    if let Some(refused) = refusal(&app, peer, &headers) {
        return refused;
    }
    let ids: Vec<String> = params
        .source
        .iter()
        .flat_map(|s| s.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let config = app.config();
    if let Some(unknown) = ids.iter().find(|id| config.source(id).is_none()) {
        return (
            StatusCode::NOT_FOUND,
            format!("no source with id `{unknown}`\n"),
        )
            .into_response();
    }
    let what = if ids.is_empty() {
        "every enabled source".to_string()
    } else {
        ids.join(", ")
    };
    app.request_fetch(ids);
    (StatusCode::ACCEPTED, format!("fetching {what}\n")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"s3cret", b"s3cret"));
        assert!(!same_secret(b"s3cret", b"s3cres"));
        assert!(!same_secret(b"s3cre", b"s3cret"));
        assert!(!same_secret(b"", b"s3cret"));
    }
}
