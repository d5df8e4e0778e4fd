//! What operators look at: the dashboard (`/status`: totals, then every source with a plot of
//! its articles per day and its last runs, problems first), `/healthz`, `/sources.opml` and
//! the plain-text table (`/sources.txt`, also what `portalfeed sources` prints).

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Arc;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, FixedOffset};

use super::feeds::{conditional_response, Rendered};
use super::{history, App};
use crate::config::{Config, SourceKind};
use crate::dates::vietnam;
use crate::pipeline::now;
use crate::render::opml::render_opml;
use crate::render::Portal;
use crate::schedule;
use crate::store::{RunRecord, Storage, StoreError};
use crate::text::{printable, slug};

/// One source's line of the status table.
#[derive(Debug, Clone)]
pub struct StatusRow {
    pub id: String,
    pub name: String,
    pub province: Option<String>,
    pub kind: &'static str,
    pub enabled: bool,
    pub last_run: Option<DateTime<FixedOffset>>,
    pub result: String,
    pub new_articles: usize,
    pub total_articles: usize,
    /// Its articles that joined a story another source (or URL) already carried.
    pub merged: u64,
    pub last_error: Option<String>,
    pub next_run: Option<DateTime<FixedOffset>>,
    /// Why the source looks broken, if it does.
    pub broken: Option<String>,
    /// What the last run left unread or stretched on purpose (limits, a capped Crawl-delay).
    pub notes: Vec<String>,
    /// Articles stored and merges per Vietnam day, the last [`history::DAYS`] days, oldest
    /// first.
    pub days: Vec<usize>,
    pub merges: Vec<usize>,
    /// The last [`history::RUNS_SHOWN`] runs, oldest first.
    pub runs: Vec<RunRecord>,
}

impl StatusRow {
    /// The row with every text fit to print (see [`printable`]).
    fn printable(&self) -> StatusRow {
        let clean = |text: &str| printable(text).into_owned();
        StatusRow {
            name: clean(&self.name),
            result: clean(&self.result),
            last_error: self.last_error.as_deref().map(clean),
            broken: self.broken.as_deref().map(clean),
            notes: self.notes.iter().map(|n| clean(n)).collect(),
            ..self.clone()
        }
    }
}

/// The status of every configured source. `planned` are the scheduler's next runs (jitter
/// included); without them the next run is computed from the stored state.
pub fn rows(
    config: &Config,
    store: &dyn Storage,
    planned: &HashMap<String, DateTime<FixedOffset>>,
) -> Result<Vec<StatusRow>, StoreError> {
    let now = now();
    config
        .sources
        .iter()
        .map(|source| {
            let state = store.source_state(&source.id)?;
            let next_run = source.enabled.then(|| {
                planned
                    .get(&source.id)
                    .copied()
                    .unwrap_or_else(|| schedule::next_run(source, &state, now))
            });
            Ok(StatusRow {
                id: source.id.clone(),
                name: source.name.clone(),
                province: source.province.clone(),
                kind: match source.kind {
                    SourceKind::Html => "html",
                    SourceKind::Feed => "feed",
                },
                enabled: source.enabled,
                last_run: state.last_run,
                result: if state.result.is_empty() {
                    "never run".into()
                } else {
                    state.result.clone()
                },
                new_articles: state.new_articles,
                total_articles: store.count_for_source(&source.id),
                merged: store.merged_for_source(&source.id),
                last_error: state.last_error.clone(),
                next_run,
                broken: state.broken(),
                notes: state.notes.clone(),
                days: history::per_day(&state, now),
                merges: history::merges_per_day(&state, now),
                runs: state
                    .runs
                    .iter()
                    .skip(state.runs.len().saturating_sub(history::RUNS_SHOWN))
                    .cloned()
                    .collect(),
            })
        })
        .collect()
}

/// A time as operators read it: Vietnam time, with its zone said.
fn when(t: Option<DateTime<FixedOffset>>) -> String {
    t.map_or_else(
        || "—".into(),
        |t| {
            t.with_timezone(&vietnam())
                .format("%Y-%m-%d %H:%M %:z")
                .to_string()
        },
    )
}

