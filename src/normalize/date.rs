//! Vietnamese date parsing: the one place that turns what portals print into a timestamp.
//!
//! Takes any text that may hold a date (a meta attribute, a "Cập nhật lúc …" line, a whole page)
//! and gives the first date in it as a `DateTime<FixedOffset>`. A time without a zone is Vietnam
//! time (+07:00); a date without a time is 00:00 +07:00. Day-first, unless the text proves
//! month-first (a second field over 12, or AM/PM). Impossible dates are rejected, never guessed.
//!
//! It must not do I/O and must not consult the clock: the same text always gives the same answer.

use std::sync::LazyLock;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use regex::{Captures, Regex};

/// Vietnam's offset from UTC: every portal time without a zone is in it.
pub fn vietnam() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("+07:00 is a valid offset")
}

/// Years a news article can plausibly carry; anything else is a misread number.
const YEARS: std::ops::RangeInclusive<i32> = 1990..=2100;

/// How far ahead of our clock a portal's date may be (its clock, or its zone, may be off).
const AHEAD: chrono::Duration = chrono::Duration::days(1);

/// Whether an article can carry this date when read at `now`: from 1990 to a day after `now`.
/// One rule for every source of dates (page text, meta tags, feed timestamps): a date outside
/// it is treated as not found, never published (year 0 broke RSS, 9999 pinned an entry on top).
pub fn plausible(t: DateTime<FixedOffset>, now: DateTime<FixedOffset>) -> bool {
    t.year() >= *YEARS.start() && now.checked_add_signed(AHEAD).is_none_or(|limit| t <= limit)
}

/// Parses the first date found in `text`, or `None` when it holds none that makes sense.
pub fn parse_date(text: &str) -> Option<DateTime<FixedOffset>> {
    let text = crate::normalize::text::nfc(text);
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    parse_machine(text)
        .filter(|t| YEARS.contains(&t.year()))
        .or_else(|| parse_iso_like(text))
        .or_else(|| parse_numeric(text))
        .or_else(|| parse_month_words(text))
}

/// RFC 3339 and RFC 822/2822, also with the `GMT+7` / `(GMT+7)` suffixes portals append.
fn parse_machine(text: &str) -> Option<DateTime<FixedOffset>> {
    static GMT_SUFFIX: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\s*\(?\s*(?:GMT|UTC)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?\s*\)?\s*$")
            .expect("static regex")
    });
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t);
    }
    if let Ok(t) = DateTime::parse_from_rfc2822(text) {
        return Some(t);
    }
    // "Fri, 20 Nov 2026 14:30:00 GMT+7" → "… +0700"
    if let Some(c) = GMT_SUFFIX.captures(text) {
        let hours: u32 = c[2].parse().ok()?;
        let minutes: u32 = c.get(3).map_or(Some(0), |m| m.as_str().parse().ok())?;
        let head = &text[..c.get(0)?.start()];
        let fixed = format!("{head} {}{hours:02}{minutes:02}", &c[1]);
        if let Ok(t) = DateTime::parse_from_rfc2822(&fixed) {
            return Some(t);
        }
        // A bare date-time followed by "GMT+7": the zone is what we assume anyway.
        return parse_iso_like(head).or_else(|| parse_numeric(head));
    }
    None
}

