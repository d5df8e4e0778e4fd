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
            let _ = admin_post(&client, server.url("/admin/fetch?source=down")).send();
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

/// A host asking `Crawl-delay: 3600` cannot hold the run hostage: its list page is not delayed
/// by the robots.txt request, the delay is capped, the run has a deadline (`run_timeout`) after
/// which the unfinished source is recorded as timed out, and the healthy source is published.
#[test]
fn one_slow_host_cannot_stall_the_run() {
    let slow = Portal::start_on("127.0.0.2");
    slow.put(
        "/robots.txt",
        Page::html("User-agent: *\nCrawl-delay: 3600\n").with_content_type("text/plain"),
    );
    slow.put(
        "/list",
        Page::html(r#"<a class="t" href="/a1.html">1</a><a class="t" href="/a2.html">2</a>"#),
    );
    for i in 1..=2 {
        slow.put(
            &format!("/a{i}.html"),
            Page::html(format!(
                "<h1>Bài chậm {i}</h1><div class='c'><p>Nội dung chậm số {i}.</p></div>"
            )),
        );
    }
    let healthy = Portal::start();
    healthy.put_fixture_rss("/rss");
    let ws = Workspace::new("");
    ws.write_config_with(
        &format!("{TEST_SETTINGS}run_timeout = \"3s\"\n"),
        &format!(
            "{}[[source]]\nid = \"slow\"\nname = \"Slow\"\nkind = \"html\"\nurl = \"{}\"\n\
             [source.list]\nlink = \"a.t\"\n[source.article]\ntitle = \"h1\"\ncontent = \"div.c\"\n",
            feed_source("healthy", &healthy.url("/rss")),
            slow.url("/list")
        ),
    );
    let started = std::time::Instant::now();
    let summary = ws.fetch(1);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(20), "{took:?}");
    assert!(summary.contains("healthy  ok: 3 new"), "{summary}");
    let slow_line = summary
        .lines()
        .find(|l| l.starts_with("slow "))
        .unwrap_or_default();
    assert!(slow_line.contains("timed out"), "{summary}");
    // The list page was fetched right after robots.txt, not an hour later.
    let paths: Vec<String> = slow.all_hits().into_iter().map(|h| h.path).collect();
    assert!(paths.contains(&"/list".to_string()), "{paths:?}");
    assert_eq!(
        ws.unified().entries.len(),
        3,
        "the healthy source is published"
    );
    // The store is free again, and `sources` says what happened.
    let table = String::from_utf8_lossy(&ws.run(&["sources"]).stdout).into_owned();
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("slow ") && l.contains("timed out")),
        "{table}"
    );
    // The cap is said where operators look once a run completes. (The host's robots.txt is
    // remembered for a day: the new run takes the list page at once.)
    slow.put_fixture_rss("/rss");
    ws.write_config_with(
        &format!("{TEST_SETTINGS}run_timeout = \"3s\"\n"),
        &format!(
            "{}{}",
            feed_source("healthy", &healthy.url("/rss")),
            feed_source("slow", &slow.url("/rss"))
        ),
    );
    let summary = ws.fetch(0);
    assert!(
        summary.contains("note: 127.0.0.2 asks Crawl-delay 3600 s in robots.txt; capped at 60 s"),
        "{summary}"
    );
    let table = String::from_utf8_lossy(&ws.run(&["sources"]).stdout).into_owned();
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("slow ") && l.contains("capped at 60 s")),
        "{table}"
    );
    let out = ws.run(&["fetch", "--source", "healthy"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A feed of 20,000 entries or a list page of 3,000 links is read up to the limits
/// (`max_entries_per_run`, `max_links_per_page`), the excess said; a source may raise them.
#[test]
fn one_run_reads_at_most_its_limits() {
    let portal = Portal::start();
    let items: String = (0..20_000)
        .map(|i| {
            format!("<item><title>Tin số {i}</title><link>/tin/{i}.html</link><description>Nội dung {i}</description></item>")
        })
        .collect();
    for (path, prefix) in [("/rss", "/tin"), ("/rss2", "/khac")] {
        portal.put(
            path,
            Page::xml(format!(
                "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title><link>/</link>{}</channel></rss>",
                // Different stories in each feed: the dedupe must not merge them.
                items
                    .replace("/tin/", &format!("{prefix}/"))
                    .replace("Tin số", &format!("Tin {prefix} số"))
                    .replace("Nội dung", &format!("Nội dung {prefix}"))
            )),
        );
    }
    let links: String = (0..3_000)
        .map(|i| format!(r#"<a class="t" href="/bai/{i}.html">Bài {i}</a>"#))
        .collect();
    portal.put(
        "/list",
        Page::html(format!("<html><body>{links}</body></html>")),
    );
    for i in 0..3_000 {
        portal.put(
            &format!("/bai/{i}.html"),
            Page::html(format!(
                "<h1>Bài {i}</h1><div class='c'><p>Nội dung bài {i}.</p></div>"
            )),
        );
    }
    let ws = Workspace::new("");
    ws.write_config_with(
        &TEST_SETTINGS.replace("max_body_bytes = 200000", "max_body_bytes = 5000000\nmax_entries_per_run = 50\nmax_links_per_page = 80"),
        &format!(
            "{}[[source]]\nid = \"big\"\nname = \"Big\"\nkind = \"feed\"\nurl = \"{}\"\nmax_entries_per_run = 120\n\
             [[source]]\nid = \"list\"\nname = \"List\"\nkind = \"html\"\nurl = \"{}\"\n\
             [source.list]\nlink = \"a.t\"\n[source.article]\ntitle = \"h1\"\ncontent = \"div.c\"\n",
            feed_source("feed", &portal.url("/rss")),
            portal.url("/rss2"),
            portal.url("/list")
        ),
    );
    let summary = ws.fetch(0);
    let block = |id: &str| -> String {
        let mut lines = summary
            .lines()
            .skip_while(|l| !l.starts_with(&format!("{id} ")));
        let head = lines.next().unwrap_or_default().to_string();
        lines
            .take_while(|l| l.starts_with(' '))
            .fold(head, |all, l| all + "\n" + l)
    };
    assert!(block("feed").contains("ok: 50 new"), "{summary}");
    assert!(
        block("feed")
            .contains("note: the feed has 20000 entries, the first 50 read (max_entries_per_run)"),
        "{summary}"
    );
    assert!(
        block("big").contains("the first 120 read (max_entries_per_run)"),
        "per-source limit: {summary}"
    );
    assert!(block("list").contains("ok: 50 new"), "{summary}");
    assert!(
        block("list")
            .contains("note: list page 1: 3000 links, the first 80 read (max_links_per_page)"),
        "{summary}"
    );
    assert!(
        block("list").contains("note: 30 more new links not read (max_entries_per_run = 50)"),
        "{summary}"
    );
    let article_hits = portal
        .all_hits()
        .iter()
        .filter(|h| h.path.starts_with("/bai/"))
        .count();
    assert_eq!(article_hits, 50);
}
