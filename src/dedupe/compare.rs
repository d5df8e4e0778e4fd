//! Whether two profiles are the same story: the confirmation step after the store's sketch
//! lookup found a candidate, and what `portalfeed dupes --explain` prints.
//!
//! The rule, and why (figures from the labelled set in `tests/fixtures/dupes/`):
//! - **Containment** of shingle sets (shared ÷ the smaller set) must reach [`CONTAINMENT`]. A
//!   re-post that drops a caption or the lead, appends a source line or a "Tin liên quan" block,
//!   or is cut after half its text keeps nearly all of its own shingles in the original; 1–3 % of
//!   words edited costs up to 4 shingles per edit (≈ 0.88 at 3 %). Two outlets' own write-ups of
//!   one event share names and phrases, not sentences, and stay far below.
//! - When one text is much shorter than the other (under [`RATIO`] of its shingles, a teaser or a
//!   summary-only feed entry), containment alone could match a paragraph quoted in a digest: the
//!   titles must agree as well.
//! - **Short texts** (fewer than [`SHORT`] shingles on the smaller side) share boilerplate by
//!   nature ("Xem chi tiết văn bản tại đây"): they need near-equal bodies *and* near-equal titles.
//! - **Anchors must agree**: a number or a name found in the same place (same two syllables
//!   before and after) in both texts, with different values, means two different articles built
//!   from one template ("tháng 11/2026" / "tháng 12/2026", "số 1234/QĐ-UBND" / "số 1240/…", "ông
//!   Nguyễn Văn An" / "bà Trần Thị Bình": a form of address belongs to the name). A name that
//!   differs by one typing slip that leaves a syllable no Vietnamese word has ("Giangg") is an
//!   edit, not another name; numbers must be equal (as numbers: "1.500" is "1500", "19/03" is
//!   "19/3"). A false merge hides an article from every reader, so precision comes first.
//!
//! Pure.

use std::sync::LazyLock;

use regex::Regex;

use super::profile::{Anchor, AnchorKind, Profile};

/// Containment a re-post must reach.
pub const CONTAINMENT: f64 = 0.7;
/// Below this size ratio (smaller ÷ larger shingle set) the titles must agree too.
pub const RATIO: f64 = 0.4;
/// Title agreement (shared title syllables ÷ the longer title's) required where titles count.
pub const TITLE: f64 = 0.6;
/// Texts with fewer shingles than this on the smaller side are short.
pub const SHORT: usize = 40;
/// Body Jaccard and title agreement short texts need.
pub const SHORT_SIMILARITY: f64 = 0.8;
/// Fewer shingles than this: too little text to compare (only exact copies are merged).
pub const MIN_SHINGLES: usize = 3;

/// How two profiles compare, and the decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// Shingles the two share.
    pub shared: usize,
    /// Distinct shingles of the smaller and of the larger text.
    pub smaller: usize,
    pub larger: usize,
    /// Shared ÷ smaller.
    pub containment: f64,
    /// Shared ÷ union.
    pub jaccard: f64,
    /// Shared title syllables ÷ the longer title's.
    pub title: f64,
    /// Numbers or names that disagree, as "`a` / `b`".
    pub conflicts: Vec<String>,
    /// Whether they are the same story.
    pub same: bool,
    /// Why, in a sentence.
    pub reason: String,
}

