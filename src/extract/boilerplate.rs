//! Boilerplate inside an auto-mode body: what sits within the block chosen as the article but
//! is not the article — the headline repeated, advertisement labels, share bars, "Tin liên
//! quan" / "Related" headings and the lists of links under them, view counters.
//!
//! Each element of the body whose whole text is such a label, or which is a short list of links
//! to other pages, is taken out. Links to files (attachments: `.pdf`, `.doc`…) are never taken
//! out, and nothing here touches a body found by the operator's own `content` selector.
//! It must not sanitize (normalize does) and judges only text and links, never class names.

use std::sync::LazyLock;

use scraper::{ElementRef, Html, Selector};

/// Labels that make up an element's whole text (folded: lowercase, without trailing
/// punctuation).
const LABELS: &[&str] = &[
    "advertisement",
    "advert",
    "ads",
    "ad",
    "iklan",
    "quảng cáo",
    "sharing is caring",
    "share",
    "share this",
    "share this article",
    "share this story",
    "share this on whatsapp",
    "like this story share it with a friend",
    "tell us what you think",
    "comments",
    "comment",
    "related",
    "related articles",
    "related stories",
    "related posts",
    "read more",
    "read next",
    "more stories",
    "you may also like",
    "you might also like",
    "don t miss",
    "popular",
    "most popular",
    "trending",
    "this slideshow requires javascript",
    "tin liên quan",
    "tin khác",
    "các tin khác",
    "tin cùng chuyên mục",
    "tin khác cùng chuyên mục",
    "bài viết liên quan",
    "bài liên quan",
    "xem thêm",
    "đọc thêm",
    "chia sẻ",
    "chia sẻ bài viết",
    "in bài viết",
    "in trang",
    "gửi email",
    "bình luận",
    "ý kiến bạn đọc",
    "các ý kiến của bạn đọc",
    "gửi ý kiến",
    "đánh giá bài viết",
    "quay lại",
    "về đầu trang",
];

/// Beginnings that make an element a label whatever follows (a counter, a list of tags, one
/// linked headline).
const PREFIXES: &[&str] = &[
    "related:",
    "related post:",
    "related coverage",
    "read more:",
    "see more:",
    "also on ",
    "subscribe to ",
    "click here to subscribe",
    "follow us",
    "tell us what you think",
    "tags:",
    "lượt xem:",
    "số lượt xem",
    "lượt đọc:",
    "từ khóa:",
    "từ khoá:",
    "tin liên quan:",
    "xem thêm:",
    "đọc thêm:",
];

/// A beginning in [`PREFIXES`] makes a label of an element this short at most.
const LABEL_MAX_CHARS: usize = 200;

/// A list of links is "short" (a related-articles box, not a body that happens to be links)
/// under this many characters of text per link.
const LINK_LIST_CHARS_PER_LINK: usize = 160;

/// `html` (a body fragment) without its boilerplate elements. Returns `html` unchanged when it
/// holds none.
pub fn strip(html: &str, title: Option<&str>) -> String {
    let title = title.map(fold).filter(|t| !t.is_empty());
    let mut doc = Html::parse_fragment(html);
    let mut stripped = false;
    // Taking an element out can leave its parent a bare label ("Chia sẻ" beside a removed
    // headline): repeat until a pass finds nothing. Each pass detaches at least one element.
    loop {
        let doomed: Vec<_> = doc
            .select(&SELECTORS.candidates)
            .filter(|el| is_boilerplate(*el, title.as_deref()))
            .map(|el| el.id())
            .collect();
        if doomed.is_empty() {
            break;
        }
        stripped = true;
        for id in doomed {
            if let Some(mut node) = doc.tree.get_mut(id) {
                node.detach();
            }
        }
    }
    if stripped {
        doc.root_element().inner_html()
    } else {
        html.to_string()
    }
}

fn is_boilerplate(el: ElementRef<'_>, title: Option<&str>) -> bool {
    if el.value().name() == "h1" {
        return true; // the headline: the title field carries it
    }
    let text = fold(&el.text().collect::<Vec<_>>().join(" "));
    if text.is_empty() {
        return false;
    }
    if title == Some(text.as_str()) {
        return true; // the headline again, in whatever element
    }
    let label = LABELS.contains(&text.as_str())
        || (text.chars().count() <= LABEL_MAX_CHARS
            && PREFIXES.iter().any(|p| text.starts_with(p)));
    if label {
        return !holds_file_link(el);
    }
    is_link_list(el, &text)
}

/// A list or block whose text is all links to pages (not files), a few words per link.
fn is_link_list(el: ElementRef<'_>, text: &str) -> bool {
    if !matches!(el.value().name(), "ul" | "ol") {
        return false;
    }
    let links: Vec<_> = el.select(&SELECTORS.links).collect();
    if links.len() < 2 || holds_file_link(el) {
        return false;
    }
    let linked: usize = links
        .iter()
        .map(|a| a.text().map(|t| t.trim().chars().count()).sum::<usize>())
        .sum();
    let all: usize = el.text().map(|t| t.trim().chars().count()).sum();
    linked.saturating_mul(10) >= all.saturating_mul(9)
        && text.chars().count() <= links.len().saturating_mul(LINK_LIST_CHARS_PER_LINK)
}

