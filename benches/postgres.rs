//! The PostgreSQL store beside the embedded one (issue 12), on a throwaway cluster started here
//! (`initdb` + `pg_ctl` in a temp dir, loopback, fsync off — as the tests run it):
//! - store rate: N articles (default 20,000; `PORTALFEED_BENCH_PG_ARTICLES`), already
//!   normalized, each `put_article` (dedup lookup, store, index), flushed every 1,000 as source
//!   runs do: sled vs PostgreSQL, articles/s;
//! - feed pages from each store: the unified page of 100 entries, one source's page, and
//!   searches (a common word, a two-word phrase, a miss): p50/p99 over 200 requests, once the
//!   database has analysed its tables (as autovacuum does after such a load);
//! - a fetch cycle of 1,000 loopback sources (one list page answered after 20 ms, one article
//!   each) by one `portalfeed serve` on the database, then by three: the time until every
//!   article is stored.
//!
//! `cargo bench --bench postgres`.

#[path = "../tests/common/mod.rs"]
mod common;

#[path = "support/vocabulary.rs"]
mod vocabulary;
use vocabulary::vocabulary;

#[path = "support/articles.rs"]
mod articles;
use articles::{article, percentiles, t0};

use std::time::{Duration, Instant};

use common::postgres::PgCluster;
use common::*;
use portalfeed::normalize::{dedupe_profile, Article};
use portalfeed::store::postgres::PgStore;
use portalfeed::store::{Filter, PageQuery, Scope, Storage, Store};

const QUERIES: usize = 200;
const CYCLE_SOURCES: usize = 1000;

fn main() {
    let n = articles::wanted("PORTALFEED_BENCH_PG_ARTICLES", 20_000);
    let words = vocabulary();
    let prepared: Vec<(Article, portalfeed::dedupe::Profile)> = (0..n)
        .map(|i| {
            let a = article(i, &words);
            let p = dedupe_profile(&a);
            (a, p)
        })
        .collect();
    let pg = PgCluster::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let sled = Store::open(dir.path()).expect("sled store");
    let postgres = PgStore::open(&pg.create_database("bench")).expect("PostgreSQL store");
    let backends: [(&str, &dyn Storage); 2] = [("sled", &sled), ("postgres", &postgres)];
    println!("{n} articles, stored one at a time (dedup lookup, store, index):");
    for (name, store) in backends {
        let started = Instant::now();
        for (i, (a, p)) in prepared.iter().enumerate() {
            let source = format!("s{}", i % 50);
            store
                .put_article(&source, a.clone(), p, &[], t0())
                .expect("put");
            if i % 1000 == 999 {
                store.flush().expect("flush");
            }
        }
        store.flush().expect("flush");
        let secs = started.elapsed().as_secs_f64();
        println!(
            "  {name:<8} {secs:6.1} s = {:6.0} articles/s",
            n as f64 / secs
        );
    }

    // As autovacuum would after such a load: the planner needs the tables' statistics.
    pg.psql("bench", "ANALYZE");

    let common = words[words.len() / 2].clone();
    let phrase = |i: usize| {
        let a = &prepared[(i * 7919) % prepared.len()].0;
        let text: Vec<&str> = a.title.split(' ').collect();
        format!("\"{} {}\"", text[2], text[3])
    };
    type Case<'a> = (&'a str, Box<dyn Fn(usize) -> PageQuery<'static> + 'a>);
    let search = |q: String| PageQuery {
        scope: Scope::All,
        before: None,
        after: None,
        limit: 100,
        filter: Filter {
            q: Some(q),
            ..Filter::default()
        },
    };
    let cases: Vec<Case> = vec![
        (
            "unified page",
            Box::new(|_| PageQuery {
                scope: Scope::All,
                before: None,
                after: None,
                limit: 100,
                filter: Filter::default(),
            }),
        ),
        (
            "source page",
            Box::new(|_| PageQuery {
                scope: Scope::Source("s7"),
                before: None,
                after: None,
                limit: 100,
                filter: Filter::default(),
            }),
        ),
        ("q=common word", Box::new(|_| search(common.clone()))),
        ("q=phrase", Box::new(|i| search(phrase(i)))),
        ("q=miss", Box::new(|i| search(format!("xyzzy{i}")))),
    ];
    println!("feed pages (100 entries), p50 / p99 over {QUERIES}:");
    for (case, make) in &cases {
        let mut line = format!("  {case:<14}");
        for (name, store) in backends {
            let mut times = Vec::with_capacity(QUERIES);
            let mut found = 0;
            for i in 0..QUERIES {
                let query = make(i);
                let started = Instant::now();
                found += store.page(&query).expect("page").entries.len();
                times.push(started.elapsed());
            }
            let (p50, p99) = percentiles(times);
            line.push_str(&format!(
                "  {name} {:7.2} / {:7.2} ms ({:.0}/page)",
                p50.as_secs_f64() * 1e3,
                p99.as_secs_f64() * 1e3,
                found as f64 / QUERIES as f64
            ));
        }
        println!("{line}");
    }
    drop(postgres);

    println!("fetch cycle of {CYCLE_SOURCES} loopback sources on one database:");
    let portal = Portal::start();
    let mut sources = String::new();
    for i in 0..CYCLE_SOURCES {
        portal.put(
            &format!("/s{i}/list"),
            Page::html(format!(r#"<a class="t" href="/s{i}/a.html">x</a>"#))
                .with_delay(Duration::from_millis(20)),
        );
        let a = article(1_000_000 + i as u64, &words);
        portal.put(
            &format!("/s{i}/a.html"),
            Page::html(format!(
                "<html><body><h1>{}</h1><div class='d'>20/11/2026 08:00</div>\
                 <div class='c'>{}</div></body></html>",
                a.title, a.content_html
            )),
        );
        sources.push_str(&format!(
            "[[source]]\nid = \"s{i}\"\nname = \"Nguồn {i}\"\nkind = \"html\"\nurl = \"{}\"\n\
             interval = \"1h\"\n[source.list]\nlink = \"a.t\"\n[source.article]\ntitle = \"h1\"\n\
             date = \"div.d\"\ncontent = \"div.c\"\n",
            portal.url(&format!("/s{i}/list"))
        ));
    }
    for instances in [1, 3] {
        let db = format!("cycle{instances}");
        let url = pg.create_database(&db);
        let ws = Workspace::new("");
        ws.write_config_with(
            &format!("{TEST_SETTINGS}store = \"{url}\"\nconcurrency = 8\n"),
            &sources,
        );
        let started = Instant::now();
        let servers: Vec<Server> = (0..instances).map(|_| ws.serve()).collect();
        let done = eventually(Duration::from_secs(600), || {
            pg.psql(&db, "SELECT count(*) FROM articles") == CYCLE_SOURCES.to_string()
        });
        let secs = started.elapsed().as_secs_f64();
        assert!(done, "the cycle did not finish");
        println!(
            "  {instances} instance(s), concurrency 8 each: {secs:.1} s = {:.0} sources/s",
            CYCLE_SOURCES as f64 / secs
        );
        drop(servers);
    }
}
