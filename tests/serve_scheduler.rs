//! `portalfeed serve` running sources over loopback: the schedule fires, a store change shows
//! in the feeds (new ETag), `fetch` and `sources` next to a running server, admin fetch and
//! reload (a broken config keeps the old one, by HTTP and by SIGHUP), and SIGTERM mid-fetch
//! loses nothing.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::*;

fn html_source(id: &str, url: &str, interval: &str) -> String {
    format!(
        "[[source]]\nid = \"{id}\"\nname = \"Nguồn {id}\"\nprovince = \"Hậu Giang\"\nkind = \"html\"\nurl = \"{url}\"\n\
         interval = \"{interval}\"\n[source.list]\nlink = \"a.t\"\n[source.article]\ntitle = \"h1\"\n\
         date = \"div.d\"\ncontent = \"div.c\"\n"
    )
}

fn article(i: usize) -> String {
    format!(
        "<html><body><h1>Bài số {i}</h1><div class='d'>20/11/2026 10:{:02}</div>\
         <div class='c'><p>Nội dung riêng của bài số {i} về hoạt động của tỉnh.</p></div></body></html>",
        i % 60
    )
}

fn list(n: usize) -> String {
    let links: String = (0..n)
        .map(|i| format!(r#"<a class="t" href="/a/{i}.html">x</a>"#))
        .collect();
    format!("<html><body>{links}</body></html>")
}

#[test]
fn schedule_fires_and_the_feed_follows_the_store() {
    let portal = Portal::start();
    portal.put("/list", Page::html(list(2)).with_etag("v1"));
    for i in 0..3 {
        portal.put(&format!("/a/{i}.html"), Page::html(article(i)));
    }
    let ws = Workspace::new(&html_source("fast", &portal.url("/list"), "1s"));
    let server = ws.serve();
    let client = http();

    // First run at start, then every second (with up to 10 % jitter): conditional requests.
    assert!(
        eventually(Duration::from_secs(8), || portal
            .hits()
            .iter()
            .filter(|h| h.path == "/list")
            .count()
            >= 3),
        "the schedule did not fire: {:?}\n{}",
        portal.hits(),
        server.log()
    );
    assert!(portal
        .hits()
        .iter()
        .filter(|h| h.path == "/list")
        .skip(1)
        .all(|h| h.conditional));
    let feed = client.get(server.url("/feed.atom")).send().expect("GET");
    let etag = feed.headers()["etag"].to_str().expect("etag").to_string();
    assert_eq!(parse_atom(&feed.text().expect("body")).entries.len(), 2);

    // A new article on the portal reaches the feed at the next run, with a new ETag.
    portal.put("/list", Page::html(list(3)).with_etag("v2"));
    assert!(
        eventually(Duration::from_secs(8), || {
            let response = client
                .get(server.url("/feed.atom"))
                .header("if-none-match", &etag)
                .send()
                .expect("GET");
            response.status() == 200
        }),
        "the feed never changed:\n{}",
        server.log()
    );
    let feed = parse_atom(
        &client
            .get(server.url("/feed.atom"))
            .send()
            .expect("GET")
            .text()
            .expect("body"),
    );
    assert_eq!(feed.entries.len(), 3);

    // Operators: the log has a line per run, /healthz and /metrics answer.
    assert!(server.log().contains("source=fast"), "{}", server.log());
    assert_eq!(status_of(&client, server.url("/healthz")), 200);
    let metrics = client
        .get(server.url("/metrics"))
        .send()
        .expect("GET")
        .text()
        .expect("body");
    assert!(
        metrics.contains("portalfeed_fetch_runs_total{source=\"fast\",result=\"ok\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("portalfeed_articles_stored 3"),
        "{metrics}"
    );
    assert!(
        metrics.contains("portalfeed_feed_requests_total{status=\"304\"}"),
        "{metrics}"
    );
    assert_eq!(server.terminate(Duration::from_secs(12)), Some(0));
}

#[test]
fn fetch_and_sources_beside_a_running_server_and_admin_endpoints() {
    let portal = Portal::start();
    portal.put("/list", Page::html(list(1)).with_etag("v1"));
    portal.put("/a/0.html", Page::html(article(0)));
    let ws = Workspace::new(&html_source("slow", &portal.url("/list"), "1h"));
    let server = ws.serve();
    let client = http();
    assert!(
        eventually(Duration::from_secs(5), || portal.hits().len() >= 2),
        "first run"
    );

    let out = ws.run(&["fetch"]);
    assert_eq!(out.status.code(), Some(75));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&ws.store_dir().display().to_string()), "{err}");
    assert!(
        err.contains("portalfeed run-now") && err.contains(&format!("{}/admin/fetch", server.base)),
        "{err}"
    );

    // The run is recorded once its article is stored: asked until then.
    let mut table = String::new();
    let recorded = eventually(Duration::from_secs(5), || {
        let out = ws.run(&["sources"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        table = String::from_utf8_lossy(&out.stdout).into_owned();
        table
            .lines()
            .any(|l| l.starts_with("slow ") && l.contains("Hậu Giang") && l.contains(" ok "))
    });
    assert!(recorded, "{table}");

    // Admin fetch runs the source now (the list answers 304: one conditional request).
    portal.take_hits();
    let response = admin_post(&client, server.url("/admin/fetch?source=slow"))
        .send()
        .expect("POST");
    assert_eq!(response.status(), 202);
    assert!(eventually(Duration::from_secs(5), || portal
        .hits()
        .iter()
        .any(|h| h.path == "/list" && h.conditional)));
    assert_eq!(
        admin_post(&client, server.url("/admin/fetch?source=nope"))
            .send()
            .expect("POST")
            .status(),
        404
    );

    // A broken config is refused (HTTP 400, then SIGHUP) and the old one keeps serving.
    ws.write_config("[[source]]\nid = \"BAD ID\"\n");
    let response = admin_post(&client, server.url("/admin/reload"))
        .send()
        .expect("POST");
    assert_eq!(response.status(), 400);
    assert!(response.text().expect("body").contains("feeds.toml"));
    server.signal(libc::SIGHUP);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(status_of(&client, server.url("/sources/slow.atom")), 200);
    assert!(server.log().contains("reload refused"), "{}", server.log());

    // A good config with a new source is taken, by SIGHUP too.
    let mut config = html_source("slow", &portal.url("/list"), "1h");
    config.push_str(&html_source("second", &portal.url("/list"), "1h"));
    ws.write_config(&config);
    server.signal(libc::SIGHUP);
    assert!(eventually(Duration::from_secs(5), || {
        status_of(&client, server.url("/sources/second.atom")) == 200
    }));
    assert_eq!(server.terminate(Duration::from_secs(12)), Some(0));
}

#[test]
fn sigterm_mid_fetch_loses_nothing() {
    const N: usize = 16;
    let portal = Portal::start();
    portal.put("/list", Page::html(list(N)).with_etag("v1"));
    for i in 0..N {
        // Slow pages: the run is still going when SIGTERM arrives.
        portal.put(
            &format!("/a/{i}.html"),
            Page::html(article(i)).with_delay(Duration::from_millis(100 * i as u64)),
        );
    }
    let ws = Workspace::new(&html_source("slow", &portal.url("/list"), "1h"));
    let server = ws.serve();
    assert!(
        eventually(Duration::from_secs(5), || portal.hits().len() >= 4),
        "run started"
    );
    assert_eq!(
        server.terminate(Duration::from_secs(12)),
        Some(0),
        "clean exit within 10 s grace"
    );

    // What was stored survived; a restart completes the source with no duplicate.
    let out = ws.run(&["export"]);
    let before = parse_atom(&String::from_utf8_lossy(&out.stdout))
        .entries
        .len();
    assert!(before > 0, "articles stored before the shutdown are there");
    ws.fetch(0);
    let feed = parse_atom(&String::from_utf8_lossy(&ws.run(&["export"]).stdout));
    let titles: HashSet<String> = feed.entries.iter().map(|e| e.title.value.clone()).collect();
    assert_eq!(feed.entries.len(), N);
    assert_eq!(titles.len(), N);
}
