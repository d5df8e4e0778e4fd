//! Pipeline: one run over the due sources — fetch → extract → normalize → store.
//!
//! For an html source: a conditional GET of the list page (a 304 ends the source's run), the
//! article links not seen before (following `next` while pages still bring new links, up to
//! `max_pages`), then each new article page fetched, extracted, normalized and stored.
//! For a feed source: a conditional GET of the feed, each entry normalized and upserted (an
//! edited entry is updated in place), or, with `[source.article]`, each new entry's page fetched
//! for its full text.
//!
//! Order matters for crash safety: articles are stored (atomically, one by one) and flushed
//! before the list page's validators are saved, so a run killed at any moment is redone by the
//! next one instead of being hidden behind a 304. The validators are saved only when no article
//! failed, so failed links are retried (at most [`MAX_ATTEMPTS`] times each).
//!
//! One source failing never stops another; every failure is reported with its reason.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, Utc};
use tokio::task::JoinSet;
use url::Url;

use crate::config::{Config, Source, SourceKind};
use crate::dates::vietnam;
use crate::extract::{self, charset, RawArticle};
use crate::fetch::{Fetched, Fetcher, Response};
use crate::normalize::{self, canonical_url};
use crate::schedule;
use crate::store::{RunRecord, SourceState, Storage, StoreError, Stored};
use crate::text::printable;

/// How many runs may fail on one article link before it is given up.
pub const MAX_ATTEMPTS: u32 = 5;

/// Called as each source's run ends (a progress bar, say).
pub type Progress = Arc<dyn Fn(&SourceReport) + Send + Sync>;

/// Which sources a run covers.
#[derive(Clone, Default)]
pub struct RunOptions {
    /// Run every enabled source, due or not.
    pub force: bool,
    /// Run only these sources (due or not); empty means every due source.
    pub only: Vec<String>,
    pub on_source_done: Option<Progress>,
}

/// What happened to one source in a run.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Not due yet (or disabled); nothing was requested.
    Skipped,
    /// The list page or feed answered 304.
    NotModified,
    Done(Counts),
    Failed {
        reason: String,
        counts: Counts,
    },
}

impl Outcome {
    /// The outcome with its texts (failure reason, skipped links and reasons) fit to print:
    /// they quote portals and feeds, which may carry terminal escapes.
    fn printable(self) -> Outcome {
        let clean = |text: String| printable(&text).into_owned();
        let counts = |c: Counts| Counts {
            skipped: c
                .skipped
                .into_iter()
                .map(|(link, reason)| (clean(link), clean(reason)))
                .collect(),
            notes: c.notes.into_iter().map(clean).collect(),
            ..c
        };
        match self {
            Outcome::Done(c) => Outcome::Done(counts(c)),
            Outcome::Failed { reason, counts: c } => Outcome::Failed {
                reason: clean(reason),
                counts: counts(c),
            },
            other => other,
        }
    }
}

/// Article tallies of one source's run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    /// Article links on the list pages (or entries in the feed) this run read.
    pub links: usize,
    pub new: usize,
    /// New under their own URL, but the same body is already stored from another.
    pub duplicates: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Article links or entries skipped this run, with the reason.
    pub skipped: Vec<(String, String)>,
    /// What the run left unread on purpose (a limit reached), for the operator.
    pub notes: Vec<String>,
}

/// One source's line in the run summary.
#[derive(Debug, Clone)]
pub struct SourceReport {
    pub id: String,
    pub outcome: Outcome,
    /// How long the source's run took.
    pub duration: std::time::Duration,
}

/// Why a source's run failed as a whole.
#[derive(Debug, thiserror::Error)]
enum Failure {
    /// The list page or feed could not be fetched.
    #[error("{what}: {source}{}", moved_hint(source))]
    Fetch {
        what: String,
        source: crate::fetch::FetchError,
    },
    /// The feed could not be read as a feed.
    #[error("feed {url}: {source}")]
    Feed {
        url: Url,
        source: extract::FeedError,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Extraction panicked (a bug or an input no rule survives); the run is abandoned.
    #[error(transparent)]
    Crashed(#[from] Crashed),
}

/// CPU-bound work run off the async workers panicked.
#[derive(Debug, thiserror::Error)]
#[error("extraction crashed: {0}")]
struct Crashed(tokio::task::JoinError);

/// What an operator should do about a permanent redirect of the source's URL.
fn moved_hint(e: &crate::fetch::FetchError) -> &'static str {
    match e {
        crate::fetch::FetchError::MovedPermanently { .. } => {
            " — update `url` in feeds.toml (articles already stored stay)"
        }
        _ => "",
    }
}

impl Failure {
    fn fetch(what: &str, source: crate::fetch::FetchError) -> Failure {
        Failure::Fetch {
            what: what.to_string(),
            source,
        }
    }

