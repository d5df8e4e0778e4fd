//! Work shared by several instances on one database: which instance runs which source (a
//! lease), and when a portal's host may be asked next (politeness as a shared fact).
//!
//! A source is claimable when its `next_due` has passed. Claiming it sets its holder and pushes
//! `next_due` to the lease's end, in one statement over rows locked with `FOR UPDATE SKIP
//! LOCKED`: two instances never claim the same source, and neither waits for the other. The
//! holder finishes by setting the real next due time (from the source's interval or cron
//! line) and clearing itself; a holder that dies (kill -9) never does, so the source becomes
//! due again when the lease ends and another instance takes it over. Times are the database's
//! clock, the one clock all instances share.
//!
//! It must not decide schedules (the scheduler computes next due times) or fetch anything.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_postgres::Client;

use super::PgError;

/// One instance's handle on the shared schedule.
pub struct Leases {
    client: Client,
    /// This instance's name in `lease_holder`.
    holder: String,
    driver: tokio::task::JoinHandle<()>,
}

/// A source this instance now holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub source_id: String,
    /// The instance whose lease had ended without finishing (it died or stalled), if any.
    pub taken_over_from: Option<String>,
}

impl Leases {
    /// Connects to `url` as the instance named `holder` (host name and pid, say).
    pub async fn connect(url: &str, holder: &str) -> Result<Leases, PgError> {
        let (client, driver) = super::connect(url).await?;
        Ok(Leases {
            client,
            holder: holder.to_string(),
            driver,
        })
    }

    /// Makes `ids` known to the shared schedule (due now when new; known ones keep theirs).
    pub async fn register(&self, ids: &[String]) -> Result<(), PgError> {
        self.client
            .execute(
                "INSERT INTO sources (id, next_due) SELECT unnest($1::text[]), now() \
                 ON CONFLICT (id) DO NOTHING",
                &[&ids],
            )
            .await?;
        Ok(())
    }

    /// Claims up to `limit` due sources, oldest due first, for `lease`.
    pub async fn claim_due(&self, limit: i64, lease: Duration) -> Result<Vec<Claim>, PgError> {
        let rows = self
            .client
            .query(
                "WITH due AS ( \
                     SELECT id, lease_holder AS previous FROM sources \
                     WHERE next_due <= now() ORDER BY next_due, id LIMIT $2 \
                     FOR UPDATE SKIP LOCKED) \
                 UPDATE sources AS s \
                 SET lease_holder = $1, \
                     lease_until = now() + make_interval(secs => $3), \
                     next_due = now() + make_interval(secs => $3) \
                 FROM due WHERE s.id = due.id \
                 RETURNING s.id, due.previous",
                &[&self.holder, &limit, &lease.as_secs_f64()],
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(Claim {
                    source_id: row.try_get(0)?,
                    taken_over_from: row.try_get(1)?,
                })
            })
            .collect()
    }

    /// Extends this instance's lease on `source_id` (a long run); false when the lease was
    /// lost (it ended and another instance took the source).
    pub async fn renew(&self, source_id: &str, lease: Duration) -> Result<bool, PgError> {
        let changed = self
            .client
            .execute(
                "UPDATE sources SET lease_until = now() + make_interval(secs => $3), \
                 next_due = now() + make_interval(secs => $3) \
                 WHERE id = $2 AND lease_holder = $1",
                &[&self.holder, &source_id, &lease.as_secs_f64()],
            )
            .await?;
        Ok(changed == 1)
    }

    /// Ends this instance's lease on `source_id`: due again at `next_due`. False when the lease
    /// had been lost, in which case nothing changes (the new holder's schedule stands).
    pub async fn finish(&self, source_id: &str, next_due: DateTime<Utc>) -> Result<bool, PgError> {
        let changed = self
            .client
            .execute(
                "UPDATE sources SET lease_holder = NULL, lease_until = NULL, next_due = $3 \
                 WHERE id = $2 AND lease_holder = $1",
                &[&self.holder, &source_id, &next_due],
            )
            .await?;
        Ok(changed == 1)
    }

    /// Reserves the next request slot of `host`, `delay` after the previous one (any
    /// instance's): how long to wait before sending it (zero when it may go now).
    pub async fn reserve_host(&self, host: &str, delay: Duration) -> Result<Duration, PgError> {
        let row = self
            .client
            .query_one(RESERVE_HOST, &[&host, &delay.as_secs_f64()])
            .await?;
        Ok(host_wait(&row)?)
    }
}

