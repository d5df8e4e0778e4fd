//! The `portalfeed` command line: parses arguments, calls the library, maps outcomes to exit
//! codes (0 ok, 1 a source failed, 2 usage or config error, 75 store in use). Nothing else.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use portalfeed::config::{Config, StoreLocation};
use portalfeed::pipeline::{self, Outcome, RunOptions};
use portalfeed::publish;
use portalfeed::serve::status;
use portalfeed::store::{postgres, Storage, Store, StoreError};
use portalfeed::text::printable;

/// Exit code when another process holds the store (EX_TEMPFAIL).
const EXIT_LOCKED: u8 = 75;
/// The store is damaged (EX_DATAERR); the README says how to recover.
const EXIT_DAMAGED: u8 = 65;
const EXIT_USAGE: u8 = 2;

#[derive(Parser)]
#[command(
    version,
    about = "Vietnamese provincial news portals → one clean Atom feed"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Fetch the due sources, store new articles, write the feeds to public_dir.
    Fetch {
        #[arg(long, default_value = "feeds.toml")]
        config: PathBuf,
        /// Fetch every enabled source, due or not.
        #[arg(long)]
        force: bool,
        /// Fetch only this source (repeatable), due or not.
        #[arg(long = "source", value_name = "ID")]
        sources: Vec<String>,
    },
    /// Write the unified Atom feed to stdout.
    Export {
        #[arg(long, default_value = "feeds.toml")]
        config: PathBuf,
    },
    /// Run every source on its schedule and serve the feeds over HTTP until SIGTERM.
    Serve {
        #[arg(long, default_value = "feeds.toml")]
        config: PathBuf,
    },
    /// Validate the config; with --source or --url, a dry run of one source (no store written).
    Check {
        #[arg(long, default_value = "feeds.toml")]
        config: PathBuf,
        /// Dry-run this configured source.
        #[arg(long, value_name = "ID", conflicts_with = "url")]
        source: Option<String>,
        /// Dry-run a URL that is not in the config yet (auto mode unless --preset).
        #[arg(long)]
        url: Option<String>,
        /// With --url: the platform preset to use (see `portalfeed presets`).
        #[arg(long, requires = "url")]
        preset: Option<String>,
        /// Print the result as JSON (dates as RFC 3339).
        #[arg(long)]
        json: bool,
    },
    /// List the platform presets a source can use.
    Presets,
    /// Print every source's status (asks the running server, or reads the store).
    Sources {
        #[arg(long, default_value = "feeds.toml")]
        config: PathBuf,
        /// One source's last runs and a sparkline of its articles per day, instead of the table.
        #[arg(long, value_name = "ID")]
        history: Option<String>,
    },
    /// List recent cross-source merges, or explain why two stored articles were (not) merged.
    Dupes {
        #[arg(long, default_value = "feeds.toml")]
        config: PathBuf,
        /// Only merges involving this source.
        #[arg(long, value_name = "ID", conflicts_with = "explain")]
        source: Option<String>,
        /// How many merges to list.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Two stored articles (key URLs or list links): print their scores and the verdict.
        #[arg(long, num_args = 2, value_names = ["URL", "URL"])]
        explain: Option<Vec<String>>,
    },
    /// Read published Atom feeds back into the store (recovering a damaged or lost one).
    Import {
        #[arg(long, default_value = "feeds.toml")]
        config: PathBuf,
        /// Atom files: public/feed.atom, public/sources/*.atom.
        #[arg(value_name = "FILE", required = true)]
        files: Vec<PathBuf>,
    },
    /// Apply the PostgreSQL schema's pending migrations (each once, however many instances
    /// run this at the same time) and print the schema's version.
    Migrate {
        /// The database: postgres://user@host[:port]/database (default: PORTALFEED_STORE).
        #[arg(long, value_name = "URL")]
        to: Option<String>,
        /// Also copy this embedded (sled) store into the database, which must hold no
        /// articles yet: entry ids, first-seen times, duplicates, validators and source
        /// state carry over, so subscribed readers see no new or repeated entries.
        #[arg(long, value_name = "DIR")]
        from: Option<PathBuf>,
    },
    /// Ask the running server to fetch now: every enabled source, or the named ones
    /// (uses admin_token or PORTALFEED_ADMIN_TOKEN).
    RunNow {
        #[arg(long, default_value = "feeds.toml")]
        config: PathBuf,
        /// Source ids; none means every enabled source.
        #[arg(value_name = "ID")]
        sources: Vec<String>,
    },
}