    /// The portal's `Retry-After`, when its answer carried one.
    fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            Failure::Fetch { source, .. } => source.retry_after(),
            _ => None,
        }
    }
}

/// A whole run.
#[derive(Debug, Clone, Default)]
pub struct RunReport {
    pub sources: Vec<SourceReport>,
    pub requests: u64,
}

impl RunReport {
    /// Whether any source failed.
    pub fn any_failed(&self) -> bool {
        self.sources
            .iter()
            .any(|s| matches!(s.outcome, Outcome::Failed { .. }))
    }
}

/// Run-level failures (a source's own failures are in its [`Outcome`]).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Fetch(#[from] crate::fetch::FetchError),
}

/// The current time in Vietnam.
pub fn now() -> DateTime<FixedOffset> {
    Utc::now().with_timezone(&vietnam())
}

/// Runs the sources `options` selects and stores what they yield.
pub async fn run(
    config: &Config,
    store: Arc<dyn Storage>,
    options: &RunOptions,
) -> Result<RunReport, RunError> {
    let memory: Arc<dyn crate::fetch::HostMemory> = store.clone();
    let fetcher = Arc::new(Fetcher::new(&config.settings, Some(memory))?);
    let started = now();
    let mut tasks = JoinSet::new();
    let mut running = std::collections::HashMap::new();
    let mut reports = Vec::new();
    for (index, source) in config.sources.iter().enumerate() {
        let selected = if options.only.is_empty() {
            source.enabled
                && (options.force
                    || schedule::is_due(source, &store.source_state(&source.id)?, started))
        } else {
            options.only.contains(&source.id)
        };
        if !selected {
            let report = SourceReport {
                id: source.id.clone(),
                outcome: Outcome::Skipped,
                duration: std::time::Duration::ZERO,
            };
            if let Some(done) = &options.on_source_done {
                done(&report);
            }
            reports.push((index, report));
            continue;
        }
        let job = run_source(
            Arc::new(source.clone()),
            Arc::clone(&fetcher),
            Arc::clone(&store),
            config.settings.run_timeout,
        );
        let task = tasks.spawn(async move { (index, job.await) });
        running.insert(task.id(), (index, source.id.clone()));
    }
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((index, report)) => {
                if let Some(done) = &options.on_source_done {
                    done(&report);
                }
                reports.push((index, report));
            }
            // A bug must not make a source vanish from the report: it fails, visibly.
            Err(e) => {
                if let Some((index, id)) = running.remove(&e.id()) {
                    let outcome = Outcome::Failed {
                        reason: format!("crashed: {e}"),
                        counts: Counts::default(),
                    };
                    let duration = std::time::Duration::ZERO;
                    reports.push((
                        index,
                        SourceReport {
                            id,
                            outcome,
                            duration,
                        },
                    ));
                }
            }
        }
    }
    reports.sort_by_key(|(index, _)| *index);
    Ok(RunReport {
        sources: reports.into_iter().map(|(_, r)| r).collect(),
        requests: fetcher.requests_sent(),
    })
}

