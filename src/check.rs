//! Check: a dry run of one source, for an operator writing or fixing its selectors.
//!
//! Fetches the list page (or feed), shows the article links found (how many, the first ten, and
//! in auto mode the block shape and how confident the guess is), then reads the first three
//! articles and shows every field as extracted — the date with the text it was parsed from —
//! with a warning for each selector that matched nothing, or several elements where one was
//! expected.
//!
//! It must not touch the store: no article, validator, robots.txt or state is written.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use scraper::Selector;
use serde::Serialize;
use url::Url;

use crate::config::{ArticleRules, Config, Settings, Source, SourceKind};
use crate::dates::parse_date;
use crate::extract::body::BodyStrategy;
use crate::extract::{self, charset, RawArticle};
use crate::fetch::{Fetched, Fetcher, Response};
use crate::normalize;
use crate::pipeline::now;

/// Articles a check reads.
const ARTICLES_CHECKED: usize = 3;
/// Links a check lists.
const LINKS_SHOWN: usize = 10;

/// What a check found.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub source: String,
    pub url: String,
    pub kind: &'static str,
    /// `selectors`, `preset nukeviet`, or `auto`.
    pub mode: String,
    /// Auto mode's confidence in the links it found (0 to 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f32>,
    /// Auto mode's chosen block shape.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shape: Option<String>,
    pub links_found: usize,
    pub links: Vec<String>,
    pub articles: Vec<ArticleCheck>,
    pub warnings: Vec<String>,
}

/// One article as extracted.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleCheck {
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub title: Option<String>,
    /// RFC 3339.
    pub date: Option<DateTime<FixedOffset>>,
    /// The text the date was parsed from.
    pub date_from: Option<String>,
    pub author: Option<String>,
    pub category: Option<String>,
    pub content_chars: usize,
    /// Which reading of the page gave the content (auto mode's strategy, the selector, or the
    /// feed entry).
    pub content_from: Option<&'static str>,
    pub content_start: String,
    pub images: Vec<String>,
    pub warnings: Vec<String>,
}

impl CheckReport {
    /// Whether the source looks usable: links found and at least one article read.
    pub fn ok(&self) -> bool {
        self.links_found > 0 && self.articles.iter().any(|a| a.error.is_none())
    }
}

