//! What operators look at: the HTML status page (`/`), `/healthz`, `/sources.opml` and the
//! plain-text table (`/sources.txt`, also what `portalfeed sources` prints).

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, FixedOffset};

use super::App;
use crate::config::{Config, SourceKind};
use crate::dates::vietnam;
use crate::pipeline::now;
use crate::render::opml::render_opml;
use crate::render::Portal;
use crate::schedule;
use crate::store::{Storage, StoreError};
use crate::text::{escape_markup as escape, printable, slug};

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

/// The HTML status page: readable on a phone, no script.
pub async fn page(State(app): State<Arc<App>>) -> Response {
    match rows_of(&app).await {
        Ok((config, rows)) => Html(status_html(&config, &rows)).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    }
}

fn status_html(config: &Config, rows: &[StatusRow]) -> String {
    let title = escape(&config.settings.title);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} — portalfeed</title>
<link rel="alternate" type="application/atom+xml" title="{title}" href="/feed.atom">
<link rel="alternate" type="application/rss+xml" title="{title} (RSS)" href="/feed.rss">
<link rel="alternate" type="application/feed+json" title="{title} (JSON Feed)" href="/feed.json">
"#
    );
    for row in rows {
        let _ = writeln!(
            out,
            r#"<link rel="alternate" type="application/atom+xml" title="{}" href="/sources/{}.atom">"#,
            escape(&row.name),
            escape(&row.id)
        );
    }
    out.push_str(
        r#"<style>
body{font-family:system-ui,sans-serif;margin:1rem;color:#222}
h1{font-size:1.3rem}
.wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border-bottom:1px solid #ddd;padding:.4rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4;position:sticky;top:0}
td.num{text-align:right}
tr.failed td{background:#fff0f0}
tr.broken td{background:#fff6d5}
.badge{display:inline-block;padding:0 .35rem;border-radius:.3rem;background:#c62828;color:#fff;font-size:.8rem}
.error{color:#a00;font-size:.8rem;word-break:break-word}
@media (max-width:640px){
 thead{display:none}
 table,tbody,tr,td{display:block;width:auto}
 tr{border:1px solid #ddd;border-radius:.4rem;margin-bottom:.6rem;padding:.2rem 0}
 td{border:0;padding:.15rem .6rem}
 td[data-label]::before{content:attr(data-label) ": ";font-weight:600;color:#555}
 td.num{text-align:left}
}
</style></head><body>
"#,
    );
    let _ = writeln!(
        out,
        r#"<h1>{title}</h1>
<p>Feeds: <a href="/feed.atom">Atom</a> · <a href="/feed.rss">RSS</a> · <a href="/feed.json">JSON Feed</a> · <a href="/sources.opml">OPML</a> · <a href="/metrics">metrics</a></p>
<div class="wrap"><table id="sources">
<thead><tr><th>Source</th><th>Province</th><th>Kind</th><th>Last run</th><th>Result</th><th>New</th><th>Total</th><th title="Articles that joined a story another source already carried">Merged</th><th>Next run</th><th>Last error</th><th>Feeds</th></tr></thead>
<tbody>"#
    );
    for r in rows {
        let class = if r.broken.is_some() {
            "broken"
        } else if r.result == "failed" {
            "failed"
        } else {
            "ok"
        };
        let broken = r
            .broken
            .as_deref()
            .map(|why| {
                format!(
                    r#" <span class="badge" title="{}">broken?</span>"#,
                    escape(why)
                )
            })
            .unwrap_or_default();
        let province = r.province.as_deref().map_or(String::new(), |p| {
            format!(r#"<a href="/provinces/{}.atom">{}</a>"#, slug(p), escape(p))
        });
        let _ = writeln!(
            out,
            r#"<tr class="{class}" data-source="{id}"><td><b>{name}</b>{broken} <small>{id}</small></td><td data-label="Province">{province}</td><td data-label="Kind">{kind}</td><td data-label="Last run">{last}</td><td data-label="Result">{result}</td><td class="num" data-label="New">{new}</td><td class="num" data-label="Total">{total}</td><td class="num" data-label="Merged">{merged}</td><td data-label="Next run">{next}</td><td class="error" data-label="Last error">{error}</td><td data-label="Feeds"><a href="/sources/{id}.atom">Atom</a> <a href="/sources/{id}.rss">RSS</a> <a href="/sources/{id}.json">JSON</a></td></tr>"#,
            id = escape(&r.id),
            name = escape(&r.name),
            kind = r.kind,
            last = when(r.last_run),
            result = escape(&r.result),
            new = r.new_articles,
            total = r.total_articles,
            merged = r.merged,
            next = if r.enabled {
                when(r.next_run)
            } else {
                "disabled".into()
            },
            error = escape(
                &r.last_error
                    .clone()
                    .or(r.broken.clone())
                    .unwrap_or_else(|| r.notes.join("; "))
            ),
        );
    }
    out.push_str("</tbody></table></div>\n</body></html>\n");
    out
}
