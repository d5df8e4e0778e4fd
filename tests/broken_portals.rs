//! Portals that fail: HTTP 500, a hang longer than the timeout, a body over `max_body_bytes`, a
//! redirect loop, an unparsable feed — each source or article is skipped and reported, every
//! other source proceeds, and hostile markup never reaches the feed.

mod common;

use std::time::Duration;

use common::*;

fn html_source(id: &str, url: &str) -> String {
    format!(
        "[[source]]\nid = \"{id}\"\nname = \"{id}\"\nkind = \"html\"\nurl = \"{url}\"\n\
         [source.list]\nlink = \"a.news-title\"\n[source.article]\ntitle = \"h1.detail-title\"\n\
         date = \"div.detail-meta\"\ncontent = \"div.detail-content\"\n"
    )
}

fn list_of(links: &[&str]) -> String {
    let items: String = links
        .iter()
        .map(|l| format!(r#"<a class="news-title" href="{l}">x</a>"#))
        .collect();
    format!("<html><body>{items}</body></html>")
}

#[test]
fn failures_are_isolated_and_reported() {
    let portal = Portal::start();
    // A healthy source whose list also links every kind of broken article page.
    portal.put(
        "/good/",
        Page::html(list_of(&[
            "/good/hostile.html",
            "/bad/500.html",
            "/bad/hang.html",
            "/bad/huge.html",
            "/bad/loop.html",
            "/bad/empty.html",
        ])),
    );
    portal.put(
        "/good/hostile.html",
        Page::html(fixture("hostile/article.html")),
    );
    portal.put("/bad/500.html", Page::status(500));
    portal.put(
        "/bad/hang.html",
        Page::html("<h1>late</h1>").with_delay(Duration::from_secs(5)),
    );
    portal.put("/bad/huge.html", Page::html(vec![b'a'; 300_000]));
    portal.put("/bad/loop.html", Page::redirect("/bad/loop.html"));
    portal.put(
        "/bad/empty.html",
        Page::html("<html><body><h1 class='detail-title'>Chỉ có tiêu đề</h1></body></html>"),
    );
    // Whole sources that fail at their list page or feed.
    portal.put("/down/", Page::status(500));
    portal.put(
        "/slow/",
        Page::html(list_of(&[])).with_delay(Duration::from_secs(5)),
    );
    portal.put(
        "/feed.xml",
        Page::xml("<html><body>Trang bảo trì</body></html>"),
    );

    let ws = Workspace::new(&format!(
        "{}{}{}[[source]]\nid = \"maintenance\"\nname = \"m\"\nkind = \"feed\"\nurl = \"{}\"\n",
        html_source("good", &portal.url("/good/")),
        html_source("down", &portal.url("/down/")),
        html_source("slow", &portal.url("/slow/")),
        portal.url("/feed.xml"),
    ));
    let summary = ws.fetch(1);
    let line = |id: &str| {
        summary
            .lines()
            .find(|l| l.starts_with(&format!("{id} ")))
            .unwrap_or_else(|| panic!("no line for {id}:\n{summary}"))
            .to_string()
    };
    assert!(
        line("good").contains("ok: 1 new, 0 updated, 0 unchanged, 0 duplicate, 5 skipped"),
        "{summary}"
    );
    assert!(summary.contains("/bad/500.html: HTTP 500"), "{summary}");
    assert!(
        summary.contains("/bad/hang.html: no answer within 2s"),
        "{summary}"
    );
    assert!(
        summary.contains("/bad/huge.html: body larger than 200000 bytes"),
        "{summary}"
    );
    assert!(
        summary.contains("/bad/loop.html: more than 10 redirects"),
        "{summary}"
    );
    assert!(
        summary.contains("/bad/empty.html: no content found"),
        "{summary}"
    );
    assert!(
        line("down").contains("FAILED: list page: http://"),
        "{summary}"
    );
    assert!(line("down").contains("HTTP 500"), "{summary}");
    assert!(
        line("slow").contains("FAILED: list page:") && line("slow").contains("no answer within 2s"),
        "{summary}"
    );
    assert!(line("maintenance").contains("FAILED: feed"), "{summary}");

    // The good article is published, with every hostile payload gone.
    let xml = ws.public("sources/good.atom");
    let feed = parse_atom(&xml);
    assert_eq!(titles(&feed), ["Bài có mã độc"]);
    let content = content_of(&feed.entries[0]);
    assert!(content.contains("Nội dung bình thường"), "{content}");
    for bad in [
        "<script",
        "alert",
        "onerror",
        "onclick",
        "onload",
        "javascript:",
        "data:",
        "<iframe",
        "<form",
        "password",
        "evil.example",
        "\u{1}",
        "\u{8}",
    ] {
        assert!(!content.contains(bad), "{bad:?} survived: {content}");
    }
    assert!(
        content.contains(&format!(r#"src="{}""#, portal.url("/x.png"))),
        "{content}"
    );

    // The failed links are retried on the next run (the list page is not trusted to a 304), the
    // stored one is not fetched again.
    portal.take_hits();
    ws.run(&["fetch", "--source", "good"]);
    let paths: Vec<String> = portal.take_hits().into_iter().map(|h| h.path).collect();
    assert!(paths.contains(&"/bad/500.html".to_string()), "{paths:?}");
    assert!(
        !paths.contains(&"/good/hostile.html".to_string()),
        "{paths:?}"
    );
}
