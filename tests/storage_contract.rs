//! The storage contract: what every backend behind `store::Storage` must do, written once
//! against the trait and run for each backend: the embedded sled store in a temp dir, and the
//! PostgreSQL store on a real server started for the test (`initdb` + `pg_ctl`, stopped after). Articles by key with upsert outcomes,
//! known links, validators, source state, failed attempts, cross-source duplicates and their
//! clusters and merges, paging by cursor both ways, and search.

mod common;
mod labelled;

use std::collections::BTreeSet;

use common::postgres::PgCluster;
use labelled::t0;
use portalfeed::store::postgres::PgStore;
use portalfeed::store::{
    Cursor, Filter, PageQuery, Scope, SourceState, Storage, Store, Stored, Validators,
};

/// A backend under test and what keeps it alive (its temp dir, its server).
struct Backend {
    name: &'static str,
    storage: Box<dyn Storage>,
    _keep: Box<dyn std::any::Any>,
}

fn backends() -> Vec<Backend> {
    let dir = tempfile::tempdir().expect("temp dir");
    let sled = Store::open(dir.path()).expect("open the sled store");
    let cluster = PgCluster::start();
    let url = cluster.create_database("contract");
    let postgres = PgStore::open(&url).expect("open the PostgreSQL store");
    vec![
        Backend {
            name: "sled",
            storage: Box::new(sled),
            _keep: Box::new(dir),
        },
        Backend {
            name: "postgres",
            storage: Box::new(postgres),
            _keep: Box::new(cluster),
        },
    ]
}

fn each_backend(check: impl Fn(&dyn Storage)) {
    for backend in backends() {
        eprintln!("backend: {}", backend.name);
        check(backend.storage.as_ref());
    }
}

/// A short distinct article (nothing like the labelled stories, nor like each other).
fn note(i: usize) -> (String, String) {
    (
        format!("Thông báo số {i} của Văn phòng"),
        format!(
            "<p>Văn phòng thông báo nội dung số {i}: lịch làm việc tuần thứ {i}, phòng họp {}, \
             người chủ trì số {}.</p>",
            i * 7 + 3,
            i * 13 + 1
        ),
    )
}

#[test]
fn articles_by_key_with_upsert_outcomes_and_known_links() {
    each_backend(|s| {
        let story = labelled::story("a02-thu-hoach-lua", 100);
        let key = "https://a.example.vn/tin/1.html";
        assert_eq!(labelled::put(s, "a", key, &story, 0), Stored::New);
        assert_eq!(labelled::put(s, "a", key, &story, 0), Stored::Unchanged);
        let edited = (story.0.clone(), format!("{}<p>Cập nhật thêm.</p>", story.1));
        assert_eq!(labelled::put(s, "a", key, &edited, 0), Stored::Updated);
        let stored = s.article(key).expect("read").expect("stored");
        assert!(stored.article.content_html.contains("Cập nhật thêm"));
        assert_eq!(stored.source_id, "a");
        assert_eq!(s.article("https://a.example.vn/none").expect("read"), None);
        let link = format!("{key}?from=list");
        assert_eq!(s.known_link(&link).expect("link").as_deref(), Some(key));
        assert_eq!(s.resolve(&link).expect("resolve").as_deref(), Some(key));
        assert_eq!(s.count_for_source("a"), 1);
        assert_eq!(s.article_count(), 1);
    });
}

