//! OPML 2.0: the list of every per-source feed, for readers that subscribe to many at once.
//! Pure: takes the portals, returns the document.

use std::fmt::Write;

use super::Portal;
use crate::text::escape_markup as escape;

/// The OPML document titled `title` listing `portals` in the order given.
pub fn render_opml<'a>(title: &str, portals: impl IntoIterator<Item = &'a Portal>) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n<head>\n",
    );
    let _ = writeln!(out, "<title>{}</title>\n</head>\n<body>", escape(title));
    for portal in portals {
        let _ = writeln!(
            out,
            "<outline type=\"rss\" text=\"{name}\" title=\"{name}\" xmlUrl=\"{feed}\" htmlUrl=\"{html}\"{category}/>",
            name = escape(&portal.name),
            feed = escape(portal.feed.as_str()),
            html = escape(portal.url.as_str()),
            category = portal
                .province
                .as_deref()
                .map(|p| format!(" category=\"{}\"", escape(p)))
                .unwrap_or_default(),
        );
    }
    out.push_str("</body>\n</opml>\n");
    out
}
