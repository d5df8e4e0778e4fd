//! `portalfeed serve` publishing over loopback: ETag/304, Last-Modified, gzip and brotli, HEAD,
//! content types, RFC 5005 paging that walks the whole store with no gap or repeat, filters
//! (diacritic-insensitive search, category, sources, limit), RSS and JSON Feed parsed by the
//! `rss` crate and serde, province feeds and OPML.

mod common;

use std::collections::HashSet;
use std::io::Read;

use chrono::{DateTime, FixedOffset};
use common::*;
use portalfeed::normalize::Article;
use portalfeed::store::{Storage, Store};
use reqwest::header;

const ARTICLES: usize = 57;

fn sources() -> &'static str {
    "[[source]]\nid = \"hg\"\nname = \"Ban Tuyên giáo Hậu Giang\"\nprovince = \"Hậu Giang\"\nkind = \"feed\"\n\
     url = \"http://127.0.0.1:9/hg.rss\"\nenabled = false\n\
     [[source]]\nid = \"ct\"\nname = \"Cổng TTĐT Cần Thơ\"\nprovince = \"Cần Thơ\"\nkind = \"feed\"\n\
     url = \"http://127.0.0.1:9/ct.rss\"\nenabled = false\n"
}

/// 57 articles, alternately from `hg` and `ct`; every third mentions "Hậu Giang" in its title;
/// every fifth is in the category "Kinh tế". Several share a publication time, so paging must
/// order by more than the time.
fn fill(ws: &Workspace) {
    let store = Store::open(&ws.store_dir()).expect("store");
    let t0 = DateTime::parse_from_rfc3339("2026-11-20T08:00:00+07:00").expect("time");
    for i in 0..ARTICLES {
        let published: DateTime<FixedOffset> = t0 + chrono::Duration::minutes((i / 3) as i64 * 10);
        let title = if i % 3 == 0 {
            format!("Tỉnh ủy Hậu Giang triển khai nhiệm vụ số {i}")
        } else {
            format!("Hội nghị chuyên đề số {i}")
        };
        let article = Article {
            key: format!("https://portal.example.vn/tin/{i}.html"),
            link: format!("https://portal.example.vn/tin/{i}.html"),
            title,
            published,
            updated: published,
            dated: true,
            author: None,
            summary: format!("Tóm tắt bài {i}"),
            content_html: format!("<p>Nội dung bài {i} về công tác của tỉnh.</p>"),
            category: Some(
                if i % 5 == 0 {
                    "Kinh tế"
                } else {
                    "Chính trị"
                }
                .into(),
            ),
            fingerprint: format!("fp-{i}"),
            content_hash: format!("h-{i}"),
        };
        let source = if i % 2 == 0 { "hg" } else { "ct" };
        let profile = portalfeed::normalize::dedupe_profile(&article);
        store
            .put_article(source, article, &profile, &[], t0)
            .expect("put");
    }
    store.flush().expect("flush");
}

fn started() -> (Workspace, Server) {
    let ws = Workspace::new(sources());
    fill(&ws);
    let server = ws.serve();
    (ws, server)
}

#[test]
fn etag_last_modified_compression_and_head() {
    let (_ws, server) = started();
    let client = http();
    let url = server.url("/feed.atom");
    let first = client.get(&url).send().expect("GET");
    assert_eq!(first.status(), 200);
    assert_eq!(
        first.headers()[header::CONTENT_TYPE],
        "application/atom+xml; charset=utf-8"
    );
    let etag = first.headers()[header::ETAG]
        .to_str()
        .expect("etag")
        .to_string();
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "strong ETag: {etag}"
    );
    let last_modified = first.headers()[header::LAST_MODIFIED]
        .to_str()
        .expect("lm")
        .to_string();
    let body = first.text().expect("body");
    let feed = parse_atom(&body);
    assert_eq!(feed.entries.len(), ARTICLES, "all fit the default 100");

    let again = client
        .get(&url)
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .expect("GET");
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()[header::ETAG], etag.as_str());
    assert!(again.bytes().expect("body").is_empty());
    let since = client
        .get(&url)
        .header(header::IF_MODIFIED_SINCE, &last_modified)
        .send()
        .expect("GET");
    assert_eq!(since.status(), 304);
    let stale = client
        .get(&url)
        .header(header::IF_NONE_MATCH, "\"other\"")
        .send()
        .expect("GET");
    assert_eq!(stale.status(), 200);

    for (encoding, name) in [("gzip", "gzip"), ("br;q=1.0, gzip;q=0.5", "br")] {
        let response = client
            .get(&url)
            .header(header::ACCEPT_ENCODING, encoding)
            .send()
            .expect("GET");
        assert_eq!(response.headers()[header::CONTENT_ENCODING], name);
        assert_eq!(response.headers()[header::VARY], "Accept-Encoding");
        let variant_etag = response.headers()[header::ETAG]
            .to_str()
            .expect("etag")
            .to_string();
        assert_ne!(variant_etag, etag, "each encoding has its own strong ETag");
        let compressed = response.bytes().expect("body");
        assert!(
            compressed.len() < body.len() / 3,
            "{name}: {} of {}",
            compressed.len(),
            body.len()
        );
        let mut plain = String::new();
        match name {
            "gzip" => flate2::read::GzDecoder::new(&compressed[..]).read_to_string(&mut plain),
            _ => brotli::Decompressor::new(&compressed[..], 4096).read_to_string(&mut plain),
        }
        .expect("decompress");
        assert_eq!(plain, body);
        let not_modified = client
            .get(&url)
            .header(header::ACCEPT_ENCODING, encoding)
            .header(header::IF_NONE_MATCH, &variant_etag)
            .send()
            .expect("GET");
        assert_eq!(not_modified.status(), 304);
    }

    let head = client.head(&url).send().expect("HEAD");
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()[header::ETAG], etag.as_str());
    assert!(head.bytes().expect("body").is_empty());

    assert_eq!(status_of(&client, server.url("/feed.xml")), 404);
    assert_eq!(status_of(&client, server.url("/sources/nope.atom")), 404);
    assert_eq!(status_of(&client, server.url("/feed.atom?before=zz")), 400);
}

