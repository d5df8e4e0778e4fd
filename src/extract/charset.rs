//! Bytes → text: finds the character encoding of a page or feed and decodes it.
//!
//! Order: the source's `encoding` override → a byte-order mark → the HTTP `charset` →
//! `<meta charset>` / `http-equiv` / the XML declaration → statistical detection (chardetng).
//! A BOM is trusted over the header because it cannot be wrong about the bytes that follow it.
//! A page labelled Latin-1 whose bytes are valid UTF-8 is read as UTF-8: that mislabel is common
//! on Vietnamese portals and the reverse is vanishingly rare.
//!
//! Decoding never fails: invalid bytes become U+FFFD. It must not normalize (see `normalize`).

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};

/// How many leading bytes are searched for a `<meta>` or XML declaration charset.
const PRESCAN: usize = 4096;

/// Decodes `bytes`, returning the text and the encoding that was used.
pub fn decode<'a>(
    bytes: &'a [u8],
    header_charset: Option<&str>,
    forced: Option<&'static Encoding>,
) -> (Cow<'a, str>, &'static Encoding) {
    let encoding = forced
        .or_else(|| Encoding::for_bom(bytes).map(|(e, _)| e))
        .or_else(|| header_charset.and_then(|l| Encoding::for_label(l.trim().as_bytes())))
        .or_else(|| declared(bytes))
        .map(|e| trust_utf8_over_latin1(e, bytes))
        .unwrap_or_else(|| detect(bytes));
    let (text, used, _had_errors) = encoding.decode(bytes);
    (text, used)
}

/// The `charset` parameter of a `Content-Type` header value.
pub fn charset_param(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(['"', '\'']))
    })
}

/// The charset a document declares about itself in its first bytes.
fn declared(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(PRESCAN)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    // <meta charset="x">, <meta http-equiv=… content="text/html; charset=x">, <?xml encoding="x"?>
    for marker in ["charset=", "encoding="] {
        let mut rest = head.as_str();
        while let Some(i) = rest.find(marker) {
            let value = &rest[i + marker.len()..];
            let value = value.trim_start_matches(['"', '\'', ' ']);
            let end = value
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                .unwrap_or(value.len());
            if let Some(e) = Encoding::for_label(value.as_bytes().get(..end).unwrap_or_default()) {
                // A page that says UTF-16 in ASCII bytes is not UTF-16 (WHATWG rule); every
                // other label (EUC-KR, Shift_JIS, GBK…) means what it says.
                return Some(if e == UTF_16LE || e == UTF_16BE {
                    UTF_8
                } else {
                    e
                });
            }
            rest = &rest[i + marker.len()..];
        }
    }
    None
}

fn trust_utf8_over_latin1(label: &'static Encoding, bytes: &[u8]) -> &'static Encoding {
    if label == WINDOWS_1252 && !bytes.is_ascii() && std::str::from_utf8(bytes).is_ok() {
        UTF_8
    } else {
        label
    }
}

/// Encodes Vietnamese text as windows-1258 does it: base letters (ă â ê ô ơ ư đ kept whole)
/// followed by combining tone marks. For fixtures and tests: portalfeed itself never encodes.
#[doc(hidden)]
pub fn encode_windows_1258(text: &str) -> Vec<u8> {
    use unicode_normalization::UnicodeNormalization;
    const TONES: [char; 5] = ['\u{300}', '\u{301}', '\u{303}', '\u{309}', '\u{323}'];
    let mut decomposed = String::new();
    for c in text.chars() {
        let parts: String = std::iter::once(c).nfd().collect();
        let tone = parts.chars().find(|p| TONES.contains(p));
        decomposed.extend(parts.chars().filter(|p| !TONES.contains(p)).nfc());
        decomposed.extend(tone);
    }
    encoding_rs::WINDOWS_1258.encode(&decomposed).0.into_owned()
}

fn detect(bytes: &[u8]) -> &'static Encoding {
    if std::str::from_utf8(bytes).is_ok() {
        return UTF_8;
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    detector.guess(Some(b"vn"), chardetng::Utf8Detection::Allow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whatwg_labels_latin1_is_cp1252_and_multibyte_labels_decode() {
        let latin1 = b"<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><rss>don\x92t</rss>";
        let (text, _) = decode(latin1, None, None);
        assert!(text.contains("don\u{2019}t"), "{text}");
        let (text, _) = decode(b"don\x92t", Some("ISO-8859-1"), None);
        assert_eq!(text, "don\u{2019}t");
        // "한국" in EUC-KR, declared in the document.
        let korean = b"<?xml version=\"1.0\" encoding=\"euc-kr\"?><rss>\xc7\xd1\xb1\xb9</rss>";
        let (text, used) = decode(korean, None, None);
        assert!(
            text.contains("\u{d55c}\u{ad6d}"),
            "{text} ({})",
            used.name()
        );
        let (text, _) = decode(b"\xc7\xd1\xb1\xb9", Some("euc-kr"), None);
        assert_eq!(text, "\u{d55c}\u{ad6d}");
    }

    use encoding_rs::WINDOWS_1258;
    use unicode_normalization::UnicodeNormalization;

    fn vietnamese_1258() -> Vec<u8> {
        let bytes = encode_windows_1258("Tỉnh ủy Hậu Giang: Hội nghị ký kết quy chế phối hợp");
        assert!(!bytes.contains(&b'&'), "every character is mappable");
        bytes
    }

    #[test]
    fn header_charset_is_used() {
        let bytes = vietnamese_1258();
        let (text, enc) = decode(&bytes, Some("windows-1258"), None);
        assert_eq!(enc, WINDOWS_1258);
        assert_eq!(
            text.nfc().collect::<String>(),
            "Tỉnh ủy Hậu Giang: Hội nghị ký kết quy chế phối hợp"
        );
    }

    #[test]
    fn meta_charset_is_used_without_header() {
        let mut page = b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1258\"></head><body>".to_vec();
        page.extend(vietnamese_1258());
        let (text, enc) = decode(&page, None, None);
        assert_eq!(enc, WINDOWS_1258);
        assert!(text.nfc().collect::<String>().contains("Tỉnh ủy Hậu Giang"));
    }

    #[test]
    fn bom_beats_a_wrong_header() {
        let mut page = b"\xEF\xBB\xBF".to_vec();
        page.extend("Hậu Giang".as_bytes());
        let (text, enc) = decode(&page, Some("windows-1258"), None);
        assert_eq!(enc, UTF_8);
        assert_eq!(text, "Hậu Giang");
    }

    #[test]
    fn utf8_labelled_latin1_is_read_as_utf8() {
        let (text, _) = decode("Tin Tây Nguyên".as_bytes(), Some("iso-8859-1"), None);
        assert_eq!(text, "Tin Tây Nguyên");
    }

    #[test]
    fn undeclared_windows_1258_is_detected() {
        let mut bytes = Vec::new();
        for _ in 0..20 {
            bytes.extend(vietnamese_1258());
            bytes.push(b' ');
        }
        let (text, _) = decode(&bytes, None, None);
        assert!(
            text.nfc().collect::<String>().contains("Hội nghị ký kết"),
            "{text}"
        );
    }

    #[test]
    fn override_wins() {
        let bytes = vietnamese_1258();
        let (_, enc) = decode(&bytes, Some("utf-8"), Some(WINDOWS_1258));
        assert_eq!(enc, WINDOWS_1258);
    }

    #[test]
    fn charset_param_parses() {
        assert_eq!(charset_param("text/html; charset=\"UTF-8\""), Some("UTF-8"));
        assert_eq!(charset_param("text/html"), None);
    }
}