/// `2026-11-20T14:30:00+07:00`, `2026-11-20 14:30`, `2026/11/20`, and NukeViet's malformed meta
/// `2021-03-19+0714:30:00` / `2021-03-19ICT14:30:00` (a zone where the `T` should be).
fn parse_iso_like(text: &str) -> Option<DateTime<FixedOffset>> {
    static ISO: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?x)
            (?:^|[^\d])
            (?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})
            (?:
              (?:T|\s+|(?P<badzone>[+-]\d{2}|ICT|GMT|UTC))
              (?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?
              \s*(?P<zone>Z|[+-]\d{2}:?\d{2})?
            )?
            (?:$|[^\d])",
        )
        .expect("static regex")
    });
    let c = ISO.captures(text)?;
    let date = ymd(num(&c, "y")?, num(&c, "m")?, num(&c, "d")?)?;
    let time = match c.name("H") {
        Some(_) => hms(num(&c, "H")?, num(&c, "M")?, opt_num(&c, "S")?)?,
        None => NaiveTime::MIN,
    };
    let offset = match c.name("zone").map(|m| m.as_str()) {
        Some("Z") => FixedOffset::east_opt(0)?,
        Some(z) => parse_offset(z)?,
        None => match c.name("badzone").map(|m| m.as_str()) {
            Some(z) if z.starts_with(['+', '-']) => parse_offset(&format!("{z}00"))?,
            Some("UTC") | Some("GMT") => FixedOffset::east_opt(0)?,
            _ => vietnam(),
        },
    };
    at(date, time, offset)
}

/// Day-first numeric dates with an optional time before or after:
/// `Thứ Sáu, 20/11/2026 | 14:30`, `14:30 20/11/2026`, `(29/06/2026, 14:49)`, `20-03-2021`,
/// and the month-first `8/15/2026 4:04:00 PM`.
fn parse_numeric(text: &str) -> Option<DateTime<FixedOffset>> {
    static DMY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?:^|[^\d/.-])(\d{1,2})\s*([/.-])\s*(\d{1,2})\s*([/.-])\s*(\d{4})(?:$|[^\d])")
            .expect("static regex")
    });
    for c in DMY.captures_iter(text) {
        if c[2] != c[4] {
            continue; // "20/03-2021" is two numbers, not a date
        }
        let (a, b, year): (u32, u32, i32) =
            (c[1].parse().ok()?, c[3].parse().ok()?, c[5].parse().ok()?);
        let time = time_around(text, c.get(1)?.start(), c.get(5)?.end());
        let pm = time.map(|t| t.1);
        let month_first = b > 12 || (pm.is_some_and(|p| p.is_some()) && a <= 12);
        let (day, month) = if month_first { (b, a) } else { (a, b) };
        let Some(date) = ymd(year, month, day) else {
            continue;
        };
        return with_clock(date, time);
    }
    None
}

/// `Thứ năm, 19 Tháng 11 2026 08:15`, `ngày 19 tháng 11 năm 2026`, `19 tháng 11, 2026`.
fn parse_month_words(text: &str) -> Option<DateTime<FixedOffset>> {
    static WORDS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)(?:^|[^\d])(\d{1,2})\s+tháng\s+(\d{1,2})(?:\s*,)?\s*(?:năm\s+)?(\d{4})(?:$|[^\d])")
            .expect("static regex")
    });
    let c = WORDS.captures(text)?;
    let date = ymd(c[3].parse().ok()?, c[2].parse().ok()?, c[1].parse().ok()?)?;
    with_clock(date, time_around(text, c.get(1)?.start(), c.get(3)?.end()))
}

/// The date at the clock time found next to it (Vietnam time), or at midnight without one.
fn with_clock(
    date: NaiveDate,
    time: Option<(NaiveTime, Meridiem)>,
) -> Option<DateTime<FixedOffset>> {
    let time = match time {
        Some((t, meridiem)) => apply_meridiem(t, meridiem)?,
        None => NaiveTime::MIN,
    };
    at(date, time, vietnam())
}

/// The clock time printed right after the date (`start..end` in `text`), else right before it.
fn time_around(text: &str, start: usize, end: usize) -> Option<(NaiveTime, Meridiem)> {
    time_after(&text[end..]).or_else(|| time_before(&text[..start]))
}

/// Whether a clock time carried AM (`Some(false)`) or PM (`Some(true)`).
type Meridiem = Option<bool>;

