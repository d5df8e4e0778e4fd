//! Feeds: the one query layer between the store and the renderers. A [`FeedRequest`] (which
//! feed, which filters, which page) becomes a [`Feed`] (what the feed says about itself — title,
//! self and paging links — and its entries), for `publish` (files), `export` and `serve` alike,
//! so a feed has the same title, self link and entries wherever it is read.
//!
//! It reads the store and the config; it must not render bytes (that is [`crate::render`]) or
//! know HTTP (that is [`crate::serve`]).

use std::collections::{HashMap, HashSet};

use url::Url;

use crate::config::Config;
use crate::render::{feed_url, FeedInfo, Format, Portal};
use crate::store::{self, Cursor, Filter, Page, PageQuery, StoreError, StoredArticle};
use crate::text::{fold_diacritics, slug};

/// The most entries one page may hold.
pub const MAX_LIMIT: usize = 500;

/// Which articles a feed shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FeedScope {
    /// Every story once.
    All,
    /// One source's articles, its copies of other sources' stories included.
    Source(String),
    /// Every story carried by a source of the province with this slug.
    Province(String),
}

/// One feed page, as asked: the scope, the format, the filters and the position.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FeedRequest {
    pub scope: FeedScope,
    pub format: Format,
    /// Words and `"quoted phrases"` (any case, any diacritics).
    pub q: Option<String>,
    /// A category, or a province's name.
    pub category: Option<String>,
    /// Source ids, comma-separated.
    pub source: Option<String>,
    /// Entries per page (the config's `feed_entries` when unset), at most [`MAX_LIMIT`].
    pub limit: Option<usize>,
    /// Cursors this layer gave in paging links.
    pub before: Option<String>,
    pub after: Option<String>,
}

impl FeedRequest {
    /// The first page of a scope, unfiltered.
    pub fn new(scope: FeedScope, format: Format) -> FeedRequest {
        FeedRequest {
            scope,
            format,
            q: None,
            category: None,
            source: None,
            limit: None,
            before: None,
            after: None,
        }
    }

    /// Where the feed lives under `base_url` (and under `public_dir` when published as a
    /// file): `feed.atom`, `sources/<id>.rss`, `provinces/<slug>.json`.
    pub fn path(&self) -> String {
        let ext = self.format.extension();
        match &self.scope {
            FeedScope::All => format!("feed.{ext}"),
            FeedScope::Source(id) => format!("sources/{id}.{ext}"),
            FeedScope::Province(slug) => format!("provinces/{slug}.{ext}"),
        }
    }

    /// This request's address under `base_url`, with `before`/`after` replaced by the given
    /// cursors (the parameters in a fixed order, empty ones left out).
    fn url(&self, base_url: &Url, before: Option<&str>, after: Option<&str>) -> Url {
        let mut url = feed_url(base_url, &self.path());
        let query = self.query_string(before, after);
        url.set_query((!query.is_empty()).then_some(query.as_str()));
        url
    }

    /// The first page of this request as a link relative to `base_url` (`feed.atom?q=bão`):
    /// what a page served under `base_url` offers to subscribe to.
    pub fn relative_link(&self) -> String {
        let query = self.query_string(None, None);
        if query.is_empty() {
            self.path()
        } else {
            format!("{}?{query}", self.path())
        }
    }

    /// The query string of this request's filters and limit, and the given cursors.
    fn query_string(&self, before: Option<&str>, after: Option<&str>) -> String {
        let mut pairs = url::form_urlencoded::Serializer::new(String::new());
        let limit = self.limit.map(|l| l.to_string());
        for (name, value) in [
            ("q", self.q.as_deref()),
            ("category", self.category.as_deref()),
            ("source", self.source.as_deref()),
            ("limit", limit.as_deref()),
            ("before", before),
            ("after", after),
        ] {
            if let Some(value) = value {
                pairs.append_pair(name, value);
            }
        }
        pairs.finish()
    }
}

/// A feed page: what it says about itself and its entries, newest first.
#[derive(Debug, Clone)]
pub struct Feed {
    pub format: Format,
    pub info: FeedInfo,
    pub entries: Vec<StoredArticle>,
}

impl Feed {
    /// The cursor of the next (older) page, when there is one.
    pub fn older_cursor(&self) -> Option<String> {
        self.info.next.as_ref()?;
        self.entries.last().map(|a| Cursor::of(&a.article).encode())
    }

    /// The cursor of the previous (newer) page, when there is one.
    pub fn newer_cursor(&self) -> Option<String> {
        self.info.previous.as_ref()?;
        self.entries
            .first()
            .map(|a| Cursor::of(&a.article).encode())
    }

