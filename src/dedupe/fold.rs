//! Character folding for comparing texts: lower case, letters and digits only, and (for
//! near-duplicate detection) without Vietnamese tone and vowel marks.
//!
//! Both folds read a table built once for the ranges Vietnamese text is made of (Basic Latin
//! through Latin Extended-B, and Latin Extended Additional); Unicode is asked only outside them
//! (per-character case and decomposition look-ups were most of a fingerprint's cost).

use std::sync::LazyLock;

use unicode_normalization::char::{canonical_combining_class, decompose_canonical};

/// Lower case, letters and digits only, diacritics kept: the exact-copy fingerprint's text.
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text.chars() {
        match table(c) {
            Some(entry) => match entry.lower {
                Lower::Keep(l) => folded.push(l),
                Lower::Drop => {}
                Lower::Slow => folded.extend(slow_lower(c)),
            },
            None => folded.extend(slow_lower(c)),
        }
    }
    folded
}

/// What near-duplicate folding makes of one character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folded {
    /// A letter or digit: lower case, without marks (`Ậ` → `a`, `Đ` → `d`).
    Letter(char),
    /// A combining mark left over from NFD input: part of the syllable, folded away.
    Mark,
    /// Anything else ends a syllable.
    Separator,
}

/// Folds one character for near-duplicate detection.
pub fn fold_char(c: char) -> Folded {
    match table(c) {
        Some(entry) => entry.bare,
        None => slow_bare(c),
    }
}

fn slow_lower(c: char) -> impl Iterator<Item = char> {
    c.to_lowercase().filter(|l| l.is_alphanumeric())
}

fn slow_bare(c: char) -> Folded {
    if canonical_combining_class(c) != 0 {
        return Folded::Mark;
    }
    if !c.is_alphanumeric() {
        return Folded::Separator;
    }
    let mut base = None;
    decompose_canonical(c, |d| {
        if base.is_none() {
            base = Some(d);
        }
    });
    let base = base.unwrap_or(c);
    match base.to_lowercase().next() {
        Some('đ') => Folded::Letter('d'),
        Some(l) if l.is_alphanumeric() => Folded::Letter(l),
        _ => Folded::Separator,
    }
}

/// [`fold`]'s answer for one character.
#[derive(Clone, Copy)]
enum Lower {
    Keep(char),
    Drop,
    /// Lower-cases to more than one character: ask Unicode.
    Slow,
}

#[derive(Clone, Copy)]
struct Entry {
    lower: Lower,
    bare: Folded,
}

fn table(c: char) -> Option<Entry> {
    const LATIN: u32 = 0x250; // Basic Latin through Latin Extended-B
    const EXTENDED: std::ops::Range<u32> = 0x1E00..0x1F00; // Latin Extended Additional
    static TABLE: LazyLock<Vec<Option<Entry>>> = LazyLock::new(|| {
        let entry = |c: char| {
            let mut lower = slow_lower(c);
            let lower = match (lower.next(), lower.next()) {
                (None, _) => Lower::Drop,
                (Some(l), None) => Lower::Keep(l),
                (Some(_), Some(_)) => Lower::Slow,
            };
            Entry {
                lower,
                bare: slow_bare(c),
            }
        };
        (0..LATIN)
            .chain(EXTENDED)
            .map(|u| char::from_u32(u).map(entry))
            .collect()
    });
    let u = c as u32;
    let index = if u < LATIN {
        u
    } else if EXTENDED.contains(&u) {
        LATIN + u - EXTENDED.start
    } else {
        return None;
    };
    TABLE.get(index as usize).copied().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_agrees_with_unicode() {
        for c in (0u32..0x250)
            .chain(0x1E00..0x1F00)
            .filter_map(char::from_u32)
        {
            let slow: String = slow_lower(c).collect();
            assert_eq!(fold(&c.to_string()), slow, "{c:?}");
            assert_eq!(fold_char(c), slow_bare(c), "{c:?}");
        }
        assert_eq!(fold("ĐẠI HỘI Đảng bộ, 2026!"), "đạihộiđảngbộ2026");
    }

    #[test]
    fn bare_letters() {
        let bare: String = "Ậu Đ ư ờ ỹ 9"
            .chars()
            .filter_map(|c| match fold_char(c) {
                Folded::Letter(l) => Some(l),
                _ => None,
            })
            .collect();
        assert_eq!(bare, "auduoy9");
        assert_eq!(fold_char('\u{301}'), Folded::Mark);
        assert_eq!(fold_char(','), Folded::Separator);
        assert_eq!(fold_char('İ'), Folded::Letter('i'));
    }
}
