//! The operator's status page in a real headless browser (Debian's chromium, installed by
//! `.ci/run`): the table lists every source with its state, a portal "redesign" that leaves no
//! article link is marked broken, and a phone-sized screenshot lands in
//! `target/test-output/status-page.png`.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use common::*;

fn source(id: &str, url: &str) -> String {
    format!(
        "[[source]]\nid = \"{id}\"\nname = \"Cổng {id}\"\nprovince = \"Cần Thơ\"\nkind = \"html\"\nurl = \"{url}\"\n\
         interval = \"1h\"\n[source.list]\nlink = \"a.news-title\"\n[source.article]\ntitle = \"h1\"\ncontent = \"div.c\"\n"
    )
}

fn chromium(args: &[&str], profile: &std::path::Path) -> std::process::Output {
    Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("chromium must be installed: scripts/test installs Debian's chromium")
}

#[test]
fn status_page_in_headless_chromium() {
    let portal = Portal::start();
    let article = "<html><body><h1>Bài viết</h1><div class='c'><p>Nội dung bài viết của cổng.</p></div></body></html>";
    portal.put(
        "/good",
        Page::html(r#"<a class="news-title" href="/good/1.html">x</a>"#),
    );
    portal.put(
        "/good/1.html",
        Page::html(article.replace("Bài viết", "Bài tốt")),
    );
    portal.put(
        "/redesign",
        Page::html(r#"<a class="news-title" href="/r/1.html">x</a>"#),
    );
    portal.put("/r/1.html", Page::html(article));
    portal.put("/down", Page::status(503));
    let ws = Workspace::new(&format!(
        "{}{}{}",
        source("good", &portal.url("/good")),
        source("redesign", &portal.url("/redesign")),
        source("down", &portal.url("/down")),
    ));
    let server = ws.serve();
    let client = http();
    // First runs done, the failing one included (503s are retried twice first).
    let table = || {
        client
            .get(server.url("/sources.txt"))
            .send()
            .expect("GET")
            .text()
            .expect("body")
    };
    assert!(
        eventually(Duration::from_secs(10), || {
            let t = table();
            t.contains("HTTP 503") && t.lines().filter(|l| l.contains(" ok ")).count() == 2
        }),
        "{}",
        table()
    );

    // The portal is redesigned: its list page keeps answering but has no `a.news-title` left.
    portal.put(
        "/redesign",
        Page::html(r#"<div class="new-theme"><a href="/r/1.html">x</a></div>"#),
    );
    admin_post(&client, server.url("/admin/fetch?source=redesign"))
        .send()
        .expect("POST");
    assert!(
        eventually(Duration::from_secs(5), || table().contains("BROKEN?")),
        "{}\n{}",
        table(),
        server.log()
    );

    let profile = tempfile::tempdir().expect("profile dir");
    let dom = chromium(&["--dump-dom", &server.url("/")], profile.path());
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains(r#"<table id="sources">"#), "{dom}");
    let row = |id: &str| {
        dom.split("<tr")
            .find(|r| r.contains(&format!(r#"data-source="{id}""#)))
            .unwrap_or_else(|| panic!("no row for {id}: {dom}"))
            .to_string()
    };
    assert!(
        row("good").contains("Cổng good")
            && row("good").contains(">ok<")
            && row("good").contains("Cần Thơ")
            && row("good").contains("+07:00"),
        "{}",
        row("good")
    );
    assert!(row("redesign").contains("broken?"), "{}", row("redesign"));
    assert!(
        row("redesign").contains("selector `a.news-title` matched nothing on http://"),
        "{}",
        row("redesign")
    );
    assert!(
        row("down").contains("HTTP 503") && row("down").contains(">failed<"),
        "{}",
        row("down")
    );
    assert!(dom.contains(r#"<link rel="alternate" type="application/atom+xml""#));
    assert!(dom.contains(r#"href="/sources/good.atom""#));

    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("../test-output");
    std::fs::create_dir_all(&out_dir).expect("test output dir");
    let shot = out_dir.join("status-page.png");
    let _ = std::fs::remove_file(&shot);
    let out = chromium(
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=412,915",
            &server.url("/"),
        ],
        profile.path(),
    );
    let png = std::fs::read(&shot).unwrap_or_else(|e| {
        panic!(
            "no screenshot ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 5_000,
        "a real picture, {} bytes",
        png.len()
    );
    println!("status page screenshot: {}", shot.display());
}
