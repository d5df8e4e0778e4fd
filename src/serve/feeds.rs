//! The feeds over HTTP: `/feed.{atom,rss,json}`, `/sources/{id}.{atom,rss,json}` and
//! `/provinces/{slug}.{atom,rss,json}`, each with filters (`q`, `category`, `source`, `limit`)
//! and RFC 5005 paging (`before` / `after` cursors).
//!
//! Each distinct request is rendered once per store generation and kept as bytes with a strong
//! ETag, a Last-Modified date and lazily built gzip and brotli variants. A repeated request
//! while the store is unchanged costs a hash-map look-up: no rendering, no sled.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{lock, App};
use crate::feeds::{self, FeedError, FeedRequest, FeedScope};
use crate::render::Format;

/// Rendered variants kept at most (distinct query strings); older generations go first.
const CACHE_CAPACITY: usize = 256;

/// The query string every feed accepts.
#[derive(Debug, Default, Deserialize)]
pub struct FeedParams {
    q: Option<String>,
    category: Option<String>,
    source: Option<String>,
    limit: Option<usize>,
    before: Option<String>,
    after: Option<String>,
}

pub async fn unified(
    State(app): State<Arc<App>>,
    Path(file): Path<String>,
    Query(params): Query<FeedParams>,
    headers: HeaderMap,
) -> Response {
    match file.strip_prefix("feed.") {
        Some(ext) => respond(app, FeedScope::All, ext, params, headers).await,
        None => (StatusCode::NOT_FOUND, "not found\n").into_response(),
    }
}

/// `/sources/{id}.{ext}` and `/provinces/{slug}.{ext}`.
pub async fn scoped(
    State(app): State<Arc<App>>,
    Path((kind, file)): Path<(String, String)>,
    Query(params): Query<FeedParams>,
    headers: HeaderMap,
) -> Response {
    let (name, ext) = file.rsplit_once('.').unwrap_or((file.as_str(), ""));
    let scope = match kind.as_str() {
        "sources" => FeedScope::Source(name.to_string()),
        "provinces" => FeedScope::Province(name.to_string()),
        _ => return (StatusCode::NOT_FOUND, "not found\n").into_response(),
    };
    respond(app, scope, ext, params, headers).await
}

/// A rendered feed: the bytes and what conditional and compressed requests need.
pub struct Rendered {
    generation: u64,
    content_type: &'static str,
    body: Bytes,
    /// The opaque tag of these bytes (unquoted); an encoding's tag adds `-gzip` / `-br`.
    tag: String,
    /// The `ETag` header of each encoding, made once: identity, gzip, brotli.
    etags: [HeaderValue; 3],
    last_modified: SystemTime,
    last_modified_header: HeaderValue,
    gzip: OnceLock<Bytes>,
    brotli: OnceLock<Bytes>,
}

impl Rendered {
    /// `body` of `content_type`, rendered from store generation `generation`, last changed at
    /// `last_modified`; its validator headers are made here, not per request.
    pub(super) fn new(
        generation: u64,
        content_type: &'static str,
        body: Bytes,
        last_modified: SystemTime,
    ) -> Rendered {
        let digest = Sha256::digest(&body);
        let tag = crate::digest::hex(&digest[..12]);
        let header = |text: String| {
            HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("\"\""))
        };
        Rendered {
            generation,
            content_type,
            body,
            etags: [
                header(format!("\"{tag}\"")),
                header(format!("\"{tag}-gzip\"")),
                header(format!("\"{tag}-br\"")),
            ],
            tag,
            last_modified_header: header(httpdate::fmt_http_date(last_modified)),
            last_modified,
            gzip: OnceLock::new(),
            brotli: OnceLock::new(),
        }
    }

    /// The bytes it holds: the body and the compressed variants made so far.
    fn size(&self) -> u64 {
        let len = |b: Option<&Bytes>| b.map_or(0, |b| b.len() as u64);
        self.body.len() as u64 + len(self.gzip.get()) + len(self.brotli.get())
    }
}

/// Rendered pages by request (path + normalized query), within a byte budget (`cache_bytes`)
/// and [`CACHE_CAPACITY`] entries: distinct queries (`?limit=1`, `?limit=2`, …) cannot grow
/// it without bound. Entries of an older store generation go first, then the oldest.
pub struct RenderCache<K> {
    entries: Mutex<CacheEntries<K>>,
}

/// The feeds' cache.
pub type FeedCache = RenderCache<FeedRequest>;

impl<K> Default for RenderCache<K> {
    fn default() -> Self {
        RenderCache {
            entries: Mutex::new(CacheEntries {
                by_key: HashMap::new(),
                next: 0,
            }),
        }
    }
}

struct CacheEntries<K> {
    by_key: HashMap<K, (u64, Arc<Rendered>)>,
    /// Insertion counter: the smallest is the oldest entry.
    next: u64,
}

