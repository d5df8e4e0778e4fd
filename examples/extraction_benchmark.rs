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
//! sanitized body's text, as the source's own feed carries it. Beside it, for comparison,
//! rs-trafilatura alone (its plain text, called directly as the issue measured it).
//! Prints precision, recall and F1 of both, the strategies auto mode chose, the pages with no
//! content, the worst pages, and the CPU per page.
//!
//! Then the same comparison on Vietnamese portal pages: the repository's five platform
//! templates (`tests/fixtures/{portal,nukeviet,liferay,tandan,dnn}/article.html`) filled with
//! each of the three real Bắc Giang bodies (`tests/fixtures/real/`), the body being the
//! expected text.

#[path = "../tests/extraction/score.rs"]
mod score;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use portalfeed::config::ArticleRules;
use portalfeed::extract::article::extract_article;
use portalfeed::normalize::{html::sanitized_text, normalize};

/// One extractor's results over the benchmark.
#[derive(Default)]
struct Run {
    scores: Vec<(Option<f64>, f64)>,
    counts: Vec<(usize, usize, usize)>,
    cpu: Duration,
    empty: Vec<String>,
    worst: Vec<(f64, String)>,
}

impl Run {
    fn add(&mut self, text: &str, expected: &str, url: &str, cpu: Duration) {
        self.cpu += cpu;
        if text.trim().is_empty() {
            self.empty.push(url.to_string());
        }
        let (p, r) = score::page(text, expected);
        let f = match p {
            Some(p) if p + r > 0.0 => 2.0 * p * r / (p + r),
            _ => 0.0,
        };
        self.worst.push((f, url.to_string()));
        self.scores.push((p, r));
        self.counts.push(score::counts(text, expected));
    }

    fn print(&self, name: &str) {
        let (p, r, f1) = score::overall(&self.scores);
        println!(
            "{name}: {} pages, precision {p:.3}, recall {r:.3}, F1 {f1:.3}; {:.1} ms per page; \
             no content on {} pages",
            self.scores.len(),
            self.cpu.as_secs_f64() * 1e3 / self.scores.len().max(1) as f64,
            self.empty.len()
        );
        let (p, r, f1) = score::overall_normalized(&self.counts);
        println!("  (counts normalized per page, then summed: precision {p:.3}, recall {r:.3}, F1 {f1:.3})");
    }
}

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
    let mut auto = Run::default();
    let mut alone = Run::default();
    let mut strategies: BTreeMap<String, usize> = BTreeMap::new();
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
        let strategy = raw
            .body_strategy
            .map_or("none", |s| s.describe())
            .to_string();
        let text = match normalize(raw, "bench", now) {
            Ok(article) => sanitized_text(&article.content_html),
            Err(_) => String::new(),
        };
        auto.add(&text, expected, url.as_str(), started.elapsed());
        *strategies.entry(strategy).or_default() += 1;

        let started = Instant::now();
        let options = rs_trafilatura::Options {
            url: Some(url.to_string()),
            ..rs_trafilatura::Options::default()
        };
        let text = rs_trafilatura::extract_with_options(&html, &options)
            .map(|r| r.content_text)
            .unwrap_or_default();
        alone.add(&text, expected, url.as_str(), started.elapsed());
    }
    auto.print("auto mode");
    alone.print("rs-trafilatura alone");
    println!("auto mode's strategies:");
    for (strategy, n) in &strategies {
        println!("  {n:4} {strategy}");
    }
    for url in &auto.empty {
        println!("auto mode, no content: {url}");
    }
    auto.worst.sort_by(|a, b| a.0.total_cmp(&b.0));
    println!("auto mode's worst pages (F1):");
    for (f, url) in auto.worst.iter().take(15) {
        println!("  {f:.2} {url}");
    }
    portal_templates(now)
}

/// Auto mode and rs-trafilatura alone on the platform templates filled with real bodies.
fn portal_templates(
    now: chrono::DateTime<chrono::FixedOffset>,
) -> Result<(), Box<dyn std::error::Error>> {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut auto = Run::default();
    let mut alone = Run::default();
    let nfc = |t: &str| portalfeed::text::nfc(t).into_owned();
    for platform in ["portal", "nukeviet", "liferay", "tandan", "dnn"] {
        let template = std::fs::read_to_string(fixtures.join(platform).join("article.html"))?;
        for body in [
            "bacgiang-2017-post3-tay-yen-tu",
            "bacgiang-2017-post8-ba-con-xa-que",
            "bacgiang-2017-post13-don-dien-doi-thua",
        ] {
            let body = std::fs::read_to_string(fixtures.join(format!("real/{body}.body.html")))?;
            let page = [
                ("{{TITLE}}", "Tập trung giải phóng mặt bằng khu tái định cư"),
                ("{{DATE}}", "25/03/2024 10:30"),
                ("{{META_DATE}}", "2024-03-25T10:30:00+07:00"),
                (
                    "{{SUMMARY}}",
                    "Sáng nay, đoàn công tác của tỉnh đã đến làm việc.",
                ),
                ("{{AUTHOR}}", "Minh Anh"),
                ("{{CANONICAL}}", ""),
                ("{{BODY}}", &body),
            ]
            .iter()
            .fold(template.clone(), |page, (key, value)| {
                page.replace(key, value)
            });
            let expected = nfc(&portalfeed::text::html_to_text(&body));
            let url = url::Url::parse(&format!("http://127.0.0.1/{platform}/bai.html"))?;

            let started = Instant::now();
            let raw = extract_article(&page, &url, &ArticleRules::default());
            let text = normalize(raw, "bench", now)
                .map(|a| sanitized_text(&a.content_html))
                .unwrap_or_default();
            auto.add(&text, &expected, url.as_str(), started.elapsed());

            let started = Instant::now();
            let options = rs_trafilatura::Options {
                url: Some(url.to_string()),
                ..rs_trafilatura::Options::default()
            };
            let text = rs_trafilatura::extract_with_options(&page, &options)
                .map(|r| nfc(&r.content_text))
                .unwrap_or_default();
            alone.add(&text, &expected, url.as_str(), started.elapsed());
        }
    }
    println!("\nVietnamese portal templates with real bodies:");
    auto.print("auto mode");
    alone.print("rs-trafilatura alone");
    Ok(())
}
