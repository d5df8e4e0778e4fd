//! Feed repair: a lenient pre-pass for feed documents feed-rs refuses or misreads, tried when the
//! document as served gives an error or no entry although it has items.
//!
//! It rewrites only what old or careless feeds get wrong, in the raw text: an `<rss>` root
//! without a `version` or with one feed-rs does not know (0.93, 0.94, 2.01, 2.1) becomes RSS
//! 2.0; Atom 0.3 (`http://purl.org/atom/ns#`) becomes Atom 1.0 (its `issued`/`modified`, and its
//! `mode="escaped"` MIME-typed content); empty `type=""` attributes go. Separately, on every
//! document, `dcterms:issued` and `dcterms:created` become `dc:date`, which feed-rs reads. It
//! never touches entry text.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

/// The document with the repairs above, or `None` when none applies.
pub fn repair(xml: &str) -> Option<String> {
    let mut text = Cow::Borrowed(xml);
    let mut changed = false;
    let apply = |text: &mut Cow<'_, str>, changed: &mut bool, re: &Regex, with: &str| {
        if re.is_match(text) {
            *text = Cow::Owned(re.replace_all(text, with).into_owned());
            *changed = true;
        }
    };
    static RSS_ROOT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r#"<rss\b((?:\s+[^>]*?)?)\s*\bversion\s*=\s*["'](?:0\.9[34]|2\.0?[1-9]|2\.[1-9])["']"#,
        )
        .expect("static regex")
    });
    static RSS_NO_VERSION: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"<rss(\s[^>]*)?>").expect("static regex"));
    static EMPTY_TYPE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"\stype\s*=\s*(?:""|'')"#).expect("static regex"));
    apply(
        &mut text,
        &mut changed,
        &RSS_ROOT,
        r#"<rss$1 version="2.0""#,
    );
    if let Some(root) = RSS_NO_VERSION.find(&text) {
        if !root.as_str().contains("version") {
            let fixed = format!(
                "{} version=\"2.0\">",
                root.as_str().trim_end_matches('>').trim_end()
            );
            let (start, end) = (root.start(), root.end());
            text = Cow::Owned(format!(
                "{}{fixed}{}",
                text.get(..start).unwrap_or_default(),
                text.get(end..).unwrap_or_default()
            ));
            changed = true;
        }
    }
    apply(&mut text, &mut changed, &EMPTY_TYPE, "");
    if text.contains("http://purl.org/atom/ns#") {
        text = Cow::Owned(atom_03(&text));
        changed = true;
    }
    changed.then(|| text.into_owned())
}

/// `dcterms:issued` and `dcterms:created` as `dc:date` (which feed-rs reads as the entry's
/// publication date) and `dcterms:modified` as `updated`, on every document: feed-rs reads
/// these feeds, only without their dates.
pub fn dcterms_dates(xml: &str) -> Cow<'_, str> {
    static DCTERMS_DATE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"<(/?)dcterms:(?:issued|created)>").expect("static regex"));
    static DCTERMS_MODIFIED: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"<(/?)dcterms:modified>").expect("static regex"));
    if !DCTERMS_DATE.is_match(xml) && !DCTERMS_MODIFIED.is_match(xml) {
        return Cow::Borrowed(xml);
    }
    let text = DCTERMS_MODIFIED.replace_all(xml, "<${1}updated>");
    let text = DCTERMS_DATE
        .replace_all(&text, "<${1}dc:date>")
        .into_owned();
    if text.contains("xmlns:dc=") || !text.contains("<dc:date>") {
        return Cow::Owned(text);
    }
    // Declared on the root, whichever it is.
    static ROOT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"<(rss|rdf:RDF|feed)\b").expect("static regex"));
    Cow::Owned(
        ROOT.replace(&text, "<$1 xmlns:dc=\"http://purl.org/dc/elements/1.1/\"")
            .into_owned(),
    )
}

