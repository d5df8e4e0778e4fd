//! `/metrics`: counters in the Prometheus text exposition format, names prefixed `portalfeed_`.
//! Fetch runs, errors and durations per source, articles stored, cross-source merges, feed
//! requests by status.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use super::{lock, App};
use crate::pipeline::{Outcome, SourceReport};

/// Counters since the server started.
pub struct Metrics {
    sources: Mutex<BTreeMap<String, SourceCounters>>,
    /// Feed requests by status (100–599): atomics, so counting takes no lock on the hot path.
    requests: Box<[AtomicU64; STATUSES]>,
}

/// HTTP statuses counted: 100 to 599.
const STATUSES: usize = 500;

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics {
            sources: Mutex::default(),
            requests: Box::new(std::array::from_fn(|_| AtomicU64::new(0))),
        }
    }
}

#[derive(Default, Clone)]
struct SourceCounters {
    runs: BTreeMap<&'static str, u64>,
    errors: u64,
    seconds: f64,
    new_articles: u64,
}

impl Metrics {
    /// Counts one source run.
    pub fn record_run(&self, report: &SourceReport) {
        let mut sources = lock(&self.sources);
        let counters = sources.entry(report.id.clone()).or_default();
        let result = match &report.outcome {
            Outcome::Skipped => return,
            Outcome::NotModified => "not_modified",
            Outcome::Done(_) => "ok",
            Outcome::Failed { .. } => "failed",
        };
        *counters.runs.entry(result).or_default() += 1;
        counters.seconds += report.duration.as_secs_f64();
        match &report.outcome {
            Outcome::Done(c) => counters.new_articles += c.new as u64,
            Outcome::Failed { counts, .. } => {
                counters.errors += 1;
                counters.new_articles += counts.new as u64;
            }
            _ => {}
        }
    }

    /// Counts one feed request by its response status.
    pub fn record_request(&self, status: u16) {
        if let Some(counter) = usize::from(status)
            .checked_sub(100)
            .and_then(|i| self.requests.get(i))
        {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn render(&self, app: &App) -> String {
        let mut out = String::new();
        let sources = lock(&self.sources).clone();
        family(
            &mut out,
            "portalfeed_fetch_runs_total",
            "counter",
            "Source runs by result.",
        );
        for (id, c) in &sources {
            for (result, n) in &c.runs {
                let _ = writeln!(
                    out,
                    "portalfeed_fetch_runs_total{{source=\"{}\",result=\"{result}\"}} {n}",
                    label(id)
                );
            }
        }
        family(
            &mut out,
            "portalfeed_fetch_errors_total",
            "counter",
            "Source runs that failed.",
        );
        for (id, c) in &sources {
            let _ = writeln!(
                out,
                "portalfeed_fetch_errors_total{{source=\"{}\"}} {}",
                label(id),
                c.errors
            );
        }
        family(
            &mut out,
            "portalfeed_fetch_duration_seconds",
            "summary",
            "Time spent in source runs.",
        );
        for (id, c) in &sources {
            let runs: u64 = c.runs.values().sum();
            let _ = writeln!(
                out,
                "portalfeed_fetch_duration_seconds_sum{{source=\"{}\"}} {:.6}",
                label(id),
                c.seconds
            );
            let _ = writeln!(
                out,
                "portalfeed_fetch_duration_seconds_count{{source=\"{}\"}} {runs}",
                label(id)
            );
        }
        family(
            &mut out,
            "portalfeed_articles_new_total",
            "counter",
            "Articles stored by source since start.",
        );
        for (id, c) in &sources {
            let _ = writeln!(
                out,
                "portalfeed_articles_new_total{{source=\"{}\"}} {}",
                label(id),
                c.new_articles
            );
        }
        family(
            &mut out,
            "portalfeed_articles_stored",
            "gauge",
            "Articles in the store.",
        );
        let _ = writeln!(
            out,
            "portalfeed_articles_stored {}",
            app.store.article_count()
        );
        family(
            &mut out,
            "portalfeed_merges_total",
            "counter",
            "Articles merged into a story another source (or URL) already carried.",
        );
        let _ = writeln!(out, "portalfeed_merges_total {}", app.store.merge_count());
        family(
            &mut out,
            "portalfeed_source_broken",
            "gauge",
            "Whether a source looks broken (1) or not (0).",
        );
        for source in &app.config().sources {
            let broken = app
                .store
                .source_state(&source.id)
                .ok()
                .and_then(|s| s.broken())
                .is_some();
            let _ = writeln!(
                out,
                "portalfeed_source_broken{{source=\"{}\"}} {}",
                label(&source.id),
                u8::from(broken)
            );
        }
        family(
            &mut out,
            "portalfeed_feed_requests_total",
            "counter",
            "Feed requests by response status.",
        );
        for (i, counter) in self.requests.iter().enumerate() {
            let n = counter.load(Ordering::Relaxed);
            if n == 0 {
                continue;
            }
            let status = i + 100;
            let _ = writeln!(
                out,
                "portalfeed_feed_requests_total{{status=\"{status}\"}} {n}"
            );
        }
        out
    }
}

/// The `# HELP` and `# TYPE` lines that open a metric family.
fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// Escapes a label value.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

pub async fn endpoint(State(app): State<Arc<App>>) -> impl IntoResponse {
    let text = super::off_the_workers(&app, |app| app.metrics.render(app))
        .await
        .unwrap_or_else(|e| format!("# {e}\n"));
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
}
