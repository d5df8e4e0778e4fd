//! Auto mode: article links found on a list page by its structure, for a source that gives only
//! a URL (no selectors, no preset).
//!
//! A list page repeats one block per article (`div.item > h3 > a`, `li > a.title`, …). Each
//! link is grouped by the shape of its position (its tag and class and those of three
//! ancestors); links in menus, headers and footers are left out. A group scores one point per
//! link that looks like an article: same site, a path with an article's shape (a slug, an id,
//! `.html`/`.aspx`) and a title-length text. The best groups win; how clearly they win is the
//! confidence `check` reports.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use scraper::{ElementRef, Selector};
use url::Url;

use super::list::base_url;
use super::ListPage;
use crate::links::{resolve_link, same_site};

/// Shortest link text that reads like an article title.
const TITLE_CHARS: usize = 15;

/// What auto mode found on a list page.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoList {
    pub page: ListPage,
    /// 0 to 1: the share of the page's article-like links that the chosen blocks hold, scaled
    /// down when there are few of them.
    pub confidence: f32,
    /// The block shape chosen, e.g. `div.list > div.item > a.news-title`.
    pub shape: String,
}

/// A link and whether it looks like an article's.
type Candidate = (Url, bool);

/// Finds the article links of a list page without selectors.
pub fn discover_links(html: &str, page_url: &Url) -> AutoList {
    static LINKS: LazyLock<Option<Selector>> =
        LazyLock::new(|| Selector::parse("body a[href]").ok());
    static NEXT: LazyLock<Option<Selector>> =
        LazyLock::new(|| Selector::parse("link[rel=next][href], a[rel=next][href]").ok());
    let doc = crate::nesting::document(html);
    let base = base_url(&doc, page_url);
    let mut groups: HashMap<String, Vec<Candidate>> = HashMap::new();
    let mut article_like_total = 0usize;
    for a in LINKS.iter().flat_map(|sel| doc.select(sel)) {
        if in_chrome(a) {
            continue;
        }
        let Some(url) = a.value().attr("href").and_then(|h| resolve_link(&base, h)) else {
            continue;
        };
        if !same_site(&url, page_url) || url == *page_url {
            continue;
        }
        let text: String = a
            .text()
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let looks_like_article = article_path(&url) && text.chars().count() >= TITLE_CHARS;
        article_like_total += usize::from(looks_like_article);
        groups
            .entry(shape(a))
            .or_default()
            .push((url, looks_like_article));
    }
    let mut scored: Vec<(usize, String, Vec<Candidate>)> = groups
        .into_iter()
        .map(|(shape, links)| (links.iter().filter(|(_, ok)| *ok).count(), shape, links))
        .filter(|(score, _, _)| *score > 0)
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let best = scored.first().map_or(0, |(score, _, _)| *score);
    let mut seen = HashSet::new();
    let mut links = Vec::new();
    let mut shapes = Vec::new();
    let mut chosen = 0;
    for (score, shape, group) in &scored {
        // The main list and blocks nearly as big (a lead story, a second column).
        if *score * 3 < best || (*score < 3 && best >= 3) {
            continue;
        }
        chosen += score;
        shapes.push(shape.clone());
        for (url, ok) in group {
            if *ok && seen.insert(url.clone()) {
                links.push(url.clone());
            }
        }
    }
    let share = if article_like_total == 0 {
        0.0
    } else {
        chosen as f32 / article_like_total as f32
    };
    let confidence = share * (links.len().min(5) as f32 / 5.0);
    let next = NEXT
        .iter()
        .flat_map(|sel| doc.select(sel))
        .filter_map(|el| el.value().attr("href"))
        .filter_map(|h| resolve_link(&base, h))
        .find(|u| u != page_url && same_site(u, page_url));
    AutoList {
        page: ListPage { links, next },
        confidence,
        shape: shapes.join(" | "),
    }
}

/// Whether the link sits in the page's navigation, header or footer.
fn in_chrome(a: ElementRef<'_>) -> bool {
    a.ancestors().filter_map(ElementRef::wrap).any(|el| {
        let e = el.value();
        matches!(e.name(), "nav" | "header" | "footer")
            || e.classes().chain(e.id()).any(|c| {
                let c = c.to_ascii_lowercase();
                c.contains("menu")
                    || c.contains("nav")
                    || c.contains("footer")
                    || c.contains("breadcrumb")
            })
    })
}

