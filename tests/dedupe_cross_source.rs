//! The same article published by two sources — a party site's page and a provincial portal's
//! RSS re-posting it under another URL with a "HG: " prefix — appears once in the unified feed,
//! and in each source's own feed.

mod common;

use common::*;

#[test]
fn one_article_two_sources_one_unified_entry() {
    let portal = Portal::start();
    let body = real_body("bacgiang-2017-post3-tay-yen-tu");
    let page = fill(
        &fixture_text("portal/article.html"),
        &[
            (
                "TITLE",
                "Tập trung giải phóng mặt bằng khu tái định cư Tây Yên Tử",
            ),
            ("DATE", "21/03/2021"),
            ("AUTHOR", "Diệu Hoa"),
            ("BODY", &body),
            ("CANONICAL", ""),
        ],
    );
    portal.put(
        "/party/list",
        Page::html(r#"<a class="t" href="/party/tay-yen-tu.html">x</a>"#).with_etag("p1"),
    );
    portal.put("/party/tay-yen-tu.html", Page::html(page));
    // The portal's RSS re-posts the body under its own URL, with an entity-free re-encoding
    // and a province prefix in the title.
    let escaped = body
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let rss = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Cổng</title><link>/</link>\
         <item><title>HG: Tập trung giải phóng mặt bằng khu tái định cư Tây Yên Tử</title>\
         <link>/portal/tin/12345.html</link><pubDate>21/03/2021 09:00</pubDate>\
         <description>{escaped}</description></item>\
         <item><title>Tin riêng của cổng</title><link>/portal/tin/777.html</link>\
         <description>Nội dung chỉ có ở cổng thông tin điện tử tỉnh, không trùng với trang nào khác.</description></item>\
         </channel></rss>"
    );
    portal.put("/portal/rss", Page::xml(rss).with_etag("r1"));
    let ws = Workspace::new(&format!(
        "[[source]]\nid = \"party\"\nname = \"Ban Tuyên giáo\"\nkind = \"html\"\nurl = \"{}\"\n\
         [source.list]\nlink = \"a.t\"\n[source.article]\ntitle = \"h1.detail-title\"\ndate = \"div.detail-meta\"\n\
         content = \"div.detail-content\"\nremove = [\"p[style*='right']\"]\n\
         [[source]]\nid = \"portal\"\nname = \"Cổng TTĐT\"\nkind = \"feed\"\nurl = \"{}\"\n",
        portal.url("/party/list"),
        portal.url("/portal/rss")
    ));
    // Run the party site first so it owns the article.
    let out = ws.run(&["fetch", "--source", "party"]);
    assert_eq!(out.status.code(), Some(0));
    let summary = ws.fetch(0);
    assert!(
        summary.contains("portal  ok: 1 new, 0 updated, 0 unchanged, 1 duplicate"),
        "{summary}"
    );

    let unified = ws.unified();
    let mut got = titles(&unified);
    got.sort();
    assert_eq!(
        got,
        [
            "Tin riêng của cổng",
            "Tập trung giải phóng mặt bằng khu tái định cư Tây Yên Tử"
        ]
    );
    assert_eq!(
        ws.source_feed("portal").entries.len(),
        2,
        "the portal's own feed keeps its copy"
    );
    assert_eq!(ws.source_feed("party").entries.len(), 1);

    // Second run: two conditional requests (one per source), nothing else.
    portal.take_hits();
    ws.fetch(0);
    let hits = portal.take_hits();
    assert_eq!(hits.len(), 2, "{hits:?}");
    assert!(hits.iter().all(|h| h.conditional));
}
