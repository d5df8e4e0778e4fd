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

/// The fingerprint of an article: 32 hex digits.
pub fn fingerprint(title: &str, body_text: &str) -> String {
    let body = fold(body_text);
    let material = if body.chars().count() < SHORT_BODY {
        format!("{}\u{0}{body}", fold(strip_title_prefix(title)))
    } else {
        body
    };
    crate::normalize::hex(&Sha256::digest(material.as_bytes())[..16])
}

/// NFC, lower case, letters and digits only.
fn fold(text: &str) -> String {
    crate::normalize::text::nfc(text)
        .chars()
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
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
            fingerprint("Ký kết Quy chế", &spaced)
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
    }
}
