//! The reader's front page (`/`) and the dashboard (`/status`) with 1,000 sources: a store of N
//! articles (default 1,000,000; `PORTALFEED_BENCH_ARTICLES` for a quicker run) spread over
//! 1,000 sources in 63 provinces, every tenth article a copy of the one before from another
//! source (a story carried twice), and each source's state holding 200 runs over 30 days.
//!
//! At 10k, 100k and 1M articles (those up to N) it renders, in process and uncached (what a
//! request costs the server when the store just changed):
//! - `/`, `/?q=<common word>`, `/?province=<one>`, `/?before=<cursor deep in the store>`;
//! - `/status` (reading 1,000 source states, sorting, the first 100 drawn);
//!
//! then starts `portalfeed serve` on the store and measures over loopback: `/` (one miss, then
//! cached hits) and `/status`, with the bytes sent plain, gzip and brotli.
//!
//! `cargo bench --bench pages`; `PORTALFEED_BENCH_STORE=dir` keeps the store between runs.

#[path = "../tests/common/mod.rs"]
mod common;

#[path = "support/vocabulary.rs"]
mod vocabulary;
use vocabulary::vocabulary;

#[path = "support/articles.rs"]
mod articles;
use articles::{article, percentiles, t0};

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::*;
use portalfeed::config::Config;
use portalfeed::normalize::dedupe_profile;
use portalfeed::serve::reader::{front_page, ReaderQuery};
use portalfeed::serve::status::{dashboard_html, rows};
use portalfeed::store::{RunRecord, SourceState, Storage, Store};

const SOURCES: usize = 1000;
const PROVINCES: usize = 63;
const RENDERS: usize = 50;

fn province(i: usize) -> String {
    format!("Tỉnh số {}", i % PROVINCES)
}

fn sources_toml() -> String {
    (0..SOURCES)
        .map(|i| {
            format!(
                "[[source]]\nid = \"s{i:04}\"\nname = \"Cổng thông tin điện tử số {i}\"\nprovince = \"{}\"\n\
                 kind = \"feed\"\nurl = \"http://127.0.0.1:9/rss/{i}\"\ninterval = \"1d\"\n",
                province(i)
            )
        })
        .collect()
}

/// 200 runs over the last 30 days, every fifth source failing lately and one in fifty broken.
fn state(i: usize, now: chrono::DateTime<chrono::FixedOffset>) -> SourceState {
    let mut state = SourceState::default();
    for r in 0..200i64 {
        let at = now - chrono::Duration::minutes((200 - r) * 216);
        let failing = i.is_multiple_of(5) && r > 190;
        let outcome = match (failing, i.is_multiple_of(50)) {
            (true, true) => "broken",
            (true, false) => "failed",
            _ if r % 3 == 0 => "not modified",
            _ => "ok",
        };
        state.record_run(RunRecord {
            at,
            outcome: outcome.into(),
            new: if outcome == "ok" {
                (r as usize + i) % 7
            } else {
                0
            },
            merged: usize::from(r % 11 == 0),
        });
    }
    state.last_run = state.runs.last().map(|r| r.at);
    state.result = if i.is_multiple_of(5) { "failed" } else { "ok" }.into();
    if i.is_multiple_of(5) {
        state.last_error = Some("list page: HTTP 503".into());
        state.consecutive_failures = if i.is_multiple_of(50) { 9 } else { 2 };
    }
    state
}

fn timed(mut render: impl FnMut() -> String) -> (Duration, Duration, usize) {
    let mut times = Vec::with_capacity(RENDERS);
    let mut bytes = 0;
    for _ in 0..RENDERS {
        let started = Instant::now();
        bytes = render().len();
        times.push(started.elapsed());
    }
    let (p50, p99) = percentiles(times);
    (p50, p99, bytes)
}

fn report(name: &str, (p50, p99, bytes): (Duration, Duration, usize)) {
    println!(
        "  {name:<28} p50 {:>6.2} ms  p99 {:>6.2} ms  {:>7.1} KB",
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        bytes as f64 / 1e3
    );
}

