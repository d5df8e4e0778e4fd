//! The sled store on real temp dirs: upsert outcomes, cross-source duplicates, ordering,
//! persistence across reopen, and the one-process lock.

use chrono::{DateTime, Duration, FixedOffset};
use portalfeed::normalize::Article;
use portalfeed::store::{Store, StoreError, Stored, Validators};

fn t(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).expect("time")
}

fn article(key: &str, fingerprint: &str, published: &str) -> Article {
    Article {
        key: key.into(),
        link: key.into(),
        title: format!("Bài {key}"),
        published: t(published),
        updated: t(published),
        dated: true,
        author: None,
        summary: "Tóm tắt".into(),
        content_html: "<p>Nội dung</p>".into(),
        category: None,
        fingerprint: fingerprint.into(),
        content_hash: format!("hash-{key}"),
    }
}

/// `put_article` with the profile the pipeline would compute.
fn put(
    store: &Store,
    source_id: &str,
    article: Article,
    links: &[String],
    now: DateTime<FixedOffset>,
) -> Result<Stored, StoreError> {
    let profile = portalfeed::normalize::dedupe_profile(&article);
    store.put_article(source_id, article, &profile, links, now)
}

const NOW: &str = "2026-11-26T10:00:00+07:00";

#[test]
fn upsert_outcomes_and_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("open");
    let a = article("https://a.vn/1", "fp1", "2026-11-20T08:00:00+07:00");
    let b = article("https://a.vn/2", "fp2", "2026-11-21T08:00:00+07:00");
    assert_eq!(
        put(
            &store,
            "s1",
            a.clone(),
            &["https://a.vn/1?ref=list".into()],
            t(NOW)
        )
        .expect("put"),
        Stored::New
    );
    assert_eq!(
        put(&store, "s1", b.clone(), &[], t(NOW)).expect("put"),
        Stored::New
    );
    assert_eq!(
        put(&store, "s1", a.clone(), &[], t(NOW)).expect("put"),
        Stored::Unchanged
    );
    assert_eq!(
        store
            .known_link("https://a.vn/1?ref=list")
            .expect("link")
            .as_deref(),
        Some("https://a.vn/1")
    );

    // The same body from another source under another key: a duplicate.
    let copy = article("https://portal.vn/99", "fp1", "2026-11-22T08:00:00+07:00");
    assert_eq!(
        put(&store, "s2", copy, &[], t(NOW)).expect("put"),
        Stored::Duplicate {
            of: "https://a.vn/1".into()
        }
    );
    let unified: Vec<String> = store
        .recent(10)
        .expect("recent")
        .into_iter()
        .map(|s| s.article.key)
        .collect();
    assert_eq!(
        unified,
        ["https://a.vn/2", "https://a.vn/1"],
        "newest first, duplicate left out"
    );
    let s2: Vec<String> = store
        .recent_for_source("s2", 10)
        .expect("recent")
        .into_iter()
        .map(|s| s.article.key)
        .collect();
    assert_eq!(s2, ["https://portal.vn/99"]);
    assert_eq!(store.recent(1).expect("recent").len(), 1);

    // An edit without a newer `updated` still moves `updated` forward, keeps the key.
    let mut edited = a.clone();
    edited.content_hash = "hash-edited".into();
    edited.title = "Bài đã sửa".into();
    assert_eq!(
        put(&store, "s1", edited, &[], t(NOW)).expect("put"),
        Stored::Updated
    );
    let stored = store
        .article("https://a.vn/1")
        .expect("get")
        .expect("present");
    assert_eq!(stored.article.title, "Bài đã sửa");
    assert_eq!(stored.article.updated, t(NOW));
    assert_eq!(stored.article.published, a.published);
    assert_eq!(
        store.recent(10).expect("recent").len(),
        2,
        "no duplicate entry after the edit"
    );
}

#[test]
fn undated_articles_keep_their_first_seen_date() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("open");
    let mut a = article("https://a.vn/undated", "fpu", NOW);
    a.dated = false;
    put(&store, "s", a.clone(), &[], t(NOW)).expect("put");
    let later = t(NOW) + Duration::hours(3);
    a.published = later;
    a.updated = later;
    assert_eq!(
        put(&store, "s", a, &[], later).expect("put"),
        Stored::Unchanged
    );
    let stored = store
        .article("https://a.vn/undated")
        .expect("get")
        .expect("present");
    assert_eq!(stored.article.published, t(NOW));
}

#[test]
fn data_survives_reopen_and_the_store_is_single_process() {
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let store = Store::open(dir.path()).expect("open");
        put(
            &store,
            "s",
            article("https://a.vn/1", "fp", NOW),
            &[],
            t(NOW),
        )
        .expect("put");
        let v = Validators {
            etag: Some("\"x\"".into()),
            last_modified: None,
        };
        store
            .set_validators("https://a.vn/list", &v)
            .expect("validators");
        assert_eq!(
            store.record_failure("https://a.vn/bad").expect("failure"),
            1
        );
        assert_eq!(
            store.record_failure("https://a.vn/bad").expect("failure"),
            2
        );
        match Store::open(dir.path()) {
            Err(StoreError::Locked {
                dir: locked, pid, ..
            }) => {
                assert_eq!(locked, dir.path());
                assert_eq!(pid, Some(std::process::id()));
            }
            Err(other) => panic!("expected Locked, got {other}"),
            Ok(_) => panic!("a second open must fail while the first is held"),
        }
        store.flush().expect("flush");
    }
    let store = Store::open(dir.path()).expect("reopen once released");
    assert!(store.article("https://a.vn/1").expect("get").is_some());
    assert_eq!(
        store
            .validators("https://a.vn/list")
            .expect("get")
            .and_then(|v| v.etag)
            .as_deref(),
        Some("\"x\"")
    );
    assert_eq!(store.failed_attempts("https://a.vn/bad").expect("get"), 2);
}

#[test]
fn new_stores_compress_and_stores_made_without_compression_still_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fresh = dir.path().join("fresh");
    {
        let store = Store::open(&fresh).expect("open");
        put(
            &store,
            "cms",
            article("https://a.vn/1", "fp1", "2026-11-20T08:00:00+07:00"),
            &[],
            t(NOW),
        )
        .expect("put");
        store.flush().expect("flush");
    }
    let conf = String::from_utf8_lossy(&std::fs::read(fresh.join("db/conf")).expect("sled conf"))
        .into_owned();
    assert!(conf.contains("use_compression: true"), "{conf}");

    // A store as an earlier version made it: sled without compression.
    let older = dir.path().join("older");
    {
        let db = sled::Config::new()
            .path(older.join("db"))
            .use_compression(false)
            .open()
            .expect("sled");
        db.flush().expect("flush");
    }
    {
        let store = Store::open(&older).expect("an uncompressed store opens");
        put(
            &store,
            "cms",
            article("https://a.vn/2", "fp2", "2026-11-20T08:00:00+07:00"),
            &[],
            t(NOW),
        )
        .expect("put");
        store.flush().expect("flush");
    }
    let store = Store::open(&older).expect("reopen");
    assert!(store.article("https://a.vn/2").expect("read").is_some());
    let conf = String::from_utf8_lossy(&std::fs::read(older.join("db/conf")).expect("sled conf"))
        .into_owned();
    assert!(conf.contains("use_compression: false"), "{conf}");
}
