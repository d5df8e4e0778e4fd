//! Plain-text cleaning: NFC, whitespace, characters XML cannot carry, mojibake, entities.

use unicode_normalization::UnicodeNormalization;

/// `text` in NFC. Re-composing whole pages was the largest CPU cost of a cold run, so:
/// text made only of characters that are NFC whatever surrounds them (everything below the
/// combining marks, precomposed Vietnamese letters, common punctuation) is returned as it is;
/// text that passes the Unicode quick check too; otherwise only the words that need it are
/// composed (NFC never joins across ASCII whitespace or `<` `>`, so each word is independent).
pub fn nfc(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().all(always_nfc) {
        return text.into();
    }
    if unicode_normalization::is_nfc_quick(text.chars()) == unicode_normalization::IsNormalized::Yes
    {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut push = |segment: &str| {
        if segment.chars().all(always_nfc) {
            out.push_str(segment);
        } else {
            out.extend(segment.nfc());
        }
    };
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if i > start && (c.is_ascii_whitespace() || c == '<' || c == '>') {
            push(&text[start..i]);
            start = i;
        }
    }
    push(&text[start..]);
    out.into()
}

/// Characters that are in NFC and never compose with a neighbour: below the combining marks,
/// Latin Extended Additional (precomposed Vietnamese letters), and common punctuation.
fn always_nfc(c: char) -> bool {
    matches!(c, '\0'..='\u{2ff}' | '\u{1e00}'..='\u{1eff}' | '\u{2010}'..='\u{2027}' | '\u{2030}'..='\u{205e}')
}

/// NFC, without XML-illegal characters, whitespace runs (nbsp included) collapsed, trimmed.
/// Repairs UTF-8 that a republisher read as Latin-1 ("Tin TÃ¢y NguyÃªn").
pub fn clean_text(text: &str) -> String {
    let out = collapse_whitespace(&repair_mojibake(text));
    nfc(&out).chars().filter(|c| xml_char(*c)).collect()
}

/// Whitespace runs (nbsp included) as one space, trimmed; nothing else changed.
pub fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(|c: char| c.is_whitespace() || c == '\u{a0}') {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The text of an HTML fragment (tags dropped, entities decoded), cleaned.
pub fn html_to_text(fragment: &str) -> String {
    if !fragment.contains(['<', '&']) {
        return clean_text(fragment);
    }
    let doc = crate::nesting::fragment(fragment);
    let mut text = String::new();
    for node in doc.root_element().descendants() {
        if let Some(t) = node.value().as_text() {
            text.push_str(t);
        } else if node.value().as_element().is_some_and(|e| {
            matches!(
                e.name(),
                "p" | "br" | "div" | "li" | "h1" | "h2" | "h3" | "figcaption" | "tr"
            )
        }) {
            text.push(' ');
        }
    }
    clean_text(&text)
}

/// NFC and no XML-illegal characters, for HTML that is otherwise left as it is.
pub fn xml_safe_nfc(html: &str) -> String {
    let html = nfc(html);
    if html.chars().all(xml_char) {
        return html.into_owned();
    }
    html.chars().filter(|c| xml_char(*c)).collect()
}

/// Text fit for an operator's terminal or a status page: every control character but `\n` and
/// `\t` (C0, DEL, C1 — ESC and CSI sequences included) shown as a `\u{..}` escape instead.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let raw = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.chars().any(raw) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if raw(c) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    out.into()
}

/// Whether we publish the character: XML 1.0 allows it, and it is no control character (XML
/// allows DEL and the C1 controls, which no article needs and terminals obey).
pub fn xml_char(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{7E}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Text for matching regardless of case and diacritics: lower case, tone and vowel marks
/// removed (`Hậu Giang` → `hau giang`, `đ` → `d`), whitespace collapsed.
pub fn fold_diacritics(text: &str) -> String {
    let stripped: String = text
        .nfd()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'đ' { 'd' } else { c })
        .collect();
    collapse_whitespace(&stripped)
}

