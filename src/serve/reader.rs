//! The reader's front page (`/`): the latest stories across all sources, one card per story
//! (title, first lines, date in +07:00, province, the sources that carried it), with a search
//! box, filters by province and source, paging by the feeds' cursors, and autodiscovery links
//! to the feed of exactly the view shown. Server-rendered from `src/serve/templates/front.html`;
//! no script.
//!
//! Each card leads to the story's own page (`/story?key=…`): the text of its fullest copy as
//! the pipeline sanitized it, and every portal that carried it.
//!
//! A view is a feed request ([`FeedRequest`]) shown as HTML: the same query layer, filters and
//! cursors as `/feed.atom`, so what a reader sees is what subscribing to the page gives. It must
//! not query the store in its own way, and shows article text only as our pipeline cleaned it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, FixedOffset, Weekday};
use serde::Deserialize;

use super::feeds::{conditional_response, Rendered};
use super::App;
use crate::config::Config;
use crate::dates::vietnam;
use crate::feeds::{self, Feed, FeedError, FeedRequest, FeedScope};
use crate::render::{Format, Portal};
use crate::store::{Storage, StoredArticle};
use crate::text::{printable, slug, truncate_words};

/// Cards on one page.
pub const PAGE_SIZE: usize = 30;
/// Characters of a card's first lines.
const EXCERPT_CHARS: usize = 240;
/// Up to this many sources in scope, the source filter is a list to pick from; past it, a box
/// to type a source id in (a list of 1,000 portals would outweigh the page).
const SOURCE_CHOICES: usize = 80;

/// The front page's query string: the feeds' `q`, `source`, `before` and `after`, and a
/// province (its slug, as in `/provinces/{slug}.atom`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Deserialize)]
pub struct ReaderQuery {
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub province: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub before: Option<String>,
    #[serde(default)]
    pub after: Option<String>,
}

impl ReaderQuery {
    /// The query with blank fields dropped and text trimmed: `?q=&province=` is the front page.
    pub fn tidy(self) -> ReaderQuery {
        let keep = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        ReaderQuery {
            q: keep(self.q),
            province: keep(self.province),
            source: keep(self.source),
            before: keep(self.before),
            after: keep(self.after),
        }
    }

    /// The feed request this view shows, in `format`.
    fn feed_request(&self, format: Format) -> FeedRequest {
        let scope = match &self.province {
            Some(province) => FeedScope::Province(province.clone()),
            None => FeedScope::All,
        };
        FeedRequest {
            q: self.q.clone(),
            source: self.source.clone(),
            limit: Some(PAGE_SIZE),
            before: self.before.clone(),
            after: self.after.clone(),
            ..FeedRequest::new(scope, format)
        }
    }

    /// This view's address relative to the front page, at another position.
    fn href(&self, before: Option<&str>, after: Option<&str>) -> String {
        let mut pairs = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("q", self.q.as_deref()),
            ("province", self.province.as_deref()),
            ("source", self.source.as_deref()),
            ("before", before),
            ("after", after),
        ] {
            if let Some(value) = value {
                pairs.append_pair(name, value);
            }
        }
        let query = pairs.finish();
        if query.is_empty() {
            "./".into()
        } else {
            format!("./?{query}")
        }
    }
}

/// `GET /`: the front page, rendered once per store generation and view, with ETag/304 and
/// compression as the feeds have.
pub async fn page(
    State(app): State<Arc<App>>,
    Query(query): Query<ReaderQuery>,
    headers: HeaderMap,
) -> Response {
    let query = query.tidy();
    let generation = app.generation();
    let rendered = match app.pages.get(&query, generation) {
        Some(hit) => hit,
        None => {
            let view = query.clone();
            let made = super::off_the_workers(&app, move |app| {
                front_page(&app.config(), app.store.as_ref(), &view)
            })
            .await;
            let html = match made {
                Ok(Ok(html)) => html,
                Ok(Err(FeedError::NotFound(what))) => {
                    return error_page(StatusCode::NOT_FOUND, "Không có trang này", &what)
                }
                Ok(Err(FeedError::BadRequest(what))) => {
                    return error_page(StatusCode::BAD_REQUEST, "Địa chỉ không hợp lệ", &what)
                }
                Ok(Err(e)) => {
                    let what = e.to_string();
                    return error_page(StatusCode::INTERNAL_SERVER_ERROR, "Lỗi máy chủ", &what);
                }
                Err(e) => return error_page(StatusCode::INTERNAL_SERVER_ERROR, "Lỗi máy chủ", &e),
            };
            let rendered = Arc::new(Rendered::new(
                generation,
                "text/html; charset=utf-8",
                Bytes::from(html),
                SystemTime::now(),
            ));
            // A quarter of the feeds' budget: pages are few and small beside feeds.
            let budget = app.config().settings.cache_bytes / 4;
            app.pages.insert(query, Arc::clone(&rendered), budget);
            rendered
        }
    };
    super::protect(conditional_response(rendered, &headers).await)
}