/// Follows `rel="next"` from the first page to the last, then `rel="previous"` back.
#[test]
fn paging_walks_the_whole_store_without_gap_or_repeat() {
    let (_ws, server) = started();
    let client = http();
    let link = |feed: &atom_syndication::Feed, rel: &str| {
        feed.links
            .iter()
            .find(|l| l.rel == rel)
            .map(|l| l.href.clone())
    };
    // The links are under base_url (https://feeds.example.org/): follow them on our server.
    let local = |href: &str| server.url(href.trim_start_matches("https://feeds.example.org"));
    let mut url = server.url("/feed.atom?limit=10");
    let mut pages = Vec::new();
    let mut seen = Vec::new();
    loop {
        let feed = parse_atom(&client.get(&url).send().expect("GET").text().expect("body"));
        seen.extend(feed.entries.iter().map(|e| e.id.clone()));
        pages.push(feed.clone());
        match link(&feed, "next") {
            Some(next) => url = local(&next),
            None => break,
        }
        assert!(pages.len() < 20, "paging does not end");
    }
    assert_eq!(pages.len(), 6, "57 entries in pages of 10");
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(seen.len(), ARTICLES, "no gap");
    assert_eq!(unique.len(), ARTICLES, "no repeat");
    let published: Vec<_> = pages
        .iter()
        .flat_map(|p| p.entries.iter().filter_map(|e| e.published))
        .collect();
    assert!(
        published.windows(2).all(|w| w[0] >= w[1]),
        "newest first across pages"
    );
    assert!(link(&pages[0], "previous").is_none());
    assert!(link(&pages[3], "first").is_some());

    // Back from the last page to the first through rel="previous".
    let mut back = Vec::new();
    let mut feed = pages[5].clone();
    while let Some(previous) = link(&feed, "previous") {
        feed = parse_atom(
            &client
                .get(local(&previous))
                .send()
                .expect("GET")
                .text()
                .expect("body"),
        );
        back.push(
            feed.entries
                .iter()
                .map(|e| e.id.clone())
                .collect::<Vec<_>>(),
        );
        assert!(back.len() < 20, "previous does not end");
    }
    let forward: Vec<Vec<String>> = pages[..5]
        .iter()
        .rev()
        .map(|p| p.entries.iter().map(|e| e.id.clone()).collect())
        .collect();
    assert_eq!(back, forward);

    // A cursor stays valid when newer articles arrive: page 2 is the same after an insert.
    let page2 = client
        .get(local(&link(&pages[0], "next").expect("next")))
        .send()
        .expect("GET")
        .text()
        .expect("body");
    assert_eq!(
        parse_atom(&page2)
            .entries
            .iter()
            .map(|e| e.id.clone())
            .collect::<Vec<_>>(),
        pages[1]
            .entries
            .iter()
            .map(|e| e.id.clone())
            .collect::<Vec<_>>()
    );
}

