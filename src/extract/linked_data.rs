//! JSON-LD (`<script type="application/ld+json">`): the publication date and author a page
//! states for machines, read when the source's rules do not name them.
//!
//! Looks through every JSON-LD block — a single object, an array, or an `@graph` — for the
//! first object carrying `datePublished` (or `dateCreated`) and an `author` (a name, a
//! `Person`/`Organization`, or a list of them). Blocks that do not parse are skipped; nothing
//! here parses the date itself (that is `dates`' job) or trusts the values beyond their type.

use std::sync::LazyLock;

use scraper::{Html, Selector};
use serde_json::Value;

/// A JSON-LD block larger than this is not read (real ones are a few kilobytes).
const MAX_BLOCK_BYTES: usize = 512 * 1024;
/// Objects visited at most per page (a hostile page may nest or repeat them).
const MAX_OBJECTS: usize = 2_000;

/// What a page's JSON-LD says about its article.
#[derive(Debug, Default, PartialEq)]
pub struct LinkedData {
    pub date_published: Option<String>,
    pub author: Option<String>,
}

/// The article facts in the page's JSON-LD blocks.
pub fn read(doc: &Html) -> LinkedData {
    let mut found = LinkedData::default();
    let mut visited = 0usize;
    for script in doc.select(&SCRIPTS) {
        let text: String = script.text().collect();
        if text.len() > MAX_BLOCK_BYTES {
            continue;
        }
        let Ok(value) = serde_json::from_str::<Value>(text.trim()) else {
            continue;
        };
        let mut pending = vec![&value];
        while let Some(v) = pending.pop() {
            visited += 1;
            if visited > MAX_OBJECTS {
                return found;
            }
            match v {
                Value::Array(items) => pending.extend(items.iter().rev()),
                Value::Object(map) => {
                    if found.date_published.is_none() {
                        found.date_published = ["datePublished", "dateCreated"]
                            .iter()
                            .find_map(|k| map.get(*k).and_then(Value::as_str))
                            .map(str::trim)
                            .filter(|s| !s.is_empty())
                            .map(str::to_string);
                    }
                    if found.author.is_none() {
                        found.author = map.get("author").and_then(author_name);
                    }
                    if let Some(graph) = map.get("@graph") {
                        pending.push(graph);
                    }
                }
                _ => {}
            }
            if found.date_published.is_some() && found.author.is_some() {
                return found;
            }
        }
    }
    found
}

/// An `author` value's name(s): a string, `{"name": …}`, or a list of them joined by commas.
fn author_name(value: &Value) -> Option<String> {
    let one = |v: &Value| -> Option<String> {
        match v {
            Value::String(s) => Some(s.trim().to_string()),
            Value::Object(m) => m
                .get("name")
                .and_then(Value::as_str)
                .map(|s| s.trim().to_string()),
            _ => None,
        }
        .filter(|s| !s.is_empty())
    };
    match value {
        Value::Array(items) => {
            let names: Vec<String> = items.iter().filter_map(one).collect();
            (!names.is_empty()).then(|| names.join(", "))
        }
        v => one(v),
    }
}

static SCRIPTS: LazyLock<Selector> = LazyLock::new(|| {
    Selector::parse("script[type='application/ld+json']")
        .unwrap_or_else(|e| panic!("static selector: {e}"))
});

#[cfg(test)]
mod tests {
    use super::*;

    fn page(json: &str) -> Html {
        Html::parse_document(&format!(
            "<html><head><script type='application/ld+json'>{json}</script></head></html>"
        ))
    }

    #[test]
    fn a_news_article_gives_its_date_and_author() {
        let doc = page(
            r#"{"@context":"https://schema.org","@type":"NewsArticle",
               "datePublished":"2024-03-25T10:30:00+07:00",
               "author":[{"@type":"Person","name":"Minh Anh"},{"@type":"Person","name":"Lan Hương"}]}"#,
        );
        assert_eq!(
            read(&doc),
            LinkedData {
                date_published: Some("2024-03-25T10:30:00+07:00".into()),
                author: Some("Minh Anh, Lan Hương".into()),
            }
        );
    }

    #[test]
    fn a_graph_and_broken_blocks_are_walked_past() {
        let doc = Html::parse_document(
            r#"<html><head><script type="application/ld+json">{not json</script>
            <script type="application/ld+json">{"@graph":[{"@type":"WebSite","name":"Cổng"},
              {"@type":"Article","dateCreated":"2021-03-20","author":"Báo Bắc Giang"}]}</script>
            </head></html>"#,
        );
        assert_eq!(
            read(&doc),
            LinkedData {
                date_published: Some("2021-03-20".into()),
                author: Some("Báo Bắc Giang".into()),
            }
        );
    }

    #[test]
    fn a_page_without_json_ld_gives_nothing() {
        assert_eq!(
            read(&Html::parse_document("<p>x</p>")),
            LinkedData::default()
        );
    }
}
