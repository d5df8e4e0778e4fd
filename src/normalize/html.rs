//! Article HTML → safe, self-contained HTML for feed readers (via ammonia).
//!
//! Removes script, style, iframe, form and every other element not on ammonia's allow list,
//! event-handler and style attributes, and any URL that is not http(s)/mailto/tel (so no
//! `javascript:` or `data:`); makes relative `src`/`href` absolute against the page (spaces
//! percent-encoded). Text is NFC-normalized and stripped of characters XML cannot carry
//! before sanitizing, never after (see [`sanitize`]): the published HTML is a fixed point.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};
use regex::{Captures, Regex};
use url::Url;

use crate::text::{xml_char, xml_safe_nfc};

/// Sanitizes `html` read from `base`.
///
/// Text is normalized (NFC, XML-safe) *before* the sanitizer, never after: NFC can join a
/// tag's `>` with a following U+0338 into `≯` and reopen the tag. The sanitizer's output is
/// not always final either: decoded entities may need composing (`&ecirc;` + U+0301, or a
/// combining mark right after a tag), and unwrapping a removed container can nest what a
/// parser will not nest (`<p><object><p>` → `<p><p>`). So the output is normalized and
/// sanitized again until it no longer changes: what is published is the sanitizer's last word
/// and a fixed point, so a reader that normalizes or re-sanitizes it gets the same HTML.
pub fn sanitize(html: &str, base: &Url) -> String {
    let mut out = clean(&xml_safe_nfc(html), base);
    for _ in 0..4 {
        let again = clean(&xml_safe_nfc(&out), base);
        if again == out {
            return out;
        }
        out = again;
    }
    // Only a hostile construct gets here: drop the marks that cling to a tag.
    let mut last = None;
    out.chars()
        .filter(|&c| {
            let keep = xml_char(c) && !(last == Some('>') && is_combining(c));
            if keep {
                last = Some(c);
            }
            keep
        })
        .collect()
}

fn clean(html: &str, base: &Url) -> String {
    let schemes: HashSet<&str> = ["http", "https", "mailto", "tel"].into();
    Builder::default()
        .url_schemes(schemes)
        .url_relative(UrlRelative::RewriteWithBase(base.clone()))
        .link_rel(Some("noopener noreferrer"))
        .add_tag_attributes("img", ["loading"])
        .clean(&promote_lazy_images(&crate::nesting::flatten(html)))
        .to_string()
}

fn is_combining(c: char) -> bool {
    unicode_normalization::char::canonical_combining_class(c) != 0
}

/// The text of HTML that [`sanitize`] produced, without parsing it again: that output is
/// well-formed, NFC, XML-safe, has no script or style, and escapes only
/// `&amp; &lt; &gt; &quot; &nbsp;`. Block elements separate words; whitespace is collapsed.
pub fn sanitized_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len() / 2);
    let mut rest = html;
    while let Some(i) = rest.find(['<', '&']) {
        text.push_str(&rest[..i]);
        rest = &rest[i..];
        if rest.starts_with('<') {
            let end = tag_end(rest);
            if is_block_tag(&rest[..end]) {
                text.push(' ');
            }
            rest = &rest[end..];
        } else {
            let (decoded, len) = [
                ("&amp;", "&"),
                ("&lt;", "<"),
                ("&gt;", ">"),
                ("&quot;", "\""),
                ("&nbsp;", " "),
            ]
            .iter()
            .find(|(entity, _)| rest.starts_with(entity))
            .map_or(("&", 1), |(entity, c)| (*c, entity.len()));
            text.push_str(decoded);
            rest = &rest[len..];
        }
    }
    text.push_str(rest);
    crate::text::collapse_whitespace(&text)
}

/// Length of the tag at the start of `html`, quoted attribute values (which may hold `>`)
/// included.
fn tag_end(html: &str) -> usize {
    let mut quote = None;
    for (i, c) in html.char_indices().skip(1) {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return i + 1,
            _ => {}
        }
    }
    html.len()
}

