//! Fetch: HTTP GET with the manners and limits of a polite, robust client.
//!
//! One [`Fetcher`] per run (or per server): a global limit of requests in flight
//! (`concurrency`), a minimum gap between requests to the same host (`per_host_delay`, or the
//! host's robots.txt `Crawl-delay` when longer), robots.txt honoured (kept a day through
//! [`HostMemory`]), a per-request timeout, only the addresses [`crate::address`] allows
//! (public ones by default, checked after DNS resolution), redirects followed by hand (at most
//! 10, never from a public address to a private or loopback one, a permanent move to another
//! host reported), a
//! body size cap enforced while downloading, conditional requests from stored [`Validators`],
//! and network errors and 5xx answers retried twice with jittered backoff (`Retry-After` honoured
//! when short; a long one is left to the scheduler). 4xx answers and timeouts are not retried.
//!
//! It returns bytes and headers; it must not decode, parse or store anything (robots.txt texts
//! go to whatever [`HostMemory`] it is given).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{
    HeaderMap, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, LOCATION,
    RETRY_AFTER,
};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use texting_robots::Robot;
use tokio::sync::Semaphore;
use tokio::time::Instant;
use url::Url;

use crate::address::{refusal, AddressPolicy, GuardedResolver};
use crate::config::Settings;

/// Conditional-request validators of one URL's last response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Validators {
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// Redirects followed before a URL counts as a redirect loop.
const MAX_REDIRECTS: usize = 10;
/// Extra tries after a network error or a 5xx answer.
const RETRIES: u32 = 2;
/// The first retry waits about this long; each next one twice as long (±50 % jitter).
const RETRY_BASE: Duration = Duration::from_millis(500);
/// A `Retry-After` longer than this ends the run's attempts: the scheduler waits it out.
const MAX_RETRY_AFTER_IN_RUN: Duration = Duration::from_secs(10);
/// The longest a portal's `Retry-After` is honoured: a longer (or absurd) value is cut to this
/// and the failure says so.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);
/// The longest `Crawl-delay` honoured: a host asking more (one asked 3600 s) is fetched this
/// far apart, and the run's deadline (`run_timeout`) bounds the rest.
const MAX_CRAWL_DELAY: Duration = Duration::from_secs(60);
/// How long a robots.txt is trusted.
pub const ROBOTS_TTL: chrono::Duration = chrono::Duration::days(1);
/// The product token matched against robots.txt `User-agent` lines.
const ROBOTS_AGENT: &str = "portalfeed";

/// reqwest is built without a default TLS crypto provider (aws-lc is slow to build): installs
/// ring's. Call before building any HTTP client; calling it again is harmless.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A successful response.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The URL after redirects.
    pub url: Url,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    pub validators: Validators,
}

impl Fetched {
    /// The `charset` the server declared, if any.
    pub fn charset(&self) -> Option<&str> {
        self.content_type
            .as_deref()
            .and_then(crate::extract::charset::charset_param)
    }
}

/// What a GET gave.
#[derive(Debug, Clone)]
pub enum Response {
    /// 304: the validators still hold.
    NotModified,
    Fetched(Fetched),
}

/// Why a GET failed. Each names the URL.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{url}: HTTP {status}{}", retry_after_note(*retry_after))]
    Status {
        url: Url,
        status: u16,
        /// The server's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },
    #[error("{url}: no answer within {timeout:?}")]
    Timeout { url: Url, timeout: Duration },
    #[error("{url}: body larger than {limit} bytes, abandoned")]
    TooLarge { url: Url, limit: u64 },
    #[error("{url}: more than {MAX_REDIRECTS} redirects (redirect loop?)")]
    Redirects { url: Url },
    #[error("{url}: redirect to {to} refused (a public source may not lead to a private or loopback address)")]
    PrivateRedirect { url: Url, to: String },
    #[error("{url}: moved permanently to {to}, another host: not followed")]
    MovedPermanently { url: Url, to: Box<Url> },
    #[error("{url}: disallowed by robots.txt")]
    Disallowed { url: Url },
    #[error("{url}: {refused}")]
    AddressRefused {
        url: Url,
        refused: crate::address::Refused,
    },
    #[error("{url}: {message}")]
    Network { url: Url, message: String },
}

