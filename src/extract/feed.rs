//! RSS 0.9x/1.0/2.0, Atom and JSON Feed documents → one [`RawArticle`] per entry, via feed-rs.
//!
//! The bytes are decoded by our own charset rules first (feed-rs ignores the HTTP charset), dates
//! feed-rs cannot read go through our Vietnamese date parser, links are resolved against the feed
//! URL (repairing `http:host/path`), and the parse runs under `catch_unwind`: feed-rs 3.0 panics on
//! some `<author>` texts and one bad feed must not take a run down.
//! Entry ids that feed-rs would invent (hash of link + title) are discarded: an entry without a
//! guid is keyed by its link later, so a title edit does not make a new article.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset, Utc};
use feed_rs::model::{Entry, Text};
use regex::Regex;
use url::Url;

use super::{charset, RawArticle};
use crate::dates::{parse_date, vietnam};
use crate::links::resolve_link;

/// Why a feed document yielded nothing.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("not a feed feed-rs can read: {0}")]
    Parse(String),
    #[error("the feed parser crashed on this document: {0}")]
    Panicked(String),
    #[error("the document has {0} items but none could be read as an entry")]
    NoEntries(usize),
}

/// A feed's entries, and why the items that gave none were skipped.
#[derive(Debug, Default)]
pub struct FeedEntries {
    pub entries: Vec<RawArticle>,
    /// One sentence per item skipped.
    pub skipped: Vec<String>,
    /// Date texts in the document no rule could read (their entries are dated when first seen),
    /// fit to print; at most [`MAX_UNREAD_DATES`].
    pub unread_dates: Vec<String>,
}

/// How many unreadable date texts a feed reports.
const MAX_UNREAD_DATES: usize = 10;

/// Parses a feed document fetched from `feed_url`.
pub fn parse_feed(
    bytes: &[u8],
    header_charset: Option<&str>,
    forced: Option<&'static encoding_rs::Encoding>,
    feed_url: &Url,
) -> Result<FeedEntries, FeedError> {
    let (text, _) = charset::decode(bytes, header_charset, forced);
    let utf8 = defuse_author_emails(without_xml_declaration(&text));
    let utf8 = super::repair::dcterms_dates(&utf8);
    let utf8 = super::repair::raw_markup(&utf8);
    let items = item_count(&utf8);
    // As served first; repaired (see [`super::repair`]) when feed-rs refuses it or reads no
    // entry out of a document that has items.
    let (feed, unread_dates) = match read_feed(&utf8) {
        Ok((feed, unread)) if !(feed.entries.is_empty() && items > 0) => (feed, unread),
        first => match super::repair::repair(&utf8).map(|fixed| read_feed(&fixed)) {
            Some(Ok(read)) => read,
            _ => first?,
        },
    };
    let nukeviet = feed
        .generator
        .as_ref()
        .is_some_and(|g| g.content.to_lowercase().contains("nukeviet"));
    let mut read = FeedEntries {
        unread_dates,
        ..FeedEntries::default()
    };
    for entry in feed.entries {
        let title = entry.title.as_ref().map(|t| t.content.clone());
        match raw_entry(entry, feed_url) {
            Some(raw) => read.entries.push(raw),
            None => read.skipped.push(format!(
                "entry {:?}: no link to it",
                crate::text::printable(title.as_deref().unwrap_or("(untitled)"))
            )),
        }
    }
    if read.entries.is_empty() && items > 0 {
        return Err(FeedError::NoEntries(items));
    }
    distrust_month_minutes(&mut read.entries, nukeviet);
    Ok(read)
}

/// NukeViet 4.4–4.5 writes `pubDate` with PHP's `'D, j M Y H:m:s'`: the month stands where the
/// minutes should. When every dated entry's minute equals its month (three or more entries, or
/// any number in a feed whose generator says NukeViet), the times are not known: each date is
/// kept at 00:00 +07:00 (an article page's own date, read when the source has `[source.article]`,
/// still wins). A wrong minute is worse than none.
fn distrust_month_minutes(entries: &mut [RawArticle], nukeviet: bool) {
    use chrono::{Datelike, Timelike};
    let dated: Vec<&DateTime<FixedOffset>> = entries
        .iter()
        .filter_map(|e| e.published.as_ref())
        .collect();
    let enough = if nukeviet { 1 } else { 3 };
    if dated.len() < enough || !dated.iter().all(|d| d.minute() == d.month()) {
        return;
    }
    let midnight = |d: DateTime<FixedOffset>| {
        d.date_naive()
            .and_hms_opt(0, 0, 0)
            .and_then(|n| n.and_local_timezone(vietnam()).single())
    };
    for entry in entries {
        entry.published = entry.published.and_then(midnight);
        entry.updated = entry.updated.and_then(midnight);
    }
}

