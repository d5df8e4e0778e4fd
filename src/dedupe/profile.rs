//! An article's dedup profile: what near-duplicate detection compares, built once per article
//! from its title and body text.
//!
//! - **Syllables**: Vietnamese words are runs of space-separated syllables, so the text is cut
//!   into syllables at every non-alphanumeric character, each folded to lower case without
//!   diacritics (`Hậu Giang` → `hau giang`, `đ` → `d`): typo fixes of tone marks, NFD vs NFC,
//!   case, punctuation and HTML wrapping all vanish here.
//! - **Shingles**: every run of [`SHINGLE`] consecutive syllables, hashed to 32 bits, as a sorted
//!   set: the material of the containment and Jaccard scores.
//! - **Sketch**: the [`SKETCH`] smallest 64-bit shingle hashes (a bottom-k MinHash sketch): what
//!   the store indexes to find candidates. For a copy that holds a fraction α of another's
//!   shingles (a truncation, a dropped lead), about α·k of the longer text's sketch lies in the
//!   shorter one, and those are necessarily in the shorter one's sketch too: containment, not only
//!   resemblance, is found by a few exact-key lookups.
//! - **Anchors**: each run of numbers ("19/3/2026", "1234") and each run of capitalized syllables
//!   (names, places), with a hash of the two syllables before and the two after it. Two texts
//!   that put different numbers or different names in the same place are different articles
//!   (template notices), however similar the rest is.
//! - **Title**: the folded title syllables (without a republisher's prefix), for short texts.
//!
//! Pure and deterministic: hashes are our own (FNV-1a and a SplitMix64 finalizer), so profiles
//! stored by one build compare with those computed by the next.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use super::fold::{fold_char, Folded};

/// Syllables per shingle. 4 keeps unrelated articles' shared phrases ("ủy ban nhân dân") to a
/// small part of their shingles while an edited syllable costs a copy only 4 shingles.
pub const SHINGLE: usize = 4;
/// Sketch size: candidate lookups per article.
pub const SKETCH: usize = 16;
/// Syllables of context on each side of an anchor: 3, because with 2 one article's two figures
/// in similar phrases ("tiếp nhận 632 đơn vị máu" … "tiếp nhận 7.450 đơn vị máu") share a
/// place, and two copies that kept different halves of it would seem to disagree.
const CONTEXT: usize = 3;
/// Anchor values longer than this (in bytes) are cut: a run of 40 capitalized words is a
/// heading, not a name.
const MAX_ANCHOR: usize = 64;

/// What kind of run an anchor is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AnchorKind {
    /// Syllables with a digit: dates, document numbers, figures.
    Number,
    /// Capitalized syllables: names of people, places, bodies.
    Name,
}

/// A number or name in its place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    /// Hash of the syllables around the run (and whether it is in the title).
    pub context: u64,
    pub kind: AnchorKind,
    /// The run's folded syllables, space-separated.
    pub value: String,
}

/// See the module documentation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Sorted, distinct 32-bit shingle hashes of the body.
    pub shingles: Vec<u32>,
    /// The smallest 64-bit shingle hashes, sorted.
    pub sketch: Vec<u64>,
    /// Numbers and names of the title and body, sorted by place.
    pub anchors: Vec<Anchor>,
    /// Sorted, distinct hashes of the title's folded syllables.
    pub title: Vec<u32>,
    /// How many syllables the body has: how full a copy is.
    pub syllables: u32,
}

impl Profile {
    /// The profile of an article. `title` and `body` are the NFC text normalize produced.
    pub fn new(title: &str, body: &str) -> Profile {
        let body_syllables = syllables(body);
        let title_syllables = syllables(super::strip_republisher_label(title));
        let mut hashes: Vec<u64> = body_syllables
            .words
            .windows(SHINGLE)
            .map(|w| w.iter().fold(0x9e37_79b9_7f4a_7c15, |h, s| mix(h ^ s.hash)))
            .collect();
        hashes.sort_unstable();
        hashes.dedup();
        let sketch: Vec<u64> = hashes.iter().take(SKETCH).copied().collect();
        let mut shingles: Vec<u32> = hashes.iter().map(|h| (h >> 32) as u32).collect();
        shingles.sort_unstable();
        shingles.dedup();
        let mut title: Vec<u32> = title_syllables
            .words
            .iter()
            .map(|s| (s.hash >> 32) as u32)
            .collect();
        title.sort_unstable();
        title.dedup();
        let mut anchors = title_syllables.anchors(TITLE_SALT);
        anchors.extend(body_syllables.anchors(BODY_SALT));
        // Sorted by place, so comparing two profiles' anchors is one merge walk.
        anchors.sort_by(|x, y| (x.context, x.kind, &x.value).cmp(&(y.context, y.kind, &y.value)));
        Profile {
            shingles,
            sketch,
            anchors,
            title,
            syllables: u32::try_from(body_syllables.words.len()).unwrap_or(u32::MAX),
        }
    }
}

