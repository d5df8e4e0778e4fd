//! The labelled near-duplicate set, built from `tests/fixtures/dupes/`: every story there, and
//! for each story its re-posts of every kind issue 9 names (each alone and combined) as
//! positives; same-event write-ups, template notices and short boilerplate items as negatives.
//! Labels come from construction: items of one story must merge, items of two must not.
//!
//! Shared by the recall test and the benches; deterministic (seeded edits).

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, FixedOffset};
use portalfeed::extract::RawArticle;
use portalfeed::normalize::{dedupe_profile, normalize};
use portalfeed::store::{Storage, Stored};
use unicode_normalization::UnicodeNormalization;

/// The time [`put`] dates copies from.
pub fn t0() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-11-20T08:00:00+07:00").expect("time")
}

/// Normalizes one copy of a story (`(title, html)`) and stores it in any backend as `source`'s
/// article `key`, published `hours` after [`t0`] and stored an hour later, reached from the
/// list link `{key}?from=list`.
pub fn put(
    storage: &dyn Storage,
    source: &str,
    key: &str,
    (title, html): &(String, String),
    hours: i64,
) -> Stored {
    let mut raw = RawArticle::new(url::Url::parse(key).expect("url"));
    raw.title = Some(title.clone());
    raw.content_html = Some(html.clone());
    raw.published = Some(t0() + Duration::hours(hours));
    let article = normalize(raw, "test", t0() + Duration::hours(hours)).expect("normalize");
    let profile = dedupe_profile(&article);
    storage
        .put_article(
            source,
            article,
            &profile,
            &[format!("{key}?from=list")],
            t0() + Duration::hours(hours + 1),
        )
        .expect("put")
}

/// One labelled article.
#[derive(Debug, Clone)]
pub struct Item {
    /// The story it tells: items with the same story must end in one cluster.
    pub story: String,
    /// What was done to it ("original", "truncated-half", "template 2"…).
    pub kind: String,
    pub title: String,
    /// Body HTML, as a portal would serve it.
    pub html: String,
    /// Hours after the story's original that it was published.
    pub delay_hours: i64,
}

/// A story file: title, lead, paragraphs and captions.
#[derive(Debug, Clone)]
struct Story {
    id: String,
    title: String,
    blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq)]
enum Block {
    Lead(String),
    Para(String),
    Caption(String),
}

impl Block {
    fn text(&self) -> &str {
        match self {
            Block::Lead(t) | Block::Para(t) | Block::Caption(t) => t,
        }
    }
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dupes")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parse(id: &str, text: &str) -> Story {
    let mut parts = text.split("\n\n").map(str::trim).filter(|p| !p.is_empty());
    let title = parts.next().unwrap_or_default().to_string();
    let blocks = parts
        .map(|p| {
            let p = p.split_whitespace().collect::<Vec<_>>().join(" ");
            if let Some(lead) = p.strip_prefix("> ") {
                Block::Lead(lead.to_string())
            } else if let Some(caption) = p.strip_prefix("| ") {
                Block::Caption(caption.to_string())
            } else {
                Block::Para(p)
            }
        })
        .collect();
    Story {
        id: id.to_string(),
        title,
        blocks,
    }
}

fn stories(sub: &str) -> Vec<Story> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir().join(sub))
        .unwrap_or_else(|e| panic!("{sub}: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| {
            let id = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            parse(&id, &read(p))
        })
        .collect()
}

/// How the body is marked up.
#[derive(Clone, Copy)]
enum Wrap {
    /// `<p>` paragraphs, `<figure>` captions.
    Paragraphs,
    /// One `<div>` with `<br>`s, spans and entities (another CMS, another editor).
    Breaks,
}

fn html(blocks: &[Block], wrap: Wrap) -> String {
    let escape = |t: &str| t.replace('&', "&amp;").replace('<', "&lt;");
    match wrap {
        Wrap::Paragraphs => blocks
            .iter()
            .map(|b| match b {
                Block::Lead(t) => format!("<p class=\"sapo\"><strong>{}</strong></p>\n", escape(t)),
                Block::Para(t) => format!("<p>{}</p>\n", escape(t)),
                Block::Caption(t) => format!(
                    "<figure><img src=\"/anh.jpg\" alt=\"\"><figcaption>{}</figcaption></figure>\n",
                    escape(t)
                ),
            })
            .collect(),
        Wrap::Breaks => {
            let inner: Vec<String> = blocks
                .iter()
                .map(|b| {
                    format!(
                        "<span style=\"font-size:14px\">{}</span>",
                        escape(b.text()).replace(" ", " &nbsp;")
                    )
                })
                .collect();
            format!("<div class=\"noidung\">{}</div>", inner.join("<br>\n<br>"))
        }
    }
}

