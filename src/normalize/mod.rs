//! Normalize: a [`RawArticle`] → an [`Article`] fit to store and publish.
//!
//! NFC text, collapsed whitespace, the publication date parsed (Vietnamese formats, +07:00),
//! content sanitized with absolute links, the key URL chosen, a summary derived when the page
//! has none, and the body fingerprint computed for cross-source dedup.
//!
//! Pure: no I/O, and the clock is passed in. It rejects an article without title or content
//! rather than let it be stored half-empty.

pub mod date;
pub mod html;
pub mod text;
pub mod url;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use self::url::canonical_url;
use crate::dedupe;
use crate::extract::RawArticle;

/// How many characters a derived summary keeps.
const SUMMARY_CHARS: usize = 300;

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
    if title.is_empty() {
        return Err(Rejection::NoTitle);
    }
    let content_source = raw
        .content_html
        .as_deref()
        .or(raw.summary.as_deref())
        .unwrap_or_default();
    let content_html = html::sanitize(content_source, &raw.url);
    let body_text = html::sanitized_text(&content_html);
    if body_text.is_empty() && !content_html.contains("<img") {
        return Err(Rejection::NoContent);
    }
    let summary = raw
        .summary
        .as_deref()
        .map(text::html_to_text)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| truncate_words(&body_text, SUMMARY_CHARS));

    // The page's own date line beats a feed's timestamp (NukeViet's RSS dates are known to be
    // wrong), which beats a date guessed from the whole page text.
    let published = raw
        .date_texts
        .iter()
        .find_map(|t| date::parse_date(t))
        .or(raw.published)
        .or_else(|| raw.page_text.as_deref().and_then(date::parse_date))
        .or(raw.updated);
    let dated = published.is_some();
    let published = published.unwrap_or(now).with_timezone(&date::vietnam());
    let updated = raw
        .updated
        .map(|u| u.with_timezone(&date::vietnam()))
        .filter(|u| *u >= published)
        .unwrap_or(published);

    let key = article_key(&raw, key_scope);
    let link = canonical_url(&raw.url, None).to_string();
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

/// "Tác giả: Nguyễn Văn A" → "Nguyễn Văn A" (NukeViet prints the label inside the author line).
fn without_author_label(author: &str) -> &str {
    let lower = author.to_lowercase();
    for label in ["tác giả", "người viết", "bài và ảnh", "bài, ảnh"] {
        if let Some(rest) = lower.strip_prefix(label) {
            let cut = author.len() - rest.len();
            return author[cut..].trim_start_matches([':', ' ', '-']).trim();
        }
    }
    author
}

fn truncate_words(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let cut: String = text.chars().take(max_chars).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{cut}…")
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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
    fn guid_keys() {
        let mut r = raw();
        r.guid = Some("42".into());
        assert_eq!(
            normalize(r, "https://a.vn/rss", now()).map(|a| a.key),
            Ok("https://a.vn/rss#42".into())
        );
    }
}
