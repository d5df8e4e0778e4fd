//! Serve: the long-running process. It owns the store, runs every source on its schedule
//! ([`scheduler`]) and publishes the feeds over HTTP ([`feeds`]), with pages for people who
//! open the address in a browser ([`reader`]: the front page, a story's page) and a dashboard,
//! health and metrics for operators ([`status`], [`history`], [`metrics`]).
//!
//! Shutdown (SIGTERM/SIGINT) stops the scheduler from starting runs, gives the runs in flight
//! 10 s, flushes the store and lets the HTTP server finish its requests. SIGHUP or
//! `POST /admin/reload` re-reads `feeds.toml`; an invalid file is refused and the running config
//! stays. Admin endpoints need a token and answer this machine only ([`admin`]).
//!
//! The HTTP side must not fetch, and a feed request must not render or touch sled when the
//! store has not changed since the bytes it would serve were rendered.

pub mod admin;
pub mod feeds;
pub mod history;
pub mod metrics;
pub mod reader;
pub mod scheduler;
mod shared;
pub mod status;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, FixedOffset};
use tokio::sync::{watch, Notify};

use crate::config::Config;
use crate::fetch::Fetcher;
use crate::store::{Storage, StoreError};

/// Serve failures (a source's failures are not: they are logged and shown).
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Fetch(#[from] crate::fetch::FetchError),
    #[error("HTTP server: {0}")]
    Http(std::io::Error),
}

/// Everything the scheduler and the HTTP handlers share.
pub struct App {
    config_path: PathBuf,
    config: RwLock<Arc<Config>>,
    pub(crate) store: Arc<dyn Storage>,
    fetcher: RwLock<Arc<Fetcher>>,
    /// Bumped whenever what a feed shows may have changed (articles stored, config reloaded):
    /// rendered feeds of an older generation are stale.
    generation: AtomicU64,
    pub(crate) cache: feeds::FeedCache,
    /// The reader's pages, rendered once per store generation, as feeds are.
    pub(crate) pages: feeds::RenderCache<reader::ReaderQuery>,
    pub(crate) metrics: metrics::Metrics,
    /// Wakes the scheduler: a run finished, a reload, an admin fetch, shutdown.
    wake: Notify,
    /// Sources an operator asked to run now (`POST /admin/fetch`).
    requested: Mutex<HashSet<String>>,
    /// When each source runs next (jitter included), for the scheduler and the status page.
    next_runs: Mutex<HashMap<String, DateTime<FixedOffset>>>,
    /// Unix time of the scheduler's last loop, for `/healthz`.
    heartbeat: AtomicI64,
    /// Where the server listens, for the admin endpoints' `Host` check.
    listen_addr: SocketAddr,
    shutdown: watch::Sender<bool>,
}

impl App {
    fn new(
        config_path: PathBuf,
        config: Config,
        store: Arc<dyn Storage>,
        listen_addr: SocketAddr,
    ) -> Result<App, ServeError> {
        let fetcher = Fetcher::new(&config.settings, Some(store.clone()))?;
        Ok(App {
            config_path,
            config: RwLock::new(Arc::new(config)),
            store,
            fetcher: RwLock::new(Arc::new(fetcher)),
            generation: AtomicU64::new(1),
            cache: feeds::FeedCache::default(),
            pages: feeds::RenderCache::default(),
            metrics: metrics::Metrics::default(),
            wake: Notify::new(),
            requested: Mutex::new(HashSet::new()),
            next_runs: Mutex::new(HashMap::new()),
            heartbeat: AtomicI64::new(chrono::Utc::now().timestamp()),
            listen_addr,
            shutdown: watch::channel(false).0,
        })
    }

    /// The config in force.
    pub fn config(&self) -> Arc<Config> {
        Arc::clone(&self.config.read().unwrap_or_else(|p| p.into_inner()))
    }

