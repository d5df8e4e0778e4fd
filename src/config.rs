//! `feeds.toml` → [`Config`]: the operator's settings and the list of [`Source`]s.
//!
//! Parses with an exact schema (unknown keys are errors), checks every value that can be checked
//! before the network is touched (ids, URLs, durations, CSS selectors, encodings) and reports each
//! problem with the file, line, column and source id. Relative paths are resolved against the
//! config file's folder.
//!
//! It must not do network I/O or touch the store: a [`Config`] is plain, validated data.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use scraper::Selector;
use serde::Deserialize;
use toml::de::{DeTable, DeValue, ValueDeserializer};
use toml::Spanned;
use url::Url;

use crate::address::{AddressPolicy, Network};

/// The whole validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from.
    pub path: PathBuf,
    pub settings: Settings,
    pub sources: Vec<Source>,
}

/// Where the store is: an embedded sled directory (one process), or a PostgreSQL database
/// that several instances share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    Dir(PathBuf),
    /// A `postgres://` URL.
    Postgres(String),
}

impl StoreLocation {
    /// The `store` setting (a directory relative to the config file's, or a database URL;
    /// `store` by default).
    pub fn of(config_dir: &Path, setting: Option<String>) -> StoreLocation {
        match setting {
            Some(url) if crate::store::postgres::is_url(url.trim()) => {
                StoreLocation::Postgres(url.trim().to_string())
            }
            other => StoreLocation::Dir(config_dir.join(other.unwrap_or_else(|| "store".into()))),
        }
    }
}

impl std::fmt::Display for StoreLocation {
    /// The directory, or the database without its password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreLocation::Dir(dir) => write!(f, "{}", dir.display()),
            StoreLocation::Postgres(url) => f.write_str(&crate::store::postgres::target(url)),
        }
    }
}

/// `[settings]`, with defaults filled in and paths made absolute.
#[derive(Debug, Clone)]
pub struct Settings {
    pub title: String,
    pub base_url: Url,
    /// Where articles are kept (`PORTALFEED_STORE` overrides the file's `store`).
    pub store: StoreLocation,
    pub public_dir: PathBuf,
    pub listen: String,
    pub timeout: Duration,
    pub max_body_bytes: u64,
    pub concurrency: usize,
    pub per_host_delay: Duration,
    pub feed_entries: usize,
    pub user_agent: String,
    /// Which addresses may be fetched besides public ones (`allow_private_networks`).
    pub addresses: AddressPolicy,
    /// How long one source's run may take before it is abandoned as timed out.
    pub run_timeout: Duration,
    /// The bytes `serve` keeps of rendered feeds (compressed variants included).
    pub cache_bytes: u64,
    /// The bytes the store's database may keep cached in memory (sled's page cache); the
    /// store's default when unset.
    pub store_cache_bytes: Option<u64>,
    /// What a source may read in one run unless it says otherwise.
    pub limits: Limits,
    /// The token admin requests must present (`PORTALFEED_ADMIN_TOKEN` overrides it).
    pub admin_token: Option<String>,
}

/// How much one source's run reads; the excess is reported, not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// New articles (list links or feed entries) read in one run.
    pub max_entries_per_run: usize,
    /// Article links taken from one list page.
    pub max_links_per_page: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_entries_per_run: 500,
            max_links_per_page: 500,
        }
    }
}

/// What a source's URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// An HTML list page to scrape with CSS selectors.
    Html,
    /// An RSS, Atom or JSON Feed document.
    Feed,
}

/// One portal (or one section of a portal) the operator wants in the feed.
#[derive(Debug, Clone)]
pub struct Source {
    pub id: String,
    pub name: String,
    pub province: Option<String>,
    pub kind: SourceKind,
    pub url: Url,
    pub interval: Duration,
    /// A crontab line (`*/15 * * * *`, Vietnam time) that replaces `interval` when given.
    pub cron: Option<croner::Cron>,
    pub enabled: bool,
    /// Overrides charset detection for every page of this source.
    pub encoding: Option<&'static encoding_rs::Encoding>,
    /// The platform preset the selectors come from, if any.
    pub preset: Option<&'static str>,
    /// Hosts besides the source's own whose article links are followed.
    pub allow_hosts: Vec<String>,
    /// How much one run reads (the settings' limits unless the source sets its own).
    pub limits: Limits,
    pub list: Option<ListRules>,
    pub article: Option<ArticleRules>,
}

