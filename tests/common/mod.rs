//! Shared test helpers: a loopback fixture portal (axum on 127.0.0.1), fixture files, the
//! real corpus, and a temp workspace that runs the real `portalfeed` binary.
#![allow(dead_code)]

pub mod postgres;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;

/// What the fixture server answers on one path (path + query).
#[derive(Clone, Debug)]
pub struct Page {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
    /// Sent as `ETag`; a request whose `If-None-Match` matches gets a 304.
    pub etag: Option<String>,
    /// Sent as `Last-Modified`; a request whose `If-Modified-Since` equals it gets a 304.
    pub last_modified: Option<String>,
    pub location: Option<String>,
    pub delay: Duration,
    /// Answer this status to the first N requests (then the page itself).
    pub fail_first: Option<(u16, usize)>,
    /// Sent as `Retry-After` with the failures.
    pub retry_after: Option<String>,
    /// Sent as `Content-Encoding` (the body is sent as it is, already encoded).
    pub content_encoding: Option<String>,
}

impl Page {
    pub fn html(body: impl Into<Vec<u8>>) -> Page {
        Page {
            status: 200,
            content_type: "text/html; charset=utf-8".into(),
            body: body.into(),
            etag: None,
            last_modified: None,
            location: None,
            delay: Duration::ZERO,
            fail_first: None,
            retry_after: None,
            content_encoding: None,
        }
    }
    pub fn xml(body: impl Into<Vec<u8>>) -> Page {
        Page {
            content_type: "application/rss+xml".into(),
            ..Page::html(body)
        }
    }
    pub fn status(status: u16) -> Page {
        Page {
            status,
            ..Page::html("error")
        }
    }
    pub fn redirect(to: &str) -> Page {
        Page {
            status: 302,
            location: Some(to.into()),
            ..Page::html("")
        }
    }
    pub fn with_etag(self, etag: &str) -> Page {
        Page {
            etag: Some(format!("\"{etag}\"")),
            ..self
        }
    }
    pub fn with_last_modified(self, date: &str) -> Page {
        Page {
            last_modified: Some(date.into()),
            ..self
        }
    }
    pub fn failing_first(self, times: usize, status: u16) -> Page {
        Page {
            fail_first: Some((status, times)),
            ..self
        }
    }
    pub fn with_retry_after(self, value: &str) -> Page {
        Page {
            retry_after: Some(value.into()),
            ..self
        }
    }
    pub fn with_content_encoding(self, encoding: &str) -> Page {
        Page {
            content_encoding: Some(encoding.into()),
            ..self
        }
    }
    pub fn with_delay(self, delay: Duration) -> Page {
        Page { delay, ..self }
    }
    pub fn with_content_type(self, content_type: &str) -> Page {
        Page {
            content_type: content_type.into(),
            ..self
        }
    }
}

/// One request the server received.
#[derive(Clone, Debug)]
pub struct Hit {
    pub path: String,
    pub conditional: bool,
    pub user_agent: String,
    /// When the server received it.
    pub at: std::time::Instant,
}

#[derive(Default)]
struct Shared {
    pages: Mutex<HashMap<String, Page>>,
    hits: Mutex<Vec<Hit>>,
}

