//! Hostile content over loopback: what a portal's feed smuggles into an article never reaches a
//! reader as active content, in Atom, RSS or JSON Feed.

mod common;

use common::*;

#[test]
fn a_combining_mark_cannot_reopen_a_tag_in_any_format() {
    let portal = Portal::start();
    let rss = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>T</title><link>/</link>\
        <item><title>Bài có ảnh</title><link>/tin/anh.html</link><pubDate>20/11/2026 08:15:00</pubDate>\
        <description><![CDATA[<img src=\"/x.png\">\u{338} onerror=alert(document.domain) x<p>Ảnh</p>]]></description></item>\
        <item><title>Bài thứ hai</title><link>/tin/hai.html</link><pubDate>20/11/2026 09:15:00</pubDate>\
        <description><![CDATA[<p onclick=\"x()\">Tin<object><p><img src=\"/y.png\" onerror=\"alert(1)\"></object></p>\
        <a href=\"java&#x09;script:alert(2)\">a</a><svg onload=alert(3)></svg>]]></description></item>\
        </channel></rss>";
    portal.put("/rss", Page::xml(rss));
    let ws = Workspace::new(&format!(
        "[[source]]\nid = \"rss\"\nname = \"RSS\"\nkind = \"feed\"\nurl = \"{}\"\n",
        portal.url("/rss")
    ));
    ws.fetch(0);
    let server = ws.serve();
    let get = |path: &str| server.text(path);

    let atom = parse_atom(&get("/feed.atom"));
    assert_eq!(atom.entries.len(), 2);
    let rss = rss::Channel::read_from(get("/feed.rss").as_bytes()).expect("RSS");
    assert_eq!(rss.items().len(), 2);
    let json: serde_json::Value = serde_json::from_str(&get("/feed.json")).expect("JSON Feed");
    let json_items = json["items"].as_array().expect("items").clone();
    assert_eq!(json_items.len(), 2);

    let mut bodies: Vec<String> = atom.entries.iter().map(content_of).collect();
    bodies.extend(
        atom.entries
            .iter()
            .filter_map(|e| e.summary.as_ref().map(|s| s.value.clone())),
    );
    bodies.extend(rss.items().iter().filter_map(|i| i.description.clone()));
    bodies.extend(
        json_items
            .iter()
            .filter_map(|i| i["content_html"].as_str().map(str::to_string)),
    );
    bodies.extend(
        std::fs::read_dir(ws.dir.path().join("public/sources"))
            .into_iter()
            .flatten()
            .flatten()
            .map(|f| std::fs::read_to_string(f.path()).unwrap_or_default())
            .flat_map(|xml| {
                parse_atom(&xml)
                    .entries
                    .iter()
                    .map(content_of)
                    .collect::<Vec<_>>()
            }),
    );
    assert!(bodies.len() >= 8, "{bodies:?}");
    for body in &bodies {
        assert_eq!(active_content(body), Vec::<String>::new());
    }
    assert!(
        bodies.iter().any(|b| b.contains("Ảnh")),
        "the harmless text stays: {bodies:?}"
    );
}

/// Auto mode on a page of 80,000 tiny tables around the article (trafilatura's cost grows
/// faster than the page: 7 s of CPU on this one in a release build, and a blocking extraction
/// cannot be interrupted; such a page is not given to it, see `extract::body`): the article
/// is stored, well within the run's deadline.
#[test]
fn a_page_of_very_many_elements_is_read_within_the_deadline() {
    let portal = Portal::start();
    portal.put(
        "/list",
        Page::html(
            "<html><body><a class=\"t\" href=\"/nhieu.html\">Bài nhiều bảng</a></body></html>",
        ),
    );
    portal.put(
        "/nhieu.html",
        Page::html(format!(
            "<html><body><h1>Bài có rất nhiều bảng</h1><div class=\"c\"><p>Nội dung chính của bài \
             viết nằm giữa rất nhiều bảng nhỏ.</p><p>Đoạn thứ hai của bài viết.</p></div>{}</body></html>",
            "<table><tr><td>ô</td></tr></table>".repeat(80_000)
        )),
    );
    let ws = Workspace::new("");
    ws.write_config_with(
        &TEST_SETTINGS
            .replace("max_body_bytes = 200000", "max_body_bytes = 5000000")
            .replace("listen", "run_timeout = \"30s\"\nlisten"),
        &format!(
            "[[source]]\nid = \"many\"\nname = \"Many\"\nkind = \"html\"\nurl = \"{}\"\n\
             [source.list]\nlink = \"a.t\"\n",
            portal.url("/list")
        ),
    );
    let summary = ws.fetch(0);
    assert!(summary.contains("many  ok: 1 new"), "{summary}");
    let feed = ws.unified();
    assert!(content_of(&feed.entries[0]).contains("Nội dung chính của bài viết"));
}

/// 80,000 nested `<div>`s (which took 45 s to read) are read like any page: the article is
/// stored with its text, within the run's deadline.
#[test]
fn deeply_nested_pages_are_read_in_linear_time() {
    let portal = Portal::start();
    let depth = 80_000;
    portal.put(
        "/list",
        Page::html(format!(
            "<html><body>{}<a class=\"t\" href=\"/sau.html\">Bài sâu</a>{}</body></html>",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        )),
    );
    // The same depth read in auto mode (no content rule): both readings of the body, ours and
    // trafilatura's, run on the page as bounded.
    portal.put(
        "/list-auto",
        Page::html("<html><body><a class=\"t\" href=\"/sau-auto.html\">Bài sâu</a></body></html>"),
    );
    portal.put(
        "/sau-auto.html",
        Page::html(format!(
            "<html><body><h1>Bài rất sâu, đọc tự động</h1>{}<div><p>Nội dung tự động ở tầng sâu nhất của trang.</p></div>{}</body></html>",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        )),
    );
    portal.put(
        "/sau.html",
        Page::html(format!(
            "<html><body><h1>Bài rất sâu</h1>{}<div class=\"c\"><p>Nội dung ở tầng sâu nhất.</p></div>{}</body></html>",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        )),
    );
    let ws = Workspace::new("");
    ws.write_config_with(
        &TEST_SETTINGS
            .replace("max_body_bytes = 200000", "max_body_bytes = 2000000")
            .replace("listen", "run_timeout = \"30s\"\nlisten"),
        &format!(
            "[[source]]\nid = \"deep\"\nname = \"Deep\"\nkind = \"html\"\nurl = \"{}\"\n\
             [source.list]\nlink = \"a.t\"\n[source.article]\ntitle = \"h1\"\ncontent = \"div.c\"\n\
             [[source]]\nid = \"deep-auto\"\nname = \"Deep auto\"\nkind = \"html\"\nurl = \"{}\"\n\
             [source.list]\nlink = \"a.t\"\n",
            portal.url("/list"),
            portal.url("/list-auto")
        ),
    );
    let summary = ws.fetch(0);
    for id in ["deep ", "deep-auto "] {
        assert!(
            summary
                .lines()
                .any(|l| l.starts_with(id) && l.contains(" ok: 1 new")),
            "{id}: {summary}"
        );
    }
    let feed = ws.unified();
    let mut found = titles(&feed);
    found.sort();
    assert_eq!(found, ["Bài rất sâu", "Bài rất sâu, đọc tự động"]);
    for entry in &feed.entries {
        assert!(
            content_of(entry).contains("ở tầng sâu nhất"),
            "{}",
            content_of(entry)
        );
    }
}
