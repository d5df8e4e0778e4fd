//! RSS and Atom sources over loopback: relative and `http:host` links, Vietnamese and US-style
//! dates, a missing guid, and an Atom entry edited in place.

mod common;

use common::*;

fn feed_source(id: &str, url: &str) -> String {
    format!("[[source]]\nid = \"{id}\"\nname = \"Cổng TTĐT tỉnh\"\nprovince = \"Cần Thơ\"\nkind = \"feed\"\nurl = \"{url}\"\n")
}

#[test]
fn rss_with_relative_links_vietnamese_dates_and_missing_guid() {
    let portal = Portal::start();
    let host = portal.addr.to_string();
    let rss = fixture_text("feeds/rss.xml").replace("{{HOST}}", &host);
    portal.put("/rss/tin-tuc.rss", Page::xml(rss).with_etag("rss-1"));
    let ws = Workspace::new(&feed_source("cantho-rss", &portal.url("/rss/tin-tuc.rss")));

    let summary = ws.fetch(0);
    assert!(summary.contains("cantho-rss  ok: 3 new"), "{summary}");
    let feed = ws.source_feed("cantho-rss");
    let by_title = |t: &str| {
        feed.entries
            .iter()
            .find(|e| e.title.value.starts_with(t))
            .unwrap_or_else(|| panic!("no entry {t}: {:?}", titles(&feed)))
    };
    // Hex entities decoded; relative link resolved against the feed URL; date in +07:00.
    let opening = by_title("CỔNG THÔNG TIN: Khai mạc");
    assert_eq!(
        opening.links[0].href,
        portal.url("/tin-tuc/khai-mac-ky-hop.html")
    );
    assert_eq!(
        opening.published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2026-11-20T08:15:00+07:00")
    );
    let content = content_of(opening);
    assert!(
        content.contains(&format!(r#"src="{}""#, portal.url("/Images/ky-hop.jpg"))),
        "{content}"
    );
    assert_eq!(opening.categories[0].term, "Chính trị");
    // `http:host/path` repaired; GMT+7 understood.
    let review = by_title("Hội nghị tổng kết");
    assert_eq!(
        review.links[0].href,
        portal.url("/tin-tuc/tong-ket-tuyen-giao.html")
    );
    assert_eq!(
        review.published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2026-11-19T14:30:00+07:00")
    );
    // US-style date with PM is month-first.
    let notice = by_title("Thông báo lịch tiếp");
    assert_eq!(
        notice.links[0].href,
        portal.url("/thong-bao/lich-tiep-cong-dan.html")
    );
    assert_eq!(
        notice.published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2026-08-15T16:04:00+07:00")
    );

    // Second run: one conditional request, 304, nothing else.
    portal.take_hits();
    let summary = ws.fetch(0);
    assert!(summary.contains("unchanged (not modified)"), "{summary}");
    let hits = portal.take_hits();
    assert_eq!(hits.len(), 1);
    assert!(hits[0].conditional);

    // A feed without validators that changed nothing: every entry unchanged, none duplicated.
    let rss = fixture_text("feeds/rss.xml").replace("{{HOST}}", &host);
    portal.put("/rss/tin-tuc.rss", Page::xml(rss));
    let summary = ws.fetch(0);
    assert!(
        summary.contains("ok: 0 new, 0 updated, 3 unchanged"),
        "{summary}"
    );
    assert_eq!(ws.source_feed("cantho-rss").entries.len(), 3);
}

#[test]
fn atom_entry_edited_is_updated_in_place() {
    let portal = Portal::start();
    portal.put(
        "/atom.xml",
        Page::xml(fixture("feeds/atom-v1.xml")).with_content_type("application/atom+xml"),
    );
    let ws = Workspace::new(&feed_source("stttt", &portal.url("/atom.xml")));
    ws.fetch(0);
    let before = ws.source_feed("stttt");
    assert_eq!(before.entries.len(), 2);
    let first = &before.entries[0];
    assert_eq!(first.title.value, "Hướng dẫn chuyển đổi số cấp xã");
    assert_eq!(first.authors[0].name, "Phòng Chuyển đổi số");
    assert_eq!(
        before.entries[1].authors[0].name, "Cổng TTĐT tỉnh",
        "source name when none given"
    );

    portal.put("/atom.xml", Page::xml(fixture("feeds/atom-v2.xml")));
    let summary = ws.fetch(0);
    assert!(
        summary.contains("ok: 0 new, 1 updated, 1 unchanged"),
        "{summary}"
    );
    let after = ws.source_feed("stttt");
    assert_eq!(
        after.entries.len(),
        2,
        "edited, not duplicated: {:?}",
        titles(&after)
    );
    let edited = &after.entries[0];
    assert_eq!(edited.id, first.id, "same Atom id");
    assert_eq!(
        edited.title.value,
        "Hướng dẫn chuyển đổi số cấp xã (cập nhật)"
    );
    assert_eq!(edited.updated.to_rfc3339(), "2026-11-21T10:00:00+07:00");
    assert_eq!(edited.published, first.published);
    let content = content_of(edited);
    assert!(content.contains("12 xã thí điểm"), "{content}");
    assert_eq!(ws.unified().entries.len(), 2);
}

#[test]
fn json_feed_with_last_modified_validator() {
    let portal = Portal::start();
    let last_modified = "Wed, 25 Nov 2026 00:00:00 GMT";
    portal.put(
        "/feed.json",
        Page::html(fixture("feeds/feed.json"))
            .with_content_type("application/feed+json")
            .with_last_modified(last_modified),
    );
    let ws = Workspace::new(&feed_source("sgd", &portal.url("/feed.json")));
    let summary = ws.fetch(0);
    assert!(summary.contains("sgd  ok: 1 new"), "{summary}");
    let feed = ws.source_feed("sgd");
    let entry = &feed.entries[0];
    assert_eq!(
        entry.title.value,
        "Kỳ thi chọn học sinh giỏi cấp tỉnh năm học 2026-2027"
    );
    assert_eq!(
        entry.links[0].href,
        portal.url("/tin/ky-thi-hoc-sinh-gioi.html")
    );
    assert_eq!(entry.authors[0].name, "Phòng Giáo dục Trung học");
    assert_eq!(entry.categories[0].term, "Giáo dục");
    let content = content_of(entry);
    assert!(
        content.contains(&format!(r#"src="{}""#, portal.url("/anh/thi.jpg"))),
        "{content}"
    );
    assert!(!content.contains("onerror"), "{content}");

    // The second run asks If-Modified-Since and stops at the 304.
    portal.take_hits();
    let summary = ws.fetch(0);
    assert!(
        summary.contains("sgd  unchanged (not modified)"),
        "{summary}"
    );
    let hits = portal.take_hits();
    assert_eq!(hits.len(), 1);
    assert!(hits[0].conditional);
}