impl FetchError {
    /// How long the server asked us to wait before trying again.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Worth another try in the same run: a network error or a server error.
    fn is_transient(&self) -> bool {
        match self {
            FetchError::Network { .. } => true,
            FetchError::Status { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}

/// What is kept about hosts beyond one run and one process (the store implements it):
/// robots.txt texts, and — when several instances share the store — each host's next request
/// slot.
pub trait HostMemory: Send + Sync {
    /// The robots.txt of `host` fetched at the given time (`None` text: there was none).
    fn recall(&self, host: &str) -> Option<(DateTime<Utc>, Option<String>)>;
    fn remember(&self, host: &str, fetched: DateTime<Utc>, text: Option<&str>);
    /// Reserves `host`'s next request slot, `delay` after the previous request any instance
    /// sent it: how long to wait before sending. `None` when this process alone decides (an
    /// embedded store) or the shared store cannot say.
    fn reserve_host(
        &self,
        _host: &str,
        _delay: std::time::Duration,
    ) -> Option<std::time::Duration> {
        None
    }
    /// Stamps `host` as sent a request now, when `delay` has passed since any instance last
    /// sent it one; otherwise how long is left (the caller waits and asks again). `None` when
    /// the request may go: stamped, or this process alone decides.
    fn claim_host(&self, _host: &str, _delay: std::time::Duration) -> Option<std::time::Duration> {
        None
    }
}

/// How many times a request asks for its host's stamp before going anyway (each refusal
/// waits out what another instance's request left of the delay).
const CLAIMS: usize = 16;

/// When a host was last sent a request.
#[derive(Default)]
struct HostTurn {
    last: Option<Instant>,
}

/// A request's right to run: a global slot, and for a host that asks for a delay its lock.
struct Turn<'a> {
    _permit: tokio::sync::SemaphorePermit<'a>,
    _host: Option<tokio::sync::OwnedMutexGuard<HostTurn>>,
}

/// The HTTP client of one run, shared by every source.
pub struct Fetcher {
    client: reqwest::Client,
    /// Which addresses may be connected to: checked here for IP-literal hosts, and by the
    /// client's resolver for names.
    addresses: Arc<AddressPolicy>,
    in_flight: Semaphore,
    per_host_delay: Duration,
    /// Each host's turn; its lock orders that host's requests.
    hosts: Mutex<HashMap<String, Arc<tokio::sync::Mutex<HostTurn>>>>,
    /// The robots.txt `Crawl-delay` of the hosts that ask for one.
    crawl_delays: Mutex<HashMap<String, Duration>>,
    /// What the hosts whose Crawl-delay was cut asked for, in seconds.
    capped_delays: Mutex<HashMap<String, f32>>,
    /// Parsed robots.txt by scheme + host (`None`: everything allowed).
    robots: Mutex<HashMap<String, Arc<tokio::sync::OnceCell<Option<Robot>>>>>,
    memory: Option<Arc<dyn HostMemory>>,
    max_body_bytes: u64,
    timeout: Duration,
    requests: AtomicU64,
}

impl Fetcher {
    /// A client configured by the `[settings]` table, keeping robots.txt texts in `memory`.
    pub fn new(
        settings: &Settings,
        memory: Option<Arc<dyn HostMemory>>,
    ) -> Result<Fetcher, FetchError> {
        install_tls_provider();
        let addresses = Arc::new(settings.addresses.clone());
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(GuardedResolver {
                policy: Arc::clone(&addresses),
            }))
            .user_agent(settings.user_agent.clone())
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| FetchError::Network {
                url: settings.base_url.clone(),
                message: format!("cannot build HTTP client: {e}"),
            })?;
        Ok(Fetcher {
            client,
            addresses,
            in_flight: Semaphore::new(settings.concurrency.max(1)),
            per_host_delay: settings.per_host_delay,
            hosts: Mutex::new(HashMap::new()),
            crawl_delays: Mutex::new(HashMap::new()),
            capped_delays: Mutex::new(HashMap::new()),
            robots: Mutex::new(HashMap::new()),
            memory,
            max_body_bytes: settings.max_body_bytes,
            timeout: settings.timeout,
            requests: AtomicU64::new(0),
        })
    }

