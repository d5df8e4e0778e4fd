//! Auto mode's article body: which part of an article page is the article, when the source
//! gives no `content` rule.
//!
//! Two readings of the page are made and compared:
//! - the *largest block* ([`largest_text_block`], ours): the one element holding the most
//!   paragraph text. Exact on portal templates (it returns the body element, nothing around it)
//!   but blind to a body split over several blocks, and now and then it picks a comment thread;
//! - *trafilatura* (the `rs-trafilatura` crate, a port of the reference extractor): scores every
//!   candidate, reads a body container whole when the body is split into several blocks inside
//!   it, and reads JSON-LD, but keeps more of what surrounds the body (the headline, the date
//!   line, "Tin khác" and captions).
//!
//! The rule: trafilatura's reading, except when ours is found inside it and trafilatura adds
//! little to it (or only by its page-section merging or JSON-LD substitution), or when
//! trafilatura found next to nothing where ours found a body. On the Scrapinghub benchmark
//! this beats both readings alone (see `examples/extraction_benchmark.rs`); on portal templates
//! it keeps ours. When neither finds paragraphs, the element with the most text of its own is
//! the body ([`BodyStrategy::LargestText`]), so a page with an article never yields nothing.
//!
//! The strategy that produced the body is reported ([`BodyStrategy`]) so `check` can say it.
//! This module must not sanitize (normalize does) nor read metadata (`article` does). The
//! trafilatura call is guarded: a page too large, too many elements or nested too deep for it
//! to read in bounded time is not given to it, and a panic inside it is a miss.

use std::collections::HashSet;
use std::sync::LazyLock;

use scraper::{ElementRef, Html, Selector};
use serde::Serialize;
use url::Url;

/// Which reading produced an article's body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BodyStrategy {
    /// The source's `content` selector.
    Rule,
    /// The element holding the most paragraph text.
    LargestBlock,
    /// rs-trafilatura's reading.
    Trafilatura,
    /// No paragraphs anywhere: the element with the most text of its own.
    LargestText,
    /// The feed entry's own content (the page gave none).
    FeedEntry,
}

impl BodyStrategy {
    /// How `check` names it.
    pub fn describe(self) -> &'static str {
        match self {
            BodyStrategy::Rule => "the content selector",
            BodyStrategy::LargestBlock => "largest block of paragraphs",
            BodyStrategy::Trafilatura => "trafilatura",
            BodyStrategy::LargestText => "largest text block (no paragraphs found)",
            BodyStrategy::FeedEntry => "the feed entry's content",
        }
    }
}

/// Share of our block's word sequences that must be in trafilatura's text for ours to count as
/// found inside it.
const INSIDE: f64 = 0.95;
/// Share of trafilatura's word sequences our block must cover for trafilatura to "add little"
/// (trafilatura at most about half again as long).
const ADDS_LITTLE: f64 = 2.0 / 3.0;
/// Trafilatura's reading is "next to nothing" under this many words when ours has four times
/// as many.
const NEXT_TO_NOTHING: usize = 50;
/// Pages above this size are not given to trafilatura.
const TRAFILATURA_MAX_BYTES: usize = 3 * 1024 * 1024;
/// Nor pages of more elements than this: its cost grows faster than the page (20,000 elements
/// took 0.3 s, 80,000 took 7 s), while real articles have under 2,000 (the benchmark's largest:
/// 1,587).
const TRAFILATURA_MAX_ELEMENTS: usize = 10_000;
/// Nor pages nested deeper than this: 512 levels (as many as parsing keeps) cost it 160 ms
/// where 100 cost 12 ms, while real pages stay under 60 (the benchmark's deepest: 52).
const TRAFILATURA_MAX_DEPTH: usize = 128;