/// `/story`'s query: the article's key.
#[derive(Debug, Deserialize)]
pub struct StoryQuery {
    #[serde(default)]
    key: String,
}

#[derive(Template)]
#[template(path = "story.html")]
struct StoryPage {
    site_title: String,
    card: Card,
    author: Option<String>,
    /// The article's HTML as the pipeline sanitized it (absolute links, no script, no style).
    content: String,
}

/// `GET /story?key=…`: one story to read here, with the fullest copy's text as the pipeline
/// cleaned it, under a policy that lets only its pictures come from elsewhere.
pub async fn story(State(app): State<Arc<App>>, Query(query): Query<StoryQuery>) -> Response {
    // Either the page, none (no such article), or why it could not be made.
    let made = super::off_the_workers(&app, move |app| -> Result<Option<String>, String> {
        let config = app.config();
        let Some(stored) =
            crate::store::story(app.store.as_ref(), &query.key).map_err(|e| e.to_string())?
        else {
            return Ok(None);
        };
        let page = StoryPage {
            site_title: printable(&config.settings.title).into_owned(),
            author: stored
                .article
                .author
                .as_deref()
                .map(|a| printable(a).into_owned()),
            content: stored.article.content_html.clone(),
            card: card(&stored, &feeds::portals(&config)),
        };
        page.render().map(Some).map_err(|e| e.to_string())
    })
    .await
    .and_then(|made| made);
    let html = match made {
        Ok(Some(html)) => html,
        Ok(None) => {
            return error_page(
                StatusCode::NOT_FOUND,
                "Không có bài này",
                "Bài viết không có trong kho (địa chỉ sai, hoặc bài đã bị xoá).",
            )
        }
        Err(e) => return error_page(StatusCode::INTERNAL_SERVER_ERROR, "Lỗi máy chủ", &e),
    };
    super::protect_with(
        axum::response::Html(html).into_response(),
        super::STORY_POLICY,
    )
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    heading: &'a str,
    detail: String,
}

/// A view that cannot be shown, said in a page of its own.
fn error_page(status: StatusCode, heading: &str, detail: &str) -> Response {
    let page = ErrorPage {
        heading,
        detail: printable(detail.trim()).into_owned(),
    };
    let body = page
        .render()
        .unwrap_or_else(|_| format!("{heading}: {}", page.detail));
    super::protect((status, axum::response::Html(body)).into_response())
}

/// The front page of `query` as HTML.
pub fn front_page(
    config: &Config,
    store: &dyn Storage,
    query: &ReaderQuery,
) -> Result<String, FeedError> {
    // The page is the feed's page of PAGE_SIZE entries; its autodiscovery links leave the
    // size out, so a subscription gets the feed's usual length.
    let feed = feeds::query(config, store, &query.feed_request(Format::Atom))?;
    let portals = feeds::portals(config);
    let page = FrontPage {
        site_title: printable(&config.settings.title).into_owned(),
        heading: heading(config, query),
        q: query.q.clone().unwrap_or_default(),
        provinces: province_choices(config, query),
        sources: source_choices(config, query),
        source_typed: query.source.clone().unwrap_or_default(),
        cards: feed.entries.iter().map(|e| card(e, &portals)).collect(),
        alternates: alternates(query),
        older: feed.older_cursor().map(|c| query.href(Some(&c), None)),
        newer: feed.newer_cursor().map(|c| query.href(None, Some(&c))),
        first: paged(query, &feed).then(|| query.href(None, None)),
    };
    page.render()
        .map_err(|e| FeedError::BadRequest(format!("template: {e}")))
}