/// Runs one source now, due or not: what the scheduler of `serve` calls.
///
/// This is the run boundary: a panic anywhere in the run (a bug, or input nobody foresaw) is
/// caught here and recorded as the source's failure, so the source is reported and stays
/// schedulable rather than vanishing or being wedged; a run still going after `run_timeout`
/// (a host that asks for long delays, a portal that trickles) is abandoned and recorded as
/// timed out. What it stored stays; its list page's validators are not saved, so the next run
/// completes it.
pub async fn run_source(
    source: Arc<Source>,
    fetcher: Arc<Fetcher>,
    store: Arc<dyn Storage>,
    run_timeout: std::time::Duration,
) -> SourceReport {
    let run = SourceRun {
        source,
        fetcher,
        store,
    };
    let started = now();
    let clock = std::time::Instant::now();
    let task = tokio::spawn(run.clone().run());
    let abort = task.abort_handle();
    let reason = match tokio::time::timeout(run_timeout, task).await {
        Ok(Ok(report)) => return report,
        Err(_) => {
            abort.abort();
            format!(
                "timed out: unfinished after run_timeout ({})",
                humantime::format_duration(run_timeout)
            )
        }
        Ok(Err(crashed)) => match crashed.try_into_panic() {
            Ok(panic) => format!(
                "crashed: {}",
                panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "panic".into())
            ),
            Err(cancelled) => format!("crashed: {cancelled}"),
        },
    };
    tracing::error!(source = %run.source.id, "{reason}");
    let outcome = Outcome::Failed {
        reason,
        counts: Counts::default(),
    }
    .printable();
    if let Err(e) = run.record(&outcome, started, None) {
        tracing::error!(source = %run.source.id, "cannot record the run: {e}");
    }
    SourceReport {
        id: run.source.id.clone(),
        outcome,
        duration: clock.elapsed(),
    }
}

/// Everything one source's run needs, shareable with its article tasks.
#[derive(Clone)]
struct SourceRun {
    source: Arc<Source>,
    fetcher: Arc<Fetcher>,
    store: Arc<dyn Storage>,
}

/// How an article link or entry ended.
enum ArticleResult {
    Stored(Stored),
    Failed { link: String, reason: String },
}

impl SourceRun {
    async fn run(self) -> SourceReport {
        let id = self.source.id.clone();
        let started = now();
        let clock = std::time::Instant::now();
        let result = match self.source.kind {
            SourceKind::Html => self.run_html().await,
            SourceKind::Feed => self.run_feed().await,
        };
        let retry_after = result.as_ref().err().and_then(Failure::retry_after);
        let mut outcome = result.unwrap_or_else(|failure| Outcome::Failed {
            reason: failure.to_string(),
            counts: Counts::default(),
        });
        if let (Some(note), Outcome::Done(c) | Outcome::Failed { counts: c, .. }) = (
            self.fetcher.crawl_delay_note(&self.source.url),
            &mut outcome,
        ) {
            c.notes.push(note);
        }
        let outcome = outcome.printable();
        if let Err(e) = self.record(&outcome, started, retry_after) {
            tracing::error!(source = %id, "cannot record the run: {e}");
        }
        let duration = clock.elapsed();
        match &outcome {
            Outcome::Failed { reason, .. } => {
                tracing::info!(source = %id, ?duration, "failed: {reason}")
            }
            Outcome::Done(c) => tracing::info!(
                source = %id, ?duration,
                "ok: {} new, {} updated, {} unchanged, {} duplicate, {} skipped",
                c.new, c.updated, c.unchanged, c.duplicates, c.skipped.len()
            ),
            Outcome::NotModified => tracing::info!(source = %id, ?duration, "not modified"),
            Outcome::Skipped => {}
        }
        SourceReport {
            id,
            outcome,
            duration,
        }
    }

