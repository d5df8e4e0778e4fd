//! Near-duplicate lookup at scale: a store of N articles (default 1,000,000; set
//! `PORTALFEED_BENCH_ARTICLES` for a quicker run), then candidate lookup + confirmation
//! (`Store::copies_of`) timed per article for 5,000 unrelated new articles and 5,000 re-posts
//! (stored articles truncated to 60 % with a source line), reporting p50/p99/max, how many
//! re-posts were found, the index's bytes per article and the store's size on disk.
//! `cargo bench --bench dedupe`.
//!
//! Texts are synthetic: runs of real Vietnamese syllables (the labelled set's vocabulary) with
//! numbers and a boilerplate closing sentence every article shares, so boilerplate shingles
//! have long posting lists as on real portals.

#[path = "support/vocabulary.rs"]
mod vocabulary;
use vocabulary::vocabulary;

use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset};
use portalfeed::extract::RawArticle;
use portalfeed::normalize::{dedupe_profile, normalize, Article};
use portalfeed::store::{Storage, Store};

const SYLLABLES: usize = 260;
const QUERIES: usize = 5_000;
const BOILERPLATE: &str =
    "Đề nghị các cơ quan, đơn vị, địa phương và nhân dân trên địa bàn tỉnh quan tâm, thực hiện.";

fn t0() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-11-20T08:00:00+07:00").expect("time")
}

fn text(i: u64, words: &[String]) -> (String, String) {
    let mut rng = fastrand::Rng::with_seed(i);
    let mut pick = |n: usize| vocabulary::phrase(&mut rng, words, n);
    let title = format!("{} {}", pick(9), i);
    let mut paragraphs = Vec::new();
    for p in 0..5 {
        paragraphs.push(format!(
            "<p>Ngày {}/{}, {} {}.</p>",
            1 + (i + p) % 28,
            1 + i % 12,
            pick(SYLLABLES / 5),
            i * 7 + p
        ));
    }
    paragraphs.push(format!("<p>{BOILERPLATE}</p>"));
    (title, paragraphs.concat())
}

fn article(key: &str, title: &str, html: &str) -> Article {
    let mut raw = RawArticle::new(url::Url::parse(key).expect("url"));
    raw.title = Some(title.to_string());
    raw.content_html = Some(html.to_string());
    raw.published = Some(t0());
    normalize(raw, "bench", t0()).expect("normalize")
}

fn key(i: u64) -> String {
    format!("https://site{}.example.vn/tin/{i}.html", i % 63)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(at).copied().unwrap_or_default()
}

fn main() {
    let n: u64 = std::env::var("PORTALFEED_BENCH_ARTICLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let words = vocabulary();
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("open");
    let started = Instant::now();
    for i in 0..n {
        let (title, html) = text(i, &words);
        let a = article(&key(i), &title, &html);
        let profile = dedupe_profile(&a);
        store
            .put_article(&format!("s{}", i % 63), a, &profile, &[], t0())
            .expect("put");
        if i > 0 && i % 100_000 == 0 {
            eprintln!("{i} stored, {:.0} s", started.elapsed().as_secs_f64());
        }
    }
    store.flush().expect("flush");
    let build = started.elapsed();

    let mut unrelated = Vec::with_capacity(QUERIES);
    let mut reposts = Vec::with_capacity(QUERIES);
    let mut found = 0usize;
    let mut false_found = 0usize;
    for q in 0..QUERIES as u64 {
        // An article nobody stored.
        let (title, html) = text(n + 1 + q, &words);
        let (took, matches) = lookup(
            &store,
            &article(&format!("https://new.example.vn/{q}"), &title, &html),
        );
        unrelated.push(took);
        false_found += matches.len();
        // A re-post of a stored one: its first 60 % and a source line.
        let original = (q * 2_654_435_761) % n;
        let (title, html) = text(original, &words);
        let cut: Vec<&str> = html.split("</p>").collect();
        let html = format!("{}</p><p>Nguồn: Báo Hậu Giang</p>", cut[..3].join("</p>"));
        let a = article(
            &format!("https://repost.example.vn/{q}"),
            &format!("HG: {title}"),
            &html,
        );
        let (took, matches) = lookup(&store, &a);
        reposts.push(took);
        if matches.iter().any(|m| m.key == key(original)) {
            found += 1;
        }
    }
    // The same lookups again, now that the store's pages they touch are in its cache.
    let mut warm = Vec::with_capacity(QUERIES);
    for q in 0..QUERIES as u64 {
        let (title, html) = text(n + 1 + q, &words);
        let (took, matches) = lookup(
            &store,
            &article(&format!("https://new.example.vn/{q}"), &title, &html),
        );
        warm.push(took);
        false_found += matches.len();
    }
    warm.sort();
    unrelated.sort();
    reposts.sort();
    let index = store.dedup_index_bytes().expect("index size");
    drop(store);
    let on_disk: u64 = walk(dir.path());
    println!(
        "store: {n} articles built in {:.0} s ({:.0} articles/s)",
        build.as_secs_f64(),
        n as f64 / build.as_secs_f64()
    );
    println!("| lookup + confirmation | p50 | p99 | max |");
    println!("|---|---|---|---|");
    for (name, times) in [
        ("unrelated new article", &unrelated),
        ("re-post (60 % + source line)", &reposts),
        ("unrelated again (warm cache)", &warm),
    ] {
        println!(
            "| {name} | {:.1} µs | {:.1} µs | {:.1} µs |",
            percentile(times, 0.5).as_secs_f64() * 1e6,
            percentile(times, 0.99).as_secs_f64() * 1e6,
            times.last().copied().unwrap_or_default().as_secs_f64() * 1e6
        );
    }
    println!("re-posts found: {found}/{QUERIES}; unrelated articles matched: {false_found}");
    println!(
        "dedup index: {:.0} bytes/article (profiles + sketch, keys and values); store on disk {:.0} bytes/article",
        index as f64 / n as f64,
        on_disk as f64 / n as f64
    );
}

/// Candidate lookup + confirmation for `a` (its profile built beforehand, not timed).
fn lookup(store: &Store, a: &Article) -> (Duration, Vec<portalfeed::store::Match>) {
    let profile = dedupe_profile(a);
    let t = Instant::now();
    let matches = store
        .copies_of(&a.key, &a.fingerprint, &profile)
        .expect("lookup");
    (t.elapsed(), matches)
}

fn walk(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => walk(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}