const TITLE_SALT: u64 = 0x7469_746c_6500_0000;
const BODY_SALT: u64 = 0x626f_6479_0000_0000;

/// One folded syllable.
#[derive(Debug, Clone)]
struct Syllable {
    /// Byte range in [`Syllables::folded`].
    start: usize,
    end: usize,
    hash: u64,
    kind: Option<AnchorKind>,
    /// "ông", "bà", "chị"…: a form of address, part of the name that follows it.
    address: bool,
    /// "Ảnh", "Nguồn", "Theo", "PV" written with a capital: a credit line's first word.
    credit: bool,
}

/// Words that open a credit (a photo caption's "Ảnh: …", "Nguồn: …", "(Theo …)", "PV"): every
/// re-poster writes its own, so the names after them are not the article's.
const CREDIT: &[&str] = &["ảnh", "nguồn", "theo", "pv", "ctv", "btv"];

/// Forms of address that stand before a name ("ông Nguyễn Văn An", "đồng chí Trần Văn Huyến"):
/// notices that differ by "ông X" / "bà Y" differ in the name, not around it.
const ADDRESS: &[&str] = &[
    "ông", "bà", "anh", "chị", "em", "cô", "chú", "bác", "cụ", "chí",
];

/// A text cut into folded syllables.
struct Syllables {
    folded: String,
    words: Vec<Syllable>,
}

fn syllables(text: &str) -> Syllables {
    let mut folded = String::with_capacity(text.len());
    let mut words = Vec::with_capacity(text.len() / 4);
    // The syllable being read: where it starts in `folded`, capitalized, has a digit.
    let mut current: Option<(usize, bool, bool)> = None;
    // The syllable as written (lower case), while it is short enough to be a form of address.
    let mut written = String::new();
    let mut close =
        |folded: &mut String, current: &mut Option<(usize, bool, bool)>, written: &mut String| {
            // Composed first: NFD input writes "ảnh" as "a" and two marks (text already
            // composed, the usual case, is compared as it is).
            let composed: String;
            let word = if unicode_normalization::is_nfc_quick(written.chars())
                == unicode_normalization::IsNormalized::Yes
            {
                written.as_str()
            } else {
                composed = written.nfc().collect();
                composed.as_str()
            };
            let address = ADDRESS.contains(&word);
            let credit = CREDIT.contains(&word);
            written.clear();
            if let Some((start, capital, digit)) = current.take() {
                let end = folded.len();
                let hash = folded.get(start..end).map_or(0, fnv);
                let kind = if digit {
                    Some(AnchorKind::Number)
                } else if capital {
                    Some(AnchorKind::Name)
                } else {
                    None
                };
                words.push(Syllable {
                    start,
                    end,
                    hash,
                    kind,
                    address: address && !capital,
                    credit: credit && capital,
                });
            }
        };
    for c in text.chars() {
        match fold_char(c) {
            Folded::Letter(l) => {
                match &mut current {
                    Some((_, _, digit)) => *digit |= l.is_numeric(),
                    None => {
                        current = Some((folded.len(), c.is_uppercase(), l.is_numeric()));
                    }
                }
                folded.push(l);
                if written.len() < 8 {
                    written.extend(c.to_lowercase());
                }
            }
            Folded::Mark => {
                if written.len() < 8 {
                    written.push(c);
                }
            }
            Folded::Separator => close(&mut folded, &mut current, &mut written),
        }
    }
    close(&mut folded, &mut current, &mut written);
    for i in 1..words.len() {
        let next_is_name = words
            .get(i)
            .is_some_and(|w| w.kind == Some(AnchorKind::Name));
        if let Some(previous) = words.get_mut(i - 1) {
            if previous.address && previous.kind.is_none() && next_is_name {
                previous.kind = Some(AnchorKind::Name);
            }
        }
    }
    Syllables { folded, words }
}