/// feed-rs over `xml`, its panics caught, with the date texts our parser could not read.
fn read_feed(xml: &str) -> Result<(feed_rs::model::Feed, Vec<String>), FeedError> {
    let unread = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = std::sync::Arc::clone(&unread);
    let parsed = catch_unwind(AssertUnwindSafe(|| {
        feed_rs::parser::Builder::new()
            .id_generator(|_, _, _| String::new())
            .timestamp_parser(move |t: &str| {
                let parsed = parse_date(t);
                if parsed.is_none() && !t.trim().is_empty() {
                    if let Ok(mut texts) = sink.lock() {
                        if texts.len() < MAX_UNREAD_DATES {
                            texts.push(crate::text::printable(t.trim()).into_owned());
                        }
                    }
                }
                parsed.map(|d| d.with_timezone(&Utc))
            })
            .sanitize_content(false)
            .build()
            .parse(xml.as_bytes())
    }));
    let unread = unread.lock().map(|t| t.clone()).unwrap_or_default();
    match parsed {
        Ok(Ok(feed)) => Ok((feed, unread)),
        Ok(Err(e)) => Err(FeedError::Parse(e.to_string())),
        Err(panic) => {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            Err(FeedError::Panicked(msg))
        }
    }
}

/// How many `<item>`/`<entry>` elements an XML feed has (0 for JSON Feed, whose items feed-rs
/// reads reliably).
fn item_count(xml: &str) -> usize {
    static ITEM: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"<(?:item|entry)[\s>/]").expect("static regex"));
    ITEM.find_iter(xml).count()
}

/// The document without its `<?xml … encoding=…?>` line: we hand feed-rs UTF-8, whatever the
/// declaration said the original bytes were.
fn without_xml_declaration(text: &str) -> &str {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with("<?xml") {
        if let Some(end) = trimmed.find("?>") {
            return &trimmed[end + 2..];
        }
    }
    trimmed
}

/// feed-rs 3.0 slices one byte around an e-mail address in a person text, so a multibyte
/// character touching it (`“jose@example.com”`) makes it panic. Put a space between them,
/// inside person elements only, so the feed parses and the author keeps its name.
fn defuse_author_emails(xml: &str) -> std::borrow::Cow<'_, str> {
    static PERSON: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?s)<(?:author|managingEditor|webMaster|dc:creator|itunes:author)>.*?</")
            .expect("static regex")
    });
    static TOUCHING: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"([^\x00-\x7F])?([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})([^\x00-\x7F])?",
        )
        .expect("static regex")
    });
    if !xml.contains('@') {
        return xml.into();
    }
    PERSON.replace_all(xml, |person: &regex::Captures<'_>| {
        TOUCHING
            .replace_all(&person[0], |c: &regex::Captures<'_>| {
                let before = c
                    .get(1)
                    .map_or(String::new(), |m| format!("{} ", m.as_str()));
                let after = c
                    .get(3)
                    .map_or(String::new(), |m| format!(" {}", m.as_str()));
                format!("{before}{}{after}", &c[2])
            })
            .into_owned()
    })
}

fn raw_entry(entry: Entry, feed_url: &Url) -> Option<RawArticle> {
    let href = entry
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .or_else(|| entry.links.first())
        .map(|l| l.href.clone());
    let guid = Some(entry.id.trim().to_string()).filter(|g| !g.is_empty());
    // RSS items often carry their permalink only as the guid.
    let link = href
        .as_deref()
        .and_then(|h| resolve_link(feed_url, h))
        .or_else(|| {
            guid.as_deref()
                .filter(|g| g.contains('/'))
                .and_then(|g| resolve_link(feed_url, g))
        })?;
    let mut raw = RawArticle::new(link);
    raw.from_feed = true;
    // The entry's content, or its summary when it has none (normalize's choice).
    raw.body_strategy = Some(super::body::BodyStrategy::FeedEntry);
    raw.guid = guid;
    // A plain-text title is text: "the <blink> tag" must not lose its "<blink>" as markup.
    raw.title = entry.title.map(|t| {
        if t.content_type.essence().to_string() == "text/plain" {
            t.content
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
        } else {
            t.content
        }
    });
    raw.published = entry.published.map(in_vietnam);
    raw.updated = entry.updated.map(in_vietnam);
    raw.author = entry
        .authors
        .into_iter()
        .filter_map(|p| p.name)
        .find(|n| n.chars().any(char::is_alphanumeric));
    // YouTube's Atom puts the only text in `media:description`.
    raw.summary = entry.summary.map(text_content).or_else(|| {
        entry
            .media
            .iter()
            .find_map(|m| m.description.as_ref().map(|d| d.content.clone()))
            .filter(|d| !d.trim().is_empty())
    });
    raw.content_html = entry
        .content
        .and_then(|c| c.body)
        .map(|b| unwrap_xhtml_div(&b).unwrap_or(b))
        .filter(|b| !b.trim().is_empty());
    raw.category = entry
        .categories
        .into_iter()
        .find_map(|c| c.label.or(Some(c.term)).filter(|t| !t.trim().is_empty()));
    Some(raw)
}