/// `div.list>div.item>h3>a.title`: the element's and three ancestors' tags and first classes.
fn shape(a: ElementRef<'_>) -> String {
    let part = |el: ElementRef<'_>| {
        let e = el.value();
        match e.classes().next() {
            Some(class) => format!("{}.{class}", e.name()),
            None => e.name().to_string(),
        }
    };
    let mut parts: Vec<String> = a
        .ancestors()
        .filter_map(ElementRef::wrap)
        .take(3)
        .map(part)
        .collect();
    parts.reverse();
    parts.push(part(a));
    parts.join(" > ")
}

/// A path shaped like an article's: a long slug, a numeric id, or a page file.
fn article_path(url: &Url) -> bool {
    let path = url.path().to_ascii_lowercase();
    if path == "/"
        || [
            ".jpg", ".jpeg", ".png", ".gif", ".pdf", ".doc", ".docx", ".xls", ".zip",
        ]
        .iter()
        .any(|e| path.ends_with(e))
    {
        return false;
    }
    let last = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    let slug = last.matches('-').count() >= 3;
    let page_file = [".html", ".htm", ".aspx", ".php"]
        .iter()
        .any(|e| last.ends_with(e));
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).count();
    let id = digits(last) >= 3 || url.query().is_some_and(|q| digits(q) >= 3);
    slug || id || (page_file && last.len() > 12)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<html><body>
      <nav><a href="/gioi-thieu/lich-su-hinh-thanh-va-phat-trien.html">Lịch sử hình thành và phát triển</a></nav>
      <div class="menu-top"><a href="/tin-tuc/chuyen-muc-kinh-te-xa-hoi">Chuyên mục kinh tế xã hội</a></div>
      <div class="hot"><h2><a href="/tin-tuc/hoi-nghi-tong-ket-cong-tac-nam-2026-123.html">Hội nghị tổng kết công tác năm 2026</a></h2></div>
      <div class="list">
        <div class="item"><a href="/tin-tuc/ky-ket-quy-che-phoi-hop-124.html"><img src="/a.jpg"></a><h3><a href="/tin-tuc/ky-ket-quy-che-phoi-hop-124.html">Ký kết quy chế phối hợp công tác khoa giáo</a></h3></div>
        <div class="item"><h3><a href="/tin-tuc/trien-khai-nghi-quyet-dai-hoi-125.html">Triển khai nghị quyết đại hội Đảng bộ tỉnh</a></h3></div>
        <div class="item"><h3><a href="/tin-tuc/giai-phong-mat-bang-tay-yen-tu-126.html">Giải phóng mặt bằng khu du lịch Tây Yên Tử</a></h3></div>
        <div class="item"><h3><a href="/tin-tuc/don-dien-doi-thua-127.html">Đẩy mạnh dồn điền đổi thửa năm 2026</a></h3></div>
      </div>
      <div class="pager"><a rel="next" href="/tin-tuc?page=2">Sau</a></div>
      <footer><a href="/lien-he-voi-chung-toi-ban-bien-tap.html">Liên hệ với chúng tôi ban biên tập</a></footer>
    </body></html>"#;

    #[test]
    fn finds_the_repeated_article_blocks() {
        let url = Url::parse("https://tinhuy.example.vn/tin-tuc").unwrap_or_else(|e| panic!("{e}"));
        let found = discover_links(PAGE, &url);
        let paths: Vec<&str> = found.page.links.iter().map(|u| u.path()).collect();
        assert_eq!(
            paths,
            [
                "/tin-tuc/ky-ket-quy-che-phoi-hop-124.html",
                "/tin-tuc/trien-khai-nghi-quyet-dai-hoi-125.html",
                "/tin-tuc/giai-phong-mat-bang-tay-yen-tu-126.html",
                "/tin-tuc/don-dien-doi-thua-127.html",
            ]
        );
        assert!(
            found.shape.ends_with("div.item > h3 > a"),
            "{}",
            found.shape
        );
        assert!(found.confidence > 0.6, "{}", found.confidence);
        assert_eq!(
            found.page.next.map(|u| u.to_string()).as_deref(),
            Some("https://tinhuy.example.vn/tin-tuc?page=2")
        );
    }

    #[test]
    fn a_page_without_articles_has_no_confidence() {
        let url = Url::parse("https://a.vn/").unwrap_or_else(|e| panic!("{e}"));
        let found = discover_links("<html><body><a href='/'>Trang chủ</a></body></html>", &url);
        assert!(found.page.links.is_empty());
        assert_eq!(found.confidence, 0.0);
    }
}
