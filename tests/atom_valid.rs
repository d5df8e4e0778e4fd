//! The rendered feeds are valid Atom: RELAX NG (tests/fixtures/atom/atom.rng, via xmllint) plus what
//! the grammar cannot check — an author on every entry, unique ids, a zone on every date.

mod common;

use std::collections::HashSet;
use std::process::Command;

use common::*;

#[test]
fn rendered_feeds_validate_against_the_rfc_4287_schema() {
    let portal = Portal::start();
    let host = portal.addr.to_string();
    portal.put(
        "/rss",
        Page::xml(fixture_text("feeds/rss.xml").replace("{{HOST}}", &host)),
    );
    portal.put("/atom", Page::xml(fixture("feeds/atom-v1.xml")));
    portal.put("/list", Page::html(r#"<a class="t" href="/h">x</a>"#));
    portal.put("/h", Page::html(fixture("hostile/article.html")));
    let ws = Workspace::new(&format!(
        "[[source]]\nid = \"rss\"\nname = \"RSS & <Tin>\"\nprovince = \"Cần Thơ\"\nkind = \"feed\"\nurl = \"{}\"\n\
         [[source]]\nid = \"atom\"\nname = \"Atom\"\nkind = \"feed\"\nurl = \"{}\"\n\
         [[source]]\nid = \"html\"\nname = \"HTML\"\nkind = \"html\"\nurl = \"{}\"\n\
         [source.list]\nlink = \"a.t\"\n[source.article]\ntitle = \"h1\"\n\
         [[source]]\nid = \"empty\"\nname = \"Never fetched\"\nkind = \"feed\"\nurl = \"{}\"\nenabled = false\n",
        portal.url("/rss"),
        portal.url("/atom"),
        portal.url("/list"),
        portal.url("/none"),
    ));
    ws.fetch(0);
    let schema = fixture_path("atom/atom.rng");
    for file in [
        "feed.atom",
        "sources/rss.atom",
        "sources/atom.atom",
        "sources/html.atom",
        "sources/empty.atom",
    ] {
        let path = ws.dir.path().join("public").join(file);
        let out = Command::new("xmllint")
            .args(["--noout", "--relaxng"])
            .arg(&schema)
            .arg(&path)
            .output()
            .expect("xmllint must be installed: scripts/test installs Debian's libxml2-utils");
        assert!(
            out.status.success(),
            "{file} is not valid Atom:\n{}\n{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(&path).unwrap_or_default()
        );
    }
    let xml = ws.public("feed.atom");
    let feed = parse_atom(&xml);
    assert_eq!(feed.entries.len(), 6);
    assert_eq!(
        feed.links
            .iter()
            .find(|l| l.rel == "self")
            .map(|l| l.href.as_str()),
        Some("https://feeds.example.org/feed.atom")
    );
    let ids: HashSet<&str> = feed.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), feed.entries.len(), "unique ids");
    for entry in &feed.entries {
        assert!(!entry.authors.is_empty(), "author on {}", entry.title.value);
        assert!(entry.source.is_some(), "<source> on {}", entry.title.value);
        assert!(entry.id.starts_with("urn:uuid:"));
        assert_eq!(entry.links[0].rel, "alternate");
    }
    // Every timestamp carries the +07:00 zone.
    for stamp in xml
        .split("<updated>")
        .skip(1)
        .chain(xml.split("<published>").skip(1))
    {
        let value = &stamp[..stamp.find('<').unwrap_or(0)];
        assert!(value.ends_with("+07:00"), "{value}");
    }
    // A feed with no entry says when it was rendered, not the epoch.
    let empty = parse_atom(&ws.public("sources/empty.atom"));
    assert!(empty.entries.is_empty());
    let age = chrono::Utc::now().signed_duration_since(empty.updated);
    assert!(age.num_seconds().abs() < 600, "{}", empty.updated);
    // Newest first by published.
    let published: Vec<_> = feed.entries.iter().filter_map(|e| e.published).collect();
    assert!(published.windows(2).all(|w| w[0] >= w[1]), "{published:?}");
}