/// A fixture portal on loopback with a random port, running on its own thread until dropped.
pub struct Portal {
    pub addr: std::net::SocketAddr,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Portal {
    pub fn start() -> Portal {
        Portal::start_on("127.0.0.1")
    }

    /// A portal on another loopback address (`127.0.0.2`), to stand apart from 127.0.0.1.
    pub fn start_on(ip: &'static str) -> Portal {
        let shared = Arc::new(Shared::default());
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let state = Arc::clone(&shared);
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("test runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind((ip, 0))
                    .await
                    .expect("bind loopback");
                addr_tx
                    .send(listener.local_addr().expect("local addr"))
                    .expect("send addr");
                let app = axum::Router::new().fallback(serve).with_state(state);
                axum::serve(listener, app)
                    .with_graceful_shutdown(async move {
                        let _ = stop_rx.await;
                    })
                    .await
                    .expect("fixture server");
            });
        });
        let addr = addr_rx.recv().expect("fixture server address");
        Portal {
            addr,
            shared,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Serves `tests/fixtures/feeds/rss.xml` (3 items, one with an `http:host` link to this
    /// portal) at `path`.
    pub fn put_fixture_rss(&self, path: &str) {
        let rss = fixture_text("feeds/rss.xml").replace("{{HOST}}", &self.addr.to_string());
        self.put(path, Page::xml(rss));
    }

    pub fn put(&self, path: &str, page: Page) {
        self.shared
            .pages
            .lock()
            .expect("pages")
            .insert(path.to_string(), page);
    }

    /// Requests for pages (robots.txt left out), in order.
    pub fn hits(&self) -> Vec<Hit> {
        self.all_hits()
            .into_iter()
            .filter(|h| h.path != "/robots.txt")
            .collect()
    }

    /// Every request, robots.txt included, in order.
    pub fn all_hits(&self) -> Vec<Hit> {
        self.shared.hits.lock().expect("hits").clone()
    }

    /// Page requests since the last call, in order, and clears the log.
    pub fn take_hits(&self) -> Vec<Hit> {
        let all = std::mem::take(&mut *self.shared.hits.lock().expect("hits"));
        all.into_iter()
            .filter(|h| h.path != "/robots.txt")
            .collect()
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let path = request.uri().path_and_query().map_or_else(
        || request.uri().path().to_string(),
        |p| p.as_str().to_string(),
    );
    let if_none_match = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let if_modified_since = request
        .headers()
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let conditional = if_none_match.is_some() || if_modified_since.is_some();
    let user_agent = request
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let seen_before = {
        let mut hits = shared.hits.lock().expect("hits");
        let seen = hits.iter().filter(|h| h.path == path).count();
        hits.push(Hit {
            path: path.clone(),
            conditional,
            user_agent,
            at: std::time::Instant::now(),
        });
        seen
    };
    let page = shared.pages.lock().expect("pages").get(&path).cloned();
    let Some(page) = page else {
        return Response::builder()
            .status(404)
            .body(Body::from("not found"))
            .expect("response");
    };
    if let Some((status, times)) = page.fail_first {
        if seen_before < times {
            let mut failure = Response::builder().status(status);
            if let Some(after) = &page.retry_after {
                failure = failure.header(header::RETRY_AFTER, after.as_str());
            }
            return failure.body(Body::from("failing")).expect("response");
        }
    }
    if !page.delay.is_zero() {
        tokio::time::sleep(page.delay).await;
    }
    let mut response =
        Response::builder().status(StatusCode::from_u16(page.status).expect("status"));
    if let Some(etag) = &page.etag {
        if if_none_match.as_deref() == Some(etag.as_str()) {
            return response.status(304).body(Body::empty()).expect("response");
        }
        response = response.header(header::ETAG, HeaderValue::from_str(etag).expect("etag"));
    }
    if let Some(last_modified) = &page.last_modified {
        if if_modified_since.as_deref() == Some(last_modified.as_str()) {
            return response.status(304).body(Body::empty()).expect("response");
        }
        response = response.header(header::LAST_MODIFIED, last_modified.as_str());
    }
    if let Some(location) = &page.location {
        response = response.header(header::LOCATION, location.as_str());
    }
    if let Some(encoding) = &page.content_encoding {
        response = response.header(header::CONTENT_ENCODING, encoding.as_str());
    }
    response
        .header(header::CONTENT_TYPE, page.content_type.as_str())
        .body(Body::from(page.body))
        .expect("response")
}

/// A fixture file's bytes.
pub fn fixture(path: &str) -> Vec<u8> {
    let full = fixture_path(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

pub fn fixture_text(path: &str) -> String {
    String::from_utf8(fixture(path)).expect("fixture is UTF-8")
}

/// A fixture's path, for tools that take a file (xmllint).
pub fn fixture_path(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path)
}

/// A real article body from `tests/fixtures/real/` (see `tests/fixtures/PROVENANCE.md`).
pub fn real_body(name: &str) -> String {
    fixture_text(&format!("real/{name}.body.html"))
}

/// The platform article template (`tests/fixtures/portal/article.html`) filled in: a party
/// site's page with its headline, date line, body and author line.
pub fn portal_article(title: &str, date: &str, body: &str) -> String {
    fill(
        &fixture_text("portal/article.html"),
        &[
            ("TITLE", title),
            ("DATE", date),
            ("AUTHOR", "Diệu Hoa"),
            ("BODY", body),
            ("CANONICAL", ""),
        ],
    )
}

/// HTML escaped to sit as text in XML (an RSS description).
pub fn escape_xml(html: &str) -> String {
    html.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Starts `portalfeed fetch --force` in `ws` and SIGKILLs it after `after` (no cleanup, no
/// flush).
pub fn kill_fetch_after(ws: &Workspace, after: Duration) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_portalfeed"))
        .args(["fetch", "--force", "--config"])
        .arg(ws.config())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn portalfeed");
    std::thread::sleep(after);
    let _ = child.kill();
    child.wait().expect("reap");
}

/// Opens the sled store of a test's workspace once no `portalfeed` process holds it.
///
/// A child that another test thread is starting inherits this process's open files between
/// its fork and its exec, the store's lock among them: under load that window lasts long
/// enough for an open right after a previous `Store` was dropped to find the lock still held.
/// Waiting out that window (never more than 10 s) is not waiting for a real holder: every
/// `portalfeed` the test started has exited by then.
#[allow(dead_code)]
pub fn open_released_store(dir: &Path) -> portalfeed::store::Store {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        match portalfeed::store::Store::open(dir) {
            Ok(store) => return store,
            Err(portalfeed::store::StoreError::Locked { .. })
                if std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => panic!("open {}: {e}", dir.display()),
        }
    }
}

/// Fills `{{KEY}}` placeholders.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(template.to_string(), |t, (k, v)| {
        t.replace(&format!("{{{{{k}}}}}"), v)
    })
}