    /// Saves the run's result in the source's state, then flushes everything to disk.
    fn record(
        &self,
        outcome: &Outcome,
        started: DateTime<FixedOffset>,
        retry_after: Option<std::time::Duration>,
    ) -> Result<(), StoreError> {
        let mut state = self.store.source_state(&self.source.id)?;
        state.last_run = Some(started);
        state.retry_after = retry_after.and_then(|d| schedule::after(started, d));
        match outcome {
            Outcome::Skipped => return Ok(()),
            Outcome::NotModified => {}
            Outcome::Done(c) | Outcome::Failed { counts: c, .. } => {
                let stored = c.new + c.duplicates + c.updated + c.unchanged;
                state.yield_problem = if c.links == 0 {
                    Some(match &self.source.list {
                        Some(list) => format!(
                            "selector `{}` matched nothing on {}",
                            list.link.text, self.source.url
                        ),
                        None => format!("no article link found on {}", self.source.url),
                    })
                } else if stored == 0 && !c.skipped.is_empty() {
                    Some(format!("every article failed, e.g. {}", c.skipped[0].1))
                } else {
                    None
                };
                state.ever_yielded |= stored > 0;
                state.notes = c.notes.clone();
            }
        }
        match outcome {
            Outcome::Failed { reason, .. } => {
                state.last_error = Some(reason.clone());
                state.consecutive_failures = state.consecutive_failures.saturating_add(1);
            }
            _ => {
                state.last_success = Some(started);
                state.last_error = None;
                state.consecutive_failures = 0;
            }
        }
        let (result, new, merged) = match outcome {
            Outcome::NotModified => ("not modified", 0, 0),
            Outcome::Done(c) => ("ok", c.new, c.duplicates),
            Outcome::Failed { counts, .. } => ("failed", counts.new, counts.duplicates),
            Outcome::Skipped => ("skipped", 0, 0),
        };
        state = SourceState {
            result: result.into(),
            new_articles: new,
            ..state
        };
        let outcome = match state.broken() {
            Some(_) => "broken",
            None => result,
        };
        state.record_run(RunRecord {
            at: started,
            outcome: outcome.into(),
            new,
            merged,
        });
        self.store.set_source_state(&self.source.id, &state)?;
        self.store.flush()
    }

    async fn run_html(&self) -> Result<Outcome, Failure> {
        // Without list rules the source is in auto mode: links are found by structure.
        let rules = self.source.list.clone();
        let max_pages = rules.as_ref().map_or(1, |r| r.max_pages);
        let list_url = self.source.url.clone();
        let validators = self.store.validators(list_url.as_str())?;
        let first = match self.fetcher.get(&list_url, validators.as_ref()).await {
            Ok(Response::NotModified) => return Ok(Outcome::NotModified),
            Ok(Response::Fetched(f)) => f,
            Err(e) => return Err(Failure::fetch("list page", e)),
        };
        let new_validators = first.validators.clone();

        let limits = self.source.limits;
        let mut notes = Vec::new();
        let mut unread = 0usize;
        let mut candidates = Vec::new();
        let mut links_found = 0;
        let mut seen = HashSet::new();
        let mut page = first;
        for page_number in 1..=max_pages {
            let list = {
                let (page, rules, forced) = (page.clone(), rules.clone(), self.source.encoding);
                blocking(move || {
                    let (html, _) = charset::decode(&page.body, page.charset(), forced);
                    extract::read_list(&html, &page.url, rules.as_ref())
                })
                .await?
            };
            let before = candidates.len();
            let mut allowed: Vec<Url> = list
                .links
                .into_iter()
                .filter(|l| self.source.allows(l))
                .collect();
            if allowed.len() > limits.max_links_per_page {
                notes.push(format!(
                    "list page {page_number}: {} links, the first {} read (max_links_per_page)",
                    allowed.len(),
                    limits.max_links_per_page
                ));
                allowed.truncate(limits.max_links_per_page);
            }
            links_found += allowed.len();
            for link in allowed {
                let link_key = canonical_url(&link, None).to_string();
                if seen.insert(link_key.clone()) && self.is_new_link(&link_key)? {
                    if candidates.len() == limits.max_entries_per_run {
                        unread += 1;
                        continue;
                    }
                    candidates.push((link, link_key));
                }
            }
            // A page that brings nothing new means the rest of the list is known too.
            let Some(next) = list
                .next
                .filter(|n| self.source.allows(n))
                .filter(|_| candidates.len() > before && page_number < max_pages)
            else {
                break;
            };
            page = match self.fetcher.get(&next, None).await {
                Ok(Response::Fetched(f)) => f,
                Ok(Response::NotModified) => break,
                Err(e) => return Err(Failure::fetch(&format!("list page {}", page_number + 1), e)),
            };
        }

        if unread > 0 {
            notes.push(format!(
                "{unread} more new links not read (max_entries_per_run = {})",
                limits.max_entries_per_run
            ));
        }
        let mut tasks = JoinSet::new();
        for (link, link_key) in candidates {
            let run = self.clone();
            tasks.spawn(async move { run.html_article(link, link_key, None).await });
        }
        self.finish(tasks, links_found, list_url.as_str(), new_validators, notes)
            .await
    }

