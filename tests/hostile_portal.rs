//! A hostile portal over loopback, in one run: classic XSS vectors, a gzip bomb, a redirect
//! chain, invalid UTF-8, NUL and control bytes, a 10 MB single line and a list of 100,000 links.
//! Each bad article is skipped with its reason or stored clean (an article body is cut at 1 MB);
//! the run ends, the healthy source
//! beside it is published, and the feed is valid Atom with no active content and no control
//! character.

mod common;

use std::io::Write;

use common::*;

const XSS: &str = r#"<html><head><title>XSS</title><base href="https://evil.example/">
<meta http-equiv="refresh" content="0;url=javascript:alert(1)"></head><body>
<h1>Bài có mã độc <script>alert(1)</script></h1>
<div class="c">
<p>Nội dung bình thường của bài viết.</p>
<svg/onload=alert(2)><circle r=1 /></svg>
<img src=x onerror=alert(3)><img src="javascript:alert(4)"><img src="data:image/svg+xml,<svg onload=alert(5)>">
<a href="jav&#x09;ascript:alert(6)">a</a><a href=" &#14;javascript:alert(7)">b</a><a href="JaVaScRiPt:alert(8)">c</a>
<a href="vbscript:msgbox(9)">d</a><a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxMCk8L3NjcmlwdD4=">e</a>
<math><mi xlink:href="javascript:alert(11)">m</mi></math>
<iframe srcdoc="<script>alert(12)</script>"></iframe><object data="javascript:alert(13)"></object>
<embed src="javascript:alert(14)"><form action="javascript:alert(15)"><button formaction="javascript:alert(16)">x</button></form>
<style>@import 'javascript:alert(17)';</style><div style="background:url(javascript:alert(18))">s</div>
<p onmouseover="alert(19)">di chuột</p><details open ontoggle=alert(20)>t</details>
<img src="/a.png">&#x338; onerror=alert(21) x<p>sau</p>
<noscript><p title="</noscript><img src=x onerror=alert(22)>"></noscript>
</div></body></html>"#;

fn gzip_bomb() -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![b' '; 1 << 20];
    for _ in 0..64 {
        gz.write_all(&zeros).expect("gzip");
    }
    gz.finish().expect("gzip")
}

#[test]
fn a_hostile_portal_is_survived_article_by_article() {
    let portal = Portal::start();
    let article = |title: &str, extra: &str| {
        format!("<html><body><h1>{title}</h1><div class=\"c\"><p>Nội dung của bài {title}.</p>{extra}</div></body></html>")
    };
    let mut links: Vec<String> = [
        "/xss.html",
        "/bomb.html",
        "/chain/0",
        "/utf8.html",
        "/nul.html",
        "/line.html",
    ]
    .iter()
    .map(|p| p.to_string())
    .collect();
    // 100,000 links: only the first max_links_per_page are taken.
    links.extend((0..100_000).map(|i| format!("/many/{i}.html")));
    let list: String = links
        .iter()
        .map(|l| format!(r#"<a class="t" href="{l}">x</a>"#))
        .collect();
    portal.put(
        "/list",
        Page::html(format!("<html><body>{list}</body></html>")),
    );
    portal.put("/xss.html", Page::html(XSS));
    portal.put(
        "/bomb.html",
        Page::html(gzip_bomb()).with_content_encoding("gzip"),
    );
    for i in 0..15 {
        portal.put(
            &format!("/chain/{i}"),
            Page::redirect(&format!("/chain/{}", i + 1)),
        );
    }
    let mut invalid = article("UTF-8 hỏng", "<p>\u{FFFD}</p>").into_bytes();
    invalid.splice(20..20, [0xC3, 0x28, 0xFF, 0xFE, 0xED, 0xA0, 0x80]);
    portal.put("/utf8.html", Page::html(invalid));
    portal.put(
        "/nul.html",
        Page::html(article(
            "Bài\u{0}có\u{1b}[2J NUL",
            "<p>a\u{0}b\u{7}c\u{9b}d</p>",
        )),
    );
    let line = "Một dòng rất dài không xuống hàng. ".repeat(10_000_000 / 40);
    portal.put(
        "/line.html",
        Page::html(article("Dòng dài", &format!("<p>{line}</p>"))),
    );
    for i in 0..5 {
        portal.put(
            &format!("/many/{i}.html"),
            Page::html(article(&format!("Tin {i}"), "")),
        );
    }
    let healthy = Portal::start();
    healthy.put_fixture_rss("/rss");
    let ws = Workspace::new("");
    ws.write_config_with(
        &TEST_SETTINGS
            .replace("max_body_bytes = 200000", "max_body_bytes = 12000000")
            .replace("listen", "max_links_per_page = 11\nfeed_entries = 500\nlisten"),
        &format!(
            "[[source]]\nid = \"healthy\"\nname = \"Healthy\"\nkind = \"feed\"\nurl = \"{}\"\n\
             [[source]]\nid = \"hostile\"\nname = \"Hostile\"\nkind = \"html\"\nurl = \"{}\"\n\
             [source.list]\nlink = \"a.t\"\n[source.article]\ntitle = \"h1\"\ncontent = \"div.c\"\n",
            healthy.url("/rss"),
            portal.url("/list")
        ),
    );
    let summary = ws.fetch(0);
    assert!(summary.contains("healthy  ok: 3 new"), "{summary}");
    assert!(summary.contains("hostile  ok: 9 new"), "{summary}");
    for (link, why) in [
        ("/bomb.html", "body larger than 12000000 bytes"),
        ("/chain/0", "more than 10 redirects"),
    ] {
        assert!(
            summary
                .lines()
                .any(|l| l.contains("skipped") && l.contains(link) && l.contains(why)),
            "{link}: {summary}"
        );
    }
    assert!(
        summary.contains("note: list page 1: 100006 links, the first 11 read"),
        "{summary}"
    );
    assert!(
        !summary.chars().any(|c| c.is_control() && c != '\n'),
        "{summary:?}"
    );

    let xml = ws.public("feed.atom");
    assert!(
        !xml.chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r')),
        "no control character in the feed"
    );
    let feed = parse_atom(&xml);
    assert_eq!(feed.entries.len(), 12);
    for entry in &feed.entries {
        let content = content_of(entry);
        assert_eq!(
            active_content(&content),
            Vec::<String>::new(),
            "{}",
            entry.title.value
        );
        assert!(
            !entry.title.value.contains("script"),
            "{}",
            entry.title.value
        );
    }
    let titles = titles(&feed);
    assert!(
        titles.iter().any(|t| t == "Bài có mã độc"),
        "no script text: {titles:?}"
    );
    assert!(titles.iter().any(|t| t == "Bàicó[2J NUL"), "{titles:?}");
    assert!(titles.iter().any(|t| t.ends_with("8 hỏng")), "{titles:?}");
    let long = feed
        .entries
        .iter()
        .find(|e| e.title.value == "Dòng dài")
        .expect("the 10 MB line is read");
    let long = content_of(long);
    assert!(
        long.len() > 900_000 && long.len() < 1_100_000,
        "cut at 1 MB: {}",
        long.len()
    );
    assert_valid_atom(&ws.dir.path().join("public/feed.atom"));
}
