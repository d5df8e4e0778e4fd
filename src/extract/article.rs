//! Article pages → [`RawArticle`], by the source's `[source.article]` rules with fallbacks.
//!
//! Fallbacks when a rule is missing or matches nothing: title ← `og:title` ← the first `<h1>`
//! long enough to be a headline ← `<title>`;
//! date ← the rule's text ← `article:published_time` / `itemprop=datePublished` ← the page text
//! (the first Vietnamese date on it); content ← the largest block of paragraphs;
//! summary ← `og:description` / `description` meta; category ← `article:section` meta.

use std::sync::LazyLock;

use scraper::{ElementRef, Html, Selector};
use url::Url;

use super::list::base_url;
use super::RawArticle;
use crate::config::{ArticleRules, Rule};
use crate::links::resolve_link;

/// How much of the page text is kept as the last-resort date candidate.
const PAGE_TEXT_FOR_DATE: usize = 20_000;

/// Extracts one article from its page. `page_url` is the URL the page was fetched from.
pub fn extract_article(html: &str, page_url: &Url, rules: &ArticleRules) -> RawArticle {
    let mut doc = crate::nesting::document(html);
    let base = base_url(&doc, page_url);
    let mut raw = RawArticle::new(page_url.clone());

    raw.canonical = link_canonical(&doc)
        .or_else(|| meta(&doc, "og:url"))
        .and_then(|href| resolve_link(&base, &href));
    raw.title = first_text(&doc, rules.title.as_ref())
        .or_else(|| meta(&doc, "og:title"))
        .or_else(|| select_text(&doc, &SELECTORS.h1).filter(|t| t.chars().count() >= 15))
        .or_else(|| select_text(&doc, &SELECTORS.title));
    raw.author = first_text(&doc, rules.author.as_ref()).or_else(|| meta(&doc, "author"));
    raw.summary = first_text(&doc, rules.summary.as_ref())
        .or_else(|| meta(&doc, "og:description"))
        .or_else(|| meta(&doc, "description"));
    raw.category = rules
        .category
        .as_ref()
        .and_then(|r| doc.select(&r.selector).next_back())
        .map(text_of)
        .filter(|t| !t.is_empty())
        .or_else(|| meta(&doc, "article:section"));

    raw.date_texts.extend(first_text(&doc, rules.date.as_ref()));
    raw.date_texts.extend(meta(&doc, "article:published_time"));
    raw.date_texts.extend(
        doc.select(&SELECTORS.date_published)
            .filter_map(|el| {
                el.value()
                    .attr("content")
                    .map(str::to_string)
                    .or_else(|| Some(text_of(el)))
            })
            .filter(|t| !t.is_empty()),
    );
    // The whole page's text is the last resort for a date: only gathered when nothing better is.
    if raw.date_texts.is_empty() {
        if let Some(body) = doc.select(&SELECTORS.body).next() {
            let mut text = String::new();
            for piece in visible_text(body) {
                if text.len() > PAGE_TEXT_FOR_DATE {
                    break;
                }
                text.push_str(piece);
                text.push(' ');
            }
            raw.page_text = Some(text);
        }
    }

    // `remove` is about the body only: the author line it strips may be what `author` reads.
    remove_matching(&mut doc, &rules.remove);
    raw.content_html = rules
        .content
        .as_ref()
        .and_then(|r| doc.select(&r.selector).next())
        .or_else(|| largest_text_block(&doc))
        .map(|el| el.inner_html())
        .filter(|h| !h.trim().is_empty());
    raw
}

/// Detaches every node matched by the `remove` rules (and every script/style) from the tree.
/// Runs after the other fields are read, before the content is.
fn remove_matching(doc: &mut Html, rules: &[Rule]) {
    let mut doomed: Vec<_> = rules
        .iter()
        .flat_map(|r| {
            doc.select(&r.selector)
                .map(|el| el.id())
                .collect::<Vec<_>>()
        })
        .collect();
    doomed.extend(doc.select(&SELECTORS.noise).map(|el| el.id()));
    for id in doomed {
        if let Some(mut node) = doc.tree.get_mut(id) {
            node.detach();
        }
    }
}

/// The text of the first element the rule matches, when it has any.
fn first_text(doc: &Html, rule: Option<&Rule>) -> Option<String> {
    select_text(doc, &rule?.selector)
}

fn select_text(doc: &Html, selector: &Selector) -> Option<String> {
    doc.select(selector).map(text_of).find(|t| !t.is_empty())
}

/// The text a reader sees in an element: script, style, noscript and template contents left
/// out (a title must not read "… alert(1)").
pub(crate) fn visible_text<'a>(el: ElementRef<'a>) -> impl Iterator<Item = &'a str> + 'a {
    let hidden_element = |node: &scraper::Node| {
        node.as_element()
            .is_some_and(|e| matches!(e.name(), "script" | "style" | "noscript" | "template"))
    };
    let mut hidden = 0usize;
    el.traverse().filter_map(move |edge| match edge {
        ego_tree::iter::Edge::Open(node) if hidden_element(node.value()) => {
            hidden += 1;
            None
        }
        ego_tree::iter::Edge::Close(node) if hidden_element(node.value()) => {
            hidden = hidden.saturating_sub(1);
            None
        }
        ego_tree::iter::Edge::Open(node) if hidden == 0 => node.value().as_text().map(|t| &**t),
        _ => None,
    })
}

/// An element's visible text with whitespace runs collapsed to one space.
pub(crate) fn text_of(el: ElementRef<'_>) -> String {
    let mut out = String::new();
    for piece in visible_text(el) {
        for word in piece.split_whitespace() {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
            out.push_str(word);
        }
        if piece.ends_with(char::is_whitespace) && !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
    }
    out.trim_end().to_string()
}