/// A CSS selector together with the text the operator wrote, for messages.
#[derive(Debug, Clone)]
pub struct Rule {
    pub text: String,
    pub selector: Selector,
}

/// `[source.list]`: how to find article links on a list page. A source without one (and without
/// a preset) is in auto mode: its links are found by the page's structure.
#[derive(Debug, Clone)]
pub struct ListRules {
    pub link: Rule,
    pub next: Option<Rule>,
    pub max_pages: u32,
}

/// `[source.article]`: where each field sits on an article page.
#[derive(Debug, Clone, Default)]
pub struct ArticleRules {
    pub title: Option<Rule>,
    pub date: Option<Rule>,
    pub author: Option<Rule>,
    pub content: Option<Rule>,
    pub summary: Option<Rule>,
    pub category: Option<Rule>,
    pub remove: Vec<Rule>,
}

/// Everything wrong with a config file; each problem has its own position.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Problem>),
}

/// One problem in a config file.
#[derive(Debug, Clone)]
pub struct Problem {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub source_id: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.path.display(), self.line, self.column)?;
        if let Some(id) = &self.source_id {
            write!(f, "source `{id}`: ")?;
        }
        f.write_str(&self.message)
    }
}

impl Source {
    /// Whether a link may be followed for this source: http(s), on the source's own site or on
    /// a host the operator allowed.
    pub fn allows(&self, url: &Url) -> bool {
        if !matches!(url.scheme(), "http" | "https") {
            return false;
        }
        crate::links::same_site(url, &self.url)
            || url.host_str().is_some_and(|h| {
                let h = h.trim_start_matches("www.").to_ascii_lowercase();
                self.allow_hosts.contains(&h)
            })
    }
}

impl Config {
    /// Reads and validates the file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(path, &text)
    }

    /// Validates `text` as if read from `path` (which anchors relative paths and messages).
    ///
    /// Every problem is reported at once: each table is read on its own, so a wrong key or type
    /// in one source never hides the problems of the others, nor the checks (duplicate ids,
    /// selectors, URLs) of the tables that could be read.
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let file = File { path, text };
        let (root, syntax) = DeTable::parse_recoverable(text);
        if !syntax.is_empty() {
            return Err(ConfigError::Invalid(
                syntax
                    .iter()
                    .map(|e| file.problem(e.span().unwrap_or(0..0), None, e.message().trim()))
                    .collect(),
            ));
        }
        let mut problems = Vec::new();
        let mut raw_settings = Some(RawSettings::default());
        let mut raw_sources: Vec<RawSource> = Vec::new();
        for (key, value) in root.into_inner() {
            match key.get_ref().as_ref() {
                "settings" => raw_settings = file.read_table(value, None, &mut problems),
                "source" => match value.get_ref() {
                    DeValue::Array(items) => {
                        for item in items.iter() {
                            let id = table_id(item);
                            let source =
                                file.read_table(item.clone(), id.as_deref(), &mut problems);
                            raw_sources.extend(source);
                        }
                    }
                    _ => problems.push(file.problem(
                        value.span(),
                        None,
                        "`source` must be a list of [[source]] tables",
                    )),
                },
                other => problems.push(file.problem(
                    key.span(),
                    None,
                    format!("unknown table `{other}`, expected `settings` or `source`"),
                )),
            }
        }
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let settings = raw_settings.and_then(|raw| raw.validate(&file, &dir, &mut problems));
        let mut first_use: HashMap<String, Range<usize>> = HashMap::new();
        let mut sources = Vec::new();
        for raw_source in raw_sources {
            let id = raw_source.id.get_ref().clone();
            if let Some(first) = first_use.get(&id) {
                let at = file.problem(first.clone(), None, "");
                problems.push(file.problem(
                    raw_source.id.span(),
                    Some(&id),
                    format!(
                        "duplicate source id `{id}` (first at line {}, column {})",
                        at.line, at.column
                    ),
                ));
            } else {
                first_use.insert(id, raw_source.id.span());
            }
            let defaults = settings.as_ref().map(|s| s.limits).unwrap_or_default();
            if let Some(source) = raw_source.validate(&file, defaults, &mut problems) {
                sources.push(source);
            }
        }
        match settings {
            Some(settings) if problems.is_empty() => Ok(Config {
                path: path.to_path_buf(),
                settings,
                sources,
            }),
            _ => Err(ConfigError::Invalid(problems)),
        }
    }

    /// The source with this id.
    pub fn source(&self, id: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.id == id)
    }
}