/// What a re-poster did; applied in order.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Edit {
    Prefix,
    SourceLine,
    DropCaptions,
    AddCaption,
    DropLead,
    /// Keep this share (in %) of the words, then "Xem tiếp…".
    Truncate(usize),
    Nfd,
    /// Edit this many words in a thousand.
    Typos(usize),
    Related,
    Rewrap,
}

/// The kinds of re-post, each alone and combined.
const KINDS: &[(&str, &[Edit])] = &[
    ("title-prefix", &[Edit::Prefix]),
    ("source-line", &[Edit::SourceLine]),
    ("captions-dropped", &[Edit::DropCaptions]),
    ("caption-added", &[Edit::AddCaption]),
    ("lead-dropped", &[Edit::DropLead]),
    ("truncated-half", &[Edit::Truncate(50)]),
    ("truncated-two-thirds", &[Edit::Truncate(67)]),
    ("nfd-whitespace", &[Edit::Nfd]),
    ("typos-1pct", &[Edit::Typos(10)]),
    ("typos-3pct", &[Edit::Typos(30)]),
    ("related-block", &[Edit::Related]),
    ("rewrapped", &[Edit::Rewrap]),
    (
        "prefix+source+captions",
        &[Edit::Prefix, Edit::SourceLine, Edit::DropCaptions],
    ),
    (
        "lead-dropped+half+typos-1pct",
        &[Edit::DropLead, Edit::Truncate(50), Edit::Typos(10)],
    ),
    (
        "caption-added+related+nfd",
        &[Edit::AddCaption, Edit::Related, Edit::Nfd],
    ),
    (
        "two-thirds+typos-3pct+source+rewrap",
        &[
            Edit::Truncate(67),
            Edit::Typos(30),
            Edit::SourceLine,
            Edit::Rewrap,
        ],
    ),
    (
        "prefix+lead-dropped+captions+typos-2pct",
        &[
            Edit::Prefix,
            Edit::DropLead,
            Edit::DropCaptions,
            Edit::Typos(20),
        ],
    ),
];

const PREFIXES: &[&str] = &["HG: ", "(TTXVN) - ", "Tỉnh ủy: ", "(HGO) – "];
const SOURCE_LINES: &[&str] = &[
    "Nguồn: Báo Hậu Giang",
    "PV",
    "(Theo Báo Cần Thơ)",
    "Minh Anh (tổng hợp)",
];

fn repost(story: &Story, n: usize, edits: &[Edit], others: &[&Story]) -> (String, String) {
    let mut title = story.title.clone();
    let mut blocks = story.blocks.clone();
    let mut wrap = Wrap::Paragraphs;
    let mut nfd = false;
    let mut rng = fastrand::Rng::with_seed(n as u64 * 7919 + story.id.len() as u64);
    for edit in edits {
        match edit {
            Edit::Prefix => title = format!("{}{title}", PREFIXES[n % PREFIXES.len()]),
            Edit::SourceLine => {
                blocks.push(Block::Para(SOURCE_LINES[n % SOURCE_LINES.len()].into()))
            }
            Edit::DropCaptions => blocks.retain(|b| !matches!(b, Block::Caption(_))),
            Edit::AddCaption => {
                let at = blocks.len().min(2);
                blocks.insert(
                    at,
                    Block::Caption("Quang cảnh buổi làm việc. Ảnh: CTV".into()),
                );
            }
            Edit::DropLead => blocks.retain(|b| !matches!(b, Block::Lead(_))),
            Edit::Truncate(percent) => blocks = truncate(&blocks, *percent),
            Edit::Nfd => nfd = true,
            Edit::Typos(per_mille) => blocks = typos(&blocks, *per_mille, &mut rng),
            Edit::Related => {
                let titles: Vec<&str> = others.iter().map(|s| s.title.as_str()).collect();
                blocks.push(Block::Para(format!(
                    "Tin liên quan: {}",
                    titles.join(" · ")
                )));
            }
            Edit::Rewrap => wrap = Wrap::Breaks,
        }
    }
    let mut body = html(&blocks, wrap);
    if nfd {
        body = body.nfd().collect::<String>().replace(". ", ".  \n  ");
        title = title.nfd().collect();
    }
    (title, body)
}

/// The first `percent` of the words (captions count), then "Xem tiếp…".
fn truncate(blocks: &[Block], percent: usize) -> Vec<Block> {
    let total: usize = blocks.iter().map(|b| b.text().split(' ').count()).sum();
    let mut keep = total * percent / 100;
    let mut out = Vec::new();
    for b in blocks {
        let words: Vec<&str> = b.text().split(' ').collect();
        if words.len() <= keep {
            keep -= words.len();
            out.push(b.clone());
        } else {
            if keep > 0 {
                out.push(Block::Para(format!("{}…", words[..keep].join(" "))));
            }
            break;
        }
    }
    out.push(Block::Para("Xem tiếp…".into()));
    out
}

