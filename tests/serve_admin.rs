//! The admin endpoints of `serve` against the attacks a browser or a proxy make possible: no
//! token, a wrong token, a cross-site POST, DNS rebinding (a foreign `Host`), and the IPv4
//! client of a dual-stack listener; `portalfeed run-now` presents the token.

mod common;

use std::time::Duration;

use common::*;
use reqwest::header;

fn source(portal: &Portal) -> String {
    format!(
        "[[source]]\nid = \"a\"\nname = \"A\"\nkind = \"feed\"\nurl = \"{}\"\ninterval = \"1h\"\n",
        portal.url("/rss")
    )
}

fn portal() -> Portal {
    let portal = Portal::start();
    portal.put_fixture_rss("/rss");
    portal
}

#[test]
fn admin_requests_need_the_token_this_host_and_no_foreign_origin() {
    let portal = portal();
    let ws = Workspace::new(&source(&portal));
    let server = ws.serve();
    assert!(eventually(Duration::from_secs(5), || !portal
        .hits()
        .is_empty()));
    let client = http();
    let url = server.url("/admin/fetch?source=a");
    let status = |request: reqwest::blocking::RequestBuilder| {
        request.send().expect("POST").status().as_u16()
    };
    assert_eq!(status(client.post(&url)), 401, "no token");
    assert_eq!(
        status(client.post(&url).bearer_auth("guess")),
        401,
        "wrong token"
    );
    assert_eq!(
        status(
            client
                .post(&url)
                .header(header::ORIGIN, "http://evil.example")
                .header(header::CONTENT_TYPE, "text/plain")
                .body("x")
        ),
        403,
        "a browser's cross-site form POST"
    );
    assert_eq!(
        status(admin_post(&client, url.clone()).header(header::ORIGIN, "http://evil.example")),
        403,
        "foreign Origin"
    );
    assert_eq!(
        status(admin_post(&client, url.clone()).header(header::HOST, "evil.example")),
        403,
        "DNS rebinding: a Host that is not ours"
    );
    assert_eq!(
        status(admin_post(&client, server.url("/admin/reload")).header(header::ORIGIN, "null")),
        403
    );
    let before = portal.hits().len();
    assert_eq!(
        status(admin_post(&client, url.clone()).header(header::ORIGIN, server.base.as_str())),
        202,
        "same origin"
    );
    assert_eq!(status(admin_post(&client, url)), 202);
    assert!(eventually(Duration::from_secs(5), || portal.hits().len() > before));

    // `run-now` finds the server through the store's lock note and presents the token.
    let before = portal.hits().len();
    let out = ws.run(&["run-now", "a"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("fetching a"));
    assert!(eventually(Duration::from_secs(5), || portal.hits().len() > before));
    assert_eq!(server.terminate(Duration::from_secs(12)), Some(0));
}

#[test]
fn without_a_token_the_admin_endpoints_are_off() {
    let portal = portal();
    let ws = Workspace::new("");
    ws.write_config_with(
        &TEST_SETTINGS.replace("admin_token = \"test-admin-token\"\n", ""),
        &source(&portal),
    );
    let server = ws.serve();
    let client = http();
    let response = admin_post(&client, server.url("/admin/fetch"))
        .send()
        .expect("POST");
    assert_eq!(response.status(), 404);
    assert!(response.text().unwrap_or_default().contains("admin_token"));
    let out = ws.run(&["run-now"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no admin token"));
}

#[test]
fn an_ipv4_client_of_a_dual_stack_listener_is_on_loopback() {
    let portal = portal();
    let ws = Workspace::new("");
    ws.write_config_with(
        &TEST_SETTINGS.replace("listen = \"127.0.0.1:0\"", "listen = \"[::]:0\""),
        &source(&portal),
    );
    let server = ws.serve();
    let port = server
        .base
        .rsplit(':')
        .next()
        .and_then(|p| p.parse::<u16>().ok())
        .expect("port");
    let client = http();
    let response = admin_post(
        &client,
        format!("http://127.0.0.1:{port}/admin/fetch?source=a"),
    )
    .send()
    .expect("POST");
    assert_eq!(response.status(), 202, "{:?}", response.text());
}
