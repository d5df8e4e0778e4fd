//! kill -9 at any moment of a fetch: the next run completes with no duplicate and no lost
//! article. Article pages answer slowly so the kills land mid-run, at several different moments.

mod common;

use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;

const ARTICLES: usize = 12;

#[test]
fn kill_at_any_moment_loses_nothing_and_duplicates_nothing() {
    let portal = Portal::start();
    let links: String = (0..ARTICLES)
        .map(|i| {
            format!(
                r#"<a class="t" href="/a/{i}.html">x</a><a class="t" href="/a/{i}.html#img">y</a>"#
            )
        })
        .collect();
    portal.put(
        "/list",
        Page::html(format!("<html><body>{links}</body></html>")).with_etag("v1"),
    );
    for i in 0..ARTICLES {
        let page = format!(
            "<html><head><title>Bài số {i}</title></head><body><h1>Bài số {i}</h1>\
             <div class='d'>Cập nhật lúc 10:{i:02} ngày 20/11/2026</div>\
             <div class='c'><p>Nội dung riêng của bài số {i}: tỉnh triển khai nhiệm vụ thứ {i}.</p></div></body></html>"
        );
        // Staggered delays: articles land one after another over ~1.2 s.
        portal.put(
            &format!("/a/{i}.html"),
            Page::html(page).with_delay(Duration::from_millis(100 * i as u64)),
        );
    }
    let ws = Workspace::new(&format!(
        "[[source]]\nid = \"slow\"\nname = \"Slow\"\nkind = \"html\"\nurl = \"{}\"\n\
         [source.list]\nlink = \"a.t\"\n[source.article]\ntitle = \"h1\"\ndate = \"div.d\"\ncontent = \"div.c\"\n",
        portal.url("/list")
    ));

    for kill_after_ms in [0u64, 150, 400, 700, 1000] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_portalfeed"))
            .args(["fetch", "--force", "--config"])
            .arg(ws.config())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn portalfeed");
        std::thread::sleep(Duration::from_millis(kill_after_ms));
        child.kill().expect("SIGKILL"); // SIGKILL on Unix: no cleanup, no flush
        child.wait().expect("reap");
    }

    // A run to completion after the crashes.
    ws.fetch(0);
    let feed = ws.source_feed("slow");
    let got = titles(&feed);
    let unique: HashSet<&String> = got.iter().collect();
    assert_eq!(got.len(), ARTICLES, "every article exactly once: {got:?}");
    assert_eq!(unique.len(), ARTICLES, "no duplicate: {got:?}");
    let ids: HashSet<&String> = feed.entries.iter().map(|e| &e.id).collect();
    assert_eq!(ids.len(), ARTICLES);

    // And the run after that trusts the 304: all was stored, nothing is refetched.
    portal.take_hits();
    ws.fetch(0);
    assert_eq!(portal.take_hits().len(), 1);
}
