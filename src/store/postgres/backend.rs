//! The PostgreSQL store: [`Storage`] on a database several instances share.
//!
//! Records are the embedded store's (article records are the same zstd frames, clusters,
//! merges, validators and source state the same JSON); the columns are what queries select,
//! order or lock by. Finding copies ([`copies::find`]) and joining clusters
//! ([`clusters::join`]) are the same code as sled's, answered by SQL here.
//!
//! Every article write is one transaction under one advisory lock shared by all instances, so
//! two instances storing two copies of one story at the same moment still find each other, and
//! a kill at any moment leaves the whole article (and its cluster) or none of it. Each write
//! bumps the `generation` row: instances compare it to know their cached feeds are stale.
//!
//! Search needs no index of its own: each article's words (folded by the embedded index's own
//! analysis, with positions) are a `tsvector` column under a GIN index, and a query's words and
//! phrases become a `tsquery`, so both backends find the same articles.
//!
//! It must not decide what is a copy or which member represents a story, and nothing outside
//! this module and [`super::pool`] writes SQL for articles.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use tokio_postgres::types::ToSql;
use tokio_postgres::Transaction;

use super::pool::{Connection, Pool};
use crate::dedupe::Profile;
use crate::normalize::Article;
use crate::store::clusters::{self, ClusterRecords};
use crate::store::copies::{
    self, decode_profile, encode_profile, DedupLookup, RecentProfiles, SerialProfile, MAX_POSTINGS,
};
use crate::store::search::{self, Wanted};
use crate::store::transfer::{Moved, Record};
use crate::store::{
    decode, encode_article, search_text, Cluster, Cursor, Merge, Page, PageQuery, RobotsRecord,
    Scope, SourceState, Storage, StoreError, Stored, StoredArticle, Validators,
};

/// The advisory lock every instance's article writes take ("pfwrit" in ASCII).
const WRITE_LOCK: i64 = 0x7066_7772_6974;
/// tsvector positions stop here (PostgreSQL's limit); later words share it.
const LAST_POSITION: u32 = 16_383;
/// Positions kept per word (PostgreSQL keeps 256).
const POSITIONS_PER_WORD: usize = 256;

/// The open PostgreSQL store.
pub struct PgStore {
    pool: Pool,
    /// Serializes this instance's writers (the advisory lock serializes instances) and holds
    /// the profiles they read, with the generation they are current at.
    writer: std::sync::Mutex<(RecentProfiles, i64)>,
}

/// A query on one connection of the pool: waits for it, and forgets the connection when it
/// broke.
macro_rules! sql {
    ($store:expr, $conn:expr, $method:ident($($arg:expr),* $(,)?)) => {{
        let result = {
            let client = $conn.client()?;
            $store.pool.wait(client.$method($($arg),*))
        };
        result.map_err(|e| {
            $conn.check(&e);
            pg_error(e)
        })
    }};
}

/// A query inside a transaction.
macro_rules! tx {
    ($tx:expr, $method:ident($($arg:expr),* $(,)?)) => {
        futures_executor::block_on($tx.$method($($arg),*)).map_err(pg_error)
    };
}

impl PgStore {
    /// Connects to `url`, applying the migrations its schema lacks.
    pub fn open(url: &str) -> Result<PgStore, StoreError> {
        let pool = Pool::open(url)?;
        let owned = url.to_string();
        pool.spawn(async move { super::migrate(&owned).await })?
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok(PgStore {
            pool,
            writer: std::sync::Mutex::new((RecentProfiles::new(), -1)),
        })
    }

    /// The write generation: it changes whenever any instance stores or changes an article.
    pub fn generation(&self) -> Result<i64, StoreError> {
        let mut conn = self.pool.get()?;
        let row = sql!(self, conn, query_one("SELECT value FROM generation", &[]))?;
        row.try_get(0).map_err(pg_error)
    }