impl Syllables {
    fn text(&self, s: &Syllable) -> &str {
        self.folded.get(s.start..s.end).unwrap_or_default()
    }

    /// Every maximal run of syllables of one anchor kind, with its context.
    fn anchors(&self, salt: u64) -> Vec<Anchor> {
        let mut anchors = Vec::new();
        let mut i = 0;
        while let Some(first) = self.words.get(i) {
            let Some(kind) = first.kind else {
                i += 1;
                continue;
            };
            // A credit word starts a run of its own, which is not an anchor.
            let mut end = i + 1;
            while self
                .words
                .get(end)
                .is_some_and(|w| w.kind == Some(kind) && w.credit == first.credit)
            {
                end += 1;
            }
            if first.credit {
                i = end;
                continue;
            }
            // Syllables before the text's start or past its end hash as boundaries.
            let mut context = mix(salt ^ kind as u64);
            for back in (1..=CONTEXT).rev() {
                let h = i
                    .checked_sub(back)
                    .and_then(|at| self.words.get(at))
                    .map_or(0, |w| w.hash);
                context = mix(context ^ h);
            }
            for at in end..end + CONTEXT {
                context = mix(context ^ self.words.get(at).map_or(1, |w| w.hash));
            }
            let mut value = String::new();
            for w in self.words.get(i..end).unwrap_or_default() {
                if value.len() + w.end - w.start > MAX_ANCHOR {
                    break;
                }
                if !value.is_empty() {
                    value.push(' ');
                }
                value.push_str(self.text(w));
            }
            anchors.push(Anchor {
                context,
                kind,
                value,
            });
            i = end;
        }
        anchors
    }
}

/// FNV-1a of `text`, finalized.
fn fnv(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix(h)
}

/// SplitMix64's finalizer: every input bit reaches every output bit.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_normalization::UnicodeNormalization;

    const TEXT: &str = "Chiều ngày 19/3, Ban Tuyên giáo Tỉnh ủy với Ban Cán sự đảng UBND tổ chức \
        Hội nghị ký kết Quy chế phối hợp công tác giữa hai bên về các lĩnh vực khoa giáo.";

    #[test]
    fn syllables_fold_case_marks_and_punctuation() {
        let s = syllables("Đảng bộ, HĐND tỉnh 19/3!");
        let words: Vec<&str> = s.words.iter().map(|w| s.text(w)).collect();
        assert_eq!(words, ["dang", "bo", "hdnd", "tinh", "19", "3"]);
        let kinds: Vec<_> = s.words.iter().map(|w| w.kind).collect();
        assert_eq!(kinds[0], Some(AnchorKind::Name));
        assert_eq!(kinds[1], None);
        assert_eq!(kinds[4], Some(AnchorKind::Number));
    }

    #[test]
    fn nfd_upper_and_spacing_give_the_same_profile() {
        let nfd: String = TEXT.nfd().collect();
        let spaced = nfd.replace(' ', " \n ");
        let a = Profile::new("Ký kết", TEXT);
        let b = Profile::new("Ký kết", &spaced);
        assert_eq!(a.shingles, b.shingles);
        assert_eq!(a.sketch, b.sketch);
        assert_eq!(a.anchors, b.anchors);
    }

    #[test]
    fn anchors_are_numbers_and_names_in_their_place() {
        let p = Profile::new(
            "Thông báo",
            "Lịch tiếp công dân tháng 11/2026 của UBND tỉnh",
        );
        let numbers: Vec<&str> = p
            .anchors
            .iter()
            .filter(|a| a.kind == AnchorKind::Number)
            .map(|a| a.value.as_str())
            .collect();
        assert_eq!(numbers, ["11 2026"]);
        let q = Profile::new(
            "Thông báo",
            "Lịch tiếp công dân tháng 12/2026 của UBND tỉnh",
        );
        let context = |p: &Profile| {
            p.anchors
                .iter()
                .find(|a| a.kind == AnchorKind::Number)
                .map(|a| a.context)
        };
        assert_eq!(context(&p), context(&q));
    }

    #[test]
    fn sketch_is_the_smallest_shingle_hashes() {
        let long = TEXT.repeat(3);
        let p = Profile::new("x", &long);
        assert_eq!(p.sketch.len(), SKETCH.min(p.shingles.len()));
        assert!(p.sketch.windows(2).all(|w| w[0] < w[1]));
    }
}