    /// When `url`'s host asked for a Crawl-delay longer than we honour: what it asked, and the
    /// cap, for the operator.
    pub fn crawl_delay_note(&self, url: &Url) -> Option<String> {
        let host = url.host_str()?.to_ascii_lowercase();
        let capped = self.capped_delays.lock().unwrap_or_else(|p| p.into_inner());
        capped.get(&host).map(|asked| {
            format!(
                "{host} asks Crawl-delay {asked} s in robots.txt; capped at {} s",
                MAX_CRAWL_DELAY.as_secs()
            )
        })
    }

    /// Requests sent so far.
    pub fn requests_sent(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// GETs `url`, conditionally when `validators` are given: robots.txt first, then up to
    /// [`RETRIES`] more tries on network and server errors.
    pub async fn get(
        &self,
        url: &Url,
        validators: Option<&Validators>,
    ) -> Result<Response, FetchError> {
        if !self.robots_allow(url).await {
            return Err(FetchError::Disallowed { url: url.clone() });
        }
        let mut attempt = 0;
        loop {
            match self.get_once(url, validators).await {
                Err(e) if attempt < RETRIES && e.is_transient() => {
                    let wait = match e.retry_after() {
                        Some(asked) if asked > MAX_RETRY_AFTER_IN_RUN => return Err(e),
                        Some(asked) => asked,
                        None => RETRY_BASE
                            .saturating_mul(1 << attempt)
                            .mul_f64(0.5 + fastrand::f64()),
                    };
                    tracing::debug!("{e}; retrying in {wait:?}");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                result => return result,
            }
        }
    }

    /// One try: the request and the redirects it leads to.
    async fn get_once(
        &self,
        url: &Url,
        validators: Option<&Validators>,
    ) -> Result<Response, FetchError> {
        let mut current = url.clone();
        let mut permanent = true;
        for _ in 0..=MAX_REDIRECTS {
            let (mut response, _turn) = self.send(&current, validators).await?;
            let status = response.status();
            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                let next = header(response.headers(), LOCATION)
                    .and_then(|l| crate::links::resolve_link(&current, &l))
                    .ok_or_else(|| FetchError::Status {
                        url: current.clone(),
                        status: status.as_u16(),
                        retry_after: None,
                    })?;
                if !redirect_allowed(url, &next) {
                    return Err(FetchError::PrivateRedirect {
                        url: url.clone(),
                        to: next.to_string(),
                    });
                }
                // A permanent move to another host (portals moved after the 2025 province
                // mergers) is reported rather than followed: the new host is another site.
                permanent &= matches!(status.as_u16(), 301 | 308);
                if permanent && !crate::links::same_site(url, &next) {
                    return Err(FetchError::MovedPermanently {
                        url: url.clone(),
                        to: Box::new(next),
                    });
                }
                current = next;
                continue;
            }
            if status == StatusCode::NOT_MODIFIED {
                return Ok(Response::NotModified);
            }
            if !status.is_success() {
                return Err(FetchError::Status {
                    url: current,
                    status: status.as_u16(),
                    retry_after: header(response.headers(), RETRY_AFTER)
                        .and_then(|v| retry_after(&v)),
                });
            }
            let body = self.body(&current, &mut response).await?;
            let headers = response.headers();
            return Ok(Response::Fetched(Fetched {
                content_type: header(headers, CONTENT_TYPE),
                validators: Validators {
                    etag: header(headers, ETAG),
                    last_modified: header(headers, LAST_MODIFIED),
                },
                url: current,
                body,
            }));
        }
        Err(FetchError::Redirects { url: url.clone() })
    }

    /// Sends the request once it is this host's turn; the returned [`Turn`] must be kept until
    /// the body is read.
    async fn send(
        &self,
        url: &Url,
        validators: Option<&Validators>,
    ) -> Result<(reqwest::Response, Turn<'_>), FetchError> {
        self.send_stamped(url, validators, true).await
    }

    /// [`Fetcher::send`]; `stamp` false for robots.txt, which does not start the host's delay
    /// (the page it was fetched for follows at once).
    async fn send_stamped(
        &self,
        url: &Url,
        validators: Option<&Validators>,
        stamp: bool,
    ) -> Result<(reqwest::Response, Turn<'_>), FetchError> {
        self.addresses
            .check_literal(url)
            .map_err(|refused| FetchError::AddressRefused {
                url: url.clone(),
                refused,
            })?;
        let turn = self.take_turn(url, stamp).await?;
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut request = self.client.get(url.clone());
        if let Some(v) = validators {
            if let Some(etag) = &v.etag {
                request = request.header(IF_NONE_MATCH, etag);
            }
            if let Some(lm) = &v.last_modified {
                request = request.header(IF_MODIFIED_SINCE, lm);
            }
        }
        let response = request.send().await.map_err(|e| self.error(url, e))?;
        Ok((response, turn))
    }

    /// The body, abandoned as soon as it passes `max_body_bytes`.
    async fn body(
        &self,
        url: &Url,
        response: &mut reqwest::Response,
    ) -> Result<Vec<u8>, FetchError> {
        let too_large = || FetchError::TooLarge {
            url: url.clone(),
            limit: self.max_body_bytes,
        };
        if response
            .content_length()
            .is_some_and(|n| n > self.max_body_bytes)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.error(url, e))? {
            if (body.len() + chunk.len()) as u64 > self.max_body_bytes {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// Whether the host's robots.txt lets us fetch `url`; fetches (or recalls) it first.
    /// A robots.txt that is missing (4xx) allows everything; one that cannot be read (5xx,
    /// network) is treated the same, so a flaky server does not silence a source.
    async fn robots_allow(&self, url: &Url) -> bool {
        let Some(host) = url.host_str() else {
            return true;
        };
        let site = format!("{}://{}", url.scheme(), url.authority());
        // One fetch per site even when many requests ask at once; a plain look-up after that.
        let cell = {
            let mut cache = self.robots.lock().unwrap_or_else(|p| p.into_inner());
            Arc::clone(cache.entry(site.clone()).or_default())
        };
        let robot = cell
            .get_or_init(|| async {
                let text = self.robots_text(url, &site).await;
                text.and_then(|t| Robot::new(ROBOTS_AGENT, t.as_bytes()).ok())
            })
            .await;
        let Some(robot) = robot.as_ref() else {
            return true;
        };
        if let Some(asked) = robot.delay.filter(|d| d.is_finite() && *d > 0.0) {
            let (delay, capped) = crawl_delay(asked);
            if capped {
                tracing::warn!(
                    "{host}: robots.txt asks Crawl-delay {asked} s; capped at {} s",
                    MAX_CRAWL_DELAY.as_secs()
                );
                let mut capped = self.capped_delays.lock().unwrap_or_else(|p| p.into_inner());
                capped.insert(host.to_ascii_lowercase(), asked);
            }
            let mut delays = self.crawl_delays.lock().unwrap_or_else(|p| p.into_inner());
            delays.insert(host.to_ascii_lowercase(), delay);
        }
        robot.allowed(url.as_str())
    }

    /// The robots.txt text of `site`: remembered if younger than a day, else fetched.
    async fn robots_text(&self, url: &Url, site: &str) -> Option<String> {
        let now = Utc::now();
        if let Some((fetched, text)) = self.memory.as_ref().and_then(|m| m.recall(site)) {
            if now - fetched < ROBOTS_TTL {
                return text;
            }
        }
        let robots_url = url.join("/robots.txt").ok()?;
        let text = match self.send_stamped(&robots_url, None, false).await {
            Ok((mut response, _turn)) if response.status().is_success() => self
                .body(&robots_url, &mut response)
                .await
                .ok()
                .map(|b| String::from_utf8_lossy(&b).into_owned()),
            Ok(_) => None,
            Err(e) => {
                tracing::debug!("robots.txt unreadable, everything allowed: {e}");
                None
            }
        };
        if let Some(memory) = &self.memory {
            memory.remember(site, now, text.as_deref());
        }
        text
    }

    fn turn(&self, host: &str) -> Arc<tokio::sync::Mutex<HostTurn>> {
        let mut hosts = self
            .hosts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Arc::clone(hosts.entry(host.to_ascii_lowercase()).or_default())
    }

    /// Waits for this host's turn, then for a global slot. The per-host wait happens before a
    /// global slot is taken, so requests queued for one slow or rate-limited host never hold the
    /// slots other hosts need. When the host asks for a delay (`per_host_delay` or a
    /// Crawl-delay), its lock is kept until the response is read: one request at a time per host,
    /// so a slow host holds one global slot at most, and requests start at least the delay apart.
    async fn take_turn(&self, url: &Url, stamp: bool) -> Result<Turn<'_>, FetchError> {
        let shut_down = || FetchError::Network {
            url: url.clone(),
            message: "fetcher shut down".into(),
        };
        let name = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let crawl_delay = self
            .crawl_delays
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&name)
            .copied();
        let delay = crawl_delay.map_or(self.per_host_delay, |c| c.max(self.per_host_delay));
        if delay.is_zero() {
            // No politeness asked for: no per-host ordering either.
            let permit = self.in_flight.acquire().await.map_err(|_| shut_down())?;
            return Ok(Turn {
                _permit: permit,
                _host: None,
            });
        }
        let mut host = self.turn(&name).lock_owned().await;
        if let Some(last) = host.last {
            tokio::time::sleep_until(last + delay).await;
        }
        if stamp {
            // Other instances on the same store may have sent this host a request meanwhile.
            let shared = self
                .memory
                .as_ref()
                .and_then(|m| m.reserve_host(&name, delay));
            if let Some(wait) = shared.filter(|w| !w.is_zero()) {
                tokio::time::sleep(wait).await;
            }
        }
        let permit = self.in_flight.acquire().await.map_err(|_| shut_down())?;
        if stamp {
            // The slot was reserved ahead; the request leaves now. Another instance's request
            // that left late from its own slot may be closer than the delay: wait that out.
            if let Some(memory) = &self.memory {
                for _ in 0..CLAIMS {
                    match memory.claim_host(&name, delay) {
                        Some(wait) => tokio::time::sleep(wait).await,
                        None => break,
                    }
                }
            }
            host.last = Some(Instant::now());
        }
        Ok(Turn {
            _permit: permit,
            _host: Some(host),
        })
    }

    fn error(&self, url: &Url, e: reqwest::Error) -> FetchError {
        let url = e.url().cloned().unwrap_or_else(|| url.clone());
        if e.is_timeout() {
            FetchError::Timeout {
                url,
                timeout: self.timeout,
            }
        } else {
            // reqwest's own message repeats the URL; its causes say what went wrong.
            let mut causes = Vec::new();
            let mut cause = std::error::Error::source(&e);
            while let Some(c) = cause {
                if let Some(refused) = c.downcast_ref::<crate::address::Refused>() {
                    return FetchError::AddressRefused {
                        url,
                        refused: refused.clone(),
                    };
                }
                causes.push(c.to_string());
                cause = c.source();
            }
            causes.dedup();
            let message = if causes.is_empty() {
                e.to_string()
            } else {
                causes.join(": ")
            };
            FetchError::Network { url, message }
        }
    }
}

/// A redirect from a public address may not lead to a private, loopback or link-local one
/// (a portal must not be able to make us probe the network we run in).
pub fn redirect_allowed(from: &Url, to: &Url) -> bool {
    !matches!(to.scheme(), "http" | "https") || is_private(from) || !is_private(to)
}

/// Whether a URL names this machine or a private network (by IP literal or `localhost`).
fn is_private(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => refusal(IpAddr::V4(ip)).is_some(),
        Some(url::Host::Ipv6(ip)) => refusal(IpAddr::V6(ip)).is_some(),
        Some(url::Host::Domain(d)) => {
            d.eq_ignore_ascii_case("localhost") || d.ends_with(".localhost")
        }
        None => false,
    }
}

