//! Indexed search: the store answers `q`, `category` and `source` from its search index with
//! the meaning a reader expects — words in any case, with or without diacritics (`Đ` ≈ `D`),
//! `"quoted phrases"` as adjacent words — combined with the other filters and cursor paging;
//! the index follows every write and is rebuilt when missing or damaged.
//!
//! The expected answers come from a plain scan written here (fold, cut into words, look), over
//! real Vietnamese article texts (the labelled dedup set's stories, one article per paragraph).

mod common;

use std::collections::BTreeSet;

use chrono::{DateTime, FixedOffset};
use common::*;
use portalfeed::normalize::Article;
use portalfeed::store::{Cursor, Filter, PageQuery, Scope, Storage, Store};
use unicode_normalization::UnicodeNormalization;

const SOURCES: [&str; 3] = ["hg", "ct", "bg"];

fn sources_toml() -> &'static str {
    "[[source]]\nid = \"hg\"\nname = \"Hậu Giang\"\nprovince = \"Hậu Giang\"\nkind = \"feed\"\n\
     url = \"http://127.0.0.1:9/hg.rss\"\nenabled = false\n\
     [[source]]\nid = \"ct\"\nname = \"Cần Thơ\"\nprovince = \"Cần Thơ\"\nkind = \"feed\"\n\
     url = \"http://127.0.0.1:9/ct.rss\"\nenabled = false\n\
     [[source]]\nid = \"bg\"\nname = \"Bắc Giang\"\nprovince = \"Bắc Giang\"\nkind = \"feed\"\n\
     url = \"http://127.0.0.1:9/bg.rss\"\nenabled = false\n"
}

/// One test article: what was stored and the words a reader could find it by.
struct Case {
    key: String,
    source: &'static str,
    category: &'static str,
    published: i64,
    words: Vec<String>,
}

/// Lower case, no diacritics, `đ` → `d`: the test's own folding.
fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'đ' { 'd' } else { c })
        .collect()
}