/// The line of `feeds.toml` that line `n` (1-based) of the sources given to
/// [`Workspace::new`] lands on, after [`TEST_SETTINGS`] and the blank line that follows it.
pub fn sources_line(n: usize) -> usize {
    TEST_SETTINGS.lines().count() + 1 + n
}

/// A temp folder with a `feeds.toml`, its store and public dir, for running the binary.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

/// `[settings]` suited to tests: no politeness delay, short timeout, loopback portals allowed,
/// an admin token.
pub const TEST_SETTINGS: &str = r#"[settings]
title = "Tin tức các tỉnh"
base_url = "https://feeds.example.org/"
timeout = "2s"
per_host_delay = "0s"
max_body_bytes = 200000
listen = "127.0.0.1:0"
allow_private_networks = true
admin_token = "test-admin-token"
"#;

/// The `admin_token` of [`TEST_SETTINGS`].
pub const ADMIN_TOKEN: &str = "test-admin-token";

impl Workspace {
    pub fn new(sources_toml: &str) -> Workspace {
        let dir = tempfile::tempdir().expect("temp dir");
        let ws = Workspace { dir };
        ws.write_config(sources_toml);
        ws
    }

    pub fn write_config(&self, sources_toml: &str) {
        self.write_config_with(TEST_SETTINGS, sources_toml);
    }

    /// A config with these `[settings]` instead of [`TEST_SETTINGS`].
    pub fn write_config_with(&self, settings: &str, sources_toml: &str) {
        std::fs::write(self.config(), format!("{settings}\n{sources_toml}"))
            .expect("write feeds.toml");
    }

    pub fn config(&self) -> PathBuf {
        self.dir.path().join("feeds.toml")
    }

    pub fn store_dir(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    /// Runs `portalfeed ARGS --config feeds.toml`.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_portalfeed"))
            .args(args)
            .arg("--config")
            .arg(self.config())
            .output()
            .expect("run portalfeed")
    }