/// The body of an article page in auto mode, as HTML, with the strategy that found it.
/// `doc` has had the `remove` rules and scripts taken out; `html` is the page as fetched
/// (nesting bounded), `page_url` its address.
/// `title` is the article's title as found: its repeat inside the body is taken out.
pub fn auto_body(
    doc: &Html,
    html: &str,
    page_url: &Url,
    title: Option<&str>,
) -> Option<(String, BodyStrategy)> {
    let ours =
        largest_text_block(doc).map(|el| (el.inner_html(), super::element_text::text_of(el)));
    let theirs = fits_trafilatura(doc, html)
        .then(|| trafilatura(html, page_url))
        .flatten()
        .filter(|t| !only_the_title(&t.text, title));
    let chosen = match (ours, theirs) {
        (Some((html, _)), None) => Some((html, BodyStrategy::LargestBlock)),
        (None, Some(t)) => Some((t.html, BodyStrategy::Trafilatura)),
        (Some((html, text)), Some(t)) => {
            if prefer_ours(&text, &t) {
                Some((html, BodyStrategy::LargestBlock))
            } else {
                Some((t.html, BodyStrategy::Trafilatura))
            }
        }
        (None, None) => None,
    };
    chosen
        .filter(|(h, _)| !h.trim().is_empty())
        .or_else(|| largest_own_text(doc).map(|el| (el.inner_html(), BodyStrategy::LargestText)))
        .map(|(h, strategy)| (super::boilerplate::strip(&h, title), strategy))
        .filter(|(h, _)| !h.trim().is_empty())
}

/// Whether the page is within what trafilatura reads in bounded time: at most
/// [`TRAFILATURA_MAX_BYTES`], [`TRAFILATURA_MAX_ELEMENTS`] elements, nested at most
/// [`TRAFILATURA_MAX_DEPTH`] deep. One walk, stopped at the first limit passed.
fn fits_trafilatura(doc: &Html, html: &str) -> bool {
    if html.len() > TRAFILATURA_MAX_BYTES {
        return false;
    }
    let (mut elements, mut depth) = (0usize, 0usize);
    for edge in doc.tree.root().traverse() {
        match edge {
            ego_tree::iter::Edge::Open(node) if node.value().is_element() => {
                elements += 1;
                depth += 1;
                if elements > TRAFILATURA_MAX_ELEMENTS || depth > TRAFILATURA_MAX_DEPTH {
                    return false;
                }
            }
            ego_tree::iter::Edge::Close(node) if node.value().is_element() => {
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
    }
    true
}

/// Whether a reading says nothing but the headline (trafilatura's fallback, on a page with no
/// body, returns the headline, even several times over).
fn only_the_title(text: &str, title: Option<&str>) -> bool {
    // Letters and digits only: trafilatura may glue the repeats together without a space.
    let bare = |t: &str| -> String {
        t.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let Some(title) = title.map(bare).filter(|t| !t.is_empty()) else {
        return false;
    };
    let text = bare(text);
    let mut rest = text.as_str();
    while let Some(after) = rest.strip_prefix(title.as_str()) {
        rest = after;
    }
    rest.is_empty() && !text.is_empty()
}

/// Whether our block is the better reading than trafilatura's (see the module's rule).
fn prefer_ours(ours: &str, theirs: &Trafilatura) -> bool {
    let ours_words = words(ours);
    let their_words = words(&theirs.text);
    if their_words.len() < NEXT_TO_NOTHING && their_words.len().saturating_mul(4) < ours_words.len()
    {
        return true;
    }
    let ours_seq = sequences(&ours_words);
    let their_seq = sequences(&their_words);
    let inside = covered(&ours_seq, &their_seq);
    inside >= INSIDE && (theirs.reshaped || covered(&their_seq, &ours_seq) >= ADDS_LITTLE)
}

/// The lowercase words of a text.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The text's 4-word sequences (a shorter text is one sequence).
fn sequences(words: &[String]) -> HashSet<&[String]> {
    if words.len() < 4 {
        return std::iter::once(words).filter(|w| !w.is_empty()).collect();
    }
    words.windows(4).collect()
}

/// Share of `a`'s sequences that `b` holds (1 when `a` has none).
fn covered(a: &HashSet<&[String]>, b: &HashSet<&[String]>) -> f64 {
    if a.is_empty() {
        return 1.0;
    }
    a.iter().filter(|s| b.contains(*s)).count() as f64 / a.len() as f64
}

/// Trafilatura's reading of a page.
struct Trafilatura {
    html: String,
    text: String,
    /// Its body was rebuilt from page sections or JSON-LD rather than read as one element.
    reshaped: bool,
}

/// rs-trafilatura on the page, as an article. `None` when it finds nothing, or panics. The
/// caller has checked the page is one it reads in bounded time ([`fits_trafilatura`]).
fn trafilatura(html: &str, page_url: &Url) -> Option<Trafilatura> {
    let options = rs_trafilatura::Options {
        url: Some(page_url.to_string()),
        page_type: Some(rs_trafilatura::page_type::PageType::Article),
        include_images: true,
        include_links: true,
        include_tables: true,
        include_comments: false,
        ..rs_trafilatura::Options::default()
    };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rs_trafilatura::extract_with_options(html, &options)
    }))
    .ok()?
    .ok()?;
    let text = result.content_text.trim().to_string();
    if text.is_empty() {
        return None;
    }
    let reshaped = result
        .warnings
        .iter()
        .any(|w| w.contains("multi-candidate") || w.contains("JSON-LD") || w.contains("repeated"));
    let html = match result.content_html {
        Some(h) if !h.trim().is_empty() => h,
        _ => paragraphs(&text),
    };
    Some(Trafilatura {
        html,
        text,
        reshaped,
    })
}

