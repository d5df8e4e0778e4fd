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
    let text = crate::text::nfc(text);
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    parse_machine(text)
        .filter(|t| YEARS.contains(&t.year()))
        .or_else(|| parse_iso_like(text))
        .or_else(|| parse_numeric(text))
        .or_else(|| parse_month_words(text))
        .or_else(|| parse_month_names(text))
        .or_else(|| parse_timestamp(text))
        .filter(|t| YEARS.contains(&t.year()))
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
        // A bare date-time followed by "GMT+7": its wall time in that zone.
        let sign = if &c[1] == "-" { -1 } else { 1 };
        let offset = FixedOffset::east_opt(sign * (hours as i32 * 3600 + minutes as i32 * 60))?;
        return parse_iso_like(head)
            .or_else(|| parse_numeric(head))
            .and_then(|t| at(t.date_naive(), t.time(), offset));
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
            (?P<y>\d{4})[-/](?P<m>0?\d{1,2})[-/](?P<d>\d{1,2})
            (?:
              (?:T|\s+at\s+|\s+|(?P<badzone>[+-]\d{2}|ICT|GMT|UTC))
              (?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?
              \s*(?P<zone>Z|[+-]\d{2}:?\d{2})?
            )?
            (?P<end>$|[^\d])",
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
        Some(z) => written_offset(Some(z))?,
        None => match c.name("badzone").map(|m| m.as_str()) {
            Some(z) if z.starts_with(['+', '-']) => parse_offset(&format!("{z}00"))?,
            Some("UTC") | Some("GMT") => FixedOffset::east_opt(0)?,
            Some(_) => vietnam(),
            // "2023-10-26 14:37:52 UTC": a zone word after the time counts; one we cannot
            // read makes the instant unknown.
            None if c.name("H").is_some() => {
                let rest = text.get(c.name("end")?.start()..).unwrap_or_default();
                match zone_after(rest) {
                    Some(Zone::Offset(offset)) => offset,
                    Some(Zone::Region(tz)) => return in_region(date, time, tz),
                    Some(Zone::Unknown) => return None,
                    None => vietnam(),
                }
            }
            None => vietnam(),
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
        let twelve_hour = time.is_some_and(|t| t.meridiem.is_some());
        let month_first = b > 12 || (twelve_hour && a <= 12);
        let (day, month) = if month_first { (b, a) } else { (a, b) };
        let Some(date) = ymd(year, month, day) else {
            continue;
        };
        return with_clock(date, time, Zones::Lenient);
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
    with_clock(
        date,
        time_around(text, c.get(1)?.start(), c.get(3)?.end()),
        Zones::Lenient,
    )
}

/// Month names in English and the languages of other feeds' RSS dates (French, Spanish,
/// Italian, German, Portuguese, Dutch, Greek, Hungarian): `26 Oct 2023`, `October 26, 2023`, `Friday, December
/// 22, 2017 - 3:09pm`, `mer, 16 nov 2022 00:38:15 +0100`, `Sun Jul 15 01:16:00 +0000 2012`.
fn parse_month_names(text: &str) -> Option<DateTime<FixedOffset>> {
    static DAY_MONTH: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)(?:^|[^\p{L}\d])(?P<d>\d{1,2})(?:st|nd|rd|th)?\.?\s+(?P<mon>\p{L}{3,10})\.?,?\s+(?P<y>\d{4}|\d{2})(?:$|[^\d])")
            .expect("static regex")
    });
    static MONTH_DAY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)(?:^|[^\p{L}\d])(?P<mon>\p{L}{3,10})\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})(?:$|[^\d:])")
            .expect("static regex")
    });
    static ASCTIME: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)(?:^|[^\p{L}])(?P<mon>\p{L}{3})\s+(?P<d>\d{1,2})\s+(?P<H>\d{1,2}):(?P<M>\d{2}):(?P<S>\d{2})\s+(?:(?P<zone>[+-]\d{4}|UTC|GMT)\s+)?(?P<y>\d{4})(?:$|[^\d])")
            .expect("static regex")
    });
    // "2004-július-13T9:15-05:00": an ISO date with the month written out.
    static ISO_NAMED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?:^|[^\d])(?P<y>\d{4})-(?P<mon>\p{L}{3,12})-(?P<d>\d{1,2})(?:T|\s+)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?P<zone>Z|[+-]\d{2}:?\d{2})?")
            .expect("static regex")
    });
    for pattern in [&*ISO_NAMED, &*ASCTIME] {
        let Some(c) = pattern.captures(text) else {
            continue;
        };
        if let Some(month) = month_number(&c["mon"]) {
            let date = ymd(num(&c, "y")?, month, num(&c, "d")?)?;
            let time = hms(num(&c, "H")?, num(&c, "M")?, opt_num(&c, "S")?)?;
            return at(
                date,
                time,
                written_offset(c.name("zone").map(|z| z.as_str()))?,
            );
        }
    }
    for pattern in [&*DAY_MONTH, &*MONTH_DAY] {
        for c in pattern.captures_iter(text) {
            let Some(month) = month_number(&c["mon"]) else {
                continue;
            };
            let year_text = c.name("y")?.as_str();
            let rest = text.get(c.name("y")?.end()..).unwrap_or_default();
            // RFC 822's two-digit year ("01 Jan 04 19:48:21 GMT"), only with its time after it.
            let year: i32 = match year_text.len() {
                2 if time_after(rest).is_some() => {
                    let yy: i32 = year_text.parse().ok()?;
                    if yy < 50 {
                        2000 + yy
                    } else {
                        1900 + yy
                    }
                }
                2 => continue,
                _ => year_text.parse().ok()?,
            };
            let Some(date) = ymd(year, month, num(&c, "d")?) else {
                continue;
            };
            let clock = time_after(rest).or_else(|| {
                // "26 Sep 2022 GMT": midnight in the zone that follows the date (a word that
                // is no zone we know is just a word here: there is no time to misplace).
                zone_after(rest)
                    .filter(|z| *z != Zone::Unknown)
                    .map(|zone| Clock {
                        time: NaiveTime::MIN,
                        meridiem: None,
                        zone: Some(zone),
                    })
            });
            return with_clock(date, clock, Zones::Strict);
        }
    }
    None
}

