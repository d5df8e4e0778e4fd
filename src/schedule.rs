//! Schedule: when each source runs next.
//!
//! A source runs every `interval`, or at the times its `cron` line gives (Vietnam time). A source
//! whose last run failed waits longer after each failure in a row (the interval doubled each
//! time, capped at 6 hours or its interval, whichever is longer), and never before the time a
//! portal's `Retry-After` asked for. `serve` adds a random jitter of up to 10 % of the period so
//! sources with the same interval do not fire together.
//!
//! Pure: the time (and, for jitter, the random fraction) is passed in.

use std::time::Duration;

use chrono::{DateTime, FixedOffset};

use crate::config::Source;
use crate::store::SourceState;

/// The longest a failing source waits between tries (unless its own interval is longer).
pub const MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);

/// Whether `source` should run at `now`, given its stored state (no jitter: `fetch` from cron).
pub fn is_due(source: &Source, state: &SourceState, now: DateTime<FixedOffset>) -> bool {
    next_run(source, state, now) <= now
}

/// When `source` should run next, without jitter.
pub fn next_run(
    source: &Source,
    state: &SourceState,
    now: DateTime<FixedOffset>,
) -> DateTime<FixedOffset> {
    let Some(last) = state.last_run else {
        return now;
    };
    let wait = backoff(period(source, last), state.consecutive_failures);
    let waited = after(last, wait).unwrap_or(last);
    let next = match (&source.cron, state.consecutive_failures) {
        (Some(cron), 0) => cron.find_next_occurrence(&last, false).unwrap_or(waited),
        _ => waited,
    };
    match state.retry_after {
        Some(not_before) if not_before > next => not_before,
        _ => next,
    }
}

/// The jitter to add to a run planned at `next`: `fraction` (in [0, 1)) of 10 % of the period.
pub fn jitter(source: &Source, next: DateTime<FixedOffset>, fraction: f64) -> Duration {
    period(source, next).mul_f64(0.1 * fraction.clamp(0.0, 1.0))
}

/// The time between two regular runs: the interval, or the gap between two cron occurrences.
fn period(source: &Source, from: DateTime<FixedOffset>) -> Duration {
    let Some(cron) = &source.cron else {
        return source.interval;
    };
    let first = cron.find_next_occurrence(&from, false);
    let second = first
        .as_ref()
        .ok()
        .and_then(|f| cron.find_next_occurrence(f, false).ok());
    match (first, second) {
        (Ok(a), Some(b)) => (b - a).to_std().unwrap_or(source.interval),
        _ => source.interval,
    }
}

/// The wait after `failures` failed runs in a row: the period doubled each time, capped.
fn backoff(period: Duration, failures: u32) -> Duration {
    if failures == 0 {
        return period;
    }
    let doubled = period.saturating_mul(1u32 << failures.min(20));
    doubled.min(MAX_BACKOFF.max(period))
}

/// `t` + `d`, or `None` past the calendar's end (remote and operator values can be absurd).
pub fn after(t: DateTime<FixedOffset>, d: Duration) -> Option<DateTime<FixedOffset>> {
    t.checked_add_signed(chrono::Duration::from_std(d).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn source(extra: &str) -> Source {
        let config = crate::config::Config::parse(
            Path::new("feeds.toml"),
            &format!("[[source]]\nid = \"a\"\nname = \"A\"\nkind = \"feed\"\nurl = \"http://127.0.0.1/rss\"\n{extra}\n"),
        );
        match config {
            Ok(mut c) => c.sources.remove(0),
            Err(e) => panic!("{e}"),
        }
    }

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn due_after_interval() {
        let source = source("interval = \"15m\"");
        let mut state = SourceState::default();
        assert!(is_due(&source, &state, t("2026-11-26T10:00:00+07:00")));
        state.last_run = Some(t("2026-11-26T10:00:00+07:00"));
        assert!(!is_due(&source, &state, t("2026-11-26T10:14:59+07:00")));
        assert!(is_due(&source, &state, t("2026-11-26T10:15:00+07:00")));
    }

    #[test]
    fn failures_back_off_exponentially_up_to_six_hours() {
        let source = source("interval = \"15m\"");
        let last = t("2026-11-26T10:00:00+07:00");
        let mut state = SourceState {
            last_run: Some(last),
            ..SourceState::default()
        };
        let mut waits = Vec::new();
        for failures in 0..8 {
            state.consecutive_failures = failures;
            waits.push((next_run(&source, &state, last) - last).num_minutes());
        }
        assert_eq!(waits, [15, 30, 60, 120, 240, 360, 360, 360]);
    }

    #[test]
    fn retry_after_is_honoured() {
        let source = source("interval = \"15m\"");
        let last = t("2026-11-26T10:00:00+07:00");
        let state = SourceState {
            last_run: Some(last),
            retry_after: Some(t("2026-11-26T11:00:00+07:00")),
            ..SourceState::default()
        };
        assert_eq!(
            next_run(&source, &state, last),
            t("2026-11-26T11:00:00+07:00")
        );
    }

    #[test]
    fn cron_lines_give_the_times() {
        let source = source("cron = \"*/15 * * * *\"");
        let state = SourceState {
            last_run: Some(t("2026-11-26T10:07:12+07:00")),
            ..SourceState::default()
        };
        assert_eq!(
            next_run(&source, &state, t("2026-11-26T10:08:00+07:00")),
            t("2026-11-26T10:15:00+07:00")
        );
        let j = jitter(&source, t("2026-11-26T10:15:00+07:00"), 0.5);
        assert_eq!(j, Duration::from_secs(45), "5 % of the 15 minute period");
    }
}