/// Compares two profiles; symmetric.
pub fn compare(a: &Profile, b: &Profile) -> Verdict {
    let shared = intersection(&a.shingles, &b.shingles);
    let (smaller, larger) = if a.shingles.len() <= b.shingles.len() {
        (a.shingles.len(), b.shingles.len())
    } else {
        (b.shingles.len(), a.shingles.len())
    };
    let ratio = |n: usize, d: usize| if d == 0 { 0.0 } else { n as f64 / d as f64 };
    let containment = ratio(shared, smaller);
    let jaccard = ratio(shared, smaller + larger - shared);
    let title = ratio(
        intersection(&a.title, &b.title),
        a.title.len().max(b.title.len()),
    );
    let conflicts = conflicts(a, b);
    let (same, reason) = if smaller < MIN_SHINGLES {
        (
            false,
            format!("too little text to compare ({smaller} shingles)"),
        )
    } else if let Some(first) = conflicts.first() {
        (
            false,
            format!("different numbers or names in the same place: {first}"),
        )
    } else if smaller < SHORT {
        let same = jaccard >= SHORT_SIMILARITY && title >= SHORT_SIMILARITY;
        let why = format!(
            "short text: body Jaccard {jaccard:.2} and title agreement {title:.2} (both must reach {SHORT_SIMILARITY})"
        );
        (same, why)
    } else if containment < CONTAINMENT {
        (
            false,
            format!("containment {containment:.2} is below {CONTAINMENT}"),
        )
    } else if ratio(smaller, larger) < RATIO && title < TITLE {
        (
            false,
            format!(
                "one text is under {RATIO} of the other and the titles agree only {title:.2} (need {TITLE})"
            ),
        )
    } else {
        (
            true,
            format!(
                "containment {containment:.2} reaches {CONTAINMENT}, no conflicting number or name"
            ),
        )
    };
    Verdict {
        shared,
        smaller,
        larger,
        containment,
        jaccard,
        title,
        conflicts,
        same,
        reason,
    }
}

/// Size of the intersection of two sorted, distinct lists.
fn intersection<T: Ord>(a: &[T], b: &[T]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
        match x.cmp(y) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// How many conflicts are worth listing.
const MAX_LISTED: usize = 3;

/// Anchors found in the same place in both texts whose values have nothing in common. Both
/// anchor lists are sorted by place ([`Profile::new`] sorts them), so this is one merge walk.
pub fn conflicts(a: &Profile, b: &Profile) -> Vec<String> {
    let place = |x: &Anchor| (x.context, x.kind);
    let (mut i, mut j) = (0, 0);
    let mut found = Vec::new();
    while let (Some(x), Some(y)) = (a.anchors.get(i), b.anchors.get(j)) {
        match place(x).cmp(&place(y)) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                let here = place(x);
                let a_end = i + a
                    .anchors
                    .get(i..)
                    .map_or(0, |r| r.iter().take_while(|v| place(v) == here).count());
                let b_end = j + b
                    .anchors
                    .get(j..)
                    .map_or(0, |r| r.iter().take_while(|v| place(v) == here).count());
                let a_values = a.anchors.get(i..a_end).unwrap_or_default();
                let b_values = b.anchors.get(j..b_end).unwrap_or_default();
                let agree = a_values.iter().any(|x| {
                    b_values
                        .iter()
                        .any(|y| compatible(here.1, &x.value, &y.value))
                });
                if !agree && found.len() < MAX_LISTED {
                    let join = |v: &[Anchor]| {
                        v.iter()
                            .map(|a| a.value.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    let (x, y) = (join(a_values), join(b_values));
                    found.push(match here.1 {
                        AnchorKind::Number => format!("number `{x}` / `{y}`"),
                        AnchorKind::Name => format!("name `{x}` / `{y}`"),
                    });
                }
                (i, j) = (a_end, b_end);
            }
        }
    }
    found
}

/// Whether two values of one place can be the same thing.
fn compatible(kind: AnchorKind, x: &str, y: &str) -> bool {
    if x == y {
        return true;
    }
    if kind == AnchorKind::Number {
        // "1.500" / "1500", "19/03" / "19/3": the same number written another way.
        let digits = |v: &str| v.replace(' ', "");
        return digits(x) == digits(y) || unpadded(x).eq(unpadded(y));
    }
    let xs: Vec<&str> = x.split(' ').collect();
    let ys: Vec<&str> = y.split(' ').collect();
    let (short, long) = if xs.len() <= ys.len() {
        (&xs, &ys)
    } else {
        (&ys, &xs)
    };
    // "HG Ký" / "Ký" (a prefix), "Văn An" / "Nguyễn Văn An": one run inside the other.
    if short.len() < long.len() && long.windows(short.len()).any(|w| w == short.as_slice()) {
        return true;
    }
    if xs.len() != ys.len() {
        return false;
    }
    // Typing slips in a few of its syllables, not another name.
    let differing: Vec<(&&str, &&str)> = xs.iter().zip(&ys).filter(|(s, t)| s != t).collect();
    differing.len() <= xs.len().div_ceil(2) && differing.iter().all(|(s, t)| typing_slip(s, t))
}

/// Whether `s` and `t` differ by one typing slip: a letter added, dropped or two swapped
/// ("giangg", "pong", "thaao"), or one letter changed when that leaves a syllable no Vietnamese
/// word has ("tinb"). One letter changed between two real syllables ("hung" / "dung") is
/// another name.
fn typing_slip(s: &str, t: &str) -> bool {
    match one_edit(s, t) {
        Some(Edit::Changed) => !(vietnamese_syllable(s) && vietnamese_syllable(t)),
        Some(_) => true,
        None => false,
    }
}

/// Whether a folded syllable (no marks) has the shape of a Vietnamese one: an initial
/// consonant, a vowel group Vietnamese writes, a final consonant.
fn vietnamese_syllable(s: &str) -> bool {
    static SHAPE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(concat!(
            r"^(ngh|ng|gh|gi|kh|nh|ph|qu|th|tr|ch|[bcdghklmnpqrstvx])?",
            r"(oai|oay|oeo|uay|uoi|uou|uya|uye|uyu|ieu|yeu|uai|",
            r"ai|ao|au|ay|eo|eu|ia|ie|iu|oa|oe|oi|oo|ua|ue|ui|uo|uu|uy|ya|ye|",
            r"a|e|i|o|u|y)",
            r"(ch|ng|nh|[cmnpt])?$"
        ))
        .expect("static regex")
    });
    SHAPE.is_match(s)
}