#[test]
fn filters_search_and_limits() {
    let (_ws, server) = started();
    let client = http();
    let ids = |path: &str| -> Vec<String> {
        let body = client
            .get(server.url(path))
            .send()
            .expect("GET")
            .text()
            .expect("body");
        parse_atom(&body)
            .entries
            .into_iter()
            .map(|e| e.id)
            .collect()
    };
    let hau_giang = ids("/feed.atom?q=hau%20giang&limit=500");
    assert_eq!(hau_giang.len(), 19, "every third title mentions Hậu Giang");
    assert_eq!(
        ids("/feed.atom?q=H%E1%BA%ADu%20Giang&limit=500"),
        hau_giang,
        "with diacritics"
    );
    assert_eq!(
        ids("/feed.atom?q=HAU%20GIANG&limit=500"),
        hau_giang,
        "any case"
    );
    assert_eq!(ids("/feed.atom?category=kinh%20te&limit=500").len(), 12);
    assert_eq!(
        ids("/feed.atom?category=Kinh%20t%E1%BA%BF&limit=500").len(),
        12
    );
    assert_eq!(
        ids("/feed.atom?category=C%E1%BA%A7n%20Th%C6%A1&limit=500").len(),
        28,
        "province as category"
    );
    assert_eq!(ids("/feed.atom?source=hg&limit=500").len(), 29);
    assert_eq!(ids("/feed.atom?source=hg,ct&limit=500").len(), ARTICLES);
    assert_eq!(ids("/sources/ct.atom?limit=500").len(), 28);
    assert_eq!(ids("/provinces/hau-giang.atom?limit=500").len(), 29);
    assert_eq!(
        ids("/provinces/hau-giang.atom?q=nhiem%20vu&limit=500").len(),
        10
    );
    assert_eq!(ids("/feed.atom?limit=3").len(), 3);
    assert_eq!(
        ids("/feed.atom").len(),
        ARTICLES,
        "feed_entries default (100)"
    );
    assert_eq!(
        status_of(&client, server.url("/provinces/ha-noi.atom")),
        404
    );
}

#[test]
fn an_empty_feed_says_when_it_was_rendered_not_1970() {
    let (_ws, server) = started();
    let client = http();
    let before = chrono::Utc::now() - chrono::Duration::seconds(2);
    let empty = client
        .get(server.url("/feed.atom?q=xyzzy"))
        .send()
        .expect("GET");
    assert_eq!(empty.status(), 200);
    let last_modified = empty.headers()[header::LAST_MODIFIED]
        .to_str()
        .expect("lm")
        .to_string();
    let since = httpdate::parse_http_date(&last_modified).expect("http date");
    assert!(
        chrono::DateTime::<chrono::Utc>::from(since) >= before,
        "{last_modified}"
    );
    let feed = parse_atom(&empty.text().expect("body"));
    assert!(feed.entries.is_empty());
    assert!(feed.updated >= before, "{}", feed.updated);
    assert!(feed.updated.to_rfc3339().ends_with("+07:00"));
}

#[test]
fn rss_json_feed_and_opml() {
    let (_ws, server) = started();
    let client = http();
    let response = client
        .get(server.url("/feed.rss?limit=20"))
        .send()
        .expect("GET");
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "application/rss+xml; charset=utf-8"
    );
    let channel = rss::Channel::read_from(&response.bytes().expect("body")[..]).expect("valid RSS");
    assert_eq!(channel.items().len(), 20);
    let item = &channel.items()[0];
    assert!(
        item.pub_date().is_some_and(|d| d.ends_with("+0700")),
        "{:?}",
        item.pub_date()
    );
    assert!(item.content().is_some_and(|c| c.contains("<p>")));
    assert!(item
        .guid()
        .is_some_and(|g| g.value().starts_with("urn:uuid:")));
    assert!(channel
        .atom_ext()
        .is_some_and(|a| a.links().iter().any(|l| l.rel() == "next")));

    let response = client
        .get(server.url("/sources/hg.json"))
        .send()
        .expect("GET");
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "application/feed+json; charset=utf-8"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&response.bytes().expect("body")).expect("valid JSON");
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    let items = json["items"].as_array().expect("items");
    assert_eq!(items.len(), 29);
    assert!(items[0]["date_published"]
        .as_str()
        .is_some_and(|d| d.ends_with("+07:00")));
    assert_eq!(items[0]["authors"][0]["name"], "Ban Tuyên giáo Hậu Giang");

    let opml = client
        .get(server.url("/sources.opml"))
        .send()
        .expect("GET")
        .text()
        .expect("body");
    assert!(opml.contains(r#"<opml version="2.0">"#));
    assert!(
        opml.contains(r#"xmlUrl="https://feeds.example.org/sources/hg.atom""#),
        "{opml}"
    );
    assert!(
        opml.contains(r#"xmlUrl="https://feeds.example.org/sources/ct.atom""#),
        "{opml}"
    );
}
