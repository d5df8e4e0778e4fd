//! One story, one entry, over loopback with the real binary: a party site publishes an article
//! with an image caption; the provincial portal's RSS re-posts it without the caption, with a
//! "HG: " prefix and a source line; a department site re-posts its first half with "Xem tiếp…".
//! The unified feed (Atom file, Atom/RSS/JSON over HTTP, a province feed, every page of a paging
//! walk) shows the story once, under the party article's id, with the other copies as related
//! links; each source's feed keeps its own copy; `dupes` lists and explains the merges;
//! `/metrics` counts them. All of it on the embedded store, and again on PostgreSQL (a real
//! server started by the test).

mod common;

use common::*;

const TITLE: &str = "Tập trung giải phóng mặt bằng khu tái định cư Tây Yên Tử";

/// The real body as paragraphs: its caption block, then the text.
fn body() -> String {
    real_body("bacgiang-2017-post3-tay-yen-tu")
}

/// The body without its `<figure>` (the caption line).
fn without_caption(body: &str) -> String {
    match (body.find("<figure"), body.find("</figure>")) {
        (Some(start), Some(end)) => format!("{}{}", &body[..start], &body[end + 9..]),
        _ => panic!("the fixture has a figure"),
    }
}

/// The first half of the body's paragraphs, then "Xem tiếp…".
fn first_half(body: &str) -> String {
    let paragraphs: Vec<&str> = body.split("</p>").collect();
    let half = paragraphs.len().div_ceil(2);
    format!("{}</p><p>Xem tiếp…</p>", paragraphs[..half].join("</p>"))
}

/// The portals, and a workspace whose `store` is `store` (the default directory when `None`).
fn set_up(store: Option<&str>) -> (Portal, Workspace) {
    let portal = Portal::start();
    let body = body();
    portal.put(
        "/party/list",
        Page::html(
            r#"<a class="t" href="/party/tay-yen-tu.html">x</a><a class="t" href="/party/rieng.html">y</a>"#,
        ),
    );
    portal.put(
        "/party/tay-yen-tu.html",
        Page::html(portal_article(TITLE, "21/03/2021 08:00", &body)),
    );
    portal.put(
        "/party/rieng.html",
        Page::html(portal_article(
            "Hội nghị Ban Chấp hành Đảng bộ tỉnh lần thứ 5",
            "20/03/2021 08:00",
            "<p>Sáng 20/3, Ban Chấp hành Đảng bộ tỉnh tổ chức hội nghị lần thứ 5 để thảo luận \
             kết quả thực hiện nhiệm vụ quý I và phương hướng quý II năm 2021, cùng nhiều nội \
             dung quan trọng về công tác cán bộ và xây dựng Đảng trong tình hình mới.</p>",
        )),
    );
    let repost = format!("{}<p>Nguồn: Báo Bắc Giang</p>", without_caption(&body));
    let rss = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Cổng</title><link>/</link>\
         <item><title>HG: {TITLE}</title><link>/portal/tin/12345.html</link>\
         <pubDate>Sun, 21 Mar 2021 10:00:00 +0700</pubDate><description>{}</description></item>\
         <item><title>Tin riêng của cổng</title><link>/portal/tin/777.html</link>\
         <pubDate>Sun, 21 Mar 2021 11:00:00 +0700</pubDate>\
         <description>Nội dung chỉ có ở cổng thông tin điện tử tỉnh, không trùng với trang nào khác, \
         kể về việc sửa chữa đường giao thông nông thôn ở huyện Lục Ngạn trong tháng 3.</description></item>\
         </channel></rss>",
        escape_xml(&repost)
    );
    portal.put("/portal/rss", Page::xml(rss));
    portal.put(
        "/dept/list",
        Page::html(r#"<a class="t" href="/dept/tin-1.html">x</a>"#),
    );
    portal.put(
        "/dept/tin-1.html",
        Page::html(portal_article(
            TITLE,
            "22/03/2021 09:00",
            &first_half(&body),
        )),
    );
    let html_source = |id: &str, name: &str, province: &str, list: &str| {
        format!(
            "[[source]]\nid = \"{id}\"\nname = \"{name}\"\nprovince = \"{province}\"\nkind = \"html\"\n\
             url = \"{}\"\n[source.list]\nlink = \"a.t\"\n[source.article]\ntitle = \"h1.detail-title\"\n\
             date = \"div.detail-meta\"\ncontent = \"div.detail-content\"\n\
             remove = [\"p[style*='right']\"]\n",
            portal.url(list)
        )
    };
    let sources = format!(
        "{}{}[[source]]\nid = \"portal\"\nname = \"Cổng TTĐT\"\nprovince = \"Bắc Giang\"\nkind = \"feed\"\nurl = \"{}\"\n",
        html_source("party", "Ban Tuyên giáo", "Bắc Giang", "/party/list"),
        html_source("dept", "Sở Văn hóa", "Hậu Giang", "/dept/list"),
        portal.url("/portal/rss"),
    );
    let ws = Workspace::new(&sources);
    if let Some(store) = store {
        ws.write_config_with(&format!("{TEST_SETTINGS}store = \"{store}\"\n"), &sources);
    }
    (portal, ws)
}