    async fn run_feed(&self) -> Result<Outcome, Failure> {
        let feed_url = self.source.url.clone();
        let validators = self.store.validators(feed_url.as_str())?;
        let fetched = match self.fetcher.get(&feed_url, validators.as_ref()).await {
            Ok(Response::NotModified) => return Ok(Outcome::NotModified),
            Ok(Response::Fetched(f)) => f,
            Err(e) => return Err(Failure::fetch("feed", e)),
        };
        // The body moves into the parse and is dropped with it: a 25 MB feed is not held twice
        // (nor while its entries are stored).
        let new_validators = fetched.validators.clone();
        let read_url = fetched.url.clone();
        let forced = self.source.encoding;
        let entries = blocking(move || {
            extract::parse_feed(&fetched.body, fetched.charset(), forced, &fetched.url)
        })
        .await?
        .map_err(|source| Failure::Feed {
            url: read_url,
            source,
        })?;
        let mut notes = Vec::new();
        if let Some(first) = entries.skipped.first() {
            notes.push(format!(
                "{} feed entries skipped, e.g. {first}",
                entries.skipped.len()
            ));
        }
        if let Some(first) = entries.unread_dates.first() {
            notes.push(format!(
                "{} dates could not be read, e.g. {first:?}: their entries are dated when first seen",
                entries.unread_dates.len()
            ));
        }
        let max_entries = self.source.limits.max_entries_per_run;
        let mut entries = entries.entries;
        if entries.len() > max_entries {
            notes.push(format!(
                "the feed has {} entries, the first {max_entries} read (max_entries_per_run)",
                entries.len()
            ));
            entries.truncate(max_entries);
        }
        let mut tasks = JoinSet::new();
        let links_found = entries.len();
        for entry in entries {
            let link_key = canonical_url(&entry.url, None).to_string();
            let run = self.clone();
            // Full text comes only from pages the source may follow; the entry itself is kept
            // as the feed gives it.
            if self.source.article.is_some() && self.source.allows(&entry.url) {
                if !self.is_new_link(&link_key)? {
                    continue;
                }
                let link = entry.url.clone();
                tasks.spawn(async move { run.html_article(link, link_key, Some(entry)).await });
            } else {
                tasks.spawn(async move { run.store_entry(entry, link_key).await });
            }
        }
        self.finish(tasks, links_found, feed_url.as_str(), new_validators, notes)
            .await
    }

    /// A link not stored before and not given up after too many failures.
    fn is_new_link(&self, link_key: &str) -> Result<bool, StoreError> {
        let known = self.store.known_link(link_key)?;
        let attempts = self.store.failed_attempts(link_key)?;
        Ok(known.is_none() && attempts < MAX_ATTEMPTS)
    }

    /// Fetches one article page and stores what it holds. `entry` is the feed entry that linked
    /// it, whose fields fill what the page lacks.
    async fn html_article(
        &self,
        link: Url,
        link_key: String,
        entry: Option<RawArticle>,
    ) -> ArticleResult {
        let failed = |reason: String| ArticleResult::Failed {
            link: link_key.clone(),
            reason,
        };
        let page = match self.fetcher.get(&link, None).await {
            Ok(Response::Fetched(page)) => page,
            Ok(Response::NotModified) => return failed("unexpected 304".into()),
            Err(e) => return failed(e.to_string()),
        };
        let source = Arc::clone(&self.source);
        let scope = self.source.url.to_string();
        let final_key = canonical_url(&page.url, None).to_string();
        let normalized = blocking(move || {
            let raw = read_article(&page, &source, entry);
            normalize::normalize(raw, &scope, now()).map(|article| {
                let profile = normalize::dedupe_profile(&article);
                (article, profile)
            })
        })
        .await;
        match normalized {
            Err(crashed) => failed(crashed.to_string()),
            Ok(Err(rejection)) => failed(rejection.to_string()),
            Ok(Ok((article, profile))) => {
                let mut links = vec![link_key.clone()];
                if final_key != link_key {
                    links.push(final_key);
                }
                match self
                    .store
                    .put_article(&self.source.id, article, &profile, &links, now())
                {
                    Ok(stored) => ArticleResult::Stored(stored),
                    Err(e) => failed(e.to_string()),
                }
            }
        }
    }