/// The gap a robots.txt `Crawl-delay` (positive, finite seconds) gives, and whether it was
/// cut to [`MAX_CRAWL_DELAY`]. Compared as floats: `Duration::from_secs_f32` panics on
/// `Crawl-delay: 1e30`.
fn crawl_delay(asked: f32) -> (Duration, bool) {
    if asked > MAX_CRAWL_DELAY.as_secs_f32() {
        (MAX_CRAWL_DELAY, true)
    } else {
        (Duration::from_secs_f32(asked.max(0.0)), false)
    }
}

/// `Retry-After: 120` or `Retry-After: <HTTP date>`, at most [`MAX_RETRY_AFTER`].
fn retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    let asked = match value.parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => httpdate::parse_http_date(value)
            .ok()?
            .duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    };
    Some(asked.min(MAX_RETRY_AFTER))
}

/// How a `Retry-After` reads in a failure: the wait, and whether it was cut to the cap.
fn retry_after_note(retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(d) if d >= MAX_RETRY_AFTER => format!(
            " (retry after {}s: capped at {} h)",
            d.as_secs(),
            MAX_RETRY_AFTER.as_secs() / 3600
        ),
        Some(d) => format!(" (retry after {}s)", d.as_secs()),
        None => String::new(),
    }
}