/// The file being validated: turns byte spans into line/column problems.
struct File<'a> {
    path: &'a Path,
    text: &'a str,
}

impl File<'_> {
    fn problem(
        &self,
        span: Range<usize>,
        source_id: Option<&str>,
        message: impl Into<String>,
    ) -> Problem {
        let start = span.start.min(self.text.len());
        let before = self.text.get(..start).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Problem {
            path: self.path.to_path_buf(),
            line,
            column,
            source_id: source_id.map(str::to_string),
            message: message.into(),
        }
    }

    /// Reads one table into `T`, reporting every unknown key — serde stops at the first, so
    /// each is dropped and the table read again — and then the first other schema problem
    /// (a wrong type, a missing key), which ends the table.
    fn read_table<'i, T: Deserialize<'i>>(
        &self,
        mut value: Spanned<DeValue<'i>>,
        source_id: Option<&str>,
        problems: &mut Vec<Problem>,
    ) -> Option<T> {
        loop {
            match T::deserialize(ValueDeserializer::from(value.clone())) {
                Ok(table) => return Some(table),
                Err(e) => {
                    let span = e.span().unwrap_or_else(|| value.span());
                    problems.push(self.problem(span.clone(), source_id, e.message().trim()));
                    if !remove_key_at(&mut value, &span) {
                        return None;
                    }
                }
            }
        }
    }
}

/// Removes the key written at `span` from a table or its sub-tables; false when no key is
/// there (the problem was not an unknown key).
fn remove_key_at(value: &mut Spanned<DeValue<'_>>, span: &Range<usize>) -> bool {
    let DeValue::Table(table) = value.get_mut() else {
        return false;
    };
    let key = table.keys().find(|k| k.span() == *span).cloned();
    match key {
        Some(key) => table.remove(key.get_ref().as_ref()).is_some(),
        None => table.iter_mut().any(|(_, v)| remove_key_at(v, span)),
    }
}

/// The `id` written in a `[[source]]` table, to name the source in its schema problems.
fn table_id(table: &Spanned<DeValue<'_>>) -> Option<String> {
    let DeValue::Table(table) = table.get_ref() else {
        return None;
    };
    match table.get("id").map(Spanned::get_ref) {
        Some(DeValue::String(id)) => Some(id.to_string()),
        _ => None,
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    title: Option<String>,
    base_url: Option<Spanned<String>>,
    store: Option<String>,
    public_dir: Option<String>,
    listen: Option<String>,
    timeout: Option<Spanned<String>>,
    max_body_bytes: Option<u64>,
    concurrency: Option<Spanned<usize>>,
    per_host_delay: Option<Spanned<String>>,
    feed_entries: Option<usize>,
    user_agent: Option<String>,
    run_timeout: Option<Spanned<String>>,
    cache_bytes: Option<u64>,
    store_cache_bytes: Option<u64>,
    admin_token: Option<String>,
    max_entries_per_run: Option<Spanned<usize>>,
    max_links_per_page: Option<Spanned<usize>>,
    allow_private_networks: Option<Spanned<RawPrivateNetworks>>,
}

/// `allow_private_networks = true`, or a list of networks.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawPrivateNetworks {
    All(bool),
    Listed(Vec<String>),
}