    /// `portalfeed fetch --force`, asserting the exit code.
    pub fn fetch(&self, expected_code: i32) -> String {
        let out = self.run(&["fetch", "--force"]);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert_eq!(
            out.status.code(),
            Some(expected_code),
            "stdout:\n{stdout}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    pub fn public(&self, path: &str) -> String {
        let full = self.dir.path().join("public").join(path);
        std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
    }

    /// The unified feed, parsed.
    pub fn unified(&self) -> atom_syndication::Feed {
        parse_atom(&self.public("feed.atom"))
    }

    pub fn source_feed(&self, id: &str) -> atom_syndication::Feed {
        parse_atom(&self.public(&format!("sources/{id}.atom")))
    }
}

/// An admin POST to a server started with [`TEST_SETTINGS`].
pub fn admin_post(
    client: &reqwest::blocking::Client,
    url: String,
) -> reqwest::blocking::RequestBuilder {
    client.post(url).bearer_auth(ADMIN_TOKEN)
}

/// A running `portalfeed serve`, killed when dropped.
pub struct Server {
    pub child: std::process::Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    stderr: std::path::PathBuf,
}

impl Workspace {
    /// Starts `portalfeed serve` and waits until it listens.
    pub fn serve(&self) -> Server {
        use std::io::BufRead;
        let stderr =
            self.dir
                .path()
                .join(format!("serve-{}-{}.log", std::process::id(), next_log()));
        let mut child = Command::new(env!("CARGO_BIN_EXE_portalfeed"))
            .args(["serve", "--config"])
            .arg(self.config())
            .env("RUST_LOG", "portalfeed=info")
            .stdout(std::process::Stdio::piped())
            .stderr(std::fs::File::create(&stderr).expect("log file"))
            .spawn()
            .expect("spawn portalfeed serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the serving line");
        let base = line
            .trim()
            .strip_prefix("serving on ")
            .unwrap_or_else(|| {
                panic!(
                    "unexpected first line {line:?}: {}",
                    std::fs::read_to_string(&stderr).unwrap_or_default()
                )
            })
            .to_string();
        Server {
            child,
            base,
            stderr,
        }
    }
}

/// A number for each server's log, so several servers of one workspace keep apart logs.
fn next_log() -> usize {
    static LOGS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    LOGS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GETs `path` and returns the body as text.
    pub fn text(&self, path: &str) -> String {
        http()
            .get(self.url(path))
            .send()
            .and_then(|r| r.text())
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// Sends a signal (libc number) to the server.
    pub fn signal(&self, signal: i32) {
        // SAFETY: kill(2) on our own child's pid.
        let rc = unsafe { libc::kill(self.child.id() as libc::pid_t, signal) };
        assert_eq!(rc, 0, "kill failed");
    }

    /// SIGTERM, then the exit code (panics if it takes longer than `within`).
    pub fn terminate(mut self, within: Duration) -> Option<i32> {
        self.signal(libc::SIGTERM);
        let deadline = std::time::Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status.code();
            }
            assert!(
                std::time::Instant::now() < deadline,
                "serve did not stop within {within:?}:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// What the server logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A blocking HTTP client for tests: no automatic decompression, no proxy.
pub fn http() -> reqwest::blocking::Client {
    portalfeed::fetch::install_tls_provider();
    reqwest::blocking::Client::builder()
        .no_proxy()
        .no_gzip()
        .build()
        .expect("client")
}

/// Polls `check` every 50 ms until it holds or `within` passes; returns whether it held.
pub fn eventually(within: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + within;
    while std::time::Instant::now() < deadline {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    check()
}

pub fn parse_atom(xml: &str) -> atom_syndication::Feed {
    xml.parse()
        .unwrap_or_else(|e| panic!("not Atom: {e}\n{xml}"))
}

/// The titles of a feed's entries, in order.
pub fn titles(feed: &atom_syndication::Feed) -> Vec<String> {
    feed.entries.iter().map(|e| e.title.value.clone()).collect()
}

/// An entry's HTML content ("" when it has none).
pub fn content_of(entry: &atom_syndication::Entry) -> String {
    entry
        .content
        .as_ref()
        .and_then(|c| c.value.clone())
        .unwrap_or_default()
}

/// The status a GET of `url` answers with.
pub fn status_of(
    client: &reqwest::blocking::Client,
    url: impl reqwest::IntoUrl,
) -> reqwest::StatusCode {
    client.get(url).send().expect("GET").status()
}

/// Event handlers, active elements, inline styles and script URLs in `html` after a real HTML
/// parse — as it is, and after NFC, as a reader that normalizes would see it.
pub fn active_content(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for html in [html.to_string(), portalfeed::text::nfc(html).into_owned()] {
        let doc = scraper::Html::parse_fragment(&html);
        for element in doc
            .root_element()
            .descendants()
            .filter_map(scraper::ElementRef::wrap)
        {
            let name = element.value().name();
            if matches!(
                name,
                "script"
                    | "style"
                    | "iframe"
                    | "object"
                    | "embed"
                    | "form"
                    | "svg"
                    | "math"
                    | "base"
                    | "meta"
                    | "button"
                    | "noscript"
            ) {
                found.push(format!("<{name}> in {html}"));
            }
            for (attr, value) in element.value().attrs() {
                let value: String = value
                    .chars()
                    .filter(|c| !c.is_whitespace() && !c.is_control())
                    .collect::<String>()
                    .to_ascii_lowercase();
                if attr.starts_with("on")
                    || attr == "style"
                    || attr == "srcdoc"
                    || ["javascript:", "data:", "vbscript:"]
                        .iter()
                        .any(|s| value.starts_with(s))
                {
                    found.push(format!("<{name} {attr}={value}> in {html}"));
                }
            }
        }
    }
    found
}

/// Asserts that the Atom file at `path` is valid against the RFC 4287 grammar (xmllint).
pub fn assert_valid_atom(path: &Path) {
    let out = Command::new("xmllint")
        .args(["--noout", "--relaxng"])
        .arg(fixture_path("atom/atom.rng"))
        .arg(path)
        .output()
        .expect("xmllint must be installed: scripts/test installs Debian's libxml2-utils");
    assert!(
        out.status.success(),
        "{} is not valid Atom:\n{}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}