/// `<meta property=NAME content>` or `<meta name=NAME content>`.
fn meta(doc: &Html, name: &str) -> Option<String> {
    doc.select(&SELECTORS.meta)
        .find(|el| {
            let v = el.value();
            v.attr("property")
                .or_else(|| v.attr("name"))
                .or_else(|| v.attr("itemprop"))
                .is_some_and(|p| p.eq_ignore_ascii_case(name))
        })
        .and_then(|el| el.value().attr("content"))
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
}

fn link_canonical(doc: &Html) -> Option<String> {
    doc.select(&SELECTORS.canonical)
        .find_map(|el| el.value().attr("href"))
        .map(str::to_string)
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
        let all: usize = paragraph.text().map(|t| t.trim().chars().count()).sum();
        let linked: usize = paragraph
            .select(&SELECTORS.links)
            .map(|a| a.text().map(|t| t.trim().chars().count()).sum::<usize>())
            .sum();
        let own = all.saturating_sub(linked);
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
    scores
        .into_values()
        .filter(|(score, _)| *score > 0)
        .max_by_key(|(score, el)| (*score, std::cmp::Reverse(el.id())))
        .map(|(_, el)| el)
}

struct Selectors {
    title: Selector,
    h1: Selector,
    meta: Selector,
    canonical: Selector,
    date_published: Selector,
    body: Selector,
    blocks: Selector,
    paragraphs: Selector,
    links: Selector,
    noise: Selector,
}

static SELECTORS: LazyLock<Selectors> = LazyLock::new(|| {
    let s =
        |css: &str| Selector::parse(css).unwrap_or_else(|e| panic!("static selector {css}: {e}"));
    Selectors {
        title: s("title"),
        h1: s("h1"),
        meta: s("meta[content]"),
        canonical: s("link[rel~='canonical'][href]"),
        date_published: s("[itemprop='datePublished']"),
        body: s("body"),
        blocks: s("article, main, section, div, td"),
        paragraphs: s("p, h2, h3, blockquote, ul, figure"),
        links: s("a"),
        noise: s("script, style, noscript, template"),
    }
});

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(content: Option<&str>, remove: &[&str]) -> ArticleRules {
        let rule = |t: &str| Rule {
            text: t.to_string(),
            selector: Selector::parse(t).unwrap_or_else(|e| panic!("{e}")),
        };
        ArticleRules {
            content: content.map(rule),
            remove: remove.iter().map(|t| rule(t)).collect(),
            ..ArticleRules::default()
        }
    }

    fn url() -> Url {
        Url::parse("https://portal.vn/tin/bai-1.html").unwrap_or_else(|e| panic!("{e}"))
    }

    const PAGE: &str = r#"<html><head><title>Bài 1 | Cổng TTĐT</title>
        <meta property="og:title" content="Bài viết một">
        <meta property="article:published_time" content="2021-03-19+0714:30:00">
        <link rel="canonical" href="/tin/bai-1.html?x=1">
        </head><body><div class="menu"><p>Trang chủ</p></div>
        <div class="detail"><p>Đoạn một khá dài của bài viết.</p><p>Đoạn hai cũng dài.</p>
        <div class="comments"><p>Bình luận</p></div><script>alert(1)</script></div></body></html>"#;

    #[test]
    fn fallbacks_fill_title_date_canonical_and_content() {
        let raw = extract_article(PAGE, &url(), &rules(None, &["div.comments"]));
        assert_eq!(raw.title.as_deref(), Some("Bài viết một"));
        assert_eq!(
            raw.canonical.map(|u| u.to_string()).as_deref(),
            Some("https://portal.vn/tin/bai-1.html?x=1")
        );
        assert_eq!(
            raw.date_texts.first().map(String::as_str),
            Some("2021-03-19+0714:30:00")
        );
        let content = raw.content_html.unwrap_or_default();
        assert!(content.contains("Đoạn một"), "{content}");
        assert!(!content.contains("Bình luận"), "{content}");
        assert!(!content.contains("alert"), "{content}");
        assert!(!content.contains("Trang chủ"), "{content}");
    }

    #[test]
    fn explicit_content_rule_wins() {
        let raw = extract_article(PAGE, &url(), &rules(Some("div.menu"), &[]));
        assert_eq!(
            raw.content_html.map(|c| c.trim().to_string()).as_deref(),
            Some("<p>Trang chủ</p>")
        );
    }

    #[test]
    fn a_body_of_wrapped_paragraphs_wins_over_a_list_of_links() {
        // Each paragraph in a <div> of its own (as many CMSes write them), beside a block of
        // related-article links whose <p>s hold more text than any one paragraph.
        let body: String = (1..=6)
            .map(|i| {
                format!(
                    "<div class='para'><p>Đoạn {i} của bài: tỉnh triển khai nhiều \
                 nhiệm vụ quan trọng trong năm, kết quả được đánh giá cao.</p></div>"
                )
            })
            .collect();
        let related: String = (1..=4)
            .map(|i| {
                format!(
                    "<p><a href='/tin/{i}.html'>Tin liên quan số {i}: một tiêu đề \
                 rất dài của một bài viết khác trên cổng thông tin điện tử tỉnh</a></p>"
                )
            })
            .collect();
        let page = format!(
            "<html><body><div class='related'>{related}</div>\
             <div class='article'>{body}</div></body></html>"
        );
        let raw = extract_article(&page, &url(), &rules(None, &[]));
        let content = raw.content_html.unwrap_or_default();
        assert!(
            content.contains("Đoạn 1") && content.contains("Đoạn 6"),
            "{content}"
        );
        assert!(!content.contains("Tin liên quan"), "{content}");
    }
}
