//! Clusters: the copies of one story, kept together so the unified feed shows the story once.
//!
//! A cluster is named by its **representative**, the member published first (ties: the smaller
//! key), whose key is the unified entry's id: it only changes if a copy published even earlier
//! turns up later. The cluster record lists every member (key, source, link, publication time,
//! length); the text shown is the representative's, unless another copy is at least
//! [`FULLER`] times as long (the representative was a truncated re-post), in which case the
//! longest's — derived from the members, not stored. Clusters are the connected components of the "same story" relation, so the same
//! articles end in the same clusters whatever order they arrive in.
//!
//! Everything here runs inside the article's transaction (sled's or PostgreSQL's, through
//! [`ClusterRecords`]): a kill at any moment leaves the
//! cluster as it was before the article or as it is after, never half-merged.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::{decode, StoreError, StoredArticle};

/// How much longer (in syllables) a copy must be to be shown instead of the representative's
/// text: 5/4. A copy with a source line or a related-links block appended is a little longer
/// and must not replace the original; a full text replacing a half-length truncation is 2×.
const FULLER: (u64, u64) = (5, 4);

/// One copy of a story.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub key: String,
    pub source_id: String,
    pub link: String,
    pub published: DateTime<FixedOffset>,
    /// Body length in syllables.
    pub syllables: u32,
    /// Its number in the dedup index.
    #[serde(default)]
    pub serial: u64,
}

/// A cluster as stored under its representative's key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    /// Every member, the representative first, then by publication time.
    pub members: Vec<Member>,
    /// When the shown text last changed to another member's.
    pub text_changed: Option<DateTime<FixedOffset>>,
}

impl Cluster {
    /// The key of the member whose text the unified entry shows (see [`FULLER`]).
    pub fn shown(&self) -> &str {
        fullest(&self.members)
    }
}

/// Another copy of a unified entry's story, for readers (`rel="related"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Copy {
    pub link: String,
    pub source_id: String,
}

/// One recorded merge: an article found to be a copy of a stored one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Merge {
    pub at: DateTime<FixedOffset>,
    /// The article that arrived.
    pub key: String,
    pub source_id: String,
    /// The stored article it matched best, and its source.
    pub matched: String,
    pub matched_source: String,
    /// Containment score of that match (1 for an exact copy).
    pub score: f64,
    /// The cluster's representative after the merge.
    pub into: String,
}

impl Merge {
    /// The merge of the article `key` of `source_id` into the story of its `best` match, now
    /// represented by `into`.
    pub(super) fn found(
        at: DateTime<FixedOffset>,
        key: &str,
        source_id: &str,
        best: &super::Match,
        into: String,
    ) -> Merge {
        Merge {
            at,
            key: key.to_string(),
            source_id: source_id.to_string(),
            matched: best.key.clone(),
            matched_source: best.source_id.clone(),
            score: best.score,
            into,
        }
    }
}

/// Key of a cluster record (sled).
pub(super) fn cluster_key(representative: &str) -> Vec<u8> {
    [b"c\0".as_slice(), representative.as_bytes()].concat()
}

/// Key of a member's "which cluster" entry (sled).
pub(super) fn member_key(key: &str) -> Vec<u8> {
    [b"m\0".as_slice(), key.as_bytes()].concat()
}

/// What [`join`] reads and writes, inside the arriving article's transaction, whatever the
/// backend.
pub(super) trait ClusterRecords {
    /// The transaction's error (sled's aborts; PostgreSQL's plain errors).
    type Error;
    fn fail(e: StoreError) -> Self::Error;
    /// The representative of `key`'s cluster (`key` itself when it is alone).
    fn representative_of(&self, key: &str) -> Result<String, Self::Error>;
    /// The cluster record named by `representative`, if one is stored.
    fn cluster(&self, representative: &str) -> Result<Option<Cluster>, Self::Error>;
    fn article(&self, key: &str) -> Result<Option<StoredArticle>, Self::Error>;
    fn remove_cluster(&self, representative: &str) -> Result<(), Self::Error>;
    fn put_cluster(&self, representative: &str, cluster: &Cluster) -> Result<(), Self::Error>;
    /// Notes that `member` is now in `representative`'s cluster.
    fn set_representative(&self, member: &str, representative: &str) -> Result<(), Self::Error>;
    /// Rewrites a stored article (after its `duplicate_of` changed).
    fn write(&self, stored: &StoredArticle) -> Result<(), Self::Error>;