/// Whether an element links a document (an attachment is content).
fn holds_file_link(el: ElementRef<'_>) -> bool {
    el.select(&SELECTORS.links).any(|a| {
        a.value().attr("href").is_some_and(|href| {
            let path = href.split(['?', '#']).next().unwrap_or_default();
            let lower = path.to_ascii_lowercase();
            [
                ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".zip", ".rar",
            ]
            .iter()
            .any(|ext| lower.ends_with(ext))
        })
    })
}

/// A text lowercased, whitespace collapsed, without punctuation around words.
fn fold(text: &str) -> String {
    let lower = crate::text::nfc(text).to_lowercase();
    let mut out = String::new();
    for word in lower.split_whitespace() {
        let word = word.trim_matches(|c: char| !c.is_alphanumeric() && c != ':');
        let word = word.trim_start_matches(':');
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.trim_end_matches(':').replace(['\'', '’'], " ")
}

struct Selectors {
    candidates: Selector,
    links: Selector,
}

static SELECTORS: LazyLock<Selectors> = LazyLock::new(|| {
    let s =
        |css: &str| Selector::parse(css).unwrap_or_else(|e| panic!("static selector {css}: {e}"));
    Selectors {
        candidates: s("h1, h2, h3, h4, h5, h6, p, div, span, ul, ol, li, strong, b, em, a"),
        links: s("a[href]"),
    }
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_share_bars_and_related_links_go_the_article_stays() {
        let body = "<h1>Tiêu đề bài</h1><p>Đoạn một của bài viết.</p>\
            <div>Quảng cáo</div><p>Đoạn hai của bài viết.</p>\
            <p><strong>Chia sẻ</strong></p><p>Lượt xem: 1234</p>\
            <h3>Tin liên quan</h3><ul><li><a href='/tin/1.html'>Tin một</a></li>\
            <li><a href='/tin/2.html'>Tin hai</a></li></ul>\
            <p>Related: <a href='/x'>Another story</a></p><p>ADVERTISEMENT</p>";
        let kept = strip(body, None);
        assert!(
            kept.contains("Đoạn một") && kept.contains("Đoạn hai"),
            "{kept}"
        );
        for gone in [
            "Tiêu đề bài",
            "Quảng cáo",
            "Chia sẻ",
            "Lượt xem",
            "Tin liên quan",
            "Tin một",
            "Another story",
            "ADVERTISEMENT",
        ] {
            assert!(!kept.contains(gone), "{gone}: {kept}");
        }
    }

    #[test]
    fn attachments_and_sentences_that_start_like_labels_stay() {
        let body = "<p>Đoạn của bài.</p><ul><li><a href='/files/qd-12.pdf'>Quyết định 12</a></li>\
            <li><a href='/files/kh.docx?v=2'>Kế hoạch</a></li></ul>\
            <p>Xem thêm tại văn bản đính kèm: <a href='/files/tb.PDF'>Thông báo</a></p>\
            <p>Theo kế hoạch, tỉnh sẽ triển khai trong tháng tới.</p>\
            <ul><li>Một ý của bài, không có liên kết.</li><li>Ý thứ hai.</li></ul>";
        let kept = strip(body, None);
        for stays in [
            "Quyết định 12",
            "Kế hoạch",
            "Thông báo",
            "Theo kế hoạch",
            "Ý thứ hai",
        ] {
            assert!(kept.contains(stays), "{stays}: {kept}");
        }
        assert_eq!(
            strip("<p>Đoạn.</p>", None),
            "<p>Đoạn.</p>",
            "nothing to take out"
        );
    }

    #[test]
    fn the_headline_repeated_in_the_body_goes() {
        let kept = strip(
            "<p><b>Đoàn công tác làm việc tại Tây Yên Tử</b></p><p>Đoạn của bài.</p>",
            Some("Đoàn công tác làm việc tại Tây Yên Tử"),
        );
        assert_eq!(kept, "<p>Đoạn của bài.</p>");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// Whatever the fragment, stripping never adds text and never panics; a second
            /// pass finds nothing more to take out.
            #[test]
            fn stripping_only_removes_and_settles(
                parts in proptest::collection::vec(
                    "(<p>|</p>|<ul><li><a href='/a'>|</a></li></ul>|<h1>|</h1>|Quảng cáo|Tin liên quan|Chia sẻ|lượt xem: 3|\\PC{0,20})",
                    0..20,
                )
            ) {
                let html = parts.concat();
                let once = strip(&html, Some("Tin liên quan"));
                let text = |h: &str| Html::parse_fragment(h).root_element().text().collect::<String>();
                prop_assert!(text(&once).chars().count() <= text(&html).chars().count());
                let twice = strip(&once, Some("Tin liên quan"));
                prop_assert_eq!(text(&twice), text(&once));
            }
        }
    }
}
