//! Copies: which stored articles an arriving one is the same story as, whatever backend keeps
//! them.
//!
//! A backend gives a [`DedupLookup`] (the first article with an exact fingerprint, the
//! candidates its sketch index finds, a profile by serial, a cluster by member); [`find`] runs
//! the one algorithm over it: an exact copy first, then candidates confirmed by
//! [`crate::dedupe::compare`], best first, and no match whose story would hold two conflicting
//! texts. It must not read or write any store itself, nor decide what "the same story" means
//! (that is [`crate::dedupe`]).

use std::collections::HashMap;
use std::sync::Arc;

use super::{Cluster, StoreError};
use crate::dedupe::Profile;

/// A stored article that is the same story, with the score of the match.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub key: String,
    pub source_id: String,
    pub score: f64,
}

/// A sketch hash's posting list keeps the newest this many articles: a shingle shared by more
/// articles than this is boilerplate, and a lookup must cost the same at a million articles as
/// at a thousand.
pub(super) const MAX_POSTINGS: usize = 32;
/// At most this many candidates are confirmed per article, those sharing most hashes first.
const MAX_CANDIDATES: usize = 16;
/// Decoded profiles a writer keeps (a long article's is ~10 KB).
const RECENT_PROFILES: usize = 1024;

/// A stored article's dedup profile with its key and source.
pub(super) struct SerialProfile {
    pub key: String,
    pub source_id: String,
    pub profile: Profile,
}

/// The dedup profiles most recently stored or compared, decoded, by serial: a new article is
/// compared with up to [`MAX_CANDIDATES`] stored ones, mostly recent, and decoding them again
/// for each was 8% of a cold build. Only a writer (under its backend's writer lock) reads or
/// changes it, and a profile a write replaced (an edited article keeps its serial) is replaced
/// here when that write commits.
pub(super) struct RecentProfiles(lru::LruCache<u64, Arc<SerialProfile>>);

impl RecentProfiles {
    pub fn new() -> RecentProfiles {
        RecentProfiles(lru::LruCache::new(
            std::num::NonZeroUsize::new(RECENT_PROFILES).unwrap_or(std::num::NonZeroUsize::MIN),
        ))
    }

    pub fn get(&mut self, serial: u64) -> Option<Arc<SerialProfile>> {
        self.0.get(&serial).map(Arc::clone)
    }

    pub fn remember(&mut self, serial: u64, profile: SerialProfile) -> Arc<SerialProfile> {
        let profile = Arc::new(profile);
        self.0.put(serial, Arc::clone(&profile));
        profile
    }

    /// Forgets everything (another instance may have changed the profiles).
    pub fn clear(&mut self) {
        self.0.clear();
    }
}

/// What a backend answers for [`find`].
pub(super) trait DedupLookup {
    /// The first stored article with this exact-copy fingerprint: key, source, serial.
    fn exact(&mut self, fingerprint: &str) -> Result<Option<(String, String, u64)>, StoreError>;
    /// For each of `hashes`, the serials of the newest [`MAX_POSTINGS`] articles whose sketch
    /// has it.
    fn postings(&mut self, hashes: &[u64]) -> Result<Vec<u64>, StoreError>;
    /// The profile record under `serial` (`None` when missing or unreadable).
    fn profile(&mut self, serial: u64) -> Result<Option<Arc<SerialProfile>>, StoreError>;
    /// The cluster `key` belongs to, under its representative's key, when it has copies.
    fn cluster_of(&mut self, key: &str) -> Result<Option<(String, Cluster)>, StoreError>;
}