    /// Whether the database answers.
    pub fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.pool.get()?;
        sql!(self, conn, simple_query("SELECT 1")).map(drop)
    }

    /// Receives a whole store's records ([`Record`]) from `give`, in one transaction: the
    /// database holds all of them, with their serials, first-seen times, clusters and
    /// counters, or none. Refused when the database already holds articles (two stores are
    /// not merged this way).
    pub fn receive(
        &self,
        give: impl FnOnce(&mut dyn FnMut(Record) -> Result<(), StoreError>) -> Result<(), StoreError>,
    ) -> Result<Moved, StoreError> {
        let _writer = self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut conn = self.connection()?;
        let received = (|| {
            let client = conn.client()?;
            let tx = futures_executor::block_on(client.transaction()).map_err(pg_error)?;
            tx!(
                tx,
                execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])
            )?;
            let held: i64 = tx!(tx, query_one("SELECT count(*) FROM articles", &[]))?
                .try_get(0)
                .map_err(pg_error)?;
            if held > 0 {
                return Err(StoreError::Backend(format!(
                    "the database already holds {held} articles: migrate into an empty one"
                )));
            }
            let mut moved = Moved::default();
            // Articles stored before serials existed get theirs once the others are in.
            let mut unnumbered: Vec<StoredArticle> = Vec::new();
            give(&mut |record| {
                moved.add(&record);
                match record {
                    Record::Article(article) if article.serial == 0 => {
                        unnumbered.push(*article);
                        Ok(())
                    }
                    record => receive_one(&tx, record),
                }
            })?;
            tx!(
                tx,
                execute(
                    "SELECT setval(pg_get_serial_sequence('articles', 'serial'), \
                     GREATEST((SELECT MAX(serial) FROM articles), 1))",
                    &[]
                )
            )?;
            for mut article in unnumbered {
                let serial: i64 = tx!(
                    tx,
                    query_one(
                        "SELECT nextval(pg_get_serial_sequence('articles', 'serial'))",
                        &[]
                    )
                )?
                .try_get(0)
                .map_err(pg_error)?;
                article.serial =
                    u64::try_from(serial).map_err(|_| bad_serial(&article.article.key))?;
                insert_article(&tx, &article)?;
            }
            // What the records imply: counters, the serial sequence, postings beyond the cap.
            tx!(
                tx,
                batch_execute(
                    "INSERT INTO counts (source_id, articles) \
                     SELECT source_id, count(*) FROM articles GROUP BY source_id \
                     ON CONFLICT (source_id) DO UPDATE SET articles = excluded.articles; \
                     UPDATE generation SET value = value + 1;"
                )
            )?;
            let keep = i64::try_from(MAX_POSTINGS).unwrap_or(i64::MAX);
            tx!(
                tx,
                execute(
                    "DELETE FROM sketch s USING (SELECT hash, serial, row_number() OVER \
                     (PARTITION BY hash ORDER BY serial DESC) AS n FROM sketch) old \
                     WHERE s.hash = old.hash AND s.serial = old.serial AND old.n > $1",
                    &[&keep],
                )
            )?;
            futures_executor::block_on(tx.commit()).map_err(pg_error)?;
            // Queries are planned from statistics; a table filled at once has none until
            // autovacuum comes by.
            futures_executor::block_on(client.batch_execute("ANALYZE")).map_err(pg_error)?;
            Ok(moved)
        })();
        if received.is_err() {
            conn.forget_if_closed();
        }
        received
    }

    fn connection(&self) -> Result<Connection<'_>, StoreError> {
        self.pool.get()
    }

    fn json<T: serde::de::DeserializeOwned>(
        &self,
        select: &str,
        key: &str,
    ) -> Result<Option<T>, StoreError> {
        let mut conn = self.connection()?;
        let row = sql!(self, conn, query_opt(select, &[&key]))?;
        match row {
            None => Ok(None),
            Some(row) => {
                let text: String = row.try_get(0).map_err(pg_error)?;
                serde_json::from_str(&text)
                    .map(Some)
                    .map_err(|source| StoreError::Decode {
                        key: key.to_string(),
                        source,
                    })
            }
        }
    }

    fn put_json<T: serde::Serialize>(
        &self,
        upsert: &str,
        key: &str,
        value: &T,
    ) -> Result<(), StoreError> {
        let text = serde_json::to_string(value)?;
        let mut conn = self.connection()?;
        sql!(self, conn, execute(upsert, &[&key, &text])).map(drop)
    }

    /// The keys and records of a page's rows, in feed order, up to `limit + 1`.
    fn page_rows(&self, query: &PageQuery<'_>) -> Result<Vec<PageRow>, StoreError> {
        let mut params: Vec<Box<dyn ToSql + Sync + Send>> = Vec::new();
        let mut param = |value: Box<dyn ToSql + Sync + Send>| {
            params.push(value);
            format!("${}", params.len())
        };
        let unified = matches!(query.scope, Scope::All);
        let mut conditions = Vec::new();
        match query.scope {
            Scope::All => conditions.push("a.duplicate_of IS NULL".to_string()),
            Scope::Source(id) => {
                conditions.push(format!("a.source_id = {}", param(Box::new(id.to_string()))))
            }
        }
        // A story matches through any of its copies (the embedded index's story fields).
        let in_story = |condition: String| {
            if unified {
                format!("a.key IN (SELECT m.story FROM articles m WHERE m.{condition})")
            } else {
                format!("a.{condition}")
            }
        };
        let filter = &query.filter;
        if let Some(q) = &filter.q {
            match tsquery(q) {
                Words::Nothing => return Ok(Vec::new()),
                Words::Any => {}
                Words::Query(text) => {
                    let p = param(Box::new(text));
                    conditions.push(in_story(format!("words @@ {p}::text::tsquery")));
                }
            }
        }
        if let Some(sources) = &filter.sources {
            let p = param(Box::new(sources.clone()));
            conditions.push(in_story(format!("source_id = ANY({p})")));
        }
        if let Some(category) = &filter.category {
            let p = param(Box::new(search::fold(category)));
            let mut either = format!("a.category = {p}");
            if !filter.category_sources.is_empty() {
                let s = param(Box::new(filter.category_sources.clone()));
                either = format!(
                    "({either} OR {})",
                    in_story(format!("source_id = ANY({s})"))
                );
            }
            conditions.push(either);
        }
        let ascending = query.after.is_some();
        let cursor = match (&query.after, &query.before) {
            (Some(after), _) => Some((">", after)),
            (None, Some(before)) => Some(("<", before)),
            (None, None) => None,
        };
        if let Some((op, cursor)) = cursor {
            let (time, key) = cursor_parts(cursor);
            let t = param(Box::new(time));
            let k = param(Box::new(key));
            conditions.push(format!("(a.published_s, a.key) {op} ({t}, {k})"));
        }
        let direction = if ascending { "ASC" } else { "DESC" };
        let limit = i64::try_from(query.limit.saturating_add(1)).unwrap_or(i64::MAX);
        let l = param(Box::new(limit));
        let cluster = if unified {
            "(SELECT c.record::text FROM clusters c WHERE c.representative = a.key)"
        } else {
            "NULL::text"
        };
        let statement = format!(
            "SELECT a.key, a.record, {cluster} FROM articles a WHERE {} \
             ORDER BY a.published_s {direction}, a.key {direction} LIMIT {l}",
            conditions.join(" AND ")
        );
        let refs: Vec<&(dyn ToSql + Sync)> = params
            .iter()
            .map(|p| p.as_ref() as &(dyn ToSql + Sync))
            .collect();
        let mut conn = self.connection()?;
        let rows = sql!(self, conn, query(statement.as_str(), &refs))?;
        rows.into_iter()
            .map(|row| {
                Ok(PageRow {
                    key: row.try_get(0).map_err(pg_error)?,
                    record: row.try_get(1).map_err(pg_error)?,
                    cluster: row.try_get(2).map_err(pg_error)?,
                })
            })
            .collect()
    }

    /// The article transaction of [`Storage::put_article`], under the write lock: what it
    /// stored, and the serial its profile was indexed under.
    #[allow(clippy::too_many_arguments)]
    fn write(
        tx: &Transaction<'_>,
        recent: &mut RecentProfiles,
        source_id: &str,
        article: Article,
        profile: &Profile,
        links: &[String],
        now: DateTime<FixedOffset>,
    ) -> Result<(Stored, Option<u64>), StoreError> {
        let key = article.key.clone();
        for link in links {
            tx!(
                tx,
                execute(
                    "INSERT INTO links (link, key) VALUES ($1, $2) \
                     ON CONFLICT (link) DO UPDATE SET key = excluded.key",
                    &[link, &key],
                )
            )?;
        }
        let existing = tx!(
            tx,
            query_opt("SELECT record FROM articles WHERE key = $1", &[&key])
        )?;
        let profile_bytes = encode_profile(&key, source_id, profile);
        let hashes: Vec<i64> = profile.sketch.iter().map(|h| as_i64(*h)).collect();
        let index = |serial: i64| -> Result<(), StoreError> {
            insert_profile(tx, serial, &profile_bytes, &profile.sketch)?;
            // A hash's postings keep the newest few, as in the embedded index.
            let keep = i64::try_from(MAX_POSTINGS).unwrap_or(i64::MAX);
            tx!(
                tx,
                execute(
                    "DELETE FROM sketch s USING (SELECT hash, serial, row_number() OVER \
                     (PARTITION BY hash ORDER BY serial DESC) AS n FROM sketch \
                     WHERE hash = ANY($1)) old \
                     WHERE s.hash = old.hash AND s.serial = old.serial AND old.n > $2",
                    &[&hashes, &keep],
                )
            )?;
            Ok(())
        };
        if let Some(row) = existing {
            let bytes: Vec<u8> = row.try_get(0).map_err(pg_error)?;
            let old: StoredArticle = decode(&key, &bytes)?;
            let mut article = article;
            if !article.dated {
                // "First seen" is only meaningful the first time.
                article.published = old.article.published;
                article.updated = old.article.updated;
            }
            if old.article.content_hash == article.content_hash
                && old.article.updated >= article.updated
                && old.article.published == article.published
            {
                return Ok((Stored::Unchanged, None));
            }
            // An edit keeps the entry's identity and moves `updated` forward.
            if article.updated <= old.article.updated {
                article.updated = now.max(old.article.updated);
            }
            // The edited text replaces the old one in the dedup index.
            let serial = i64::try_from(old.serial).map_err(|_| bad_serial(&key))?;
            tx!(
                tx,
                execute("DELETE FROM sketch WHERE serial = $1", &[&serial])
            )?;
            index(serial)?;
            let record = StoredArticle {
                article,
                syllables: profile.syllables,
                ..old
            };
            let words = tsvector(&search_text(&record.article));
            let category = record.article.category.as_deref().map(search::fold);
            tx!(
                tx,
                execute(
                    "UPDATE articles SET published = $2, published_s = $3, fingerprint = $4, \
                     record = $5, category = $6, words = $7::text::tsvector WHERE key = $1",
                    &[
                        &key,
                        &record.article.published,
                        &record.article.published.timestamp(),
                        &record.article.fingerprint,
                        &encode_article(&record)?,
                        &category,
                        &words,
                    ],
                )
            )?;
            return Ok((Stored::Updated, Some(old.serial)));
        }
        let matches = copies::find(
            &mut PgLookup { tx, recent },
            &key,
            &article.fingerprint,
            profile,
        )?;
        let serial: i64 = tx!(
            tx,
            query_one(
                "SELECT nextval(pg_get_serial_sequence('articles', 'serial'))",
                &[]
            )
        )?
        .try_get(0)
        .map_err(pg_error)?;
        let serial_u64 = u64::try_from(serial).map_err(|_| bad_serial(&key))?;
        index(serial)?;
        let mut record = StoredArticle {
            article,
            source_id: source_id.to_string(),
            first_seen: now,
            duplicate_of: None,
            serial: serial_u64,
            syllables: profile.syllables,
            copies: Vec::new(),
        };
        let outcome = match matches.first() {
            None => Stored::New,
            Some(best) => {
                let matched: Vec<String> = matches.iter().map(|m| m.key.clone()).collect();
                let joined = clusters::join(
                    &PgClusters { tx },
                    clusters::member_of(&record),
                    &matched,
                    now,
                )?;
                if joined.representative != key {
                    record.duplicate_of = Some(joined.representative.clone());
                }
                let merge = Merge::found(now, &key, source_id, best, joined.representative);
                tx!(
                    tx,
                    execute(
                        "INSERT INTO merges (at, key, record) VALUES ($1, $2, $3::text::jsonb) \
                         ON CONFLICT (at, key) DO UPDATE SET record = excluded.record",
                        &[&now, &key, &serde_json::to_string(&merge)?],
                    )
                )?;
                tx!(
                    tx,
                    execute(
                        "INSERT INTO counts (source_id, merged) VALUES ($1, 1) \
                         ON CONFLICT (source_id) DO UPDATE SET merged = counts.merged + 1",
                        &[&source_id],
                    )
                )?;
                Stored::Duplicate {
                    of: best.key.clone(),
                }
            }
        };
        insert_article(tx, &record)?;
        tx!(
            tx,
            execute(
                "INSERT INTO counts (source_id, articles) VALUES ($1, 1) \
                 ON CONFLICT (source_id) DO UPDATE SET articles = counts.articles + 1",
                &[&source_id],
            )
        )?;
        Ok((outcome, Some(serial_u64)))
    }
}