/// Why a check could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error(transparent)]
    Fetch(#[from] crate::fetch::FetchError),
    #[error("{0}")]
    Config(#[from] crate::config::ConfigError),
    #[error("{url}: not a feed: {reason}")]
    Feed { url: Url, reason: String },
    #[error("`{0}` is not an http(s) URL")]
    BadUrl(String),
    #[error("{0}: answered 304 to a request without validators")]
    Unexpected304(Url),
}

/// A source for a URL the config does not have yet (`check --url`), with a preset or in auto
/// mode; a URL that answers with RSS/Atom/JSON is checked as a feed.
pub async fn source_for_url(
    settings: &Settings,
    url: &str,
    preset: Option<&str>,
) -> Result<Source, CheckError> {
    let fetcher = Fetcher::new(settings, None)?;
    let parsed = Url::parse(url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| CheckError::BadUrl(url.to_string()))?;
    let kind = match fetcher.get(&parsed, None).await? {
        Response::Fetched(page) if looks_like_feed(&page) => "feed",
        _ => "html",
    };
    let preset = preset
        .map(|p| format!("preset = \"{p}\"\n"))
        .unwrap_or_default();
    let text = format!("[[source]]\nid = \"check\"\nname = \"{url}\"\nkind = \"{kind}\"\nurl = \"{url}\"\n{preset}");
    let mut config = Config::parse(std::path::Path::new("--url"), &text)?;
    Ok(config.sources.remove(0))
}

fn looks_like_feed(page: &Fetched) -> bool {
    let ct = page
        .content_type
        .as_deref()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let head = String::from_utf8_lossy(&page.body[..page.body.len().min(512)])
        .trim_start()
        .to_ascii_lowercase();
    (ct.contains("xml") || ct.contains("json")) && !ct.contains("html")
        || head.starts_with("<rss")
        || head.starts_with("<feed")
        || (head.starts_with("<?xml") && !head.contains("<html"))
}

/// Checks `source`.
pub async fn check(source: &Source, settings: &Settings) -> Result<CheckReport, CheckError> {
    let fetcher = Arc::new(Fetcher::new(settings, None)?);
    let mut report = CheckReport {
        source: source.id.clone(),
        url: source.url.to_string(),
        kind: match source.kind {
            SourceKind::Html => "html",
            SourceKind::Feed => "feed",
        },
        mode: match (source.preset, &source.list, source.kind) {
            (Some(p), _, _) => format!("preset {p}"),
            (None, None, SourceKind::Html) => "auto".into(),
            _ => "selectors".into(),
        },
        confidence: None,
        shape: None,
        links_found: 0,
        links: Vec::new(),
        articles: Vec::new(),
        warnings: Vec::new(),
    };
    let page = match fetcher.get(&source.url, None).await? {
        Response::Fetched(page) => page,
        Response::NotModified => return Err(CheckError::Unexpected304(source.url.clone())),
    };
    let (html, _) = charset::decode(&page.body, page.charset(), source.encoding);
    let mut entries: Vec<RawArticle> = Vec::new();
    let links: Vec<Url> = match source.kind {
        SourceKind::Html => match &source.list {
            Some(rules) => {
                let doc = crate::nesting::document(&html);
                if doc.select(&rules.link.selector).next().is_none() {
                    report.warnings.push(format!(
                        "list selector `{}` matched nothing on {}",
                        rules.link.text, page.url
                    ));
                }
                if let Some(next) = &rules.next {
                    if doc.select(&next.selector).next().is_none() {
                        report.warnings.push(format!(
                            "next-page selector `{}` matched nothing",
                            next.text
                        ));
                    }
                }
                extract::extract_list(&html, &page.url, rules).links
            }
            None => {
                let auto = extract::auto::discover_links(&html, &page.url);
                report.confidence = Some((auto.confidence * 100.0).round() / 100.0);
                report.shape = Some(auto.shape.clone());
                if auto.confidence < 0.5 {
                    report.warnings.push(format!(
                        "auto mode is unsure ({:.0} %): write [source.list] link = \"…\" or try a preset",
                        auto.confidence * 100.0
                    ));
                }
                auto.page.links
            }
        },
        SourceKind::Feed => {
            let read = extract::parse_feed(&page.body, page.charset(), source.encoding, &page.url)
                .map_err(|e| CheckError::Feed {
                    url: page.url.clone(),
                    reason: e.to_string(),
                })?;
            for why in &read.skipped {
                report.warnings.push(format!("skipped {why}"));
            }
            for date in &read.unread_dates {
                report.warnings.push(format!(
                    "date {date:?} could not be read: dated when first seen"
                ));
            }
            entries = read.entries;
            entries.iter().map(|e| e.url.clone()).collect()
        }
    };
    let links: Vec<Url> = links
        .into_iter()
        .filter(|l| source.allows(l) || source.kind == SourceKind::Feed)
        .collect();
    report.links_found = links.len();
    report.links = links.iter().take(LINKS_SHOWN).map(Url::to_string).collect();
    if links.is_empty() {
        report
            .warnings
            .push(format!("no article link found on {}", page.url));
    }
    for (i, link) in links.iter().take(ARTICLES_CHECKED).enumerate() {
        let entry = entries.get(i).cloned();
        let article = match (source.kind, &source.article, entry) {
            (SourceKind::Feed, None, Some(entry)) => article_check(entry, None, &source.url),
            (_, rules, entry) => match fetcher.get(link, None).await {
                Ok(Response::Fetched(page)) => {
                    read_page(&page, source, rules.clone().unwrap_or_default(), entry)
                }
                Ok(Response::NotModified) => failed(link, "unexpected 304".into()),
                Err(e) => failed(link, e.to_string()),
            },
        };
        report.articles.push(article);
    }
    Ok(report)
}

fn failed(url: &Url, error: String) -> ArticleCheck {
    ArticleCheck {
        url: url.to_string(),
        error: Some(error),
        title: None,
        date: None,
        date_from: None,
        author: None,
        category: None,
        content_chars: 0,
        content_from: None,
        content_start: String::new(),
        images: Vec::new(),
        warnings: Vec::new(),
    }
}

/// An article page read by the rules, with a warning for every selector that did not match
/// as expected.
fn read_page(
    page: &Fetched,
    source: &Source,
    rules: ArticleRules,
    entry: Option<RawArticle>,
) -> ArticleCheck {
    let (html, _) = charset::decode(&page.body, page.charset(), source.encoding);
    let mut warnings = Vec::new();
    {
        let doc = crate::nesting::document(&html);
        let count = |s: &Selector| doc.select(s).count();
        let fields = [
            ("title", &rules.title, true),
            ("date", &rules.date, true),
            ("author", &rules.author, true),
            ("content", &rules.content, true),
            ("summary", &rules.summary, true),
            ("category", &rules.category, false),
        ];
        for (field, rule, one_expected) in fields {
            let Some(rule) = rule else { continue };
            match count(&rule.selector) {
                0 => warnings.push(format!(
                    "{field} selector `{}` matched nothing (fallback used)",
                    rule.text
                )),
                n if n > 1 && one_expected => warnings.push(format!(
                    "{field} selector `{}` matched {n} elements (the first is used)",
                    rule.text
                )),
                _ => {}
            }
        }
        for rule in &rules.remove {
            if count(&rule.selector) == 0 {
                warnings.push(format!("remove selector `{}` matched nothing", rule.text));
            }
        }
    }
    let mut raw = extract::extract_article(&html, &page.url, &rules);
    if let Some(entry) = entry {
        raw.title = raw.title.or(entry.title);
        raw.published = entry.published;
    }
    let mut check = article_check(raw, Some(warnings), &source.url);
    check.url = page.url.to_string();
    check
}

fn article_check(raw: RawArticle, warnings: Option<Vec<String>>, scope: &Url) -> ArticleCheck {
    let url = raw.url.to_string();
    let content_from = raw.body_strategy.map(BodyStrategy::describe);
    let date_from = raw
        .date_texts
        .iter()
        .find(|t| parse_date(t).is_some())
        .map(|t| t.chars().take(120).collect::<String>())
        .or_else(|| raw.published.map(|_| "the feed's own date".into()))
        .or_else(|| {
            raw.page_text
                .as_deref()
                .filter(|t| parse_date(t).is_some())
                .map(|_| "the first date in the page text".into())
        });
    let images = raw
        .content_html
        .as_deref()
        .map(|html| {
            let clean = normalize::html::sanitize(html, &raw.url);
            let doc = crate::nesting::fragment(&clean);
            Selector::parse("img[src]")
                .map(|sel| {
                    doc.select(&sel)
                        .filter_map(|i| i.value().attr("src").map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        })
        .unwrap_or_default();
    match normalize::normalize(raw, scope.as_str(), now()) {
        Ok(article) => {
            let text = normalize::html::sanitized_text(&article.content_html);
            ArticleCheck {
                url,
                error: None,
                title: Some(article.title),
                date: article.dated.then_some(article.published),
                date_from: if article.dated { date_from } else { None },
                author: article.author,
                category: article.category,
                content_chars: text.chars().count(),
                content_from,
                content_start: text.chars().take(200).collect(),
                images,
                warnings: warnings.unwrap_or_default(),
            }
        }
        Err(rejection) => {
            let mut check = failed(
                &Url::parse(&url).unwrap_or_else(|_| scope.clone()),
                rejection.to_string(),
            );
            check.warnings = warnings.unwrap_or_default();
            check
        }
    }
}

/// The report as an operator reads it in a terminal.
pub fn to_text(report: &CheckReport) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "source {} ({}, {})",
        report.source, report.kind, report.mode
    );
    if let (Some(confidence), Some(shape)) = (report.confidence, &report.shape) {
        let _ = writeln!(
            out,
            "auto mode: {:.0} % confident, blocks `{shape}`",
            confidence * 100.0
        );
    }
    let _ = writeln!(
        out,
        "list {}: {} article links",
        report.url, report.links_found
    );
    for link in &report.links {
        let _ = writeln!(out, "  {link}");
    }
    if report.links_found > report.links.len() {
        let _ = writeln!(
            out,
            "  … and {} more",
            report.links_found - report.links.len()
        );
    }
    for (i, a) in report.articles.iter().enumerate() {
        let _ = writeln!(out, "\narticle {}: {}", i + 1, a.url);
        if let Some(error) = &a.error {
            let _ = writeln!(out, "  FAILED    {error}");
        }
        let none = || "—".to_string();
        let _ = writeln!(out, "  title     {}", a.title.clone().unwrap_or_else(none));
        match (&a.date, &a.date_from) {
            (Some(d), Some(from)) => {
                let _ = writeln!(out, "  date      {}  ← {from:?}", d.to_rfc3339());
            }
            _ => {
                let _ = writeln!(
                    out,
                    "  date      — (none found: the first-seen time will be used)"
                );
            }
        }
        let _ = writeln!(out, "  author    {}", a.author.clone().unwrap_or_else(none));
        let _ = writeln!(
            out,
            "  category  {}",
            a.category.clone().unwrap_or_else(none)
        );
        let from = a
            .content_from
            .map(|f| format!(" (from {f})"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  content   {} characters{from}: {}",
            a.content_chars, a.content_start
        );
        for image in &a.images {
            let _ = writeln!(out, "  image     {image}");
        }
        for warning in &a.warnings {
            let _ = writeln!(out, "  warning   {warning}");
        }
    }
    if !report.warnings.is_empty() {
        let _ = writeln!(out, "\nwarnings:");
        for warning in &report.warnings {
            let _ = writeln!(out, "  {warning}");
        }
    }
    out
}