/// `type="html"` content written as an XHTML `<div>` holding escaped HTML (a common producer
/// mistake): the div is a wrapper and its text is the HTML, so `&lt;b&gt;` is bold, not a
/// literal `<b>`. `None` for anything else.
fn unwrap_xhtml_div(body: &str) -> Option<String> {
    let trimmed = body.trim();
    let open = trimmed.strip_prefix("<div xmlns=\"http://www.w3.org/1999/xhtml\"")?;
    let inner = open.get(open.find('>')? + 1..)?.strip_suffix("</div>")?;
    if !inner.contains("&lt;") || inner.contains('<') {
        return None;
    }
    Some(
        inner
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&"),
    )
}

fn text_content(text: Text) -> String {
    text.content
}

fn in_vietnam(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&vietnam())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_url() -> Url {
        Url::parse("http://portal.vn/rss/tin.rss").unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn rss_with_relative_links_and_vietnamese_dates() {
        let rss = r#"<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>
            <title>Tin</title><link>/</link>
            <item><title>C&#x1ED4;NG TH&#xD4;NG TIN</title><link>/tin/a.html</link>
              <pubDate>20/11/2026 08:15:00</pubDate><description>&lt;p&gt;Nội dung&lt;/p&gt;</description></item>
            <item><title>Hai</title><link>http:moc.gov.vn/b.html</link><guid isPermaLink="false">42</guid>
              <pubDate>Fri, 20 Nov 2026 14:30:00 +0700</pubDate></item>
            </channel></rss>"#;
        let entries = parse_feed(rss.as_bytes(), None, None, &feed_url())
            .unwrap_or_default()
            .entries;
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].url.as_str(), "http://portal.vn/tin/a.html");
        assert_eq!(entries[0].guid, None);
        assert_eq!(entries[0].title.as_deref(), Some("CỔNG THÔNG TIN"));
        assert_eq!(
            entries[0].published.map(|d| d.to_rfc3339()).as_deref(),
            Some("2026-11-20T08:15:00+07:00")
        );
        assert_eq!(entries[0].summary.as_deref(), Some("<p>Nội dung</p>"));
        assert_eq!(entries[1].url.as_str(), "http://moc.gov.vn/b.html");
        assert_eq!(entries[1].guid.as_deref(), Some("42"));
    }

    #[test]
    fn declared_encoding_does_not_fight_our_decoding() {
        let bytes = charset::encode_windows_1258(
            "<?xml version=\"1.0\" encoding=\"windows-1258\"?><rss version=\"2.0\"><channel><title>T</title>\
             <item><title>Hậu Giang</title><link>http://portal.vn/x</link></item></channel></rss>",
        );
        assert!(
            !bytes.windows(2).any(|w| w == b"&#"),
            "no character references: real 1258 bytes"
        );
        let entries = parse_feed(&bytes, None, None, &feed_url())
            .unwrap_or_default()
            .entries;
        let title: String = unicode_normalization::UnicodeNormalization::nfc(
            entries
                .first()
                .and_then(|e| e.title.as_deref())
                .unwrap_or(""),
        )
        .collect();
        assert_eq!(title, "Hậu Giang");
    }

    #[test]
    fn author_email_touching_a_quote_does_not_crash_the_parser() {
        let rss = "<rss version=\"2.0\"><channel><title>T</title><item><title>A</title>\
                   <link>http://a.vn/1</link><author>“jose@example.com”</author>\
                   <description>Gửi thư tới jose@example.com”</description></item></channel></rss>";
        let entries = parse_feed(rss.as_bytes(), None, None, &feed_url())
            .unwrap_or_else(|e| panic!("{e}"))
            .entries;
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].author, None, "a lone quote is no name");
        assert_eq!(
            entries[0].summary.as_deref(),
            Some("Gửi thư tới jose@example.com”"),
            "only person texts change"
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(parse_feed(b"<html>not a feed", None, None, &feed_url()).is_err());
        assert!(parse_feed(b"", None, None, &feed_url()).is_err());
    }

    /// Feeds of every vintage feed-rs refuses or misreads as served: each gives its entry.
    #[test]
    fn old_and_careless_feeds_are_read() {
        let item = "<item><title>A</title><link>/a</link><description>x</description></item>";
        let docs = [
            format!("<rss><channel><title>T</title><link>/</link>{item}</channel></rss>"),
            format!("<rss version=\"0.93\"><channel><title>T</title><link>/</link>{item}</channel></rss>"),
            format!("<rss version=\"2.01\"><channel><title>T</title><link>/</link>{item}</channel></rss>"),
            r#"<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>T</title><entry><title>A</title><link rel="alternate" type="text/html" href="http://portal.vn/a"/><id>tag:a</id><issued>2004-01-01T00:00:00Z</issued><content type="text/html" mode="escaped">&lt;p&gt;x&lt;/p&gt;</content></entry></feed>"#.to_string(),
            r#"<feed xmlns="http://www.w3.org/2005/Atom"><title type="">T</title><id>x</id><updated>2024-01-01T00:00:00Z</updated><entry><title>A</title><link href="http://portal.vn/a"/><id>a</id><updated>2024-01-01T00:00:00Z</updated><content>x</content></entry></feed>"#.to_string(),
        ];
        for doc in &docs {
            let entries = parse_feed(doc.as_bytes(), None, None, &feed_url())
                .unwrap_or_else(|e| panic!("{doc}: {e}"))
                .entries;
            assert_eq!(entries.len(), 1, "{doc}");
            assert_eq!(entries[0].url.as_str(), "http://portal.vn/a", "{doc}");
            assert_eq!(entries[0].title.as_deref(), Some("A"), "{doc}");
        }
        let atom03 = parse_feed(docs[3].as_bytes(), None, None, &feed_url())
            .unwrap_or_default()
            .entries;
        assert_eq!(
            atom03[0].published.map(|d| d.to_rfc3339()).as_deref(),
            Some("2004-01-01T07:00:00+07:00")
        );
        assert_eq!(atom03[0].content_html.as_deref(), Some("<p>x</p>"));
    }

    #[test]
    fn plain_text_titles_stay_text_and_dcterms_dates_count() {
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>x</id><updated>2024-01-01T00:00:00Z</updated><entry><title type="text">History of the &lt;blink&gt; tag</title><link href="http://portal.vn/here.pl?r123"/><id>a</id><updated>2024-01-01T00:00:00Z</updated><content type="html">x</content></entry></feed>"#;
        let entries = parse_feed(atom.as_bytes(), None, None, &feed_url())
            .unwrap_or_default()
            .entries;
        assert_eq!(
            entries[0].title.as_deref(),
            Some("History of the &lt;blink&gt; tag")
        );
        assert_eq!(entries[0].url.as_str(), "http://portal.vn/here.pl?r123");
        let rss = r#"<rss version="2.0" xmlns:dcterms="http://purl.org/dc/terms/"><channel><title>T</title><link>/</link><item><title>A</title><link>/a</link><dcterms:issued>2023-10-26T14:37:52Z</dcterms:issued><dcterms:modified>2023-10-27T00:00:00Z</dcterms:modified><description>x</description></item></channel></rss>"#;
        let entries = parse_feed(rss.as_bytes(), None, None, &feed_url())
            .unwrap_or_default()
            .entries;
        assert_eq!(
            entries[0].published.map(|d| d.to_rfc3339()).as_deref(),
            Some("2023-10-26T21:37:52+07:00")
        );
        assert_eq!(
            entries[0].updated.map(|d| d.to_rfc3339()).as_deref(),
            Some("2023-10-27T07:00:00+07:00")
        );
    }

    #[test]
    fn a_document_with_items_and_no_readable_entry_is_an_error() {
        let rss = r#"<rss version="2.0"><channel><title>T</title><link>/</link><item><title>A</title></item></channel></rss>"#;
        match parse_feed(rss.as_bytes(), None, None, &feed_url()) {
            Err(FeedError::NoEntries(1)) => {}
            other => panic!("{other:?}"),
        }
    }

    /// NukeViet 4.4–4.5's `pubDate` has the month where the minutes belong: the times are
    /// dropped, the dates kept.
    #[test]
    fn nukeviet_month_minutes_keep_only_the_date() {
        let item = |day: u32, month: u32, hour: u32| {
            format!(
                "<item><title>T{day}</title><link>/t/{day}</link><pubDate>Fri, {day:02} {} 2021 {hour:02}:{month:02}:00 +0700</pubDate><description>x</description></item>",
                ["", "Jan", "Feb", "Mar"][month as usize]
            )
        };
        let feed = |generator: &str, items: &str| {
            format!("<rss version=\"2.0\"><channel><title>T</title><link>/</link>{generator}{items}</channel></rss>")
        };
        let three = [item(19, 3, 14), item(20, 3, 9), item(2, 2, 17)].concat();
        let read = parse_feed(feed("", &three).as_bytes(), None, None, &feed_url())
            .unwrap_or_default()
            .entries;
        let dates: Vec<String> = read
            .iter()
            .filter_map(|e| e.published.map(|d| d.to_rfc3339()))
            .collect();
        assert_eq!(
            dates,
            [
                "2021-03-19T00:00:00+07:00",
                "2021-03-20T00:00:00+07:00",
                "2021-02-02T00:00:00+07:00"
            ]
        );
        // One such item is evidence only when the generator says NukeViet.
        let one = item(19, 3, 14);
        let plain = parse_feed(feed("", &one).as_bytes(), None, None, &feed_url())
            .unwrap_or_default()
            .entries;
        assert_eq!(
            plain[0].published.map(|d| d.to_rfc3339()).as_deref(),
            Some("2021-03-19T14:03:00+07:00")
        );
        let nukeviet = parse_feed(
            feed("<generator>NukeViet v4.4</generator>", &one).as_bytes(),
            None,
            None,
            &feed_url(),
        )
        .unwrap_or_default()
        .entries;
        assert_eq!(
            nukeviet[0].published.map(|d| d.to_rfc3339()).as_deref(),
            Some("2021-03-19T00:00:00+07:00")
        );
        // Real minutes that differ from the month are kept.
        let real = [item(19, 3, 14), item(20, 3, 9), item(21, 3, 17)]
            .concat()
            .replacen(":03:00", ":41:00", 1);
        let kept = parse_feed(feed("", &real).as_bytes(), None, None, &feed_url())
            .unwrap_or_default()
            .entries;
        assert_eq!(
            kept[0].published.map(|d| d.to_rfc3339()).as_deref(),
            Some("2021-03-19T14:41:00+07:00")
        );
    }

    #[test]
    fn an_entry_without_a_link_is_skipped_with_a_reason() {
        let rss = r#"<rss version="2.0"><channel><title>T</title><link>/</link><item><title>A</title><link>/a</link></item><item><title>No link</title><description>x</description></item></channel></rss>"#;
        let read = parse_feed(rss.as_bytes(), None, None, &feed_url()).unwrap_or_default();
        assert_eq!(read.entries.len(), 1);
        assert_eq!(read.skipped, ["entry \"No link\": no link to it"]);
    }

    #[test]
    fn raw_markup_in_a_description_is_kept() {
        let rss = r#"<rss version="2.0"><channel><title>T</title><link>/</link><item><title>A</title><link>/a</link><description><p>raw <b>markup</b> &amp; text</p></description></item></channel></rss>"#;
        let read = parse_feed(rss.as_bytes(), None, None, &feed_url()).unwrap_or_default();
        assert_eq!(
            read.entries[0].summary.as_deref(),
            Some("<p>raw <b>markup</b> &amp; text</p>")
        );
    }

    #[test]
    fn unreadable_dates_are_reported() {
        let rss = r#"<rss version="2.0"><channel><title>T</title><link>/</link><item><title>A</title><link>/a</link><pubDate>hôm qua</pubDate></item></channel></rss>"#;
        let read = parse_feed(rss.as_bytes(), None, None, &feed_url()).unwrap_or_default();
        assert_eq!(read.entries[0].published, None);
        assert_eq!(read.unread_dates, ["hôm qua"]);
    }

    #[test]
    fn escaped_html_in_an_xhtml_div_is_html() {
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>x</id><updated>2024-01-01T00:00:00Z</updated><entry><title>A</title><link href="http://portal.vn/a"/><id>a</id><updated>2024-01-01T00:00:00Z</updated><content type="html"><div xmlns="http://www.w3.org/1999/xhtml">&lt;b&gt;bold&lt;/b&gt; &amp;amp; text</div></content></entry></feed>"#;
        let read = parse_feed(atom.as_bytes(), None, None, &feed_url()).unwrap_or_default();
        assert_eq!(
            read.entries[0].content_html.as_deref(),
            Some("<b>bold</b> &amp; text")
        );
        assert_eq!(unwrap_xhtml_div("<p>plain</p>"), None);
        assert_eq!(
            unwrap_xhtml_div(r#"<div xmlns="http://www.w3.org/1999/xhtml"><b>real</b></div>"#),
            None
        );
    }
}
