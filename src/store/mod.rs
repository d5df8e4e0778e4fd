//! Store: the embedded sled database behind a small interface of ours.
//!
//! Holds articles by key URL, the list links already seen (so a stored article is never fetched
//! again), body fingerprints and dedup profiles with their sketch index (cross-source dedup),
//! the [`clusters`] of copies of one story, date-ordered indexes for rendering, HTTP validators
//! per URL, and per-source run state. Every article write is one multi-tree transaction, so a
//! kill at any moment leaves either the whole article (and its cluster) or none of it; callers
//! `flush` at the end of each source's run so nothing reported as stored is lost.
//!
//! It knows nothing about HTML or HTTP, and nothing outside this module touches sled. Which
//! stored articles are the same story is [`crate::dedupe`]'s decision; the store finds the
//! candidates (by the profiles' sketches) and applies the decision atomically.

mod clusters;
mod copies;
pub mod postgres;
mod search;
mod storage;
pub mod transfer;

pub use storage::Storage;

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::{Transactional, Tree};

pub use self::clusters::{Cluster, Copy, Member, Merge};
pub use self::copies::Match;
use self::copies::{decode_profile, encode_profile, RecentProfiles, SerialProfile, MAX_POSTINGS};
pub use self::search::Filter;
use self::search::SearchIndex;
use crate::dedupe::Profile;
pub use crate::fetch::Validators;
use crate::normalize::Article;

/// An article as kept: the normalized article plus where and when we got it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredArticle {
    #[serde(flatten)]
    pub article: Article,
    /// The source that first stored it.
    pub source_id: String,
    pub first_seen: DateTime<FixedOffset>,
    /// Key of the representative of this article's story when it is not the representative
    /// itself (a copy from another URL or source): it is kept for its source's own feed but
    /// left out of the unified one.
    pub duplicate_of: Option<String>,
    /// Its number in the dedup index (0: stored before the index existed).
    #[serde(default)]
    pub serial: u64,
    /// Body length in syllables.
    #[serde(default)]
    pub syllables: u32,
    /// In unified feeds: the story's other copies (never stored).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub copies: Vec<Copy>,
}

impl StoredArticle {
    /// The sources that carried this entry: its own, then its copies'.
    pub fn source_ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.source_id.as_str())
            .chain(self.copies.iter().map(|c| c.source_id.as_str()))
    }
}

/// What storing an article did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    New,
    /// New under its key, and the same story is already stored: `of` is the stored copy it
    /// matched best.
    Duplicate {
        of: String,
    },
    /// Known key, changed content or date: updated in place.
    Updated,
    Unchanged,
}

/// How a source's last run went, for operators and for deciding when it is due.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SourceState {
    pub last_run: Option<DateTime<FixedOffset>>,
    pub last_success: Option<DateTime<FixedOffset>>,
    /// "ok", "not modified" or "failed".
    pub result: String,
    pub new_articles: usize,
    pub last_error: Option<String>,
    pub consecutive_failures: u32,
    /// Not before this time: the portal's `Retry-After`.
    pub retry_after: Option<DateTime<FixedOffset>>,
    /// Why the last run that read the list page got nothing out of it (no link matched, or
    /// every article failed), when that happened.
    pub yield_problem: Option<String>,
    /// Whether the source has ever yielded an article.
    pub ever_yielded: bool,
    /// What the last run that read something left unread or stretched on purpose (a limit
    /// reached, a capped Crawl-delay), for the operator.
    pub notes: Vec<String>,
    /// The last [`RUN_HISTORY`] runs, oldest first: what the dashboard and
    /// `portalfeed sources --history` list.
    pub runs: Vec<RunRecord>,
    /// Articles and merges per Vietnam day over the last [`DAYS_KEPT`] days that had a run,
    /// oldest first: what the plots draw. Kept apart from `runs`, which a source run every
    /// 10 minutes fills in a day and a half.
    pub days: Vec<DayTally>,
}

/// How many runs a source's history keeps.
pub const RUN_HISTORY: usize = 200;
/// How many days of tallies a source keeps.
pub const DAYS_KEPT: usize = 62;

/// What a source's runs stored on one Vietnam day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayTally {
    pub day: chrono::NaiveDate,
    /// New articles of a new story.
    pub new: usize,
    /// New articles that joined a story already stored (a merge; not counted in `new`).
    pub merged: usize,
}

/// One run of a source, as its history keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Kept as Unix seconds, read back in Vietnam time (see [`run_time`]).
    #[serde(with = "run_time")]
    pub at: DateTime<FixedOffset>,
    /// "ok", "not modified", "failed", or "broken" (failed or yielding nothing, and counted
    /// broken after it).
    pub outcome: String,
    /// Articles of a new story it stored.
    pub new: usize,
    /// Articles it stored that joined a story already stored (a merge; not counted in `new`).
    #[serde(default)]
    pub merged: usize,
}

/// A run's time as Unix seconds. The dashboard reads 200 runs of each of 1,000 sources per
/// request, and parsing RFC 3339 text was most of its time. Text written by an earlier version
/// is still read.
mod run_time {
    use chrono::{DateTime, FixedOffset};
    use serde::{de, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<FixedOffset>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(t.timestamp())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<FixedOffset>, D::Error> {
        d.deserialize_any(Stamp)
    }

    struct Stamp;

    impl de::Visitor<'_> for Stamp {
        type Value = DateTime<FixedOffset>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("Unix seconds or an RFC 3339 time")
        }

        fn visit_i64<E: de::Error>(self, seconds: i64) -> Result<Self::Value, E> {
            DateTime::from_timestamp(seconds, 0)
                .map(|t| t.with_timezone(&crate::dates::vietnam()))
                .ok_or_else(|| E::custom(format!("time out of range: {seconds}")))
        }

        fn visit_u64<E: de::Error>(self, seconds: u64) -> Result<Self::Value, E> {
            let seconds = i64::try_from(seconds)
                .map_err(|_| E::custom(format!("time out of range: {seconds}")))?;
            self.visit_i64(seconds)
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
            DateTime::parse_from_rfc3339(text).map_err(E::custom)
        }
    }
}

/// Failed runs in a row after which a source counts as broken.
pub const BROKEN_AFTER_FAILURES: u32 = 5;

impl SourceState {
    /// Adds a run to the history, forgetting the oldest past [`RUN_HISTORY`].
    /// The run's articles and merges are added to its Vietnam day's tally.
    pub fn record_run(&mut self, run: RunRecord) {
        let day = run.at.with_timezone(&crate::dates::vietnam()).date_naive();
        match self.days.iter_mut().rev().find(|d| d.day == day) {
            Some(tally) => {
                tally.new = tally.new.saturating_add(run.new);
                tally.merged = tally.merged.saturating_add(run.merged);
            }
            None => {
                self.days.push(DayTally {
                    day,
                    new: run.new,
                    merged: run.merged,
                });
                // A clock set back can add an earlier day after a later one.
                self.days.sort_by_key(|d| d.day);
                let excess = self.days.len().saturating_sub(DAYS_KEPT);
                self.days.drain(..excess);
            }
        }
        self.runs.push(run);
        let excess = self.runs.len().saturating_sub(RUN_HISTORY);
        self.runs.drain(..excess);
    }

