//! A client portal administrators have no reason to block, over loopback: robots.txt (disallow
//! and Crawl-delay, measured from the fixture server's request log, kept a day), retries of
//! network and server errors but not 4xx, `Retry-After`, giving up on an article after five
//! failed runs, links followed only on the source's own host (or `allow_hosts`), and a portal
//! that moved for good to another host reported with its new address.

mod common;

use std::time::Duration;

use common::*;
use portalfeed::store::{Storage, Store};

fn html_source(id: &str, url: &str, extra: &str) -> String {
    format!(
        "[[source]]\nid = \"{id}\"\nname = \"{id}\"\nkind = \"html\"\nurl = \"{url}\"\n{extra}\n\
         [source.list]\nlink = \"a.t\"\n[source.article]\ntitle = \"h1\"\ncontent = \"div.c\"\n"
    )
}

fn article(title: &str) -> String {
    format!("<html><body><h1>{title}</h1><div class='c'><p>Nội dung của bài {title} trên cổng.</p></div></body></html>")
}

fn list(links: &[&str]) -> String {
    let items: String = links
        .iter()
        .map(|l| format!(r#"<a class="t" href="{l}">x</a>"#))
        .collect();
    format!("<html><body>{items}</body></html>")
}

#[test]
fn robots_txt_disallow_and_crawl_delay() {
    let portal = Portal::start();
    portal.put(
        "/robots.txt",
        Page::html("User-agent: *\nDisallow: /private/\nCrawl-delay: 1\n")
            .with_content_type("text/plain"),
    );
    portal.put(
        "/list",
        Page::html(list(&["/pub/1.html", "/pub/2.html", "/private/3.html"])).with_etag("v1"),
    );
    for path in ["/pub/1.html", "/pub/2.html", "/private/3.html"] {
        portal.put(path, Page::html(article(path)));
    }
    let ws = Workspace::new(&html_source("polite", &portal.url("/list"), ""));
    let summary = ws.fetch(0);
    assert!(summary.contains("ok: 2 new"), "{summary}");
    assert!(
        summary.contains("/private/3.html: ") && summary.contains("disallowed by robots.txt"),
        "{summary}"
    );
    let hits = portal.all_hits();
    assert_eq!(hits[0].path, "/robots.txt", "robots.txt comes first");
    assert!(
        hits.iter().all(|h| h.path != "/private/3.html"),
        "never requested: {hits:?}"
    );
    // Crawl-delay: 1 — every request after robots.txt at least a second after the previous one.
    let pages: Vec<_> = hits.iter().skip(1).collect();
    assert_eq!(pages.len(), 3);
    for pair in pages.windows(2) {
        let gap = pair[1].at.duration_since(pair[0].at);
        assert!(
            gap >= Duration::from_millis(990),
            "{} → {}: {gap:?}",
            pair[0].path,
            pair[1].path
        );
    }

    // robots.txt is kept a day: the next run does not ask for it again.
    portal.take_hits();
    let before = portal.all_hits().len();
    ws.fetch(0);
    assert!(portal.all_hits()[before..]
        .iter()
        .all(|h| h.path != "/robots.txt"));
}

#[test]
fn retries_for_server_errors_not_for_client_errors() {
    let portal = Portal::start();
    portal.put("/list", Page::html(list(&["/flaky.html", "/gone.html"])));
    portal.put(
        "/flaky.html",
        Page::html(article("flaky")).failing_first(2, 500),
    );
    portal.put(
        "/gone.html",
        Page::html(article("gone")).failing_first(100, 404),
    );
    let ws = Workspace::new(&html_source("r", &portal.url("/list"), ""));
    let summary = ws.fetch(0);
    assert!(
        summary.contains("ok: 1 new") && summary.contains("gone.html: HTTP 404"),
        "{summary}"
    );
    let count = |path: &str| portal.hits().iter().filter(|h| h.path == path).count();
    assert_eq!(count("/flaky.html"), 3, "two retries");
    assert_eq!(count("/gone.html"), 1, "4xx is not retried");
}

#[test]
fn a_long_retry_after_is_left_to_the_scheduler() {
    let portal = Portal::start();
    portal.put(
        "/list",
        Page::html(list(&[]))
            .failing_first(100, 503)
            .with_retry_after("3600"),
    );
    let ws = Workspace::new(&html_source("busy", &portal.url("/list"), ""));
    let summary = ws.fetch(1);
    assert!(
        summary.contains("HTTP 503 (retry after 3600s)"),
        "{summary}"
    );
    assert_eq!(portal.hits().len(), 1, "not retried inside the run");
    let store = Store::open(&ws.store_dir()).expect("store");
    let state = store.source_state("busy").expect("state");
    let wait = state
        .retry_after
        .zip(state.last_run)
        .map(|(r, l)| (r - l).num_seconds());
    assert_eq!(wait, Some(3600));
    drop(store);
    // A plain `fetch` (due sources only) respects it too.
    let out = ws.run(&["fetch"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("busy  not due"));
}

#[test]
fn an_article_that_keeps_failing_is_given_up_after_five_runs() {
    let portal = Portal::start();
    portal.put(
        "/list",
        Page::html(list(&["/ok.html", "/broken.html"])).with_etag("v1"),
    );
    portal.put("/ok.html", Page::html(article("ok")));
    portal.put(
        "/broken.html",
        Page::html("<html><body>no title, no content</body></html>"),
    );
    let ws = Workspace::new(&html_source("g", &portal.url("/list"), ""));
    for run in 1..=5 {
        let summary = ws.fetch(0);
        assert!(summary.contains("broken.html"), "run {run}: {summary}");
        if run == 5 {
            assert!(summary.contains("failed 5 times, given up"), "{summary}");
        }
    }
    let before = portal.hits().len();
    let summary = ws.fetch(0);
    assert!(!summary.contains("broken.html"), "{summary}");
    let later: Vec<_> = portal.hits()[before..]
        .iter()
        .map(|h| h.path.clone())
        .collect();
    assert!(!later.contains(&"/broken.html".to_string()), "{later:?}");
}

#[test]
fn links_stay_on_the_source_host_unless_allowed() {
    let portal = Portal::start();
    // `localhost` is the same fixture server under another host name: another host to us.
    let other = format!("http://localhost:{}/other.html", portal.addr.port());
    portal.put("/list", Page::html(list(&["/own.html", &other])));
    portal.put("/own.html", Page::html(article("own")));
    portal.put("/other.html", Page::html(article("other")));
    let ws = Workspace::new(&html_source("h", &portal.url("/list"), ""));
    assert!(ws.fetch(0).contains("ok: 1 new"));
    assert!(portal.hits().iter().all(|h| h.path != "/other.html"));

    ws.write_config(&html_source(
        "h",
        &portal.url("/list"),
        "allow_hosts = [\"localhost\"]",
    ));
    assert!(ws.fetch(0).contains("ok: 1 new"));
    assert!(portal.hits().iter().any(|h| h.path == "/other.html"));
}

#[test]
fn a_permanent_move_to_another_host_is_reported_and_the_articles_stay() {
    let portal = Portal::start();
    portal.put("/list", Page::html(list(&["/a.html"])));
    portal.put("/a.html", Page::html(article("a")));
    let ws = Workspace::new(&html_source("moved", &portal.url("/list"), ""));
    ws.fetch(0);
    let new_home = format!("http://localhost:{}/tin-tuc", portal.addr.port());
    portal.put(
        "/list",
        Page {
            status: 301,
            location: Some(new_home.clone()),
            ..Page::html("")
        },
    );
    let summary = ws.fetch(1);
    assert!(
        summary.contains(&format!("moved permanently to {new_home}")),
        "{summary}"
    );
    assert_eq!(
        ws.source_feed("moved").entries.len(),
        1,
        "what was stored stays"
    );
}

#[test]
fn a_slow_host_does_not_hold_up_the_others() {
    // Two hosts: 127.0.0.1 answers slowly, `localhost` (the same fixture server by another
    // name) at once. With one request in flight per host's turn and a small global limit, the
    // fast host's articles must not queue behind the slow one's.
    let portal = Portal::start();
    let port = portal.addr.port();
    portal.put(
        "/slow",
        Page::html(list(&["/s/1.html", "/s/2.html", "/s/3.html"])),
    );
    portal.put(
        "/fast",
        Page::html(list(&["/f/1.html", "/f/2.html", "/f/3.html"])),
    );
    for i in 1..=3 {
        portal.put(
            &format!("/s/{i}.html"),
            Page::html(article(&format!("chậm {i}"))).with_delay(Duration::from_millis(1500)),
        );
        portal.put(
            &format!("/f/{i}.html"),
            Page::html(article(&format!("nhanh {i}"))),
        );
    }
    let ws = Workspace::new(&format!(
        "{}{}",
        html_source("slow", &portal.url("/slow"), ""),
        html_source("fast", &format!("http://localhost:{port}/fast"), ""),
    ));
    std::fs::write(
        ws.config(),
        std::fs::read_to_string(ws.config())
            .expect("config")
            .replace(
                "per_host_delay = \"0s\"",
                "per_host_delay = \"100ms\"\nconcurrency = 2",
            ),
    )
    .expect("config");
    let started = std::time::Instant::now();
    ws.fetch(0);
    let hits = portal.hits();
    let fast_done = hits
        .iter()
        .filter(|h| h.path.starts_with("/f/"))
        .map(|h| h.at)
        .max()
        .expect("fast hits");
    let slow_done = hits
        .iter()
        .filter(|h| h.path.starts_with("/s/"))
        .map(|h| h.at)
        .max()
        .expect("slow hits");
    assert!(
        fast_done.duration_since(started) < Duration::from_millis(1500),
        "the fast host finished at {:?}, the slow one's last request at {:?}",
        fast_done.duration_since(started),
        slow_done.duration_since(started)
    );
}