/// Whether the page is not the view's first.
fn paged(query: &ReaderQuery, feed: &Feed) -> bool {
    (query.before.is_some() || query.after.is_some()) && feed.info.first.is_some()
}

#[derive(Template)]
#[template(path = "front.html")]
struct FrontPage {
    site_title: String,
    heading: String,
    q: String,
    provinces: Vec<Choice>,
    /// Empty when there are too many to list: the page then has a box to type an id in.
    sources: Vec<Choice>,
    source_typed: String,
    cards: Vec<Card>,
    alternates: Vec<Alternate>,
    older: Option<String>,
    newer: Option<String>,
    first: Option<String>,
}

/// One option of a filter.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// One story.
struct Card {
    title: String,
    /// Where it is on the portal, and its page here.
    link: String,
    story: String,
    excerpt: String,
    /// `Thứ Hai, 26/11/2026 18:51`, and the same instant in RFC 3339 for `<time>`.
    date: String,
    datetime: String,
    provinces: Vec<(String, String)>,
    /// The sources that carried it, each with its copy's link on that portal.
    carried_by: Vec<(String, String)>,
}

/// A feed of this view.
struct Alternate {
    mime: &'static str,
    label: &'static str,
    href: String,
}

/// What the page is showing, in words.
fn heading(config: &Config, query: &ReaderQuery) -> String {
    let mut parts = Vec::new();
    if let Some(q) = &query.q {
        parts.push(format!("Tìm “{}”", printable(q)));
    }
    if let Some(province) = &query.province {
        let name = config
            .sources
            .iter()
            .find_map(|s| s.province.as_ref().filter(|p| slug(p) == *province))
            .map_or_else(|| province.clone(), Clone::clone);
        parts.push(name);
    }
    if let Some(source) = &query.source {
        let names: Vec<String> = source
            .split(',')
            .map(str::trim)
            .map(|id| config.source(id).map_or(id, |s| s.name.as_str()))
            .map(|n| printable(n).into_owned())
            .collect();
        parts.push(names.join(", "));
    }
    if parts.is_empty() {
        "Tin mới nhất".into()
    } else {
        parts.join(" · ")
    }
}

/// Every province of the config, once, by name.
fn province_choices(config: &Config, query: &ReaderQuery) -> Vec<Choice> {
    let mut seen = HashMap::new();
    for name in config.sources.iter().filter_map(|s| s.province.as_ref()) {
        seen.entry(slug(name)).or_insert_with(|| name.clone());
    }
    let mut choices: Vec<Choice> = seen
        .into_iter()
        .map(|(value, label)| Choice {
            selected: query.province.as_deref() == Some(value.as_str()),
            label: printable(&label).into_owned(),
            value,
        })
        .collect();
    choices.sort_by(|a, b| a.value.cmp(&b.value));
    choices
}

/// The sources a reader may pick from: those of the chosen province, or all; none when there
/// are more than [`SOURCE_CHOICES`].
fn source_choices(config: &Config, query: &ReaderQuery) -> Vec<Choice> {
    let in_scope: Vec<&crate::config::Source> = config
        .sources
        .iter()
        .filter(|s| match &query.province {
            Some(p) => s.province.as_deref().is_some_and(|name| slug(name) == *p),
            None => true,
        })
        .collect();
    if in_scope.len() > SOURCE_CHOICES {
        return Vec::new();
    }
    let mut choices: Vec<Choice> = in_scope
        .into_iter()
        .map(|s| Choice {
            value: s.id.clone(),
            label: printable(&s.name).into_owned(),
            selected: query.source.as_deref() == Some(s.id.as_str()),
        })
        .collect();
    choices.sort_by(|a, b| a.label.cmp(&b.label));
    choices
}

