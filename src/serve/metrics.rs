//! `/metrics`: counters in the Prometheus text exposition format, names prefixed `portalfeed_`.
//! Fetch runs, errors and durations per source, articles stored, feed requests by status.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use super::{lock, App};
use crate::pipeline::{Outcome, SourceReport};

/// Counters since the server started.
#[derive(Default)]
pub struct Metrics {
    sources: Mutex<BTreeMap<String, SourceCounters>>,
    requests: Mutex<BTreeMap<u16, u64>>,
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
        *lock(&self.requests).entry(status).or_default() += 1;
    }

    fn render(&self, app: &App) -> String {
        let mut out = String::new();
        let sources = lock(&self.sources).clone();
        let _ = writeln!(
            out,
            "# HELP portalfeed_fetch_runs_total Source runs by result."
        );
        let _ = writeln!(out, "# TYPE portalfeed_fetch_runs_total counter");
        for (id, c) in &sources {
            for (result, n) in &c.runs {
                let _ = writeln!(
                    out,
                    "portalfeed_fetch_runs_total{{source=\"{}\",result=\"{result}\"}} {n}",
                    label(id)
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP portalfeed_fetch_errors_total Source runs that failed."
        );
        let _ = writeln!(out, "# TYPE portalfeed_fetch_errors_total counter");
        for (id, c) in &sources {
            let _ = writeln!(
                out,
                "portalfeed_fetch_errors_total{{source=\"{}\"}} {}",
                label(id),
                c.errors
            );
        }
        let _ = writeln!(
            out,
            "# HELP portalfeed_fetch_duration_seconds Time spent in source runs."
        );
        let _ = writeln!(out, "# TYPE portalfeed_fetch_duration_seconds summary");
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
        let _ = writeln!(
            out,
            "# HELP portalfeed_articles_new_total Articles stored by source since start."
        );
        let _ = writeln!(out, "# TYPE portalfeed_articles_new_total counter");
        for (id, c) in &sources {
            let _ = writeln!(
                out,
                "portalfeed_articles_new_total{{source=\"{}\"}} {}",
                label(id),
                c.new_articles
            );
        }
        let _ = writeln!(
            out,
            "# HELP portalfeed_articles_stored Articles in the store."
        );
        let _ = writeln!(out, "# TYPE portalfeed_articles_stored gauge");
        let _ = writeln!(
            out,
            "portalfeed_articles_stored {}",
            app.store.article_count()
        );
        let _ = writeln!(
            out,
            "# HELP portalfeed_source_broken Whether a source looks broken (1) or not (0)."
        );
        let _ = writeln!(out, "# TYPE portalfeed_source_broken gauge");
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
        let _ = writeln!(
            out,
            "# HELP portalfeed_feed_requests_total Feed requests by response status."
        );
        let _ = writeln!(out, "# TYPE portalfeed_feed_requests_total counter");
        for (status, n) in lock(&self.requests).iter() {
            let _ = writeln!(
                out,
                "portalfeed_feed_requests_total{{status=\"{status}\"}} {n}"
            );
        }
        out
    }
}

/// Escapes a label value.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

pub async fn endpoint(State(app): State<Arc<App>>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        app.metrics.render(&app),
    )
}