/// Inserts a new article row (its serial taken from the record).
fn insert_article(tx: &Transaction<'_>, record: &StoredArticle) -> Result<(), StoreError> {
    let key = &record.article.key;
    let serial = i64::try_from(record.serial).map_err(|_| bad_serial(key))?;
    let words = tsvector(&search_text(&record.article));
    let category = record.article.category.as_deref().map(search::fold);
    tx!(
        tx,
        execute(
            "INSERT INTO articles (key, serial, source_id, published, first_seen, \
             duplicate_of, fingerprint, record, published_s, category, words) \
             OVERRIDING SYSTEM VALUE \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::text::tsvector)",
            &[
                key,
                &serial,
                &record.source_id,
                &record.article.published,
                &record.first_seen,
                &record.duplicate_of,
                &record.article.fingerprint,
                &encode_article(record)?,
                &record.article.published.timestamp(),
                &category,
                &words,
            ],
        )
    )
    .map(drop)
}

/// Adds a profile record (as encoded) and its sketch postings under `serial`.
fn insert_profile(
    tx: &Transaction<'_>,
    serial: i64,
    bytes: &[u8],
    sketch: &[u64],
) -> Result<(), StoreError> {
    let hashes: Vec<i64> = sketch.iter().map(|h| as_i64(*h)).collect();
    tx!(
        tx,
        execute(
            "INSERT INTO profiles (serial, profile) VALUES ($1, $2) \
             ON CONFLICT (serial) DO UPDATE SET profile = excluded.profile",
            &[&serial, &bytes],
        )
    )?;
    tx!(
        tx,
        execute(
            "INSERT INTO sketch (hash, serial) SELECT h, $2 FROM unnest($1::bigint[]) h \
             ON CONFLICT DO NOTHING",
            &[&hashes, &serial],
        )
    )
    .map(drop)
}

