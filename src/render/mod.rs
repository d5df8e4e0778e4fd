//! Render: stored articles → feed documents: Atom 1.0 ([`atom`]), RSS 2.0 ([`rss`]) and JSON
//! Feed 1.1 ([`json`]).
//!
//! Every format gives an entry the same stable id (derived from the article key, so the same
//! across runs, restarts and config edits), its dates in +07:00, an author (the source name when
//! the page names none) and the article's category and the source's province as categories. A
//! unified entry lists the story's other copies: Atom `rel="related"` links, RSS `atom:link`s
//! of the same kind, and a `_portalfeed.copies` extension in JSON Feed.
//!
//! Pure: takes values, returns bytes (the clock is read once, to date a feed with no entry). It
//! must not touch the store or the network.

pub mod atom;
pub mod json;
pub mod opml;
pub mod rss;

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, Utc};
use sha2::{Digest, Sha256};
use url::Url;

use crate::config;
use crate::dates::vietnam;
use crate::store::{Copy, StoredArticle};

pub use self::atom::render_atom;
pub use self::json::render_json;
pub use self::rss::render_rss;

/// The three publishing formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Atom,
    Rss,
    Json,
}

impl Format {
    /// The format a file extension names (`atom`, `rss`, `json`).
    pub fn from_extension(ext: &str) -> Option<Format> {
        match ext {
            "atom" => Some(Format::Atom),
            "rss" => Some(Format::Rss),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Atom => "atom",
            Format::Rss => "rss",
            Format::Json => "json",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Atom => "application/atom+xml; charset=utf-8",
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Json => "application/feed+json; charset=utf-8",
        }
    }
}

/// A feed document in `format`.
pub fn render(
    format: Format,
    info: &FeedInfo,
    entries: &[StoredArticle],
    portals: &HashMap<String, Portal>,
) -> String {
    match format {
        Format::Atom => render_atom(info, entries, portals),
        Format::Rss => render_rss(info, entries, portals),
        Format::Json => render_json(info, entries, portals),
    }
}

/// What the feed says about itself.
#[derive(Debug, Clone)]
pub struct FeedInfo {
    pub title: String,
    /// Where this feed is published: its `rel=self` link, and (as a URL) its id.
    pub self_link: Url,
    /// The page a reader would visit for this feed, if any.
    pub alternate: Option<Url>,
    /// RFC 5005 paging: the newest page, the next (older) and previous (newer) pages.
    pub first: Option<Url>,
    pub next: Option<Url>,
    pub previous: Option<Url>,
    /// When this feed was rendered: the `updated` of a feed with no entry (a feed with entries
    /// says its newest entry's time, so the same store renders the same bytes).
    pub rendered_at: DateTime<FixedOffset>,
}

impl FeedInfo {
    /// A feed of one page, without paging links.
    pub fn new(title: String, self_link: Url, alternate: Option<Url>) -> FeedInfo {
        FeedInfo {
            title,
            self_link,
            alternate,
            first: None,
            next: None,
            previous: None,
            rendered_at: Utc::now().with_timezone(&vietnam()),
        }
    }

    /// The feed's last update: its newest entry's, or when it was rendered if it has none.
    pub fn updated(&self, entries: &[StoredArticle]) -> DateTime<FixedOffset> {
        entries
            .iter()
            .map(|e| e.article.updated)
            .max()
            .unwrap_or(self.rendered_at)
            .with_timezone(&vietnam())
    }

    /// The paging links that are set, with their `rel`.
    pub fn paging(&self) -> impl Iterator<Item = (&'static str, &Url)> {
        [
            ("first", &self.first),
            ("next", &self.next),
            ("previous", &self.previous),
        ]
        .into_iter()
        .filter_map(|(rel, url)| url.as_ref().map(|u| (rel, u)))
    }
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

/// `urn:uuid:` built from the SHA-256 of the article key (RFC 9562 version 8 layout).
pub fn entry_id(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = crate::digest::hex(&b);
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// The authors an entry is credited to: the article's, else its source's name.
pub(crate) fn author_of<'a>(stored: &'a StoredArticle, portal: Option<&'a Portal>) -> &'a str {
    stored
        .article
        .author
        .as_deref()
        .unwrap_or_else(|| portal.map_or(stored.source_id.as_str(), |p| p.name.as_str()))
}

/// The name of the portal that carried `copy` (its source id when the source is gone from the
/// configuration).
pub(crate) fn source_name<'a>(copy: &'a Copy, portals: &'a HashMap<String, Portal>) -> &'a str {
    portals
        .get(&copy.source_id)
        .map_or(copy.source_id.as_str(), |p| p.name.as_str())
}

/// The article's category and its source's province, each once.
pub(crate) fn categories_of<'a>(
    stored: &'a StoredArticle,
    portal: Option<&'a Portal>,
) -> Vec<&'a str> {
    let mut categories: Vec<&str> = stored.article.category.iter().map(String::as_str).collect();
    if let Some(province) = portal.and_then(|p| p.province.as_deref()) {
        if !categories.contains(&province) {
            categories.push(province);
        }
    }
    categories
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_feed_is_as_new_as_its_rendering() {
        let info = FeedInfo::new(
            "Tin".into(),
            Url::parse("https://feeds.example.org/feed.atom").expect("url"),
            None,
        );
        let updated = info.updated(&[]);
        assert_eq!(updated, info.rendered_at);
        assert!(updated.timestamp() > 1_700_000_000, "{updated}");
        assert!(updated <= Utc::now());
    }

    #[test]
    fn entry_ids_are_stable_uuids() {
        let a = entry_id("https://a.vn/1");
        assert_eq!(a, entry_id("https://a.vn/1"));
        assert_ne!(a, entry_id("https://a.vn/2"));
        assert_eq!(a.len(), "urn:uuid:".len() + 36);
        assert_eq!(&a[9 + 14..9 + 15], "8");
    }
}