impl Leases {
    /// How long until the next source is due (zero when one is; `None` when none is known).
    pub async fn next_due_in(&self) -> Result<Option<Duration>, PgError> {
        let row = self
            .client
            .query_one(
                "SELECT EXTRACT(EPOCH FROM MIN(next_due) - now())::float8 FROM sources",
                &[],
            )
            .await?;
        let seconds: Option<f64> = row.try_get(0)?;
        Ok(seconds.map(|s| Duration::try_from_secs_f64(s).unwrap_or(Duration::ZERO)))
    }

    /// The store's write generation: it changes whenever any instance stores an article.
    pub async fn generation(&self) -> Result<i64, PgError> {
        let row = self
            .client
            .query_one("SELECT value FROM generation", &[])
            .await?;
        Ok(row.try_get(0)?)
    }

    /// Whether the connection broke (the database went away): make a new handle.
    pub fn is_closed(&self) -> bool {
        self.client.is_closed()
    }
}

/// Reserves a host's next request slot ($1 the host, $2 the delay in seconds): the slot is
/// `delay` after the previous one or now, whichever is later; returns the seconds to wait.
pub(super) const RESERVE_HOST: &str = "INSERT INTO hosts AS h (host, next_request_at) \
     VALUES ($1, clock_timestamp() + make_interval(secs => $2)) \
     ON CONFLICT (host) DO UPDATE SET next_request_at = \
         GREATEST(h.next_request_at, clock_timestamp()) + make_interval(secs => $2) \
     RETURNING EXTRACT(EPOCH FROM h.next_request_at - clock_timestamp())::float8 - $2";

/// Stamps `$1` as sent a request now when `$2` seconds have passed since any instance last
/// did; returns the wait left and whether it stamped. One statement, so two instances cannot
/// both stamp within the delay.
pub(super) const CLAIM_HOST: &str = "INSERT INTO hosts AS h (host, last_sent_at) \
     VALUES ($1, statement_timestamp()) \
     ON CONFLICT (host) DO UPDATE SET last_sent_at = CASE \
         WHEN h.last_sent_at IS NULL \
           OR h.last_sent_at <= statement_timestamp() - make_interval(secs => $2) \
         THEN statement_timestamp() ELSE h.last_sent_at END \
     RETURNING EXTRACT(EPOCH FROM h.last_sent_at + make_interval(secs => $2) \
                   - statement_timestamp())::float8, \
               h.last_sent_at = statement_timestamp()";

/// The wait a [`CLAIM_HOST`] row says: `None` when the request may go (it was stamped).
pub(super) fn claim_wait(
    row: &tokio_postgres::Row,
) -> Result<Option<Duration>, tokio_postgres::Error> {
    let stamped: bool = row.try_get(1)?;
    if stamped {
        return Ok(None);
    }
    let wait: f64 = row.try_get(0)?;
    Ok(Some(
        Duration::try_from_secs_f64(wait).unwrap_or(Duration::ZERO),
    ))
}

/// The wait a [`RESERVE_HOST`] row says.
pub(super) fn host_wait(row: &tokio_postgres::Row) -> Result<Duration, tokio_postgres::Error> {
    let wait: f64 = row.try_get(0)?;
    Ok(Duration::try_from_secs_f64(wait).unwrap_or(Duration::ZERO))
}

impl Drop for Leases {
    fn drop(&mut self) {
        self.driver.abort();
    }
}