/// Writes one received record.
fn receive_one(tx: &Transaction<'_>, record: Record) -> Result<(), StoreError> {
    match record {
        Record::Article(article) => insert_article(tx, &article),
        Record::Link { link, key } => tx!(
            tx,
            execute(
                "INSERT INTO links (link, key) VALUES ($1, $2) \
                 ON CONFLICT (link) DO UPDATE SET key = excluded.key",
                &[&link, &key],
            )
        )
        .map(drop),
        Record::Profile { serial, bytes } => {
            let Some(decoded) = decode_profile(&bytes) else {
                // Unreadable: the article is simply not found as a candidate (as in sled).
                return Ok(());
            };
            let serial = i64::try_from(serial).map_err(|_| bad_serial(&decoded.key))?;
            insert_profile(tx, serial, &bytes, &decoded.profile.sketch)
        }
        Record::Cluster {
            representative,
            cluster,
        } => PgClusters { tx }.put_cluster(&representative, &cluster),
        Record::Merge(merge) => tx!(
            tx,
            execute(
                "INSERT INTO merges (at, key, record) VALUES ($1, $2, $3::text::jsonb) \
                 ON CONFLICT (at, key) DO UPDATE SET record = excluded.record",
                &[&merge.at, &merge.key, &serde_json::to_string(&merge)?],
            )
        )
        .map(drop),
        Record::Merged { source_id, count } => tx!(
            tx,
            execute(
                "INSERT INTO counts (source_id, merged) VALUES ($1, $2) \
                 ON CONFLICT (source_id) DO UPDATE SET merged = excluded.merged",
                &[&source_id, &i64::try_from(count).unwrap_or(i64::MAX)],
            )
        )
        .map(drop),
        Record::Validators { url, validators } => tx!(
            tx,
            execute(
                "INSERT INTO validators (url, record) VALUES ($1, $2::text::jsonb) \
                 ON CONFLICT (url) DO UPDATE SET record = excluded.record",
                &[&url, &serde_json::to_string(&validators)?],
            )
        )
        .map(drop),
        Record::SourceState { source_id, state } => tx!(
            tx,
            execute(
                "INSERT INTO sources (id, state) VALUES ($1, $2::text::jsonb) \
                 ON CONFLICT (id) DO UPDATE SET state = excluded.state",
                &[&source_id, &serde_json::to_string(&state)?],
            )
        )
        .map(drop),
        Record::Failures { link, attempts } => tx!(
            tx,
            execute(
                "INSERT INTO failures (link, attempts) VALUES ($1, $2) \
                 ON CONFLICT (link) DO UPDATE SET attempts = excluded.attempts",
                &[&link, &i32::try_from(attempts).unwrap_or(i32::MAX)],
            )
        )
        .map(drop),
        Record::Robots {
            site,
            fetched,
            text,
        } => tx!(
            tx,
            execute(
                "INSERT INTO robots (site, record) VALUES ($1, $2::text::jsonb) \
                 ON CONFLICT (site) DO UPDATE SET record = excluded.record",
                &[
                    &site,
                    &serde_json::to_string(&RobotsRecord { fetched, text })?
                ],
            )
        )
        .map(drop),
    }
}

