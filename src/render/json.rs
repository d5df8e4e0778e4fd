//! Stored articles → a JSON Feed 1.1 document (<https://jsonfeed.org/version/1.1>), via serde.

use std::collections::HashMap;

use serde::Serialize;

use super::{author_of, categories_of, entry_id, source_name, FeedInfo, Portal};
use crate::store::StoredArticle;

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    home_page_url: Option<&'a str>,
    feed_url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_url: Option<&'a str>,
    language: &'static str,
    items: Vec<JsonItem<'a>>,
}

#[derive(Serialize)]
struct JsonItem<'a> {
    id: String,
    url: &'a str,
    title: &'a str,
    content_html: &'a str,
    summary: &'a str,
    date_published: String,
    date_modified: String,
    authors: [JsonAuthor<'a>; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<&'a str>,
    /// Our extension (JSON Feed 1.1 reserves names starting with `_` for them).
    #[serde(rename = "_portalfeed", skip_serializing_if = "Option::is_none")]
    extension: Option<JsonExtension<'a>>,
}

#[derive(Serialize)]
struct JsonExtension<'a> {
    /// The story's other copies.
    copies: Vec<JsonCopy<'a>>,
}

#[derive(Serialize)]
struct JsonCopy<'a> {
    url: &'a str,
    source: &'a str,
}

#[derive(Serialize)]
struct JsonAuthor<'a> {
    name: &'a str,
}

/// Renders `entries` (already newest first) as JSON Feed 1.1.
pub fn render_json(
    info: &FeedInfo,
    entries: &[StoredArticle],
    portals: &HashMap<String, Portal>,
) -> String {
    let feed = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: &info.title,
        home_page_url: info.alternate.as_ref().map(|u| u.as_str()),
        feed_url: info.self_link.as_str(),
        next_url: info.next.as_ref().map(|u| u.as_str()),
        language: "vi",
        items: entries
            .iter()
            .map(|stored| {
                let a = &stored.article;
                let portal = portals.get(&stored.source_id);
                JsonItem {
                    id: entry_id(&a.key),
                    url: &a.link,
                    title: &a.title,
                    content_html: &a.content_html,
                    summary: &a.summary,
                    date_published: a.published.to_rfc3339(),
                    date_modified: a.updated.to_rfc3339(),
                    authors: [JsonAuthor {
                        name: author_of(stored, portal),
                    }],
                    tags: categories_of(stored, portal),
                    extension: (!stored.copies.is_empty()).then(|| JsonExtension {
                        copies: stored
                            .copies
                            .iter()
                            .map(|copy| JsonCopy {
                                url: &copy.link,
                                source: source_name(copy, portals),
                            })
                            .collect(),
                    }),
                }
            })
            .collect(),
    };
    // Serializing plain strings and numbers cannot fail; an empty object is the safe fallback.
    serde_json::to_string_pretty(&feed).unwrap_or_else(|_| "{}".into())
}
