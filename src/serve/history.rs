//! One source's run history as text: its last runs and a sparkline of the articles it stored
//! per day over the last 30 days (Vietnam days). What `portalfeed sources --history ID` prints,
//! read from the store or asked of the running server (`/sources.txt?history=ID`).
//!
//! Also the dashboard's picture of the same ([`plot_svg`]): an inline SVG of the articles per
//! day and the outcome of the last runs.
//!
//! It reads the history the pipeline keeps in the source's state ([`SourceState::runs`],
//! [`SourceState::days`]); it must not write anything.

use std::fmt::Write;

use chrono::{DateTime, Duration, FixedOffset};

use crate::dates::vietnam;
use crate::store::{DayTally, RunRecord, SourceState};
use crate::text::{escape_markup, printable};

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

/// Articles stored per Vietnam day (new stories and copies of stored ones), the last [`DAYS`]
/// days ending today, oldest first.
pub fn per_day(state: &SourceState, now: DateTime<FixedOffset>) -> Vec<usize> {
    last_days(state, now, |d| d.new.saturating_add(d.merged))
}

/// Merges per Vietnam day, as [`per_day`].
pub fn merges_per_day(state: &SourceState, now: DateTime<FixedOffset>) -> Vec<usize> {
    last_days(state, now, |d| d.merged)
}

/// One value of each of the last [`DAYS`] days' tallies, oldest first (0 for a day with none).
fn last_days(
    state: &SourceState,
    now: DateTime<FixedOffset>,
    value: impl Fn(&DayTally) -> usize,
) -> Vec<usize> {
    let today = now.with_timezone(&vietnam()).date_naive();
    let mut days = vec![0usize; DAYS];
    for tally in &state.days {
        let Ok(ago) = usize::try_from((today - tally.day).num_days()) else {
            continue; // a day after today (a clock moved back)
        };
        if let Some(slot) = DAYS
            .checked_sub(1)
            .and_then(|last| last.checked_sub(ago))
            .and_then(|i| days.get_mut(i))
        {
            *slot = slot.saturating_add(value(tally));
        }
    }
    days
}

