//! The sled store on real temp dirs: upsert outcomes, cross-source duplicates, ordering,
//! persistence across reopen, and the one-process lock.

use chrono::{DateTime, Duration, FixedOffset};
use portalfeed::normalize::Article;
use portalfeed::store::{Storage, Store, StoreError, Stored, Validators};

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
fn article_records_are_compressed_and_plain_json_records_still_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let body = "<p>Sáng 20/11, Ban Tuyên giáo Tỉnh ủy tổ chức hội nghị tổng kết công tác năm. </p>"
        .repeat(40);
    {
        let store = Store::open(dir.path()).expect("open");
        let mut a = article("https://a.vn/1", "fp1", "2026-11-20T08:00:00+07:00");
        a.content_html = body.clone();
        put(&store, "cms", a, &[], t(NOW)).expect("put");
        store.flush().expect("flush");
    }
    // Below the store's interface, as sled holds it: a zstd frame well under the JSON's size.
    let json_len;
    {
        let db = sled::open(dir.path().join("db")).expect("sled");
        let articles = db.open_tree("articles").expect("tree");
        let record = articles
            .get("https://a.vn/1")
            .expect("get")
            .expect("stored");
        assert_eq!(record.get(..4), Some([0x28, 0xb5, 0x2f, 0xfd].as_slice()));
        let json = zstd::bulk::decompress(&record, 1 << 20).expect("a zstd frame");
        json_len = json.len();
        assert!(
            record.len() * 3 < json_len,
            "{} bytes for {json_len} of JSON",
            record.len()
        );
        // A record as earlier versions wrote it: plain JSON.
        articles
            .insert("https://a.vn/plain", json.as_slice())
            .expect("insert");
        db.flush().expect("flush");
    }
    let store = Store::open(dir.path()).expect("reopen");
    let compressed = store
        .article("https://a.vn/1")
        .expect("read")
        .expect("stored");
    assert_eq!(compressed.article.content_html, body);
    let plain = store
        .article("https://a.vn/plain")
        .expect("read plain JSON");
    assert_eq!(plain.map(|p| p.article.content_html), Some(body));
    assert!(json_len > 3_000);
}