/// A clock time right after a date: `| 14:30`, `, 14:49`, ` 4:04:00 PM`, ` lúc 14h30`.
fn time_after(rest: &str) -> Option<(NaiveTime, Meridiem)> {
    static AFTER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)^[\s,|\-–—()\[\]]*(?:lúc\s*|vào\s*lúc\s*)?(\d{1,2})\s*[:hg]\s*(\d{2})(?::(\d{2}))?(?:\s*(am|pm|sa|ch)\b)?",
        )
        .expect("static regex")
    });
    AFTER.captures(rest).and_then(|c| clock(&c))
}

/// A clock time right before a date: `14:30 20/11/2026`, `Cập nhật lúc 14:30 ngày 20/11/2026`.
fn time_before(head: &str) -> Option<(NaiveTime, Meridiem)> {
    static BEFORE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)(\d{1,2})\s*[:hg]\s*(\d{2})(?::(\d{2}))?(?:\s*(am|pm|sa|ch)\b)?[\s,|\-–—()\[\]]*(?:ngày\s*)?$",
        )
        .expect("static regex")
    });
    BEFORE.captures(head).and_then(|c| clock(&c))
}

fn clock(c: &Captures<'_>) -> Option<(NaiveTime, Meridiem)> {
    let hour: u32 = c.get(1)?.as_str().parse().ok()?;
    let minute: u32 = c.get(2)?.as_str().parse().ok()?;
    let second: u32 = match c.get(3) {
        Some(s) => s.as_str().parse().ok()?,
        None => 0,
    };
    let meridiem = c
        .get(4)
        .map(|m| matches!(m.as_str().to_lowercase().as_str(), "pm" | "ch"));
    Some((hms(hour, minute, second)?, meridiem))
}

fn apply_meridiem(time: NaiveTime, meridiem: Meridiem) -> Option<NaiveTime> {
    use chrono::Timelike;
    let hour = time.hour();
    let hour = match meridiem {
        None => hour,
        Some(_) if hour == 0 || hour > 12 => return None,
        Some(false) => hour % 12,
        Some(true) => hour % 12 + 12,
    };
    hms(hour, time.minute(), time.second())
}

