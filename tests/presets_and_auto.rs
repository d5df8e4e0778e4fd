//! Presets and auto mode over loopback: a fixture portal in each platform's structure
//! (tests/fixtures/<family>/, after docs/PLATFORMS.md) carrying the real Bắc Giang
//! article bodies from tests/fixtures/real, read once with `preset = "…"` only and once with
//! nothing but the URL.

mod common;

use common::*;

/// The two articles every family fixture links: (NukeViet's malformed meta date, title, date
/// text, expected RFC 3339, author, real body).
const ARTICLES: [(&str, &str, &str, &str, &str, &str); 2] = [
    (
        "2021-03-19+0714:30:00",
        "Tập trung giải phóng mặt bằng khu tái định cư Khu du lịch Tây Yên Tử",
        "19/03/2021 14:30",
        "2021-03-19T14:30:00+07:00",
        "Diệu Hoa",
        "bacgiang-2017-post3-tay-yen-tu",
    ),
    (
        "2021-03-18ICT09:00:00",
        "Bà con Bắc Giang xa quê là một bộ phận trong cộng đồng người Bắc Giang",
        "18/03/2021 09:00",
        "2021-03-18T09:00:00+07:00",
        "Dương Đại Lâm",
        "bacgiang-2017-post8-ba-con-xa-que",
    ),
];

/// Serves `family`'s list page at `list_path` and its article template at the given paths.
fn family_portal(family: &str, list_path: &str, article_paths: [&str; 2]) -> Portal {
    let portal = Portal::start();
    portal.put(
        list_path,
        Page::html(fixture(&format!("{family}/list.html"))),
    );
    let template = fixture_text(&format!("{family}/article.html"));
    for (path, (meta_date, title, date, _, author, body)) in article_paths.iter().zip(ARTICLES) {
        let page = fill(
            &template,
            &[
                ("TITLE", title),
                ("DATE", date),
                // NukeViet's malformed meta: the zone where the `T` should be.
                ("META_DATE", meta_date),
                ("AUTHOR", author),
                ("SUMMARY", "Tóm tắt bài viết."),
                ("BODY", &real_body(body)),
                (
                    "CANONICAL",
                    &portal.url(path.split('?').next().unwrap_or(path)),
                ),
            ],
        );
        portal.put(path, Page::html(page));
    }
    portal
}

fn source(id: &str, url: &str, extra: &str) -> String {
    format!("[[source]]\nid = \"{id}\"\nname = \"Nguồn {id}\"\nkind = \"html\"\nurl = \"{url}\"\n{extra}\n")
}

/// Runs the workspace and checks the two articles came out whole.
fn assert_articles(ws: &Workspace, id: &str, check_authors: bool) {
    let summary = ws.fetch(0);
    assert!(summary.contains(&format!("{id}  ok: ")), "{summary}");
    let feed = ws.source_feed(id);
    assert_eq!(feed.entries.len(), 2, "{summary}\n{:?}", titles(&feed));
    for (_, title, _, date, author, body) in ARTICLES {
        let entry = feed
            .entries
            .iter()
            .find(|e| e.title.value == title)
            .unwrap_or_else(|| panic!("no entry {title}: {:?}", titles(&feed)));
        assert_eq!(
            entry.published.map(|d| d.to_rfc3339()).as_deref(),
            Some(date),
            "{title}"
        );
        if check_authors {
            assert_eq!(entry.authors[0].name, author, "{title}");
        }
        let content = content_of(entry);
        let real = portalfeed::text::html_to_text(&real_body(body));
        let first_words: String = real
            .split(' ')
            .skip(5)
            .take(8)
            .collect::<Vec<_>>()
            .join(" ");
        let text = portalfeed::text::html_to_text(&content);
        assert!(
            text.contains(&first_words),
            "{title}: the real body ({first_words}) in:\n{text}"
        );
        for junk in [
            "Tin khác",
            "Các tin khác",
            "Đánh giá bài viết",
            "Tin tức sự kiện",
        ] {
            assert!(
                !text.contains(junk),
                "{title}: `{junk}` left in the content:\n{text}"
            );
        }
    }
}

#[test]
fn nukeviet_preset() {
    let portal = family_portal(
        "nukeviet",
        "/vi/news/tin-tuc/",
        [
            "/vi/news/tin-tuc/tap-trung-giai-phong-mat-bang-khu-tai-dinh-cu-101.html",
            "/vi/news/tin-tuc/ba-con-xa-que-102.html",
        ],
    );
    let ws = Workspace::new(&source(
        "nv",
        &portal.url("/vi/news/tin-tuc/"),
        "preset = \"nukeviet\"",
    ));
    assert_articles(&ws, "nv", true);
    // max_pages defaults to 1: the preset's `next` is not followed.
    assert!(portal.hits().iter().all(|h| !h.path.ends_with("page-2")));
}