    /// Why the source looks broken, if it does: it used to yield articles and now finds no link
    /// or no article it can read, or it failed many runs in a row.
    pub fn broken(&self) -> Option<String> {
        if self.consecutive_failures >= BROKEN_AFTER_FAILURES {
            return Some(format!(
                "failed {} runs in a row",
                self.consecutive_failures
            ));
        }
        if self.ever_yielded {
            return self.yield_problem.clone();
        }
        None
    }
}

/// The story the article `key` belongs to, as the unified feed shows it: its representative,
/// with the story's other copies and the fullest copy's text.
pub fn story(store: &dyn Storage, key: &str) -> Result<Option<StoredArticle>, StoreError> {
    let Some(stored) = store.article(key)? else {
        return Ok(None);
    };
    let stored = match &stored.duplicate_of {
        Some(representative) => store.article(representative)?.unwrap_or(stored),
        None => stored,
    };
    let cluster = store.cluster_of(&stored.article.key)?.map(|(_, c)| c);
    clusters::unified_entry(stored, cluster, |shown| store.article(shown)).map(Some)
}

/// Which index a feed page reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    /// The unified feed: one entry per story (its representative, with its copies).
    All,
    /// One source's articles, its duplicates of other sources included.
    Source(&'a str),
}

/// A position in a feed, between two articles: stable, because it is the article's own sort key
/// (publication time, then key URL), not an offset that shifts when articles arrive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor(Vec<u8>);

impl Cursor {
    /// The position of `article`.
    pub fn of(article: &Article) -> Cursor {
        Cursor(date_index(article))
    }

    /// The position of an article published at `time` (Unix seconds) under `key`.
    fn at(time: i64, key: &str) -> Cursor {
        let mut bytes = ((time as u64) ^ (1 << 63)).to_be_bytes().to_vec();
        bytes.extend_from_slice(key.as_bytes());
        Cursor(bytes)
    }

    /// The publication time (Unix seconds) of the position.
    fn time(&self) -> i64 {
        let head: [u8; 8] = self
            .0
            .get(..8)
            .and_then(|h| h.try_into().ok())
            .unwrap_or_default();
        (u64::from_be_bytes(head) ^ (1 << 63)) as i64
    }

    /// The cursor as URL-safe text.
    pub fn encode(&self) -> String {
        crate::digest::hex(&self.0)
    }

    /// Parses [`Cursor::encode`]'s text.
    pub fn decode(text: &str) -> Option<Cursor> {
        if !text.len().is_multiple_of(2) || text.len() < 16 {
            return None;
        }
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()
            .map(Cursor)
    }
}

/// What a feed page asks for.
#[derive(Debug, Clone)]
pub struct PageQuery<'a> {
    pub scope: Scope<'a>,
    /// Only articles older than this position.
    pub before: Option<Cursor>,
    /// Only articles newer than this position (wins over `before`).
    pub after: Option<Cursor>,
    pub limit: usize,
    /// Words, category and sources the entries must have (answered by the search index).
    pub filter: Filter,
}

/// One page of a feed.
#[derive(Debug, Clone)]
pub struct Page {
    /// Newest first.
    pub entries: Vec<StoredArticle>,
    /// Whether older matching articles exist beyond this page.
    pub older: bool,
    /// Whether newer ones exist (true whenever the page was asked for by cursor).
    pub newer: bool,
}

impl Page {
    /// The page of `entries` as an index gave them (oldest first after an `after` cursor,
    /// newest first otherwise), `more` saying whether the index went on beyond them.
    fn read(mut entries: Vec<StoredArticle>, more: bool, query: &PageQuery<'_>) -> Page {
        if query.after.is_some() {
            entries.reverse();
            Page {
                entries,
                older: true,
                newer: more,
            }
        } else {
            Page {
                entries,
                older: more,
                newer: query.before.is_some(),
            }
        }
    }
}

/// Store failures.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "store {dir} is in use by another portalfeed process{}{}",
        pid.map(|p| format!(" (pid {p})")).unwrap_or_default(),
        holder.as_ref().map(|h| format!(": {h}")).unwrap_or_default()
    )]
    Locked {
        dir: PathBuf,
        pid: Option<u32>,
        /// What the holder said about itself (`serve` gives its address).
        holder: Option<String>,
    },
    #[error("store {dir}: {source}")]
    Open {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("store: {0}")]
    Db(sled::Error),
    #[error(
        "the store is damaged ({0}); the published feeds are intact: see \"Recovering a \
         damaged store\" in the README"
    )]
    Corrupt(String),
    #[error("store: damaged record under {key:?}: {source}")]
    Decode {
        key: String,
        source: serde_json::Error,
    },
    #[error("store: cannot encode record: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("store: the database is unreachable: {0}")]
    Unreachable(String),
    #[error("store: PostgreSQL: {0}")]
    Backend(String),
    #[error("store: search index: {0}")]
    Search(String),
    #[error("store: cannot compress a record: {0}")]
    Compress(std::io::Error),
    #[error(
        "store {dir} is damaged ({detail}); the published feeds are intact: see \"Recovering a \
         damaged store\" in the README"
    )]
    Damaged { dir: PathBuf, detail: String },
}

impl From<sled::Error> for StoreError {
    /// Damage sled notices while reading is the same fault as damage found at opening.
    fn from(e: sled::Error) -> StoreError {
        match e {
            sled::Error::Corruption { .. } => StoreError::Corrupt(e.to_string()),
            other => StoreError::Db(other),
        }
    }
}

impl StoreError {
    /// Whether the store's files are damaged (rather than busy or unreachable).
    pub fn is_damage(&self) -> bool {
        matches!(self, StoreError::Damaged { .. } | StoreError::Corrupt(_))
    }
}

/// The open store. One process at a time: the lock file is held until it is dropped.
pub struct Store {
    dir: PathBuf,
    trees: Trees,
    /// Serializes article transactions: concurrent sled transactions over the same trees
    /// conflict and spin (it was 11% of a cold run's CPU); one writer at a time costs nothing.
    /// The lock also holds the profiles recently stored or compared, which only a writer
    /// touches.
    writer: std::sync::Mutex<RecentProfiles>,
    search: SearchIndex,
    lock: File,
}

