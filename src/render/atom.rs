//! Stored articles → an Atom 1.0 document (RFC 4287), via atom_syndication.
//!
//! Every entry has a stable id (a UUID derived from the article key, so the same across runs,
//! restarts and config edits), title, `rel=alternate` link, published and updated in +07:00,
//! an author (the source name when the page names none), categories (article category and
//! province), summary, `content type="html"` and a `<source>` naming the portal. A story other
//! portals carried too has a `rel="related"` link per other copy, titled with its portal's name.
//!
//! The feed's `updated` is its newest entry's, so the same store renders byte-identical feeds
//! (an empty feed says when it was rendered).

use std::collections::HashMap;

use atom_syndication::{Category, Content, Entry, Feed, Generator, Link, Person, Source, Text};

use super::{author_of, categories_of, entry_id, source_name, FeedInfo, Portal};
use crate::dates::vietnam;
use crate::store::StoredArticle;

/// Renders `entries` (already newest first) as an Atom document.
pub fn render_atom(
    info: &FeedInfo,
    entries: &[StoredArticle],
    portals: &HashMap<String, Portal>,
) -> String {
    let updated = info.updated(entries);
    let mut links = vec![Link {
        href: info.self_link.to_string(),
        rel: "self".into(),
        mime_type: Some("application/atom+xml".into()),
        ..Link::default()
    }];
    for (rel, href) in info.paging() {
        links.push(Link {
            href: href.to_string(),
            rel: rel.into(),
            mime_type: Some("application/atom+xml".into()),
            ..Link::default()
        });
    }
    if let Some(alternate) = &info.alternate {
        links.push(Link {
            href: alternate.to_string(),
            rel: "alternate".into(),
            mime_type: Some("text/html".into()),
            ..Link::default()
        });
    }
    let feed = Feed {
        title: Text::plain(info.title.clone()),
        id: info.self_link.to_string(),
        updated: updated.with_timezone(&vietnam()),
        authors: vec![person(&info.title)],
        generator: Some(Generator {
            value: "portalfeed".into(),
            uri: None,
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
        links,
        lang: Some("vi".into()),
        entries: entries.iter().map(|e| entry(e, portals)).collect(),
        ..Feed::default()
    };
    feed.to_string()
}

fn entry(stored: &StoredArticle, portals: &HashMap<String, Portal>) -> Entry {
    let a = &stored.article;
    let portal = portals.get(&stored.source_id);
    Entry {
        title: Text::plain(a.title.clone()),
        id: entry_id(&a.key),
        updated: a.updated.with_timezone(&vietnam()),
        published: Some(a.published.with_timezone(&vietnam())),
        authors: vec![person(author_of(stored, portal))],
        categories: categories_of(stored, portal)
            .into_iter()
            .map(category)
            .collect(),
        links: std::iter::once(Link {
            href: a.link.clone(),
            rel: "alternate".into(),
            mime_type: Some("text/html".into()),
            ..Link::default()
        })
        .chain(stored.copies.iter().map(|copy| Link {
            href: copy.link.clone(),
            rel: "related".into(),
            mime_type: Some("text/html".into()),
            title: Some(source_name(copy, portals).to_string()),
            ..Link::default()
        }))
        .collect(),
        summary: Some(Text::plain(a.summary.clone())),
        content: Some(Content {
            value: Some(a.content_html.clone()),
            content_type: Some("html".into()),
            ..Content::default()
        }),
        source: portal.map(|p| Source {
            title: Text::plain(p.name.clone()),
            id: p.feed.to_string(),
            updated: a.updated.with_timezone(&vietnam()),
            links: vec![
                Link {
                    href: p.url.to_string(),
                    rel: "alternate".into(),
                    ..Link::default()
                },
                Link {
                    href: p.feed.to_string(),
                    rel: "self".into(),
                    mime_type: Some("application/atom+xml".into()),
                    ..Link::default()
                },
            ],
            ..Source::default()
        }),
        ..Entry::default()
    }
}

fn person(name: &str) -> Person {
    Person {
        name: name.to_string(),
        ..Person::default()
    }
}

fn category(term: &str) -> Category {
    Category {
        term: term.to_string(),
        label: Some(term.to_string()),
        ..Category::default()
    }
}
