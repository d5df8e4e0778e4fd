//! Hostile answers that must not wedge a source: absurd `Retry-After` values are capped (and
//! said), the run is recorded as a failure, and the source stays schedulable in `serve`.

mod common;

use std::time::Duration;

use common::*;

fn feed_source(id: &str, url: &str) -> String {
    format!("[[source]]\nid = \"{id}\"\nname = \"Nguồn {id}\"\nkind = \"feed\"\nurl = \"{url}\"\ninterval = \"1h\"\n")
}

#[test]
fn an_absurd_retry_after_is_capped_and_recorded() {
    let portal = Portal::start();
    portal.put(
        "/rss",
        Page::xml("<rss/>")
            .failing_first(1000, 503)
            .with_retry_after("10000000000000"),
    );
    let ws = Workspace::new(&feed_source("down", &portal.url("/rss")));
    let summary = ws.fetch(1);
    assert!(summary.contains("HTTP 503"), "{summary}");
    assert!(summary.contains("capped"), "the cap is said: {summary}");
    assert!(!summary.contains("crashed"), "{summary}");
    let out = ws.run(&["sources"]);
    let table = String::from_utf8_lossy(&out.stdout);
    let row = table
        .lines()
        .find(|l| l.starts_with("down "))
        .unwrap_or_default();
    assert!(row.contains("failed") && row.contains("capped"), "{table}");
    // The next run waits the capped day, not forever.
    let tomorrow = (chrono::Utc::now() + chrono::Duration::hours(24))
        .with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).expect("+07:00"))
        .format("%Y-%m-%d")
        .to_string();
    assert!(row.contains(&tomorrow), "{row}");
}

#[test]
fn serve_keeps_a_source_schedulable_after_an_absurd_retry_after() {
    let portal = Portal::start();
    portal.put(
        "/rss",
        Page::xml("<rss/>")
            .failing_first(1000, 503)
            .with_retry_after("10000000000000"),
    );
    let ws = Workspace::new(&feed_source("down", &portal.url("/rss")));
    let server = ws.serve();
    assert!(
        eventually(Duration::from_secs(5), || portal.hits().len() == 1),
        "first run: {:?}",
        portal.hits()
    );
    // The operator asks again: the source is not stuck in a running set.
    let client = http();
    assert!(
        eventually(Duration::from_secs(5), || {
            let _ = client.post(server.url("/admin/fetch?source=down")).send();
            portal.hits().len() >= 2
        }),
        "second run: {}",
        server.log()
    );
    assert_eq!(server.terminate(Duration::from_secs(12)), Some(0));
}

/// A feed's error text reaches operators' terminals: never with raw control characters.
#[test]
fn no_control_character_reaches_an_operator() {
    let portal = Portal::start();
    // feed-rs echoes an unknown JSON Feed version in its error.
    portal.put(
        "/feed.json",
        Page::xml(
            r#"{"version": "\u001b]0;pwned\u0007\u001b[2J\u009b31m", "title": "x", "items": []}"#,
        )
        .with_content_type("application/feed+json"),
    );
    let ws = Workspace::new(&feed_source("json", &portal.url("/feed.json")));
    let out = ws.run(&["fetch", "--force"]);
    let printed = [
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        String::from_utf8_lossy(&ws.run(&["sources"]).stdout).into_owned(),
    ];
    assert!(printed[0].contains("json  FAILED"), "{printed:?}");
    for text in &printed {
        let bad: Vec<char> = text
            .chars()
            .filter(|c| c.is_control() && *c != '\n' && *c != '\t')
            .collect();
        assert!(bad.is_empty(), "{bad:?} in {text:?}");
    }
    let server = ws.serve();
    let table = http()
        .get(server.url("/sources.txt"))
        .send()
        .expect("GET")
        .text()
        .expect("body");
    assert!(table.contains("json "), "{table}");
    assert!(
        !table
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t'),
        "{table:?}"
    );
}
