//! kill -9 soak: 50 kills at pseudo-random moments of a 240-article fetch, each followed by a
//! clean run. Every time: every article exactly once in the unified feed, the feed valid Atom,
//! and `sources` counting exactly what is stored (the per-source counter is written in each
//! article's transaction, so a kill cannot leave it off by one).

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::*;

const ARTICLES: usize = 240;
const KILLS: usize = 50;

#[test]
fn fifty_kills_lose_nothing_and_duplicate_nothing() {
    let portal = Portal::start();
    let body = real_body("bacgiang-2017-post3-tay-yen-tu");
    let links: String = (0..ARTICLES)
        .map(|i| format!(r#"<a class="t" href="/a/{i}.html">x</a>"#))
        .collect();
    portal.put(
        "/list",
        Page::html(format!("<html><body>{links}</body></html>")),
    );
    for i in 0..ARTICLES {
        portal.put(
            &format!("/a/{i}.html"),
            Page::html(format!(
                "<html><body><h1>Bài số {i}</h1><div class='d'>Cập nhật lúc 10:{:02} ngày 20/11/2026</div>\
                 <div class='c'><p>Đoạn riêng của bài số {i}.</p>{body}</div></body></html>",
                i % 60
            )),
        );
    }
    let ws = Workspace::new("");
    ws.write_config_with(
        &TEST_SETTINGS.replace("listen", "feed_entries = 500\nlisten"),
        &format!(
            "[[source]]\nid = \"soak\"\nname = \"Soak\"\nkind = \"html\"\nurl = \"{}\"\n\
             [source.list]\nlink = \"a.t\"\n[source.article]\ntitle = \"h1\"\ndate = \"div.d\"\ncontent = \"div.c\"\n",
            portal.url("/list")
        ),
    );

    // How long a cold run takes here: kills land anywhere inside it.
    let started = Instant::now();
    ws.fetch(0);
    let cold = started.elapsed().max(Duration::from_millis(50));

    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for kill in 0..KILLS {
        std::fs::remove_dir_all(ws.store_dir()).expect("fresh store");
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let at = Duration::from_micros(state % (cold.as_micros() as u64).max(1));
        kill_fetch_after(&ws, at);

        ws.fetch(0);
        let feed = ws.unified();
        let titles = titles(&feed);
        let unique: HashSet<&String> = titles.iter().collect();
        assert_eq!(
            titles.len(),
            ARTICLES,
            "kill {kill} at {at:?}: every article"
        );
        assert_eq!(
            unique.len(),
            ARTICLES,
            "kill {kill} at {at:?}: no duplicate"
        );
        let ids: HashSet<&String> = feed.entries.iter().map(|e| &e.id).collect();
        assert_eq!(ids.len(), ARTICLES);
        let table = String::from_utf8_lossy(&ws.run(&["sources"]).stdout).into_owned();
        let row = table
            .lines()
            .find(|l| l.starts_with("soak "))
            .unwrap_or_default()
            .to_string();
        assert!(
            row.split_whitespace()
                .any(|cell| cell == ARTICLES.to_string()),
            "kill {kill} at {at:?}: the count matches the store: {table}"
        );
    }
    assert_valid_atom(&ws.dir.path().join("public/feed.atom"));
}
