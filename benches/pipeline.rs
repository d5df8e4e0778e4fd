//! Micro benchmarks of the pure stages and the store:
//! article extraction + normalization on ~100 KB pages, store insert and lookup with 100k
//! articles, Atom rendering of 1k and 10k entries. `cargo bench --bench pipeline`.

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::LazyLock;

use chrono::{DateTime, Duration, FixedOffset};
use divan::counter::{BytesCount, ItemsCount};
use portalfeed::config::{ArticleRules, Rule};
use portalfeed::extract::{extract_article, RawArticle};
use portalfeed::normalize::{normalize, Article};
use portalfeed::render::{render_atom, FeedInfo, Portal};
use portalfeed::store::{Storage, Store, StoredArticle};
use url::Url;

fn main() {
    divan::main();
}

fn url(s: &str) -> Url {
    Url::parse(s).expect("bench URL")
}

fn t0() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-11-26T10:00:00+07:00").expect("bench time")
}

/// A ~100 KB portal page: navigation, sidebars and a real article body from tests/fixtures/real.
static PAGE: LazyLock<String> = LazyLock::new(|| {
    let body = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/real/bacgiang-2017-post8-ba-con-xa-que.body.html"
    ))
    .expect("corpus body");
    let nav: String = (0..450)
        .map(|i| {
            format!(
                "<li><a href=\"/chuyen-muc/{i}\">Chuyên mục số {i} của cổng thông tin</a></li>\n"
            )
        })
        .collect();
    let side: String = (0..260)
        .map(|i| format!("<div class=\"item\"><a href=\"/tin/{i}.html\"><img src=\"/anh/{i}.jpg\"></a><p>Tin liên quan số {i}: hoạt động của tỉnh trong tuần</p><span>(20/11/2026)</span></div>\n"))
        .collect();
    let page = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Bài viết</title>\
         <meta property=\"og:title\" content=\"Bà con xa quê\"></head><body><ul class=\"menu\">{nav}</ul>\
         <h1 class=\"detail-title\">Bà con Bắc Giang xa quê</h1><div class=\"detail-meta\">Thứ sáu - 19/03/2021 14:30</div>\
         <div class=\"detail-content\">{body}</div><div class=\"comments\">Các ý kiến</div><div class=\"sidebar\">{side}</div></body></html>"
    );
    assert!(page.len() > 90_000, "page is {} bytes", page.len());
    page
});

fn rules() -> ArticleRules {
    let rule = |css: &str| Rule {
        text: css.into(),
        selector: scraper::Selector::parse(css).expect("selector"),
    };
    ArticleRules {
        title: Some(rule("h1.detail-title")),
        date: Some(rule("div.detail-meta")),
        content: Some(rule("div.detail-content")),
        remove: vec![rule("div.comments")],
        ..ArticleRules::default()
    }
}

/// Extract + normalize one ~100 KB article page (pages/s = items/s).
#[divan::bench]
fn extract_article_100kb(bencher: divan::Bencher) {
    let rules = rules();
    let page_url = url("https://bacgiang.gov.vn/tin/ba-con-xa-que.html");
    bencher
        .counter(ItemsCount::new(1usize))
        .counter(BytesCount::of_str(&*PAGE))
        .bench(|| {
            let raw = extract_article(black_box(&PAGE), &page_url, &rules);
            black_box(normalize(raw, "s", t0()).expect("article"))
        });
}

/// Extraction with no selectors at all: every fallback (largest block, page-text date).
#[divan::bench]
fn extract_article_100kb_fallbacks(bencher: divan::Bencher) {
    let rules = ArticleRules::default();
    let page_url = url("https://bacgiang.gov.vn/tin/ba-con-xa-que.html");
    bencher.counter(ItemsCount::new(1usize)).bench(|| {
        let raw: RawArticle = extract_article(black_box(&PAGE), &page_url, &rules);
        black_box(normalize(raw, "s", t0()).expect("article"))
    });
}

fn article(i: usize) -> Article {
    Article {
        key: format!("https://portal.example.vn/tin/bai-{i}.html"),
        link: format!("https://portal.example.vn/tin/bai-{i}.html"),
        title: format!("Hội nghị triển khai nhiệm vụ số {i} của tỉnh"),
        published: t0() - Duration::minutes(i as i64),
        updated: t0() - Duration::minutes(i as i64),
        dated: true,
        author: Some("Phóng viên".into()),
        summary: "Sáng nay, Ủy ban nhân dân tỉnh tổ chức hội nghị triển khai nhiệm vụ.".into(),
        content_html: format!(
            "<p>Nội dung bài viết số {i}. {}</p>",
            "Đoạn văn mẫu về hoạt động của tỉnh. ".repeat(40)
        ),
        category: Some("Chính trị".into()),
        fingerprint: format!("{i:032x}"),
        content_hash: format!("{i:032x}"),
    }
}