fn card(entry: &StoredArticle, portals: &HashMap<String, Portal>) -> Card {
    let article = &entry.article;
    let mut carried_by: Vec<(String, String)> = Vec::new();
    let mut seen = Vec::new();
    let own = std::iter::once((entry.source_id.as_str(), article.link.as_str()));
    let copies = entry
        .copies
        .iter()
        .map(|c| (c.source_id.as_str(), c.link.as_str()));
    for (id, link) in own.chain(copies) {
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        let name = portals.get(id).map_or(id, |p| p.name.as_str());
        carried_by.push((printable(name).into_owned(), link.to_string()));
    }
    let mut provinces: Vec<(String, String)> = Vec::new();
    for province in seen
        .iter()
        .filter_map(|id| portals.get(*id)?.province.as_deref())
    {
        let entry = (printable(province).into_owned(), slug(province));
        if !provinces.contains(&entry) {
            provinces.push(entry);
        }
    }
    Card {
        title: printable(&article.title).into_owned(),
        link: article.link.clone(),
        story: format!(
            "story?key={}",
            url::form_urlencoded::byte_serialize(article.key.as_bytes()).collect::<String>()
        ),
        excerpt: truncate_words(&printable(&article.summary), EXCERPT_CHARS),
        date: vietnamese_date(article.published),
        datetime: article.published.with_timezone(&vietnam()).to_rfc3339(),
        provinces,
        carried_by,
    }
}

/// The feeds of this view, first page: Atom, RSS, JSON Feed.
fn alternates(query: &ReaderQuery) -> Vec<Alternate> {
    let view = ReaderQuery {
        before: None,
        after: None,
        ..query.clone()
    };
    [
        (Format::Atom, "Atom"),
        (Format::Rss, "RSS"),
        (Format::Json, "JSON Feed"),
    ]
    .into_iter()
    .map(|(format, label)| {
        let request = FeedRequest {
            limit: None,
            ..view.feed_request(format)
        };
        Alternate {
            mime: match format {
                Format::Atom => "application/atom+xml",
                Format::Rss => "application/rss+xml",
                Format::Json => "application/feed+json",
            },
            label,
            href: request.relative_link(),
        }
    })
    .collect()
}

/// A date as Vietnamese readers write it, in Vietnam time: `Thứ Hai, 26/11/2026 18:51`.
pub fn vietnamese_date(t: DateTime<FixedOffset>) -> String {
    let t = t.with_timezone(&vietnam());
    let day = match t.weekday() {
        Weekday::Mon => "Thứ Hai",
        Weekday::Tue => "Thứ Ba",
        Weekday::Wed => "Thứ Tư",
        Weekday::Thu => "Thứ Năm",
        Weekday::Fri => "Thứ Sáu",
        Weekday::Sat => "Thứ Bảy",
        Weekday::Sun => "Chủ Nhật",
    };
    format!("{day}, {}", t.format("%d/%m/%Y %H:%M"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn dates_read_as_vietnamese_readers_write_them_in_vietnam_time() {
        assert_eq!(
            vietnamese_date(at("2026-11-23T18:51:00+07:00")),
            "Thứ Hai, 23/11/2026 18:51"
        );
        // 23:30 UTC on Saturday is Sunday morning in Vietnam.
        assert_eq!(
            vietnamese_date(at("2026-11-28T23:30:00+00:00")),
            "Chủ Nhật, 29/11/2026 06:30"
        );
        assert_eq!(
            vietnamese_date(at("0001-01-01T00:00:00+07:00")),
            "Thứ Hai, 01/01/0001 00:00"
        );
    }

    #[test]
    fn a_view_links_to_itself_with_its_filters_and_a_cursor() {
        let query = ReaderQuery {
            q: Some("bão số 3".into()),
            province: Some("can-tho".into()),
            ..ReaderQuery::default()
        };
        assert_eq!(
            query.href(Some("abc"), None),
            "./?q=b%C3%A3o+s%E1%BB%91+3&province=can-tho&before=abc"
        );
        assert_eq!(ReaderQuery::default().href(None, None), "./");
        let feeds: Vec<String> = alternates(&query).into_iter().map(|a| a.href).collect();
        assert_eq!(
            feeds,
            [
                "provinces/can-tho.atom?q=b%C3%A3o+s%E1%BB%91+3",
                "provinces/can-tho.rss?q=b%C3%A3o+s%E1%BB%91+3",
                "provinces/can-tho.json?q=b%C3%A3o+s%E1%BB%91+3",
            ]
        );
    }

    #[test]
    fn blank_fields_are_no_filter() {
        let query = ReaderQuery {
            q: Some("  ".into()),
            province: Some(String::new()),
            source: Some(" cantho ".into()),
            ..ReaderQuery::default()
        }
        .tidy();
        assert_eq!(
            query,
            ReaderQuery {
                source: Some("cantho".into()),
                ..ReaderQuery::default()
            }
        );
    }
}
