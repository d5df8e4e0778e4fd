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
/// today), then a square per run of `runs` (oldest first) coloured by its outcome. Compact, as
/// a dashboard of 1,000 sources draws 1,000 of them: one path per colour, the figures in a
/// `<title>` and in `data-days` / `data-runs` (one letter a run: `o`k, `n`ot modified,
/// `f`ailed, `b`roken). No script, no style: attributes only.
pub fn plot_svg(days: &[usize], runs: &[RunRecord]) -> String {
    const BAR: usize = 8;
    const BARS_HIGH: usize = 34;
    const RUN: usize = 12;
    let max = days.iter().copied().max().unwrap_or(0);
    let total: usize = days.iter().sum();
    let today = days.last().copied().unwrap_or(0);
    let width = (days.len().max(20) * BAR).saturating_add(8);
    let mut bars = String::new();
    for (i, &n) in days.iter().enumerate() {
        if n == 0 || max == 0 {
            continue;
        }
        let height = (n.saturating_mul(BARS_HIGH) / max).max(2);
        let _ = write!(bars, "M{} 38v-{height}h6v{height}z", 4 + i * BAR);
    }
    // Squares by outcome, and the outcomes as letters.
    let outcomes = [
        ("ok", 'o', "#2e7d32"),
        ("not modified", 'n', "#8a94a3"),
        ("failed", 'f', "#c62828"),
        ("broken", 'b', "#e0a100"),
    ];
    let letter = |outcome: &str| {
        outcomes
            .iter()
            .find(|(name, _, _)| *name == outcome)
            .map_or('f', |(_, l, _)| *l)
    };
    let letters: String = runs.iter().map(|r| letter(&r.outcome)).collect();
    let mut squares = String::new();
    for (name, l, colour) in outcomes {
        let mut d = String::new();
        for (i, _) in letters.char_indices().filter(|(_, c)| *c == l) {
            let _ = write!(d, "M{} 46h9v12h-9z", 4 + i * RUN);
        }
        if !d.is_empty() {
            let class = name.replace(' ', "-");
            let _ = write!(
                squares,
                r#"<path class="runs {class}" fill="{colour}" d="{d}"/>"#
            );
        }
    }
    let last = runs.last().map_or_else(
        || "no run yet".to_string(),
        |r| {
            format!(
                "last run {} {}",
                r.at.with_timezone(&vietnam()).format("%d/%m %H:%M"),
                escape_markup(&r.outcome)
            )
        },
    );
    let list = |values: &[usize]| {
        values
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    format!(
        r##"<svg class="history" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} 64" role="img" data-days="{}" data-runs="{letters}"><title>{today} articles today, {total} in {} days; {last}</title><path d="M4 38.5H{}" stroke="#c9ced6"/><path class="days" fill="#0b5cad" d="{bars}"/>{squares}</svg>"##,
        list(days),
        days.len(),
        width.saturating_sub(4)
    )
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
        let runs: Vec<RunRecord> = ["ok", "not modified", "failed", "broken", "ok<script>", "ok"]
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
        let svg = plot_svg(&days, &runs);
        // Two bars: today's full height, yesterday's a quarter of it.
        assert!(
            svg.contains(r##"class="days" fill="#0b5cad" d="M228 38v-8h6v8zM236 38v-34h6v34z""##),
            "{svg}"
        );
        assert!(svg.contains(
            r#"data-days="0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,4""#
        ));
        assert!(svg.contains(r#"data-runs="onfbfo""#), "{svg}");
        assert!(
            svg.contains(r##"class="runs ok" fill="#2e7d32" d="M4 46h9v12h-9zM64 46h9v12h-9z""##)
        );
        assert!(svg.contains(
            r##"class="runs failed" fill="#c62828" d="M28 46h9v12h-9zM52 46h9v12h-9z""##
        ));
        assert!(
            svg.contains("<title>4 articles today, 5 in 30 days; last run 27/11 08:00 ok</title>")
        );
        assert!(!svg.contains("<script>"), "outcomes are escaped");
        let quiet = plot_svg(&[0; DAYS], &[]);
        assert!(
            quiet.contains(r#"d="""#) && quiet.contains("no run yet"),
            "{quiet}"
        );
        assert!(plot_svg(&[], &[]).starts_with("<svg"));
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