    /// The feed document.
    pub fn render(&self, portals: &HashMap<String, Portal>) -> String {
        crate::render::render(self.format, &self.info, &self.entries, portals)
    }
}

/// Why a request has no feed.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Every source of the config, by id, as entries need them.
pub fn portals(config: &Config) -> HashMap<String, Portal> {
    config
        .sources
        .iter()
        .map(|s| (s.id.clone(), Portal::new(s, &config.settings.base_url)))
        .collect()
}

/// The page `request` asks for.
pub fn query(
    config: &Config,
    store: &dyn store::Storage,
    request: &FeedRequest,
) -> Result<Feed, FeedError> {
    let settings = &config.settings;
    let (title, alternate, store_scope, province_sources) = match &request.scope {
        FeedScope::All => (
            settings.title.clone(),
            settings.base_url.clone(),
            store::Scope::All,
            None,
        ),
        FeedScope::Source(id) => match config.source(id) {
            Some(source) => (
                source.name.clone(),
                source.url.clone(),
                store::Scope::Source(id),
                None,
            ),
            None => return Err(FeedError::NotFound(format!("no source with id `{id}`"))),
        },
        FeedScope::Province(wanted) => {
            let in_province: Vec<&crate::config::Source> = config
                .sources
                .iter()
                .filter(|s| s.province.as_deref().is_some_and(|p| slug(p) == *wanted))
                .collect();
            let Some(name) = in_province.first().and_then(|s| s.province.clone()) else {
                return Err(FeedError::NotFound(format!(
                    "no source is in a province `{wanted}`"
                )));
            };
            let sources: HashSet<&str> = in_province.iter().map(|s| s.id.as_str()).collect();
            (
                format!("{} — {name}", settings.title),
                settings.base_url.clone(),
                store::Scope::All,
                Some(sources),
            )
        }
    };
    let cursor = |text: &Option<String>, name: &str| match text {
        None => Ok(None),
        Some(t) => Cursor::decode(t).map(Some).ok_or_else(|| {
            FeedError::BadRequest(format!("`{name}` is not a cursor this server gave"))
        }),
    };
    let page = store.page(&PageQuery {
        scope: store_scope,
        before: cursor(&request.before, "before")?,
        after: cursor(&request.after, "after")?,
        limit: request
            .limit
            .unwrap_or(settings.feed_entries)
            .clamp(1, MAX_LIMIT),
        filter: filter(request, province_sources, config),
    })?;
    let info = feed_info(&settings.base_url, title, alternate, request, &page);
    Ok(Feed {
        format: request.format,
        info,
        entries: page.entries,
    })
}

/// Self, first, next (older) and previous (newer) links of this page.
fn feed_info(
    base_url: &Url,
    title: String,
    alternate: Url,
    request: &FeedRequest,
    page: &Page,
) -> FeedInfo {
    let mut info = FeedInfo::new(
        title,
        request.url(
            base_url,
            request.before.as_deref(),
            request.after.as_deref(),
        ),
        Some(alternate),
    );
    let paged = request.before.is_some() || request.after.is_some() || page.older;
    if paged {
        info.first = Some(request.url(base_url, None, None));
    }
    if page.older {
        info.next = page
            .entries
            .last()
            .map(|a| request.url(base_url, Some(&Cursor::of(&a.article).encode()), None));
    }
    if page.newer {
        info.previous = page
            .entries
            .first()
            .map(|a| request.url(base_url, None, Some(&Cursor::of(&a.article).encode())));
    }
    info
}

/// The store's filter for the request's `q`, `category` and `source` within a province's
/// sources.
fn filter(
    request: &FeedRequest,
    province_sources: Option<HashSet<&str>>,
    config: &Config,
) -> Filter {
    let mut sources: Option<Vec<String>> = request.source.as_ref().map(|list| {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    });
    if let Some(in_province) = province_sources {
        sources = Some(match sources {
            Some(asked) => asked
                .into_iter()
                .filter(|s| in_province.contains(s.as_str()))
                .collect(),
            None => in_province.into_iter().map(str::to_string).collect(),
        });
    }
    let category = request
        .category
        .as_deref()
        .map(fold_diacritics)
        .filter(|c| !c.is_empty());
    // A province's name works as a category of its sources' articles.
    let category_sources = category
        .as_ref()
        .map(|wanted| {
            config
                .sources
                .iter()
                .filter(|s| s.province.as_deref().map(fold_diacritics).as_ref() == Some(wanted))
                .map(|s| s.id.clone())
                .collect()
        })
        .unwrap_or_default();
    Filter {
        q: request.q.clone().filter(|q| !q.trim().is_empty()),
        category,
        category_sources,
        sources,
    }
}