impl<K: std::hash::Hash + Eq + Clone> RenderCache<K> {
    pub(super) fn get(&self, key: &K, generation: u64) -> Option<Arc<Rendered>> {
        lock(&self.entries)
            .by_key
            .get(key)
            .map(|(_, r)| r)
            .filter(|r| r.generation == generation)
            .cloned()
    }

    pub(super) fn insert(&self, key: K, rendered: Arc<Rendered>, budget: u64) {
        // Compressed variants are added after insertion: room is kept for them.
        let size = rendered.size().saturating_mul(2);
        if size > budget {
            return; // served, not kept
        }
        let mut entries = lock(&self.entries);
        let current = rendered.generation;
        entries.by_key.retain(|_, (_, r)| r.generation == current);
        let mut total: u64 = entries.by_key.values().map(|(_, r)| r.size()).sum();
        while total.saturating_add(size) > budget || entries.by_key.len() >= CACHE_CAPACITY {
            let oldest = entries
                .by_key
                .iter()
                .min_by_key(|(_, (seq, _))| *seq)
                .map(|(k, _)| k.clone());
            let Some(oldest) = oldest else { break };
            if let Some((_, r)) = entries.by_key.remove(&oldest) {
                total = total.saturating_sub(r.size());
            }
        }
        let seq = entries.next;
        entries.next = seq.wrapping_add(1);
        entries.by_key.insert(key, (seq, rendered));
    }

    /// The bytes held now.
    #[cfg(test)]
    fn bytes(&self) -> u64 {
        lock(&self.entries)
            .by_key
            .values()
            .map(|(_, r)| r.size())
            .sum()
    }
}

/// A request's answer before the conditional/compression step: an error or rendered bytes.
type Answer = Result<Arc<Rendered>, (StatusCode, String)>;

async fn respond(
    app: Arc<App>,
    scope: FeedScope,
    ext: &str,
    params: FeedParams,
    headers: HeaderMap,
) -> Response {
    let answer = match Format::from_extension(ext) {
        None => Err((
            StatusCode::NOT_FOUND,
            format!("no feed format `.{ext}`: use .atom, .rss or .json\n"),
        )),
        Some(format) => {
            let request = FeedRequest {
                scope,
                format,
                q: params.q,
                category: params.category,
                source: params.source,
                limit: params.limit,
                before: params.before,
                after: params.after,
            };
            rendered(&app, request).await
        }
    };
    let response = match answer {
        Ok(rendered) => conditional_response(rendered, &headers).await,
        Err((status, message)) => (status, message).into_response(),
    };
    app.metrics.record_request(response.status().as_u16());
    response
}

/// The cached rendering of this request, rendering it if the store changed since.
async fn rendered(app: &Arc<App>, request: FeedRequest) -> Answer {
    let generation = app.generation();
    if let Some(hit) = app.cache.get(&request, generation) {
        return Ok(hit);
    }
    let app2 = Arc::clone(app);
    let key = request.clone();
    let result = tokio::task::spawn_blocking(move || render(&app2, &request, generation))
        .await
        .map_err(|e| {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("rendering crashed: {e}\n"),
            )
        })?;
    let rendered = result?;
    let budget = app.config().settings.cache_bytes;
    app.cache.insert(key, Arc::clone(&rendered), budget);
    Ok(rendered)
}

/// Renders `request` by the feed query layer: the bytes, their validators and lazily built
/// compressed variants.
fn render(app: &App, request: &FeedRequest, generation: u64) -> Answer {
    let config = app.config();
    let feed = feeds::query(&config, app.store.as_ref(), request).map_err(|e| match e {
        FeedError::NotFound(what) => (StatusCode::NOT_FOUND, format!("{what}\n")),
        FeedError::BadRequest(what) => (StatusCode::BAD_REQUEST, format!("{what}\n")),
        FeedError::Store(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")),
    })?;
    let body = feed.render(&feeds::portals(&config));
    Ok(Arc::new(Rendered::new(
        generation,
        feed.format.content_type(),
        Bytes::from(body),
        SystemTime::from(feed.info.updated(&feed.entries)),
    )))
}

/// 304 when the client's validators still hold; else the bytes in the best encoding it accepts.
pub(super) async fn conditional_response(rendered: Arc<Rendered>, headers: &HeaderMap) -> Response {
    let mut encoding = preferred_encoding(headers);
    let mut body = None;
    if encoding != Encoding::Identity {
        body = compressed(Arc::clone(&rendered), encoding).await;
        if body.is_none() {
            encoding = Encoding::Identity;
        }
    }
    // A strong ETag names one representation: each encoding has its own.
    let etag = rendered.etags[encoding as usize].clone();
    let mut response = if not_modified(headers, &rendered, encoding) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let body = body.unwrap_or_else(|| rendered.body.clone());
        let mut response = body.into_response();
        let h = response.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(rendered.content_type),
        );
        if let Some(name) = encoding.header() {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(name));
        }
        response
    };
    let h = response.headers_mut();
    h.insert(header::ETAG, etag);
    h.insert(header::LAST_MODIFIED, rendered.last_modified_header.clone());
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    response
}