fn main() -> ExitCode {
    // sled panics on some damage to its files; the store reports that as one clear error, so
    // the panic's own message and backtrace would only bury it. A panic caught elsewhere (a
    // page that broke an extractor is skipped) may quote the page: its message is printed with
    // control characters escaped.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() == Some("store-open") {
            return;
        }
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned());
        match message.as_deref().map(printable) {
            Some(std::borrow::Cow::Owned(escaped)) => {
                let at = info
                    .location()
                    .map(|l| format!(" at {}:{}", l.file(), l.line()))
                    .unwrap_or_default();
                eprintln!("portalfeed: internal error{at}: {escaped}");
            }
            _ => default_hook(info),
        }
    }));
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("error")),
        )
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("portalfeed: {}", printable(&format!("{e:#}")));
            match store_error(&e) {
                Some(StoreError::Locked { .. }) => ExitCode::from(EXIT_LOCKED),
                Some(damage) if damage.is_damage() => ExitCode::from(EXIT_DAMAGED),
                _ => ExitCode::FAILURE,
            }
        }
    }
}

/// The store error behind a command's failure, if one is (directly or inside a stage's error).
fn store_error(e: &anyhow::Error) -> Option<&StoreError> {
    e.downcast_ref::<StoreError>()
        .or_else(|| match e.downcast_ref::<pipeline::RunError>() {
            Some(pipeline::RunError::Store(inner)) => Some(inner),
            _ => None,
        })
        .or_else(|| match e.downcast_ref::<publish::PublishError>() {
            Some(publish::PublishError::Store(inner)) => Some(inner),
            _ => None,
        })
        .or_else(|| match e.downcast_ref::<portalfeed::dupes::DupesError>() {
            Some(portalfeed::dupes::DupesError::Store(inner)) => Some(inner),
            _ => None,
        })
}

/// How long a command that only reads the store (`sources`, `export`) may take.
const READ_DEADLINE: std::time::Duration = std::time::Duration::from_secs(30);

