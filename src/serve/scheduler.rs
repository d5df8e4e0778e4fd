//! The scheduler loop of `serve`: starts each enabled source when it is due (see `schedule` for
//! when that is), never two runs of one source at once, and sleeps until the next one is due or
//! something wakes it (a finished run, a reload, an admin fetch, shutdown).
//!
//! On a shared PostgreSQL store, several instances run this loop over one schedule
//! ([`super::shared`]): each source is claimed by one instance at a time, for a lease that ends
//! if its holder dies, and readers' cached feeds follow the other instances' writes.
//!
//! Runs share one `Fetcher`, so the global `concurrency` limit and `per_host_delay` hold across
//! sources. On shutdown it starts nothing more and gives the runs in flight 10 s before
//! abandoning them (what they stored is already atomic; the store is flushed by the caller).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use tokio::task::JoinSet;

use super::{lock, App};
use crate::config::Source;
use crate::pipeline::{self, now, Outcome};
use crate::schedule;
use crate::store::postgres::leases::Leases;

/// How long runs in flight get to finish after SIGTERM.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// The longest the loop sleeps without looking (keeps `/healthz`'s heartbeat fresh).
const MAX_SLEEP: Duration = Duration::from_secs(30);

/// Runs until shutdown.
pub async fn run(app: Arc<App>) {
    let mut runs: JoinSet<String> = JoinSet::new();
    let mut running = Running::default();
    let mut shared = super::shared::Shared::of(&app);
    while !app.shutting_down() {
        app.heartbeat.store(
            chrono::Utc::now().timestamp(),
            std::sync::atomic::Ordering::Relaxed,
        );
        while let Some(done) = runs.try_join_next_with_id() {
            running.finished(done);
        }
        let sleep = match &mut shared {
            // Operators' requests run here at once; the rest is claimed from the shared schedule.
            Some(shared) => {
                let requested = start_due(&app, &mut runs, &mut running, true);
                let (claimed, sleep) = shared.claim(&app, &running.ids()).await;
                for (source, leases) in claimed {
                    spawn_run(&app, &mut runs, &mut running, &source, Some(leases));
                }
                requested.min(sleep)
            }
            None => start_due(&app, &mut runs, &mut running, false),
        };
        tokio::select! {
            _ = app.wake.notified() => {}
            _ = tokio::time::sleep(sleep) => {}
            Some(done) = runs.join_next_with_id(), if !runs.is_empty() => running.finished(done),
        }
    }
    if !runs.is_empty() {
        tracing::info!(
            "waiting up to {SHUTDOWN_GRACE:?} for {} run(s) in flight",
            runs.len()
        );
        if tokio::time::timeout(SHUTDOWN_GRACE, async {
            while runs.join_next().await.is_some() {}
        })
        .await
        .is_err()
        {
            tracing::warn!("abandoning {} run(s) still in flight", runs.len());
            runs.abort_all();
        }
    }
}

/// The sources with a run in flight, by the task running them.
#[derive(Default)]
struct Running {
    tasks: HashMap<tokio::task::Id, String>,
}

impl Running {
    /// The sources running.
    fn ids(&self) -> HashSet<String> {
        self.tasks.values().cloned().collect()
    }

    fn contains(&self, source_id: &str) -> bool {
        self.tasks.values().any(|id| id == source_id)
    }

    fn started(&mut self, task: tokio::task::Id, source_id: String) {
        self.tasks.insert(task, source_id);
    }

    /// A run ended, however it ended: its source can run again. (Runs catch their own panics;
    /// this holds even for one that escaped.)
    fn finished(&mut self, done: Result<(tokio::task::Id, String), tokio::task::JoinError>) {
        let task = match done {
            Ok((task, _)) => task,
            Err(e) => {
                tracing::error!("a source run crashed: {e}");
                e.id()
            }
        };
        self.tasks.remove(&task);
    }
}

/// Starts every source that is due (or asked for; only those when `requested_only`) and not
/// running; returns how long to sleep until the next one is due.
fn start_due(
    app: &Arc<App>,
    runs: &mut JoinSet<String>,
    running: &mut Running,
    requested_only: bool,
) -> Duration {
    let config = app.config();
    let now = now();
    // Requests for a source that is running stay queued: it runs again once this run ends.
    let requested: HashSet<String> = lock(&app.requested).clone();
    let mut sleep = MAX_SLEEP;
    // An operator's request runs a source even when it is disabled, like `fetch --source`.
    for source in config
        .sources
        .iter()
        .filter(|s| (s.enabled && !requested_only) || requested.contains(&s.id))
    {
        if running.contains(&source.id) {
            continue;
        }
        // (The guard must not live through the match: the `None` arm locks again.)
        let planned = lock(&app.next_runs).get(&source.id).copied();
        let next = match planned {
            Some(next) => next,
            None => {
                let state = app.store.source_state(&source.id).unwrap_or_default();
                let next = schedule::next_run(source, &state, now);
                // A source that never ran starts at once; later runs are spread by jitter.
                let next = if state.last_run.is_none() {
                    next
                } else {
                    with_jitter(source, next)
                };
                lock(&app.next_runs).insert(source.id.clone(), next);
                next
            }
        };
        if next > now && !requested.contains(&source.id) {
            sleep = sleep.min((next - now).to_std().unwrap_or(MAX_SLEEP));
            continue;
        }
        lock(&app.requested).remove(&source.id);
        spawn_run(app, runs, running, source, None);
    }
    sleep
}

/// Starts a run of `source`; when it ends, plans the next one (and on a shared schedule hands
/// the source back to `leases` with that time).
fn spawn_run(
    app: &Arc<App>,
    runs: &mut JoinSet<String>,
    running: &mut Running,
    source: &Source,
    leases: Option<Arc<Leases>>,
) {
    let source_id = source.id.clone();
    let run_timeout = app.config().settings.run_timeout;
    let (app, source) = (Arc::clone(app), Arc::new(source.clone()));
    let task = runs.spawn(async move {
        let report = pipeline::run_source(
            Arc::clone(&source),
            app.fetcher(),
            Arc::clone(&app.store),
            run_timeout,
        )
        .await;
        app.metrics.record_run(&report);
        if matches!(&report.outcome, Outcome::Done(c) | Outcome::Failed { counts: c, .. }
            if c.new + c.duplicates + c.updated > 0)
        {
            app.store_changed();
        }
        // Plan the next run from the state this run left.
        let state = app.store.source_state(&source.id).unwrap_or_default();
        let next = with_jitter(
            &source,
            schedule::next_run(&source, &state, pipeline::now()),
        );
        lock(&app.next_runs).insert(source.id.clone(), next);
        if let Some(leases) = leases {
            match leases
                .finish(&source.id, next.with_timezone(&chrono::Utc))
                .await
            {
                Ok(true) => {}
                Ok(false) => tracing::warn!(
                    "{}: the lease ended before the run did; another instance holds the source",
                    source.id
                ),
                Err(e) => tracing::warn!("{}: cannot hand the source back: {e}", source.id),
            }
        }
        app.wake.notify_one();
        source.id.clone()
    });
    running.started(task.id(), source_id);
}

/// `next` plus a random share of the source's jitter.
fn with_jitter(source: &Source, next: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
    schedule::after(next, schedule::jitter(source, next, fastrand::f64())).unwrap_or(next)
}