    /// Rewrites a stored article's `duplicate_of`.
    fn set_duplicate_of(&self, key: &str, of: Option<&str>) -> Result<(), Self::Error> {
        let Some(mut stored) = self.article(key)? else {
            return Ok(());
        };
        let of = of.map(str::to_string);
        if stored.duplicate_of == of {
            return Ok(());
        }
        stored.duplicate_of = of;
        self.write(&stored)
    }
}

type TxResult<T> = Result<T, ConflictableTransactionError<StoreError>>;

fn abort(e: StoreError) -> ConflictableTransactionError<StoreError> {
    ConflictableTransactionError::Abort(e)
}

/// The sled store's cluster records: its `articles` and `clusters` trees in a transaction.
pub(super) struct SledClusters<'a> {
    pub articles: &'a TransactionalTree,
    pub clusters: &'a TransactionalTree,
}

impl ClusterRecords for SledClusters<'_> {
    type Error = ConflictableTransactionError<StoreError>;

    fn fail(e: StoreError) -> Self::Error {
        abort(e)
    }

    fn representative_of(&self, key: &str) -> TxResult<String> {
        Ok(self.clusters.get(member_key(key))?.map_or_else(
            || key.to_string(),
            |v| String::from_utf8_lossy(&v).into_owned(),
        ))
    }

    fn cluster(&self, representative: &str) -> TxResult<Option<Cluster>> {
        self.clusters
            .get(cluster_key(representative))?
            .map(|bytes| decode(representative, &bytes).map_err(abort))
            .transpose()
    }

    fn article(&self, key: &str) -> TxResult<Option<StoredArticle>> {
        self.articles
            .get(key.as_bytes())?
            .map(|bytes| decode(key, &bytes).map_err(abort))
            .transpose()
    }

    fn remove_cluster(&self, representative: &str) -> TxResult<()> {
        self.clusters.remove(cluster_key(representative))?;
        Ok(())
    }

    fn put_cluster(&self, representative: &str, cluster: &Cluster) -> TxResult<()> {
        let bytes = serde_json::to_vec(cluster).map_err(|e| abort(StoreError::Encode(e)))?;
        self.clusters.insert(cluster_key(representative), bytes)?;
        Ok(())
    }

    fn set_representative(&self, member: &str, representative: &str) -> TxResult<()> {
        self.clusters
            .insert(member_key(member), representative.as_bytes())?;
        Ok(())
    }

    fn write(&self, stored: &StoredArticle) -> TxResult<()> {
        let bytes = super::encode_article(stored).map_err(abort)?;
        self.articles.insert(stored.article.key.as_bytes(), bytes)?;
        Ok(())
    }
}

/// Reads the cluster named by `representative`, or a one-member cluster of that article.
fn read_cluster<R: ClusterRecords>(
    records: &R,
    representative: &str,
) -> Result<Option<Cluster>, R::Error> {
    if let Some(cluster) = records.cluster(representative)? {
        return Ok(Some(cluster));
    }
    Ok(records.article(representative)?.map(|stored| Cluster {
        members: vec![member_of(&stored)],
        text_changed: None,
    }))
}

/// A stored article as a cluster member.
pub(super) fn member_of(stored: &StoredArticle) -> Member {
    Member {
        key: stored.article.key.clone(),
        source_id: stored.source_id.clone(),
        link: stored.article.link.clone(),
        published: stored.article.published,
        syllables: stored.syllables,
        serial: stored.serial,
    }
}

/// What joining changed, for the caller's indexes.
pub(super) struct Joined {
    pub representative: String,
    /// Representatives that no longer are (their unified entries go).
    pub retired: Vec<Member>,
    /// Whether the arriving article is the representative (published before every stored
    /// copy): it enters the unified index.
    pub promoted: bool,
}