/// A URL path segment for a name: `Hậu Giang` → `hau-giang`, `Bà Rịa–Vũng Tàu` → `ba-ria-vung-tau`.
pub fn slug(name: &str) -> String {
    let folded = fold_diacritics(name);
    let mut slug = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

/// UTF-8 read as windows-1252 shows up as `Ã¢`, `Ã´`, `Ä‘`, `áº£`…; undo it when the round trip
/// is exact and gives Vietnamese letters.
fn repair_mojibake(text: &str) -> std::borrow::Cow<'_, str> {
    const MARKERS: [&str; 5] = ["Ã", "Ä", "Æ", "áº", "á»"];
    if !MARKERS.iter().any(|m| text.contains(m)) {
        return text.into();
    }
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
    if unmappable {
        return text.into();
    }
    match String::from_utf8(bytes.into_owned()) {
        Ok(fixed) if fixed.chars().count() < text.chars().count() => fixed.into(),
        _ => text.into(),
    }
}

/// `text` cut to at most `max_chars` characters at a word boundary, with `…` when cut.
pub fn truncate_words(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let cut: String = text.chars().take(max_chars).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{cut}…")
}

/// Escapes text for HTML and XML content and attributes; control characters show as escapes.
pub fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in printable(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfc_and_whitespace() {
        let nfd: String = "Hậu   Giang\u{a0}\n tỉnh".nfd().collect();
        assert_eq!(clean_text(&nfd), "Hậu Giang tỉnh");
    }

    #[test]
    fn nfc_fast_path_agrees_with_the_full_algorithm() {
        let samples = [
            "Tỉnh ủy Hậu Giang – “Hội nghị” … ký kết",
            "tiê\u{301}p",     // combining mark: composed
            "A\u{30a}",        // Å from a combining ring
            "\u{212b}ngström", // ANGSTROM SIGN is not NFC
            "\u{2000}space",   // EN QUAD is a singleton
            "Ω ohm \u{2126}",  // OHM SIGN is not NFC
            "plain ASCII",
            "<p>Tie\u{302}\u{301}p tu\u{323}c</p> <b>A\u{30a}</b>\u{301}x",
        ];
        for s in samples {
            assert_eq!(nfc(s), s.nfc().collect::<String>(), "{s:?}");
        }
    }

    #[test]
    fn illegal_xml_chars_are_stripped() {
        assert_eq!(clean_text("a\u{1}b\u{8}c\u{fffe}"), "abc");
        assert_eq!(
            clean_text("a\u{1b}[2Jb\u{7f}c\u{9b}31md\u{85}"),
            "a[2Jbc31md"
        );
        assert_eq!(
            printable("a\u{1b}]0;x\u{7}\tb\n"),
            "a\\u{1b}]0;x\\u{7}\tb\n"
        );
    }

    #[test]
    fn folding_and_slugs() {
        assert_eq!(fold_diacritics("  Hậu   GIANG  "), "hau giang");
        assert_eq!(fold_diacritics("Đảng bộ"), "dang bo");
        let nfd: String = "Cần Thơ".nfd().collect();
        assert_eq!(fold_diacritics(&nfd), "can tho");
        assert_eq!(slug("Hậu Giang"), "hau-giang");
        assert_eq!(slug("Bà Rịa–Vũng Tàu"), "ba-ria-vung-tau");
        assert_eq!(slug("Thừa Thiên Huế"), "thua-thien-hue");
    }

    #[test]
    fn mojibake_is_repaired() {
        assert_eq!(clean_text("Tin TÃ¢y NguyÃªn"), "Tin Tây Nguyên");
        assert_eq!(clean_text("Ãt nhất"), "Ãt nhất");
    }

    #[test]
    fn entity_then_combining_mark_composes() {
        // The Bắc Giang corpus writes "ti&ecirc;́p": an entity followed by a raw U+0301.
        assert_eq!(html_to_text("<p>ti&ecirc;\u{301}p tục</p>"), "tiếp tục");
        assert_eq!(html_to_text("C&#x1ED4;NG TH&#xD4;NG TIN"), "CỔNG THÔNG TIN");
    }
}