/// The month a name (or its abbreviation) stands for, in the languages feeds are written in.
fn month_number(name: &str) -> Option<u32> {
    const FULL: &[(&str, u32)] = &[
        ("juin", 6),
        ("juil", 7),
        ("juillet", 7),
        ("june", 6),
        ("july", 7),
        ("junio", 6),
        ("julio", 7),
        ("juni", 6),
        ("juli", 7),
        ("junho", 6),
        ("julho", 7),
        ("mai", 5),
        ("mei", 5),
        ("mrt", 3),
        ("ιούν", 6),
        ("ιουν", 6),
        ("ιούλ", 7),
        ("ιουλ", 7),
    ];
    const PREFIXES: &[(&str, u32)] = &[
        ("jan", 1),
        ("gen", 1),
        ("ene", 1),
        ("feb", 2),
        ("fév", 2),
        ("fev", 2),
        ("mar", 3),
        ("mär", 3),
        ("apr", 4),
        ("avr", 4),
        ("abr", 4),
        ("may", 5),
        ("mag", 5),
        ("jun", 6),
        ("giu", 6),
        ("jul", 7),
        ("lug", 7),
        ("aug", 8),
        ("ago", 8),
        ("aoû", 8),
        ("sep", 9),
        ("set", 9),
        ("oct", 10),
        ("okt", 10),
        ("ott", 10),
        ("out", 10),
        ("nov", 11),
        ("dec", 12),
        ("déc", 12),
        ("dic", 12),
        ("dez", 12),
        // Hungarian
        ("már", 3),
        ("ápr", 4),
        ("máj", 5),
        ("jún", 6),
        ("júl", 7),
        ("sze", 9),
        // Greek
        ("ιαν", 1),
        ("φεβ", 2),
        ("μάρ", 3),
        ("μαρ", 3),
        ("απρ", 4),
        ("μάι", 5),
        ("μαι", 5),
        ("μαΐ", 5),
        ("αύγ", 8),
        ("αυγ", 8),
        ("σεπ", 9),
        ("οκτ", 10),
        ("νοέ", 11),
        ("νοε", 11),
        ("δεκ", 12),
    ];
    let lower = name.to_lowercase();
    if let Some(&(_, m)) = FULL.iter().find(|(n, _)| *n == lower) {
        return Some(m);
    }
    let prefix: String = lower.chars().take(3).collect();
    // "juin"/"juillet" share "jui": only the full words above decide.
    PREFIXES
        .iter()
        .find(|(p, _)| *p == prefix)
        .map(|&(_, m)| m)
        .filter(|_| lower.chars().count() <= 10)
}

