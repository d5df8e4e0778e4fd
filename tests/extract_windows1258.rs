//! A windows-1258 portal: tone marks arrive as combining characters, declared in the HTTP header
//! on one page and only in `<meta http-equiv>` on another; both come out as NFC Vietnamese.

mod common;

use common::*;
use portalfeed::extract::charset::encode_windows_1258;
use unicode_normalization::{is_nfc, UnicodeNormalization};

#[test]
fn windows_1258_pages_become_nfc_vietnamese() {
    let portal = Portal::start();
    let list = encode_windows_1258(&fixture_text("portal/list-1258.html"));
    portal.put(
        "/1258/",
        Page::html(list)
            .with_content_type("text/html")
            .with_etag("l1"),
    );
    let article = encode_windows_1258(&fixture_text("portal/article-1258.html"));
    assert!(
        !article.windows(2).any(|w| w == b"&#"),
        "real windows-1258 bytes, no references"
    );
    portal.put(
        "/1258/bai-meta.html",
        Page::html(article.clone()).with_content_type("text/html"),
    );
    let without_meta = encode_windows_1258(
        &fixture_text("portal/article-1258.html").replace("charset=windows-1258", "charset=utf-8"),
    );
    portal.put(
        "/1258/bai-header.html",
        Page::html(without_meta).with_content_type("text/html; charset=windows-1258"),
    );
    let ws = Workspace::new(&format!(
        "[[source]]\nid = \"hg-1258\"\nname = \"Sở Nội vụ\"\nkind = \"html\"\nurl = \"{}\"\n\
         [source.list]\nlink = \"a.news-title\"\n[source.article]\ntitle = \"h1.detail-title\"\n\
         date = \"div.detail-meta\"\ncontent = \"div.detail-content\"\n",
        portal.url("/1258/")
    ));
    let summary = ws.fetch(0);
    assert!(
        summary.contains("hg-1258  ok: 1 new, 0 updated, 0 unchanged, 1 duplicate"),
        "{summary}"
    );
    let xml = ws.public("sources/hg-1258.atom");
    assert!(is_nfc(&xml), "the whole feed is NFC");
    let feed = parse_atom(&xml);
    let expected_title: String =
        "Hội nghị ký kết quy chế phối hợp giữa Tỉnh ủy và Ủy ban nhân dân tỉnh"
            .nfc()
            .collect();
    for entry in &feed.entries {
        assert_eq!(entry.title.value, expected_title);
        assert_eq!(
            entry.published.map(|d| d.to_rfc3339()).as_deref(),
            Some("2021-03-19T14:30:00+07:00")
        );
        let content = content_of(entry);
        assert!(
            content.contains("Đồng chí Trần Văn Huyến - Phó Bí thư Tỉnh ủy"),
            "{content}"
        );
        assert!(
            content.contains(&format!(r#"src="{}""#, portal.url("/Uploads/19.3%20B.png"))),
            "{content}"
        );
    }

    // Second run: one conditional request, no article fetched again.
    portal.take_hits();
    ws.fetch(0);
    let hits = portal.take_hits();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert!(hits[0].conditional);
}
