//! Import: published Atom feeds → the store, to rebuild a store that was lost or damaged.
//!
//! The feeds portalfeed wrote (`public/feed.atom`, `public/sources/<id>.atom`) hold every field
//! an article needs. Each entry is read back as a [`RawArticle`] and goes through `normalize`
//! like a fetched one (sanitizing published HTML again changes nothing: it is a fixed point),
//! then into the store under the source its `<source>` names; entries already stored are left
//! as they are, so importing the unified feed and the per-source feeds together is harmless.
//!
//! It reads files and writes the store; it fetches nothing.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use url::Url;

use crate::config::Config;
use crate::extract::RawArticle;
use crate::normalize::normalize;
use crate::render::{feed_url, source_feed_path};
use crate::store::{Storage, StoreError, Stored};

/// Import failures.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not an Atom feed: {message}")]
    NotAtom { path: PathBuf, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Imported {
    pub new: usize,
    pub already_stored: usize,
    /// Entries that could not be read back (no link, no title), with why.
    pub skipped: Vec<String>,
}

/// Reads the Atom feed at `path` into `store`. Entries whose `<source>` is one of the config's
/// per-source feeds go to that source; others to the source whose feed the file is, else to
/// `imported`.
pub fn import_feed(
    config: &Config,
    store: &dyn Storage,
    path: &Path,
    now: DateTime<FixedOffset>,
) -> Result<Imported, ImportError> {
    let text = std::fs::read_to_string(path).map_err(|source| ImportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let feed: atom_syndication::Feed =
        text.parse()
            .map_err(|e: atom_syndication::Error| ImportError::NotAtom {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
    let by_feed: HashMap<String, &str> = config
        .sources
        .iter()
        .map(|s| {
            let url = feed_url(&config.settings.base_url, &source_feed_path(&s.id));
            (url.to_string(), s.id.as_str())
        })
        .collect();
    let file_source = by_feed.get(feed.id()).copied();
    let mut imported = Imported::default();
    for entry in feed.entries() {
        let source_id = entry
            .source()
            .and_then(|s| by_feed.get(s.id()).copied())
            .or(file_source)
            .unwrap_or("imported");
        let Some(url) = entry
            .links()
            .iter()
            .find(|l| l.rel() == "alternate")
            .and_then(|l| Url::parse(l.href()).ok())
        else {
            imported
                .skipped
                .push(format!("{}: no link", entry.title().value));
            continue;
        };
        let mut raw = RawArticle::new(url.clone());
        raw.canonical = Some(url);
        raw.title = Some(entry.title().value.clone());
        raw.published = entry.published().copied();
        raw.updated = Some(*entry.updated());
        raw.author = entry
            .authors()
            .first()
            .map(|a| a.name().to_string())
            .filter(|name| config.source(source_id).is_none_or(|s| s.name != *name));
        raw.summary = entry.summary().map(|s| s.value.clone());
        raw.content_html = entry.content().and_then(|c| c.value().map(str::to_string));
        let province = config.source(source_id).and_then(|s| s.province.clone());
        raw.category = entry
            .categories()
            .iter()
            .map(|c| c.term().to_string())
            .find(|term| Some(term) != province.as_ref());
        let article = match normalize(raw, source_id, now) {
            Ok(article) => article,
            Err(why) => {
                imported
                    .skipped
                    .push(format!("{}: {why}", entry.title().value));
                continue;
            }
        };
        if store.article(&article.key)?.is_some() {
            imported.already_stored += 1;
            continue;
        }
        let profile = crate::normalize::dedupe_profile(&article);
        match store.put_article(source_id, article, &profile, &[], now)? {
            Stored::Unchanged => imported.already_stored += 1,
            _ => imported.new += 1,
        }
    }
    store.flush()?;
    Ok(imported)
}