/// A row of a feed page.
struct PageRow {
    key: String,
    record: Vec<u8>,
    cluster: Option<String>,
}

/// The database's answers to [`copies::find`], inside the writer's transaction.
struct PgLookup<'a, 't> {
    tx: &'a Transaction<'t>,
    recent: &'a mut RecentProfiles,
}

impl DedupLookup for PgLookup<'_, '_> {
    fn exact(&mut self, fingerprint: &str) -> Result<Option<(String, String, u64)>, StoreError> {
        let row = tx!(
            self.tx,
            query_opt(
                "SELECT key, source_id, serial FROM articles WHERE fingerprint = $1 \
                 ORDER BY serial LIMIT 1",
                &[&fingerprint],
            )
        )?;
        let Some(row) = row else {
            return Ok(None);
        };
        let serial: i64 = row.try_get(2).map_err(pg_error)?;
        Ok(Some((
            row.try_get(0).map_err(pg_error)?,
            row.try_get(1).map_err(pg_error)?,
            u64::try_from(serial).unwrap_or_default(),
        )))
    }

    fn postings(&mut self, hashes: &[u64]) -> Result<Vec<u64>, StoreError> {
        let hashes: Vec<i64> = hashes.iter().map(|h| as_i64(*h)).collect();
        let keep = i64::try_from(MAX_POSTINGS).unwrap_or(i64::MAX);
        let rows = tx!(
            self.tx,
            query(
                "SELECT p.serial FROM unnest($1::bigint[]) AS h(hash) CROSS JOIN LATERAL \
                 (SELECT serial FROM sketch WHERE sketch.hash = h.hash \
                  ORDER BY serial DESC LIMIT $2) p",
                &[&hashes, &keep],
            )
        )?;
        Ok(rows
            .iter()
            .filter_map(|row| row.try_get::<_, i64>(0).ok())
            .filter_map(|serial| u64::try_from(serial).ok())
            .collect())
    }

    fn profile(&mut self, serial: u64) -> Result<Option<Arc<SerialProfile>>, StoreError> {
        if let Some(known) = self.recent.get(serial) {
            return Ok(Some(known));
        }
        let Ok(id) = i64::try_from(serial) else {
            return Ok(None);
        };
        let row = tx!(
            self.tx,
            query_opt("SELECT profile FROM profiles WHERE serial = $1", &[&id])
        )?;
        let Some(profile) = row
            .and_then(|row| row.try_get::<_, Vec<u8>>(0).ok())
            .and_then(|bytes| decode_profile(&bytes))
        else {
            return Ok(None);
        };
        Ok(Some(self.recent.remember(serial, profile)))
    }

    fn cluster_of(&mut self, key: &str) -> Result<Option<(String, Cluster)>, StoreError> {
        cluster_of(self.tx, key)
    }
}

/// The cluster `key` belongs to, read in `tx` (or on a plain connection).
fn cluster_of(
    client: &impl tokio_postgres::GenericClient,
    key: &str,
) -> Result<Option<(String, Cluster)>, StoreError> {
    let row = futures_executor::block_on(client.query_opt(
        "SELECT c.representative, c.record::text FROM clusters c \
         WHERE c.representative = COALESCE((SELECT story FROM articles WHERE key = $1), $1)",
        &[&key],
    ))
    .map_err(pg_error)?;
    let Some(row) = row else {
        return Ok(None);
    };
    let representative: String = row.try_get(0).map_err(pg_error)?;
    let text: String = row.try_get(1).map_err(pg_error)?;
    let cluster = decode(&representative, text.as_bytes())?;
    Ok(Some((representative, cluster)))
}

/// The database's cluster records for [`clusters::join`], inside the writer's transaction.
/// A member's representative is its article's `duplicate_of` (itself when none).
struct PgClusters<'a, 't> {
    tx: &'a Transaction<'t>,
}

impl ClusterRecords for PgClusters<'_, '_> {
    type Error = StoreError;

    fn fail(e: StoreError) -> StoreError {
        e
    }

    fn representative_of(&self, key: &str) -> Result<String, StoreError> {
        let row = tx!(
            self.tx,
            query_opt("SELECT story FROM articles WHERE key = $1", &[&key])
        )?;
        match row {
            Some(row) => row.try_get(0).map_err(pg_error),
            None => Ok(key.to_string()),
        }
    }

    fn cluster(&self, representative: &str) -> Result<Option<Cluster>, StoreError> {
        let row = tx!(
            self.tx,
            query_opt(
                "SELECT record::text FROM clusters WHERE representative = $1",
                &[&representative],
            )
        )?;
        let Some(row) = row else {
            return Ok(None);
        };
        let text: String = row.try_get(0).map_err(pg_error)?;
        decode(representative, text.as_bytes()).map(Some)
    }