    fn fetcher(&self) -> Arc<Fetcher> {
        Arc::clone(&self.fetcher.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// The current store generation (see the field).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn store_changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    fn shutting_down(&self) -> bool {
        *self.shutdown.borrow()
    }

    /// The planned next run of each source.
    pub fn next_runs(&self) -> HashMap<String, DateTime<FixedOffset>> {
        lock(&self.next_runs).clone()
    }

    /// Re-reads the config file; keeps the running config when the new one is invalid.
    pub fn reload(&self) -> Result<(), String> {
        let new = match Config::load(&self.config_path) {
            Ok(config) => config,
            Err(e) => {
                tracing::error!("reload refused, the running config stays:\n{e}");
                return Err(e.to_string());
            }
        };
        let old = self.config();
        if new.settings.store != old.settings.store || new.settings.listen != old.settings.listen {
            tracing::warn!("reload: `store` and `listen` take effect at the next start");
        }
        let fetcher =
            Fetcher::new(&new.settings, Some(self.store.clone())).map_err(|e| e.to_string())?;
        *self.fetcher.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(fetcher);
        *self.config.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(new);
        lock(&self.next_runs).clear();
        self.store_changed();
        self.wake.notify_one();
        tracing::info!("reloaded {}", self.config_path.display());
        Ok(())
    }

    /// Asks the scheduler to run these sources (all enabled ones when empty) now.
    pub fn request_fetch(&self, ids: Vec<String>) {
        let config = self.config();
        let ids: Vec<String> = if ids.is_empty() {
            config
                .sources
                .iter()
                .filter(|s| s.enabled)
                .map(|s| s.id.clone())
                .collect()
        } else {
            ids
        };
        lock(&self.requested).extend(ids);
        self.wake.notify_one();
    }

    fn begin_shutdown(&self) {
        self.shutdown.send_replace(true);
        self.wake.notify_one();
    }
}

/// Locks a mutex, recovering the data if a thread panicked while holding it.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs the server until SIGTERM/SIGINT. Prints `serving on http://ADDR` on stdout once it
/// listens.
pub async fn serve(
    config_path: PathBuf,
    config: Config,
    store: Arc<dyn Storage>,
) -> Result<(), ServeError> {
    let listen = config.settings.listen.clone();
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|source| ServeError::Listen {
            addr: listen.clone(),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServeError::Listen {
        addr: listen,
        source,
    })?;
    store.set_holder(&format!(
        "it is `portalfeed serve` at http://{addr}/ — to fetch now, ask it: \
         portalfeed run-now [ID]... (or curl -X POST -H \"Authorization: Bearer $PORTALFEED_ADMIN_TOKEN\" \
         http://{addr}/admin/fetch?source=ID)"
    ))?;
    let app = Arc::new(App::new(config_path, config, store, addr)?);
    println!("serving on http://{addr}");
    tracing::info!("serving on http://{addr}");

    tokio::spawn(signals(Arc::clone(&app)));
    let scheduler = tokio::spawn(scheduler::run(Arc::clone(&app)));

    let mut shutdown = app.shutdown.subscribe();
    let server = axum::serve(
        listener,
        router(Arc::clone(&app)).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        let _ = shutdown.wait_for(|stop| *stop).await;
    });
    let served = server.await.map_err(ServeError::Http);
    if let Err(e) = scheduler.await {
        tracing::error!("scheduler crashed: {e}");
    }
    app.store.flush()?;
    tracing::info!("stopped");
    served
}

/// The HTTP routes.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(reader::page))
        .route("/status", get(status::page))
        .route("/story", get(reader::story))
        .route("/style.css", get(stylesheet))
        .route("/healthz", get(status::healthz))
        .route("/metrics", get(metrics::endpoint))
        .route("/sources.opml", get(status::opml))
        .route("/sources.txt", get(status::table))
        .route("/{file}", get(feeds::unified))
        .route("/{kind}/{file}", get(feeds::scoped))
        .route("/admin/reload", post(admin::reload))
        .route("/admin/fetch", post(admin::fetch))
        .with_state(app)
}

/// The pages' Content-Security-Policy: nothing but this server's stylesheet and forms; no
/// script, no frame, no other origin.
const PAGE_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
     form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
/// A story's page: the same, but the article's own pictures load from its portal.
pub(crate) const STORY_POLICY: &str = "default-src 'none'; style-src 'self'; \
     img-src 'self' data: https: http:; form-action 'self'; base-uri 'none'; \
     frame-ancestors 'none'";

/// Adds the headers every HTML page carries: the strict policy above, and no MIME sniffing.
pub(crate) fn protect(response: axum::response::Response) -> axum::response::Response {
    protect_with(response, PAGE_POLICY)
}

/// [`protect`] with another policy.
pub(crate) fn protect_with(
    mut response: axum::response::Response,
    policy: &'static str,
) -> axum::response::Response {
    use axum::http::{header, HeaderValue};
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(policy),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    response
}

/// The pages' stylesheet.
async fn stylesheet() -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("style.css"),
    )
        .into_response()
}

/// Runs store work off the async workers: a slow or damaged store must never stall the HTTP
/// side (two status-page requests once froze both workers and `/healthz` with them).
pub(crate) async fn off_the_workers<T: Send + 'static>(
    app: &Arc<App>,
    work: impl FnOnce(&App) -> T + Send + 'static,
) -> Result<T, String> {
    let app = Arc::clone(app);
    tokio::task::spawn_blocking(move || work(&app))
        .await
        .map_err(|e| format!("store work crashed: {e}"))
}

/// SIGTERM/SIGINT begin the shutdown; SIGHUP reloads the config.
async fn signals(app: Arc<App>) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::hangup()),
    ) else {
        tracing::error!("cannot install signal handlers; stop the server with SIGKILL");
        return;
    };
    loop {
        tokio::select! {
            _ = term.recv() => break,
            _ = int.recv() => break,
            _ = hup.recv() => { let _ = app.reload(); }
        }
    }
    tracing::info!("shutting down");
    app.begin_shutdown();
}
