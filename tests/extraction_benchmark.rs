//! Auto mode's article bodies on a slice of the Scrapinghub article-extraction benchmark (21
//! real pages with hand-checked bodies, `tests/fixtures/article-extraction/`): the F1 of the
//! body a source given only its URL would publish must not fall below its floor.
//!
//! The whole benchmark (181 pages) is scored by `examples/extraction_benchmark.rs`; the figure
//! on this slice is what auto mode reached when the floor was set, less 0.02 of slack for
//! harmless changes.

#[path = "extraction/score.rs"]
mod score;

use std::io::Read;
use std::path::Path;

use portalfeed::config::ArticleRules;
use portalfeed::extract::article::extract_article;
use portalfeed::normalize::{html::sanitized_text, normalize};

/// The slice's F1 may not fall below this.
const F1_FLOOR: f64 = 0.97;

#[test]
fn auto_mode_bodies_keep_their_f1_on_the_benchmark_slice() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/article-extraction");
    let truth: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.join("ground-truth.json")).expect("ground-truth.json"),
    )
    .expect("ground truth is JSON");
    let truth = truth.as_object().expect("an object of pages");
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-27T08:00:00+07:00").expect("date");
    let mut scores = Vec::new();
    let mut report = String::new();
    for (name, page) in truth {
        let expected = page["articleBody"].as_str().expect("articleBody");
        let url = url::Url::parse(page["url"].as_str().expect("url")).expect("a URL");
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(
            std::fs::File::open(dir.join("html").join(format!("{name}.html.gz"))).expect("page"),
        )
        .read_to_end(&mut bytes)
        .expect("gzip");
        let (html, _) = portalfeed::extract::charset::decode(&bytes, None, None);
        let raw = extract_article(&html, &url, &ArticleRules::default());
        let strategy = raw.body_strategy;
        let text = normalize(raw, "bench", now)
            .map(|a| sanitized_text(&a.content_html))
            .unwrap_or_default();
        let (p, r) = score::page(&text, expected);
        report.push_str(&format!(
            "{:.2} {:.2} {strategy:?} {url}\n",
            p.unwrap_or(0.0),
            r
        ));
        scores.push((p, r));
    }
    assert_eq!(scores.len(), 21, "the slice holds 21 pages");
    let (p, r, f1) = score::overall(&scores);
    assert!(
        f1 >= F1_FLOOR,
        "F1 {f1:.3} (precision {p:.3}, recall {r:.3}) fell below {F1_FLOOR}:\n{report}"
    );
}