#[test]
fn liferay_preset_follows_canonical_urls() {
    let portal = family_portal(
        "liferay",
        "/web/guest/tin-tuc",
        [
            "/web/guest/-/tap-trung-giai-phong-mat-bang?inheritRedirect=true&redirect=%2Fweb%2Fguest%2Ftin-tuc",
            "/web/guest/-/ba-con-xa-que?inheritRedirect=true&redirect=%2Fweb%2Fguest%2Ftin-tuc",
        ],
    );
    let ws = Workspace::new(&source(
        "lr",
        &portal.url("/web/guest/tin-tuc"),
        "preset = \"liferay\"",
    ));
    let summary = ws.fetch(0);
    assert!(summary.contains("lr  ok: 2 new"), "{summary}");
    let feed = ws.source_feed("lr");
    let dates: Vec<String> = feed
        .entries
        .iter()
        .filter_map(|e| e.published.map(|d| d.to_rfc3339()))
        .collect();
    assert_eq!(
        dates,
        ["2021-03-19T14:30:00+07:00", "2021-03-18T09:00:00+07:00"],
        "`| Lượt xem` split off"
    );
    let text = content_of(&feed.entries[0]);
    assert!(
        !text.contains("Đánh giá bài viết") && !text.contains("Tin khác"),
        "{text}"
    );
    // Readers get the canonical address, not the list link with Liferay's redirect noise.
    let links: Vec<&str> = feed
        .entries
        .iter()
        .map(|e| e.links[0].href.as_str())
        .collect();
    assert_eq!(
        links,
        [
            portal.url("/web/guest/-/tap-trung-giai-phong-mat-bang"),
            portal.url("/web/guest/-/ba-con-xa-que")
        ]
    );
}

#[test]
fn tandan_preset() {
    let portal = family_portal(
        "tandan",
        "/portal/Pages/Tin-tuc.aspx",
        [
            "/portal/Pages/2021-3-19/Tap-trung-giai-phong-mat-bang-abc123.aspx",
            "/portal/Pages/2021-3-18/Ba-con-xa-que-def456.aspx",
        ],
    );
    let ws = Workspace::new(&source(
        "td",
        &portal.url("/portal/Pages/Tin-tuc.aspx"),
        "preset = \"tandan\"",
    ));
    assert_articles(&ws, "td", false);
    // The box title links back to the list page: fetched once, as the list, not as an article.
    let list_hits = portal
        .hits()
        .iter()
        .filter(|h| h.path == "/portal/Pages/Tin-tuc.aspx")
        .count();
    assert_eq!(list_hits, 1, "the box title link is not an article");
}

#[test]
fn dnn_preset() {
    let portal = family_portal(
        "dnn",
        "/Default.aspx?tabid=22641",
        [
            "/Default.aspx?tabid=22641&ID=5101",
            "/Default.aspx?tabid=22641&ID=5102",
        ],
    );
    let ws = Workspace::new(&source(
        "dnn",
        &portal.url("/Default.aspx?tabid=22641"),
        "preset = \"dnn\"",
    ));
    assert_articles(&ws, "dnn", false);
}

#[test]
fn auto_mode_on_a_nukeviet_portal_and_on_our_generic_portal() {
    let portal = family_portal(
        "nukeviet",
        "/vi/news/tin-tuc/",
        [
            "/vi/news/tin-tuc/tap-trung-giai-phong-mat-bang-khu-tai-dinh-cu-101.html",
            "/vi/news/tin-tuc/ba-con-xa-que-102.html",
        ],
    );
    // Nothing but the URL: links by structure, article by readability and meta fallbacks.
    let ws = Workspace::new(&source("auto", &portal.url("/vi/news/tin-tuc/"), ""));
    let summary = ws.fetch(0);
    assert!(summary.contains("auto  ok: 2 new"), "{summary}");
    let feed = ws.source_feed("auto");
    let mut got = titles(&feed);
    got.sort();
    let mut want: Vec<String> = ARTICLES.iter().map(|a| a.1.to_string()).collect();
    want.sort();
    assert_eq!(got, want);
    for entry in &feed.entries {
        // The malformed NukeViet meta dates are read.
        let (.., date, _, _) = ARTICLES
            .iter()
            .find(|a| a.1 == entry.title.value)
            .copied()
            .unwrap_or_default();
        assert_eq!(
            entry.published.map(|d| d.to_rfc3339()).as_deref(),
            Some(date)
        );
        assert!(content_of(entry).contains("<p"), "paragraphs found");
        assert!(!content_of(entry).contains("Tin khác cùng chuyên mục"));
    }
    assert!(
        portal
            .hits()
            .iter()
            .all(|h| !h.path.contains("lich-su-dang-bo") && !h.path.contains("lien-he")),
        "menus and footers are not articles"
    );
}