fn measure_in_process(config: &Config, store: &Store, words: &[String], n: u64) {
    println!("{n} articles, {SOURCES} sources, rendered in process (uncached):");
    let render =
        |query: ReaderQuery| move || front_page(config, store, &query).expect("front page");
    report("/", timed(render(ReaderQuery::default())));
    let common_word = words[words.len() / 2].clone();
    report(
        "/?q=<common word>",
        timed(render(ReaderQuery {
            q: Some(common_word),
            ..ReaderQuery::default()
        })),
    );
    report(
        "/?province=<one of 63>",
        timed(render(ReaderQuery {
            province: Some(portalfeed::text::slug(&province(7))),
            ..ReaderQuery::default()
        })),
    );
    // A cursor half-way down the store: the page of articles published n/2 minutes before t0.
    let deep = article(n / 2, words);
    report(
        "/?before=<half-way>",
        timed(render(ReaderQuery {
            before: Some(portalfeed::store::Cursor::of(&deep).encode()),
            ..ReaderQuery::default()
        })),
    );
    let planned = HashMap::new();
    report(
        "/status: the 1,000 rows",
        timed(|| {
            let rows = rows(config, store, &planned).expect("rows");
            " ".repeat(rows.len())
        }),
    );
    report(
        "/status",
        timed(|| {
            let rows = rows(config, store, &planned).expect("rows");
            dashboard_html(config, rows, 1).expect("dashboard")
        }),
    );
}

fn main() {
    let n = articles::wanted("PORTALFEED_BENCH_ARTICLES", 1_000_000);
    let words = vocabulary();
    let ws = Workspace::new(&sources_toml());
    if let Some(kept) = std::env::var_os("PORTALFEED_BENCH_STORE") {
        std::fs::create_dir_all(&kept).expect("kept store dir");
        std::os::unix::fs::symlink(&kept, ws.store_dir()).expect("link the kept store");
    }
    let config = Config::load(&ws.config()).expect("config");
    {
        let store = Store::open(&ws.store_dir()).expect("store");
        let now = portalfeed::pipeline::now();
        for i in 0..SOURCES {
            store
                .set_source_state(&format!("s{i:04}"), &state(i, now))
                .expect("state");
        }
        let started = Instant::now();
        let stored = store.article_count() as u64;
        let checkpoints: Vec<u64> = [10_000, 100_000, 1_000_000]
            .into_iter()
            .filter(|&c| c <= n)
            .chain((![10_000, 100_000, 1_000_000].contains(&n)).then_some(n))
            .collect();
        for i in stored..n {
            // Every tenth article is the one before, re-posted by the next source.
            let (mut a, source) = if i % 10 == 9 {
                let mut copy = article(i - 1, &words);
                copy.key = format!("https://copy.example.vn/tin/{i}.html");
                copy.link = copy.key.clone();
                (copy, (i as usize + 1) % SOURCES)
            } else {
                (article(i, &words), i as usize % SOURCES)
            };
            a.category = None;
            let profile = dedupe_profile(&a);
            store
                .put_article(&format!("s{source:04}"), a, &profile, &[], t0())
                .expect("put");
            if i % 1000 == 999 {
                store.flush().expect("flush");
            }
            if checkpoints.contains(&(i + 1)) {
                store.flush().expect("flush");
                println!(
                    "built {} articles in {:.0} s",
                    i + 1,
                    started.elapsed().as_secs_f64()
                );
                measure_in_process(&config, &store, &words, i + 1);
            }
        }
        if stored >= n {
            measure_in_process(&config, &store, &words, stored);
        }
        store.flush().expect("flush");
    }

    let server = ws.serve();
    let client = http();
    let get = |path: &str, encoding: Option<&str>| {
        let mut request = client.get(server.url(path));
        if let Some(e) = encoding {
            request = request.header("Accept-Encoding", e);
        }
        let started = Instant::now();
        let response = request.send().expect("GET");
        assert_eq!(response.status(), 200, "{path}");
        let bytes = response.bytes().expect("body").len();
        (started.elapsed(), bytes)
    };
    println!("over loopback, `portalfeed serve`:");
    let (miss, plain) = get("/", None);
    let hits: Vec<Duration> = (0..200).map(|_| get("/", None).0).collect();
    let (p50, p99) = percentiles(hits);
    let (_, gzip) = get("/", Some("gzip"));
    let (_, br) = get("/", Some("br"));
    println!(
        "  /        first {:.1} ms, then cached p50 {:.2} ms p99 {:.2} ms; {:.1} KB ({:.1} KB gzip, {:.1} KB brotli)",
        miss.as_secs_f64() * 1e3,
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        plain as f64 / 1e3,
        gzip as f64 / 1e3,
        br as f64 / 1e3
    );
    let times: Vec<Duration> = (0..RENDERS).map(|_| get("/status", None).0).collect();
    let (p50, p99) = percentiles(times);
    let (_, plain) = get("/status", None);
    let (_, gzip) = get("/status", Some("gzip"));
    println!(
        "  /status  p50 {:.1} ms p99 {:.1} ms; {:.1} KB ({:.1} KB gzip)",
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        plain as f64 / 1e3,
        gzip as f64 / 1e3
    );
}