impl Store {
    /// Opens (creating if needed) the store in `dir` with the default cache, failing with
    /// [`StoreError::Locked`] when another process holds it.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        Store::open_with_cache(dir, DEFAULT_CACHE_BYTES)
    }

    /// [`Store::open`] with sled keeping at most about `cache_bytes` of the database in memory.
    pub fn open_with_cache(dir: &Path, cache_bytes: u64) -> Result<Store, StoreError> {
        let io = |source| StoreError::Open {
            dir: dir.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let mut lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(dir.join("portalfeed.lock"))
            .map_err(io)?;
        if let Err(e) = lock.try_lock() {
            return Err(match e {
                std::fs::TryLockError::WouldBlock => {
                    let (pid, holder) = read_holder(&mut lock);
                    StoreError::Locked {
                        dir: dir.to_path_buf(),
                        pid,
                        holder,
                    }
                }
                std::fs::TryLockError::Error(e) => io(e),
            });
        }
        lock.set_len(0).map_err(io)?;
        write!(lock, "{}", std::process::id()).map_err(io)?;
        let store = Store {
            dir: dir.to_path_buf(),
            trees: open_bounded(dir, cache_bytes)?,
            writer: std::sync::Mutex::new(RecentProfiles::new()),
            search: SearchIndex::open(dir)?,
            lock,
        };
        store.count_older_articles()?;
        if !store.search.is_complete() {
            store.rebuild_search()?;
        }
        store.flush()?;
        Ok(store)
    }

    /// A store written before per-source counters were kept gets them once, by one scan.
    fn count_older_articles(&self) -> Result<(), StoreError> {
        if !self.trees.counts.is_empty() || self.trees.articles.is_empty() {
            return Ok(());
        }
        let mut counts: std::collections::HashMap<String, u64> = Default::default();
        for entry in self.trees.articles.iter() {
            let (key, value) = entry?;
            let stored: StoredArticle = decode(&String::from_utf8_lossy(&key), &value)?;
            *counts.entry(stored.source_id).or_default() += 1;
        }
        for (source_id, n) in counts {
            self.trees
                .counts
                .insert(source_id.as_bytes(), &n.to_be_bytes())?;
        }
        Ok(())
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, RecentProfiles> {
        self.writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The stored articles that are the same story as an article (`key`, with this exact-copy
    /// `fingerprint` and dedup `profile`), best first: an exact copy, then the candidates the
    /// sketch index finds, each confirmed by [`crate::dedupe::compare`].
    pub fn copies_of(
        &self,
        key: &str,
        fingerprint: &str,
        profile: &Profile,
    ) -> Result<Vec<Match>, StoreError> {
        self.find_copies(&mut self.writer(), key, fingerprint, profile)
    }

    /// [`Store::copies_of`], for the holder of the writer lock (and its `recent` profiles).
    fn find_copies(
        &self,
        recent: &mut RecentProfiles,
        key: &str,
        fingerprint: &str,
        profile: &Profile,
    ) -> Result<Vec<Match>, StoreError> {
        let mut lookup = SledLookup {
            store: self,
            recent,
        };
        copies::find(&mut lookup, key, fingerprint, profile)
    }

    /// Bytes the dedup index holds (profile records and sketch entries, keys and values):
    /// walks both trees, so for benches and diagnostics, not for every request.
    pub fn dedup_index_bytes(&self) -> Result<u64, StoreError> {
        let mut bytes = 0u64;
        for tree in [&self.trees.profiles, &self.trees.sketch] {
            for entry in tree.iter() {
                let (k, v) = entry?;
                bytes = bytes.saturating_add((k.len() + v.len()) as u64);
            }
        }
        Ok(bytes)
    }

    /// Every way the story clusters disagree with the articles and the unified index, as
    /// sentences (none for a consistent store): a cluster whose first member is not its name,
    /// a member not pointing at its cluster or whose article names another representative, a
    /// representative missing from the unified index or a copy present in it. Walks the
    /// clusters: for tests and diagnostics.
    pub fn verify_clusters(&self) -> Result<Vec<String>, StoreError> {
        let mut problems = Vec::new();
        for entry in self.trees.clusters.scan_prefix(b"c\0") {
            let (k, v) = entry?;
            let representative =
                String::from_utf8_lossy(k.get(2..).unwrap_or_default()).into_owned();
            let cluster: Cluster = decode(&representative, &v)?;
            if cluster.members.first().map(|m| m.key.as_str()) != Some(representative.as_str()) {
                problems.push(format!("cluster {representative}: not its first member"));
            }
            for member in &cluster.members {
                let points = self.trees.clusters.get(clusters::member_key(&member.key))?;
                if points.as_deref() != Some(representative.as_bytes()) {
                    problems.push(format!("{}: not pointing at {representative}", member.key));
                }
                let Some(article) = self.article(&member.key)? else {
                    problems.push(format!(
                        "{}: in {representative} but not stored",
                        member.key
                    ));
                    continue;
                };
                let expected = (member.key != representative).then(|| representative.clone());
                if article.duplicate_of != expected {
                    problems.push(format!(
                        "{}: duplicate_of {:?}",
                        member.key, article.duplicate_of
                    ));
                }
                let indexed = self
                    .trees
                    .by_date
                    .contains_key(date_index(&article.article))?;
                if indexed != expected.is_none() {
                    problems.push(format!("{}: in the unified index: {indexed}", member.key));
                }
            }
        }
        for entry in self.trees.clusters.scan_prefix(b"m\0") {
            let (k, v) = entry?;
            let representative = String::from_utf8_lossy(&v).into_owned();
            if !self
                .trees
                .clusters
                .contains_key(clusters::cluster_key(&representative))?
            {
                problems.push(format!(
                    "{}: points at {representative}, which has no cluster",
                    String::from_utf8_lossy(k.get(2..).unwrap_or_default())
                ));
            }
        }
        Ok(problems)
    }

    /// A unified feed's entry for the representative `stored` ([`clusters::unified_entry`]).
    fn unified(&self, stored: StoredArticle) -> Result<StoredArticle, StoreError> {
        let key = stored.article.key.clone();
        let cluster = match self.trees.clusters.get(clusters::cluster_key(&key))? {
            Some(bytes) => Some(decode(&key, &bytes)?),
            None => None,
        };
        clusters::unified_entry(stored, cluster, |shown| self.article(shown))
    }

    /// The newest `limit` articles of the unified feed (duplicates left out), newest first.
    pub fn recent(&self, limit: usize) -> Result<Vec<StoredArticle>, StoreError> {
        self.newest(Scope::All, limit)
    }

    /// The newest `limit` articles of one source, newest first.
    pub fn recent_for_source(
        &self,
        source_id: &str,
        limit: usize,
    ) -> Result<Vec<StoredArticle>, StoreError> {
        self.newest(Scope::Source(source_id), limit)
    }

    fn newest(&self, scope: Scope<'_>, limit: usize) -> Result<Vec<StoredArticle>, StoreError> {
        let query = PageQuery {
            scope,
            before: None,
            after: None,
            limit,
            filter: Filter::default(),
        };
        Ok(self.page(&query)?.entries)
    }

    /// [`Store::page`] for a filtered page: the search index finds the keys.
    fn search_page(&self, query: &PageQuery<'_>) -> Result<Page, StoreError> {
        let keys = self.search.page(
            query.scope,
            &query.filter,
            query.before.as_ref(),
            query.after.as_ref(),
            query.limit,
        )?;
        let more = keys.len() > query.limit;
        let mut entries = Vec::with_capacity(query.limit);
        for key in keys.iter().take(query.limit) {
            let Some(stored) = self.article(key)? else {
                continue;
            };
            match query.scope {
                // An index a flush behind may still name a story's former representative.
                Scope::All if stored.duplicate_of.is_some() => continue,
                Scope::All => entries.push(self.unified(stored)?),
                Scope::Source(_) => entries.push(stored),
            }
        }
        Ok(Page::read(entries, more, query))
    }

    /// Puts the articles of `key`'s story in the search index (with the story's fields as they
    /// are now), unless `done` already holds them.
    fn index_story(&self, key: &str, done: &mut HashSet<String>) -> Result<(), StoreError> {
        if done.contains(key) {
            return Ok(());
        }
        let (story, members) = match self.cluster_of(key)? {
            Some((representative, cluster)) => (
                representative,
                cluster.members.into_iter().map(|m| m.key).collect(),
            ),
            None => (key.to_string(), vec![key.to_string()]),
        };
        let mut articles = Vec::with_capacity(members.len());
        for member in members {
            match self.article(&member)? {
                Some(article) => articles.push(article),
                None => self.search.remove(&member),
            }
            done.insert(member);
        }
        let Some(first) = articles.iter().find(|a| a.article.key == story) else {
            // No representative stored: each article is its own story.
            for stored in &articles {
                self.search.put(&search_entry(stored, stored, &[]))?;
            }
            return Ok(());
        };
        let sources: Vec<&str> = articles.iter().map(|a| a.source_id.as_str()).collect();
        for stored in &articles {
            self.search.put(&search_entry(stored, first, &sources))?;
        }
        Ok(())
    }

    /// Indexes every stored article again (the index was missing, damaged or unfinished).
    fn rebuild_search(&self) -> Result<(), StoreError> {
        let started = std::time::Instant::now();
        self.search.clear()?;
        let mut done = HashSet::new();
        let mut count = 0usize;
        for entry in self.trees.by_date.iter().values() {
            let key = entry?;
            self.index_story(&String::from_utf8_lossy(&key), &mut done)?;
            count += 1;
        }
        // Articles outside the unified index whose story was not reached above.
        for entry in self.trees.articles.iter().keys() {
            let key = entry?;
            let key = String::from_utf8_lossy(&key);
            if !done.contains(key.as_ref()) {
                self.index_story(&key, &mut done)?;
            }
        }
        self.search.commit()?;
        if count > 0 {
            tracing::info!(
                "search index rebuilt: {} articles in {:.1} s",
                done.len(),
                started.elapsed().as_secs_f64()
            );
        }
        Ok(())
    }

    /// Bytes the search index takes on disk.
    pub fn search_index_bytes(&self) -> u64 {
        self.search.disk_bytes(&self.dir)
    }

    /// Hands every record the store keeps to `take` ([`transfer`]), each kind in turn, so
    /// another backend can receive the whole store; stops at the first error.
    pub fn each_record(
        &self,
        take: &mut dyn FnMut(transfer::Record) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        use transfer::Record;
        let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
        for entry in self.trees.articles.iter() {
            let (key, value) = entry?;
            take(Record::Article(Box::new(decode(&text(&key), &value)?)))?;
        }
        for entry in self.trees.links.iter() {
            let (link, key) = entry?;
            take(Record::Link {
                link: text(&link),
                key: text(&key),
            })?;
        }
        for entry in self.trees.profiles.iter() {
            let (serial, bytes) = entry?;
            take(Record::Profile {
                serial: counter(&serial),
                bytes: bytes.to_vec(),
            })?;
        }
        for entry in self.trees.clusters.scan_prefix(b"c\0") {
            let (key, value) = entry?;
            let representative = text(key.get(2..).unwrap_or_default());
            let cluster = decode(&representative, &value)?;
            take(Record::Cluster {
                representative,
                cluster,
            })?;
        }
        for entry in self.trees.merges.iter() {
            let (key, value) = entry?;
            take(Record::Merge(decode(&text(&key), &value)?))?;
        }
        let merged_prefix = merged_key("");
        for entry in self.trees.meta.scan_prefix(&merged_prefix) {
            let (key, value) = entry?;
            take(Record::Merged {
                source_id: text(key.get(merged_prefix.len()..).unwrap_or_default()),
                count: counter(&value),
            })?;
        }
        for entry in self.trees.validators.iter() {
            let (url, value) = entry?;
            let url = text(&url);
            let validators = decode(&url, &value)?;
            take(Record::Validators { url, validators })?;
        }
        for entry in self.trees.sources.iter() {
            let (id, value) = entry?;
            let source_id = text(&id);
            let state = decode(&source_id, &value)?;
            take(Record::SourceState { source_id, state })?;
        }
        for entry in self.trees.failures.iter() {
            let (link, value) = entry?;
            let link = text(&link);
            let attempts = decode(&link, &value)?;
            take(Record::Failures { link, attempts })?;
        }
        for entry in self.trees.robots.iter() {
            let (site, value) = entry?;
            let site = text(&site);
            let record: RobotsRecord = decode(&site, &value)?;
            take(Record::Robots {
                site,
                fetched: record.fetched,
                text: record.text,
            })?;
        }
        Ok(())
    }

    fn get_json<T: DeserializeOwned>(
        &self,
        tree: &Tree,
        key: &str,
    ) -> Result<Option<T>, StoreError> {
        tree.get(key.as_bytes())?
            .map(|v| decode(key, &v))
            .transpose()
    }

    fn put_json<T: Serialize>(&self, tree: &Tree, key: &str, value: &T) -> Result<(), StoreError> {
        tree.insert(key.as_bytes(), serde_json::to_vec(value)?)?;
        Ok(())
    }
}

/// The sled store's answers to [`copies::find`], for the holder of the writer lock.
struct SledLookup<'a> {
    store: &'a Store,
    recent: &'a mut RecentProfiles,
}

impl copies::DedupLookup for SledLookup<'_> {
    fn exact(&mut self, fingerprint: &str) -> Result<Option<(String, String, u64)>, StoreError> {
        let Some(other) = self.store.trees.fingerprints.get(fingerprint.as_bytes())? else {
            return Ok(None);
        };
        let other = String::from_utf8_lossy(&other).into_owned();
        Ok(self
            .store
            .article(&other)?
            .map(|stored| (other, stored.source_id, stored.serial)))
    }

    fn postings(&mut self, hashes: &[u64]) -> Result<Vec<u64>, StoreError> {
        let mut found = Vec::new();
        for hash in hashes {
            if let Some(postings) = self.store.trees.sketch.get(hash.to_be_bytes())? {
                found.extend(serials(&postings));
            }
        }
        Ok(found)
    }

    fn profile(&mut self, serial: u64) -> Result<Option<Arc<SerialProfile>>, StoreError> {
        if let Some(known) = self.recent.get(serial) {
            return Ok(Some(known));
        }
        let Some(profile) = self
            .store
            .trees
            .profiles
            .get(serial.to_be_bytes())?
            .and_then(|bytes| decode_profile(&bytes))
        else {
            return Ok(None);
        };
        Ok(Some(self.recent.remember(serial, profile)))
    }

    fn cluster_of(&mut self, key: &str) -> Result<Option<(String, Cluster)>, StoreError> {
        self.store.cluster_of(key)
    }
}

/// The memory sled may use for its page cache unless `store_cache_bytes` says otherwise (sled's
/// own default is 1 GB).
pub const DEFAULT_CACHE_BYTES: u64 = 32_000_000;

/// How long opening a small store may take: sled recovering a damaged log can spin for minutes.
const OPEN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);
/// What each GB of the database file adds to [`OPEN_TIMEOUT`]. sled 0.34 writes its snapshot
/// only when it opens, so an open replays every write since the last one: a healthy store of
/// 1M articles (22 GB) written in one session took 70 s to open from a cold page cache
/// (3.2 s/GB), and was reported damaged at 20 s.
const OPEN_SECONDS_PER_GB: u64 = 10;

