//! Schedule: which sources are due.
//!
//! A source is due when it has never run or when its `interval` has passed since its last run.
//! Pure: the time is passed in. (`serve`'s timer loop will build on this.)

use chrono::{DateTime, FixedOffset};

use crate::config::Source;
use crate::store::SourceState;

/// Whether `source` should run at `now`, given its stored state.
pub fn is_due(source: &Source, state: &SourceState, now: DateTime<FixedOffset>) -> bool {
    match state.last_run {
        None => true,
        Some(last) => match chrono::Duration::from_std(source.interval) {
            Ok(interval) => last + interval <= now,
            Err(_) => false, // an interval too long to add is "never again"
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn due_after_interval() {
        let config = crate::config::Config::parse(
            Path::new("feeds.toml"),
            "[[source]]\nid = \"a\"\nname = \"A\"\nkind = \"feed\"\nurl = \"http://127.0.0.1/rss\"\ninterval = \"15m\"\n",
        );
        let config = config.unwrap_or_else(|e| panic!("{e}"));
        let source = &config.sources[0];
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap_or_else(|e| panic!("{e}"));
        let mut state = SourceState::default();
        assert!(is_due(source, &state, t("2026-11-26T10:00:00+07:00")));
        state.last_run = Some(t("2026-11-26T10:00:00+07:00"));
        assert!(!is_due(source, &state, t("2026-11-26T10:14:59+07:00")));
        assert!(is_due(source, &state, t("2026-11-26T10:15:00+07:00")));
    }
}