/// RSS `description` and `content:encoded` holding raw (unescaped) markup, which feed-rs drops
/// as unknown child elements: wrapped in CDATA so the markup is the element's text, as the
/// writer meant.
pub fn raw_markup(xml: &str) -> Cow<'_, str> {
    static FIELD: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?s)<(description|content:encoded)>(.*?)</(description|content:encoded)>")
            .expect("static regex")
    });
    static ELEMENT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"<[A-Za-z][A-Za-z0-9]*[\s/>]").expect("static regex"));
    let needs = |inner: &str| ELEMENT.is_match(inner) && !inner.contains("<![CDATA[");
    if !FIELD
        .captures_iter(xml)
        .any(|c| c[1] == c[3] && needs(&c[2]))
    {
        return Cow::Borrowed(xml);
    }
    FIELD.replace_all(xml, |c: &regex::Captures<'_>| {
        if c[1] != c[3] || !needs(&c[2]) {
            return c[0].to_string();
        }
        // The text the markup stands for: entities stay as written (CDATA keeps them).
        let inner = c[2].replace("]]>", "]]]]><![CDATA[>");
        format!("<{0}><![CDATA[{inner}]]></{0}>", &c[1])
    })
}

/// Atom 0.3 → Atom 1.0: the namespace, `issued`/`modified` → `published`/`updated`, and
/// content typed by MIME type (`text/html` with `mode="escaped"`) → `html`.
fn atom_03(xml: &str) -> String {
    static TAGS: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"<(/?)(issued|modified|created)\b").expect("static regex"));
    static MODE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"\smode\s*=\s*["'][a-z]+["']"#).expect("static regex"));
    static VERSION: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(<feed\b[^>]*?)\sversion\s*=\s*["'][^"']*["']"#).expect("static regex")
    });
    let xml = xml.replace("http://purl.org/atom/ns#", "http://www.w3.org/2005/Atom");
    let xml = TAGS.replace_all(&xml, |c: &regex::Captures<'_>| {
        let name = match &c[2] {
            "issued" | "created" => "published",
            _ => "updated",
        };
        format!("<{}{name}", &c[1])
    });
    let xml = MODE.replace_all(&xml, "");
    let xml = VERSION.replace_all(&xml, "$1");
    xml.replace("type=\"text/html\"", "type=\"html\"")
        .replace("type=\"text/plain\"", "type=\"text\"")
        .replace("type=\"application/xhtml+xml\"", "type=\"xhtml\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rss_roots_get_a_version_feed_rs_reads() {
        assert_eq!(
            repair("<rss><channel/></rss>").as_deref(),
            Some("<rss version=\"2.0\"><channel/></rss>")
        );
        assert_eq!(
            repair(r#"<rss xmlns:a="x" version="0.93"><channel/></rss>"#).as_deref(),
            Some(r#"<rss xmlns:a="x" version="2.0"><channel/></rss>"#)
        );
        assert!(repair(r#"<rss version="2.01">"#).is_some_and(|r| r.contains(r#"version="2.0""#)));
        assert_eq!(repair(r#"<rss version="2.0"><channel/></rss>"#), None);
    }

    #[test]
    fn atom_03_becomes_atom_1() {
        let fixed = repair(
            r#"<feed version="0.3" xmlns="http://purl.org/atom/ns#"><entry><issued>2004-01-01T00:00:00Z</issued><modified>2004-01-02T00:00:00Z</modified><content type="text/html" mode="escaped">&lt;p&gt;x&lt;/p&gt;</content></entry></feed>"#,
        )
        .unwrap_or_default();
        assert!(fixed.contains("http://www.w3.org/2005/Atom"), "{fixed}");
        assert!(
            fixed.contains("<published>2004-01-01T00:00:00Z</published>"),
            "{fixed}"
        );
        assert!(
            fixed.contains("<updated>2004-01-02T00:00:00Z</updated>"),
            "{fixed}"
        );
        assert!(fixed.contains(r#"<content type="html">"#), "{fixed}");
        assert!(!fixed.contains("version"), "{fixed}");
    }

    #[test]
    fn empty_types_and_dcterms() {
        assert_eq!(
            repair(r#"<title type="">T</title>"#).as_deref(),
            Some("<title>T</title>")
        );
        let fixed = dcterms_dates(
            r#"<rss version="2.0"><item><dcterms:issued>2023-10-26</dcterms:issued></item></rss>"#,
        );
        assert!(fixed.contains("<dc:date>2023-10-26</dc:date>"), "{fixed}");
        assert!(fixed.contains("xmlns:dc="), "{fixed}");
    }
}
