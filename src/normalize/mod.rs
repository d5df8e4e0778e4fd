//! Normalize: a [`RawArticle`] → an [`Article`] fit to store and publish.
//!
//! NFC text, collapsed whitespace, the publication date parsed (Vietnamese formats, +07:00),
//! content sanitized with absolute links, the key URL chosen, a summary derived when the page
//! has none, and the body fingerprint computed for cross-source dedup.
//!
//! Pure: no I/O, and the clock is passed in. It rejects an article without title or content
//! rather than let it be stored half-empty.

pub mod html;
pub mod url;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use self::url::canonical_url;
use crate::dates;
use crate::dedupe;
use crate::digest::hex;
use crate::extract::RawArticle;
use crate::text;

/// How many characters a derived summary keeps.
const SUMMARY_CHARS: usize = 300;
/// The most article HTML kept: a longer body is cut (feed readers built on libxml2 refuse a
/// text node over 10 MB, and no news article needs a megabyte).
pub const MAX_CONTENT_BYTES: usize = 1 << 20;

/// `html` cut to [`MAX_CONTENT_BYTES`] at a character boundary, before a tag where one is near;
/// the sanitizer closes whatever the cut leaves open.
fn within_limit(html: &str) -> &str {
    if html.len() <= MAX_CONTENT_BYTES {
        return html;
    }
    let mut end = MAX_CONTENT_BYTES;
    while !html.is_char_boundary(end) {
        end -= 1;
    }
    let cut = html.get(..end).unwrap_or_default();
    match cut.rfind('<') {
        Some(tag) if tag > end / 2 => cut.get(..tag).unwrap_or(cut),
        _ => cut,
    }
}

/// One article, clean and complete: what the store keeps and the feeds publish.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    /// The key URL (or a feed entry's guid key): one per article, stable across runs.
    pub key: String,
    /// Where a reader goes to read it on the portal.
    pub link: String,
    pub title: String,
    pub published: DateTime<FixedOffset>,
    pub updated: DateTime<FixedOffset>,
    /// Whether `published` came from the article (not from when we first saw it).
    pub dated: bool,
    pub author: Option<String>,
    pub summary: String,
    /// Sanitized HTML with absolute links.
    pub content_html: String,
    pub category: Option<String>,
    /// Fingerprint of the body text, equal for the same article republished elsewhere.
    pub fingerprint: String,
    /// Hash of what a reader sees (title + content): changes when the article is edited.
    pub content_hash: String,
}

/// Why an extracted article is not stored.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Rejection {
    #[error("no title found")]
    NoTitle,
    #[error("no content found")]
    NoContent,
}

