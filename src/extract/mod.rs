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
pub mod body;
pub mod boilerplate;
pub mod charset;
pub mod element_text;
pub mod feed;
pub mod linked_data;
pub mod list;
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
    /// Which reading of the page, or the feed entry, gave `content_html`.
    pub body_strategy: Option<body::BodyStrategy>,
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
            body_strategy: None,
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
