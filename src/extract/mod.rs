//! Extract: fetched bytes → what a page or feed says, as raw values.
//!
//! A list page gives a [`ListPage`] (article links, next page); an article page or a feed entry
//! gives a [`RawArticle`] whose fields are the text and HTML found, before any cleaning.
//! Everything here is a synchronous, pure function over bytes that returns owned values (scraper's
//! `Html` is neither `Send` nor `Sync` and never leaves a function).
//!
//! It must not do I/O, parse dates or sanitize: that is `normalize`'s job.

pub mod article;
pub mod auto;
pub mod charset;
pub mod feed;
pub mod list;
pub mod nesting;
pub mod repair;

use chrono::{DateTime, FixedOffset};
use url::Url;

pub use article::extract_article;
pub use feed::{parse_feed, FeedError};
pub use list::extract_list;

/// The links a list page offers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListPage {
    /// Article links on this page: absolute http(s), without fragment, each once, in page order.
    pub links: Vec<Url>,
    /// The next list page, if the page links one.
    pub next: Option<Url>,
}

/// One article as found on its page or in a feed, not yet cleaned.
#[derive(Debug, Clone, PartialEq)]
pub struct RawArticle {
    /// The page the article was read from (after redirects), or the feed entry's link.
    pub url: Url,
    /// `<link rel="canonical">` or `og:url`, resolved.
    pub canonical: Option<Url>,
    /// A feed entry's own id (RSS guid, Atom id, JSON Feed id), when it has one.
    pub guid: Option<String>,
    pub title: Option<String>,
    /// Texts that may hold the publication date, most trusted first.
    pub date_texts: Vec<String>,
    /// The page's text, searched for a date when nothing better gave one.
    pub page_text: Option<String>,
    /// Dates a feed already gave as timestamps.
    pub published: Option<DateTime<FixedOffset>>,
    pub updated: Option<DateTime<FixedOffset>>,
    pub author: Option<String>,
    /// The article body as HTML, with the operator's `remove` rules applied.
    pub content_html: Option<String>,
    /// The sapo / description, as HTML or text.
    pub summary: Option<String>,
    pub category: Option<String>,
    /// Read from a feed entry (title and link make an entry; an HTML page with no content
    /// means a selector missed).
    pub from_feed: bool,
}

impl RawArticle {
    /// An empty article read from `url`.
    pub fn new(url: Url) -> RawArticle {
        RawArticle {
            url,
            canonical: None,
            guid: None,
            title: None,
            date_texts: Vec::new(),
            page_text: None,
            published: None,
            updated: None,
            author: None,
            content_html: None,
            summary: None,
            category: None,
            from_feed: false,
        }
    }
}

/// A list page's links: by the source's rules, or by structure (auto mode) without them.
pub fn read_list(html: &str, page_url: &Url, rules: Option<&crate::config::ListRules>) -> ListPage {
    match rules {
        Some(rules) => extract_list(html, page_url, rules),
        None => auto::discover_links(html, page_url).page,
    }
}

/// Resolves an `href`/`src` as a browser would, repairing `http:host/path` (missing `//`), and
/// keeps only http(s) URLs, without fragment.
pub fn resolve_link(base: &Url, href: &str) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    let repaired;
    let href = match href.split_once(':') {
        Some((scheme, rest))
            if (scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https"))
                && !rest.starts_with('/') =>
        {
            repaired = format!("{scheme}://{rest}");
            repaired.as_str()
        }
        _ => href,
    };
    let mut url = base.join(href).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    url.set_fragment(None);
    Some(url)
}

/// Two hosts are the same site when they differ at most by a leading `www.`.
pub fn same_site(a: &Url, b: &Url) -> bool {
    let strip = |u: &Url| -> Option<String> {
        u.host_str()
            .map(|h| h.trim_start_matches("www.").to_ascii_lowercase())
    };
    strip(a).is_some() && strip(a) == strip(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_link_repairs_and_filters() {
        let base = Url::parse("http://site.vn/tin/index.html").ok();
        let Some(base) = base else { return };
        let r = |h| resolve_link(&base, h).map(|u| u.to_string());
        assert_eq!(r("../a.html#top").as_deref(), Some("http://site.vn/a.html"));
        assert_eq!(
            r("http:moc.gov.vn/x/y").as_deref(),
            Some("http://moc.gov.vn/x/y")
        );
        assert_eq!(r("javascript:void(0)"), None);
        assert_eq!(r("#"), None);
        assert_eq!(r("mailto:a@b.vn"), None);
        assert_eq!(
            r("../Uploads/19.3 B.png").as_deref(),
            Some("http://site.vn/Uploads/19.3%20B.png")
        );
    }
}