    fn article(&self, key: &str) -> Result<Option<StoredArticle>, StoreError> {
        let row = tx!(
            self.tx,
            query_opt("SELECT record FROM articles WHERE key = $1", &[&key])
        )?;
        let Some(row) = row else {
            return Ok(None);
        };
        let bytes: Vec<u8> = row.try_get(0).map_err(pg_error)?;
        decode(key, &bytes).map(Some)
    }

    fn remove_cluster(&self, representative: &str) -> Result<(), StoreError> {
        tx!(
            self.tx,
            execute(
                "DELETE FROM clusters WHERE representative = $1",
                &[&representative]
            )
        )
        .map(drop)
    }

    fn put_cluster(&self, representative: &str, cluster: &Cluster) -> Result<(), StoreError> {
        tx!(
            self.tx,
            execute(
                "INSERT INTO clusters (representative, record) VALUES ($1, $2::text::jsonb) \
                 ON CONFLICT (representative) DO UPDATE SET record = excluded.record",
                &[&representative, &serde_json::to_string(cluster)?],
            )
        )
        .map(drop)
    }

    fn set_representative(&self, _member: &str, _representative: &str) -> Result<(), StoreError> {
        // Derived from `duplicate_of`, which join sets.
        Ok(())
    }

    fn write(&self, stored: &StoredArticle) -> Result<(), StoreError> {
        tx!(
            self.tx,
            execute(
                "UPDATE articles SET duplicate_of = $2, record = $3 WHERE key = $1",
                &[
                    &stored.article.key,
                    &stored.duplicate_of,
                    &encode_article(stored)?
                ],
            )
        )
        .map(drop)
    }
}

impl Storage for PgStore {
    fn set_holder(&self, _note: &str) -> Result<(), StoreError> {
        // Instances share the database: there is no lock for another process to find.
        Ok(())
    }

    fn known_link(&self, link: &str) -> Result<Option<String>, StoreError> {
        let mut conn = self.connection()?;
        let row = sql!(
            self,
            conn,
            query_opt("SELECT key FROM links WHERE link = $1", &[&link])
        )?;
        row.map(|r| r.try_get(0).map_err(pg_error)).transpose()
    }

    fn article(&self, key: &str) -> Result<Option<StoredArticle>, StoreError> {
        let mut conn = self.connection()?;
        let row = sql!(
            self,
            conn,
            query_opt("SELECT record FROM articles WHERE key = $1", &[&key])
        )?;
        let Some(row) = row else {
            return Ok(None);
        };
        let bytes: Vec<u8> = row.try_get(0).map_err(pg_error)?;
        decode(key, &bytes).map(Some)
    }

