//! portalfeed turns Vietnamese provincial news portals into one clean, deduplicated Atom feed.
//!
//! # Layout
//!
//! An article travels left to right once, one module per stage:
//!
//! ```text
//! feeds.toml → config → schedule → fetch → extract → normalize → dedupe/store → feeds → render → publish / serve
//! ```
//!
//! - [`config`]: `feeds.toml` → validated [`config::Config`] and [`config::Source`]s;
//!   [`presets`] holds the selectors of common portal platforms.
//! - [`schedule`]: which sources are due.
//! - [`fetch`]: polite HTTP GETs with validators, size and time limits; [`address`] decides
//!   which addresses it may connect to (public only, unless the operator allows more).
//! - [`extract`]: bytes → [`extract::ListPage`] / [`extract::RawArticle`] (pages and feeds).
//! - [`normalize`]: [`extract::RawArticle`] → [`normalize::Article`]: NFC, Vietnamese dates,
//!   sanitized HTML with absolute links, key URL.
//! - [`dedupe`]: one story published twice: exact fingerprints, and near-copy profiles with the
//!   rule that confirms a match.
//! - [`store`]: the sled store: articles, seen links, the dedup index and story clusters,
//!   validators, source state; and the full-text search index beside it. Every stage uses it
//!   through the [`store::Storage`] trait, so a second backend can stand in. `store::postgres`:
//!   the PostgreSQL schema, its migrations and the shared schedule (the backend proper is in
//!   progress).
//! - [`feeds`]: the one feed query layer: a feed request (scope, filters, page) → the feed's
//!   title, self and paging links and entries, for files, `export` and HTTP alike.
//! - [`render`]: feeds → Atom, RSS, JSON Feed; OPML.
//! - [`publish`]: rendered feeds → files in `public_dir`, atomically.
//! - [`pipeline`]: one run over the due sources, stage after stage.
//! - [`serve`]: the long-running server: scheduler, feeds over HTTP, status, metrics.
//! - [`check`]: a dry run of one source for operators, touching no store.
//! - [`import`]: published Atom feeds read back into a store (recovering a damaged one).
//! - [`dupes`]: recent merges and why two articles were (not) merged, for operators.
//!
//! Leaf helpers several stages share, importing nothing of ours but each other's leaves:
//! [`text`] (NFC, folding, printable output), [`dates`] (every date form portals print),
//! [`links`] (resolving hrefs, same-site), [`nesting`] (HTML parsing with a depth bound),
//! [`digest`] (hex digests).

pub mod address;
pub mod check;
pub mod config;
pub mod dates;
pub mod dedupe;
pub mod digest;
pub mod dupes;
pub mod extract;
pub mod feeds;
pub mod fetch;
pub mod import;
pub mod links;
pub mod nesting;
pub mod normalize;
pub mod pipeline;
pub mod presets;
pub mod publish;
pub mod render;
pub mod schedule;
pub mod serve;
pub mod store;
pub mod text;