/// Ends the process (exit 65) if it is still running after `limit`: sled can spin forever on
/// some damage to its files, and a command from cron must not hang in its place. A store of
/// many GB adds the time it may take to open ([`portalfeed::store::open_allowance`]).
fn watchdog(limit: std::time::Duration, what: &'static str, store: StoreLocation) {
    let limit = match &store {
        StoreLocation::Dir(dir) => limit.saturating_add(portalfeed::store::open_allowance(dir)),
        StoreLocation::Postgres(_) => limit,
    };
    let _ = std::thread::Builder::new()
        .name("watchdog".into())
        .spawn(move || {
            std::thread::sleep(limit);
            eprintln!(
                "portalfeed: {what} did not finish within {}: the store at {store} may be \
                 damaged or unreachable; see \"Recovering a damaged store\" in the README",
                humantime::format_duration(limit),
            );
            std::process::exit(i32::from(EXIT_DAMAGED));
        });
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Migrate { to, from } => {
            let Some(url) = to.or_else(|| std::env::var("PORTALFEED_STORE").ok()) else {
                eprintln!(
                    "portalfeed: migrate: name the database: --to postgres://user@host/db \
                     (or set PORTALFEED_STORE)"
                );
                return Ok(ExitCode::from(EXIT_USAGE));
            };
            if !postgres::is_url(&url) {
                eprintln!(
                    "portalfeed: migrate: {} is not a postgres:// URL (an embedded store needs \
                     no migration)",
                    printable(&url)
                );
                return Ok(ExitCode::from(EXIT_USAGE));
            }
            let runtime =
                tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
            let migrated = runtime.block_on(postgres::migrate(&url))?;
            let target = postgres::target(&url);
            if migrated.applied.is_empty() {
                println!(
                    "{target}: schema at version {}, nothing to apply",
                    migrated.version
                );
            } else {
                let applied: Vec<String> =
                    migrated.applied.iter().map(ToString::to_string).collect();
                println!(
                    "{target}: applied migration(s) {}; schema at version {}",
                    applied.join(", "),
                    migrated.version
                );
            }
            if let Some(dir) = from {
                let source = Store::open(&dir)?;
                let database = postgres::PgStore::open(&url)?;
                let started = std::time::Instant::now();
                let moved = database.receive(|take| source.each_record(take))?;
                println!(
                    "{target}: copied {moved} from {} in {:.1} s",
                    printable(&dir.display().to_string()),
                    started.elapsed().as_secs_f64()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Fetch {
            config,
            force,
            sources,
        } => {
            let Some(config) = load(&config) else {
                return Ok(ExitCode::from(EXIT_USAGE));
            };
            if let Some(unknown) = sources.iter().find(|id| config.source(id).is_none()) {
                return Ok(no_such_source(&config.path, unknown));
            }
            // Every source's run ends by run_timeout; publishing is quick. Past that, the store.
            watchdog(
                config.settings.run_timeout + std::time::Duration::from_secs(60),
                "fetch",
                config.settings.store.clone(),
            );
            let store = open_store(&config)?;
            let runtime =
                tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
            let bar = progress(config.sources.len() as u64, "fetching");
            let on_done = bar.clone().map(|bar| {
                Arc::new(move |report: &pipeline::SourceReport| {
                    bar.set_message(report.id.clone());
                    bar.inc(1);
                }) as pipeline::Progress
            });
            let options = RunOptions {
                force,
                only: sources,
                on_source_done: on_done,
            };
            let report = runtime.block_on(pipeline::run(&config, Arc::clone(&store), &options))?;
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            publish::write_feeds(&config, store.as_ref())?;
            store.flush()?;
            print_report(&report)?;
            Ok(if report.any_failed() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Serve { config: path } => {
            let Some(config) = load(&path) else {
                return Ok(ExitCode::from(EXIT_USAGE));
            };
            let store = open_store(&config)?;
            let runtime =
                tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
            runtime.block_on(portalfeed::serve::serve(path, config, store))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Sources { config, history } => {
            let Some(config) = load(&config) else {
                return Ok(ExitCode::from(EXIT_USAGE));
            };
            if let Some(unknown) = history.as_ref().filter(|id| config.source(id).is_none()) {
                return Ok(no_such_source(&config.path, unknown));
            }
            watchdog(READ_DEADLINE, "sources", config.settings.store.clone());
            let table = match (open_store(&config), &history) {
                (Ok(store), Some(id)) => {
                    let name = config.source(id).map_or("", |s| s.name.as_str());
                    let state = store.source_state(id)?;
                    portalfeed::serve::history::history_text(id, name, &state, pipeline::now())
                }
                (Ok(store), None) => {
                    let rows = status::rows(&config, store.as_ref(), &Default::default())?;
                    status::table_text(&rows)
                }
                (
                    Err(StoreError::Locked {
                        holder: Some(holder),
                        ..
                    }),
                    _,
                ) if holder.contains("http://") => ask_server(&holder, history.as_deref())?,
                (Err(e), _) => return Err(e.into()),
            };
            std::io::stdout().write_all(table.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Dupes {
            config,
            source,
            limit,
            explain,
        } => {
            let Some(config) = load(&config) else {
                return Ok(ExitCode::from(EXIT_USAGE));
            };
            if let Some(unknown) = source.as_ref().filter(|id| config.source(id).is_none()) {
                return Ok(no_such_source(&config.path, unknown));
            }
            watchdog(READ_DEADLINE, "dupes", config.settings.store.clone());
            let store = open_store(&config)?;
            let text = match explain.as_deref() {
                Some([first, second]) => {
                    match portalfeed::dupes::explain(store.as_ref(), first, second) {
                        Ok(text) => text,
                        Err(portalfeed::dupes::DupesError::Unknown(url)) => {
                            eprintln!("portalfeed: no stored article has the URL {url}");
                            return Ok(ExitCode::FAILURE);
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                _ => portalfeed::dupes::recent(store.as_ref(), source.as_deref(), limit)?,
            };
            std::io::stdout().write_all(text.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { config, files } => {
            let Some(config) = load(&config) else {
                return Ok(ExitCode::from(EXIT_USAGE));
            };
            let store = open_store(&config)?;
            let mut failed = false;
            for file in &files {
                match portalfeed::import::import_feed(
                    &config,
                    store.as_ref(),
                    file,
                    pipeline::now(),
                ) {
                    Ok(done) => {
                        println!(
                            "{}: {} new, {} already stored, {} skipped",
                            printable(&file.display().to_string()),
                            done.new,
                            done.already_stored,
                            done.skipped.len()
                        );
                        for why in &done.skipped {
                            println!("    skipped {}", printable(why));
                        }
                    }
                    Err(e) => {
                        failed = true;
                        eprintln!("portalfeed: {}", printable(&e.to_string()));
                    }
                }
            }
            Ok(if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::RunNow { config, sources } => {
            let Some(config) = load(&config) else {
                return Ok(ExitCode::from(EXIT_USAGE));
            };
            let Some(token) = portalfeed::serve::admin::token(&config.settings) else {
                eprintln!(
                    "portalfeed: no admin token: set admin_token in [settings] or {}",
                    portalfeed::serve::admin::TOKEN_ENV
                );
                return Ok(ExitCode::from(EXIT_USAGE));
            };
            if let StoreLocation::Postgres(_) = &config.settings.store {
                // No lock names a server: any instance takes the request.
                eprintln!(
                    "portalfeed: on a shared PostgreSQL store, ask an instance directly: \
                     POST http://INSTANCE/admin/fetch?source=ID with the admin token"
                );
                return Ok(ExitCode::from(EXIT_USAGE));
            }
            let holder = match open_store(&config) {
                Err(StoreError::Locked {
                    holder: Some(holder),
                    ..
                }) if holder.contains("http://") => holder,
                _ => {
                    eprintln!(
                        "portalfeed: no server holds {}: use `portalfeed fetch` instead",
                        config.settings.store
                    );
                    return Ok(ExitCode::FAILURE);
                }
            };
            let url = format!(
                "{}/admin/fetch?source={}",
                server_base(&holder),
                sources.join(",")
            );
            let (status, text) = ask(&url, Some(&token))?;
            print!("{}", printable(&text));
            Ok(if status == 202 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Check {
            config,
            source,
            url,
            preset,
            json,
        } => check(&config, source, url, preset, json),
        Command::Presets => {
            let mut out = std::io::stdout().lock();
            for p in portalfeed::presets::PRESETS {
                writeln!(out, "{:<10} {}", p.name, p.platform)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { config } => {
            let Some(config) = load(&config) else {
                return Ok(ExitCode::from(EXIT_USAGE));
            };
            watchdog(READ_DEADLINE, "export", config.settings.store.clone());
            let store = open_store(&config)?;
            let feed = publish::unified_feed(&config, store.as_ref())?;
            std::io::stdout().write_all(feed.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `portalfeed check`: the whole config, or a dry run of one source.
fn check(
    path: &std::path::Path,
    source: Option<String>,
    url: Option<String>,
    preset: Option<String>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let config = match (Config::load(path), &url) {
        (Ok(config), _) => config,
        // `--url` needs no config file: defaults are enough to try a portal.
        (Err(portalfeed::config::ConfigError::Read { .. }), Some(_)) => {
            Config::parse(path, "").map_err(|e| anyhow::anyhow!("{e}"))?
        }
        (Err(e), _) => {
            eprintln!("{}", printable(&e.to_string()));
            return Ok(ExitCode::from(EXIT_USAGE));
        }
    };
    let source = match (source, &url) {
        (None, None) => {
            // Not errors — the operator may mean it — but a fetch would refuse them.
            for source in &config.sources {
                if let Err(refused) = config.settings.addresses.check_literal(&source.url) {
                    println!(
                        "warning: source `{}`: {}: {}",
                        source.id,
                        source.url,
                        printable(&refused.to_string())
                    );
                }
            }
            println!(
                "{}: {} sources, no problem found",
                path.display(),
                config.sources.len()
            );
            return Ok(ExitCode::SUCCESS);
        }
        (Some(id), _) => match config.source(&id) {
            Some(source) => Some(source.clone()),
            None => return Ok(no_such_source(path, &id)),
        },
        (None, Some(_)) => None,
    };
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let bar = progress(0, "checking");
    let result = runtime.block_on(async {
        let source = match (source, url) {
            (Some(source), _) => source,
            (None, Some(url)) => {
                portalfeed::check::source_for_url(&config.settings, &url, preset.as_deref()).await?
            }
            (None, None) => return Err(anyhow::anyhow!("nothing to check")),
        };
        Ok(portalfeed::check::check(&source, &config.settings).await?)
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let report = result?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", printable(&portalfeed::check::to_text(&report)));
    }
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// A progress bar on stderr when it is a terminal (plain log lines otherwise).
fn progress(len: u64, what: &'static str) -> Option<indicatif::ProgressBar> {
    if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return None;
    }
    let bar = if len > 0 {
        indicatif::ProgressBar::new(len)
    } else {
        indicatif::ProgressBar::new_spinner()
    };
    let template = if len > 0 {
        "{spinner} {prefix} [{bar:30}] {pos}/{len} {msg}"
    } else {
        "{spinner} {prefix} {msg}"
    };
    let style = indicatif::ProgressStyle::with_template(template)
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_prefix(what);
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(bar)
}

/// The address of the `serve` process named in the store's lock note.
fn server_base(holder: &str) -> String {
    let start = holder.find("http://").unwrap_or_default();
    let base = holder
        .get(start..)
        .unwrap_or_default()
        .split_whitespace()
        .next()
        .unwrap_or_default();
    base.trim_end_matches('/').to_string()
}

/// `/sources.txt` of the `serve` process named in the store's lock note: the status table, or
/// one source's history.
fn ask_server(holder: &str, history: Option<&str>) -> anyhow::Result<String> {
    let query = history
        .map(|id| format!("?history={id}"))
        .unwrap_or_default();
    let url = format!("{}/sources.txt{query}", server_base(holder));
    let (status, text) = ask(&url, None)?;
    anyhow::ensure!(status == 200, "{url}: HTTP {status}: {text}");
    Ok(text)
}

/// A GET (or, with a token, an authorized POST) to the local server: status and body.
fn ask(url: &str, token: Option<&str>) -> anyhow::Result<(u16, String)> {
    portalfeed::fetch::install_tls_provider();
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let request = match token {
            Some(token) => client.post(url).bearer_auth(token),
            None => client.get(url),
        };
        let response = request.send().await.with_context(|| {
            format!("the store is held by a server that does not answer at {url}")
        })?;
        let status = response.status().as_u16();
        Ok((status, response.text().await?))
    })
}

/// Says that the config at `path` has no source `id`; the exit code that follows.
fn no_such_source(path: &std::path::Path, id: &str) -> ExitCode {
    eprintln!(
        "portalfeed: {}: no source with id `{}`",
        path.display(),
        printable(id)
    );
    ExitCode::from(EXIT_USAGE)
}

/// The config, or `None` after printing why it is unusable.
fn load(path: &std::path::Path) -> Option<Config> {
    match Config::load(path) {
        Ok(config) => Some(config),
        Err(e) => {
            eprintln!("{}", printable(&e.to_string()));
            None
        }
    }
}

/// One line per source: new / unchanged / failed with the reason; skipped articles below it.
fn print_report(report: &pipeline::RunReport) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    let width = report.sources.iter().map(|s| s.id.len()).max().unwrap_or(0);
    for source in &report.sources {
        let (line, counts) = match &source.outcome {
            Outcome::Skipped => ("not due".to_string(), None),
            Outcome::NotModified => ("unchanged (not modified)".to_string(), None),
            Outcome::Done(c) => (
                format!(
                    "ok: {} new, {} updated, {} unchanged, {} duplicate, {} skipped",
                    c.new,
                    c.updated,
                    c.unchanged,
                    c.duplicates,
                    c.skipped.len()
                ),
                Some(c),
            ),
            Outcome::Failed { reason, counts } => (format!("FAILED: {reason}"), Some(counts)),
        };
        writeln!(out, "{:width$}  {line}", source.id)?;
        for (link, reason) in counts.map(|c| c.skipped.as_slice()).unwrap_or_default() {
            writeln!(out, "{:width$}    skipped {link}: {reason}", "")?;
        }
        for note in counts.map(|c| c.notes.as_slice()).unwrap_or_default() {
            writeln!(out, "{:width$}    note: {note}", "")?;
        }
    }
    writeln!(out, "{} requests", report.requests)
}

/// The configured store: the embedded one (its cache bounded as configured), or the PostgreSQL
/// database (its migrations applied).
fn open_store(config: &Config) -> Result<Arc<dyn Storage>, portalfeed::store::StoreError> {
    Ok(match &config.settings.store {
        StoreLocation::Dir(dir) => Arc::new(Store::open_with_cache(
            dir,
            config
                .settings
                .store_cache_bytes
                .unwrap_or(portalfeed::store::DEFAULT_CACHE_BYTES),
        )?),
        StoreLocation::Postgres(url) => Arc::new(postgres::PgStore::open(url)?),
    })
}