    fn put_article(
        &self,
        source_id: &str,
        article: Article,
        profile: &Profile,
        links: &[String],
        now: DateTime<FixedOffset>,
    ) -> Result<Stored, StoreError> {
        let mut writer = self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (recent, known_generation) = &mut *writer;
        let mut conn = self.connection()?;
        let key = article.key.clone();
        let written = (|| {
            let client = conn.client()?;
            let tx = futures_executor::block_on(client.transaction()).map_err(pg_error)?;
            tx!(
                tx,
                execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])
            )?;
            // Another instance wrote since: the profiles it may have changed are read again.
            let generation: i64 = tx!(tx, query_one("SELECT value FROM generation", &[]))?
                .try_get(0)
                .map_err(pg_error)?;
            if generation != *known_generation {
                recent.clear();
            }
            let (outcome, indexed) =
                PgStore::write(&tx, recent, source_id, article, profile, links, now)?;
            let generation: i64 = tx!(
                tx,
                query_one(
                    "UPDATE generation SET value = value + 1 RETURNING value",
                    &[]
                )
            )?
            .try_get(0)
            .map_err(pg_error)?;
            futures_executor::block_on(tx.commit()).map_err(pg_error)?;
            Ok((outcome, indexed, generation))
        })();
        match written {
            Ok((outcome, indexed, generation)) => {
                *known_generation = generation;
                if let Some(serial) = indexed {
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
            Err(e) => {
                conn.forget_if_closed();
                Err(e)
            }
        }
    }

    fn cluster_of(&self, key: &str) -> Result<Option<(String, Cluster)>, StoreError> {
        let mut conn = self.connection()?;
        let found = cluster_of(conn.client()?, key);
        if found.is_err() {
            conn.forget_if_closed();
        }
        found
    }

    fn merges(&self, limit: usize, source_id: Option<&str>) -> Result<Vec<Merge>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut conn = self.connection()?;
        let rows = sql!(
            self,
            conn,
            query(
                "SELECT key, record::text FROM merges WHERE $2::text IS NULL \
                 OR record->>'source_id' = $2 OR record->>'matched_source' = $2 \
                 ORDER BY at DESC, key DESC LIMIT $1",
                &[&limit, &source_id],
            )
        )?;
        rows.iter()
            .map(|row| {
                let key: String = row.try_get(0).map_err(pg_error)?;
                let text: String = row.try_get(1).map_err(pg_error)?;
                decode(&key, text.as_bytes())
            })
            .collect()
    }

    fn merged_for_source(&self, source_id: &str) -> u64 {
        self.counter(
            "SELECT merged FROM counts WHERE source_id = $1",
            Some(source_id),
        )
    }

    fn merge_count(&self) -> u64 {
        self.counter("SELECT COALESCE(SUM(merged), 0)::bigint FROM counts", None)
    }

    fn resolve(&self, url: &str) -> Result<Option<String>, StoreError> {
        let mut conn = self.connection()?;
        let row = sql!(
            self,
            conn,
            query_opt(
                "SELECT key FROM articles WHERE key = $1 \
                 UNION ALL SELECT key FROM links WHERE link = $1 LIMIT 1",
                &[&url],
            )
        )?;
        row.map(|r| r.try_get(0).map_err(pg_error)).transpose()
    }

    fn failed_attempts(&self, link: &str) -> Result<u32, StoreError> {
        let mut conn = self.connection()?;
        let row = sql!(
            self,
            conn,
            query_opt("SELECT attempts FROM failures WHERE link = $1", &[&link])
        )?;
        let attempts: i32 = match row {
            Some(row) => row.try_get(0).map_err(pg_error)?,
            None => 0,
        };
        Ok(u32::try_from(attempts).unwrap_or_default())
    }

    fn record_failure(&self, link: &str) -> Result<u32, StoreError> {
        let mut conn = self.connection()?;
        let row = sql!(
            self,
            conn,
            query_one(
                "INSERT INTO failures (link, attempts) VALUES ($1, 1) ON CONFLICT (link) \
                 DO UPDATE SET attempts = LEAST(failures.attempts, 2147483646) + 1 \
                 RETURNING attempts",
                &[&link],
            )
        )?;
        let attempts: i32 = row.try_get(0).map_err(pg_error)?;
        Ok(u32::try_from(attempts).unwrap_or_default())
    }

    fn page(&self, query: &PageQuery<'_>) -> Result<Page, StoreError> {
        let rows = self.page_rows(query)?;
        let more = rows.len() > query.limit;
        let mut entries = Vec::with_capacity(rows.len().min(query.limit));
        for row in rows.into_iter().take(query.limit) {
            let stored: StoredArticle = decode(&row.key, &row.record)?;
            let entry = match (query.scope, row.cluster) {
                (Scope::All, Some(text)) => {
                    let cluster: Cluster = decode(&row.key, text.as_bytes())?;
                    clusters::unified_entry(stored, Some(cluster), |shown| self.article(shown))?
                }
                _ => stored,
            };
            entries.push(entry);
        }
        Ok(Page::read(entries, more, query))
    }

    fn count_for_source(&self, source_id: &str) -> usize {
        usize::try_from(self.counter(
            "SELECT articles FROM counts WHERE source_id = $1",
            Some(source_id),
        ))
        .unwrap_or(usize::MAX)
    }

    fn article_count(&self) -> usize {
        usize::try_from(self.counter(
            "SELECT COALESCE(SUM(articles), 0)::bigint FROM counts",
            None,
        ))
        .unwrap_or(usize::MAX)
    }

    fn validators(&self, url: &str) -> Result<Option<Validators>, StoreError> {
        self.json("SELECT record::text FROM validators WHERE url = $1", url)
    }

    fn set_validators(&self, url: &str, validators: &Validators) -> Result<(), StoreError> {
        self.put_json(
            "INSERT INTO validators (url, record) VALUES ($1, $2::text::jsonb) \
             ON CONFLICT (url) DO UPDATE SET record = excluded.record",
            url,
            validators,
        )
    }

    fn source_state(&self, source_id: &str) -> Result<SourceState, StoreError> {
        Ok(self
            .json("SELECT state::text FROM sources WHERE id = $1", source_id)?
            .unwrap_or_default())
    }

    fn set_source_state(&self, source_id: &str, state: &SourceState) -> Result<(), StoreError> {
        self.put_json(
            "INSERT INTO sources (id, state) VALUES ($1, $2::text::jsonb) \
             ON CONFLICT (id) DO UPDATE SET state = excluded.state",
            source_id,
            state,
        )
    }

    fn flush(&self) -> Result<(), StoreError> {
        // Every write committed in its own transaction, and search reads the same rows.
        Ok(())
    }
}

impl PgStore {
    /// A counter (0 when missing or unreadable: counters are for display).
    fn counter(&self, select: &str, source_id: Option<&str>) -> u64 {
        let Ok(mut conn) = self.connection() else {
            return 0;
        };
        let params: Vec<&(dyn ToSql + Sync)> = match &source_id {
            Some(id) => vec![id],
            None => Vec::new(),
        };
        let row = (|| -> Result<Option<tokio_postgres::Row>, StoreError> {
            sql!(self, conn, query_opt(select, &params))
        })();
        row.ok()
            .flatten()
            .and_then(|r| r.try_get::<_, i64>(0).ok())
            .and_then(|n| u64::try_from(n).ok())
            .unwrap_or(0)
    }
}

impl crate::fetch::HostMemory for PgStore {
    fn recall(&self, site: &str) -> Option<(DateTime<chrono::Utc>, Option<String>)> {
        let record: RobotsRecord = self
            .json("SELECT record::text FROM robots WHERE site = $1", site)
            .ok()
            .flatten()?;
        Some((record.fetched, record.text))
    }

    fn remember(&self, site: &str, fetched: DateTime<chrono::Utc>, text: Option<&str>) {
        let record = RobotsRecord {
            fetched,
            text: text.map(str::to_string),
        };
        if let Err(e) = self.put_json(
            "INSERT INTO robots (site, record) VALUES ($1, $2::text::jsonb) \
             ON CONFLICT (site) DO UPDATE SET record = excluded.record",
            site,
            &record,
        ) {
            tracing::warn!("cannot keep the robots.txt of {site}: {e}");
        }
    }

