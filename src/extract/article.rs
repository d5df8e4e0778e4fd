//! Article pages → [`RawArticle`], by the source's `[source.article]` rules with fallbacks.
//!
//! Fallbacks when a rule is missing or matches nothing: title ← `og:title` ← the first `<h1>`
//! long enough to be a headline ← `<title>`;
//! author ← `<meta name=author>` ← JSON-LD `author` ← `itemprop=author` / `rel=author` ← a short
//! line starting "Tác giả:" (the label is normalize's to drop);
//! date ← the rule's text ← `article:published_time` ← JSON-LD `datePublished` ←
//! `itemprop=datePublished` ← the first `<time datetime>` ← the page text
//! (the first Vietnamese date on it); content ← the rule's element, or auto mode's body
//! ([`super::body`]);
//! summary ← `og:description` / `description` meta; category ← `article:section` meta.

use std::sync::LazyLock;

use scraper::{ElementRef, Html, Selector};
use url::Url;

use super::body::{auto_body, BodyStrategy};
use super::element_text::{text_of, visible_text};
use super::list::base_url;
use super::RawArticle;
use crate::config::{ArticleRules, Rule};
use crate::links::resolve_link;

/// How much of the page text is kept as the last-resort date candidate.
const PAGE_TEXT_FOR_DATE: usize = 20_000;