/// Typing slips and fixes in `per_mille` of the words (never in numbers): a lost tone mark, two
/// letters swapped, a letter doubled or dropped.
fn typos(blocks: &[Block], per_mille: usize, rng: &mut fastrand::Rng) -> Vec<Block> {
    let total: usize = blocks.iter().map(|b| b.text().split(' ').count()).sum();
    let edits = (total * per_mille).div_ceil(1000);
    let mut blocks = blocks.to_vec();
    for _ in 0..edits {
        let b = rng.usize(..blocks.len());
        let text = blocks[b].text().to_string();
        let mut words: Vec<String> = text.split(' ').map(str::to_string).collect();
        let w = rng.usize(..words.len());
        let word = &words[w];
        if word.chars().any(|c| c.is_ascii_digit()) || word.chars().count() < 2 {
            continue;
        }
        let chars: Vec<char> = word.nfc().collect();
        let i = rng.usize(..chars.len() - 1);
        let edited: String = match rng.usize(..4) {
            0 => word
                .nfd()
                .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
                .nfc()
                .collect(),
            1 => {
                let mut c = chars.clone();
                c.swap(i, i + 1);
                c.into_iter().collect()
            }
            2 => {
                let mut c = chars.clone();
                c.insert(i, chars[i]);
                c.into_iter().collect()
            }
            _ => {
                let mut c = chars.clone();
                c.remove(i);
                c.into_iter().collect()
            }
        };
        words[w] = edited;
        let joined = words.join(" ");
        blocks[b] = match &blocks[b] {
            Block::Lead(_) => Block::Lead(joined),
            Block::Para(_) => Block::Para(joined),
            Block::Caption(_) => Block::Caption(joined),
        };
    }
    blocks
}

/// Every labelled item.
pub fn items() -> Vec<Item> {
    let stories = stories("stories");
    let mut items = Vec::new();
    for (s, story) in stories.iter().enumerate() {
        items.push(Item {
            story: story.id.clone(),
            kind: "original".into(),
            title: story.title.clone(),
            html: html(&story.blocks, Wrap::Paragraphs),
            delay_hours: 0,
        });
        let others: Vec<&Story> = (1..=3).map(|k| &stories[(s + k) % stories.len()]).collect();
        for (n, (kind, edits)) in KINDS.iter().enumerate() {
            let (title, html) = repost(story, n + s, edits, &others);
            items.push(Item {
                story: story.id.clone(),
                kind: kind.to_string(),
                title,
                html,
                delay_hours: 1 + n as i64,
            });
        }
    }
    for event in stories_in("same-event") {
        items.push(Item {
            story: format!("same-event/{}", event.id),
            kind: "same-event write-up".into(),
            title: event.title.clone(),
            html: html(&event.blocks, Wrap::Paragraphs),
            delay_hours: 2,
        });
    }
    items.extend(templates());
    items
}

fn stories_in(sub: &str) -> Vec<Story> {
    stories(sub)
}

#[derive(serde::Deserialize)]
struct Templates {
    template: Vec<Template>,
    short: Vec<Short>,
}

#[derive(serde::Deserialize)]
struct Template {
    name: String,
    title: String,
    body: String,
    fills: Vec<std::collections::BTreeMap<String, String>>,
}

#[derive(serde::Deserialize)]
struct Short {
    title: String,
    body: String,
}

fn templates() -> Vec<Item> {
    let file: Templates = toml::from_str(&read(&dir().join("templates.toml")))
        .unwrap_or_else(|e| panic!("templates.toml: {e}"));
    let mut items = Vec::new();
    for t in &file.template {
        for (n, fill) in t.fills.iter().enumerate() {
            let apply = |text: &str| {
                fill.iter().fold(text.to_string(), |acc, (k, v)| {
                    acc.replace(&format!("{{{k}}}"), v)
                })
            };
            let story = parse("", &format!("{}\n\n{}", apply(&t.title), apply(&t.body)));
            items.push(Item {
                story: format!("template/{}/{n}", t.name),
                kind: "template notice".into(),
                title: story.title,
                html: html(&story.blocks, Wrap::Paragraphs),
                delay_hours: n as i64 * 24,
            });
        }
    }
    for (n, s) in file.short.iter().enumerate() {
        items.push(Item {
            story: format!("short/{n}"),
            kind: "short boilerplate item".into(),
            title: s.title.clone(),
            html: format!("<p>{}</p>", s.body),
            delay_hours: n as i64,
        });
    }
    items
}

/// A story's title and body HTML, cut to its first `percent` of words ("Xem tiếp…") below 100.
pub fn story(id: &str, percent: usize) -> (String, String) {
    let story = stories("stories")
        .into_iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("no story {id}"));
    let blocks = if percent < 100 {
        truncate(&story.blocks, percent)
    } else {
        story.blocks.clone()
    };
    (story.title, html(&blocks, Wrap::Paragraphs))
}