fn header(headers: &HeaderMap, name: reqwest::header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_from_public_to_private_are_refused() {
        let u = |s: &str| Url::parse(s).unwrap_or_else(|e| panic!("{e}"));
        assert!(!redirect_allowed(
            &u("https://portal.gov.vn/a"),
            &u("http://127.0.0.1/admin")
        ));
        assert!(!redirect_allowed(
            &u("https://portal.gov.vn/a"),
            &u("http://192.168.1.1/")
        ));
        assert!(!redirect_allowed(
            &u("https://portal.gov.vn/a"),
            &u("http://10.0.0.5/")
        ));
        assert!(!redirect_allowed(
            &u("https://portal.gov.vn/a"),
            &u("http://localhost:8080/")
        ));
        assert!(!redirect_allowed(
            &u("https://portal.gov.vn/a"),
            &u("http://[::1]/")
        ));
        assert!(!redirect_allowed(
            &u("https://portal.gov.vn/a"),
            &u("http://169.254.169.254/latest")
        ));
        assert!(redirect_allowed(
            &u("https://portal.gov.vn/a"),
            &u("https://new.portal.gov.vn/a")
        ));
        assert!(
            redirect_allowed(&u("http://127.0.0.1:8000/a"), &u("http://127.0.0.1:8000/b")),
            "a local source may stay local"
        );
    }

    #[test]
    fn crawl_delays_are_capped_without_overflow() {
        assert_eq!(crawl_delay(1.5), (Duration::from_millis(1500), false));
        assert_eq!(crawl_delay(60.0), (MAX_CRAWL_DELAY, false));
        assert_eq!(crawl_delay(3600.0), (MAX_CRAWL_DELAY, true));
        assert_eq!(crawl_delay(1e30), (MAX_CRAWL_DELAY, true));
        assert_eq!(crawl_delay(f32::MAX), (MAX_CRAWL_DELAY, true));
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        assert_eq!(retry_after("120"), Some(Duration::from_secs(120)));
        let in_an_hour = std::time::SystemTime::now() + Duration::from_secs(3600);
        let parsed = retry_after(&httpdate::fmt_http_date(in_an_hour)).unwrap_or_default();
        assert!(
            parsed > Duration::from_secs(3590) && parsed <= Duration::from_secs(3600),
            "{parsed:?}"
        );
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO),
            "in the past"
        );
        assert_eq!(retry_after("soon"), None);
        assert_eq!(retry_after("10000000000000"), Some(MAX_RETRY_AFTER));
        assert_eq!(
            retry_after("Fri, 31 Dec 9999 23:59:59 GMT"),
            Some(MAX_RETRY_AFTER)
        );
    }
}
