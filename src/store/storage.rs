//! The storage interface: what the pipeline, `serve`, `check`, `sources`, `dupes`, `import`
//! and `export` ask of a store, whichever backend keeps it (the embedded sled [`Store`] today;
//! PostgreSQL, shared by several instances, is being built: issue 12).
//!
//! It must not add behaviour of its own: every method is the backend's operation of the same
//! name, with the same contract (documented on [`Store`]'s methods, which the contract tests in
//! `tests/` exercise through the binary). Operations only benches, tests and diagnostics use
//! (cluster verification, index sizes) stay on the backend types.

use chrono::{DateTime, FixedOffset};

use super::{
    Cluster, Merge, Page, PageQuery, SourceState, Store, StoreError, Stored, StoredArticle,
    Validators,
};
use crate::dedupe::Profile;
use crate::normalize::Article;

/// A store of articles, dedup index, story clusters, validators and source state. Also keeps
/// robots.txt texts between runs ([`crate::fetch::RobotsMemory`]).
pub trait Storage: crate::fetch::RobotsMemory + Send + Sync {
    /// Records who holds the store (for the message another process gets).
    fn set_holder(&self, note: &str) -> Result<(), StoreError>;
    /// The article key a list link already led to.
    fn known_link(&self, link: &str) -> Result<Option<String>, StoreError>;
    fn article(&self, key: &str) -> Result<Option<StoredArticle>, StoreError>;
    /// Stores an article with its dedup profile and the links that led to it, atomically,
    /// joining the story cluster of the stored copies it matches.
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
    /// The most recent merges, newest first (only `source_id`'s when given).
    fn merges(&self, limit: usize, source_id: Option<&str>) -> Result<Vec<Merge>, StoreError>;
    fn merged_for_source(&self, source_id: &str) -> u64;
    fn merge_count(&self) -> u64;
    /// The stored article a URL names (its key, or a list link that led to it).
    fn resolve(&self, url: &str) -> Result<Option<String>, StoreError>;
    fn failed_attempts(&self, link: &str) -> Result<u32, StoreError>;
    fn record_failure(&self, link: &str) -> Result<u32, StoreError>;
    /// One feed page: scope, filters, cursor and limit.
    fn page(&self, query: &PageQuery<'_>) -> Result<Page, StoreError>;
    fn count_for_source(&self, source_id: &str) -> usize;
    fn article_count(&self) -> usize;
    fn validators(&self, url: &str) -> Result<Option<Validators>, StoreError>;
    fn set_validators(&self, url: &str, validators: &Validators) -> Result<(), StoreError>;
    fn source_state(&self, source_id: &str) -> Result<SourceState, StoreError>;
    fn set_source_state(&self, source_id: &str, state: &SourceState) -> Result<(), StoreError>;
    /// Makes every write durable and searchable (the end of each source run).
    fn flush(&self) -> Result<(), StoreError>;
}

impl Storage for Store {
    fn set_holder(&self, note: &str) -> Result<(), StoreError> {
        Store::set_holder(self, note)
    }

    fn known_link(&self, link: &str) -> Result<Option<String>, StoreError> {
        Store::known_link(self, link)
    }

    fn article(&self, key: &str) -> Result<Option<StoredArticle>, StoreError> {
        Store::article(self, key)
    }

    fn put_article(
        &self,
        source_id: &str,
        article: Article,
        profile: &Profile,
        links: &[String],
        now: DateTime<FixedOffset>,
    ) -> Result<Stored, StoreError> {
        Store::put_article(self, source_id, article, profile, links, now)
    }

    fn cluster_of(&self, key: &str) -> Result<Option<(String, Cluster)>, StoreError> {
        Store::cluster_of(self, key)
    }

    fn merges(&self, limit: usize, source_id: Option<&str>) -> Result<Vec<Merge>, StoreError> {
        Store::merges(self, limit, source_id)
    }

    fn merged_for_source(&self, source_id: &str) -> u64 {
        Store::merged_for_source(self, source_id)
    }

    fn merge_count(&self) -> u64 {
        Store::merge_count(self)
    }

    fn resolve(&self, url: &str) -> Result<Option<String>, StoreError> {
        Store::resolve(self, url)
    }

    fn failed_attempts(&self, link: &str) -> Result<u32, StoreError> {
        Store::failed_attempts(self, link)
    }

    fn record_failure(&self, link: &str) -> Result<u32, StoreError> {
        Store::record_failure(self, link)
    }

    fn page(&self, query: &PageQuery<'_>) -> Result<Page, StoreError> {
        Store::page(self, query)
    }

    fn count_for_source(&self, source_id: &str) -> usize {
        Store::count_for_source(self, source_id)
    }

    fn article_count(&self) -> usize {
        Store::article_count(self)
    }

    fn validators(&self, url: &str) -> Result<Option<Validators>, StoreError> {
        Store::validators(self, url)
    }

    fn set_validators(&self, url: &str, validators: &Validators) -> Result<(), StoreError> {
        Store::set_validators(self, url, validators)
    }

    fn source_state(&self, source_id: &str) -> Result<SourceState, StoreError> {
        Store::source_state(self, source_id)
    }

    fn set_source_state(&self, source_id: &str, state: &SourceState) -> Result<(), StoreError> {
        Store::set_source_state(self, source_id, state)
    }

    fn flush(&self) -> Result<(), StoreError> {
        Store::flush(self)
    }
}