/// What opening the store in `dir` may take beyond a small store's limit: commands that bound
/// their whole run (`sources`, `export`, `fetch`) add it to their deadline.
pub fn open_allowance(dir: &Path) -> std::time::Duration {
    open_timeout(db_file_bytes(dir)).saturating_sub(OPEN_TIMEOUT)
}

/// The size of sled's database file in the store `dir` (0 when there is none yet).
fn db_file_bytes(dir: &Path) -> u64 {
    std::fs::metadata(dir.join("db").join("db")).map_or(0, |m| m.len())
}

/// How long opening a database file of `bytes` may take before it counts as damaged.
fn open_timeout(bytes: u64) -> std::time::Duration {
    // Whole GBs: a store under 1 GB keeps the plain limit.
    let gb = bytes / 1_000_000_000;
    OPEN_TIMEOUT.saturating_add(std::time::Duration::from_secs(
        gb.saturating_mul(OPEN_SECONDS_PER_GB),
    ))
}

/// The database and its trees.
struct Trees {
    db: sled::Db,
    articles: Tree,
    links: Tree,
    fingerprints: Tree,
    by_date: Tree,
    by_source: Tree,
    /// Articles stored per source (big-endian u64), kept in each article's transaction.
    counts: Tree,
    validators: Tree,
    sources: Tree,
    failures: Tree,
    robots: Tree,
    /// Serial → the article's key, source and dedup profile.
    profiles: Tree,
    /// Sketch hash → the serials of the articles whose sketch has it (the newest
    /// [`MAX_POSTINGS`]): the candidate index.
    sketch: Tree,
    /// Cluster records and member → representative entries.
    clusters: Tree,
    /// Merge time ++ key → the merge, for `portalfeed dupes`.
    merges: Tree,
    /// Counters: the last serial, merges recorded.
    meta: Tree,
}