/// A Unix timestamp alone: 9–10 digits of seconds, or 12–13 of milliseconds.
fn parse_timestamp(text: &str) -> Option<DateTime<FixedOffset>> {
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: i64 = text.parse().ok()?;
    let seconds = match text.len() {
        9 | 10 => value,
        12 | 13 => value / 1000,
        _ => return None,
    };
    Some(DateTime::from_timestamp(seconds, 0)?.fixed_offset())
}

/// The date at the clock time found next to it, in the zone written after that time (Vietnam
/// time without one), or at midnight +07:00 without a time. A zone word we cannot read is
/// ignored in `Lenient` texts (Vietnamese pages print "14:30 UBND tỉnh…") and makes the date
/// unknown in `Strict` ones (English-style dates, where it is a zone).
fn with_clock(date: NaiveDate, time: Option<Clock>, zones: Zones) -> Option<DateTime<FixedOffset>> {
    let Some(clock) = time else {
        return at(date, NaiveTime::MIN, vietnam());
    };
    let time = apply_meridiem(clock.time, clock.meridiem)?;
    let offset = match clock.zone {
        Some(Zone::Offset(offset)) => offset,
        Some(Zone::Region(tz)) => return in_region(date, time, tz),
        Some(Zone::Unknown) if zones == Zones::Strict => return None,
        _ => vietnam(),
    };
    at(date, time, offset)
}

/// The wall time `date` `time` in an IANA region, when it names one instant.
fn in_region(date: NaiveDate, time: NaiveTime, tz: chrono_tz::Tz) -> Option<DateTime<FixedOffset>> {
    tz.from_local_datetime(&NaiveDateTime::new(date, time))
        .single()
        .map(|t| t.fixed_offset())
}

/// How a zone word after a time that is no zone we know is taken (see [`with_clock`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Zones {
    Lenient,
    Strict,
}

/// A clock time found next to a date, with its AM/PM and the zone written after it.
#[derive(Debug, Clone, Copy)]
struct Clock {
    time: NaiveTime,
    meridiem: Meridiem,
    zone: Option<Zone>,
}

/// A zone written after a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Zone {
    Offset(FixedOffset),
    /// An IANA name (`America/Los_Angeles`): the offset depends on the date.
    Region(chrono_tz::Tz),
    /// Zone-like (capital letters, or a region name the database lacks) but none we know: the
    /// instant is not known.
    Unknown,
}

/// Zone names feeds print, with their offsets in minutes. Ambiguous names (IST, BST) are left
/// out: they are [`Zone::Unknown`].
const ZONE_NAMES: &[(&str, i32)] = &[
    ("Z", 0),
    ("UT", 0),
    ("UTC", 0),
    ("GMT", 0),
    ("EST", -300),
    ("EDT", -240),
    ("CST", -360),
    ("CDT", -300),
    ("MST", -420),
    ("MDT", -360),
    ("PST", -480),
    ("PDT", -420),
    ("AKST", -540),
    ("AKDT", -480),
    ("HST", -600),
    ("ICT", 420),
    ("WIB", 420),
    ("CET", 60),
    ("CEST", 120),
    ("MET", 60),
    ("MEST", 120),
    // North American zone letters without S/D, as RSS writers use them (standard time).
    ("AT", -240),
    ("ET", -300),
    ("CT", -360),
    ("MT", -420),
    ("PT", -480),
    ("EET", 120),
    ("EEST", 180),
    ("WET", 0),
    ("WEST", 60),
    ("MSK", 180),
    ("HKT", 480),
    ("SGT", 480),
    ("JST", 540),
    ("KST", 540),
    ("AEST", 600),
    ("AEDT", 660),
];