#[test]
fn validators_source_state_and_failed_attempts_round_trip() {
    each_backend(|s| {
        let url = "https://a.example.vn/rss";
        assert_eq!(s.validators(url).expect("read"), None);
        let v = Validators {
            etag: Some("\"v1\"".into()),
            last_modified: Some("Wed, 25 Nov 2026 10:00:00 GMT".into()),
        };
        s.set_validators(url, &v).expect("write");
        assert_eq!(s.validators(url).expect("read"), Some(v));

        assert_eq!(s.source_state("a").expect("read"), SourceState::default());
        let state = SourceState {
            last_run: Some(t0()),
            result: "failed".into(),
            last_error: Some("HTTP 503".into()),
            consecutive_failures: 2,
            ..SourceState::default()
        };
        s.set_source_state("a", &state).expect("write");
        assert_eq!(s.source_state("a").expect("read"), state);

        let link = "https://a.example.vn/tin/broken.html";
        assert_eq!(s.failed_attempts(link).expect("read"), 0);
        assert_eq!(s.record_failure(link).expect("write"), 1);
        assert_eq!(s.record_failure(link).expect("write"), 2);
        assert_eq!(s.failed_attempts(link).expect("read"), 2);
        s.flush().expect("flush");
    });
}

#[test]
fn a_repost_from_another_source_joins_the_story() {
    each_backend(|s| {
        let story = labelled::story("a07-hien-mau", 100);
        let original = "https://tinhuy.example.vn/tin/1.html";
        let repost = "https://baotinh.example.vn/tin/9.html";
        assert_eq!(labelled::put(s, "party", original, &story, 0), Stored::New);
        assert_eq!(
            labelled::put(s, "paper", repost, &story, 3),
            Stored::Duplicate {
                of: original.into()
            }
        );
        let (representative, cluster) = s.cluster_of(repost).expect("read").expect("a cluster");
        assert_eq!(representative, original);
        assert_eq!(cluster.members.len(), 2);
        let merges = s.merges(10, None).expect("merges");
        assert_eq!(merges.len(), 1);
        assert_eq!(merges[0].key, repost);
        assert_eq!(merges[0].matched, original);
        assert_eq!(s.merge_count(), 1);
        assert_eq!(s.merged_for_source("paper"), 1);
        assert_eq!(s.merged_for_source("party"), 0);
        s.flush().expect("flush");
        // One story, one entry in the unified feed; each source keeps its own copy.
        let unified = s
            .page(&PageQuery {
                scope: Scope::All,
                before: None,
                after: None,
                limit: 10,
                filter: Filter::default(),
            })
            .expect("page");
        assert_eq!(unified.entries.len(), 1);
        for (source, key) in [("party", original), ("paper", repost)] {
            let own = s
                .page(&PageQuery {
                    scope: Scope::Source(source),
                    before: None,
                    after: None,
                    limit: 10,
                    filter: Filter::default(),
                })
                .expect("page");
            let keys: Vec<&str> = own.entries.iter().map(|e| e.article.key.as_str()).collect();
            assert_eq!(keys, [key]);
        }
    });
}

#[test]
fn pages_walk_by_cursor_both_ways_without_gaps_or_repeats() {
    each_backend(|s| {
        // 25 articles, some sharing a publication time (the cursor breaks ties by key).
        for i in 0..25 {
            let key = format!("https://a.example.vn/tin/{i}.html");
            labelled::put(s, "a", &key, &note(i), (i / 3) as i64);
        }
        s.flush().expect("flush");
        let query = |before: Option<Cursor>, after: Option<Cursor>| PageQuery {
            scope: Scope::Source("a"),
            before,
            after,
            limit: 7,
            filter: Filter::default(),
        };
        let mut seen = Vec::new();
        let mut before = None;
        let mut pages = Vec::new();
        loop {
            let page = s.page(&query(before.clone(), None)).expect("page");
            assert!(page.entries.len() <= 7);
            seen.extend(page.entries.iter().map(|e| e.article.key.clone()));
            pages.push(page.clone());
            if !page.older {
                break;
            }
            before = page.entries.last().map(|e| Cursor::of(&e.article));
        }
        assert_eq!(seen.len(), 25, "{seen:?}");
        assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 25, "no repeats");
        let order: Vec<_> = seen
            .iter()
            .map(|k| {
                let a = s.article(k).expect("read").expect("stored").article;
                (a.published, a.key)
            })
            .collect();
        assert!(
            order.windows(2).all(|w| w[0] > w[1]),
            "newest first, ties by key"
        );
        // From the last page back up by `after` cursors gives the same pages.
        let last = pages.last().expect("a page");
        let mut after = last.entries.first().map(|e| Cursor::of(&e.article));
        for expected in pages.iter().rev().skip(1) {
            let page = s.page(&query(None, after.clone())).expect("page");
            let keys: Vec<_> = page.entries.iter().map(|e| &e.article.key).collect();
            let want: Vec<_> = expected.entries.iter().map(|e| &e.article.key).collect();
            assert_eq!(keys, want);
            after = page.entries.first().map(|e| Cursor::of(&e.article));
        }
    });
}

