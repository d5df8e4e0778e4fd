//! List pages → article links and the next page, by the source's `[source.list]` rules.

use std::collections::HashSet;

use scraper::{ElementRef, Html, Selector};
use url::Url;

use super::ListPage;
use crate::config::ListRules;
use crate::links::resolve_link;

/// Finds the article links and the next-page link on a list page.
///
/// Links are resolved against the page URL (or its `<base href>`), fragments dropped, only
/// http(s) kept, and each link kept once (portals link an article from its image and its
/// title). Which hosts may be followed is the source's call, not the page's.
pub fn extract_list(html: &str, page_url: &Url, rules: &ListRules) -> ListPage {
    let doc = crate::nesting::document(html);
    let base = base_url(&doc, page_url);
    let mut seen = HashSet::new();
    let links = doc
        .select(&rules.link.selector)
        .filter_map(|el| href_of(el))
        .filter_map(|href| resolve_link(&base, href))
        .filter(|url| seen.insert(url.clone()))
        .collect();
    let next = rules.next.as_ref().and_then(|rule| {
        doc.select(&rule.selector)
            .filter_map(href_of)
            .filter_map(|href| resolve_link(&base, href))
            .find(|url| url != page_url)
    });
    ListPage { links, next }
}

/// The document's `<base href>` resolved against the page, or the page URL.
pub(crate) fn base_url(doc: &Html, page_url: &Url) -> Url {
    static BASE: std::sync::LazyLock<Option<Selector>> =
        std::sync::LazyLock::new(|| Selector::parse("base[href]").ok());
    BASE.as_ref()
        .and_then(|sel| doc.select(sel).next())
        .and_then(|el| el.value().attr("href"))
        .and_then(|href| page_url.join(href.trim()).ok())
        .unwrap_or_else(|| page_url.clone())
}

/// The element's own `href`, or that of the first link inside it.
fn href_of(el: ElementRef<'_>) -> Option<&str> {
    if let Some(href) = el.value().attr("href") {
        return Some(href);
    }
    el.descendants()
        .filter_map(ElementRef::wrap)
        .find_map(|e| e.value().attr("href"))
}
