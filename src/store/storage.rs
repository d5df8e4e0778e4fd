//! The storage interface: what the pipeline, `serve`, `check`, `sources`, `dupes`, `import`
//! and `export` ask of a store, whichever backend keeps it: the embedded sled [`Store`] (one
//! process), or [`super::postgres::PgStore`] (one database shared by several instances).
//!
//! The contract is documented here, once, and `tests/storage_contract.rs` runs it against every
//! backend. It must not hold behaviour of its own: each backend implements it (sled's in
//! `store/mod.rs`, PostgreSQL's in `store/postgres/backend.rs`). Operations only benches, tests and diagnostics use (cluster verification,
//! index sizes) stay on the backend types.

use chrono::{DateTime, FixedOffset};

#[cfg(doc)]
use super::Store;
use super::{
    Cluster, Merge, Page, PageQuery, SourceState, StoreError, Stored, StoredArticle, Validators,
};
use crate::dedupe::Profile;
use crate::normalize::Article;

/// A store of articles, dedup index, story clusters, validators and source state. Also keeps
/// robots.txt texts between runs ([`crate::fetch::HostMemory`]).
pub trait Storage: crate::fetch::HostMemory + Send + Sync {
    /// Leaves a note for a process that finds the store locked (what holds it, how to reach it).
    fn set_holder(&self, note: &str) -> Result<(), StoreError>;
    /// The article key a list link led to, when that link was followed before.
    fn known_link(&self, link: &str) -> Result<Option<String>, StoreError>;
    /// The stored article under `key`.
    fn article(&self, key: &str) -> Result<Option<StoredArticle>, StoreError>;
    /// Stores `article` for `source_id`, remembering `links` (the list links that led to it) as
    /// seen, and indexing its dedup `profile`. A new article that is the same story as stored
    /// ones joins their cluster. Atomic: the article, its links, its index entries and its
    /// cluster are written together or not at all.
    fn put_article(
        &self,
        source_id: &str,
        article: Article,
        profile: &Profile,
        links: &[String],
        now: DateTime<FixedOffset>,
    ) -> Result<Stored, StoreError>;
    /// The cluster `key` belongs to, under its representative's key, when it has copies.
    fn cluster_of(&self, key: &str) -> Result<Option<(String, Cluster)>, StoreError>;
    /// The most recent merges, newest first; only those involving `source_id` when given.
    fn merges(&self, limit: usize, source_id: Option<&str>) -> Result<Vec<Merge>, StoreError>;
    /// How many of a source's articles joined a story already stored.
    fn merged_for_source(&self, source_id: &str) -> u64;
    /// How many merges the store has recorded.
    fn merge_count(&self) -> u64;
    /// The key of the article a URL names: its key, or a list link that led to it.
    fn resolve(&self, url: &str) -> Result<Option<String>, StoreError>;
    /// How many runs failed on this article link so far.
    fn failed_attempts(&self, link: &str) -> Result<u32, StoreError>;
    /// Counts one more failed run on this article link; returns the new count.
    fn record_failure(&self, link: &str) -> Result<u32, StoreError>;
    /// One page of a feed, newest first: up to `query.limit` articles of `query.scope` that
    /// pass its filter, older than the `before` cursor or newer than the `after` one.
    fn page(&self, query: &PageQuery<'_>) -> Result<Page, StoreError>;
    /// How many articles a source has stored: a counter kept with each article, no scan.
    fn count_for_source(&self, source_id: &str) -> usize;
    /// How many articles the store holds, duplicates included (from counters, not a walk).
    fn article_count(&self) -> usize;
    /// The validators of `url`'s last successful response.
    fn validators(&self, url: &str) -> Result<Option<Validators>, StoreError>;
    fn set_validators(&self, url: &str, validators: &Validators) -> Result<(), StoreError>;
    fn source_state(&self, source_id: &str) -> Result<SourceState, StoreError>;
    fn set_source_state(&self, source_id: &str, state: &SourceState) -> Result<(), StoreError>;
    /// Makes everything written so far durable, and searchable.
    fn flush(&self) -> Result<(), StoreError>;
}