#[test]
fn search_is_case_and_diacritic_insensitive_and_phrase_aware() {
    each_backend(|s| {
        for (i, id) in ["a02-thu-hoach-lua", "a07-hien-mau", "a06-chuyen-doi-so"]
            .iter()
            .enumerate()
        {
            let key = format!("https://a.example.vn/tin/{i}.html");
            labelled::put(s, "a", &key, &labelled::story(id, 100), i as i64);
        }
        s.flush().expect("flush");
        let search = |q: &str| -> Vec<String> {
            s.page(&PageQuery {
                scope: Scope::All,
                before: None,
                after: None,
                limit: 10,
                filter: Filter {
                    q: Some(q.into()),
                    ..Filter::default()
                },
            })
            .expect("search")
            .entries
            .into_iter()
            .map(|e| e.article.key)
            .collect()
        };
        let online = vec!["https://a.example.vn/tin/2.html".to_string()];
        assert_eq!(search("\"dịch vụ công trực tuyến\""), online);
        assert_eq!(search("\"DICH VU CONG truc tuyen\""), online);
        assert_eq!(search("truc tuyen"), online);
        assert_eq!(
            search("hiến máu"),
            vec!["https://a.example.vn/tin/1.html".to_string()]
        );
        // Both words, in the other order: a phrase is the words in order, next to each other.
        assert!(search("\"tuyến trực\"").is_empty());
        assert_eq!(search("tuyến trực"), online);
        assert!(search("xyzzyq").is_empty());
    });
}

/// Stores note `i` as `source`'s article `key`, in `category`, published `hours` after t0.
fn put_note(s: &dyn Storage, source: &str, key: &str, i: usize, category: Option<&str>) -> Stored {
    let (title, html) = note(i);
    let mut raw = portalfeed::extract::RawArticle::new(url::Url::parse(key).expect("url"));
    raw.title = Some(title);
    raw.content_html = Some(html);
    raw.category = category.map(str::to_string);
    raw.published = Some(t0() + chrono::Duration::hours(i as i64));
    let at = t0() + chrono::Duration::hours(i as i64 + 1);
    let article = portalfeed::normalize::normalize(raw, source, at).expect("normalize");
    let profile = portalfeed::normalize::dedupe_profile(&article);
    s.put_article(source, article, &profile, &[], at)
        .expect("put")
}

