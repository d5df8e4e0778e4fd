//! Render: stored articles → an Atom 1.0 document (RFC 4287), via atom_syndication.
//!
//! Every entry has a stable id (a UUID derived from the article key, so the same across runs,
//! restarts and config edits), title, `rel=alternate` link, published and updated in +07:00,
//! an author (the source name when the page names none), categories (article category and
//! province), summary, `content type="html"` and a `<source>` naming the portal.
//!
//! Pure: takes values, returns bytes. The feed's `updated` is its newest entry's, so the same
//! store renders byte-identical feeds (stable ETags later).

use std::collections::HashMap;

use atom_syndication::{Category, Content, Entry, Feed, Generator, Link, Person, Source, Text};
use chrono::{DateTime, FixedOffset};
use sha2::{Digest, Sha256};
use url::Url;

use crate::config;
use crate::normalize::date::vietnam;
use crate::store::StoredArticle;

/// What the feed says about itself.
#[derive(Debug, Clone)]
pub struct FeedInfo {
    pub title: String,
    /// Where this feed is published: its `rel=self` link, and (as a URL) its id.
    pub self_link: Url,
    /// The page a reader would visit for this feed, if any.
    pub alternate: Option<Url>,
}

/// What entries need to know about the portal they came from.
#[derive(Debug, Clone)]
pub struct Portal {
    pub id: String,
    pub name: String,
    /// The portal's list page or feed.
    pub url: Url,
    /// Our per-source feed of it: the `<source>` element's id and `rel=self` link.
    pub feed: Url,
    pub province: Option<String>,
}

impl Portal {
    pub fn new(source: &config::Source, base_url: &Url) -> Portal {
        Portal {
            id: source.id.clone(),
            name: source.name.clone(),
            url: source.url.clone(),
            feed: feed_url(base_url, &source_feed_path(&source.id)),
            province: source.province.clone(),
        }
    }
}

/// Where a source's own feed lives, relative to `base_url` and to `public_dir`.
pub fn source_feed_path(source_id: &str) -> String {
    format!("sources/{source_id}.atom")
}

/// A feed's address under `base_url` (`feed.atom`, `sources/<id>.atom`).
pub fn feed_url(base_url: &Url, path: &str) -> Url {
    base_url.join(path).unwrap_or_else(|_| base_url.clone())
}

/// Renders `entries` (already newest first) as an Atom document.
pub fn render_atom(
    info: &FeedInfo,
    entries: &[StoredArticle],
    portals: &HashMap<String, Portal>,
) -> String {
    let updated = entries
        .iter()
        .map(|e| e.article.updated)
        .max()
        .unwrap_or_else(epoch);
    let mut links = vec![Link {
        href: info.self_link.to_string(),
        rel: "self".into(),
        mime_type: Some("application/atom+xml".into()),
        ..Link::default()
    }];
    if let Some(alternate) = &info.alternate {
        links.push(Link {
            href: alternate.to_string(),
            rel: "alternate".into(),
            mime_type: Some("text/html".into()),
            ..Link::default()
        });
    }
    let feed = Feed {
        title: Text::plain(info.title.clone()),
        id: info.self_link.to_string(),
        updated: updated.with_timezone(&vietnam()),
        authors: vec![person(&info.title)],
        generator: Some(Generator {
            value: "portalfeed".into(),
            uri: None,
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
        links,
        lang: Some("vi".into()),
        entries: entries.iter().map(|e| entry(e, portals)).collect(),
        ..Feed::default()
    };
    feed.to_string()
}

fn entry(stored: &StoredArticle, portals: &HashMap<String, Portal>) -> Entry {
    let a = &stored.article;
    let portal = portals.get(&stored.source_id);
    let source_name = portal.map_or(stored.source_id.as_str(), |p| p.name.as_str());
    let mut categories: Vec<Category> = a.category.iter().map(|c| category(c)).collect();
    if let Some(province) = portal.and_then(|p| p.province.as_deref()) {
        if a.category.as_deref() != Some(province) {
            categories.push(category(province));
        }
    }
    Entry {
        title: Text::plain(a.title.clone()),
        id: entry_id(&a.key),
        updated: a.updated.with_timezone(&vietnam()),
        published: Some(a.published.with_timezone(&vietnam())),
        authors: vec![person(a.author.as_deref().unwrap_or(source_name))],
        categories,
        links: vec![Link {
            href: a.link.clone(),
            rel: "alternate".into(),
            mime_type: Some("text/html".into()),
            ..Link::default()
        }],
        summary: Some(Text::plain(a.summary.clone())),
        content: Some(Content {
            value: Some(a.content_html.clone()),
            content_type: Some("html".into()),
            ..Content::default()
        }),
        source: portal.map(|p| Source {
            title: Text::plain(p.name.clone()),
            id: p.feed.to_string(),
            updated: a.updated.with_timezone(&vietnam()),
            links: vec![
                Link {
                    href: p.url.to_string(),
                    rel: "alternate".into(),
                    ..Link::default()
                },
                Link {
                    href: p.feed.to_string(),
                    rel: "self".into(),
                    mime_type: Some("application/atom+xml".into()),
                    ..Link::default()
                },
            ],
            ..Source::default()
        }),
        ..Entry::default()
    }
}

/// `urn:uuid:` built from the SHA-256 of the article key (RFC 9562 version 8 layout).
pub fn entry_id(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = crate::normalize::hex(&b);
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

fn person(name: &str) -> Person {
    Person {
        name: name.to_string(),
        ..Person::default()
    }
}

fn category(term: &str) -> Category {
    Category {
        term: term.to_string(),
        label: Some(term.to_string()),
        ..Category::default()
    }
}

fn epoch() -> DateTime<FixedOffset> {
    DateTime::from_timestamp(0, 0)
        .unwrap_or_default()
        .with_timezone(&vietnam())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_ids_are_stable_uuids() {
        let a = entry_id("https://a.vn/1");
        assert_eq!(a, entry_id("https://a.vn/1"));
        assert_ne!(a, entry_id("https://a.vn/2"));
        assert_eq!(a.len(), "urn:uuid:".len() + 36);
        assert_eq!(&a[9 + 14..9 + 15], "8");
    }
}