/// Plain text as HTML paragraphs, one per line.
fn paragraphs(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| format!("<p>{}</p>", crate::text::escape_markup(l)))
        .collect()
}

/// The element holding the most paragraph text: the readability heuristic. Each paragraph
/// (`<p>`, sub-headings, quotes, lists, figures) gives its text length to the block holding it
/// and half of it to that block's parent, so a body whose paragraphs are each wrapped in a
/// `<div>` of their own still wins over a sidebar, while a page-wide wrapper does not win over
/// the block that really holds the paragraphs. Text inside links counts for nothing (menus
/// and related-article lists are mostly links).
fn largest_text_block(doc: &Html) -> Option<ElementRef<'_>> {
    let mut scores: std::collections::HashMap<ego_tree::NodeId, (usize, ElementRef<'_>)> =
        std::collections::HashMap::new();
    for paragraph in doc.select(&SELECTORS.paragraphs) {
        let own = unlinked_chars(paragraph);
        if own == 0 {
            continue;
        }
        let mut ancestors = paragraph.ancestors().filter_map(ElementRef::wrap);
        for share in [own, own / 2] {
            let Some(block) = ancestors.next() else {
                break;
            };
            if !SELECTORS.blocks.matches(&block) {
                break;
            }
            scores.entry(block.id()).or_insert((0, block)).0 += share;
        }
    }
    best(scores)
}

/// The block with the most text directly inside it (not in a child element, not in a link):
/// the body of a page whose article is text and `<br>`s without paragraphs.
fn largest_own_text(doc: &Html) -> Option<ElementRef<'_>> {
    let mut scores: std::collections::HashMap<ego_tree::NodeId, (usize, ElementRef<'_>)> =
        std::collections::HashMap::new();
    for block in doc.select(&SELECTORS.text_blocks) {
        let own: usize = block
            .children()
            .filter_map(|c| c.value().as_text())
            .map(|t| t.trim().chars().count())
            .sum();
        if own > 0 {
            scores.insert(block.id(), (own, block));
        }
    }
    best(scores)
}