/// Opens the database on a thread of its own, so that a damaged one — sled panics on some
/// damage and spins on other — is reported as [`StoreError::Damaged`] within seconds (within
/// [`open_timeout`] of its size for a store of many GB).
fn open_bounded(dir: &Path, cache_bytes: u64) -> Result<Trees, StoreError> {
    let path = dir.join("db");
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("store-open".into())
        .spawn(move || {
            let opened = std::panic::catch_unwind(|| -> Result<Trees, sled::Error> {
                // We flush at the end of every source run; sled's 500 ms background flusher
                // adds nothing to what is promised and costs CPU.
                let db = sled::Config::new()
                    .path(path)
                    .cache_capacity(cache_bytes)
                    .flush_every_ms(None)
                    .open()?;
                Ok(Trees {
                    articles: db.open_tree("articles")?,
                    links: db.open_tree("links")?,
                    fingerprints: db.open_tree("fingerprints")?,
                    by_date: db.open_tree("by_date")?,
                    by_source: db.open_tree("by_source")?,
                    counts: db.open_tree("counts")?,
                    validators: db.open_tree("validators")?,
                    sources: db.open_tree("sources")?,
                    failures: db.open_tree("failures")?,
                    robots: db.open_tree("robots")?,
                    profiles: db.open_tree("profiles")?,
                    sketch: db.open_tree("sketch")?,
                    clusters: db.open_tree("clusters")?,
                    merges: db.open_tree("merges")?,
                    meta: db.open_tree("meta")?,
                    db,
                })
            });
            let _ = tx.send(opened);
        });
    let damaged = |detail: String| StoreError::Damaged {
        dir: dir.to_path_buf(),
        detail,
    };
    if let Err(e) = spawned {
        return Err(StoreError::Open {
            dir: dir.to_path_buf(),
            source: e,
        });
    }
    let db_bytes = db_file_bytes(dir);
    let timeout = open_timeout(db_bytes);
    if db_bytes > 1_000_000_000 {
        tracing::info!(
            "opening the store ({:.1} GB; up to {} s)",
            db_bytes as f64 / 1e9,
            timeout.as_secs()
        );
    }
    match rx.recv_timeout(timeout) {
        Ok(Ok(Ok(trees))) => Ok(trees),
        Ok(Ok(Err(sled::Error::Corruption { .. }))) => Err(damaged("sled found corruption".into())),
        Ok(Ok(Err(e))) => Err(e.into()),
        Ok(Err(panic)) => Err(damaged(format!(
            "sled failed reading it: {}",
            panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".into())
        ))),
        Err(_) => Err(damaged(format!(
            "opening it took longer than {} s",
            timeout.as_secs()
        ))),
    }
}

fn counter(bytes: &[u8]) -> u64 {
    bytes.try_into().map(u64::from_be_bytes).unwrap_or_default()
}

fn decode<T: DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T, StoreError> {
    let decompressed;
    let json = if bytes.starts_with(&ZSTD_MAGIC) {
        decompressed = DECOMPRESSOR
            .with_borrow_mut(|d| d.decompress(bytes, MAX_RECORD_BYTES))
            .map_err(|e| {
                StoreError::Corrupt(format!("record under {key:?} does not decompress: {e}"))
            })?;
        decompressed.as_slice()
    } else {
        bytes
    };
    serde_json::from_slice(json).map_err(|source| StoreError::Decode {
        key: key.to_string(),
        source,
    })
}

/// The first bytes of a zstd frame (a JSON record starts with `{`).
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];
/// zstd level of article records: most of their bytes are text, which level 3 shrinks to about
/// a third at some 100 MB/s.
const ZSTD_LEVEL: i32 = 3;
/// No article record is larger than this decompressed (the body is capped at 1 MB).
const MAX_RECORD_BYTES: usize = 16 << 20;

thread_local! {
    /// zstd contexts cost more to make than a record to (de)compress: one per thread, kept.
    static COMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> =
        const { std::cell::RefCell::new(None) };
    static DECOMPRESSOR: std::cell::RefCell<zstd::bulk::Decompressor<'static>> =
        std::cell::RefCell::new(zstd::bulk::Decompressor::default());
}

/// An article record as stored: JSON in a zstd frame. (Records stored before are plain JSON and
/// still read.)
fn encode_article(record: &StoredArticle) -> Result<Vec<u8>, StoreError> {
    let json = serde_json::to_vec(record)?;
    COMPRESSOR
        .with_borrow_mut(|c| match c {
            Some(c) => c.compress(&json),
            None => {
                let mut fresh = zstd::bulk::Compressor::new(ZSTD_LEVEL)?;
                let out = fresh.compress(&json);
                *c = Some(fresh);
                out
            }
        })
        .map_err(StoreError::Compress)
}

/// The pid on the lock file's first line and the holder's note on the second.
fn read_holder(lock: &mut File) -> (Option<u32>, Option<String>) {
    let mut text = String::new();
    if lock.rewind().is_err() || lock.read_to_string(&mut text).is_err() {
        return (None, None);
    }
    let mut lines = text.lines();
    let pid = lines.next().and_then(|l| l.trim().parse().ok());
    let holder = lines.next().map(str::to_string).filter(|h| !h.is_empty());
    (pid, holder)
}

/// Sort key for "newest first": the publication time, then the key to keep entries distinct.
fn date_index(article: &Article) -> Vec<u8> {
    date_key(article.published, &article.key)
}