/// Cleans `raw`. `key_scope` prefixes non-URL feed guids so they cannot collide across feeds;
/// `now` dates an article that prints no date of its own.
pub fn normalize(
    raw: RawArticle,
    key_scope: &str,
    now: DateTime<FixedOffset>,
) -> Result<Article, Rejection> {
    let title = raw
        .title
        .as_deref()
        .map(text::html_to_text)
        .unwrap_or_default();
    let title = title.trim().to_string();
    let content_source = raw
        .content_html
        .as_deref()
        .or(raw.summary.as_deref())
        .unwrap_or_default();
    let content_html = html::sanitize(within_limit(content_source), &raw.url);
    let body_text = html::sanitized_text(&content_html);
    let summary = raw
        .summary
        .as_deref()
        .map(text::html_to_text)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| text::truncate_words(&body_text, SUMMARY_CHARS));
    // RSS needs a title *or* a description: an untitled item is titled by its first sentence
    // (a page without a title means the title selector missed).
    let title = if title.is_empty() && raw.from_feed {
        first_sentence(&summary)
    } else {
        title
    };
    if title.is_empty() {
        return Err(Rejection::NoTitle);
    }
    // A feed entry with a title and a link is an entry; a page with no text means the content
    // selector missed.
    if body_text.is_empty() && !content_html.contains("<img") && !raw.from_feed {
        return Err(Rejection::NoContent);
    }

    // The page's own date line beats a feed's timestamp (NukeViet's RSS dates are known to be
    // wrong), which beats a date guessed from the whole page text.
    // A date outside 1990..tomorrow is a misread or a hostile value: not found.
    let plausible = |t: &DateTime<FixedOffset>| dates::plausible(*t, now);
    let published = raw
        .date_texts
        .iter()
        .filter_map(|t| dates::parse_date(t))
        .find(plausible)
        .or(raw.published.filter(plausible))
        .or_else(|| {
            raw.page_text
                .as_deref()
                .and_then(dates::parse_date)
                .filter(plausible)
        })
        .or(raw.updated.filter(plausible));
    let dated = published.is_some();
    if !dated && (raw.published.is_some() || raw.updated.is_some()) {
        tracing::debug!(
            url = %raw.url,
            "dates {:?} / {:?} are outside 1990..tomorrow: not used",
            raw.published,
            raw.updated
        );
    }
    let published = published.unwrap_or(now).with_timezone(&dates::vietnam());
    let updated = raw
        .updated
        .filter(plausible)
        .map(|u| u.with_timezone(&dates::vietnam()))
        .filter(|u| *u >= published)
        .unwrap_or(published);

    let key = article_key(&raw, key_scope);
    // Readers get the page's canonical address (same site only), as the key does.
    let link = canonical_url(&raw.url, raw.canonical.as_ref()).to_string();
    let content_hash = hex(&Sha256::digest(format!("{title}\u{0}{content_html}").as_bytes())[..16]);
    Ok(Article {
        fingerprint: dedupe::fingerprint(&title, &body_text),
        key,
        link,
        title,
        published,
        updated,
        dated,
        author: raw
            .author
            .as_deref()
            .map(|a| without_author_label(&text::html_to_text(a)).to_string())
            .filter(|a| !a.is_empty()),
        summary,
        content_html,
        category: raw
            .category
            .as_deref()
            .map(text::clean_text)
            .filter(|c| !c.is_empty()),
        content_hash,
    })
}

/// The dedup profile of a normalized article, from its title and the text of its sanitized
/// content (what the pipeline stores with it, and what `dupes --explain` recomputes).
pub fn dedupe_profile(article: &Article) -> dedupe::Profile {
    dedupe::Profile::new(&article.title, &html::sanitized_text(&article.content_html))
}

/// A feed entry with a guid is keyed by it (a URL guid as a canonical URL); everything else by its
/// canonical URL.
fn article_key(raw: &RawArticle, key_scope: &str) -> String {
    match raw.guid.as_deref() {
        Some(guid) => match ::url::Url::parse(guid) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => canonical_url(&u, None).to_string(),
            _ => format!("{key_scope}#{guid}"),
        },
        None => canonical_url(&raw.url, raw.canonical.as_ref()).to_string(),
    }
}

/// "Tác giả: Nguyễn Văn A" → "Nguyễn Văn A": the labels portals print inside the author line
/// ("Tác giả:", "Nguồn:", "PV", "Theo", a whole "(Theo TTXVN)" in parentheses) are dropped.
fn without_author_label(author: &str) -> &str {
    let mut author = author.trim();
    if let Some(inner) = author.strip_prefix('(').and_then(|a| a.strip_suffix(')')) {
        author = inner.trim();
    }
    for label in [
        "tác giả",
        "người viết",
        "bài và ảnh",
        "bài, ảnh",
        "phóng viên",
        "nguồn",
        "theo",
        "pv",
    ] {
        // Compare the label's length in characters of the author itself: lower-casing can
        // change lengths (`İ` → `i̇`), so no offset is taken from a lower-cased copy.
        let end = author
            .char_indices()
            .nth(label.chars().count())
            .map_or(author.len(), |(i, _)| i);
        let (head, rest) = author.split_at(end);
        // A label is a word of its own: "PVN" and "Theodore" are names.
        let whole_word = rest.chars().next().is_none_or(|c| !c.is_alphanumeric());
        if whole_word && head.to_lowercase() == label {
            let name = rest.trim_start_matches([':', ' ', '-', '.']).trim();
            if !name.is_empty() {
                return name;
            }
        }
    }
    author
}