fn best<'a>(
    scores: std::collections::HashMap<ego_tree::NodeId, (usize, ElementRef<'a>)>,
) -> Option<ElementRef<'a>> {
    scores
        .into_values()
        .filter(|(score, _)| *score > 0)
        .max_by_key(|(score, el)| (*score, std::cmp::Reverse(el.id())))
        .map(|(_, el)| el)
}

/// Characters of an element's text outside links.
fn unlinked_chars(el: ElementRef<'_>) -> usize {
    let all: usize = el.text().map(|t| t.trim().chars().count()).sum();
    let linked: usize = el
        .select(&SELECTORS.links)
        .map(|a| a.text().map(|t| t.trim().chars().count()).sum::<usize>())
        .sum();
    all.saturating_sub(linked)
}

struct Selectors {
    blocks: Selector,
    text_blocks: Selector,
    paragraphs: Selector,
    links: Selector,
}

static SELECTORS: LazyLock<Selectors> = LazyLock::new(|| {
    let s =
        |css: &str| Selector::parse(css).unwrap_or_else(|e| panic!("static selector {css}: {e}"));
    Selectors {
        blocks: s("article, main, section, div, td, body"),
        text_blocks: s("article, main, section, div, td, span, font, center, body"),
        paragraphs: s("p, h2, h3, blockquote, ul, figure"),
        links: s("a"),
    }
});

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> Url {
        Url::parse("https://portal.vn/tin/bai-1.html").unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_page_with_only_its_headline_has_no_body() {
        let page = "<html><body><h1 class='detail-title'>Chỉ có tiêu đề</h1></body></html>";
        let doc = Html::parse_document(page);
        assert_eq!(auto_body(&doc, page, &url(), Some("Chỉ có tiêu đề")), None);
    }

    #[test]
    fn text_without_paragraphs_falls_back_to_the_largest_text_block() {
        // Too large for trafilatura (a padding comment), and no paragraph element anywhere:
        // the cell holding the most text of its own is the body.
        let text = "Hội đồng hương tổ chức lễ kỷ niệm hai mươi năm thành lập.<br>".repeat(20);
        let page = format!(
            "<html><body><!-- {} --><table><tr><td><a href='/'>Trang chủ</a><br>             <a href='/tin'>Tin tức</a></td><td class='body'>{text}</td></tr></table>             </body></html>",
            "x".repeat(TRAFILATURA_MAX_BYTES)
        );
        let doc = Html::parse_document(&page);
        let (body, strategy) =
            auto_body(&doc, &page, &url(), None).unwrap_or_else(|| panic!("no body"));
        assert_eq!(strategy, BodyStrategy::LargestText);
        assert!(
            body.contains("hai mươi năm") && !body.contains("Trang chủ"),
            "{body}"
        );
    }

    #[test]
    fn a_page_of_too_many_elements_is_not_given_to_trafilatura() {
        // The split-body fixture, where trafilatura's reading wins, with 10,000 empty spans
        // in its footer: trafilatura's cost on such pages is unbounded, so ours is used.
        let page = include_str!("../../tests/fixtures/auto/split-article.html");
        let doc = Html::parse_document(page);
        let (_, strategy) = auto_body(&doc, page, &url(), None).unwrap_or_else(|| panic!("body"));
        assert_eq!(strategy, BodyStrategy::Trafilatura, "as served");
        let padded = page.replace(
            "<div class=\"footer\">",
            &format!("<div class=\"footer\">{}", "<span></span>".repeat(10_000)),
        );
        let doc = Html::parse_document(&padded);
        let (_, strategy) =
            auto_body(&doc, &padded, &url(), None).unwrap_or_else(|| panic!("body"));
        assert_eq!(strategy, BodyStrategy::LargestBlock, "too many elements");
    }

    #[test]
    fn a_page_nested_too_deep_is_not_given_to_trafilatura() {
        let page = include_str!("../../tests/fixtures/auto/split-article.html");
        let deep = page.replace(
            "<div class=\"article-content\">",
            &format!(
                "{}<div class=\"article-content\">",
                "<div>".repeat(TRAFILATURA_MAX_DEPTH)
            ),
        );
        let doc = Html::parse_document(&deep);
        let (_, strategy) = auto_body(&doc, &deep, &url(), None).unwrap_or_else(|| panic!("body"));
        assert_eq!(strategy, BodyStrategy::LargestBlock, "too deep");
    }

    #[test]
    fn the_rule_between_the_two_readings() {
        let sentence = |i: usize| format!("câu số {i} của bài viết về công tác của tỉnh năm nay. ");
        let body: String = (0..30).map(sentence).collect();
        let frame = "Tin khác: hội nghị tổng kết năm của tỉnh đã diễn ra thành công tốt đẹp.";
        let theirs = |text: String, reshaped: bool| Trafilatura {
            html: String::new(),
            text,
            reshaped,
        };
        // Ours inside theirs, theirs adding only a frame: ours.
        assert!(prefer_ours(
            &body,
            &theirs(format!("{frame} {body}"), false)
        ));
        // Ours inside theirs, theirs adding as much again (the rest of a split body): theirs.
        let more: String = (30..60).map(sentence).collect();
        assert!(!prefer_ours(
            &body,
            &theirs(format!("{body} {more}"), false)
        ));
        // The same, but theirs rebuilt from page sections or JSON-LD: ours.
        assert!(prefer_ours(&body, &theirs(format!("{body} {more}"), true)));
        // Theirs next to nothing beside ours: ours.
        assert!(prefer_ours(
            &body,
            &theirs("Tác giả: Minh Anh".into(), false)
        ));
        // Ours not inside theirs (another block): theirs.
        assert!(!prefer_ours(frame, &theirs(body.clone(), false)));
    }

    #[test]
    fn our_block_is_kept_when_trafilatura_only_adds_the_frame_around_it() {
        // The portal template of `tests/fixtures/auto/portal-article.html` in small: trafilatura
        // also keeps the date line and the share bar; our block is the body alone.
        let body: String = (1..=5)
            .map(|i| format!("<p>Đoạn {i}: tỉnh triển khai nhiều nhiệm vụ quan trọng trong năm, kết quả được các cấp đánh giá cao và nhân dân đồng tình ủng hộ.</p>"))
            .collect();
        let page = format!(
            "<html><body><div class='main'><h1>Tỉnh triển khai nhiệm vụ năm mới</h1>             <div class='meta'>Thứ hai - 25/03/2024 10:30</div><div class='content'>{body}</div>             <div class='share'>Chia sẻ | In bài viết</div></div></body></html>"
        );
        let doc = Html::parse_document(&page);
        let (html, strategy) = auto_body(
            &doc,
            &page,
            &url(),
            Some("Tỉnh triển khai nhiệm vụ năm mới"),
        )
        .unwrap_or_else(|| panic!("no body"));
        assert_eq!(strategy, BodyStrategy::LargestBlock, "{html}");
        assert!(
            !html.contains("25/03/2024") && !html.contains("Chia sẻ"),
            "{html}"
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]
            /// Whatever the page, reading its body returns (never panics), and a body returned
            /// holds something.
            #[test]
            fn any_page_gives_a_body_or_none(
                parts in proptest::collection::vec(
                    "(<p>|</p>|<div>|</div>|<td>|<br>|<h1>|</h1>|<a href='/x'>|</a>|<article>|<script>|Quảng cáo|Tin liên quan|\\PC{0,30})",
                    0..40,
                ),
                title in proptest::option::of("\\PC{0,20}"),
            ) {
                let page = format!("<html><body>{}</body></html>", parts.concat());
                let doc = Html::parse_document(&page);
                if let Some((html, _)) = auto_body(&doc, &page, &url(), title.as_deref()) {
                    prop_assert!(!html.trim().is_empty());
                }
            }
        }
    }
}
