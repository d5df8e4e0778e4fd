//! Dedupe: recognising the same article published twice, under two URLs or by two sources.
//!
//! Two articles are the same when their body text is the same once NFC-normalized, case-folded
//! and stripped of whitespace and punctuation: a portal's RSS re-posting a party site's article,
//! with or without a "HG: " style prefix in the title, gives the same fingerprint. Very short
//! bodies ("Xem chi tiết văn bản tại đây") would collide across different articles, so for them
//! the title (without its prefix) is part of the fingerprint.
//!
//! Pure functions; the store applies the decision atomically.

use std::sync::LazyLock;

use regex::Regex;
use sha2::{Digest, Sha256};

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
    crate::normalize::hex(&Sha256::digest(material.as_bytes())[..16])
}

/// Lower case, letters and digits only.
fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text.chars() {
        match table_fold(c) {
            Fold::Keep(lower) => folded.push(lower),
            Fold::Drop => {}
            Fold::Slow => folded.extend(slow_fold(c)),
        }
    }
    folded
}

fn slow_fold(c: char) -> impl Iterator<Item = char> {
    c.to_lowercase().filter(|l| l.is_alphanumeric())
}

/// What [`fold`] does with one character.
#[derive(Clone, Copy)]
enum Fold {
    Keep(char),
    Drop,
    /// Not in the table: ask Unicode.
    Slow,
}

/// [`fold`] for one character of the ranges Vietnamese text is made of, from a table built once
/// (Unicode case and letter look-ups per character were most of the fingerprint's cost).
fn table_fold(c: char) -> Fold {
    const LATIN: u32 = 0x250; // Basic Latin through Latin Extended-B
    const EXTENDED: std::ops::Range<u32> = 0x1E00..0x1F00; // Latin Extended Additional
    static TABLE: LazyLock<Vec<Fold>> = LazyLock::new(|| {
        let fold_one = |c: char| {
            let mut lower = slow_fold(c);
            match (lower.next(), lower.next()) {
                (None, _) => Fold::Drop,
                (Some(l), None) => Fold::Keep(l),
                (Some(_), Some(_)) => Fold::Slow,
            }
        };
        (0..LATIN)
            .chain(EXTENDED)
            .map(|u| char::from_u32(u).map_or(Fold::Slow, fold_one))
            .collect()
    });
    let u = c as u32;
    let index = if u < LATIN {
        u
    } else if EXTENDED.contains(&u) {
        LATIN + u - EXTENDED.start
    } else {
        return Fold::Slow;
    };
    TABLE.get(index as usize).copied().unwrap_or(Fold::Slow)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::text::clean_text;
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
    fn table_fold_agrees_with_unicode() {
        for c in (0u32..0x250)
            .chain(0x1E00..0x1F00)
            .filter_map(char::from_u32)
        {
            let slow: String = slow_fold(c).collect();
            assert_eq!(fold(&c.to_string()), slow, "{c:?}");
        }
        assert_eq!(fold("ĐẠI HỘI Đảng bộ, 2026!"), "đạihộiđảngbộ2026");
    }

    #[test]
    fn prefixes() {
        assert_eq!(strip_title_prefix("HG: Ký kết"), "Ký kết");
        assert_eq!(strip_title_prefix("(HG) - Ký kết"), "Ký kết");
        assert_eq!(strip_title_prefix("Hậu Giang: Ký kết"), "Hậu Giang: Ký kết");
    }
}
