//! A list + article HTML portal with pagination, over loopback, run three times: cold, nothing
//! changed (one conditional request), and one new article (only it is fetched).

mod common;

use common::*;

/// The portal: two list pages (a third exists but max_pages = 2), three real Bắc Giang article
/// bodies from tests/fixtures/real and the seed article's date line.
fn portal() -> Portal {
    let portal = Portal::start();
    portal.put(
        "/chuyen-muc/xay-dung",
        Page::html(fixture("portal/list-1.html")).with_etag("list-v1"),
    );
    portal.put(
        "/chuyen-muc/xay-dung?page=2",
        Page::html(fixture("portal/list-2.html")),
    );
    portal.put(
        "/chuyen-muc/xay-dung?page=3",
        Page::html(fixture("portal/list-3.html")),
    );
    let template = fixture_text("portal/article.html");
    let articles = [
        (
            "ky-ket-quy-che",
            "HG: Ký kết Quy chế phối hợp về công tác khoa giáo",
            "20/03/2021",
            "Tấn Phong",
            "bacgiang-2017-post8-ba-con-xa-que",
        ),
        (
            "tay-yen-tu",
            "Tập trung giải phóng mặt bằng khu tái định cư Tây Yên Tử",
            "21/03/2021",
            "Diệu Hoa",
            "bacgiang-2017-post3-tay-yen-tu",
        ),
        (
            "ba-con-xa-que",
            "Bà con xa quê là một bộ phận trong cộng đồng",
            "22/03/2021",
            "Dương Đại L&acirc;m",
            "bacgiang-2017-post8-ba-con-xa-que",
        ),
        (
            "don-dien-doi-thua",
            "Đẩy mạnh dồn điền đổi thửa, xây dựng cánh đồng mẫu năm 2017",
            "23/03/2021",
            "",
            "bacgiang-2017-post13-don-dien-doi-thua",
        ),
    ];
    for (slug, title, date, author, body) in articles {
        // The first article repeats the third's body on purpose: dedupe is tested elsewhere;
        // here it shows a same-source duplicate still reaches the source's own feed.
        let canonical = portal.url(&format!("/tin/{slug}.html"));
        let page = fill(
            &template,
            &[
                ("TITLE", title),
                ("DATE", date),
                ("AUTHOR", author),
                ("BODY", &real_body(body)),
                ("CANONICAL", &canonical),
            ],
        );
        portal.put(&format!("/tin/{slug}.html"), Page::html(page.clone()));
        portal.put(
            &format!("/tin/{slug}.html?utm_source=zalo"),
            Page::html(page),
        );
    }
    portal
}

fn sources(portal: &Portal) -> String {
    format!(
        r#"
[[source]]
id = "tg-haugiang"
name = "Ban Tuyên giáo Tỉnh ủy Hậu Giang"
province = "Hậu Giang"
kind = "html"
url = "{}"
[source.list]
link = "a.news-title"
next = "ul.pagination li.next a"
max_pages = 2
[source.article]
title = "h1.detail-title"
date = "div.detail-meta"
author = "div.detail-content p[style*='right'] strong"
content = "div.detail-content"
category = "div.breadcrumb a:last-child"
remove = ["div.comments", "p[style*='right']"]
"#,
        portal.url("/chuyen-muc/xay-dung")
    )
}