const STORE_SIZE: usize = 100_000;

/// A store in `dir` holding `STORE_SIZE` articles, each inserted in its own transaction.
fn filled_store(dir: &std::path::Path) -> Store {
    let store = Store::open(dir).expect("store");
    for i in 0..STORE_SIZE {
        let a = article(i);
        let profile = portalfeed::normalize::dedupe_profile(&a);
        let link = a.key.clone();
        store
            .put_article("bench", a, &profile, &[link], t0())
            .expect("insert");
    }
    store
}

/// Inserting 100k articles (each its own transaction, with links and indexes), then a flush.
/// Extraction + normalization of a hostile page of `depth` nested `<div>`s around a real body:
/// time must grow with the page size, not its square (nesting past 512 is cut before parsing).
#[divan::bench(args = [1_000, 10_000, 80_000, 400_000])]
fn extract_nested_divs(bencher: divan::Bencher, depth: usize) {
    let body = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/real/bacgiang-2017-post3-tay-yen-tu.body.html"
    ))
    .expect("corpus body");
    let page = format!(
        "<html><body><h1>Bài</h1>{}<div class=\"detail-content\">{body}</div>{}</body></html>",
        "<div>".repeat(depth),
        "</div>".repeat(depth)
    );
    let page_url = url("https://bacgiang.gov.vn/tin/sau.html");
    let rules = ArticleRules::default();
    bencher.counter(BytesCount::new(page.len())).bench(|| {
        let raw = extract_article(black_box(&page), &page_url, &rules);
        black_box(normalize(raw, "bench", t0()))
    });
}

#[divan::bench(sample_count = 1, sample_size = 1)]
fn store_insert_100k(bencher: divan::Bencher) {
    bencher
        .counter(ItemsCount::new(STORE_SIZE))
        .with_inputs(|| tempfile::tempdir().expect("temp dir"))
        .bench_values(|dir| filled_store(dir.path()).flush().expect("flush"));
}

/// The lookups a run makes per list link, in a store of 100k articles.
#[divan::bench]
fn store_lookup_in_100k(bencher: divan::Bencher) {
    static STORE: LazyLock<(tempfile::TempDir, Store)> = LazyLock::new(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = filled_store(dir.path());
        (dir, store)
    });
    let store = &STORE.1;
    let mut i = 0usize;
    bencher.counter(ItemsCount::new(1usize)).bench_local(|| {
        i = (i + 7919) % STORE_SIZE;
        let link = format!("https://portal.example.vn/tin/bai-{i}.html");
        black_box(store.known_link(&link).expect("lookup"));
        black_box(store.failed_attempts(&link).expect("lookup"))
    });
}

/// Rendering the Atom document for N entries.
#[divan::bench(args = [1_000, 10_000])]
fn render_atom_entries(bencher: divan::Bencher, n: usize) {
    let entries: Vec<StoredArticle> = (0..n)
        .map(|i| StoredArticle {
            article: article(i),
            source_id: "bench".into(),
            first_seen: t0(),
            duplicate_of: None,
            serial: 0,
            syllables: 0,
            copies: Vec::new(),
        })
        .collect();
    let portals: HashMap<String, Portal> = [(
        "bench".to_string(),
        Portal {
            id: "bench".into(),
            name: "Cổng TTĐT".into(),
            url: url("https://portal.example.vn/"),
            feed: url("http://localhost:8080/sources/bench.atom"),
            province: Some("Cần Thơ".into()),
        },
    )]
    .into();
    let info = FeedInfo::new(
        "Tin tức".into(),
        url("http://localhost:8080/feed.atom"),
        None,
    );
    bencher
        .counter(ItemsCount::new(n))
        .bench(|| black_box(render_atom(&info, &entries, &portals)));
}

/// Extract + normalize the ~13 KB article page the end-to-end bench serves (same template).
#[divan::bench]
fn extract_article_e2e_page(bencher: divan::Bencher) {
    let body = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/real/bacgiang-2017-post8-ba-con-xa-que.body.html"
    ))
    .expect("corpus body");
    let template = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/portal/article.html"
    ))
    .expect("template");
    let page = template
        .replace("{{TITLE}}", "Bài viết số 1")
        .replace("{{DATE}}", "01/11/2026")
        .replace("{{AUTHOR}}", "PV")
        .replace("{{CANONICAL}}", "")
        .replace("{{BODY}}", &body);
    let rules = rules();
    let page_url = url("https://bacgiang.gov.vn/tin/1.html");
    bencher
        .counter(ItemsCount::new(1usize))
        .counter(BytesCount::of_str(&page))
        .bench(|| {
            let raw = extract_article(black_box(&page), &page_url, &rules);
            black_box(normalize(raw, "s", t0()).expect("article"))
        });
}
