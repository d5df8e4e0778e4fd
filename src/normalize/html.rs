//! Article HTML → safe, self-contained HTML for feed readers (via ammonia).
//!
//! Removes script, style, iframe, form and every other element not on ammonia's allow list,
//! event-handler and style attributes, and any URL that is not http(s)/mailto/tel (so no
//! `javascript:` or `data:`); makes relative `src`/`href` absolute against the page (spaces
//! percent-encoded); then NFC-normalizes and strips characters XML cannot carry.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};
use regex::{Captures, Regex};
use url::Url;

use super::text::xml_safe_nfc;

/// Sanitizes `html` read from `base`.
pub fn sanitize(html: &str, base: &Url) -> String {
    let schemes: HashSet<&str> = ["http", "https", "mailto", "tel"].into();
    let cleaned = Builder::default()
        .url_schemes(schemes)
        .url_relative(UrlRelative::RewriteWithBase(base.clone()))
        .link_rel(Some("noopener noreferrer"))
        .add_tag_attributes("img", ["loading"])
        .clean(&promote_lazy_images(html))
        .to_string();
    xml_safe_nfc(&cleaned)
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

    #[test]
    fn nfd_and_control_characters_are_fixed() {
        let out = sanitize("<p>ti&ecirc;\u{301}p\u{1}</p>", &base());
        assert_eq!(out, "<p>tiếp</p>");
    }
}