fn is_block_tag(tag: &str) -> bool {
    let name = tag
        .trim_start_matches(['<', '/'])
        .split(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .next()
        .unwrap_or_default();
    matches!(
        name,
        "p" | "br"
            | "div"
            | "li"
            | "ul"
            | "ol"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "figcaption"
            | "figure"
            | "tr"
            | "td"
            | "th"
            | "table"
            | "blockquote"
            | "hr"
            | "pre"
            | "dd"
            | "dt"
    )
}

/// Lazy-loading themes put the real image in `data-src` (or `data-original`, `data-lazy-src`)
/// and a placeholder in `src`; readers run no script, so the real one becomes `src`.
fn promote_lazy_images(html: &str) -> Cow<'_, str> {
    static IMG: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?i)<img\b[^>]*>").expect("static regex"));
    static LAZY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\sdata-(?:src|original|lazy-src)\s*=").expect("static regex")
    });
    static SRC: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?i)\ssrc\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)"#).expect("static regex")
    });
    if !html.contains("data-") {
        return html.into();
    }
    IMG.replace_all(html, |tag: &Captures<'_>| {
        let tag = &tag[0];
        match LAZY.find(tag) {
            None => tag.to_string(),
            Some(lazy) => {
                let (head, tail) = tag.split_at(lazy.start());
                let tail = tail.replacen(lazy.as_str().trim_start(), "src=", 1);
                format!("{} {}", SRC.replace_all(head, ""), tail.trim_start())
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://tuyengiao.haugiang.gov.vn/chuyen-muc/bai.html")
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn relative_images_become_absolute_with_spaces_encoded() {
        let out = sanitize(
            r#"<p><img src="../Uploads/19.3 B.png" alt="x"></p>"#,
            &base(),
        );
        assert!(
            out.contains(r#"src="https://tuyengiao.haugiang.gov.vn/Uploads/19.3%20B.png""#),
            "{out}"
        );
    }

    #[test]
    fn sanitized_text_matches_a_full_parse() {
        for input in [
            r#"<p>Tin <b>Hậu</b> Giang &amp; Cần Thơ</p><p>Đoạn&nbsp;hai<br>dòng ba</p>"#,
            r#"<figure><img src="a.png" alt="a > b"><figcaption>Ảnh: "BGP"</figcaption></figure>x &lt; y"#,
            "<div>ti&ecirc;\u{301}p <a href='/x'>tục</a></div><ul><li>một</li><li>hai</li></ul>",
        ] {
            let clean = sanitize(input, &base());
            let squeeze = |s: String| s.split_whitespace().collect::<String>();
            let full_parse = crate::text::html_to_text(&clean);
            assert_eq!(
                squeeze(sanitized_text(&clean)),
                squeeze(full_parse),
                "{clean}"
            );
        }
        let clean = sanitize(
            r#"<p>Tin <b>Hậu</b> Giang</p><p>hai</p><figure>Ảnh</figure>x &lt; y"#,
            &base(),
        );
        assert_eq!(sanitized_text(&clean), "Tin Hậu Giang hai Ảnh x < y");
    }

    #[test]
    fn lazy_loaded_images_get_their_real_source() {
        let out = sanitize(
            r#"<img src="/images/loading.gif" data-src="/uploads/news/2026_11/anh.jpg" alt="Ảnh"><img src="/b.png">"#,
            &base(),
        );
        assert!(
            out.contains(r#"src="https://tuyengiao.haugiang.gov.vn/uploads/news/2026_11/anh.jpg""#),
            "{out}"
        );
        assert!(!out.contains("loading.gif"), "{out}");
        assert!(
            out.contains(r#"src="https://tuyengiao.haugiang.gov.vn/b.png""#),
            "{out}"
        );
    }

    #[test]
    fn dangerous_markup_is_removed() {
        let out = sanitize(
            r#"<p onclick="x()">Tin<script>alert(1)</script><style>p{}</style></p>
               <img src="a.png" onerror="alert(2)"><a href="javascript:alert(3)">a</a>
               <a href="data:text/html,hi">d</a><iframe src="https://evil"></iframe>
               <form action="/x"><input name="q"></form>"#,
            &base(),
        );
        for bad in [
            "script",
            "alert",
            "onerror",
            "onclick",
            "javascript:",
            "data:",
            "iframe",
            "form",
            "input",
            "style",
        ] {
            assert!(!out.contains(bad), "{bad} survived: {out}");
        }
        assert!(out.contains("Tin"));
    }

    /// What a browser would run or load from `html`, after a real HTML parse: event
    /// handlers, active elements, script URLs.
    fn active_content(html: &str) -> Vec<String> {
        let doc = scraper::Html::parse_fragment(html);
        let mut found = Vec::new();
        for element in doc
            .root_element()
            .descendants()
            .filter_map(scraper::ElementRef::wrap)
        {
            let name = element.value().name();
            if matches!(
                name,
                "script"
                    | "style"
                    | "iframe"
                    | "object"
                    | "embed"
                    | "form"
                    | "svg"
                    | "math"
                    | "frame"
                    | "frameset"
                    | "base"
                    | "meta"
                    | "link"
            ) {
                found.push(format!("<{name}>"));
            }
            for (attr, value) in element.value().attrs() {
                let squeezed: String = value
                    .chars()
                    .filter(|c| !c.is_whitespace() && !c.is_control())
                    .collect::<String>()
                    .to_ascii_lowercase();
                if attr.to_ascii_lowercase().starts_with("on")
                    || ["javascript:", "data:", "vbscript:"]
                        .iter()
                        .any(|scheme| squeezed.starts_with(scheme))
                {
                    found.push(format!("<{name} {attr}={value:?}>"));
                }
            }
        }
        found
    }

    #[test]
    fn a_combining_mark_after_a_tag_cannot_open_it_again() {
        // `>` + U+0338 composes to `≯` under NFC: NFC after the sanitizer reopened the tag.
        let hostile = "<img src=\"/x.png\">\u{338} onerror=alert(document.domain) x";
        let out = sanitize(hostile, &base());
        assert_eq!(active_content(&out), Vec::<String>::new(), "{out}");
        let reader_side = crate::text::nfc(&out);
        assert_eq!(
            active_content(&reader_side),
            Vec::<String>::new(),
            "{reader_side}"
        );
        assert_eq!(sanitize(&reader_side, &base()), out, "a fixed point");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Pieces of hostile HTML: tags and handlers, quotes and brackets, entity forms of
        /// `<` and `>`, combining marks that compose with them, and Vietnamese text.
        fn piece() -> impl Strategy<Value = &'static str> {
            prop::sample::select(vec![
                "<img src=\"/x.png\">",
                "<img src=x ",
                "<a href=\"",
                "javascript:alert(1)",
                "java&#x09;script:",
                "data:text/html,x",
                "vbscript:x",
                "\" onerror=alert(1) ",
                " onload=alert(2)",
                "<script>",
                "</script>",
                "<svg onload=x>",
                "<math>",
                "<iframe src=//e>",
                "<style>",
                "<form>",
                "<object>",
                "<embed>",
                "<p>",
                "</p>",
                "<b>",
                "</a>",
                "\u{338}",
                "\u{301}",
                "\u{300}",
                "\u{323}",
                "\u{20d2}",
                "\u{36f}",
                "\"",
                "'",
                "<",
                ">",
                "=",
                "/",
                " ",
                "&gt;",
                "&#62;",
                "&#x3e;",
                "&lt;",
                "&#60;",
                "&ecirc;",
                "&amp;",
                "Hà Nội",
                "tie\u{302}\u{301}p",
                "\u{1}",
            ])
        }

        proptest! {
            #[test]
            fn no_active_content_and_a_fixed_point(
                pieces in prop::collection::vec(piece(), 1..24)
            ) {
                let html = pieces.concat();
                let out = sanitize(&html, &base());
                prop_assert_eq!(active_content(&out), Vec::<String>::new(), "{}", out);
                let reader_side = crate::text::nfc(&out).into_owned();
                prop_assert_eq!(active_content(&reader_side), Vec::<String>::new());
                prop_assert_eq!(&reader_side, &out, "published HTML is NFC");
                prop_assert_eq!(sanitize(&out, &base()), out.clone(), "a fixed point");
                prop_assert!(out.chars().all(crate::text::xml_char));
            }
        }
    }

    #[test]
    fn nfd_and_control_characters_are_fixed() {
        let out = sanitize("<p>ti&ecirc;\u{301}p\u{1}</p>", &base());
        assert_eq!(out, "<p>tiếp</p>");
    }
}
