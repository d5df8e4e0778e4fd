//! Fetch: HTTP GET with the manners and limits of a polite, robust client.
//!
//! One [`Fetcher`] per run: a global limit of requests in flight (`concurrency`), a minimum gap
//! between requests to the same host (`per_host_delay`), a per-request timeout, at most 10
//! redirects, a body size cap enforced while downloading (the rest is never read), and
//! conditional requests (If-None-Match / If-Modified-Since) from stored [`Validators`].
//! Only http(s) is fetched.
//!
//! It returns bytes and headers; it must not decode, parse or store anything.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{
    HeaderMap, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, RETRY_AFTER,
};
use reqwest::StatusCode;
use tokio::sync::Semaphore;
use tokio::time::Instant;
use url::Url;

use crate::config::Settings;
pub use crate::store::Validators;

/// Redirects followed before a URL counts as a redirect loop.
const MAX_REDIRECTS: usize = 10;

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
    #[error("{url}: HTTP {status}{}", retry_after.map(|d| format!(" (retry after {}s)", d.as_secs())).unwrap_or_default())]
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
    #[error("{url}: {message}")]
    Network { url: Url, message: String },
}

/// The HTTP client of one run, shared by every source.
pub struct Fetcher {
    client: reqwest::Client,
    in_flight: Semaphore,
    per_host_delay: Duration,
    /// When each host was last sent a request; its lock orders that host's requests.
    hosts: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Instant>>>>>,
    max_body_bytes: u64,
    timeout: Duration,
    requests: AtomicU64,
}

impl Fetcher {
    /// A client configured by the `[settings]` table.
    pub fn new(settings: &Settings) -> Result<Fetcher, FetchError> {
        install_tls_provider();
        let client = reqwest::Client::builder()
            .user_agent(settings.user_agent.clone())
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
            .build()
            .map_err(|e| FetchError::Network {
                url: settings.base_url.clone(),
                message: format!("cannot build HTTP client: {e}"),
            })?;
        Ok(Fetcher {
            client,
            in_flight: Semaphore::new(settings.concurrency.max(1)),
            per_host_delay: settings.per_host_delay,
            hosts: Mutex::new(HashMap::new()),
            max_body_bytes: settings.max_body_bytes,
            timeout: settings.timeout,
            requests: AtomicU64::new(0),
        })
    }

    /// Requests sent so far.
    pub fn requests_sent(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// GETs `url`, conditionally when `validators` are given.
    pub async fn get(
        &self,
        url: &Url,
        validators: Option<&Validators>,
    ) -> Result<Response, FetchError> {
        let _permit = self.take_turn(url).await?;
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
        let mut response = request.send().await.map_err(|e| self.error(url, e))?;
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Response::NotModified);
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                url: response.url().clone(),
                status: status.as_u16(),
                retry_after: header(response.headers(), RETRY_AFTER).and_then(|v| retry_after(&v)),
            });
        }
        let final_url = response.url().clone();
        let too_large = || FetchError::TooLarge {
            url: final_url.clone(),
            limit: self.max_body_bytes,
        };
        if response
            .content_length()
            .is_some_and(|n| n > self.max_body_bytes)
        {
            return Err(too_large());
        }
        let headers = response.headers().clone();
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.error(&final_url, e))?
        {
            if (body.len() + chunk.len()) as u64 > self.max_body_bytes {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Response::Fetched(Fetched {
            url: final_url,
            content_type: header(&headers, CONTENT_TYPE),
            body,
            validators: Validators {
                etag: header(&headers, ETAG),
                last_modified: header(&headers, LAST_MODIFIED),
            },
        }))
    }

    /// Waits for this host's turn, then for a global slot. The per-host wait happens before a
    /// global slot is taken, so requests queued for one slow or rate-limited host never hold the
    /// slots other hosts need; the host's lock is held until the slot is granted, so two requests
    /// to one host always start at least `per_host_delay` apart.
    async fn take_turn(&self, url: &Url) -> Result<tokio::sync::SemaphorePermit<'_>, FetchError> {
        let shut_down = || FetchError::Network {
            url: url.clone(),
            message: "fetcher shut down".into(),
        };
        if self.per_host_delay.is_zero() {
            return self.in_flight.acquire().await.map_err(|_| shut_down());
        }
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let turn = {
            let mut hosts = self
                .hosts
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            Arc::clone(hosts.entry(host).or_default())
        };
        let mut last = turn.lock().await;
        if let Some(last) = *last {
            tokio::time::sleep_until(last + self.per_host_delay).await;
        }
        let permit = self.in_flight.acquire().await.map_err(|_| shut_down())?;
        *last = Some(Instant::now());
        Ok(permit)
    }

    fn error(&self, url: &Url, e: reqwest::Error) -> FetchError {
        let url = e.url().cloned().unwrap_or_else(|| url.clone());
        if e.is_timeout() {
            FetchError::Timeout {
                url,
                timeout: self.timeout,
            }
        } else if e.is_redirect() {
            FetchError::Redirects { url }
        } else {
            // reqwest's own message repeats the URL; its causes say what went wrong.
            let mut causes = Vec::new();
            let mut cause = std::error::Error::source(&e);
            while let Some(c) = cause {
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

impl FetchError {
    /// How long the server asked us to wait before trying again.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// `Retry-After: 120` or `Retry-After: <HTTP date>`.
fn retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    )
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
    }
}