/// The status table as aligned plain text.
pub fn table_text(rows: &[StatusRow]) -> String {
    let header = [
        "SOURCE", "PROVINCE", "KIND", "LAST RUN", "RESULT", "NEW", "TOTAL", "MERGED", "NEXT RUN",
        "PROBLEM",
    ];
    let lines: Vec<[String; 10]> = rows
        .iter()
        .map(|r| {
            // What a store written by an older version holds is not trusted to be clean.
            let r = &r.printable();
            let problem = match (&r.broken, &r.last_error) {
                (Some(why), _) => format!("BROKEN? {why}"),
                (None, Some(error)) => error.clone(),
                (None, None) if !r.enabled => "disabled".into(),
                (None, None) => r.notes.join("; "),
            };
            [
                r.id.clone(),
                r.province.clone().unwrap_or_default(),
                r.kind.to_string(),
                when(r.last_run),
                r.result.clone(),
                r.new_articles.to_string(),
                r.total_articles.to_string(),
                r.merged.to_string(),
                when(r.next_run),
                problem,
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for line in &lines {
        for (w, cell) in widths.iter_mut().zip(line) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut row = |cells: Vec<&str>| {
        let mut line = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                line.push_str(cell);
            } else {
                let pad = w - cell.chars().count();
                let _ = write!(line, "{cell}{}  ", " ".repeat(pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    };
    row(header.to_vec());
    for line in &lines {
        row(line.iter().map(String::as_str).collect());
    }
    out
}

/// The status rows, read off the async workers.
async fn rows_of(app: &Arc<App>) -> Result<(Arc<Config>, Vec<StatusRow>), String> {
    let config = app.config();
    let planned = app.next_runs();
    let read = Arc::clone(&config);
    super::off_the_workers(app, move |app| rows(&read, app.store.as_ref(), &planned))
        .await?
        .map(|rows| (config, rows))
        .map_err(|e| e.to_string())
}

pub async fn table(State(app): State<Arc<App>>, Query(query): Query<TableQuery>) -> Response {
    if let Some(id) = query.history {
        return history(&app, id).await;
    }
    match rows_of(&app).await {
        Ok((_, rows)) => (
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            table_text(&rows),
        )
            .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    }
}

/// `/sources.txt`'s query: `?history=ID` asks for one source's run history instead.
#[derive(Debug, Default, serde::Deserialize)]
pub struct TableQuery {
    history: Option<String>,
}

/// One source's run history as text (`/sources.txt?history=ID`); 404 for an unknown source.
async fn history(app: &Arc<App>, id: String) -> Response {
    let config = app.config();
    let Some(source) = config.source(&id) else {
        let message = format!("no source with id `{}`\n", printable(&id));
        return (StatusCode::NOT_FOUND, message).into_response();
    };
    let name = source.name.clone();
    let read = id.clone();
    match super::off_the_workers(app, move |app| app.store.source_state(&read)).await {
        Ok(Ok(state)) => (
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            super::history::history_text(&id, &name, &state, now()),
        )
            .into_response(),
        Ok(Err(e)) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    }
}

/// 200 while the scheduler loops and the store answers; 503 otherwise.
pub async fn healthz(State(app): State<Arc<App>>) -> Response {
    let beat = app.heartbeat.load(std::sync::atomic::Ordering::Relaxed);
    let scheduler_alive = chrono::Utc::now().timestamp() - beat < 120;
    // The store must answer a point read within a second, whatever else it is doing.
    let probe = super::off_the_workers(&app, |app| app.store.source_state("").is_ok());
    let store_alive = matches!(
        tokio::time::timeout(std::time::Duration::from_secs(1), probe).await,
        Ok(Ok(true))
    );
    match (scheduler_alive, store_alive) {
        (true, true) => (StatusCode::OK, "ok\n").into_response(),
        (false, _) => (StatusCode::SERVICE_UNAVAILABLE, "scheduler stalled\n").into_response(),
        (_, false) => (StatusCode::SERVICE_UNAVAILABLE, "store not answering\n").into_response(),
    }
}

/// OPML 2.0 listing every per-source feed.
pub async fn opml(State(app): State<Arc<App>>) -> Response {
    let config = app.config();
    let base = &config.settings.base_url;
    let portals: Vec<Portal> = config
        .sources
        .iter()
        .map(|s| Portal::new(s, base))
        .collect();
    let out = render_opml(&config.settings.title, &portals);
    ([(header::CONTENT_TYPE, "text/x-opml; charset=utf-8")], out).into_response()
}

/// Sources on one page of the dashboard.
pub const SOURCES_PER_PAGE: usize = 100;

/// `/status`'s query: which page of sources (from 1).
#[derive(Debug, Default, serde::Deserialize)]
pub struct DashboardQuery {
    page: Option<usize>,
}

/// `GET /status`: the dashboard. Readable on a phone, no script.
pub async fn page(
    State(app): State<Arc<App>>,
    Query(query): Query<DashboardQuery>,
    headers: HeaderMap,
) -> Response {
    let page = query.page.unwrap_or(1);
    let generation = app.generation();
    let response = match rows_of(&app).await {
        Ok((config, rows)) => match dashboard_html(&config, rows, page) {
            // Not kept: the next run times move with the clock. Compressed when asked.
            Ok(html) => {
                let rendered = Rendered::new(
                    generation,
                    "text/html; charset=utf-8",
                    Bytes::from(html),
                    std::time::SystemTime::now(),
                );
                let mut response = conditional_response(Arc::new(rendered), &headers).await;
                // Revalidated on every visit: a 304 while nothing changed, else today's state.
                response.headers_mut().insert(
                    header::CACHE_CONTROL,
                    axum::http::HeaderValue::from_static("no-cache"),
                );
                response
            }
            Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
        },
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    };
    super::protect(response)
}

#[derive(Template)]
#[template(path = "status.html")]
struct Dashboard {
    site_title: String,
    totals: Vec<Total>,
    sources: Vec<SourceCard>,
    /// "sources 101–200 of 1000", and the other pages' links, when there is more than one.
    shown: String,
    previous: Option<String>,
    next: Option<String>,
}

/// One figure atop the dashboard; `bad` when it counts a problem.
struct Total {
    label: &'static str,
    value: String,
    bad: bool,
}

/// One source on the dashboard.
struct SourceCard {
    id: String,
    name: String,
    /// `broken`, `failed`, `disabled` or `ok`: its class, and the order.
    state: &'static str,
    broken: Option<String>,
    province: Option<(String, String)>,
    kind: &'static str,
    facts: String,
    problem: String,
    plot: String,
}

/// How a source stands, most urgent first.
fn standing(row: &StatusRow) -> &'static str {
    if row.broken.is_some() {
        "broken"
    } else if row.result == "failed" {
        "failed"
    } else if !row.enabled {
        "disabled"
    } else {
        "ok"
    }
}

/// Page `page` (from 1) of the dashboard of `rows`: the totals of all, then
/// [`SOURCES_PER_PAGE`] sources, problems first.
pub fn dashboard_html(
    config: &Config,
    mut rows: Vec<StatusRow>,
    page: usize,
) -> Result<String, askama::Error> {
    let rank = |state: &str| match state {
        "broken" => 0,
        "failed" => 1,
        "ok" => 2,
        _ => 3,
    };
    let count = |state: &str| rows.iter().filter(|r| standing(r) == state).count();
    let (failed, broken) = (count("failed"), count("broken"));
    let today = |days: &[usize]| days.last().copied().unwrap_or(0);
    let articles_today: usize = rows.iter().map(|r| today(&r.days)).sum();
    let merges_today: usize = rows.iter().map(|r| today(&r.merges)).sum();
    let totals = vec![
        Total {
            label: "sources",
            value: rows.len().to_string(),
            bad: false,
        },
        Total {
            label: "ok",
            value: count("ok").to_string(),
            bad: false,
        },
        Total {
            label: "failed",
            value: failed.to_string(),
            bad: failed > 0,
        },
        Total {
            label: "broken",
            value: broken.to_string(),
            bad: broken > 0,
        },
        Total {
            label: "articles today",
            value: articles_today.to_string(),
            bad: false,
        },
        Total {
            label: "merges today",
            value: merges_today.to_string(),
            bad: false,
        },
    ];
    // Problems first; the config's order within each kind.
    rows.sort_by_key(|r| rank(standing(r)));
    let pages = rows.len().div_ceil(SOURCES_PER_PAGE).max(1);
    let page = page.clamp(1, pages);
    let first = (page - 1).saturating_mul(SOURCES_PER_PAGE);
    let sources: Vec<SourceCard> = rows
        .iter()
        .skip(first)
        .take(SOURCES_PER_PAGE)
        .map(|row| {
            let r = row.printable();
            let next = if r.enabled {
                when(r.next_run)
            } else {
                "disabled".into()
            };
            SourceCard {
                state: standing(&r),
                province: r.province.as_ref().map(|p| (p.clone(), slug(p))),
                kind: r.kind,
                facts: format!(
                    "last run {} · {} · {} new · {} stored · {} merged · next {next}",
                    when(r.last_run),
                    r.result,
                    r.new_articles,
                    r.total_articles,
                    r.merged
                ),
                problem: r
                    .last_error
                    .clone()
                    .or(r.broken.clone())
                    .unwrap_or_else(|| r.notes.join("; ")),
                plot: history::plot_svg(&r.days, &r.runs),
                broken: r.broken.clone(),
                id: r.id,
                name: r.name,
            }
        })
        .collect();
    let shown = if pages > 1 {
        format!(
            "sources {}–{} of {}, problems first",
            first + 1,
            first + sources.len(),
            rows.len()
        )
    } else {
        String::new()
    };
    Dashboard {
        site_title: printable(&config.settings.title).into_owned(),
        totals,
        sources,
        shown,
        previous: (page > 1).then(|| format!("status?page={}", page - 1)),
        next: (page < pages).then(|| format!("status?page={}", page + 1)),
    }
    .render()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(i: usize, broken: bool) -> StatusRow {
        StatusRow {
            id: format!("s{i}"),
            name: format!("Cổng {i}"),
            province: Some("Cần Thơ".into()),
            kind: "html",
            enabled: true,
            last_run: None,
            result: "ok".into(),
            new_articles: 0,
            total_articles: 0,
            merged: 0,
            last_error: None,
            next_run: None,
            broken: broken.then(|| "failed 5 runs in a row".to_string()),
            notes: Vec::new(),
            days: vec![0; history::DAYS],
            merges: vec![0; history::DAYS],
            runs: Vec::new(),
        }
    }

    #[test]
    fn the_dashboard_pages_its_sources_with_problems_first() {
        let config =
            Config::parse(std::path::Path::new("feeds.toml"), "").unwrap_or_else(|e| panic!("{e}"));
        // 250 sources; the last one broken.
        let rows: Vec<StatusRow> = (0..250).map(|i| row(i, i == 249)).collect();
        let page = |n| dashboard_html(&config, rows.clone(), n).unwrap_or_else(|e| panic!("{e}"));
        let ids = |html: &str| -> Vec<String> {
            html.split(r#"data-source=""#)
                .skip(1)
                .filter_map(|rest| rest.split('"').next())
                .map(str::to_string)
                .collect()
        };
        let first = page(1);
        let shown = ids(&first);
        assert_eq!(shown.len(), SOURCES_PER_PAGE);
        assert_eq!(shown[0], "s249", "the broken one first");
        assert_eq!(shown[1], "s0");
        assert!(
            first.contains("sources 1–100 of 250") && first.contains(r#"href="status?page=2""#)
        );
        assert!(
            first.contains(r#"data-total="broken"><b>1</b>"#),
            "totals of all pages"
        );
        let last = page(3);
        assert_eq!(ids(&last).len(), 50);
        assert_eq!(ids(&last)[49], "s248");
        assert!(!last.contains("status?page=4") && last.contains(r#"href="status?page=2""#));
        assert_eq!(ids(&page(99)), ids(&last), "past the end is the last page");
        assert_eq!(ids(&page(0)), shown, "before the start is the first");
        assert!(!dashboard_html(&config, rows[..3].to_vec(), 1)
            .unwrap_or_default()
            .contains("status?page="));
    }
}