/// A time, sortable, then `key`.
fn date_key(time: DateTime<FixedOffset>, key: &str) -> Vec<u8> {
    let mut index = sortable(time).to_vec();
    index.extend_from_slice(key.as_bytes());
    index
}

/// `meta` keys.
const SERIAL: &[u8] = b"serial";
/// Prefix of the `meta` keys of articles the search index has yet to take.
const PENDING: &[u8] = b"pending\0";

fn pending_key(key: &str) -> Vec<u8> {
    [PENDING, key.as_bytes()].concat()
}

/// What the search index holds of `stored`, whose story `story` (its representative) was
/// carried by `sources`.
fn search_entry<'a>(
    stored: &'a StoredArticle,
    story: &'a StoredArticle,
    sources: &[&'a str],
) -> search::Entry<'a> {
    let a = &stored.article;
    search::Entry {
        key: &a.key,
        source: &stored.source_id,
        category: a.category.as_deref(),
        published: a.published.timestamp(),
        text: search_text(a),
        story: &story.article.key,
        story_published: story.article.published.timestamp(),
        story_sources: if sources.is_empty() {
            vec![stored.source_id.as_str()]
        } else {
            sources.to_vec()
        },
        story_category: story.article.category.as_deref(),
    }
}
/// What search finds an article by: its title, summary and body text.
fn search_text(article: &Article) -> String {
    format!(
        "{} {} {}",
        article.title,
        article.summary,
        crate::normalize::html::sanitized_text(&article.content_html)
    )
}

const MERGES: &[u8] = b"merges";
/// `meta` key of a source's merge counter.
fn merged_key(source_id: &str) -> Vec<u8> {
    [b"merged\0".as_slice(), source_id.as_bytes()].concat()
}

/// The serials in a posting list (big-endian u64s, oldest first).
fn serials(postings: &[u8]) -> impl Iterator<Item = u64> + '_ {
    postings
        .chunks_exact(8)
        .filter_map(|c| c.try_into().ok().map(u64::from_be_bytes))
}

/// Adds `serial` to `hash`'s posting list, dropping the oldest beyond [`MAX_POSTINGS`].
fn post(
    sketch: &sled::transaction::TransactionalTree,
    hash: u64,
    serial: u64,
) -> Result<(), ConflictableTransactionError<StoreError>> {
    let old = sketch.get(hash.to_be_bytes())?;
    let mut list: Vec<u64> = old
        .as_deref()
        .map(|p| serials(p).collect())
        .unwrap_or_default();
    if list.contains(&serial) {
        return Ok(());
    }
    list.push(serial);
    let skip = list.len().saturating_sub(MAX_POSTINGS);
    let bytes: Vec<u8> = list
        .iter()
        .skip(skip)
        .flat_map(|s| s.to_be_bytes())
        .collect();
    sketch.insert(&hash.to_be_bytes(), bytes)?;
    Ok(())
}

/// Removes `serial` from `hash`'s posting list.
fn unpost(
    sketch: &sled::transaction::TransactionalTree,
    hash: u64,
    serial: u64,
) -> Result<(), ConflictableTransactionError<StoreError>> {
    let Some(old) = sketch.get(hash.to_be_bytes())? else {
        return Ok(());
    };
    let bytes: Vec<u8> = serials(&old)
        .filter(|s| *s != serial)
        .flat_map(|s| s.to_be_bytes())
        .collect();
    if bytes.is_empty() {
        sketch.remove(&hash.to_be_bytes())?;
    } else {
        sketch.insert(&hash.to_be_bytes(), bytes)?;
    }
    Ok(())
}

fn next_serial(
    meta: &sled::transaction::TransactionalTree,
) -> Result<u64, ConflictableTransactionError<StoreError>> {
    let serial = meta
        .get(SERIAL)?
        .map_or(0, |v| counter(&v))
        .saturating_add(1);
    meta.insert(SERIAL, &serial.to_be_bytes())?;
    Ok(serial)
}

fn source_prefix(source_id: &str) -> Vec<u8> {
    let mut prefix = source_id.as_bytes().to_vec();
    prefix.push(0);
    prefix
}

fn source_index(source_id: &str, article: &Article) -> Vec<u8> {
    let mut index = source_prefix(source_id);
    index.extend_from_slice(&date_index(article));
    index
}

/// Big-endian with the sign bit flipped, so byte order is time order (also before 1970).
fn sortable(time: DateTime<FixedOffset>) -> [u8; 8] {
    ((time.timestamp() as u64) ^ (1 << 63)).to_be_bytes()
}

/// A host's robots.txt as last fetched.
#[derive(Serialize, Deserialize)]
struct RobotsRecord {
    fetched: DateTime<chrono::Utc>,
    text: Option<String>,
}

/// The embedded store's operations (their contract: [`Storage`]).
impl Storage for Store {
    fn set_holder(&self, note: &str) -> Result<(), StoreError> {
        let io = |source| StoreError::Open {
            dir: self.dir.clone(),
            source,
        };
        let mut lock = &self.lock;
        lock.set_len(0).map_err(io)?;
        lock.rewind().map_err(io)?;
        write!(lock, "{}\n{note}", std::process::id()).map_err(io)?;
        Ok(())
    }

