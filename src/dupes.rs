//! Dupes: what operators see of cross-source dedup — the recent merges, and why two stored
//! articles were or were not merged (`portalfeed dupes`, `portalfeed dupes --explain A B`).
//!
//! Reads the store and recomputes profiles from stored articles exactly as the pipeline does;
//! writes nothing. Text only: every value printed goes through [`printable`].

use std::fmt::Write;

use crate::dedupe::compare;
use crate::normalize::dedupe_profile;
use crate::store::{Storage, StoreError, StoredArticle};
use crate::text::printable;

/// Why an explanation could not be given.
#[derive(Debug, thiserror::Error)]
pub enum DupesError {
    #[error("no stored article has the URL or list link {0}")]
    Unknown(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The `limit` most recent merges, newest first (those involving `source` when given), one per
/// line: when, score, the arriving copy and the stored one it matched, and the entry's key.
pub fn recent(
    store: &dyn Storage,
    source: Option<&str>,
    limit: usize,
) -> Result<String, StoreError> {
    let merges = store.merges(limit, source)?;
    let mut out = String::new();
    if merges.is_empty() {
        out.push_str("no merges recorded\n");
    }
    for m in &merges {
        let _ = writeln!(
            out,
            "{}  score {:.2}  {} {}\n    matched {} {}\n    entry {}",
            m.at.format("%Y-%m-%d %H:%M:%S %:z"),
            m.score,
            printable(&m.source_id),
            printable(&m.key),
            printable(&m.matched_source),
            printable(&m.matched),
            printable(&m.into),
        );
    }
    let _ = writeln!(out, "{} merges recorded in all", store.merge_count());
    Ok(out)
}

/// Why the articles at `first` and `second` (keys or list links) were or were not merged.
pub fn explain(store: &dyn Storage, first: &str, second: &str) -> Result<String, DupesError> {
    let a = load(store, first)?;
    let b = load(store, second)?;
    let (pa, pb) = (dedupe_profile(&a.article), dedupe_profile(&b.article));
    let verdict = compare(&pa, &pb);
    let mut out = String::new();
    for (label, stored, syllables) in [("A", &a, pa.syllables), ("B", &b, pb.syllables)] {
        let _ = writeln!(
            out,
            "{label}: {} ({}, {} syllables)\n   {}",
            printable(&stored.article.key),
            printable(&stored.source_id),
            syllables,
            printable(&stored.article.title),
        );
    }
    let cluster_a = store.cluster_of(&a.article.key)?.map(|(r, _)| r);
    let cluster_b = store.cluster_of(&b.article.key)?.map(|(r, _)| r);
    let together = cluster_a.is_some() && cluster_a == cluster_b;
    let exact = a.article.fingerprint == b.article.fingerprint;
    let _ = writeln!(
        out,
        "stored: {}",
        if together {
            format!(
                "one story, shown as the entry of {}",
                printable(cluster_a.as_deref().unwrap_or_default())
            )
        } else {
            "two entries".to_string()
        }
    );
    let _ = writeln!(
        out,
        "shingles: {} shared, {} in the smaller text, {} in the larger\n\
         containment {:.3}  Jaccard {:.3}  titles {:.3}{}",
        verdict.shared,
        verdict.smaller,
        verdict.larger,
        verdict.containment,
        verdict.jaccard,
        verdict.title,
        if exact { "  (exact copies)" } else { "" },
    );
    for conflict in &verdict.conflicts {
        let _ = writeln!(out, "conflict: {}", printable(conflict));
    }
    let same = verdict.same || exact;
    let _ = writeln!(
        out,
        "verdict: {}: {}",
        if same { "same story" } else { "different" },
        if exact && !verdict.same {
            "the same body text once folded"
        } else {
            verdict.reason.as_str()
        }
    );
    if together && !same {
        let _ = writeln!(
            out,
            "note: merged through other copies each of them matches (a story is every copy \
             linked by a match)"
        );
    }
    Ok(out)
}

fn load(store: &dyn Storage, url: &str) -> Result<StoredArticle, DupesError> {
    let key = store
        .resolve(url)?
        .ok_or_else(|| DupesError::Unknown(printable(url).into_owned()))?;
    store
        .article(&key)?
        .ok_or_else(|| DupesError::Unknown(printable(url).into_owned()))
}