    /// Stores one feed entry as the feed gives it (new, updated in place, or unchanged).
    async fn store_entry(&self, entry: RawArticle, link_key: String) -> ArticleResult {
        let scope = self.source.url.to_string();
        match normalize::normalize(entry, &scope, now()) {
            Err(reason) => ArticleResult::Failed {
                link: link_key,
                reason: reason.to_string(),
            },
            Ok(article) => {
                let profile = normalize::dedupe_profile(&article);
                match self.store.put_article(
                    &self.source.id,
                    article,
                    &profile,
                    std::slice::from_ref(&link_key),
                    now(),
                ) {
                    Ok(stored) => ArticleResult::Stored(stored),
                    Err(e) => ArticleResult::Failed {
                        link: link_key,
                        reason: e.to_string(),
                    },
                }
            }
        }
    }

    /// Collects the article results, flushes, and saves the list/feed validators when nothing
    /// needs a retry.
    async fn finish(
        &self,
        mut tasks: JoinSet<ArticleResult>,
        links: usize,
        list_url: &str,
        validators: crate::fetch::Validators,
        notes: Vec<String>,
    ) -> Result<Outcome, Failure> {
        let mut counts = Counts {
            links,
            notes,
            ..Counts::default()
        };
        let mut attempted = 0;
        let mut retried = false;
        while let Some(joined) = tasks.join_next().await {
            attempted += 1;
            match joined {
                Ok(ArticleResult::Stored(Stored::New)) => counts.new += 1,
                Ok(ArticleResult::Stored(Stored::Duplicate { .. })) => counts.duplicates += 1,
                Ok(ArticleResult::Stored(Stored::Updated)) => counts.updated += 1,
                Ok(ArticleResult::Stored(Stored::Unchanged)) => counts.unchanged += 1,
                Ok(ArticleResult::Failed { link, reason }) => {
                    let attempts = self.store.record_failure(&link)?;
                    retried |= attempts > 1;
                    let reason = if attempts >= MAX_ATTEMPTS {
                        format!("{reason} (failed {attempts} times, given up)")
                    } else {
                        reason
                    };
                    counts.skipped.push((link, reason));
                }
                Err(e) => counts
                    .skipped
                    .push((String::new(), format!("article task crashed: {e}"))),
            }
        }
        self.store.flush()?;
        if counts.skipped.is_empty() && !validators.is_empty() {
            self.store.set_validators(list_url, &validators)?;
        }
        let stored = attempted - counts.skipped.len();
        // Every new article failing is a failed run; a link that keeps failing on its retries is
        // only reported (and given up after MAX_ATTEMPTS), not a failure of the whole source.
        if attempted > 0 && stored == 0 && !retried {
            let (_, first) = &counts.skipped[0];
            return Ok(Outcome::Failed {
                reason: format!("all {attempted} articles failed, e.g. {first}"),
                counts,
            });
        }
        Ok(Outcome::Done(counts))
    }
}

/// Reads an article page by the source's rules, letting the feed entry that linked it fill the
/// gaps (its guid and link keep the entry's identity).
fn read_article(page: &Fetched, source: &Source, entry: Option<RawArticle>) -> RawArticle {
    let (html, _) = charset::decode(&page.body, page.charset(), source.encoding);
    let rules = source.article.clone().unwrap_or_default();
    let mut raw = extract::extract_article(&html, &page.url, &rules);
    if let Some(entry) = entry {
        raw.guid = entry.guid;
        raw.title = raw.title.or(entry.title);
        raw.author = raw.author.or(entry.author);
        raw.summary = raw.summary.or(entry.summary);
        raw.category = raw.category.or(entry.category);
        if raw.content_html.is_none() && entry.content_html.is_some() {
            raw.content_html = entry.content_html;
            raw.body_strategy = entry.body_strategy;
        }
        raw.published = entry.published;
        raw.updated = entry.updated;
        raw.url = entry.url;
    }
    raw
}

/// Runs CPU-bound extraction off the async workers.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, Crashed> {
    tokio::task::spawn_blocking(f).await.map_err(Crashed)
}
