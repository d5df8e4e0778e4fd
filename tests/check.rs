//! `portalfeed check`: the whole config at once, and dry runs of a configured source or of a
//! bare URL (with a preset, or in auto mode), as text and JSON — never writing to the store.

mod common;

use common::*;

fn portal() -> Portal {
    let portal = Portal::start();
    portal.put(
        "/chuyen-muc/xay-dung",
        Page::html(fixture("portal/list-1.html")),
    );
    let template = fixture_text("portal/article.html");
    for (slug, title, date) in [
        (
            "ky-ket-quy-che",
            "Ký kết Quy chế phối hợp về công tác khoa giáo",
            "20/03/2021",
        ),
        (
            "tay-yen-tu",
            "Tập trung giải phóng mặt bằng khu tái định cư Tây Yên Tử",
            "21/03/2021",
        ),
        (
            "ba-con-xa-que",
            "Bà con xa quê là một bộ phận trong cộng đồng",
            "22/03/2021",
        ),
    ] {
        let body = real_body("bacgiang-2017-post3-tay-yen-tu");
        let page = fill(
            &template,
            &[
                ("TITLE", title),
                ("DATE", date),
                ("AUTHOR", "Diệu Hoa"),
                ("BODY", &body),
                ("CANONICAL", ""),
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

/// `portalfeed check ARGS --json`, which must succeed, as JSON.
fn check_json(ws: &Workspace, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    all.push("--json");
    let out = ws.run(&all);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn dry_run_of_a_configured_source_shows_fields_and_warns_about_selectors() {
    let portal = portal();
    let ws = Workspace::new(&format!(
        "[[source]]\nid = \"tg\"\nname = \"TG\"\nkind = \"html\"\nurl = \"{}\"\n\
         [source.list]\nlink = \"a.news-title\"\n[source.article]\ntitle = \"h1.detail-title\"\n\
         date = \"div.detail-meta\"\ncontent = \"div.detail-content\"\nsummary = \"div.sapo\"\n\
         author = \"div.detail-content p[style*='right'] strong\"\nremove = [\"div.comments\"]\n",
        portal.url("/chuyen-muc/xay-dung")
    ));
    let out = ws.run(&["check", "--source", "tg"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("source tg (html, selectors)"), "{text}");
    assert!(
        text.contains(": 3 article links"),
        "the external link is not followed: {text}"
    );
    assert!(
        text.contains("title     Ký kết Quy chế phối hợp về công tác khoa giáo"),
        "{text}"
    );
    assert!(text.contains("date      2021-03-20T00:00:00+07:00  ← \"[ Cập nhật vào ngày (20/03/2021) ] - [ Số lần xem: 542 ]\""), "{text}");
    assert!(text.contains("author    Diệu Hoa"), "{text}");
    assert!(
        text.contains(
            "image     http://www.bacgiang.gov.vn/lib/ckfinder/images/Tay%20yen%20tu%281%29.jpg"
        ),
        "{text}"
    );
    assert!(
        text.contains("warning   summary selector `div.sapo` matched nothing"),
        "{text}"
    );
    assert_eq!(
        text.matches("\narticle ").count(),
        3,
        "the first three articles: {text}"
    );
    assert!(!ws.store_dir().exists(), "check never touches the store");
}

#[test]
fn dry_run_of_a_url_with_a_preset_as_json_and_in_auto_mode() {
    let portal = Portal::start();
    portal.put("/vi/news/", Page::html(fixture("nukeviet/list.html")));
    let template = fixture_text("nukeviet/article.html");
    for (path, title) in [
        (
            "/vi/news/tin-tuc/tap-trung-giai-phong-mat-bang-khu-tai-dinh-cu-101.html",
            "Tập trung giải phóng mặt bằng khu tái định cư",
        ),
        (
            "/vi/news/tin-tuc/ba-con-xa-que-102.html",
            "Bà con Bắc Giang xa quê là một bộ phận",
        ),
    ] {
        let page = fill(
            &template,
            &[
                ("TITLE", title),
                ("DATE", "Thứ sáu - 19/03/2021 14:30"),
                ("META_DATE", "2021-03-19+0714:30:00"),
                ("AUTHOR", "Diệu Hoa"),
                ("SUMMARY", "Sapo."),
                ("BODY", &real_body("bacgiang-2017-post13-don-dien-doi-thua")),
            ],
        );
        portal.put(path, Page::html(page));
    }
    let ws = Workspace::new("");
    let json = check_json(
        &ws,
        &["--url", &portal.url("/vi/news/"), "--preset", "nukeviet"],
    );
    assert_eq!(json["mode"], "preset nukeviet");
    assert_eq!(json["links_found"], 2);
    assert_eq!(json["articles"][0]["date"], "2021-03-19T14:30:00+07:00");
    assert_eq!(
        json["articles"][0]["date_from"],
        "Thứ sáu - 19/03/2021 14:30"
    );
    assert_eq!(
        json["articles"][0]["author"], "Diệu Hoa",
        "the \"Tác giả:\" label is dropped"
    );

    let out = ws.run(&["check", "--url", &portal.url("/vi/news/")]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("(html, auto)") && text.contains("% confident, blocks `"),
        "{text}"
    );
    assert!(text.contains(": 2 article links"), "{text}");
    assert!(!ws.store_dir().exists(), "check never touches the store");
}

#[test]
fn check_reports_every_config_problem_at_once() {
    let ws = Workspace::new(
        "[[source]]\nid = \"Bad Id\"\nname = \"a\"\nkind = \"html\"\nurl = \"notaurl\"\npreset = \"joomla\"\n\
         [[source]]\nid = \"b\"\nname = \"b\"\nkind = \"feed\"\nurl = \"http://127.0.0.1:9/\"\ninterval = \"soon\"\n",
    );
    let out = ws.run(&["check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for expected in [
        "id `Bad Id` must match",
        "url: `notaurl`",
        "unknown preset `joomla`",
        "source `b`: interval `soon`",
    ] {
        assert!(err.contains(expected), "{expected}: {err}");
    }
    assert_eq!(err.lines().count(), 4, "{err}");

    // Unknown keys in several tables: each one, with its line, at once.
    ws.write_config(
        "[[source]]\nid = \"a\"\nname = \"a\"\nkind = \"feed\"\nurl = \"http://127.0.0.1:9/\"\ncolour = \"red\"\n\
         [[source]]\nid = \"b\"\nname = \"b\"\nkind = \"feed\"\nurl = \"http://127.0.0.1:9/\"\nintervall = \"5m\"\n",
    );
    let out = ws.run(&["check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            ":{}:1: source `a`: unknown field `colour`",
            sources_line(6)
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            ":{}:1: source `b`: unknown field `intervall`",
            sources_line(12)
        )),
        "{err}"
    );

    // An unknown key, a duplicate id and a bad selector: all three, each with its place.
    ws.write_config(
        "[[source]]\nid = \"a\"\nname = \"a\"\nkind = \"html\"\nurl = \"http://127.0.0.1:9/\"\n\
         [source.list]\nlnik = \"a.title\"\nlink = \"a.lnkTitle[[\"\n\
         [[source]]\nid = \"a\"\nname = \"b\"\nkind = \"feed\"\nurl = \"http://127.0.0.1:9/\"\n",
    );
    let out = ws.run(&["check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for expected in [
        format!(":{}:1: source `a`: unknown field `lnik`", sources_line(7)),
        format!(
            ":{}:8: source `a`: invalid CSS selector `a.lnkTitle[[`",
            sources_line(8)
        ),
        format!(
            ":{}:6: source `a`: duplicate source id `a` (first at line {}, column 6)",
            sources_line(10),
            sources_line(2)
        ),
    ] {
        assert!(err.contains(&expected), "{expected}: {err}");
    }
    assert_eq!(err.lines().count(), 3, "{err}");

    ws.write_config(
        "[[source]]\nid = \"ok\"\nname = \"ok\"\nkind = \"feed\"\nurl = \"http://127.0.0.1:9/\"\n",
    );
    let out = ws.run(&["check"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 sources, no problem found"));
}

/// Auto mode's body strategies, one fixture each (`tests/fixtures/auto/`): a portal template
/// whose body is one block (the largest block), a body split around an advert (trafilatura
/// reads the container whole), and a page of text and `<br>`s with no paragraph at all (our
/// block finds nothing; trafilatura reads it). `check` says which produced each body; none
/// comes out empty. (The last resort, the largest text block, has its unit test in
/// `extract::body`: trafilatura reads every page a test can serve.)
#[test]
fn check_says_which_strategy_found_each_body() {
    let portal = Portal::start();
    let pages = [
        ("/tin/portal-article.html", "auto/portal-article.html"),
        ("/tin/split-article.html", "auto/split-article.html"),
        ("/tin/text-article.html", "auto/text-article.html"),
    ];
    let items: String = pages
        .iter()
        .enumerate()
        .map(|(i, (path, _))| {
            format!(
                "<div class='item'><h3><a href='{path}'>Bài viết số {i} của chuyên mục tin tức</a></h3>\
                 <span class='date'>2{i}/03/2024</span><p>Tóm tắt bài {i}.</p></div>"
            )
        })
        .collect();
    portal.put(
        "/tin-tuc/",
        Page::html(format!(
            "<html><body><div class='menu'><a href='/'>Trang chủ</a></div>\
             <div class='list'>{items}</div></body></html>"
        )),
    );
    for (path, file) in pages {
        portal.put(path, Page::html(fixture(file)));
    }
    let ws = Workspace::new("");
    let json = check_json(&ws, &["--url", &portal.url("/tin-tuc/")]);
    let article = |name: &str| {
        json["articles"]
            .as_array()
            .and_then(|a| {
                a.iter()
                    .find(|a| a["url"].as_str().is_some_and(|u| u.ends_with(name)))
            })
            .cloned()
            .unwrap_or_else(|| panic!("{name} not checked: {json}"))
    };

    let template = article("portal-article.html");
    assert_eq!(
        template["content_from"], "largest block of paragraphs",
        "{template}"
    );
    let start = template["content_start"].as_str().unwrap_or_default();
    assert!(start.starts_with("Phó Chủ tịch UBND tỉnh"), "{template}");
    assert_eq!(template["date"], "2024-03-25T10:30:00+07:00", "{template}");

    let split = article("split-article.html");
    assert_eq!(split["content_from"], "trafilatura", "{split}");
    assert_eq!(split["date"], "2021-03-20T00:00:00+07:00", "{split}");
    // Both halves of the body: our block alone is the first (about 2,970 characters).
    let chars = split["content_chars"].as_u64().unwrap_or_default();
    assert!(chars > 5000, "both halves: {split}");

    let text = article("text-article.html");
    assert_eq!(text["content_from"], "trafilatura", "{text}");
    assert!(
        text["content_chars"].as_u64().unwrap_or_default() > 1000,
        "{text}"
    );
    assert_eq!(text["date"], "2020-03-04T22:36:00+07:00", "{text}");

    let plain = ws.run(&["check", "--url", &portal.url("/tin-tuc/")]);
    let plain = String::from_utf8_lossy(&plain.stdout);
    assert!(
        plain.contains("characters (from largest block of paragraphs): Phó Chủ tịch"),
        "{plain}"
    );
}