    fn known_link(&self, link: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .trees
            .links
            .get(link.as_bytes())?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    fn article(&self, key: &str) -> Result<Option<StoredArticle>, StoreError> {
        self.trees
            .articles
            .get(key.as_bytes())?
            .map(|v| decode(key, &v))
            .transpose()
    }

    fn put_article(
        &self,
        source_id: &str,
        article: Article,
        profile: &Profile,
        links: &[String],
        now: DateTime<FixedOffset>,
    ) -> Result<Stored, StoreError> {
        let key = article.key.clone();
        let mut recent = self.writer();
        // Found before the transaction (sled transactions cannot scan); the writer lock keeps
        // them current until it commits.
        let matches = if self.trees.articles.contains_key(key.as_bytes())? {
            Vec::new()
        } else {
            self.find_copies(&mut recent, &key, &article.fingerprint, profile)?
        };
        // The serial the profile was indexed under, when the transaction indexed it.
        let indexed = std::cell::Cell::new(None);
        let profile_bytes = encode_profile(&key, source_id, profile);
        let t = &self.trees;
        let result = (
            &t.articles,
            &t.links,
            &t.fingerprints,
            &t.by_date,
            &t.by_source,
            &t.counts,
            &t.profiles,
            &t.sketch,
            &t.clusters,
            &t.merges,
            &t.meta,
        )
            .transaction(
                |(
                    articles,
                    link_tree,
                    fingerprints,
                    by_date,
                    by_source,
                    counts,
                    profiles,
                    sketch,
                    cluster_tree,
                    merges,
                    meta,
                )| {
                    indexed.set(None);
                    for link in links {
                        link_tree.insert(link.as_bytes(), key.as_bytes())?;
                    }
                    let existing = match articles.get(key.as_bytes())? {
                        Some(bytes) => Some(
                            decode::<StoredArticle>(&key, &bytes)
                                .map_err(ConflictableTransactionError::Abort)?,
                        ),
                        None => None,
                    };
                    let index =
                        |serial: u64| -> Result<(), ConflictableTransactionError<StoreError>> {
                            profiles.insert(&serial.to_be_bytes(), profile_bytes.as_slice())?;
                            for hash in &profile.sketch {
                                post(sketch, *hash, serial)?;
                            }
                            indexed.set(Some(serial));
                            Ok(())
                        };
                    let (record, outcome) = match existing {
                        Some(old) => {
                            let mut article = article.clone();
                            if !article.dated {
                                // "First seen" is only meaningful the first time.
                                article.published = old.article.published;
                                article.updated = old.article.updated;
                            }
                            if old.article.content_hash == article.content_hash
                                && old.article.updated >= article.updated
                                && old.article.published == article.published
                            {
                                return Ok(Stored::Unchanged);
                            }
                            by_source.remove(source_index(&old.source_id, &old.article))?;
                            if old.duplicate_of.is_none() {
                                by_date.remove(date_index(&old.article))?;
                            }
                            // An edit keeps the entry's identity and moves `updated` forward.
                            if article.updated <= old.article.updated {
                                article.updated = now.max(old.article.updated);
                            }
                            // The edited text replaces the old one in the dedup index.
                            let serial = if old.serial == 0 {
                                next_serial(meta)?
                            } else {
                                if let Some(bytes) = profiles.get(old.serial.to_be_bytes())? {
                                    if let Some(previous) = decode_profile(&bytes) {
                                        for hash in previous.profile.sketch {
                                            unpost(sketch, hash, old.serial)?;
                                        }
                                    }
                                }
                                old.serial
                            };
                            index(serial)?;
                            let record = StoredArticle {
                                article,
                                serial,
                                syllables: profile.syllables,
                                ..old
                            };
                            if record.duplicate_of.is_none() {
                                by_date.insert(date_index(&record.article), key.as_bytes())?;
                            }
                            (record, Stored::Updated)
                        }
                        None => {
                            let serial = next_serial(meta)?;
                            index(serial)?;
                            if fingerprints.get(article.fingerprint.as_bytes())?.is_none() {
                                fingerprints
                                    .insert(article.fingerprint.as_bytes(), key.as_bytes())?;
                            }
                            let stored =
                                counts.get(source_id.as_bytes())?.map_or(0, |v| counter(&v));
                            counts.insert(
                                source_id.as_bytes(),
                                &stored.saturating_add(1).to_be_bytes(),
                            )?;
                            let mut record = StoredArticle {
                                article: article.clone(),
                                source_id: source_id.to_string(),
                                first_seen: now,
                                duplicate_of: None,
                                serial,
                                syllables: profile.syllables,
                                copies: Vec::new(),
                            };
                            let outcome = match matches.first() {
                                None => {
                                    by_date.insert(date_index(&record.article), key.as_bytes())?;
                                    Stored::New
                                }
                                Some(best) => {
                                    let matched: Vec<String> =
                                        matches.iter().map(|m| m.key.clone()).collect();
                                    let records = clusters::SledClusters {
                                        articles,
                                        clusters: cluster_tree,
                                    };
                                    let joined = clusters::join(
                                        &records,
                                        clusters::member_of(&record),
                                        &matched,
                                        now,
                                    )?;
                                    for retired in &joined.retired {
                                        by_date
                                            .remove(date_key(retired.published, &retired.key))?;
                                    }
                                    if joined.promoted {
                                        by_date
                                            .insert(date_index(&record.article), key.as_bytes())?;
                                    }
                                    if joined.representative != key {
                                        record.duplicate_of = Some(joined.representative.clone());
                                    }
                                    let merge = Merge::found(
                                        now,
                                        &key,
                                        source_id,
                                        best,
                                        joined.representative,
                                    );
                                    let bytes = serde_json::to_vec(&merge).map_err(|e| {
                                        ConflictableTransactionError::Abort(StoreError::Encode(e))
                                    })?;
                                    merges.insert(date_key(now, &key), bytes)?;
                                    for counter_key in [MERGES.to_vec(), merged_key(source_id)] {
                                        let merged =
                                            meta.get(&counter_key)?.map_or(0, |v| counter(&v));
                                        meta.insert(
                                            counter_key,
                                            &merged.saturating_add(1).to_be_bytes(),
                                        )?;
                                    }
                                    Stored::Duplicate {
                                        of: best.key.clone(),
                                    }
                                }
                            };
                            (record, outcome)
                        }
                    };
                    by_source.insert(
                        source_index(&record.source_id, &record.article),
                        key.as_bytes(),
                    )?;
                    let bytes =
                        encode_article(&record).map_err(ConflictableTransactionError::Abort)?;
                    articles.insert(key.as_bytes(), bytes)?;
                    // The search index catches up at the next flush (its story fields
                    // change with the cluster, so the whole cluster is indexed again).
                    meta.insert(pending_key(&key), &[])?;
                    Ok(outcome)
                },
            );
        match result {
            Ok(outcome) => {
                if let Some(serial) = indexed.get() {
                    recent.remember(
                        serial,
                        SerialProfile {
                            key,
                            source_id: source_id.to_string(),
                            profile: profile.clone(),
                        },
                    );
                }
                Ok(outcome)
            }
            Err(TransactionError::Abort(e)) => Err(e),
            Err(TransactionError::Storage(e)) => Err(e.into()),
        }
    }

    fn cluster_of(&self, key: &str) -> Result<Option<(String, Cluster)>, StoreError> {
        let representative = self
            .trees
            .clusters
            .get(clusters::member_key(key))?
            .map_or_else(
                || key.to_string(),
                |v| String::from_utf8_lossy(&v).into_owned(),
            );
        let Some(bytes) = self
            .trees
            .clusters
            .get(clusters::cluster_key(&representative))?
        else {
            return Ok(None);
        };
        Ok(Some((
            representative.clone(),
            decode(&representative, &bytes)?,
        )))
    }

    fn merges(&self, limit: usize, source_id: Option<&str>) -> Result<Vec<Merge>, StoreError> {
        let mut found = Vec::new();
        for entry in self.trees.merges.iter().rev() {
            let (key, value) = entry?;
            let merge: Merge = decode(&String::from_utf8_lossy(&key), &value)?;
            if source_id.is_none_or(|s| merge.source_id == s || merge.matched_source == s) {
                found.push(merge);
                if found.len() == limit {
                    break;
                }
            }
        }
        Ok(found)
    }

    fn merged_for_source(&self, source_id: &str) -> u64 {
        self.trees
            .meta
            .get(merged_key(source_id))
            .ok()
            .flatten()
            .map_or(0, |v| counter(&v))
    }

    fn merge_count(&self) -> u64 {
        self.trees
            .meta
            .get(MERGES)
            .ok()
            .flatten()
            .map_or(0, |v| counter(&v))
    }

    fn resolve(&self, url: &str) -> Result<Option<String>, StoreError> {
        if self.trees.articles.contains_key(url.as_bytes())? {
            return Ok(Some(url.to_string()));
        }
        self.known_link(url)
    }

    fn failed_attempts(&self, link: &str) -> Result<u32, StoreError> {
        Ok(self.get_json(&self.trees.failures, link)?.unwrap_or(0))
    }

    fn record_failure(&self, link: &str) -> Result<u32, StoreError> {
        let attempts = self.failed_attempts(link)?.saturating_add(1);
        self.put_json(&self.trees.failures, link, &attempts)?;
        Ok(attempts)
    }

    fn page(&self, query: &PageQuery<'_>) -> Result<Page, StoreError> {
        if !query.filter.is_empty() {
            return self.search_page(query);
        }
        let (tree, prefix) = match query.scope {
            Scope::All => (&self.trees.by_date, Vec::new()),
            Scope::Source(id) => (&self.trees.by_source, source_prefix(id)),
        };
        let with_prefix = |cursor: &Cursor| [prefix.as_slice(), &cursor.0].concat();
        let mut found = Vec::new();
        let mut more = false;
        let mut take = |entry: sled::Result<(sled::IVec, sled::IVec)>| -> Result<bool, StoreError> {
            let (index, key) = entry?;
            if !index.starts_with(&prefix) {
                return Ok(false);
            }
            let key = String::from_utf8_lossy(&key).into_owned();
            let article = match (self.article(&key)?, query.scope) {
                (Some(article), Scope::All) => Some(self.unified(article)?),
                (article, _) => article,
            };
            if let Some(article) = article {
                if found.len() == query.limit {
                    more = true;
                    return Ok(false);
                }
                found.push(article);
            }
            Ok(true)
        };
        // Newer-than pages read the index upwards (and are reversed after), the others
        // downwards from their cursor or from the newest entry.
        let entries: Box<dyn Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>> =
            match (&query.before, &query.after) {
                (_, Some(after)) => {
                    let start = std::ops::Bound::Excluded(with_prefix(after));
                    Box::new(tree.range::<Vec<u8>, _>((start, std::ops::Bound::Unbounded)))
                }
                (Some(before), None) => {
                    Box::new(tree.range(prefix.clone()..with_prefix(before)).rev())
                }
                (None, None) => Box::new(tree.scan_prefix(&prefix).rev()),
            };
        for entry in entries {
            if !take(entry)? {
                break;
            }
        }
        Ok(Page::read(found, more, query))
    }

    fn count_for_source(&self, source_id: &str) -> usize {
        self.trees
            .counts
            .get(source_id.as_bytes())
            .ok()
            .flatten()
            .map_or(0, |v| counter(&v) as usize)
    }

    fn article_count(&self) -> usize {
        self.trees
            .counts
            .iter()
            .values()
            .filter_map(Result::ok)
            .map(|v| counter(&v) as usize)
            .sum()
    }

    fn validators(&self, url: &str) -> Result<Option<Validators>, StoreError> {
        self.get_json(&self.trees.validators, url)
    }

    fn set_validators(&self, url: &str, validators: &Validators) -> Result<(), StoreError> {
        self.put_json(&self.trees.validators, url, validators)
    }

    fn source_state(&self, source_id: &str) -> Result<SourceState, StoreError> {
        Ok(self
            .get_json(&self.trees.sources, source_id)?
            .unwrap_or_default())
    }

    fn set_source_state(&self, source_id: &str, state: &SourceState) -> Result<(), StoreError> {
        self.put_json(&self.trees.sources, source_id, state)
    }

    fn flush(&self) -> Result<(), StoreError> {
        let _writer = self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        self.trees.db.flush()?;
        let mut pending = Vec::new();
        for entry in self.trees.meta.scan_prefix(PENDING) {
            let (key, _) = entry?;
            pending.push(key);
        }
        if pending.is_empty() && self.search.is_complete() {
            return Ok(());
        }
        let mut done = HashSet::new();
        for key in &pending {
            let key = String::from_utf8_lossy(key.get(PENDING.len()..).unwrap_or_default());
            self.index_story(&key, &mut done)?;
        }
        self.search.commit()?;
        // Cleared once indexed; a kill before the next flush only indexes them again.
        for key in pending {
            self.trees.meta.remove(key)?;
        }
        Ok(())
    }
}

impl crate::fetch::HostMemory for Store {
    fn recall(&self, site: &str) -> Option<(DateTime<chrono::Utc>, Option<String>)> {
        let record: RobotsRecord = self.get_json(&self.trees.robots, site).ok().flatten()?;
        Some((record.fetched, record.text))
    }