#[test]
fn cold_run_then_conditional_then_incremental() {
    let portal = portal();
    let ws = Workspace::new(&sources(&portal));

    // 1. Cold run: two list pages, four articles (the external link and page 3 are not fetched).
    let summary = ws.fetch(0);
    assert!(
        summary.contains("tg-haugiang  ok: 3 new, 0 updated, 0 unchanged, 1 duplicate, 0 skipped"),
        "{summary}"
    );
    let mut paths: Vec<String> = portal.take_hits().into_iter().map(|h| h.path).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "/chuyen-muc/xay-dung",
            "/chuyen-muc/xay-dung?page=2",
            "/tin/ba-con-xa-que.html?utm_source=zalo",
            "/tin/don-dien-doi-thua.html",
            "/tin/ky-ket-quy-che.html",
            "/tin/tay-yen-tu.html",
        ]
    );

    let feed = ws.source_feed("tg-haugiang");
    assert_eq!(feed.entries.len(), 4);
    // Newest first, by the date printed on each page, in +07:00.
    let published: Vec<String> = feed
        .entries
        .iter()
        .filter_map(|e| e.published.map(|p| p.to_rfc3339()))
        .collect();
    assert_eq!(
        published,
        [
            "2021-03-23T00:00:00+07:00",
            "2021-03-22T00:00:00+07:00",
            "2021-03-21T00:00:00+07:00",
            "2021-03-20T00:00:00+07:00"
        ]
    );
    let yen_tu = &feed.entries[2];
    assert_eq!(
        yen_tu.title.value,
        "Tập trung giải phóng mặt bằng khu tái định cư Tây Yên Tử"
    );
    assert_eq!(yen_tu.authors[0].name, "Diệu Hoa");
    assert_eq!(yen_tu.links[0].href, portal.url("/tin/tay-yen-tu.html"));
    let categories: Vec<&str> = yen_tu.categories.iter().map(|c| c.term.as_str()).collect();
    assert_eq!(categories, ["Xây dựng hệ thống chính trị", "Hậu Giang"]);
    let content = content_of(yen_tu);
    assert!(
        content.contains("Phó Chủ tịch UBND tỉnh Lê Ánh Dương"),
        "entities decoded, NFC: {content}"
    );
    assert!(
        content.contains(
            r#"src="http://www.bacgiang.gov.vn/lib/ckfinder/images/Tay%20yen%20tu%281%29.jpg""#
        ),
        "{content}"
    );
    assert!(
        !content.contains("Các ý kiến của bạn đọc"),
        "remove rule applied: {content}"
    );
    assert!(
        !content.contains("Diệu Hoa</strong>"),
        "author line removed from the body"
    );
    // The NFD body (entity + raw combining accent) comes out composed.
    let xa_que = &feed.entries[1];
    let content = content_of(xa_que);
    assert!(
        !content
            .chars()
            .any(|c| ('\u{300}'..='\u{36f}').contains(&c)),
        "no combining marks left"
    );
    assert!(content.contains("tiếp"), "{content}");
    assert_eq!(xa_que.authors[0].name, "Dương Đại Lâm");
    // An article page without an author line is credited to the source.
    assert_eq!(
        feed.entries[0].authors[0].name,
        "Ban Tuyên giáo Tỉnh ủy Hậu Giang"
    );
    // The tracking parameter is not part of the article's link.
    assert_eq!(xa_que.links[0].href, portal.url("/tin/ba-con-xa-que.html"));

    // The unified feed leaves out the same-body duplicate.
    assert_eq!(ws.unified().entries.len(), 3);

    // 2. Nothing changed: one conditional request, answered 304; no article fetched again.
    let summary = ws.fetch(0);
    assert!(
        summary.contains("tg-haugiang  unchanged (not modified)"),
        "{summary}"
    );
    let hits = portal.take_hits();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert!(hits[0].conditional && hits[0].path == "/chuyen-muc/xay-dung");
    assert!(
        hits[0].user_agent.starts_with("portalfeed/"),
        "{:?}",
        hits[0]
    );
    let ids_before: Vec<String> = ws
        .source_feed("tg-haugiang")
        .entries
        .iter()
        .map(|e| e.id.clone())
        .collect();

    // 3. One new article on page 1: the list pages and that article only.
    let list = fixture_text("portal/list-1.html").replace(
        r#"<div class="list">"#,
        r#"<div class="list"><div class="item"><a class="news-title" href="/tin/moi.html">Bài mới</a></div>"#,
    );
    portal.put(
        "/chuyen-muc/xay-dung",
        Page::html(list).with_etag("list-v2"),
    );
    let fresh = fill(
        &fixture_text("portal/article.html"),
        &[
            ("TITLE", "Bài mới"),
            ("DATE", "24/03/2021"),
            ("AUTHOR", "PV"),
            ("BODY", "<p>Nội dung bài mới hoàn toàn khác.</p>"),
            ("CANONICAL", ""),
        ],
    );
    portal.put("/tin/moi.html", Page::html(fresh));
    let summary = ws.fetch(0);
    assert!(summary.contains("ok: 1 new"), "{summary}");
    let paths: Vec<String> = portal.take_hits().into_iter().map(|h| h.path).collect();
    assert_eq!(paths.len(), 3, "{paths:?}");
    assert!(paths.contains(&"/tin/moi.html".to_string()));
    let feed = ws.source_feed("tg-haugiang");
    assert_eq!(titles(&feed)[0], "Bài mới");
    // Entry ids are stable across runs.
    let ids_after: Vec<String> = feed.entries.iter().skip(1).map(|e| e.id.clone()).collect();
    assert_eq!(ids_after, ids_before);
}