#[test]
fn filters_by_category_province_sources_and_source() {
    each_backend(|s| {
        put_note(
            s,
            "ha-giang",
            "https://hg.example.vn/1",
            1,
            Some("Hà Giang"),
        );
        put_note(s, "ha-giang-so", "https://sgd.example.vn/2", 2, None);
        put_note(s, "ha-giang", "https://hg.example.vn/3", 3, Some("Kinh tế"));
        put_note(s, "dak-lak", "https://dl.example.vn/4", 4, Some("Đắk Lắk"));
        s.flush().expect("flush");
        let keys = |scope: Scope<'_>, filter: Filter| -> Vec<String> {
            s.page(&PageQuery {
                scope,
                before: None,
                after: None,
                limit: 10,
                filter,
            })
            .expect("page")
            .entries
            .into_iter()
            .map(|e| e.article.key)
            .collect()
        };
        // A category in any case and without diacritics; a province also by its sources.
        let province = Filter {
            category: Some("HA GIANG".into()),
            category_sources: vec!["ha-giang-so".into()],
            ..Filter::default()
        };
        assert_eq!(
            keys(Scope::All, province.clone()),
            ["https://sgd.example.vn/2", "https://hg.example.vn/1"]
        );
        assert_eq!(
            keys(Scope::Source("ha-giang"), province),
            ["https://hg.example.vn/1"]
        );
        let sources = Filter {
            sources: Some(vec!["dak-lak".into(), "ha-giang-so".into()]),
            ..Filter::default()
        };
        assert_eq!(
            keys(Scope::All, sources),
            ["https://dl.example.vn/4", "https://sgd.example.vn/2"]
        );
        let words = Filter {
            q: Some("tuần thứ 3".into()),
            ..Filter::default()
        };
        assert_eq!(
            keys(Scope::Source("ha-giang"), words.clone()),
            ["https://hg.example.vn/3"]
        );
        assert!(keys(Scope::Source("dak-lak"), words).is_empty());
        assert_eq!(s.count_for_source("ha-giang"), 2);
        assert_eq!(s.article_count(), 4);
    });
}

#[test]
fn an_edit_is_stored_in_place_and_found_by_its_new_words() {
    each_backend(|s| {
        let key = "https://a.example.vn/tin/9.html";
        let story = labelled::story("a07-hien-mau", 100);
        assert_eq!(labelled::put(s, "a", key, &story, 0), Stored::New);
        let edited = (
            story.0.clone(),
            format!("{}<p>Bổ sung: xyloquartz.</p>", story.1),
        );
        assert_eq!(labelled::put(s, "a", key, &edited, 0), Stored::Updated);
        assert_eq!(labelled::put(s, "a", key, &edited, 0), Stored::Unchanged);
        s.flush().expect("flush");
        let found = s
            .page(&PageQuery {
                scope: Scope::All,
                before: None,
                after: None,
                limit: 10,
                filter: Filter {
                    q: Some("xyloquartz".into()),
                    ..Filter::default()
                },
            })
            .expect("search");
        assert_eq!(found.entries.len(), 1);
        assert!(found.entries[0].article.content_html.contains("xyloquartz"));
        assert_eq!(s.article_count(), 1, "an edit is not a second article");
    });
}

/// Every item of the labelled set in each backend, in one order: each item's story
/// representative.
fn clusters_of_labelled_set(s: &dyn Storage) -> Vec<String> {
    let items = labelled::items();
    let mut order: Vec<usize> = (0..items.len()).collect();
    fastrand::Rng::with_seed(3).shuffle(&mut order);
    for &n in &order {
        let item = &items[n];
        let key = format!("https://site{}.example.vn/tin/{n}.html", n % 7);
        labelled::put(
            s,
            &format!("source-{}", n % 5),
            &key,
            &(item.title.clone(), item.html.clone()),
            item.delay_hours,
        );
    }
    (0..items.len())
        .map(|n| {
            let key = format!("https://site{}.example.vn/tin/{n}.html", n % 7);
            let stored = s.article(&key).expect("read").expect("stored");
            stored.duplicate_of.unwrap_or(key)
        })
        .collect()
}

#[test]
fn every_backend_finds_the_same_copies_of_the_labelled_set() {
    let mut partitions = Vec::new();
    for backend in backends() {
        let clusters = clusters_of_labelled_set(backend.storage.as_ref());
        let merged = (0..clusters.len())
            .filter(|&n| clusters[n] != format!("https://site{}.example.vn/tin/{n}.html", n % 7))
            .count();
        eprintln!(
            "{}: {merged} of {} items merged into another",
            backend.name,
            clusters.len()
        );
        assert!(merged >= 200, "{}: only {merged} merged", backend.name);
        partitions.push((backend.name, clusters));
    }
    let (first, rest) = partitions.split_first().expect("a backend");
    for (name, clusters) in rest {
        assert_eq!(
            clusters, &first.1,
            "{name} clusters differently from {}",
            first.0
        );
    }
}