    fn reserve_host(&self, host: &str, delay: std::time::Duration) -> Option<std::time::Duration> {
        self.host_query(
            super::leases::RESERVE_HOST,
            host,
            delay,
            super::leases::host_wait,
        )
        .map_err(|e| {
            tracing::warn!("cannot reserve a request slot of {host} with the other instances: {e}");
        })
        .ok()
    }

    fn claim_host(&self, host: &str, delay: std::time::Duration) -> Option<std::time::Duration> {
        self.host_query(
            super::leases::CLAIM_HOST,
            host,
            delay,
            super::leases::claim_wait,
        )
        .unwrap_or_else(|e| {
            tracing::warn!("cannot stamp a request to {host} for the other instances: {e}");
            None
        })
    }
}

impl PgStore {
    /// One statement about `host`'s requests (`$1` the host, `$2` the delay in seconds), its
    /// row read by `read`.
    fn host_query<T>(
        &self,
        statement: &str,
        host: &str,
        delay: std::time::Duration,
        read: fn(&tokio_postgres::Row) -> Result<T, tokio_postgres::Error>,
    ) -> Result<T, StoreError> {
        let mut conn = self.connection()?;
        let row = sql!(
            self,
            conn,
            query_one(statement, &[&host, &delay.as_secs_f64()])
        )?;
        read(&row).map_err(pg_error)
    }
}

/// A query error as the store reports it: the server's own errors as such, anything else
/// (refused, reset, closed) as the database being unreachable.
fn pg_error(e: tokio_postgres::Error) -> StoreError {
    match e.as_db_error() {
        Some(db) => StoreError::Backend(crate::text::printable(&db.to_string()).into_owned()),
        None => StoreError::Unreachable(crate::text::printable(&e.to_string()).into_owned()),
    }
}

fn bad_serial(key: &str) -> StoreError {
    StoreError::Corrupt(format!("article {key:?} has a serial out of range"))
}

/// The same 64 bits as a signed number (what a `bigint` holds).
fn as_i64(hash: u64) -> i64 {
    i64::from_be_bytes(hash.to_be_bytes())
}

/// A cursor's publication time (Unix seconds) and key.
fn cursor_parts(cursor: &Cursor) -> (i64, String) {
    (
        cursor.time(),
        String::from_utf8_lossy(cursor.0.get(8..).unwrap_or_default()).into_owned(),
    )
}

/// The words of `text` as a `tsvector` literal: each folded word (no positions: a word is
/// looked up alone), and each pair of adjacent words with its position — what phrases are
/// looked up by, as in the embedded index: a two-word phrase is one lexeme the index answers
/// exactly, instead of checking where two common words stand in every article that has both.
fn tsvector(text: &str) -> String {
    let words = search::indexed_words(text);
    let mut lexemes: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for (word, _) in &words {
        lexemes.entry(word.clone()).or_default();
    }
    for pair in words.windows(2) {
        // Words a dropped (too long) word separated are no pair.
        if let [(a, at), (b, next)] = pair {
            if *next == at.saturating_add(1) {
                let list = lexemes.entry(format!("{a} {b}")).or_default();
                if list.len() < POSITIONS_PER_WORD {
                    list.push(at.saturating_add(1).min(LAST_POSITION));
                }
            }
        }
    }
    let mut out = String::with_capacity(text.len());
    for (lexeme_text, list) in lexemes {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&lexeme(&lexeme_text));
        if !list.is_empty() {
            out.push(':');
            let numbers: Vec<String> = list.iter().map(u32::to_string).collect();
            out.push_str(&numbers.join(","));
        }
    }
    out
}

/// What a text query asks, as a `tsquery`.
enum Words {
    /// Something no article has.
    Nothing,
    /// Nothing asked.
    Any,
    Query(String),
}

/// `q` ([`search::parse_query`]) as a `tsquery` literal: words ANDed, a phrase as its word
/// pairs at consecutive positions.
fn tsquery(q: &str) -> Words {
    let mut parts = Vec::new();
    for wanted in search::parse_query(q) {
        match wanted {
            Wanted::Nothing => return Words::Nothing,
            Wanted::Words(words) => match words.as_slice() {
                [] => {}
                [word] => parts.push(lexeme(word)),
                // A phrase: its pairs, at consecutive positions.
                _ => {
                    let pairs: Vec<String> =
                        words.windows(2).map(|w| lexeme(&w.join(" "))).collect();
                    parts.push(format!("({})", pairs.join(" <-> ")));
                }
            },
        }
    }
    if parts.is_empty() {
        Words::Any
    } else {
        Words::Query(parts.join(" & "))
    }
}

/// A word quoted for a `tsvector` or `tsquery` literal.
fn lexeme(word: &str) -> String {
    format!("'{}'", word.replace('\\', "\\\\").replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_become_lexemes_with_positions_and_queries_their_conjunction() {
        assert_eq!(
            tsvector("Đắk Lắk, đắk nông"),
            "'dak' 'dak lak':1 'dak nong':3 'lak' 'lak dak':2 'nong'"
        );
        match tsquery("Đắk \"chuyển đổi số\" \"Hà Nội\"") {
            Words::Query(q) => assert_eq!(q, "'dak' & ('chuyen doi' <-> 'doi so') & ('ha noi')"),
            _ => panic!("a query"),
        }
        assert!(matches!(tsquery(" , "), Words::Any));
        assert!(matches!(tsquery(&"x".repeat(60)), Words::Nothing));
        assert_eq!(lexeme("it's\\"), "'it''s\\\\'");
    }
}