fn party_key(portal: &Portal) -> String {
    portal.url("/party/tay-yen-tu.html")
}

#[test]
fn a_story_three_portals_carried_is_one_entry_everywhere() {
    let ws = one_entry_everywhere(None);
    assert!(ws.store_dir().exists());
}

#[test]
fn a_story_three_portals_carried_is_one_entry_everywhere_on_postgresql() {
    let pg = postgres::PgCluster::start();
    let ws = one_entry_everywhere(Some(&pg.create_database("feeds")));
    assert!(
        !ws.store_dir().exists(),
        "no embedded store beside the database"
    );
    assert_eq!(pg.psql("feeds", "SELECT count(*) FROM articles"), "5");
    assert_eq!(
        pg.psql(
            "feeds",
            "SELECT count(*) FROM articles WHERE duplicate_of IS NULL"
        ),
        "3"
    );
}

/// The whole walk on `store`; returns the workspace for the caller's own checks.
fn one_entry_everywhere(store: Option<&str>) -> Workspace {
    let (portal, ws) = set_up(store);
    for source in ["portal", "dept", "party"] {
        let out = ws.run(&["fetch", "--source", source]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{source}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // The published unified feed: the story once, under the party article's id (published
    // first), with the two other copies as related links named after their portals.
    let feed = ws.unified();
    let stories: Vec<&atom_syndication::Entry> = feed
        .entries
        .iter()
        .filter(|e| e.title.value.contains("Tây Yên Tử"))
        .collect();
    assert_eq!(stories.len(), 1, "{:?}", titles(&feed));
    assert_eq!(feed.entries.len(), 3, "{:?}", titles(&feed));
    let story = stories[0];
    assert_eq!(story.id, portalfeed::render::entry_id(&party_key(&portal)));
    assert_eq!(story.title.value, TITLE);
    let related: Vec<(&str, Option<&str>)> = story
        .links
        .iter()
        .filter(|l| l.rel == "related")
        .map(|l| (l.href.as_str(), l.title.as_deref()))
        .collect();
    assert_eq!(related.len(), 2, "{related:?}");
    assert!(related.contains(&(&portal.url("/portal/tin/12345.html"), Some("Cổng TTĐT"))));
    assert!(related.contains(&(&portal.url("/dept/tin-1.html"), Some("Sở Văn hóa"))));
    assert!(
        story
            .content
            .as_ref()
            .and_then(|c| c.value.as_deref())
            .is_some_and(|c| c.contains("figcaption") || c.contains("Ảnh")),
        "the party article's full text, caption included"
    );
    assert_valid_atom(&ws.dir.path().join("public/feed.atom"));

    // Each source's feed keeps its own copy.
    for source in ["party", "portal", "dept"] {
        let own = ws.source_feed(source);
        assert_eq!(
            own.entries
                .iter()
                .filter(|e| e.title.value.contains("Tây Yên Tử"))
                .count(),
            1,
            "{source}"
        );
    }

    // `dupes` lists both merges; `--explain` says why.
    let listed = String::from_utf8_lossy(&ws.run(&["dupes"]).stdout).into_owned();
    assert!(listed.contains("2 merges recorded"), "{listed}");
    assert!(
        listed.contains(&portal.url("/portal/tin/12345.html")),
        "{listed}"
    );
    // Whichever copy arrived first, the merges that involve the portal's copy are one of two.
    let only_portal =
        String::from_utf8_lossy(&ws.run(&["dupes", "--source", "portal"]).stdout).into_owned();
    assert_eq!(only_portal.matches("  score ").count(), 1, "{only_portal}");
    let explained = ws.run(&[
        "dupes",
        "--explain",
        &party_key(&portal),
        &portal.url("/portal/tin/12345.html"),
    ]);
    let explained = String::from_utf8_lossy(&explained.stdout).into_owned();
    assert!(explained.contains("verdict: same story"), "{explained}");
    assert!(explained.contains("stored: one story"), "{explained}");
    let apart = ws.run(&[
        "dupes",
        "--explain",
        &party_key(&portal),
        &portal.url("/party/rieng.html"),
    ]);
    let apart = String::from_utf8_lossy(&apart.stdout).into_owned();
    assert!(apart.contains("verdict: different"), "{apart}");
    assert!(apart.contains("stored: two entries"), "{apart}");

    // `sources` counts each source's copies that joined a story (the portal's came first).
    let table = String::from_utf8_lossy(&ws.run(&["sources"]).stdout).into_owned();
    let header = table.lines().next().unwrap_or_default();
    let column = header.find("MERGED").expect("a MERGED column");
    let merged = |id: &str| {
        let line = table
            .lines()
            .find(|l| l.starts_with(&format!("{id} ")))
            .unwrap_or_default();
        let at = line
            .char_indices()
            .nth(header[..column].chars().count())
            .map_or(line.len(), |(i, _)| i);
        line[at..]
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(
        [merged("portal"), merged("dept"), merged("party")],
        ["0", "1", "1"],
        "{table}"
    );

    // Over HTTP: Atom, RSS, JSON, a province only a re-poster is in, and a paging walk.
    let server = ws.serve();
    let client = http();
    let get = |path: &str| server.text(path);
    let atom = parse_atom(&get("/feed.atom"));
    assert_eq!(
        atom.entries
            .iter()
            .filter(|e| e.title.value.contains("Tây Yên Tử"))
            .count(),
        1
    );
    let rss = get("/feed.rss");
    assert_eq!(rss.matches("Tây Yên Tử</title>").count(), 1, "{rss}");
    assert!(rss.contains("rel=\"related\""), "{rss}");
    let json: serde_json::Value = serde_json::from_str(&get("/feed.json")).expect("json");
    let items = json["items"].as_array().expect("items");
    let json_stories: Vec<&serde_json::Value> = items
        .iter()
        .filter(|i| {
            i["title"]
                .as_str()
                .is_some_and(|t| t.contains("Tây Yên Tử"))
        })
        .collect();
    assert_eq!(json_stories.len(), 1);
    assert_eq!(
        json_stories[0]["_portalfeed"]["copies"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    let province = parse_atom(&get("/provinces/hau-giang.atom"));
    assert_eq!(
        titles(&province),
        vec![TITLE.to_string()],
        "the department's province"
    );
    let mut seen = Vec::new();
    let mut next = Some(server.url("/feed.atom?limit=1"));
    while let Some(url) = next {
        let page = parse_atom(
            &client
                .get(&url)
                .send()
                .and_then(|r| r.text())
                .expect("page"),
        );
        seen.extend(titles(&page));
        next = page
            .links
            .iter()
            .find(|l| l.rel == "next")
            .map(|l| l.href.replace("https://feeds.example.org", &server.url("")));
        assert!(seen.len() <= 10, "the walk ends");
    }
    assert_eq!(
        seen.iter().filter(|t| t.contains("Tây Yên Tử")).count(),
        1,
        "{seen:?}"
    );
    assert_eq!(seen.len(), 3, "{seen:?}");
    let metrics = get("/metrics");
    assert!(metrics.contains("portalfeed_merges_total 2"), "{metrics}");
    drop(server);
    ws
}