/// Extracts one article from its page. `page_url` is the URL the page was fetched from.
pub fn extract_article(html: &str, page_url: &Url, rules: &ArticleRules) -> RawArticle {
    let flat = crate::nesting::flatten(html);
    let mut doc = Html::parse_document(&flat);
    let base = base_url(&doc, page_url);
    let mut raw = RawArticle::new(page_url.clone());

    raw.canonical = link_canonical(&doc)
        .or_else(|| meta(&doc, "og:url"))
        .and_then(|href| resolve_link(&base, &href));
    raw.title = first_text(&doc, rules.title.as_ref())
        .or_else(|| meta(&doc, "og:title"))
        .or_else(|| select_text(&doc, &SELECTORS.h1).filter(|t| t.chars().count() >= 15))
        .or_else(|| select_text(&doc, &SELECTORS.title));
    let linked = super::linked_data::read(&doc);
    raw.author = first_text(&doc, rules.author.as_ref())
        .or_else(|| meta(&doc, "author"))
        .or_else(|| linked.author.clone())
        .or_else(|| select_text(&doc, &SELECTORS.author_markup))
        .or_else(|| labelled_author(&doc));
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
    raw.date_texts.extend(linked.date_published);
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
    raw.date_texts.extend(
        doc.select(&SELECTORS.time_datetime)
            .find_map(|el| el.value().attr("datetime"))
            .map(|t| t.trim().to_string())
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
    let by_rule = rules
        .content
        .as_ref()
        .and_then(|r| doc.select(&r.selector).next())
        .map(|el| el.inner_html())
        .filter(|h| !h.trim().is_empty());
    let body = match by_rule {
        Some(html) => Some((html, BodyStrategy::Rule)),
        None => {
            // The headline, to keep it out of the body: the title found, or any `<h1>`.
            let headline = raw
                .title
                .clone()
                .or_else(|| select_text(&doc, &SELECTORS.h1));
            // Trafilatura reads the page as the operator's `remove` rules left it.
            let serialized;
            let page: &str = if rules.remove.is_empty() {
                &flat
            } else {
                serialized = doc.html();
                &serialized
            };
            auto_body(&doc, page, page_url, headline.as_deref())
        }
    };
    if let Some((html, strategy)) = body {
        raw.content_html = Some(html);
        raw.body_strategy = Some(strategy);
    }
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

/// Labels a portal prints before the author's name on a line of its own.
const AUTHOR_LABELS: &[&str] = &["tác giả", "người viết", "phóng viên", "bài và ảnh"];
/// An author line is short; a longer text starting with a label is a sentence.
const AUTHOR_LINE_MAX_CHARS: usize = 80;

/// A short element whose text starts with an author label ("Tác giả: Minh Anh"): the last
/// such line on the page wins (the byline closes the article). The label stays; normalize
/// drops it.
fn labelled_author(doc: &Html) -> Option<String> {
    doc.select(&SELECTORS.author_lines)
        // A page wrapper's whole text is never gathered just to be found too long.
        .filter(|el| letters_within(*el, AUTHOR_LINE_MAX_CHARS))
        .map(text_of)
        .rfind(|t| {
            let lower = t.to_lowercase();
            t.chars().count() <= AUTHOR_LINE_MAX_CHARS
                && AUTHOR_LABELS.iter().any(|l| {
                    lower
                        .strip_prefix(l)
                        .and_then(|rest| rest.trim_start().strip_prefix(':'))
                        .is_some_and(|name| !name.trim().is_empty())
                })
        })
}

/// Whether an element's visible text has at most `max` characters other than whitespace;
/// stops reading at the first one past it.
fn letters_within(el: ElementRef<'_>, max: usize) -> bool {
    visible_text(el)
        .flat_map(str::chars)
        .filter(|c| !c.is_whitespace())
        .nth(max)
        .is_none()
}

/// The text of the first element the rule matches, when it has any.
fn first_text(doc: &Html, rule: Option<&Rule>) -> Option<String> {
    select_text(doc, &rule?.selector)
}

fn select_text(doc: &Html, selector: &Selector) -> Option<String> {
    doc.select(selector).map(text_of).find(|t| !t.is_empty())
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

struct Selectors {
    title: Selector,
    h1: Selector,
    meta: Selector,
    canonical: Selector,
    date_published: Selector,
    time_datetime: Selector,
    author_markup: Selector,
    author_lines: Selector,
    body: Selector,
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
        time_datetime: s("time[datetime]"),
        author_markup: s(
            "[itemprop='author'] [itemprop='name'], [itemprop='author'], a[rel~='author']",
        ),
        author_lines: s("p, div, span, strong, b, em, i, td, li"),
        body: s("body"),
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
    fn auto_mode_finds_dates_and_authors_where_pages_state_them() {
        let body = "<div class='c'><p>Đoạn một khá dài của bài viết về công tác của tỉnh.</p>\
                    <p>Đoạn hai cũng dài, nói về kết quả đạt được trong năm.</p></div>";
        // JSON-LD, before any printed date.
        let page = format!(
            r#"<html><head><script type="application/ld+json">{{"@type":"NewsArticle",
            "datePublished":"2024-03-25T10:30:00+07:00","author":{{"name":"Minh Anh"}}}}</script>
            </head><body><p>Thứ hai - 01/01/2024 08:00</p>{body}</body></html>"#
        );
        let raw = extract_article(&page, &url(), &ArticleRules::default());
        assert_eq!(
            raw.date_texts,
            vec!["2024-03-25T10:30:00+07:00".to_string()]
        );
        assert_eq!(raw.author.as_deref(), Some("Minh Anh"));

        // `<time datetime>` and a labelled author line closing the article.
        let page = format!(
            "<html><body><time datetime='2021-03-20T07:15:00+07:00'>20/03/2021</time>{body}\
             <p><strong>Tác giả: Diệu Hoa</strong></p>\
             <div class='other'><p>Tác giả bài viết khác là một câu dài, không phải dòng ký tên.</p></div>\
             </body></html>"
        );
        let raw = extract_article(&page, &url(), &ArticleRules::default());
        assert_eq!(
            raw.date_texts,
            vec!["2021-03-20T07:15:00+07:00".to_string()]
        );
        assert_eq!(raw.author.as_deref(), Some("Tác giả: Diệu Hoa"));

        // `itemprop=author` markup.
        let page = format!(
            "<html><body>{body}<span itemprop='author'><span itemprop='name'>Lan Hương</span></span>\
             </body></html>"
        );
        let raw = extract_article(&page, &url(), &ArticleRules::default());
        assert_eq!(raw.author.as_deref(), Some("Lan Hương"));
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
