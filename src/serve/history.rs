//! One source's run history as text: its last runs and a sparkline of the articles it stored
//! per day over the last 30 days (Vietnam days). What `portalfeed sources --history ID` prints,
//! read from the store or asked of the running server (`/sources.txt?history=ID`).
//!
//! It reads the history the pipeline keeps in the source's state ([`SourceState::runs`]); it
//! must not write anything.

use std::fmt::Write;

use chrono::{DateTime, Duration, FixedOffset};

use crate::dates::vietnam;
use crate::store::SourceState;
use crate::text::printable;

/// Days the sparkline covers.
pub const DAYS: usize = 30;
/// Runs listed.
pub const RUNS_SHOWN: usize = 20;
/// The sparkline's levels, lowest first; a day with no article is `·`.
const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The history of source `id` (`name`) as of `now`.
pub fn history_text(
    id: &str,
    name: &str,
    state: &SourceState,
    now: DateTime<FixedOffset>,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "source {id} ({})", printable(name));
    if state.runs.is_empty() {
        let _ = writeln!(out, "no run recorded yet");
        return out;
    }
    let shown = state.runs.len().min(RUNS_SHOWN);
    let _ = writeln!(
        out,
        "last {shown} of {} runs kept, newest first:",
        state.runs.len()
    );
    for run in state.runs.iter().rev().take(RUNS_SHOWN) {
        let at = run.at.with_timezone(&vietnam()).format("%Y-%m-%d %H:%M");
        let _ = writeln!(
            out,
            "  {at}  {:<13} {} new",
            printable(&run.outcome),
            run.new
        );
    }
    let days = per_day(state, now);
    let total: usize = days.iter().sum();
    let first = now - Duration::days(DAYS as i64 - 1);
    let _ = writeln!(
        out,
        "articles per day, {} → {}: {}  ({total} in {DAYS} days)",
        first.with_timezone(&vietnam()).format("%d/%m"),
        now.with_timezone(&vietnam()).format("%d/%m"),
        sparkline(&days)
    );
    out
}

/// Articles stored per Vietnam day, the last [`DAYS`] days ending today, oldest first.
pub fn per_day(state: &SourceState, now: DateTime<FixedOffset>) -> Vec<usize> {
    let today = now.with_timezone(&vietnam()).date_naive();
    let mut days = vec![0usize; DAYS];
    for run in &state.runs {
        let day = run.at.with_timezone(&vietnam()).date_naive();
        let Ok(ago) = usize::try_from((today - day).num_days()) else {
            continue; // a run dated after today (a clock moved back)
        };
        if let Some(slot) = DAYS
            .checked_sub(1)
            .and_then(|last| last.checked_sub(ago))
            .and_then(|i| days.get_mut(i))
        {
            *slot = slot.saturating_add(run.new);
        }
    }
    days
}

/// One character per value, scaled to the largest: `·` for zero, `▁`…`█` otherwise.
pub fn sparkline(values: &[usize]) -> String {
    let max = values.iter().copied().max().unwrap_or(0);
    values
        .iter()
        .map(|&v| {
            if v == 0 || max == 0 {
                return '·';
            }
            // 1..=max onto 0..=7: the largest is the full block.
            let level = v.saturating_mul(LEVELS.len() - 1) / max;
            LEVELS.get(level).copied().unwrap_or('█')
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::RunRecord;

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn runs_are_counted_by_vietnam_day() {
        let mut state = SourceState::default();
        for (when, new) in [
            ("2026-11-25T23:30:00+00:00", 2), // 26/11 06:30 in Vietnam
            ("2026-11-26T10:00:00+07:00", 3),
            ("2026-11-27T08:00:00+07:00", 1),
            ("2026-09-01T08:00:00+07:00", 9), // older than 30 days
        ] {
            state.record_run(RunRecord {
                at: at(when),
                outcome: "ok".into(),
                new,
            });
        }
        let days = per_day(&state, at("2026-11-27T12:00:00+07:00"));
        assert_eq!(days.len(), DAYS);
        assert_eq!(days[DAYS - 1], 1, "today");
        assert_eq!(days[DAYS - 2], 5, "yesterday: both runs of 26/11");
        assert_eq!(days.iter().sum::<usize>(), 6);
    }

    #[test]
    fn the_sparkline_scales_to_the_busiest_day() {
        assert_eq!(sparkline(&[0, 1, 4, 8, 0]), "·▁▄█·");
        assert_eq!(sparkline(&[0, 0]), "··");
        assert_eq!(sparkline(&[]), "");
        assert_eq!(sparkline(&[5, 5]), "██");
    }

    #[test]
    fn the_history_keeps_its_last_runs_only() {
        let mut state = SourceState::default();
        for i in 0..(crate::store::RUN_HISTORY + 5) {
            state.record_run(RunRecord {
                at: at("2026-11-27T08:00:00+07:00"),
                outcome: "ok".into(),
                new: i,
            });
        }
        assert_eq!(state.runs.len(), crate::store::RUN_HISTORY);
        assert_eq!(state.runs.first().map(|r| r.new), Some(5));
    }
}