/// The zone at the start of `rest` (after a time): `Z`, `+0700`, `-05:00`, `GMT+7`, `(UTC)`,
/// a zone name; `None` when nothing zone-like follows.
fn zone_after(rest: &str) -> Option<Zone> {
    static ZONE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^\s*\(?\s*(?:(?P<region>[A-Z][A-Za-z]+(?:/[A-Za-z_\-]+)+)|(?P<name>[A-Z]{1,5})(?:\s*(?P<sign>[+-])\s*(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?)?|(?P<offset>[+-]\d{2}:?\d{2})\b|(?P<broken>[+-][0-9A-Za-z:]+))",
        )
        .expect("static regex")
    });
    let c = ZONE.captures(rest)?;
    if c.name("broken").is_some() {
        // "+zz:00": an offset was meant, and cannot be read.
        return Some(Zone::Unknown);
    }
    if let Some(region) = c.name("region") {
        return Some(
            region
                .as_str()
                .parse::<chrono_tz::Tz>()
                .map_or(Zone::Unknown, Zone::Region),
        );
    }
    if let Some(offset) = c.name("offset") {
        return Some(parse_offset(offset.as_str()).map_or(Zone::Unknown, Zone::Offset));
    }
    let name = c.name("name")?.as_str();
    let Some(&(_, minutes)) = ZONE_NAMES.iter().find(|(n, _)| *n == name) else {
        return Some(Zone::Unknown);
    };
    let shift = match (c.name("sign"), c.name("h")) {
        (Some(sign), Some(h)) if matches!(name, "GMT" | "UTC" | "UT") => {
            let hours: i32 = h.as_str().parse().ok()?;
            let mins: i32 = c.name("m").map_or(Some(0), |m| m.as_str().parse().ok())?;
            let total = hours * 60 + mins;
            if sign.as_str() == "-" {
                -total
            } else {
                total
            }
        }
        _ => 0,
    };
    Some(
        FixedOffset::east_opt((minutes + shift) * 60)
            .filter(|_| shift.abs() <= 14 * 60)
            .map_or(Zone::Unknown, Zone::Offset),
    )
}

/// The clock time printed right after the date (`start..end` in `text`), else right before it.
fn time_around(text: &str, start: usize, end: usize) -> Option<Clock> {
    time_after(text.get(end..).unwrap_or_default())
        .or_else(|| time_before(text.get(..start).unwrap_or_default()))
}

/// Whether a clock time carried AM (`Some(false)`) or PM (`Some(true)`).
type Meridiem = Option<bool>;

/// A clock time right after a date, and the zone after it: `| 14:30`, `, 14:49`,
/// ` 4:04:00 PM`, ` lúc 14h30`, ` at 3:09pm`, ` 14:37:52 EDT`.
fn time_after(rest: &str) -> Option<Clock> {
    static AFTER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)^[\s,|\-–—()\[\]]*(?:lúc\s*|vào\s*lúc\s*|at\s+|@\s*)?(\d{1,2})\s*[:hg]\s*(\d{2})(?::(\d{2}))?(?:\.\d+)?(?:\s*(a\.m\.|p\.m\.|am\b|pm\b|sa\b|ch\b))?",
        )
        .expect("static regex")
    });
    let c = AFTER.captures(rest)?;
    let mut found = clock(&c)?;
    found.zone = zone_after(rest.get(c.get(0)?.end()..).unwrap_or_default());
    Some(found)
}

/// A clock time right before a date: `14:30 20/11/2026`, `Cập nhật lúc 14:30 ngày 20/11/2026`.
fn time_before(head: &str) -> Option<Clock> {
    static BEFORE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)(\d{1,2})\s*[:hg]\s*(\d{2})(?::(\d{2}))?(?:\s*(a\.m\.|p\.m\.|am\b|pm\b|sa\b|ch\b))?[\s,|\-–—()\[\]]*(?:ngày\s*)?$",
        )
        .expect("static regex")
    });
    BEFORE.captures(head).and_then(|c| clock(&c))
}