/// Puts `arriving` (not yet written to `articles`: the caller writes it with
/// `duplicate_of` set from the result) into one cluster with the stored articles `matched`,
/// merging their clusters when it bridges several.
pub(super) fn join<R: ClusterRecords>(
    records: &R,
    arriving: Member,
    matched: &[String],
    now: DateTime<FixedOffset>,
) -> Result<Joined, R::Error> {
    let mut old_representatives: Vec<String> = Vec::new();
    for key in matched {
        let representative = records.representative_of(key)?;
        if !old_representatives.contains(&representative) {
            old_representatives.push(representative);
        }
    }
    let mut members = vec![arriving.clone()];
    // Each stored member's representative before this join: its record already says so.
    let mut was_under: std::collections::HashMap<String, String> = Default::default();
    // What each old cluster showed, and when that last changed.
    let mut shown: Vec<(String, String)> = Vec::new();
    let mut text_changed: Option<DateTime<FixedOffset>> = None;
    for representative in &old_representatives {
        let Some(cluster) = read_cluster(records, representative)? else {
            continue;
        };
        shown.push((representative.clone(), cluster.shown().to_string()));
        text_changed = text_changed.max(cluster.text_changed);
        records.remove_cluster(representative)?;
        for member in &cluster.members {
            was_under.insert(member.key.clone(), representative.clone());
        }
        members.extend(cluster.members);
    }
    members.sort_by(|a, b| (a.published, &a.key).cmp(&(b.published, &b.key)));
    members.dedup_by(|a, b| a.key == b.key);
    let Some(first) = members.first().cloned() else {
        return Err(R::fail(StoreError::Corrupt(
            "a cluster without members".into(),
        )));
    };
    // Readers who had the surviving entry see it updated when its text is now another copy's.
    let before = shown.iter().find(|(r, _)| *r == first.key).map(|(_, f)| f);
    if before.is_some_and(|f| f != fullest(&members)) {
        text_changed = Some(now);
    }
    for member in &members {
        records.set_representative(&member.key, &first.key)?;
        // Only records whose representative changed are rewritten: a copy joining a story
        // costs one record, not one per member.
        if member.key != arriving.key && was_under.get(&member.key) != Some(&first.key) {
            let of = (member.key != first.key).then_some(first.key.as_str());
            records.set_duplicate_of(&member.key, of)?;
        }
    }
    let retired: Vec<Member> = members
        .iter()
        .filter(|m| old_representatives.contains(&m.key) && m.key != first.key)
        .cloned()
        .collect();
    let promoted = first.key == arriving.key;
    let cluster = Cluster {
        members,
        text_changed,
    };
    records.put_cluster(&first.key, &cluster)?;
    Ok(Joined {
        representative: first.key,
        retired,
        promoted,
    })
}

/// A unified feed's entry for the representative `stored` of `cluster` (none: no copies): the
/// story's other copies, the fullest copy's text (read through `article`), and `updated` moved
/// to when that text replaced another.
pub(super) fn unified_entry(
    mut stored: StoredArticle,
    cluster: Option<Cluster>,
    article: impl FnOnce(&str) -> Result<Option<StoredArticle>, StoreError>,
) -> Result<StoredArticle, StoreError> {
    let Some(cluster) = cluster else {
        return Ok(stored);
    };
    let key = stored.article.key.clone();
    stored.copies = cluster
        .members
        .iter()
        .filter(|m| m.key != key)
        .map(|m| Copy {
            link: m.link.clone(),
            source_id: m.source_id.clone(),
        })
        .collect();
    if cluster.shown() != key {
        if let Some(full) = article(cluster.shown())? {
            stored.article.content_html = full.article.content_html;
            stored.article.summary = full.article.summary;
        }
    }
    if let Some(changed) = cluster.text_changed {
        stored.article.updated = stored.article.updated.max(changed);
    }
    Ok(stored)
}

/// The member whose text is shown: the representative's, unless another is [`FULLER`] times
/// as long (then the longest; ties to the earlier).
fn fullest(members: &[Member]) -> &str {
    let Some(first) = members.first() else {
        return "";
    };
    let longest = members
        .iter()
        .rev()
        .max_by_key(|m| m.syllables)
        .unwrap_or(first);
    let (num, den) = FULLER;
    // A representative stored before lengths were kept (0) keeps its text.
    if first.syllables > 0
        && u64::from(longest.syllables) * den >= u64::from(first.syllables) * num
        && longest.key != first.key
    {
        &longest.key
    } else {
        &first.key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(key: &str, day: u32, syllables: u32) -> Member {
        Member {
            key: key.into(),
            source_id: "s".into(),
            link: key.into(),
            published: DateTime::parse_from_rfc3339(&format!("2026-11-{day:02}T08:00:00+07:00"))
                .unwrap_or_else(|e| panic!("{e}")),
            syllables,
            serial: 0,
        }
    }

    #[test]
    fn the_representative_shows_its_text_unless_a_copy_is_much_fuller() {
        let original = member("a", 1, 400);
        assert_eq!(fullest(&[original.clone(), member("b", 2, 450)]), "a");
        assert_eq!(fullest(&[original.clone(), member("b", 2, 500)]), "b");
        assert_eq!(
            fullest(&[
                member("t", 1, 200),
                member("b", 2, 400),
                member("c", 3, 400)
            ]),
            "b"
        );
        assert_eq!(fullest(&[original]), "a");
        assert_eq!(fullest(&[member("old", 1, 0), member("b", 2, 400)]), "old");
        assert_eq!(fullest(&[]), "");
    }
}