    fn remember(&self, site: &str, fetched: DateTime<chrono::Utc>, text: Option<&str>) {
        let record = RobotsRecord {
            fetched,
            text: text.map(str::to_string),
        };
        if let Err(e) = self.put_json(&self.trees.robots, site, &record) {
            tracing::warn!("cannot keep the robots.txt of {site}: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_big_store_is_given_time_to_open() {
        assert_eq!(open_timeout(0), OPEN_TIMEOUT);
        assert_eq!(open_timeout(400_000_000), OPEN_TIMEOUT);
        // The 1M-article bench store: 21.8 GB, 70 s to open cold after one long session.
        assert_eq!(open_timeout(21_803_040_767).as_secs(), 230);
        assert!(open_timeout(u64::MAX) > open_timeout(21_803_040_767));
        // What commands add to their deadlines: nothing for a small or missing store.
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(open_allowance(dir.path()), std::time::Duration::ZERO);
        let db = dir.path().join("db");
        std::fs::create_dir_all(&db).unwrap_or_else(|e| panic!("{e}"));
        let file = std::fs::File::create(db.join("db")).unwrap_or_else(|e| panic!("{e}"));
        file.set_len(3_500_000_000)
            .unwrap_or_else(|e| panic!("{e}")); // sparse
        assert_eq!(open_allowance(dir.path()).as_secs(), 30);
    }

    #[test]
    fn run_times_are_kept_as_seconds_and_old_text_still_reads() {
        let at = DateTime::parse_from_rfc3339("2026-11-27T08:00:00+07:00")
            .unwrap_or_else(|e| panic!("{e}"));
        let run = RunRecord {
            at,
            outcome: "ok".into(),
            new: 2,
            merged: 1,
        };
        let json = serde_json::to_string(&run).unwrap_or_default();
        assert_eq!(
            json,
            r#"{"at":1795741200,"outcome":"ok","new":2,"merged":1}"#
        );
        let back: RunRecord = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, run);
        assert_eq!(
            back.at.offset().local_minus_utc(),
            7 * 3600,
            "read in Vietnam time"
        );
        let old = r#"{"at":"2026-11-27T01:00:00+00:00","outcome":"ok","new":2}"#;
        let old: RunRecord = serde_json::from_str(old).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((old.at, old.merged), (at, 0));
        let bad =
            serde_json::from_str::<RunRecord>(r#"{"at":99999999999999999,"outcome":"ok","new":0}"#);
        assert!(
            bad.is_err(),
            "a time past chrono's range is an error, not a panic"
        );
    }

    #[test]
    fn broken_means_it_used_to_work() {
        let mut state = SourceState {
            yield_problem: Some("selector `a.t` matched nothing on http://x/".into()),
            ..SourceState::default()
        };
        assert_eq!(
            state.broken(),
            None,
            "a source that never yielded is not broken, just new"
        );
        state.ever_yielded = true;
        assert_eq!(
            state.broken().as_deref(),
            Some("selector `a.t` matched nothing on http://x/")
        );
        state.yield_problem = None;
        assert_eq!(state.broken(), None);
        state.consecutive_failures = BROKEN_AFTER_FAILURES;
        assert_eq!(state.broken().as_deref(), Some("failed 5 runs in a row"));
    }
}