/// Characters an untitled entry's derived title keeps at most.
const DERIVED_TITLE_CHARS: usize = 120;

/// The first sentence of `text` (to its first `.`, `!`, `?` or `…` followed by a space or the
/// end), cut at a word to [`DERIVED_TITLE_CHARS`].
fn first_sentence(text: &str) -> String {
    let mut end = text.len();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if matches!(c, '.' | '!' | '?' | '…')
            && chars.peek().is_none_or(|(_, next)| next.is_whitespace())
        {
            end = i + c.len_utf8();
            break;
        }
    }
    let sentence = text.get(..end).unwrap_or(text).trim();
    let sentence = sentence.trim_end_matches(['.', ' ']);
    text::truncate_words(sentence, DERIVED_TITLE_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-11-26T10:00:00+07:00").unwrap_or_else(|e| panic!("{e}"))
    }

    fn raw() -> RawArticle {
        let url = ::url::Url::parse("https://a.vn/tin/bai.html?utm_source=x#top")
            .unwrap_or_else(|e| panic!("{e}"));
        let mut raw = RawArticle::new(url);
        raw.title = Some("  HG:   Ký kết \n quy chế ".into());
        raw.content_html = Some("<p>Nội dung <img src='/a b.png'></p>".into());
        raw.date_texts = vec![
            "không có".into(),
            "[ Cập nhật vào ngày (20/03/2021) ]".into(),
        ];
        raw
    }

    #[test]
    fn a_complete_article() {
        let a = normalize(raw(), "s", now()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.title, "HG: Ký kết quy chế");
        assert_eq!(a.key, "https://a.vn/tin/bai.html");
        assert_eq!(a.published.to_rfc3339(), "2021-03-20T00:00:00+07:00");
        assert!(a.dated);
        assert_eq!(a.summary, "Nội dung");
        assert!(
            a.content_html.contains("https://a.vn/a%20b.png"),
            "{}",
            a.content_html
        );
    }

    #[test]
    fn an_untitled_feed_entry_is_titled_by_its_first_sentence() {
        let mut r = raw();
        r.title = None;
        r.from_feed = true;
        r.content_html = Some("<p>Tỉnh tổ chức hội nghị. Nội dung khác!</p>".into());
        let a = normalize(r, "s", now()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.title, "Tỉnh tổ chức hội nghị");
        assert_eq!(
            first_sentence("Giá 1.500 đồng/kg. Sau đó"),
            "Giá 1.500 đồng/kg"
        );
        assert_eq!(first_sentence(""), "");
    }

    #[test]
    fn a_feed_entry_needs_no_content_but_a_page_does() {
        let mut r = raw();
        r.content_html = Some("<script>x</script>".into());
        assert_eq!(normalize(r.clone(), "s", now()), Err(Rejection::NoContent));
        r.from_feed = true;
        let a = normalize(r, "s", now()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.title, "HG: Ký kết quy chế");
    }

    #[test]
    fn undated_article_gets_first_seen_time() {
        let mut r = raw();
        r.date_texts.clear();
        let a = normalize(r, "s", now()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.published, now());
        assert!(!a.dated);
    }

    #[test]
    fn empty_title_or_content_is_rejected() {
        let mut r = raw();
        r.title = Some(" ".into());
        assert_eq!(normalize(r, "s", now()), Err(Rejection::NoTitle));
        let mut r = raw();
        r.content_html = Some("<script>x</script>".into());
        assert_eq!(normalize(r, "s", now()), Err(Rejection::NoContent));
    }

    #[test]
    fn author_labels_are_dropped() {
        let mut r = raw();
        r.author = Some("<strong>Tác giả:</strong> Nguyễn Văn A".into());
        assert_eq!(
            normalize(r, "s", now()).map(|a| a.author),
            Ok(Some("Nguyễn Văn A".into()))
        );
    }

    #[test]
    fn every_author_label_portals_print_is_dropped() {
        for (printed, name) in [
            ("Nguồn: Báo Bắc Giang", "Báo Bắc Giang"),
            ("PV Ngọc Lan", "Ngọc Lan"),
            ("PV: Ngọc Lan", "Ngọc Lan"),
            ("(Theo TTXVN)", "TTXVN"),
            ("Theo Báo Nhân Dân", "Báo Nhân Dân"),
            ("Phóng viên: Hoàng Hà", "Hoàng Hà"),
            ("PVN", "PVN"),
            ("Theodore Nguyễn", "Theodore Nguyễn"),
            ("Minh Anh", "Minh Anh"),
        ] {
            let mut r = raw();
            r.author = Some(printed.into());
            assert_eq!(
                normalize(r, "s", now()).map(|a| a.author),
                Ok(Some(name.into())),
                "{printed}"
            );
        }
    }

    #[test]
    fn a_label_check_never_slices_inside_a_character() {
        // `İ` lower-cases to two characters: an offset into the lower-cased text is not one
        // into the original.
        for author in [
            "Tác giả İ",
            "İİİİİİİ Tác giả",
            "TÁC GIẢ: Lê Văn B",
            "Bài và ảnh: ẞ",
        ] {
            let mut r = raw();
            r.author = Some(author.into());
            assert!(normalize(r, "s", now()).is_ok(), "{author}");
        }
        let mut r = raw();
        r.author = Some("TÁC GIẢ: Lê Văn B".into());
        assert_eq!(
            normalize(r, "s", now()).map(|a| a.author),
            Ok(Some("Lê Văn B".into()))
        );
    }

    #[test]
    fn dates_outside_1990_to_tomorrow_are_not_found() {
        let at = |y: i32| {
            DateTime::parse_from_rfc3339(&format!("{y:04}-06-01T08:00:00+07:00"))
                .unwrap_or_else(|e| panic!("{e}"))
        };
        for text in [
            "0000-12-31T17:00:00Z",
            "Sat, 01 Jan 0000 00:00:00 +0000",
            "9999-12-31T23:59:59+07:00",
            "Fri, 31 Dec 9999 23:59:59 GMT",
            "20/11/2099",
        ] {
            let mut r = raw();
            r.date_texts = vec![text.into()];
            let a = normalize(r, "s", now()).unwrap_or_else(|e| panic!("{e}"));
            assert!(!a.dated, "{text} → {}", a.published);
            assert_eq!(a.published, now(), "{text}");
        }
        for feed_date in [at(0), at(1989), at(9999)] {
            let mut r = raw();
            r.date_texts.clear();
            r.published = Some(feed_date);
            r.updated = Some(feed_date);
            let a = normalize(r, "s", now()).unwrap_or_else(|e| panic!("{e}"));
            assert!(!a.dated, "{feed_date}");
            assert_eq!((a.published, a.updated), (now(), now()), "{feed_date}");
        }
        // Tomorrow is still fine (a portal's clock runs ahead), the day after is not.
        let mut r = raw();
        r.date_texts = vec!["27/11/2026 09:00".into()];
        assert!(normalize(r, "s", now()).is_ok_and(|a| a.dated));
        let mut r = raw();
        r.date_texts = vec!["28/11/2026 12:00".into()];
        assert!(normalize(r, "s", now()).is_ok_and(|a| !a.dated));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn any_text_normalizes_without_panic_and_dates_stay_plausible(
                title in "\\PC{0,40}",
                author in "(Tác giả|TÁC GIẢ|İ|ẞ|\\PC){0,12}",
                date in "\\PC{0,30}|[0-9/:+ -]{0,24}",
                body in "\\PC{0,200}",
            ) {
                let mut r = raw();
                r.title = Some(title);
                r.author = Some(author);
                r.date_texts = vec![date];
                r.content_html = Some(body);
                if let Ok(a) = normalize(r, "s", now()) {
                    prop_assert!(dates::plausible(a.published, now()), "{}", a.published);
                    prop_assert!(dates::plausible(a.updated, now()), "{}", a.updated);
                }
            }
        }
    }

    #[test]
    fn guid_keys() {
        let mut r = raw();
        r.guid = Some("42".into());
        assert_eq!(
            normalize(r, "https://a.vn/rss", now()).map(|a| a.key),
            Ok("https://a.vn/rss#42".into())
        );
    }
}
