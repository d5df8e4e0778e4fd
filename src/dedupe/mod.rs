//! Dedupe: recognising one story published more than once, under two URLs or by two sources.
//!
//! Two levels:
//! - **Exact copies**: the [`fingerprint`] of the body text once NFC, case-folded and stripped
//!   of whitespace and punctuation. Very short bodies ("Xem chi tiết văn bản tại đây") would
//!   collide across different articles, so for them the title (without its prefix) is part of it.
//! - **Near copies** (a re-post that dropped a caption or the lead, added a source line, was
//!   truncated or had a few words fixed): a [`Profile`] per article (syllable shingles, a
//!   bottom-k sketch the store indexes, numbers and names in their place), and [`compare`], the
//!   rule that confirms a candidate. See [`compare`]'s module for the thresholds and why.
//!
//! The algorithm is ours: the MinHash/LSH crates at hand hash words of whitespace-split text
//! and estimate resemblance (Jaccard), while re-posts need containment (a truncated copy has
//! half the shingles), Vietnamese syllable folding, and the number/name agreement that keeps
//! template notices apart; the sketch and the rule are a few hundred lines.
//!
//! Pure functions; the store applies the decision atomically.

pub mod compare;
mod fold;
pub mod profile;

use std::sync::LazyLock;

use regex::Regex;
use sha2::{Digest, Sha256};

pub use self::compare::{compare, Verdict};
use self::fold::fold;
pub use self::profile::Profile;

/// Text lower-cased without Vietnamese tone and vowel marks (`Đắk Lắk` → `dak lak`),
/// everything that is not a letter or digit a space: the fold near-duplicate detection compares
/// by, for indexing and search too.
pub fn bare_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match fold::fold_char(c) {
            fold::Folded::Letter(l) => out.push(l),
            fold::Folded::Mark => {}
            fold::Folded::Separator => out.push(' '),
        }
    }
    out
}

/// Bodies shorter than this (in folded characters) are fingerprinted with their title.
const SHORT_BODY: usize = 200;

/// The fingerprint of an article: 32 hex digits. Both texts must be NFC, as `normalize` gives
/// them (composing again here was a sizeable share of a cold run's CPU).
pub fn fingerprint(title: &str, body_text: &str) -> String {
    let body = fold(body_text);
    let material = if body.chars().count() < SHORT_BODY {
        format!("{}\u{0}{body}", fold(strip_title_prefix(title)))
    } else {
        body
    };
    crate::digest::hex(&Sha256::digest(material.as_bytes())[..16])
}

/// "HG: Ký kết…" → "Ký kết…"; "(HG) - Ký kết…" → "Ký kết…". Province or site abbreviations that
/// republishers put in front of a title.
pub fn strip_title_prefix(title: &str) -> &str {
    static PREFIX: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^\s*\(?[\p{Lu}Đ]{2,6}\)?\s*[:\-–—]\s+").expect("static regex")
    });
    match PREFIX.find(title) {
        Some(m) => &title[m.end()..],
        None => title,
    }
}

/// A title without the label a republisher may put in front of it: "Tỉnh ủy: …", "HG: …",
/// "(TTXVN) - …" (up to four words before a colon or a spaced dash), when at least three words
/// remain. Wider than [`strip_title_prefix`]: only used to compare titles, never shown.
pub fn strip_republisher_label(title: &str) -> &str {
    static LABEL: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^\s*\(?(?:[^\s:()]+\s+){0,3}[^\s:()]+\)?\s*(?::|\s[-–—])\s+")
            .expect("static regex")
    });
    match LABEL.find(title) {
        Some(m) if title[m.end()..].split_whitespace().count() >= 3 => &title[m.end()..],
        _ => title,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::clean_text;
    use unicode_normalization::UnicodeNormalization;

    const BODY: &str = "Chiều ngày 19/3, Ban Tuyên giáo Tỉnh ủy với Ban Cán sự đảng UBND tổ chức Hội nghị \
        ký kết Quy chế phối hợp công tác giữa hai bên về các lĩnh vực khoa giáo. Đồng chí Trần Văn Huyến - \
        Phó Bí thư Tỉnh ủy, Chủ tịch HĐND tỉnh dự và phát biểu chỉ đạo.";

    #[test]
    fn same_body_differently_spaced_cased_and_composed_matches() {
        let body = BODY.repeat(2);
        let nfd: String = body.to_uppercase().nfd().collect();
        let spaced = nfd.replace(' ', "  \n");
        assert_eq!(
            fingerprint("HG: Ký kết", &body),
            fingerprint("Ký kết Quy chế", &clean_text(&spaced))
        );
    }

    #[test]
    fn different_bodies_differ() {
        assert_ne!(
            fingerprint("a", BODY),
            fingerprint("a", &BODY.replace("19/3", "20/3"))
        );
    }

    #[test]
    fn short_bodies_need_the_same_title() {
        let short = "Xem chi tiết văn bản tại đây";
        assert_ne!(
            fingerprint("Công văn 1", short),
            fingerprint("Công văn 2", short)
        );
        assert_eq!(
            fingerprint("HG: Công văn 1", short),
            fingerprint("Công văn 1", short)
        );
    }

    #[test]
    fn prefixes() {
        assert_eq!(strip_title_prefix("HG: Ký kết"), "Ký kết");
        assert_eq!(strip_title_prefix("(HG) - Ký kết"), "Ký kết");
        assert_eq!(strip_title_prefix("Hậu Giang: Ký kết"), "Hậu Giang: Ký kết");
        let plain = "Ký kết Quy chế phối hợp";
        for labelled in [
            "HG: Ký kết Quy chế phối hợp",
            "(TTXVN) - Ký kết Quy chế phối hợp",
            "Tỉnh ủy: Ký kết Quy chế phối hợp",
            "Tỉnh ủy Hậu Giang – Ký kết Quy chế phối hợp",
        ] {
            assert_eq!(strip_republisher_label(labelled), plain, "{labelled}");
        }
        assert_eq!(strip_republisher_label(plain), plain);
        assert_eq!(strip_republisher_label("HG: Ký kết"), "HG: Ký kết");
        assert_eq!(
            strip_republisher_label("Thông báo số 15/TB-UBND ngày 3/11"),
            "Thông báo số 15/TB-UBND ngày 3/11"
        );
    }
}