/// The dashboard's plot of one source: a bar per day of `days` (oldest first, the last one
/// `now`'s day), then a square per run of `runs` (oldest first) coloured by its outcome. Each
/// bar and square says what it stands for in a `<title>`. No script, no style: attributes only.
pub fn plot_svg(days: &[usize], runs: &[RunRecord], now: DateTime<FixedOffset>) -> String {
    const BAR: usize = 8;
    const BARS_HIGH: usize = 34;
    const RUN: usize = 12;
    let max = days.iter().copied().max().unwrap_or(0);
    let today = now.with_timezone(&vietnam()).date_naive();
    let total: usize = days.iter().sum();
    let width = (days.len().max(20) * BAR).saturating_add(8);
    let mut out = String::new();
    let _ = write!(
        out,
        r##"<svg class="history" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} 64" role="img" aria-label="{total} articles in {} days; last {} runs">"##,
        days.len(),
        runs.len()
    );
    let _ = write!(
        out,
        r##"<line x1="4" y1="38.5" x2="{}" y2="38.5" stroke="#c9ced6"/>"##,
        width.saturating_sub(4)
    );
    let count = days.len();
    for (i, &n) in days.iter().enumerate() {
        let ago = i64::try_from(count.saturating_sub(i + 1)).unwrap_or(0);
        let day = today - Duration::days(ago);
        let height = if max == 0 || n == 0 {
            0
        } else {
            (n.saturating_mul(BARS_HIGH) / max).max(2)
        };
        let x = 4 + i * BAR;
        let _ = write!(
            out,
            r##"<rect class="day" x="{x}" y="{}" width="{}" height="{height}" fill="#0b5cad"><title>{}: {n} article{}</title></rect>"##,
            38usize.saturating_sub(height),
            BAR - 2,
            day.format("%d/%m"),
            if n == 1 { "" } else { "s" }
        );
    }
    for (i, run) in runs.iter().enumerate() {
        let (class, colour) = match run.outcome.as_str() {
            "ok" => ("ok", "#2e7d32"),
            "not modified" => ("not-modified", "#8a94a3"),
            "broken" => ("broken", "#e0a100"),
            _ => ("failed", "#c62828"),
        };
        let at = run.at.with_timezone(&vietnam()).format("%d/%m %H:%M");
        let _ = write!(
            out,
            r##"<rect class="run {class}" x="{}" y="46" width="{}" height="12" rx="2" fill="{colour}"><title>{at} {}: {} new, {} merged</title></rect>"##,
            4 + i * RUN,
            RUN - 3,
            escape_markup(&run.outcome),
            run.new,
            run.merged
        );
    }
    out.push_str("</svg>");
    out
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
                merged: 0,
            });
        }
        let days = per_day(&state, at("2026-11-27T12:00:00+07:00"));
        assert_eq!(days.len(), DAYS);
        assert!(state.days.len() <= crate::store::DAYS_KEPT);
        assert_eq!(days[DAYS - 1], 1, "today");
        assert_eq!(days[DAYS - 2], 5, "yesterday: both runs of 26/11");
        assert_eq!(days.iter().sum::<usize>(), 6);
    }

    #[test]
    fn a_busy_source_keeps_its_days_past_its_kept_runs() {
        // Every 10 minutes for 30 days: 4,320 runs, of which 200 are kept.
        let mut state = SourceState::default();
        let start = at("2026-10-29T00:05:00+07:00");
        for i in 0..(30 * 144) {
            state.record_run(RunRecord {
                at: start + Duration::minutes(10 * i64::from(i)),
                outcome: "ok".into(),
                new: usize::from(i % 144 == 0),
                merged: usize::from(i % 288 == 0),
            });
        }
        assert_eq!(state.runs.len(), crate::store::RUN_HISTORY);
        let days = per_day(&state, at("2026-11-27T23:59:00+07:00"));
        // One new story a day, and a copy of a stored one every other day.
        let expected: Vec<usize> = (0..DAYS).map(|k| 1 + usize::from(k % 2 == 0)).collect();
        assert_eq!(days, expected);
        let today = state
            .days
            .last()
            .map(|d| (d.day.to_string(), d.new, d.merged));
        assert_eq!(today, Some(("2026-11-27".into(), 1, 0)));
        assert_eq!(state.days.iter().map(|d| d.merged).sum::<usize>(), 15);
    }

    #[test]
    fn the_plot_draws_a_bar_a_day_and_a_square_a_run() {
        let runs: Vec<RunRecord> = ["ok", "not modified", "failed", "broken", "ok<script>"]
            .iter()
            .map(|outcome| RunRecord {
                at: at("2026-11-27T08:00:00+07:00"),
                outcome: (*outcome).into(),
                new: 1,
                merged: 0,
            })
            .collect();
        let mut days = vec![0; DAYS];
        days[DAYS - 1] = 4;
        days[DAYS - 2] = 1;
        let svg = plot_svg(&days, &runs, at("2026-11-27T12:00:00+07:00"));
        assert_eq!(svg.matches(r#"class="day""#).count(), DAYS);
        assert!(
            svg.contains(r##"height="34" fill="#0b5cad"><title>27/11: 4 articles"##),
            "{svg}"
        );
        assert!(
            svg.contains(r##"height="8" fill="#0b5cad"><title>26/11: 1 article<"##),
            "{svg}"
        );
        assert!(
            svg.contains(r##"height="0" fill="#0b5cad"><title>29/10: 0 articles"##),
            "{svg}"
        );
        for class in ["run ok", "run not-modified", "run failed", "run broken"] {
            assert!(
                svg.contains(&format!(r#"class="{class}""#)),
                "{class}: {svg}"
            );
        }
        assert!(!svg.contains("<script>"), "outcomes are escaped");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
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
                merged: 0,
            });
        }
        assert_eq!(state.runs.len(), crate::store::RUN_HISTORY);
        assert_eq!(state.runs.first().map(|r| r.new), Some(5));
    }
}
