//! Auto mode's article bodies against the Scrapinghub article-extraction benchmark (181 real
//! news pages with hand-checked bodies, MIT; issue 13), scored by the benchmark's own rule
//! (`tests/extraction/score.rs`).
//!
//! ```sh
//! cargo run --release --example extraction_benchmark -- PATH/article-extraction
//! ```
//!
//! `PATH/article-extraction` holds `html/*.html.gz` and `ground-truth.json` as the benchmark
//! ships them. Each page goes through what a source given only its URL gets: the article
//! extractor without rules, then normalize (sanitizing included); the text scored is the
//! sanitized body's text, as the source's own feed carries it. Prints precision, recall and
//! F1, the pages with no content, the worst pages, and the CPU per page.

#[path = "../tests/extraction/score.rs"]
mod score;

use std::io::Read;
use std::path::PathBuf;
use std::time::Instant;

use portalfeed::config::ArticleRules;
use portalfeed::extract::article::extract_article;
use portalfeed::normalize::{html::sanitized_text, normalize};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: extraction_benchmark PATH/article-extraction");
        std::process::exit(2);
    };
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("ground-truth.json"))?)?;
    let truth = truth
        .as_object()
        .ok_or("ground-truth.json is not an object")?;
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-27T08:00:00+07:00")?;
    let mut scores = Vec::new();
    let mut empty = Vec::new();
    let mut worst: Vec<(f64, String)> = Vec::new();
    let mut cpu = std::time::Duration::ZERO;
    for (name, page) in truth {
        let expected = page["articleBody"].as_str().unwrap_or_default();
        let url = url::Url::parse(page["url"].as_str().unwrap_or("http://invalid/"))?;
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(std::fs::File::open(
            dir.join("html").join(format!("{name}.html.gz")),
        )?)
        .read_to_end(&mut bytes)?;
        let started = Instant::now();
        let (html, _) = portalfeed::extract::charset::decode(&bytes, None, None);
        let raw = extract_article(&html, &url, &ArticleRules::default());
        let text = match normalize(raw, "bench", now) {
            Ok(article) => sanitized_text(&article.content_html),
            Err(_) => String::new(),
        };
        cpu += started.elapsed();
        if text.trim().is_empty() {
            empty.push(url.to_string());
        }
        let (p, r) = score::page(&text, expected);
        let f = match p {
            Some(p) if p + r > 0.0 => 2.0 * p * r / (p + r),
            _ => 0.0,
        };
        worst.push((f, url.to_string()));
        scores.push((p, r));
    }
    let (p, r, f1) = score::overall(&scores);
    println!(
        "{} pages: precision {p:.3}, recall {r:.3}, F1 {f1:.3}; {:.1} ms per page",
        scores.len(),
        cpu.as_secs_f64() * 1e3 / scores.len().max(1) as f64
    );
    println!("no content: {} pages", empty.len());
    for url in &empty {
        println!("  {url}");
    }
    worst.sort_by(|a, b| a.0.total_cmp(&b.0));
    println!("worst pages (F1):");
    for (f, url) in worst.iter().take(15) {
        println!("  {f:.2} {url}");
    }
    Ok(())
}
