//! A big store, searched: builds a store of N articles (default 1,000,000; set
//! `PORTALFEED_BENCH_ARTICLES` for a quicker run) of ~2.5 KB of text each, flushed every 1,000
//! articles as source runs do, and reports
//! - the build rate (normalize + dedup lookup + store + search index), the bytes on disk per
//!   article (sled and the search index) against the article's own text;
//! - `Store::page` with `q` (the feed's default 100 entries): p50/p99 for a common word, a
//!   rarer word, a two-word phrase, and a word no article has;
//! - `portalfeed serve` over loopback: `/feed.atom?q=…` p50/p99 for 1,000 distinct searches
//!   (half hits, half misses; each renders, nothing cached), and the server's resident memory
//!   before and after them.
//!
//! `cargo bench --bench search`.

#[path = "../tests/common/mod.rs"]
mod common;

#[path = "support/vocabulary.rs"]
mod vocabulary;
use vocabulary::vocabulary;

#[path = "support/articles.rs"]
mod articles;
use articles::{article, percentiles, t0};

use std::time::Instant;

use common::*;
use portalfeed::normalize::dedupe_profile;
use portalfeed::store::{Filter, PageQuery, Scope, Storage, Store};

const QUERIES: usize = 200;

/// The i-th query of a kind.
type QueryMaker<'a> = Box<dyn Fn(usize) -> String + 'a>;

fn dir_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_bytes(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

/// Resident memory of `pid` in kB: all of it, and the part that is not a file's pages (the
/// search index is memory-mapped: its pages count as resident while the kernel keeps them).
fn rss_kb(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("RssAnon:"))
}

fn main() {
    let n = articles::wanted("PORTALFEED_BENCH_ARTICLES", 1_000_000);
    let words = vocabulary();
    let ws = Workspace::new(
        "[[source]]\nid = \"bench\"\nname = \"Cổng TTĐT\"\nprovince = \"Cần Thơ\"\nkind = \"feed\"\n\
         url = \"http://127.0.0.1:9/rss\"\nenabled = false\n",
    );
    // A store kept between runs (PORTALFEED_BENCH_STORE=dir, e.g. target/bench-store): built once, searched again after
    // a change to the search code.
    if let Some(kept) = std::env::var_os("PORTALFEED_BENCH_STORE") {
        std::fs::create_dir_all(&kept).expect("kept store dir");
        std::os::unix::fs::symlink(&kept, ws.store_dir()).expect("link the kept store");
    }
    {
        let store = Store::open(&ws.store_dir()).expect("store");
        let started = Instant::now();
        let stored = store.article_count() as u64;
        if stored > 0 {
            println!("reusing a store of {stored} articles");
        }
        for i in stored..n {
            let article = article(i, &words);
            let profile = dedupe_profile(&article);
            store
                .put_article("bench", article, &profile, &[], t0())
                .expect("put");
            if i % 1000 == 999 {
                store.flush().expect("flush");
            }
            if i % 100_000 == 99_999 {
                eprintln!("{} stored, {:.0} s", i + 1, started.elapsed().as_secs_f64());
            }
        }
        store.flush().expect("flush");
        let secs = started.elapsed().as_secs_f64();
        let built = n.saturating_sub(stored).max(1);
        let n = n.max(stored);
        let index = store.search_index_bytes();
        let total = dir_bytes(&ws.store_dir().join("."));
        println!(
            "build: {built} articles in {secs:.0} s = {:.0} articles/s (normalize, dedup, store, \
             index), {n} stored",
            built as f64 / secs
        );
        // Every article has about the same text: a sample's average stands for all.
        let sample = 200u64.min(n);
        let text = (0..sample)
            .map(|i| {
                let a = article(i, &words);
                (a.title.len() + a.content_html.len()) as f64
            })
            .sum::<f64>()
            / sample.max(1) as f64;
        println!(
            "disk: {:.1} KB/article in all ({:.1} KB search index), text {:.1} KB/article: {:.2}x",
            total as f64 / n as f64 / 1e3,
            index as f64 / n as f64 / 1e3,
            text / 1e3,
            total as f64 / n as f64 / text
        );

        let common = words[words.len() / 2].clone();
        let cases: Vec<(&str, QueryMaker)> = vec![
            (
                "common word",
                Box::new(|i| words[(i * 31) % words.len()].clone()),
            ),
            (
                "word + number",
                Box::new(|i| format!("{common} {}", i * 977)),
            ),
            (
                "phrase",
                Box::new(|i| {
                    let a = article((i * 7919) as u64 % n, &words);
                    let text: Vec<&str> = a.title.split(' ').collect();
                    format!("\"{} {}\"", text[2], text[3])
                }),
            ),
            ("miss", Box::new(|i| format!("xyzzy{i}"))),
        ];
        for (name, q) in &cases {
            let mut times = Vec::new();
            let mut found = 0;
            for i in 0..QUERIES {
                let query = PageQuery {
                    scope: Scope::All,
                    before: None,
                    after: None,
                    limit: 100,
                    filter: Filter {
                        q: Some(q(i)),
                        ..Filter::default()
                    },
                };
                let started = Instant::now();
                let page = store.page(&query).expect("page");
                times.push(started.elapsed());
                found += page.entries.len();
            }
            let (p50, p99) = percentiles(times);
            println!(
                "Store::page q={name}: p50 {:.2} ms, p99 {:.2} ms ({:.1} entries/page)",
                p50.as_secs_f64() * 1e3,
                p99.as_secs_f64() * 1e3,
                found as f64 / QUERIES as f64
            );
        }
    }

    let server = ws.serve();
    let pid = server.child.id();
    let client = http();
    let _ = client.get(server.url("/feed.atom")).send();
    let before = rss_kb(pid);
    let mut hit_times = Vec::new();
    let mut miss_times = Vec::new();
    for i in 0..1000 {
        let (q, times) = if i % 2 == 0 {
            (words[(i * 13) % words.len()].clone(), &mut hit_times)
        } else {
            (format!("xyzzy{i}"), &mut miss_times)
        };
        let url = server.url(&format!("/feed.atom?q={}", urlencode(&q)));
        let started = Instant::now();
        let body = client.get(url).send().expect("GET").bytes().expect("body");
        times.push(started.elapsed());
        assert!(!body.is_empty());
    }
    let after = rss_kb(pid);
    for (name, times) in [("hit", hit_times), ("miss", miss_times)] {
        let (p50, p99) = percentiles(times);
        println!(
            "serve /feed.atom?q= ({name}, 100 entries rendered): p50 {:.1} ms, p99 {:.1} ms",
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3
        );
    }
    println!(
        "serve RSS: {:.0} MB before ({:.0} MB not file-backed), {:.0} MB after 1,000 distinct \
         searches ({:.0} MB not file-backed)",
        before.0 as f64 / 1e3,
        before.1 as f64 / 1e3,
        after.0 as f64 / 1e3,
        after.1 as f64 / 1e3
    );
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