/// The stored articles that are the same story as an arriving article (`key`, with this
/// exact-copy `fingerprint` and dedup `profile`), best first.
pub(super) fn find(
    lookup: &mut dyn DedupLookup,
    key: &str,
    fingerprint: &str,
    profile: &Profile,
) -> Result<Vec<Match>, StoreError> {
    let mut found: Vec<(Match, Option<Arc<SerialProfile>>)> = Vec::new();
    if let Some((other, source_id, serial)) = lookup.exact(fingerprint)? {
        if other != key {
            let match_ = Match {
                key: other,
                source_id,
                score: 1.0,
            };
            found.push((match_, lookup.profile(serial)?));
        }
    }
    for serial in candidates(profile, lookup.postings(&profile.sketch)?) {
        let Some(other) = lookup.profile(serial)? else {
            continue;
        };
        if other.key == key || found.iter().any(|(m, _)| m.key == other.key) {
            continue;
        }
        let verdict = crate::dedupe::compare(profile, &other.profile);
        if verdict.same {
            let match_ = Match {
                key: other.key.clone(),
                source_id: other.source_id.clone(),
                score: verdict.containment,
            };
            found.push((match_, Some(other)));
        }
    }
    found.sort_by(|(a, _), (b, _)| b.score.total_cmp(&a.score).then_with(|| a.key.cmp(&b.key)));
    // One story must not hold two texts with different numbers or names in one place
    // (A ≈ B and B ≈ C while A ≠ C would chain two template notices through a third text):
    // a match whose story conflicts with the arriving text, or with a better match's
    // story, is dropped.
    let mut accepted: Vec<(Match, String)> = Vec::new();
    let mut story: Vec<Arc<SerialProfile>> = Vec::new();
    for (match_, match_profile) in found {
        let (representative, members) = story_profiles(lookup, &match_.key, match_profile)?;
        if !accepted.iter().any(|(_, r)| *r == representative) {
            let conflict = members.iter().any(|p| {
                std::iter::once(profile)
                    .chain(story.iter().map(|q| &q.profile))
                    .any(|q| !crate::dedupe::compare::conflicts(&p.profile, q).is_empty())
            });
            if conflict {
                continue;
            }
            story.extend(members);
        }
        accepted.push((match_, representative));
    }
    Ok(accepted.into_iter().map(|(m, _)| m).collect())
}

/// The representative of `key`'s story and the profiles of all its copies (`own`, the profile
/// of `key` itself, when it is alone).
fn story_profiles(
    lookup: &mut dyn DedupLookup,
    key: &str,
    own: Option<Arc<SerialProfile>>,
) -> Result<(String, Vec<Arc<SerialProfile>>), StoreError> {
    let Some((representative, cluster)) = lookup.cluster_of(key)? else {
        return Ok((key.to_string(), own.into_iter().collect()));
    };
    let mut profiles = Vec::with_capacity(cluster.members.len());
    for member in &cluster.members {
        if let Some(p) = lookup.profile(member.serial)? {
            profiles.push(p);
        }
    }
    Ok((representative, profiles))
}

/// The serials worth comparing with `profile`, given every posting of its sketch hashes: those
/// sharing enough hashes, the most shared first, at most [`MAX_CANDIDATES`].
fn candidates(profile: &Profile, postings: Vec<u64>) -> Vec<u64> {
    let mut hits: HashMap<u64, u32> = HashMap::new();
    for serial in postings {
        *hits.entry(serial).or_default() += 1;
    }
    // A short text's sketch is all of its shingles: one shared hash is worth a look.
    let needed = if profile.sketch.len() < crate::dedupe::profile::SKETCH {
        1
    } else {
        2
    };
    let mut candidates: Vec<(u64, u32)> = hits.into_iter().filter(|(_, n)| *n >= needed).collect();
    candidates.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
    candidates.truncate(MAX_CANDIDATES);
    candidates.into_iter().map(|(serial, _)| serial).collect()
}

/// Version byte of profile records.
const PROFILE_RECORD: u8 = 1;

/// A profile record: the article's key, source and profile.
pub(super) fn encode_profile(key: &str, source_id: &str, profile: &Profile) -> Vec<u8> {
    let mut bytes = vec![PROFILE_RECORD];
    // Strings, integers and vectors always serialize.
    bytes.extend(postcard::to_allocvec(&(key, source_id, profile)).unwrap_or_default());
    bytes
}

/// A profile record's key, source and profile; `None` for another version or damage (such an
/// article is simply not found as a candidate).
pub(super) fn decode_profile(bytes: &[u8]) -> Option<SerialProfile> {
    match bytes.split_first() {
        Some((&PROFILE_RECORD, rest)) => postcard::from_bytes::<(String, String, Profile)>(rest)
            .ok()
            .map(|(key, source_id, profile)| SerialProfile {
                key,
                source_id,
                profile,
            }),
        _ => None,
    }
}
