//! Transfer: everything a store holds, as records that move from one backend to another
//! (`portalfeed migrate --from store --to postgres://…`).
//!
//! A record is what a store keeps, not what can be derived from it: articles (with their
//! serials, first-seen times and `duplicate_of`), the list links that led to them, dedup
//! profiles, clusters, merges and per-source merge counters, validators, source state, failed
//! attempts and robots.txt texts. Indexes (dates, sources, fingerprints, sketches, search) are
//! rebuilt by the receiving backend from these. It must not read or write any store itself.

use chrono::{DateTime, Utc};

use super::{Cluster, Merge, SourceState, StoredArticle, Validators};

/// One thing a store keeps.
#[derive(Debug, Clone)]
pub enum Record {
    Article(Box<StoredArticle>),
    /// A list link and the key of the article it led to.
    Link {
        link: String,
        key: String,
    },
    /// A dedup profile record, as encoded, under its article's serial.
    Profile {
        serial: u64,
        bytes: Vec<u8>,
    },
    /// A cluster under its representative's key.
    Cluster {
        representative: String,
        cluster: Cluster,
    },
    Merge(Merge),
    /// How many of a source's articles joined a story already stored.
    Merged {
        source_id: String,
        count: u64,
    },
    Validators {
        url: String,
        validators: Validators,
    },
    SourceState {
        source_id: String,
        state: SourceState,
    },
    Failures {
        link: String,
        attempts: u32,
    },
    Robots {
        site: String,
        fetched: DateTime<Utc>,
        text: Option<String>,
    },
}

/// What a transfer moved, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Moved {
    pub articles: u64,
    pub links: u64,
    pub profiles: u64,
    pub clusters: u64,
    pub merges: u64,
    /// Validators, source states, failures, robots.txt texts and counters.
    pub other: u64,
}

impl Moved {
    /// Counts `record`.
    pub fn add(&mut self, record: &Record) {
        let slot = match record {
            Record::Article(_) => &mut self.articles,
            Record::Link { .. } => &mut self.links,
            Record::Profile { .. } => &mut self.profiles,
            Record::Cluster { .. } => &mut self.clusters,
            Record::Merge(_) => &mut self.merges,
            _ => &mut self.other,
        };
        *slot = slot.saturating_add(1);
    }
}

impl std::fmt::Display for Moved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} articles, {} links, {} dedup profiles, {} clusters, {} merges, {} other records",
            self.articles, self.links, self.profiles, self.clusters, self.merges, self.other
        )
    }
}
