//! The shared schedule of several `serve` instances on one PostgreSQL store.
//!
//! Each loop of the scheduler: make this instance's enabled sources known to the shared
//! schedule (when the config changed), claim due sources up to the room this instance has —
//! `FOR UPDATE SKIP LOCKED`, so no two instances claim one source — and start their runs; a
//! finished run hands its source back with its next due time. A lease lasts the run timeout
//! and a margin, so the sources of an instance killed mid-run come due again when it ends and
//! another instance takes them. The store's write generation is compared on every loop, so a
//! feed cached here is stale no longer than one loop after another instance wrote.
//!
//! Losing the database is no crash: claims fail, nothing new starts, the loop tries again and
//! resumes when the database answers (a new connection each time the old one broke).
//!
//! It must not decide when a source is due (that is [`crate::schedule`], run by whoever
//! finishes it) nor run sources itself: it hands the scheduler what it claimed.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use super::App;
use crate::config::{Config, Source, StoreLocation};
use crate::store::postgres::leases::Leases;

/// The longest the loop waits before looking at the shared schedule again: how stale a
/// cached feed can be after another instance's write.
const POLL: Duration = Duration::from_secs(2);
/// What a lease adds to the run timeout (a run is abandoned by then; handing it back is quick).
const LEASE_MARGIN: Duration = Duration::from_secs(5);

/// This instance's part in the shared schedule.
pub(super) struct Shared {
    url: String,
    /// This instance's name in the leases.
    holder: String,
    leases: Option<Arc<Leases>>,
    /// The config whose sources were last registered.
    registered: Option<Arc<Config>>,
    /// The store generation last seen.
    generation: Option<i64>,
    /// Whether the database was unreachable on the last loop (said once, not every loop).
    down: bool,
}

impl Shared {
    /// The shared schedule, when the store is a database.
    pub fn of(app: &App) -> Option<Shared> {
        let StoreLocation::Postgres(url) = &app.config().settings.store else {
            return None;
        };
        Some(Shared {
            url: url.clone(),
            holder: format!("pid {} at {}", std::process::id(), app.listen_addr),
            leases: None,
            registered: None,
            generation: None,
            down: false,
        })
    }

    /// Claims due sources for this instance, whose runs in flight are `running`: the sources
    /// to start now (to be handed back to the leases when their runs end), and how long to
    /// sleep before looking again.
    pub async fn claim(
        &mut self,
        app: &Arc<App>,
        running: &HashSet<String>,
    ) -> (Vec<(Source, Arc<Leases>)>, Duration) {
        match self.claim_due(app, running).await {
            Ok(claimed) => {
                if self.down {
                    tracing::info!("the database answers again: fetching resumes");
                    self.down = false;
                }
                claimed
            }
            Err(e) => {
                if !self.down {
                    tracing::error!("shared schedule: {e}; fetching pauses until it answers");
                    self.down = true;
                }
                // A broken connection is replaced on the next loop.
                if self.leases.as_ref().is_none_or(|l| l.is_closed()) {
                    self.leases = None;
                    self.registered = None;
                }
                (Vec::new(), POLL)
            }
        }
    }

    async fn claim_due(
        &mut self,
        app: &Arc<App>,
        running: &HashSet<String>,
    ) -> Result<(Vec<(Source, Arc<Leases>)>, Duration), crate::store::postgres::PgError> {
        let leases = match &self.leases {
            Some(leases) if !leases.is_closed() => Arc::clone(leases),
            _ => {
                let leases = Arc::new(Leases::connect(&self.url, &self.holder).await?);
                self.leases = Some(Arc::clone(&leases));
                self.registered = None;
                leases
            }
        };
        let config = app.config();
        if !self
            .registered
            .as_ref()
            .is_some_and(|r| Arc::ptr_eq(r, &config))
        {
            let ids: Vec<String> = config
                .sources
                .iter()
                .filter(|s| s.enabled)
                .map(|s| s.id.clone())
                .collect();
            leases.register(&ids).await?;
            self.registered = Some(Arc::clone(&config));
        }
        // Another instance's writes make the feeds cached here stale.
        let generation = leases.generation().await?;
        if self.generation.is_some_and(|g| g != generation) {
            app.store_changed();
        }
        self.generation = Some(generation);

        let room = config
            .settings
            .concurrency
            .max(1)
            .saturating_sub(running.len());
        let mut claimed = Vec::new();
        if room > 0 {
            let lease = config.settings.run_timeout.saturating_add(LEASE_MARGIN);
            let limit = i64::try_from(room).unwrap_or(i64::MAX);
            for claim in leases.claim_due(limit, lease).await? {
                if let Some(from) = &claim.taken_over_from {
                    tracing::warn!(
                        "{}: taken over from {from}, whose lease ended",
                        claim.source_id
                    );
                }
                let source = config
                    .sources
                    .iter()
                    .find(|s| s.id == claim.source_id && s.enabled);
                match source {
                    Some(source) if !running.contains(&source.id) => {
                        claimed.push((source.clone(), Arc::clone(&leases)));
                    }
                    // Running here already (an operator's request), or not a source of this
                    // config (removed or disabled): back to the schedule, due later.
                    _ => {
                        let later = chrono::Utc::now()
                            + chrono::Duration::from_std(POLL.saturating_mul(30))
                                .unwrap_or_default();
                        leases.finish(&claim.source_id, later).await?;
                    }
                }
            }
        }
        let next = leases.next_due_in().await?.unwrap_or(POLL);
        Ok((claimed, next.clamp(Duration::from_millis(100), POLL)))
    }
}
