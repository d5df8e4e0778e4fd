//! Presets: the selectors of the portal platforms Vietnamese provinces run on, so a source can
//! say `preset = "nukeviet"` instead of writing them. The page structures they
//! follow are described for operators in `docs/PLATFORMS.md`; every selector has fallbacks, since themes vary
//! by province and year. Explicit `[source.list]` / `[source.article]` keys override a preset's.
//!
//! Data only: `config` compiles these strings like the operator's own.

/// One platform's selectors.
#[derive(Debug, Clone, Copy)]
pub struct Preset {
    pub name: &'static str,
    /// The platform, for `portalfeed presets`.
    pub platform: &'static str,
    pub link: &'static str,
    pub next: Option<&'static str>,
    pub max_pages: u32,
    pub title: Option<&'static str>,
    pub date: Option<&'static str>,
    pub author: Option<&'static str>,
    pub content: Option<&'static str>,
    pub summary: Option<&'static str>,
    pub category: Option<&'static str>,
    pub remove: &'static [&'static str],
}

/// Every preset, in the order `portalfeed presets` lists them.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "nukeviet",
        platform: "NukeViet CMS (many Tỉnh ủy and party sites); copes with its malformed \
                   article:published_time and the \"Tác giả:\" label",
        link: "div.news_column div.panel-body h3 > a, div.news_column h3 a, .news-list h3 a",
        next: Some("ul.pagination a.page-link[rel=next], ul.pagination a[rel=next]"),
        max_pages: 1,
        title: Some("h1.title[itemprop=headline], div.news_column h1.title, [itemprop=headline]"),
        date: Some("div.news_column div.row span.h5, div.news_column .panel-body > div span.h5"),
        author: Some("div.news_column p.h5.text-right, p.h5.text-right strong"),
        content: Some("div#news-bodyhtml, div.bodytext"),
        summary: Some("div.hometext[itemprop=description], div.hometext"),
        category: None,
        remove: &[
            "div.news_column ul.related",
            "div.fb-comments",
            "div.socialicon",
        ],
    },
    Preset {
        name: "liferay",
        platform: "Liferay portals (Bắc Giang and its departments, Tiền Giang, Bà Rịa–Vũng Tàu)",
        link: ".portlet-asset-publisher .asset-title a, .portlet-asset-publisher h3 a, \
               .portlet-asset-publisher .title-news a",
        next: Some(".lfr-pagination-buttons li:last-child a"),
        max_pages: 1,
        title: Some(".title-news h1, .title-detail h1, .journal-content-article h1"),
        date: Some(".date-news, .time-news, .news-date, .publish-date"),
        author: Some(".author-news, .news-author"),
        content: Some(".journal-content-article"),
        summary: Some(".sapo, .summary-news"),
        category: None,
        remove: &[
            "h1.portlet-title",
            ".taglib-ratings",
            ".taglib-social-bookmarks",
            ".related-news",
        ],
    },
    Preset {
        name: "tandan",
        platform: "SharePoint, \"Tân Dân\" product (Điện Biên, Nam Định, Ninh Thuận, ministries)",
        link: "p.tandan-p-module-news-title > a, p.tandan-p-module-news-second > a",
        next: None,
        max_pages: 1,
        title: Some(".tandan-p-article-news-title"),
        date: Some(".tandan-span-date-publish, #txtDateString"),
        author: Some(".tandan-p-article-author, .tandan-span-author"),
        content: Some(".tandan-p-article-main, .ms-rtestate-field"),
        summary: Some(".tandan-p-article-news-summary, #divArticleDescription"),
        category: None,
        remove: &[".tandan-div-article-other", ".td-tags"],
    },
    Preset {
        name: "dnn",
        platform: "DotNetNuke (Vĩnh Long departments, Quảng Ninh service sites)",
        link: "li h3 a[href*='Default.aspx'], li h3 a[href*='default.aspx'], .ArticleList h3 a",
        next: None,
        max_pages: 1,
        title: Some(".Head h1, h1.title, .ArticleTitle, span.Head"),
        date: Some(".ArticleDate, .SubHead, .date"),
        author: Some(".ArticleAuthor"),
        content: Some("#ContentPlaceHolder1 .Normal, .Normal"),
        summary: Some(".ArticleSummary"),
        category: None,
        remove: &[".OtherNews", ".RelatedNews"],
    },
];

/// The preset with this name.
pub fn find(name: &str) -> Option<&'static Preset> {
    PRESETS
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(name.trim()))
}

/// Every preset's name, for messages.
pub fn names() -> String {
    PRESETS
        .iter()
        .map(|p| p.name)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_selector_parses() {
        for p in PRESETS {
            let all = [
                Some(p.link),
                p.next,
                p.title,
                p.date,
                p.author,
                p.content,
                p.summary,
                p.category,
            ];
            for css in all.into_iter().flatten().chain(p.remove.iter().copied()) {
                assert!(scraper::Selector::parse(css).is_ok(), "{}: {css}", p.name);
            }
        }
        assert!(find("NukeViet").is_some());
        assert!(find("wordpress").is_none());
    }
}