/// A number run's groups without leading zeros.
fn unpadded(value: &str) -> impl Iterator<Item = &str> {
    value.split(' ').map(|g| match g.trim_start_matches('0') {
        "" => "0",
        rest => rest,
    })
}

/// The kind of a single edit between two strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Edit {
    Same,
    Changed,
    Swapped,
    AddedOrDropped,
}

/// The one edit that turns `s` into `t` (optimal string alignment), if one is enough.
fn one_edit(s: &str, t: &str) -> Option<Edit> {
    let a: Vec<char> = s.chars().collect();
    let b: Vec<char> = t.chars().collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let (a_rest, b_rest) = (
        a.get(prefix..).unwrap_or_default(),
        b.get(prefix..).unwrap_or_default(),
    );
    match (a_rest.len(), b_rest.len()) {
        (0, 0) => Some(Edit::Same),
        (m, n) if m == n => {
            if a_rest.get(1..) == b_rest.get(1..) {
                Some(Edit::Changed)
            } else if m >= 2
                && a_rest.first() == b_rest.get(1)
                && a_rest.get(1) == b_rest.first()
                && a_rest.get(2..) == b_rest.get(2..)
            {
                Some(Edit::Swapped)
            } else {
                None
            }
        }
        (m, n) if m == n + 1 && a_rest.get(1..) == Some(b_rest) => Some(Edit::AddedOrDropped),
        (m, n) if n == m + 1 && b_rest.get(1..) == Some(a_rest) => Some(Edit::AddedOrDropped),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syllable_shapes() {
        for s in [
            "nghieng", "giang", "hung", "dung", "khuyen", "a", "oanh", "tinh", "quyet",
        ] {
            assert!(vietnamese_syllable(s), "{s}");
        }
        for s in [
            "giangg", "tihn", "ubnd", "hdnd", "xyzt", "john", "riia", "tuann",
        ] {
            assert!(!vietnamese_syllable(s), "{s}");
        }
    }

    #[test]
    fn edits() {
        assert_eq!(one_edit("giang", "giangg"), Some(Edit::AddedOrDropped));
        assert_eq!(one_edit("phong", "pong"), Some(Edit::AddedOrDropped));
        assert_eq!(one_edit("tinh", "tihn"), Some(Edit::Swapped));
        assert_eq!(one_edit("hung", "dung"), Some(Edit::Changed));
        assert_eq!(one_edit("an", "an"), Some(Edit::Same));
        assert_eq!(one_edit("an", "binh"), None);
        assert_eq!(one_edit("1234", "1243x"), None);
        assert!(typing_slip("phong", "pong"));
        assert!(typing_slip("thao", "thaao"));
        assert!(typing_slip("tinh", "tinb"));
        assert!(!typing_slip("hung", "dung"));
        assert!(!typing_slip("an", "binh"));
    }

    #[test]
    fn names_and_numbers() {
        use AnchorKind::*;
        assert!(compatible(Name, "hg ky", "ky"));
        assert!(compatible(Name, "nguyen van an", "van an"));
        assert!(compatible(Name, "hau giang", "hau giangg"));
        assert!(compatible(Name, "anh thu thao bac", "anh tu thaao bac"));
        assert!(!compatible(Name, "le van hung", "le vann dung"));
        assert!(!compatible(Name, "le van hung", "le van dung"));
        assert!(!compatible(Name, "nguyen van an", "tran thi binh"));
        assert!(!compatible(Number, "11 2026", "12 2026"));
        assert!(compatible(Number, "19 3", "19 3"));
        assert!(compatible(Number, "1 500", "1500"));
        assert!(compatible(Number, "19 03 2021", "19 3 2021"));
        assert!(compatible(Number, "0 15", "0 15"));
        assert!(!compatible(Number, "0 15", "0 150"));
        assert!(!compatible(Number, "1234", "1240"));
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;
        use unicode_normalization::UnicodeNormalization;

        /// Vietnamese news words, numbers, names and punctuation.
        fn word() -> impl Strategy<Value = &'static str> {
            prop::sample::select(vec![
                "tỉnh",
                "ủy",
                "ban",
                "nhân",
                "dân",
                "hội",
                "nghị",
                "triển",
                "khai",
                "kế",
                "hoạch",
                "năm",
                "2026",
                "19/3",
                "1.500",
                "Nguyễn",
                "Văn",
                "An",
                "ông",
                "bà",
                "Hậu",
                "Giang",
                "đồng",
                "chí",
                "phát",
                "biểu",
                "chỉ",
                "đạo",
                ",",
                ".",
                "Ảnh:",
                "(Theo",
                "Báo)",
                "Xem",
                "tiếp…",
                "người",
                "dân",
                "xã",
                "huyện",
                "đường",
                "cầu",
            ])
        }

        fn text() -> impl Strategy<Value = String> {
            prop::collection::vec(word(), 0..200).prop_map(|w| w.join(" "))
        }

        proptest! {
            #[test]
            fn any_text_profiles_and_compares_symmetrically(
                a in text(), b in text(), noise in ".{0,80}"
            ) {
                let a = format!("{a} {noise}");
                let (pa, pb) = (Profile::new(&a, &a), Profile::new("x", &b));
                let (ab, ba) = (compare(&pa, &pb), compare(&pb, &pa));
                prop_assert_eq!(ab.same, ba.same);
                prop_assert_eq!(ab.shared, ba.shared);
                prop_assert_eq!(ab.conflicts.is_empty(), ba.conflicts.is_empty());
                prop_assert!(ab.containment <= 1.0 && ab.jaccard <= ab.containment + 1e-9);
            }

            #[test]
            fn spacing_case_and_nfd_change_nothing(a in text()) {
                let nfd: String = a.nfd().collect();
                let spaced = nfd.replace(' ', " \n\t ");
                let (p, q) = (Profile::new("Tin", &a), Profile::new("Tin", &spaced));
                prop_assert_eq!(&p.shingles, &q.shingles);
                prop_assert_eq!(&p.anchors, &q.anchors);
            }

            #[test]
            fn a_long_text_is_the_same_story_as_itself_and_its_first_two_thirds(a in text()) {
                let p = Profile::new("Tin", &a);
                prop_assume!(p.shingles.len() >= SHORT * 2);
                prop_assert!(compare(&p, &p).same);
                let words: Vec<&str> = a.split(' ').collect();
                let cut = words[..words.len() * 2 / 3].join(" ");
                let q = Profile::new("Tin", &format!("{cut} Xem tiếp…"));
                let verdict = compare(&p, &q);
                prop_assert!(verdict.containment >= 0.9, "{:?}", verdict);
            }
        }
    }
}
