//! The PostgreSQL backend: one database shared by several `portalfeed serve` instances. The
//! store proper is [`PgStore`] (`backend`), on the connections of `pool`; the shared schedule
//! is [`leases`]; this module holds the schema and its versioned migrations, applied in order,
//! each once, however many instances start together.
//!
//! Migrating: connect to a `postgres://` URL, take a session advisory lock, create the
//! `schema_migrations` table, apply every migration not recorded there (each in its own
//! transaction, recorded in the same one), release the lock. It must not run a migration it
//! cannot record: a migration and its row commit together or not at all; and it must not touch
//! articles (that is `backend`).
//!
//! Why not a migrations crate (refinery): N instances starting at once must not race to apply
//! the same version, so the lock would have to be ours around it anyway, and what is left once
//! it is taken is one table and a loop.

mod backend;
pub mod leases;
mod pool;

pub use backend::PgStore;

use tokio_postgres::NoTls;

/// The schema, in order: (version, name, SQL). A released migration is never edited; a change
/// is a new one.
pub const MIGRATIONS: &[(i32, &str, &str)] = &[
    (1, "core tables", include_str!("migrations/0001_core.sql")),
    (
        2,
        "store backend",
        include_str!("migrations/0002_backend.sql"),
    ),
    (
        3,
        "host send stamps",
        include_str!("migrations/0003_host_sends.sql"),
    ),
];

/// The advisory lock key all portalfeed instances take while migrating ("pfmigr" in ASCII).
const MIGRATION_LOCK: i64 = 0x7066_6d69_6772;

#[derive(Debug, thiserror::Error)]
pub enum PgError {
    #[error("{0} is not a PostgreSQL URL (postgres://user@host[:port]/database)")]
    NotAUrl(String),
    #[error("cannot connect to PostgreSQL at {target}: {source}")]
    Connect {
        target: String,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error("migration {version} ({name}) failed: {source}")]
    Migration {
        version: i32,
        name: &'static str,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error("PostgreSQL: {0}")]
    Query(#[from] tokio_postgres::Error),
    #[error(
        "the database's schema is at version {found}, newer than this portalfeed knows \
         ({known}): upgrade portalfeed"
    )]
    NewerSchema { found: i32, known: i32 },
}

/// What [`migrate`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migrated {
    /// The versions this run applied (none when the schema was current).
    pub applied: Vec<i32>,
    /// The schema's version now.
    pub version: i32,
}

/// Whether `store` names a PostgreSQL database rather than a sled directory.
pub fn is_url(store: &str) -> bool {
    store.starts_with("postgres://") || store.starts_with("postgresql://")
}

/// Where `url` points, without its password, for messages.
pub fn target(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            let _ = parsed.set_password(None);
            crate::text::printable(parsed.as_str()).into_owned()
        }
        Err(_) => "(an unreadable URL)".into(),
    }
}

/// A client of `url`'s database and the task that drives its connection (abort it, or let it
/// end when the client is dropped).
pub(crate) async fn connect(
    url: &str,
) -> Result<(tokio_postgres::Client, tokio::task::JoinHandle<()>), PgError> {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .map_err(|source| PgError::Connect {
            target: target(url),
            source,
        })?;
    let driver = tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!("PostgreSQL connection ended: {e}");
        }
    });
    Ok((client, driver))
}

/// Applies the migrations `url`'s database lacks; see the module's doc.
pub async fn migrate(url: &str) -> Result<Migrated, PgError> {
    if !is_url(url) {
        return Err(PgError::NotAUrl(crate::text::printable(url).into_owned()));
    }
    let (mut client, driver) = connect(url).await?;
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    let result = apply(&mut client).await;
    // Released before the connection closes either way (closing would release it too).
    let unlocked = client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await;
    drop(client);
    let _ = driver.await;
    let migrated = result?;
    unlocked?;
    Ok(migrated)
}

async fn apply(client: &mut tokio_postgres::Client) -> Result<Migrated, PgError> {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version integer PRIMARY KEY,
                 name text NOT NULL,
                 applied_at timestamptz NOT NULL DEFAULT now()
             )",
        )
        .await?;
    let current: i32 = client
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            &[],
        )
        .await?
        .try_get(0)?;
    let known = MIGRATIONS.last().map_or(0, |(v, _, _)| *v);
    if current > known {
        return Err(PgError::NewerSchema {
            found: current,
            known,
        });
    }
    let mut applied = Vec::new();
    for &(version, name, sql) in MIGRATIONS.iter().filter(|(v, _, _)| *v > current) {
        let failed = |source| PgError::Migration {
            version,
            name,
            source,
        };
        let tx = client.transaction().await.map_err(failed)?;
        tx.batch_execute(sql).await.map_err(failed)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
            &[&version, &name],
        )
        .await
        .map_err(failed)?;
        tx.commit().await.map_err(failed)?;
        applied.push(version);
    }
    Ok(Migrated {
        applied,
        version: known.max(current),
    })
}