impl RawSettings {
    fn validate(
        self,
        file: &File<'_>,
        dir: &Path,
        problems: &mut Vec<Problem>,
    ) -> Option<Settings> {
        let base_url = match &self.base_url {
            None => Url::parse("http://localhost:8080/").ok(),
            Some(raw) => match http_url(raw.get_ref()) {
                Ok(mut url) => {
                    if !url.path().ends_with('/') {
                        url.set_path(&format!("{}/", url.path()));
                    }
                    Some(url)
                }
                Err(message) => {
                    problems.push(file.problem(raw.span(), None, format!("base_url: {message}")));
                    None
                }
            },
        };
        let timeout = duration(file, "timeout", self.timeout.as_ref(), "20s", problems);
        let run_timeout = duration(
            file,
            "run_timeout",
            self.run_timeout.as_ref(),
            "10m",
            problems,
        );
        let per_host_delay = duration(
            file,
            "per_host_delay",
            self.per_host_delay.as_ref(),
            "1s",
            problems,
        );
        let concurrency = at_least_one(
            file,
            None,
            "concurrency",
            self.concurrency.as_ref(),
            8,
            problems,
        );
        let addresses = match self.allow_private_networks.as_ref() {
            None => Some(AddressPolicy::PublicOnly),
            Some(raw) => match raw.get_ref() {
                RawPrivateNetworks::All(true) => Some(AddressPolicy::Any),
                RawPrivateNetworks::All(false) => Some(AddressPolicy::PublicOnly),
                RawPrivateNetworks::Listed(list) => {
                    let parsed: Result<Vec<Network>, String> =
                        list.iter().map(|n| n.parse()).collect();
                    parsed
                        .map(AddressPolicy::Also)
                        .map_err(|m| {
                            problems.push(file.problem(
                                raw.span(),
                                None,
                                format!("allow_private_networks: {m}"),
                            ))
                        })
                        .ok()
                }
            },
        };
        let defaults = Limits::default();
        let limits = Limits {
            max_entries_per_run: at_least_one(
                file,
                None,
                "max_entries_per_run",
                self.max_entries_per_run.as_ref(),
                defaults.max_entries_per_run,
                problems,
            ),
            max_links_per_page: at_least_one(
                file,
                None,
                "max_links_per_page",
                self.max_links_per_page.as_ref(),
                defaults.max_links_per_page,
                problems,
            ),
        };
        let base_url = base_url?;
        let user_agent = self
            .user_agent
            .unwrap_or_else(|| format!("portalfeed/{} (+{base_url})", env!("CARGO_PKG_VERSION")));
        Some(Settings {
            title: self.title.unwrap_or_else(|| "portalfeed".into()),
            store: StoreLocation::of(
                dir,
                std::env::var("PORTALFEED_STORE")
                    .ok()
                    .filter(|s| !s.trim().is_empty())
                    .or(self.store),
            ),
            public_dir: dir.join(self.public_dir.unwrap_or_else(|| "public".into())),
            listen: self.listen.unwrap_or_else(|| "127.0.0.1:8080".into()),
            timeout: timeout?,
            max_body_bytes: self.max_body_bytes.unwrap_or(5_000_000),
            concurrency,
            per_host_delay: per_host_delay?,
            feed_entries: self.feed_entries.unwrap_or(100),
            user_agent,
            base_url,
            addresses: addresses?,
            run_timeout: run_timeout?,
            cache_bytes: self.cache_bytes.unwrap_or(64_000_000),
            store_cache_bytes: self.store_cache_bytes,
            limits,
            admin_token: self.admin_token.filter(|t| !t.trim().is_empty()),
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    id: Spanned<String>,
    name: String,
    province: Option<String>,
    kind: Spanned<String>,
    url: Spanned<String>,
    interval: Option<Spanned<String>>,
    cron: Option<Spanned<String>>,
    enabled: Option<bool>,
    encoding: Option<Spanned<String>>,
    preset: Option<Spanned<String>>,
    #[serde(default)]
    allow_hosts: Vec<String>,
    max_entries_per_run: Option<Spanned<usize>>,
    max_links_per_page: Option<Spanned<usize>>,
    list: Option<Spanned<RawList>>,
    article: Option<Spanned<RawArticle>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawList {
    link: Option<Spanned<String>>,
    next: Option<Spanned<String>>,
    max_pages: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArticle {
    title: Option<Spanned<String>>,
    date: Option<Spanned<String>>,
    author: Option<Spanned<String>>,
    content: Option<Spanned<String>>,
    summary: Option<Spanned<String>>,
    category: Option<Spanned<String>>,
    #[serde(default)]
    remove: Vec<Spanned<String>>,
}

impl RawSource {
    fn validate(
        self,
        file: &File<'_>,
        defaults: Limits,
        problems: &mut Vec<Problem>,
    ) -> Option<Source> {
        let id = self.id.get_ref().clone();
        let limits = Limits {
            max_entries_per_run: at_least_one(
                file,
                Some(&id),
                "max_entries_per_run",
                self.max_entries_per_run.as_ref(),
                defaults.max_entries_per_run,
                problems,
            ),
            max_links_per_page: at_least_one(
                file,
                Some(&id),
                "max_links_per_page",
                self.max_links_per_page.as_ref(),
                defaults.max_links_per_page,
                problems,
            ),
        };
        let before = problems.len();
        let mut problem = |span: Range<usize>, message: String| {
            problems.push(file.problem(span, Some(&id), message));
        };
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            problem(self.id.span(), format!("id `{id}` must match [a-z0-9-]+"));
        }
        let kind = match self.kind.get_ref().as_str() {
            "html" => Some(SourceKind::Html),
            "feed" => Some(SourceKind::Feed),
            other => {
                problem(
                    self.kind.span(),
                    format!("kind `{other}` must be \"html\" or \"feed\""),
                );
                None
            }
        };
        let url = http_url(self.url.get_ref())
            .map_err(|m| problem(self.url.span(), format!("url: {m}")))
            .ok();
        let interval = match &self.interval {
            None => Some(Duration::from_secs(30 * 60)),
            Some(raw) => humantime::parse_duration(raw.get_ref())
                .map_err(|e| problem(raw.span(), format!("interval `{}`: {e}", raw.get_ref())))
                .ok(),
        };
        let cron = match &self.cron {
            None => None,
            Some(raw) => match raw.get_ref().parse::<croner::Cron>() {
                Ok(cron) => Some(cron),
                Err(e) => {
                    problem(raw.span(), format!("cron `{}`: {e}", raw.get_ref()));
                    None
                }
            },
        };
        let encoding = match &self.encoding {
            None => None,
            Some(raw) => match encoding_rs::Encoding::for_label(raw.get_ref().trim().as_bytes()) {
                Some(e) => Some(e),
                None => {
                    problem(raw.span(), format!("unknown encoding `{}`", raw.get_ref()));
                    None
                }
            },
        };
        let preset = match &self.preset {
            None => None,
            Some(raw) => match crate::presets::find(raw.get_ref()) {
                Some(p) => Some((p, raw.span())),
                None => {
                    problem(
                        raw.span(),
                        format!(
                            "unknown preset `{}` (known: {})",
                            raw.get_ref(),
                            crate::presets::names()
                        ),
                    );
                    None
                }
            },
        };
        let p = preset.as_ref().map(|(p, _)| *p);
        let preset_span = preset.as_ref().map(|(_, span)| span.clone());
        // A selector the operator wrote, else the preset's (reported at the `preset` key).
        let mut rule = |explicit: Option<&Spanned<String>>, preset_css: Option<&str>| {
            let (text, span) = match (explicit, preset_css, &preset_span) {
                (Some(raw), _, _) => (raw.get_ref().clone(), raw.span()),
                (None, Some(css), Some(span)) => (css.to_string(), span.clone()),
                _ => return None,
            };
            match Selector::parse(&text) {
                Ok(selector) => Some(Rule { text, selector }),
                Err(e) => {
                    // scraper prefixes some parse errors with an apology that helps nobody.
                    let reason = e.to_string().replace(
                        "Unexpected error occurred. Please report this to the developer",
                        "",
                    );
                    let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
                    problem(span, format!("invalid CSS selector `{text}`: {reason}"));
                    None
                }
            }
        };
        let raw_list = self.list.as_ref().map(|l| l.get_ref());
        let raw_article = self.article.as_ref().map(|a| a.get_ref());
        let list = if raw_list.is_some() || p.is_some() {
            let link = rule(raw_list.and_then(|l| l.link.as_ref()), p.map(|p| p.link));
            let next = rule(
                raw_list.and_then(|l| l.next.as_ref()),
                p.and_then(|p| p.next),
            );
            let max_pages = raw_list
                .and_then(|l| l.max_pages)
                .or(p.map(|p| p.max_pages))
                .unwrap_or(1)
                .max(1);
            link.map(|link| ListRules {
                link,
                next,
                max_pages,
            })
        } else {
            None // auto mode: links found by structure
        };
        let article = {
            let mut field = |pick: fn(&RawArticle) -> &Option<Spanned<String>>,
                             from_preset: Option<&str>| {
                rule(raw_article.and_then(|a| pick(a).as_ref()), from_preset)
            };
            let mut rules = ArticleRules {
                title: field(|a| &a.title, p.and_then(|p| p.title)),
                date: field(|a| &a.date, p.and_then(|p| p.date)),
                author: field(|a| &a.author, p.and_then(|p| p.author)),
                content: field(|a| &a.content, p.and_then(|p| p.content)),
                summary: field(|a| &a.summary, p.and_then(|p| p.summary)),
                category: field(|a| &a.category, p.and_then(|p| p.category)),
                remove: Vec::new(),
            };
            match raw_article {
                Some(a) if !a.remove.is_empty() => {
                    rules.remove = a
                        .remove
                        .iter()
                        .filter_map(|r| rule(Some(r), None))
                        .collect();
                }
                _ => {
                    let css = p.map_or(&[][..], |p| p.remove);
                    rules.remove = css.iter().filter_map(|c| rule(None, Some(c))).collect();
                }
            }
            (raw_article.is_some() || p.is_some()).then_some(rules)
        };
        if let Some(l) = &self.list {
            if l.get_ref().link.is_none() && p.is_none() {
                problem(l.span(), "[source.list] needs `link` (or a preset)".into());
            }
        }
        if kind == Some(SourceKind::Feed) {
            if let Some(l) = &self.list {
                problem(l.span(), "[source.list] is for html sources only".into());
            }
        }
        if problems.len() > before {
            return None;
        }
        Some(Source {
            id,
            name: self.name,
            province: self.province.filter(|p| !p.trim().is_empty()),
            kind: kind?,
            url: url?,
            interval: interval?,
            cron,
            enabled: self.enabled.unwrap_or(true),
            encoding,
            preset: p.map(|p| p.name),
            allow_hosts: self
                .allow_hosts
                .iter()
                .map(|h| h.trim().trim_start_matches("www.").to_ascii_lowercase())
                .collect(),
            limits,
            list,
            article,
        })
    }
}

fn http_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|e| format!("`{text}` is not a valid URL: {e}"))?;
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(url),
        _ => Err(format!("`{text}` must be an http(s) URL")),
    }
}

/// A count the operator may set, at least 1; `default` when unset.
fn at_least_one(
    file: &File<'_>,
    source_id: Option<&str>,
    key: &str,
    raw: Option<&Spanned<usize>>,
    default: usize,
    problems: &mut Vec<Problem>,
) -> usize {
    match raw {
        Some(n) if *n.get_ref() == 0 => {
            problems.push(file.problem(n.span(), source_id, format!("{key} must be at least 1")));
            default
        }
        Some(n) => *n.get_ref(),
        None => default,
    }
}

fn duration(
    file: &File<'_>,
    key: &str,
    raw: Option<&Spanned<String>>,
    default: &str,
    problems: &mut Vec<Problem>,
) -> Option<Duration> {
    let text = raw.map_or(default, |r| r.get_ref().as_str());
    humantime::parse_duration(text)
        .map_err(|e| {
            let span = raw.map_or(0..0, Spanned::span);
            problems.push(file.problem(span, None, format!("{key} `{text}`: {e}")));
        })
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[settings]
title = "Tin tức các tỉnh"
base_url = "https://example.org/feeds"
timeout = "5s"

[[source]]
id = "tg-haugiang"
name = "Ban Tuyên giáo Tỉnh ủy Hậu Giang"
province = "Hậu Giang"
kind = "html"
url = "https://example.org/chuyen-muc/xay-dung"
interval = "15m"
encoding = "windows-1258"
cron = "*/15 * * * *"
[source.list]
link = "a.news-title"
next = "ul.pagination li.next a"
max_pages = 3
[source.article]
title = "h1.detail-title"
content = "div.detail-content"
remove = ["div.comments"]

[[source]]
id = "rss-one"
name = "RSS"
kind = "feed"
url = "https://example.org/rss"
"#;

    fn errors(text: &str) -> Vec<String> {
        match Config::parse(Path::new("conf/feeds.toml"), text) {
            Ok(_) => Vec::new(),
            Err(e) => e.to_string().lines().map(str::to_string).collect(),
        }
    }

    #[test]
    fn good_config_loads_with_defaults() {
        let config = match Config::parse(Path::new("conf/feeds.toml"), GOOD) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(
            config.settings.base_url.as_str(),
            "https://example.org/feeds/"
        );
        assert_eq!(
            config.settings.store,
            StoreLocation::Dir(Path::new("conf/store").to_path_buf())
        );
        assert_eq!(config.settings.timeout, Duration::from_secs(5));
        assert_eq!(config.settings.per_host_delay, Duration::from_secs(1));
        assert_eq!(config.sources.len(), 2);
        let s = &config.sources[0];
        assert_eq!(s.interval, Duration::from_secs(900));
        assert!(s.cron.is_some());
        assert_eq!(s.encoding.map(|e| e.name()), Some("windows-1258"));
        assert_eq!(s.list.as_ref().map(|l| l.max_pages), Some(3));
        assert_eq!(config.sources[1].interval, Duration::from_secs(1800));
        assert!(config.settings.user_agent.starts_with("portalfeed/"));
    }

    #[test]
    fn unknown_key_names_line_and_source() {
        let text = GOOD.replace("interval = \"15m\"", "intervall = \"15m\"");
        let errs = errors(&text);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(
            errs[0].starts_with("conf/feeds.toml:13:1: source `tg-haugiang`: "),
            "{errs:?}"
        );
        assert!(errs[0].contains("intervall"), "{errs:?}");
    }

    #[test]
    fn duplicate_id_bad_selector_url_and_duration_are_all_reported() {
        let text = GOOD
            .replace("*/15 * * * *", "*/15 * * *")
            .replace("id = \"rss-one\"", "id = \"tg-haugiang\"")
            .replace("a.news-title", "a..news")
            .replace("https://example.org/rss", "ftp://example.org/rss")
            .replace("\"15m\"", "\"15 parsecs\"");
        let errs = errors(&text);
        assert_eq!(errs.len(), 5, "{errs:?}");
        assert!(
            errs.iter()
                .any(|e| e.contains(":15:8: source `tg-haugiang`: cron `*/15 * * *`")),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.contains(":26:6: source `tg-haugiang`: duplicate source id")),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.contains(":17:8: source `tg-haugiang`: invalid CSS selector `a..news`")),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.contains(":13:12: source `tg-haugiang`: interval")),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.contains(":29:7: source `tg-haugiang`: url: `ftp://")),
            "{errs:?}"
        );
    }

    #[test]
    fn html_source_without_rules_is_in_auto_mode_and_presets_fill_rules() {
        let text = GOOD.replace(
            "[source.list]\nlink = \"a.news-title\"\nnext = \"ul.pagination li.next a\"\nmax_pages = 3\n",
            "",
        );
        let text = text.replace("[source.article]\ntitle = \"h1.detail-title\"\ncontent = \"div.detail-content\"\nremove = [\"div.comments\"]\n", "");
        let config =
            Config::parse(Path::new("feeds.toml"), &text).unwrap_or_else(|e| panic!("{e}"));
        assert!(config.sources[0].list.is_none(), "auto mode");

        let text = GOOD
            .replace("encoding = \"windows-1258\"", "preset = \"nukeviet\"")
            .replace("link = \"a.news-title\"\n", "");
        let config =
            Config::parse(Path::new("feeds.toml"), &text).unwrap_or_else(|e| panic!("{e}"));
        let s = &config.sources[0];
        assert_eq!(s.preset, Some("nukeviet"));
        let list = s
            .list
            .as_ref()
            .unwrap_or_else(|| panic!("list from the preset"));
        assert!(
            list.link.text.contains("div.news_column"),
            "link from the preset"
        );
        assert_eq!(
            list.next.as_ref().map(|r| r.text.as_str()),
            Some("ul.pagination li.next a"),
            "explicit wins"
        );
        assert_eq!(list.max_pages, 3, "explicit wins");
        let article = s
            .article
            .as_ref()
            .unwrap_or_else(|| panic!("article rules"));
        assert_eq!(
            article.title.as_ref().map(|r| r.text.as_str()),
            Some("h1.detail-title")
        );
        assert!(
            article
                .date
                .as_ref()
                .is_some_and(|r| r.text.contains("span.h5")),
            "date from the preset"
        );

        let errs = errors(&GOOD.replace("encoding = \"windows-1258\"", "preset = \"joomla\""));
        assert!(
            errs.iter()
                .any(|e| e
                    .contains("unknown preset `joomla` (known: nukeviet, liferay, tandan, dnn)")),
            "{errs:?}"
        );
    }

    #[test]
    fn schema_problems_in_several_tables_are_all_reported() {
        let text = GOOD
            .replace("interval = \"15m\"", "intervall = \"15m\"")
            .replace("kind = \"feed\"", "kind = \"feed\"\ncolour = \"red\"")
            .replace("timeout = \"5s\"", "timeout = \"5s\"\nverbose = true");
        let errs = errors(&text);
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(
            errs.iter()
                .any(|e| e.contains(":6:1: ") && e.contains("unknown field `verbose`")),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.contains(":14:1: source `tg-haugiang`: unknown field `intervall`")),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.contains("source `rss-one`: unknown field `colour`")),
            "{errs:?}"
        );
    }

    #[test]
    fn schema_and_semantic_problems_are_reported_together() {
        let text = GOOD
            .replace(
                "link = \"a.news-title\"",
                "link = \"a.lnkTitle[[\"\nlnik = \"a\"",
            )
            .replace("id = \"rss-one\"", "id = \"tg-haugiang\"");
        let errs = errors(&text);
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(
            errs.iter().any(|e| e
                .contains(":18:1: source `tg-haugiang`: unknown field `lnik`, expected one of")),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e
                    .contains(":17:8: source `tg-haugiang`: invalid CSS selector `a.lnkTitle[[`")),
            "{errs:?}"
        );
        assert!(
            errs.iter().any(|e| e.contains(
                ":27:6: source `tg-haugiang`: duplicate source id `tg-haugiang` (first at line 8, column 6)"
            )),
            "{errs:?}"
        );
    }

    #[test]
    fn a_wrong_type_is_reported_beside_other_sources_problems() {
        let text = GOOD
            .replace("max_pages = 3", "max_pages = \"three\"")
            .replace("https://example.org/rss", "ftp://example.org/rss");
        let errs = errors(&text);
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(
            errs.iter()
                .any(|e| e.contains(":19:13: source `tg-haugiang`: invalid type")),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.contains("source `rss-one`: url: `ftp://")),
            "{errs:?}"
        );
    }

    #[test]
    fn counts_must_be_at_least_one_in_settings_and_sources() {
        let text = GOOD
            .replace(
                "timeout = \"5s\"",
                "timeout = \"5s\"\nconcurrency = 0\nmax_links_per_page = 0",
            )
            .replace(
                "interval = \"15m\"",
                "interval = \"15m\"\nmax_entries_per_run = 0",
            );
        let errs = errors(&text);
        assert_eq!(errs.len(), 3, "{errs:?}");
        for expected in [
            ":6:15: concurrency must be at least 1",
            ":7:22: max_links_per_page must be at least 1",
            "source `tg-haugiang`: max_entries_per_run must be at least 1",
        ] {
            assert!(
                errs.iter().any(|e| e.contains(expected)),
                "{expected}: {errs:?}"
            );
        }
    }

    #[test]
    fn html_source_needs_rules() {
        let text = GOOD.replace("link = \"a.news-title\"\n", "");
        let errs = errors(&text);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(
            errs[0].contains("[source.list] needs `link` (or a preset)"),
            "{errs:?}"
        );
    }

    #[test]
    fn syntax_error_has_position() {
        let errs = errors("[settings]\ntitle = \"unterminated\n");
        assert_eq!(errs.len(), 1);
        assert!(errs[0].starts_with("conf/feeds.toml:2:"), "{errs:?}");
    }
}