fn clock(c: &Captures<'_>) -> Option<Clock> {
    let hour: u32 = c.get(1)?.as_str().parse().ok()?;
    let minute: u32 = c.get(2)?.as_str().parse().ok()?;
    let second: u32 = match c.get(3) {
        Some(s) => s.as_str().parse().ok()?,
        None => 0,
    };
    let meridiem = c
        .get(4)
        .map(|m| matches!(m.as_str().to_lowercase().as_str(), "pm" | "p.m." | "ch"));
    Some(Clock {
        time: hms(hour, minute, second)?,
        meridiem,
        zone: None,
    })
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

/// The offset of a zone written inside a date pattern: `Z`, `UTC`, `GMT`, `+0700`, `-05:00`;
/// +07:00 when none is written.
fn written_offset(zone: Option<&str>) -> Option<FixedOffset> {
    match zone {
        None => Some(vietnam()),
        Some("Z" | "UT" | "UTC" | "GMT") => FixedOffset::east_opt(0),
        Some(z) => parse_offset(z),
    }
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
        // Feeds of every vintage (issue 10): an explicit zone is honoured, never read as +07:00.
        (
            "Thu, 26 Oct 2023 14:37:52 -05:00",
            Some("2023-10-26T14:37:52-05:00"),
            "RFC 822 with a colon in the offset",
        ),
        (
            "Sun, 17 Dec 2017 1:55 PM EST",
            Some("2017-12-17T13:55:00-05:00"),
            "12-hour clock, zone name",
        ),
        (
            "Sun Jul 15 01:16:00 +0000 2012",
            Some("2012-07-15T01:16:00+00:00"),
            "Twitter-style",
        ),
        (
            "October 26, 2023",
            Some("2023-10-26T00:00:00+07:00"),
            "month day, year",
        ),
        (
            "26 Oct 2023",
            Some("2023-10-26T00:00:00+07:00"),
            "day month year",
        ),
        (
            "Friday, December 22, 2017 - 3:09pm",
            Some("2017-12-22T15:09:00+07:00"),
            "Drupal",
        ),
        (
            "1698331072",
            Some("2023-10-26T14:37:52+00:00"),
            "Unix timestamp",
        ),
        (
            "mer, 16 nov 2022 00:38:15 +0100",
            Some("2022-11-16T00:38:15+01:00"),
            "Italian day and month names",
        ),
        (
            "sáb, 03 dic 2022 10:00:00 +0100",
            Some("2022-12-03T10:00:00+01:00"),
            "Spanish",
        ),
        (
            "Di, 14 Mär 2023 08:00:00 +0100",
            Some("2023-03-14T08:00:00+01:00"),
            "German",
        ),
        (
            "2023-10-26 14:37:52 UTC",
            Some("2023-10-26T14:37:52+00:00"),
            "ISO with a zone word",
        ),
        (
            "10/26/2023 14:37:52 EDT",
            Some("2023-10-26T14:37:52-04:00"),
            "US numeric with a zone name",
        ),
        (
            "09/15/2014 4:20 pm PST",
            Some("2014-09-15T16:20:00-08:00"),
            "US numeric, 12-hour, zone name",
        ),
        (
            "2023-10-26 at 14:37:52",
            Some("2023-10-26T14:37:52+07:00"),
            "ISO date at a time",
        ),
        (
            "Fri, 31 Mar 2023 20:19:00 America/Los_Angeles",
            Some("2023-03-31T20:19:00-07:00"),
            "IANA zone (summer time)",
        ),
        (
            "Thu, 25 Feb 2016 00:00:00 Europe/Brussels",
            Some("2016-02-25T00:00:00+01:00"),
            "IANA zone",
        ),
        (
            "Thu, 25 Feb 2016 00:00:00 Mars/Olympus",
            None,
            "a region the database lacks",
        ),
        (
            "26 Sep 2022 GMT",
            Some("2022-09-26T00:00:00+00:00"),
            "date, then zone",
        ),
        (
            "Thu, 26 Oct 2023 14:37:52 ICT",
            Some("2023-10-26T14:37:52+07:00"),
            "Indochina Time",
        ),
        (
            "Sun, 17 Dec 2017 1:55 PM XYZ",
            None,
            "a zone we cannot read: not guessed",
        ),
        // The printed forms of the platforms auto mode meets (issue 13).
        (
            "Thứ hai - 25/03/2024 10:30",
            Some("2024-03-25T10:30:00+07:00"),
            "NukeViet news module",
        ),
        (
            "Cập nhật vào ngày (20/03/2021)",
            Some("2021-03-20T00:00:00+07:00"),
            "date in parentheses",
        ),
        (
            "03/04/2020 | 10:36 PM",
            Some("2020-03-04T22:36:00+07:00"),
            "Liferay asset publisher: month first with AM/PM",
        ),
        (
            "Thứ Hai, 25/03/2024, 10:30 (GMT+7)",
            Some("2024-03-25T10:30:00+07:00"),
            "weekday, comma before time, GMT+7",
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