/// Whether `If-None-Match` (or, without it, `If-Modified-Since`) says the client holds these
/// bytes, in this encoding or none.
fn not_modified(headers: &HeaderMap, rendered: &Rendered, encoding: Encoding) -> bool {
    if let Some(list) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        // Weak comparison (RFC 9110 §13.1.2); any encoding of the same bytes is current.
        return list.split(',').any(|t| {
            let t = t.trim();
            let opaque = t.trim_start_matches("W/").trim_matches('"');
            t == "*"
                || match opaque.strip_prefix(rendered.tag.as_str()) {
                    Some("") => true,
                    Some(rest) => rest.strip_prefix('-') == encoding.header(),
                    None => false,
                }
        });
    }
    headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok())
        .is_some_and(|since| {
            let secs = |t: SystemTime| {
                t.duration_since(SystemTime::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0)
            };
            secs(rendered.last_modified) <= secs(since)
        })
}

/// A response's content coding; the discriminant indexes [`Rendered`]'s `etags`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Identity = 0,
    Gzip = 1,
    Brotli = 2,
}

impl Encoding {
    fn header(self) -> Option<&'static str> {
        match self {
            Encoding::Identity => None,
            Encoding::Gzip => Some("gzip"),
            Encoding::Brotli => Some("br"),
        }
    }
}

/// Brotli when accepted, else gzip, else none (q=0 means refused).
fn preferred_encoding(headers: &HeaderMap) -> Encoding {
    let Some(accept) = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
    else {
        return Encoding::Identity;
    };
    let accepted = |name: &str| {
        accept.split(',').any(|item| {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or_default().trim();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            coding.eq_ignore_ascii_case(name) && q > 0.0
        })
    };
    if accepted("br") {
        Encoding::Brotli
    } else if accepted("gzip") {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

/// The compressed bytes, compressed once per rendering and off the async workers; `None` if
/// compression failed (the caller then sends the bytes as they are).
async fn compressed(rendered: Arc<Rendered>, encoding: Encoding) -> Option<Bytes> {
    let cell = match encoding {
        Encoding::Gzip => &rendered.gzip,
        _ => &rendered.brotli,
    };
    if let Some(bytes) = cell.get() {
        return Some(bytes.clone());
    }
    let r = Arc::clone(&rendered);
    let bytes = tokio::task::spawn_blocking(move || compress(&r.body, encoding))
        .await
        .ok()??;
    Some(cell.get_or_init(|| bytes).clone())
}

fn compress(body: &[u8], encoding: Encoding) -> Option<Bytes> {
    let mut out = Vec::with_capacity(body.len() / 4);
    match encoding {
        Encoding::Gzip => {
            let mut gz = flate2::write::GzEncoder::new(&mut out, flate2::Compression::default());
            gz.write_all(body).ok()?;
            gz.finish().ok()?;
        }
        _ => {
            let mut br = brotli::CompressorWriter::new(&mut out, 64 * 1024, 6, 22);
            br.write_all(body).ok()?;
            drop(br); // dropping the writer finishes the brotli stream
        }
    }
    Some(Bytes::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(generation: u64, bytes: usize) -> Arc<Rendered> {
        Arc::new(Rendered::new(
            generation,
            "application/atom+xml",
            Bytes::from(vec![b'x'; bytes]),
            SystemTime::UNIX_EPOCH,
        ))
    }

    fn limited(limit: usize) -> FeedRequest {
        FeedRequest {
            limit: Some(limit),
            ..FeedRequest::new(FeedScope::All, Format::Atom)
        }
    }

    #[test]
    fn the_cache_keeps_to_its_byte_budget_with_compressed_variants() {
        let cache = FeedCache::default();
        let budget = 1_000_000;
        for i in 0..100 {
            let r = rendered(1, 40_000);
            // As a gzip and a brotli request would, after insertion.
            cache.insert(limited(i), Arc::clone(&r), budget);
            let _ = r.gzip.set(Bytes::from(vec![b'g'; 10_000]));
            let _ = r.brotli.set(Bytes::from(vec![b'b'; 8_000]));
            assert!(
                cache.bytes() <= budget + 18_000,
                "{} after {i}",
                cache.bytes()
            );
        }
        assert!(cache.get(&limited(99), 1).is_some(), "the newest stays");
        assert!(cache.get(&limited(0), 1).is_none(), "the oldest went");
        // A feed larger than the budget is served, not kept.
        cache.insert(limited(1000), rendered(1, 2_000_000), budget);
        assert!(cache.get(&limited(1000), 1).is_none());
        // A new store generation drops the old entries.
        cache.insert(
            FeedRequest::new(FeedScope::All, Format::Atom),
            rendered(2, 10),
            budget,
        );
        assert!(cache.get(&limited(99), 1).is_none());
        assert_eq!(cache.bytes(), 10);
    }
}
