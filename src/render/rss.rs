//! Stored articles → an RSS 2.0 document, via the `rss` crate.
//!
//! `description` carries the summary and `content:encoded` the full HTML; `guid` is the same
//! stable id as the Atom entry's (not a permalink); `dc:creator` names the author (RSS's own
//! `author` must be an e-mail address); paging links, and a story's other copies
//! (`rel="related"`), travel as `atom:link`.

use std::collections::{BTreeMap, HashMap};

use rss::extension::atom::{AtomExtension, Link};
use rss::extension::dublincore::DublinCoreExtension;
use rss::{Category, Channel, Guid, Item};

use super::{author_of, categories_of, entry_id, source_name, FeedInfo, Portal};
use crate::store::StoredArticle;

/// Renders `entries` (already newest first) as RSS 2.0.
pub fn render_rss(
    info: &FeedInfo,
    entries: &[StoredArticle],
    portals: &HashMap<String, Portal>,
) -> String {
    let mut links = vec![atom_link("self", info.self_link.as_str())];
    links.extend(info.paging().map(|(rel, url)| atom_link(rel, url.as_str())));
    let channel = Channel {
        title: info.title.clone(),
        link: info
            .alternate
            .as_ref()
            .unwrap_or(&info.self_link)
            .to_string(),
        description: info.title.clone(),
        language: Some("vi".into()),
        generator: Some(format!("portalfeed {}", env!("CARGO_PKG_VERSION"))),
        last_build_date: Some(info.updated(entries).to_rfc2822()),
        items: entries.iter().map(|e| item(e, portals)).collect(),
        atom_ext: Some(AtomExtension { links }),
        namespaces: BTreeMap::from([
            (
                "atom".to_string(),
                "http://www.w3.org/2005/Atom".to_string(),
            ),
            (
                "dc".to_string(),
                "http://purl.org/dc/elements/1.1/".to_string(),
            ),
            (
                "content".to_string(),
                "http://purl.org/rss/1.0/modules/content/".to_string(),
            ),
        ]),
        ..Channel::default()
    };
    channel.to_string()
}

fn item(stored: &StoredArticle, portals: &HashMap<String, Portal>) -> Item {
    let a = &stored.article;
    let portal = portals.get(&stored.source_id);
    let related: Vec<Link> = stored
        .copies
        .iter()
        .map(|copy| Link {
            href: copy.link.clone(),
            rel: "related".into(),
            title: Some(source_name(copy, portals).to_string()),
            mime_type: Some("text/html".into()),
            ..Link::default()
        })
        .collect();
    Item {
        title: Some(a.title.clone()),
        link: Some(a.link.clone()),
        description: Some(a.summary.clone()),
        content: Some(a.content_html.clone()),
        guid: Some(Guid {
            value: entry_id(&a.key),
            permalink: false,
        }),
        pub_date: Some(a.published.to_rfc2822()),
        categories: categories_of(stored, portal)
            .into_iter()
            .map(|name| Category {
                name: name.to_string(),
                domain: None,
            })
            .collect(),
        dublin_core_ext: Some(DublinCoreExtension {
            creators: vec![author_of(stored, portal).to_string()],
            ..DublinCoreExtension::default()
        }),
        source: portal.map(|p| rss::Source {
            url: p.feed.to_string(),
            title: Some(p.name.clone()),
        }),
        atom_ext: (!related.is_empty()).then_some(AtomExtension { links: related }),
        ..Item::default()
    }
}

fn atom_link(rel: &str, href: &str) -> Link {
    Link {
        href: href.to_string(),
        rel: rel.to_string(),
        ..Link::default()
    }
}
