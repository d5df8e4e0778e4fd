//! Bench articles: a made-up but realistic article per number (titles and ~2.5 KB of text
//! drawn from the real corpus's vocabulary), and latency percentiles.

use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use portalfeed::extract::RawArticle;
use portalfeed::normalize::{normalize, Article};

/// Syllables of an article's text.
const SYLLABLES: usize = 520;

/// The benches' "now".
pub fn t0() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-11-20T08:00:00+07:00").expect("time")
}

/// Article `i`: its own title and text, published `i` minutes before [`t0`], on one of 63 sites.
pub fn article(i: u64, words: &[String]) -> Article {
    let mut rng = fastrand::Rng::with_seed(i);
    let mut pick = |n: usize| crate::vocabulary::phrase(&mut rng, words, n);
    let title = format!("{} {}", pick(9), i);
    let html: String = (0..5)
        .map(|p| format!("<p>{} {}.</p>", pick(SYLLABLES / 5), i * 7 + p))
        .collect();
    let key = format!("https://site{}.example.vn/tin/{i}.html", i % 63);
    let mut raw = RawArticle::new(url::Url::parse(&key).expect("url"));
    raw.title = Some(title);
    raw.content_html = Some(html);
    raw.published = Some(t0() - chrono::Duration::minutes(i as i64));
    normalize(raw, "bench", t0()).expect("normalize")
}

/// How many articles a bench builds: the environment variable `var`, else `default`.
pub fn wanted(var: &str, default: u64) -> u64 {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The median and the 99th percentile of `times`.
pub fn percentiles(mut times: Vec<Duration>) -> (Duration, Duration) {
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    (at(0.5), at(0.99))
}