fn parse_offset(zone: &str) -> Option<FixedOffset> {
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let digits: String = zone.chars().filter(char::is_ascii_digit).collect();
    if digits.len() != 4 {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits[2..].parse().ok()?;
    if hours > 14 || minutes > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

fn ymd(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    if !YEARS.contains(&year) {
        return None;
    }
    NaiveDate::from_ymd_opt(year, month, day)
}

fn hms(hour: u32, minute: u32, second: u32) -> Option<NaiveTime> {
    NaiveTime::from_hms_opt(hour, minute, second)
}

fn at(date: NaiveDate, time: NaiveTime, offset: FixedOffset) -> Option<DateTime<FixedOffset>> {
    offset
        .from_local_datetime(&NaiveDateTime::new(date, time))
        .single()
}

fn num<T: std::str::FromStr>(c: &Captures<'_>, name: &str) -> Option<T> {
    c.name(name)?.as_str().parse().ok()
}

fn opt_num(c: &Captures<'_>, name: &str) -> Option<u32> {
    match c.name(name) {
        Some(m) => m.as_str().parse().ok(),
        None => Some(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_normalization::UnicodeNormalization;

    /// One row per real-world string: (text, expected RFC 3339 or None, where it was seen).
    const CASES: &[(&str, Option<&str>, &str)] = &[
        (
            "20/03/2021",
            Some("2021-03-20T00:00:00+07:00"),
            "list pages, Tân Dân span.ngay",
        ),
        (
            "(20/03/2021)",
            Some("2021-03-20T00:00:00+07:00"),
            "Tân Dân list span.ngay",
        ),
        (
            "[ Cập nhật vào ngày (20/03/2021) ] - [ Số lần xem: 542 ]",
            Some("2021-03-20T00:00:00+07:00"),
            "seed article (Hậu Giang Ban Tuyên giáo)",
        ),
        (
            "20/3/2021",
            Some("2021-03-20T00:00:00+07:00"),
            "single-digit month",
        ),
        (
            "19/3/2021",
            Some("2021-03-19T00:00:00+07:00"),
            "FAMILIES.md",
        ),
        (
            "20-03-2021",
            Some("2021-03-20T00:00:00+07:00"),
            "dash separated",
        ),
        (
            "20.03.2021",
            Some("2021-03-20T00:00:00+07:00"),
            "dot separated",
        ),
        (
            "Thứ Sáu, 20/11/2026 | 14:30",
            Some("2026-11-20T14:30:00+07:00"),
            "weekday + bar",
        ),
        (
            "20/11/2026 14:30",
            Some("2026-11-20T14:30:00+07:00"),
            "date then time",
        ),
        (
            "19/03/2021 14:30:00",
            Some("2021-03-19T14:30:00+07:00"),
            "with seconds",
        ),
        (
            "14:30 20/11/2026",
            Some("2026-11-20T14:30:00+07:00"),
            "time then date",
        ),
        (
            "14:30 19/03/2021",
            Some("2021-03-19T14:30:00+07:00"),
            "FAMILIES.md",
        ),
        (
            "Cập nhật lúc 14:30 ngày 20/11/2026",
            Some("2026-11-20T14:30:00+07:00"),
            "updated-at line",
        ),
        (
            "Thứ năm, 19 Tháng 11 2026 08:15",
            Some("2026-11-19T08:15:00+07:00"),
            "month in words",
        ),
        (
            "ngày 19 tháng 11 năm 2026",
            Some("2026-11-19T00:00:00+07:00"),
            "formal date",
        ),
        (
            "Thứ sáu - 19/03/2021 14:30",
            Some("2021-03-19T14:30:00+07:00"),
            "NukeViet span.h5",
        ),
        (
            "(29/06/2026, 14:49)",
            Some("2026-06-29T14:49:00+07:00"),
            "list pages",
        ),
        (
            "19/03/2021 | Lượt xem: 120",
            Some("2021-03-19T00:00:00+07:00"),
            "Liferay",
        ),
        (
            "Đăng ngày 19/03/2021",
            Some("2021-03-19T00:00:00+07:00"),
            "Tân Dân",
        ),
        (
            "Đăng ngày 19/03/2021 08h15",
            Some("2021-03-19T08:15:00+07:00"),
            "h as separator",
        ),
        (
            "2026-11-20T14:30:00+07:00",
            Some("2026-11-20T14:30:00+07:00"),
            "article:published_time",
        ),
        (
            "2026-11-20T07:30:00Z",
            Some("2026-11-20T07:30:00+00:00"),
            "RFC 3339 UTC",
        ),
        (
            "2026-11-20 14:30:00",
            Some("2026-11-20T14:30:00+07:00"),
            "SQL-style",
        ),
        ("2026-11-20", Some("2026-11-20T00:00:00+07:00"), "ISO date"),
        (
            "2021-03-19+0714:30:00",
            Some("2021-03-19T14:30:00+07:00"),
            "NukeViet meta bug",
        ),
        (
            "2021-03-19ICT14:30:00",
            Some("2021-03-19T14:30:00+07:00"),
            "NukeViet meta bug",
        ),
        (
            "Fri, 20 Nov 2026 14:30:00 +0700",
            Some("2026-11-20T14:30:00+07:00"),
            "RSS pubDate",
        ),
        (
            "Fri, 20 Nov 2026 07:30:00 GMT",
            Some("2026-11-20T07:30:00+00:00"),
            "RSS pubDate GMT",
        ),
        (
            "Fri, 20 Nov 2026 14:30:00 GMT+7",
            Some("2026-11-20T14:30:00+07:00"),
            "GMT+7 suffix",
        ),
        (
            "Fri, 20 Nov 2026 14:30:00 (GMT+7)",
            Some("2026-11-20T14:30:00+07:00"),
            "(GMT+7)",
        ),
        (
            "20/11/2026 14:30 (GMT+7)",
            Some("2026-11-20T14:30:00+07:00"),
            "portal header",
        ),
        (
            "20/11/2026 08:15:00",
            Some("2026-11-20T08:15:00+07:00"),
            "RSS pubDate, non-RFC",
        ),
        (
            "8/15/2026 4:04:00 PM",
            Some("2026-08-15T16:04:00+07:00"),
            "ministry RSS, US style",
        ),
        (
            "11/5/2026 9:00:00 AM",
            Some("2026-11-05T09:00:00+07:00"),
            "AM/PM means month-first",
        ),
        (
            "12/5/2026 12:10:00 AM",
            Some("2026-12-05T00:10:00+07:00"),
            "12 AM is midnight",
        ),
        (
            "8/15/2026",
            Some("2026-08-15T00:00:00+07:00"),
            "second field over 12",
        ),
        (
            "Ngày đăng: 05/01/2026 - 07:45",
            Some("2026-01-05T07:45:00+07:00"),
            "dash before time",
        ),
        (
            "  20/11/2026  ",
            Some("2026-11-20T00:00:00+07:00"),
            "padding",
        ),
        // Rejected, never guessed.
        ("", None, "empty"),
        ("Số lần xem: 542", None, "no date"),
        ("32/01/2021", None, "day 32"),
        ("31/02/2021", None, "31 February"),
        ("15/15/2021", None, "both fields over 12"),
        (
            "20/11/2026 25:61",
            Some("2026-11-20T00:00:00+07:00"),
            "impossible time is not a time",
        ),
        ("2026-13-01", None, "month 13"),
        ("20/11/1890", None, "year out of range"),
        ("Điện thoại: 0292.3.123.456", None, "phone number"),
        ("20/03-2021", None, "mixed separators"),
    ];

    #[test]
    fn table() {
        let mut failures = Vec::new();
        for (text, expected, seen) in CASES {
            let got = parse_date(text).map(|d| d.to_rfc3339());
            if got.as_deref() != *expected {
                failures.push(format!(
                    "{text:?} ({seen}): expected {expected:?}, got {got:?}"
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn decomposed_input_is_normalized_first() {
        // "tháng" with the acute accent as a combining character (NFD), as windows-1258 gives it.
        let nfd: String = "ngày 19 tháng 11 năm 2026".nfd().collect();
        assert_eq!(
            parse_date(&nfd).map(|d| d.to_rfc3339()).as_deref(),
            Some("2026-11-19T00:00:00+07:00")
        );
    }

    #[test]
    fn first_date_in_a_page_wins() {
        let page = "Trang chủ › Tin tức\nThứ sáu - 19/03/2021 14:30\nBài viết… ngày 01/01/2020";
        assert_eq!(
            parse_date(page).map(|d| d.to_rfc3339()).as_deref(),
            Some("2021-03-19T14:30:00+07:00")
        );
    }

    #[test]
    fn machine_dates_outside_the_years_are_not_found() {
        for text in [
            "0000-12-31T17:00:00Z",
            "Sat, 01 Jan 0000 00:00:00 +0000",
            "9999-12-31T23:59:59+07:00",
            "Fri, 31 Dec 9999 23:59:59 GMT",
            "Fri, 31 Dec 1989 23:59:59 GMT+7",
        ] {
            assert_eq!(parse_date(text), None, "{text}");
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn any_text_parses_without_panic_into_the_years(
                text in "\\PC{0,60}|[0-9TZ/:.,+ -]{0,32}|[0-9a-zA-Zà-ỹ ,:/()+-]{0,40}"
            ) {
                if let Some(t) = parse_date(&text) {
                    prop_assert!(YEARS.contains(&t.year()), "{text:?} → {t}");
                }
            }
        }
    }
}