fn words(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Whether `needle` (words) occurs in `hay` as adjacent words.
fn contains_run(hay: &[String], needle: &[String]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

/// The scan: does an article with these words match `q`?
fn matches(case_words: &[String], q: &str) -> bool {
    q.split('"').enumerate().all(|(i, part)| {
        if i % 2 == 1 {
            contains_run(case_words, &words(part))
        } else {
            part.split_whitespace()
                .all(|bare| contains_run(case_words, &words(bare)))
        }
    })
}

/// Stores every paragraph of the labelled stories as an article, spread over the sources, the
/// categories and a few days, many sharing a publication time.
fn fill(store: &Store) -> Vec<Case> {
    let dir = fixture_path("dupes/stories");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("stories")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    let t0 = DateTime::parse_from_rfc3339("2026-11-20T08:00:00+07:00").expect("time");
    let mut cases = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("story");
        for paragraph in text.split("\n\n").map(str::trim).filter(|p| p.len() > 80) {
            let paragraph = paragraph.trim_start_matches("> ");
            let i = cases.len();
            let title: String = paragraph.chars().take(60).collect();
            let published: DateTime<FixedOffset> =
                // Spread over months, so pages are looked for in widening windows of time.
                t0 - chrono::Duration::hours((i / 4) as i64 * 211);
            let source = SOURCES[i % 3];
            let category = if i % 5 == 0 { "Kinh tế" } else { "Xã hội" };
            let article = Article {
                key: format!("https://portal.example.vn/bai/{i}.html"),
                link: format!("https://portal.example.vn/bai/{i}.html"),
                title: title.clone(),
                published,
                updated: published,
                dated: true,
                author: None,
                summary: String::new(),
                content_html: format!("<p>{paragraph}</p>"),
                category: Some(category.into()),
                fingerprint: format!("fp-{i}"),
                content_hash: format!("h-{i}"),
            };
            // Each paragraph is its own story: no profile shared with another.
            let profile = portalfeed::normalize::dedupe_profile(&Article {
                content_html: format!("<p>đoạn {i}</p>"),
                title: format!("bài {i}"),
                ..article.clone()
            });
            store
                .put_article(source, article, &profile, &[], t0)
                .expect("put");
            cases.push(Case {
                key: format!("https://portal.example.vn/bai/{i}.html"),
                source,
                category,
                published: published.timestamp(),
                words: words(&format!("{title} {paragraph}")),
            });
        }
    }
    store.flush().expect("flush");
    assert!(cases.len() > 60, "{} articles", cases.len());
    cases
}

/// Queries taken from the texts: single words, bare word pairs, quoted phrases written with
/// and without diacritics or in capitals, a word pair that is not a phrase, and misses.
fn queries(store_dir: &std::path::Path) -> Vec<String> {
    let mut qs = vec![
        "xyzzy".to_string(),
        "\"tỉnh ủy\"".into(),
        "TỈNH ỦY".into(),
        "tinh uy".into(),
        "\"dịch vụ công\"".into(),
        "dich vu cong".into(),
        "\"công dịch vụ\"".into(),
        "\"chuyển đổi số\"".into(),
        "đồng chí".into(),
        "DONG CHI".into(),
        "19/3".into(),
        "2021-2025".into(),
        "\"ban tuyên giáo\" hội nghị".into(),
        // Longer than any word: matches nothing (never everything).
        "tỉnh".repeat(20),
        // Punctuation between words says nothing.
        "hội nghị - tỉnh ủy".into(),
    ];
    let _ = store_dir;
    for file in [
        "a02-thu-hoach-lua.txt",
        "real-bacgiang-2017-post3-tay-yen-tu.txt",
    ] {
        let text = fixture_text(&format!("dupes/stories/{file}"));
        let raw: Vec<&str> = text.split_whitespace().collect();
        for i in (5..raw.len().saturating_sub(3)).step_by(37).take(6) {
            qs.push(raw[i].to_string());
            qs.push(format!("\"{} {}\"", raw[i], raw[i + 1]));
            qs.push(format!("{} {}", raw[i], raw[i + 2]));
            qs.push(fold(&format!(
                "\"{} {} {}\"",
                raw[i],
                raw[i + 1],
                raw[i + 2]
            )));
        }
    }
    qs
}

fn all_keys(store: &Store, scope: Scope<'_>, filter: &Filter, limit: usize) -> Vec<String> {
    let mut keys = Vec::new();
    let mut before: Option<Cursor> = None;
    loop {
        let page = store
            .page(&PageQuery {
                scope,
                before: before.clone(),
                after: None,
                limit,
                filter: filter.clone(),
            })
            .expect("page");
        keys.extend(page.entries.iter().map(|e| e.article.key.clone()));
        match (page.older, page.entries.last()) {
            (true, Some(last)) => before = Some(Cursor::of(&last.article)),
            _ => return keys,
        }
    }
}

/// The scan's answer, newest first as feeds order it.
fn expected(cases: &[Case], keep: impl Fn(&Case) -> bool) -> Vec<&str> {
    let mut found: Vec<&Case> = cases.iter().filter(|c| keep(c)).collect();
    found.sort_by(|a, b| (b.published, &b.key).cmp(&(a.published, &a.key)));
    found.iter().map(|c| c.key.as_str()).collect()
}

#[test]
fn words_phrases_and_folding_find_what_a_scan_finds() {
    let ws = Workspace::new(sources_toml());
    let store = Store::open(&ws.store_dir()).expect("store");
    let cases = fill(&store);
    let mut hits = 0;
    for q in queries(&ws.store_dir()) {
        let filter = Filter {
            q: Some(q.clone()),
            ..Filter::default()
        };
        let got = all_keys(&store, Scope::All, &filter, 500);
        let want = expected(&cases, |c| matches(&c.words, &q));
        assert_eq!(got, want, "q = {q}");
        hits += usize::from(!want.is_empty());
    }
    assert!(hits > 20, "the queries find things: {hits}");
    // Quoted phrases are stricter than their words.
    let phrase = expected(&cases, |c| matches(&c.words, "\"dịch vụ công\""));
    assert!(!phrase.is_empty());
    let stricter = queries(&ws.store_dir())
        .iter()
        .filter(|q| q.starts_with('"'))
        .filter(|q| {
            expected(&cases, |c| matches(&c.words, q)).len()
                < expected(&cases, |c| matches(&c.words, &q.replace('"', ""))).len()
        })
        .count();
    assert!(stricter > 0, "some phrase query finds fewer than its words");
}

#[test]
fn search_combines_with_category_sources_and_paging() {
    let ws = Workspace::new(sources_toml());
    let store = Store::open(&ws.store_dir()).expect("store");
    let cases = fill(&store);
    for q in ["tinh", "\"ban tuyên giáo\"", "xyzzy", ""] {
        let filters = [
            (
                Filter {
                    q: Some(q.into()),
                    category: Some("kinh te".into()),
                    ..Filter::default()
                },
                Box::new(|c: &Case| c.category == "Kinh tế") as Box<dyn Fn(&Case) -> bool>,
            ),
            (
                Filter {
                    q: Some(q.into()),
                    sources: Some(vec!["hg".into(), "bg".into()]),
                    ..Filter::default()
                },
                Box::new(|c: &Case| c.source != "ct"),
            ),
            (
                // A province's name as category: its sources' articles.
                Filter {
                    q: Some(q.into()),
                    category: Some("can tho".into()),
                    category_sources: vec!["ct".into()],
                    ..Filter::default()
                },
                Box::new(|c: &Case| c.source == "ct"),
            ),
        ];
        for (filter, keep) in &filters {
            let want = expected(&cases, |c| matches(&c.words, q) && keep(c));
            for limit in [1, 3, 7, 500] {
                let got = all_keys(&store, Scope::All, filter, limit);
                assert_eq!(got, want, "q = {q:?}, {filter:?}, limit {limit}");
            }
        }
        // A source's own feed.
        let filter = Filter {
            q: Some(q.into()),
            ..Filter::default()
        };
        let want = expected(&cases, |c| matches(&c.words, q) && c.source == "bg");
        assert_eq!(all_keys(&store, Scope::Source("bg"), &filter, 4), want);
    }
    // Walking back with `after` from the oldest gives the same pages in reverse.
    let filter = Filter {
        q: Some("tinh".into()),
        ..Filter::default()
    };
    let want = expected(&cases, |c| matches(&c.words, "tinh"));
    assert!(want.len() > 10);
    let oldest = cases
        .iter()
        .find(|c| Some(&c.key.as_str()) == want.last())
        .expect("oldest");
    let oldest = store.article(&oldest.key).expect("read").expect("stored");
    let mut after = Some(Cursor::of(&oldest.article));
    let mut back = vec![oldest.article.key.clone()];
    while let Some(cursor) = after.take() {
        let page = store
            .page(&PageQuery {
                scope: Scope::All,
                before: None,
                after: Some(cursor),
                limit: 4,
                filter: filter.clone(),
            })
            .expect("page");
        let keys: Vec<String> = page.entries.iter().map(|e| e.article.key.clone()).collect();
        back.splice(0..0, keys);
        if page.newer {
            after = page.entries.first().map(|e| Cursor::of(&e.article));
        }
    }
    assert_eq!(back, want);
}

#[test]
fn the_index_is_rebuilt_when_missing_or_damaged_and_follows_writes() {
    let ws = Workspace::new(sources_toml());
    let cases = {
        let store = Store::open(&ws.store_dir()).expect("store");
        fill(&store)
    };
    let count = |store: &Store, q: &str| {
        all_keys(
            store,
            Scope::All,
            &Filter {
                q: Some(q.into()),
                ..Filter::default()
            },
            500,
        )
        .len()
    };
    let want = expected(&cases, |c| matches(&c.words, "tinh")).len();
    assert!(want > 10);
    let index = ws.store_dir().join("search-v1");
    assert!(index.is_dir(), "the index sits beside sled");

    std::fs::remove_dir_all(&index).expect("remove index");
    {
        let store = Store::open(&ws.store_dir()).expect("reopen without index");
        assert_eq!(count(&store, "tinh"), want, "rebuilt from the store");
    }
    for file in std::fs::read_dir(&index).expect("index dir") {
        let path = file.expect("entry").path();
        std::fs::write(&path, b"\0garbage{").expect("damage");
    }
    {
        let store = Store::open(&ws.store_dir()).expect("reopen with a damaged index");
        assert_eq!(count(&store, "tinh"), want, "rebuilt after damage");
        // A new article is searchable after the flush that ends its run.
        let t = DateTime::parse_from_rfc3339("2026-11-25T08:00:00+07:00").expect("time");
        let article = Article {
            key: "https://portal.example.vn/bai/moi.html".into(),
            link: "https://portal.example.vn/bai/moi.html".into(),
            title: "Khánh thành cầu Quỳnh Lưu".into(),
            published: t,
            updated: t,
            dated: true,
            author: None,
            summary: String::new(),
            content_html: "<p>Cầu mới nối hai xã Đông Phước và Phú Hữu.</p>".into(),
            category: None,
            fingerprint: "fp-moi".into(),
            content_hash: "h-moi".into(),
        };
        let profile = portalfeed::normalize::dedupe_profile(&article);
        store
            .put_article("hg", article, &profile, &[], t)
            .expect("put");
        store.flush().expect("flush");
        assert_eq!(count(&store, "quynh luu"), 1);
        assert_eq!(count(&store, "\"dong phuoc\""), 1);
    }
    // What was written but not yet indexed when the process died is indexed at the next open.
    {
        let store = Store::open(&ws.store_dir()).expect("reopen");
        assert_eq!(count(&store, "quynh luu"), 1);
    }
}

#[test]
fn serve_answers_searches_from_the_index() {
    let ws = Workspace::new(sources_toml());
    let cases = {
        let store = Store::open(&ws.store_dir()).expect("store");
        fill(&store)
    };
    let server = ws.serve();
    let client = http();
    let ids = |path: &str| -> BTreeSet<String> {
        let body = client
            .get(server.url(path))
            .send()
            .expect("GET")
            .text()
            .expect("body");
        parse_atom(&body)
            .entries
            .into_iter()
            .map(|e| e.id)
            .collect()
    };
    let id_set = |keys: Vec<&str>| -> BTreeSet<String> {
        keys.into_iter().map(portalfeed::render::entry_id).collect()
    };
    assert_eq!(
        ids("/feed.atom?q=%22T%E1%BB%88NH%20%E1%BB%A6Y%22&limit=500"),
        id_set(expected(&cases, |c| matches(&c.words, "\"tỉnh ủy\"")))
    );
    assert_eq!(
        ids("/provinces/bac-giang.atom?q=dong%20chi&limit=500"),
        id_set(expected(&cases, |c| matches(&c.words, "dong chi")
            && c.source == "bg"))
    );
    assert!(ids("/feed.atom?q=xyzzy").is_empty());
    assert!(ids("/feed.atom?q=tinh&source=nowhere").is_empty());
}
