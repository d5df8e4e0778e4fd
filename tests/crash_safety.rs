//! kill -9 at any moment of a fetch: the next run completes with no duplicate and no lost
//! article. Article pages answer slowly so the kills land mid-run, at several different moments.
//! On the embedded store and on PostgreSQL (a real server started by the test).

mod common;
mod labelled;

use std::collections::HashSet;
use std::time::Duration;

use common::postgres::PgCluster;
use common::*;
use portalfeed::store::{Filter, PageQuery, Scope, Storage};

const ARTICLES: usize = 12;

#[test]
fn kill_at_any_moment_loses_nothing_and_duplicates_nothing() {
    kill_at_any_moment(None);
}

#[test]
fn kill_at_any_moment_loses_nothing_and_duplicates_nothing_on_postgresql() {
    let pg = PgCluster::start();
    kill_at_any_moment(Some(&pg.create_database("feeds")));
}

/// A workspace of `sources` on `store` (the default directory when `None`).
fn workspace_on(store: Option<&str>, sources: &str) -> Workspace {
    let ws = Workspace::new(sources);
    if let Some(url) = store {
        ws.write_config_with(&format!("{TEST_SETTINGS}store = \"{url}\"\n"), sources);
    }
    ws
}

fn kill_at_any_moment(store: Option<&str>) {
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
    let ws = workspace_on(store, &format!(
        "[[source]]\nid = \"slow\"\nname = \"Slow\"\nkind = \"html\"\nurl = \"{}\"\n\
         [source.list]\nlink = \"a.t\"\n[source.article]\ntitle = \"h1\"\ndate = \"div.d\"\ncontent = \"div.c\"\n",
        portal.url("/list")
    ));

    for kill_after_ms in [0u64, 150, 400, 700, 1000] {
        kill_fetch_after(&ws, Duration::from_millis(kill_after_ms));
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

/// kill -9 while a party site's articles and a portal's re-posts of them are being merged: the
/// run after the crashes leaves every story whole — one unified entry with its copy — and the
/// store's clusters consistent with its articles and its unified index.
#[test]
fn kill_during_merges_leaves_every_story_whole() {
    kill_during_merges(None);
}

#[test]
fn kill_during_merges_leaves_every_story_whole_on_postgresql() {
    kill_during_merges(Some(&PgCluster::start()));
}

/// Every way the stored clusters disagree with the articles (none for a consistent store).
fn cluster_problems(ws: &Workspace, pg: Option<&PgCluster>) -> Vec<String> {
    match pg {
        None => open_released_store(&ws.store_dir())
            .verify_clusters()
            .expect("verify"),
        Some(pg) => {
            let checks = [
                (
                    "a copy whose representative has no cluster",
                    "SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL \
                     AND duplicate_of NOT IN (SELECT representative FROM clusters)",
                ),
                (
                    "a cluster whose representative is a copy or missing",
                    "SELECT count(*) FROM clusters c WHERE NOT EXISTS (SELECT 1 FROM articles a \
                     WHERE a.key = c.representative AND a.duplicate_of IS NULL)",
                ),
                (
                    "a cluster member pointing elsewhere",
                    "SELECT count(*) FROM clusters c, \
                     jsonb_array_elements(c.record->'members') m \
                     JOIN articles a ON a.key = m->>'key' \
                     WHERE a.story <> c.representative",
                ),
            ];
            checks
                .iter()
                .filter(|(_, sql)| pg.psql("feeds", sql) != "0")
                .map(|(problem, _)| problem.to_string())
                .collect()
        }
    }
}

fn kill_during_merges(pg: Option<&PgCluster>) {
    let url = pg.map(|pg| pg.create_database("feeds"));
    let portal = Portal::start();
    let stories = [
        "a01-hoi-nghi-khoa-giao",
        "a02-thu-hoach-lua",
        "a03-tiep-xuc-cu-tri",
        "a04-dengue",
        "a05-cau-nong-thon",
        "a06-chuyen-doi-so",
        "a07-hien-mau",
        "a08-ocop",
    ];
    let mut links = String::new();
    let mut items = String::new();
    for (i, id) in stories.iter().enumerate() {
        let (title, html) = labelled::story(id, 100);
        links.push_str(&format!(r#"<a class="t" href="/a/{i}.html">x</a>"#));
        portal.put(
            &format!("/a/{i}.html"),
            Page::html(format!(
                "<html><body><h1>{title}</h1><div class='d'>10:{i:02} ngày 20/11/2026</div>\
                 <div class='c'>{html}</div></body></html>"
            ))
            .with_delay(Duration::from_millis(60 * i as u64)),
        );
        // The portal re-posts the first two thirds under its own URL, with a prefix.
        let (_, cut) = labelled::story(id, 67);
        items.push_str(&format!(
            "<item><title>HG: {title}</title><link>/p/{i}.html</link>\
             <pubDate>Fri, 20 Nov 2026 12:{i:02}:00 +0700</pubDate><description>{}</description></item>",
            cut.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
        ));
    }
    portal.put(
        "/list",
        Page::html(format!("<html><body>{links}</body></html>")),
    );
    portal.put(
        "/rss",
        Page::xml(format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>P</title><link>/</link>{items}</channel></rss>"
        )),
    );
    let ws = workspace_on(url.as_deref(), &format!(
        "[[source]]\nid = \"party\"\nname = \"Party\"\nkind = \"html\"\nurl = \"{}\"\n\
         [source.list]\nlink = \"a.t\"\n[source.article]\ntitle = \"h1\"\ndate = \"div.d\"\ncontent = \"div.c\"\n\
         [[source]]\nid = \"portal\"\nname = \"Portal\"\nkind = \"feed\"\nurl = \"{}\"\n",
        portal.url("/list"),
        portal.url("/rss")
    ));
    if let Some(url) = &url {
        // The schema first: a kill at 30 ms may land before `fetch` has migrated it (which is
        // safe: each migration is one transaction), and the checks below read its tables.
        let migrated = std::process::Command::new(env!("CARGO_BIN_EXE_portalfeed"))
            .args(["migrate", "--to", url])
            .output()
            .expect("migrate");
        assert!(migrated.status.success());
    }
    for kill_after_ms in [30u64, 120, 250, 400] {
        kill_fetch_after(&ws, Duration::from_millis(kill_after_ms));
        let problems = cluster_problems(&ws, pg);
        assert!(
            problems.is_empty(),
            "after a kill at {kill_after_ms} ms: {problems:#?}"
        );
    }
    ws.fetch(0);
    let feed = ws.unified();
    assert_eq!(feed.entries.len(), stories.len(), "{:?}", titles(&feed));
    for entry in &feed.entries {
        let related = entry.links.iter().filter(|l| l.rel == "related").count();
        assert_eq!(related, 1, "{}: its copy", entry.title.value);
    }
    assert_eq!(cluster_problems(&ws, pg), Vec::<String>::new());
    let store: Box<dyn Storage> = match &url {
        None => Box::new(open_released_store(&ws.store_dir())),
        Some(url) => Box::new(portalfeed::store::postgres::PgStore::open(url).expect("open")),
    };
    assert_eq!(store.merge_count(), stories.len() as u64); // The search index followed every write that survived a kill: each story is found by the
                                                           // first words of its title, as one entry.
    for entry in &feed.entries {
        let words: Vec<&str> = entry.title.value.split_whitespace().take(5).collect();
        let page = store
            .page(&PageQuery {
                scope: Scope::All,
                before: None,
                after: None,
                limit: 50,
                filter: Filter {
                    q: Some(format!("\"{}\"", words.join(" "))),
                    ..Filter::default()
                },
            })
            .expect("search");
        let ids: Vec<String> = page
            .entries
            .iter()
            .map(|e| portalfeed::render::entry_id(&e.article.key))
            .collect();
        assert_eq!(ids, vec![entry.id.clone()], "{}", entry.title.value);
    }
}
