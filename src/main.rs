//! The `portalfeed` command line: parses arguments, calls the library, maps outcomes to exit
//! codes (0 ok, 1 a source failed, 2 usage or config error, 75 store in use). Nothing else.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use portalfeed::config::Config;
use portalfeed::pipeline::{self, Outcome, RunOptions};
use portalfeed::publish;
use portalfeed::serve::status;
use portalfeed::store::{Store, StoreError};

/// Exit code when another process holds the store (EX_TEMPFAIL).
const EXIT_LOCKED: u8 = 75;
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
    /// Print every source's status (asks the running server, or reads the store).
    Sources {
        #[arg(long, default_value = "feeds.toml")]
        config: PathBuf,
    },
}

fn main() -> ExitCode {
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
            eprintln!("portalfeed: {e:#}");
            if let Some(StoreError::Locked { .. }) = e.downcast_ref::<StoreError>() {
                ExitCode::from(EXIT_LOCKED)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Fetch {
            config,
            force,
            sources,
        } => {
            let Some(config) = load(&config) else {
                return Ok(ExitCode::from(EXIT_USAGE));
            };
            if let Some(unknown) = sources.iter().find(|id| config.source(id).is_none()) {
                eprintln!(
                    "portalfeed: {}: no source with id `{unknown}`",
                    config.path.display()
                );
                return Ok(ExitCode::from(EXIT_USAGE));
            }
            let store = Arc::new(Store::open(&config.settings.store)?);
            let runtime =
                tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
            let options = RunOptions {
                force,
                only: sources,
            };
            let report = runtime.block_on(pipeline::run(&config, Arc::clone(&store), &options))?;
            publish::write_feeds(&config, &store)?;
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
            let store = Arc::new(Store::open(&config.settings.store)?);
            let runtime =
                tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
            runtime.block_on(portalfeed::serve::serve(path, config, store))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Sources { config } => {
            let Some(config) = load(&config) else {
                return Ok(ExitCode::from(EXIT_USAGE));
            };
            let table = match Store::open(&config.settings.store) {
                Ok(store) => {
                    let rows = status::rows(&config, &store, &Default::default())?;
                    status::table_text(&rows)
                }
                Err(StoreError::Locked {
                    holder: Some(holder),
                    ..
                }) if holder.contains("http://") => ask_server(&holder)?,
                Err(e) => return Err(e.into()),
            };
            std::io::stdout().write_all(table.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { config } => {
            let Some(config) = load(&config) else {
                return Ok(ExitCode::from(EXIT_USAGE));
            };
            let store = Store::open(&config.settings.store)?;
            let feed = publish::unified_feed(&config, &store)?;
            std::io::stdout().write_all(feed.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The status table from the `serve` process named in the store's lock note.
fn ask_server(holder: &str) -> anyhow::Result<String> {
    let start = holder.find("http://").unwrap_or_default();
    let base = holder[start..]
        .split_whitespace()
        .next()
        .unwrap_or_default();
    let base = base.trim_end_matches('/');
    let url = format!("{base}/sources.txt");
    portalfeed::fetch::install_tls_provider();
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let response = reqwest::get(&url).await.with_context(|| {
            format!("the store is held by a server that does not answer at {url}")
        })?;
        let response = response.error_for_status().with_context(|| url.clone())?;
        Ok(response.text().await?)
    })
}

/// The config, or `None` after printing why it is unusable.
fn load(path: &std::path::Path) -> Option<Config> {
    match Config::load(path) {
        Ok(config) => Some(config),
        Err(e) => {
            eprintln!("{e}");
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
    }
    writeln!(out, "{} requests", report.requests)
}
