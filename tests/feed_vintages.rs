//! Feeds of every vintage, served over loopback, through `fetch` to the published Atom: RSS
//! without a version or with 0.93/2.01, Atom 0.3, an empty `type=""`, untitled items,
//! YouTube-style `media:description`, plain-text titles with angle brackets, query strings kept
//! byte for byte, zones honoured, `dcterms:issued`, raw markup in a description, EUC-KR and
//! Latin-1 labels.

mod common;

use common::*;

struct Case {
    id: &'static str,
    body: Vec<u8>,
    /// (title, link path, published RFC 3339) of each entry expected in the source's feed.
    expect: Vec<(&'static str, &'static str, Option<&'static str>)>,
}

fn rss(root: &str, items: &str) -> Vec<u8> {
    format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>{root}<channel><title>T</title><link>/</link>{items}</channel></rss>").into_bytes()
}

fn cases(portal: &Portal) -> Vec<Case> {
    let link = |p: &str| portal.url(p);
    vec![
        Case {
            id: "noversion",
            body: rss("<rss>", "<item><title>Tin một</title><link>/v/1</link><pubDate>Thu, 26 Oct 2023 14:37:52 -05:00</pubDate><description>Nội dung một.</description></item>"),
            expect: vec![("Tin một", "/v/1", Some("2023-10-27T02:37:52+07:00"))],
        },
        Case {
            id: "rss093",
            body: rss("<rss version=\"0.93\">", "<item><title>Tin hai</title><link>/v/2</link><pubDate>Sun, 17 Dec 2017 1:55 PM EST</pubDate><description>Nội dung hai.</description></item>"),
            expect: vec![("Tin hai", "/v/2", Some("2017-12-18T01:55:00+07:00"))],
        },
        Case {
            id: "atom03",
            body: format!(r#"<?xml version="1.0"?><feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>T</title><entry><title>Tin ba</title><link rel="alternate" type="text/html" href="{}"/><id>tag:ba</id><issued>2023-10-26T14:37:52Z</issued><content type="text/html" mode="escaped">&lt;p&gt;Nội dung ba.&lt;/p&gt;</content></entry></feed>"#, link("/v/3")).into_bytes(),
            expect: vec![("Tin ba", "/v/3", Some("2023-10-26T21:37:52+07:00"))],
        },
        Case {
            id: "emptytype",
            body: format!(r#"<feed xmlns="http://www.w3.org/2005/Atom"><title type="">T</title><id>urn:x</id><updated>2023-10-26T00:00:00Z</updated><entry><title type="text">History of the &lt;blink&gt; tag</title><link href="{}"/><id>urn:b</id><updated>2023-10-26T00:00:00Z</updated><content type="html">&lt;p&gt;x&lt;/p&gt;</content></entry></feed>"#, link("/here.pl?r123")).into_bytes(),
            expect: vec![("History of the <blink> tag", "/here.pl?r123", Some("2023-10-26T07:00:00+07:00"))],
        },
        Case {
            id: "untitled",
            body: rss("<rss version=\"2.0\" xmlns:dcterms=\"http://purl.org/dc/terms/\">", "<item><link>/v/5</link><dcterms:issued>2023-10-26T14:37:52Z</dcterms:issued><description>Tỉnh khánh thành cầu mới. Người dân đi lại thuận tiện.</description></item>"),
            expect: vec![("Tỉnh khánh thành cầu mới", "/v/5", Some("2023-10-26T21:37:52+07:00"))],
        },
        Case {
            id: "youtube",
            body: format!(r#"<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/"><title>T</title><id>urn:y</id><updated>2023-10-26T00:00:00Z</updated><entry><title>Video sáu</title><link rel="alternate" href="{}"/><id>yt:video:6</id><published>2023-10-26T14:37:52+00:00</published><updated>2023-10-26T14:37:52+00:00</updated><media:group><media:title>Video sáu</media:title><media:description>Mô tả video sáu.</media:description></media:group></entry></feed>"#, link("/v/6")).into_bytes(),
            expect: vec![("Video sáu", "/v/6", Some("2023-10-26T21:37:52+07:00"))],
        },
        Case {
            id: "rawmarkup",
            body: rss("<rss version=\"2.0\">", "<item><title>Tin chín</title><link>/v/9</link><pubDate>Thu, 26 Oct 2023 14:37:52 +0700</pubDate><description><p>Nội dung <b>chín</b>.</p></description></item>"),
            expect: vec![("Tin chín", "/v/9", Some("2023-10-26T14:37:52+07:00"))],
        },
        Case {
            id: "baddate",
            body: rss("<rss version=\"2.0\">", "<item><title>Tin mười</title><link>/v/10</link><pubDate>hôm qua lúc chiều</pubDate><description>Nội dung mười.</description></item><item><link>/v/11</link></item><item><title>No link</title></item>"),
            expect: vec![("Tin mười", "/v/10", None)],
        },
        Case {
            id: "euckr",
            body: [
                b"<?xml version=\"1.0\" encoding=\"euc-kr\"?><rss version=\"2.0\"><channel><title>T</title><link>/</link><item><title>\xc7\xd1\xb1\xb9 seven</title><link>/v/7</link><description>x</description></item></channel></rss>".as_slice(),
            ].concat(),
            expect: vec![("\u{d55c}\u{ad6d} seven", "/v/7", None)],
        },
        Case {
            id: "latin1",
            body: b"<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><rss version=\"2.0\"><channel><title>T</title><link>/</link><item><title>don\x92t eight</title><link>/v/8</link><description>x</description></item></channel></rss>".to_vec(),
            expect: vec![("don\u{2019}t eight", "/v/8", None)],
        },
    ]
}

#[test]
fn every_vintage_reaches_the_published_feed() {
    let portal = Portal::start();
    let cases = cases(&portal);
    let mut sources = String::new();
    for case in &cases {
        portal.put(&format!("/feeds/{}", case.id), Page::xml(case.body.clone()));
        sources.push_str(&format!(
            "[[source]]\nid = \"{}\"\nname = \"{}\"\nkind = \"feed\"\nurl = \"{}\"\n",
            case.id,
            case.id,
            portal.url(&format!("/feeds/{}", case.id))
        ));
    }
    let ws = Workspace::new(&sources);
    let summary = ws.fetch(0);
    for case in &cases {
        let feed = ws.source_feed(case.id);
        let got: Vec<(String, String, Option<String>)> = feed
            .entries
            .iter()
            .map(|e| {
                (
                    e.title.value.clone(),
                    e.links.first().map(|l| l.href.clone()).unwrap_or_default(),
                    e.published.map(|p| p.to_rfc3339()),
                )
            })
            .collect();
        let want: Vec<(String, String, Option<String>)> = case
            .expect
            .iter()
            .map(|(t, l, p)| (t.to_string(), portal.url(l), p.map(str::to_string)))
            .collect();
        // Entries without a date of their own are dated when first seen: compare the others.
        let got: Vec<_> = got
            .into_iter()
            .zip(&want)
            .map(|(g, w)| if w.2.is_none() { (g.0, g.1, None) } else { g })
            .collect();
        assert_eq!(got, want, "{}: {summary}", case.id);
    }
    // What was left out or could not be read is said, not hidden: an item with neither title
    // nor description, one without a link, a date no rule reads.
    assert!(summary.contains("/v/11: no title found"), "{summary}");
    assert!(
        summary.contains("1 feed entries skipped, e.g. entry \"No link\": no link to it"),
        "{summary}"
    );
    assert!(
        summary.contains("1 dates could not be read, e.g. \"hôm qua lúc chiều\""),
        "{summary}"
    );
    // `check` shows the same, without touching the store.
    let checked = ws.run(&["check", "--source", "baddate"]);
    let checked = format!(
        "{}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
    assert!(
        checked.contains("skipped entry \"No link\": no link to it"),
        "{checked}"
    );
    assert!(
        checked.contains("date \"hôm qua lúc chiều\" could not be read"),
        "{checked}"
    );
    assert!(
        checked.contains("characters (from the feed entry's content)"),
        "{checked}"
    );
    let raw = ws.source_feed("rawmarkup");
    let content = raw.entries[0]
        .content
        .as_ref()
        .and_then(|c| c.value.clone())
        .unwrap_or_default();
    assert!(
        content.contains("<b>chín</b>"),
        "raw markup kept as markup: {content}"
    );
    assert_valid_atom(&ws.dir.path().join("public/feed.atom"));
}
