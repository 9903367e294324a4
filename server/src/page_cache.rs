//! Pages as a visitor who is not signed in sees them, kept for a moment and
//! sent again to the next such visitor instead of being rendered again.
//!
//! A page is kept under its address (path and query) with the stamp of
//! everything the live hub knows changed (`Freshness::all_stamp`: any
//! event's seats or details, the catalog, a stream; here or, through the
//! PostgreSQL bus, on another instance), taken before it was rendered. It is
//! sent again only while that stamp is unchanged and for at most
//! `MARQUEE_PAGE_CACHE_MS` (a second by default): what changes without a notice (a hold lapsing before the
//! sweep, a person's name, the clock in "in 3 hours") is at most that old,
//! and a new seat count is never missed. Nothing is kept while the bus is
//! deaf.
//!
//! Only what cannot differ between two such visitors is kept: GET requests
//! with no cookie and no `Authorization` at all, answered `200` with an HTML
//! page (one that carries a page policy with a nonce) and no `Set-Cookie`.
//! A render reads no other request header (not `Host`, not the language):
//! nobody can have a page kept that the next visitor would not have got.
//! A kept page is sent with `Age` (RFC 9111: seconds since it was
//! rendered), a rendered one without. Each answer gets a nonce of its own: the kept page's is replaced in the
//! body and in the policy, so a nonce is never sent twice.
//!
//! Measured on `GET /events` on one core, a render is a few hundred
//! microseconds of Leptos's SSR (owners, signals, the HTML string), spread
//! over the whole view tree; a kept page is a lookup and a string
//! replacement.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{
    ACCEPT_ENCODING, AGE, AUTHORIZATION, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_SECURITY_POLICY,
    CONTENT_TYPE, COOKIE, SET_COOKIE, VARY,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use app::accounts::session::Auth;
use app::kernel::sync::lock;
use app::state::AppState;

use crate::middleware::{renders_no_page, with_page_csp};
use crate::page_gzip::Spliced;

/// Pages kept before the store starts over: a bound on memory (the query
/// string is the visitor's to choose).
const MAX_PAGES: usize = 512;
/// Larger pages are sent but not kept.
const MAX_BYTES: usize = 512 * 1024;

/// The kept pages, shared by every request of this instance.
#[derive(Clone)]
pub struct PageCache {
    state: AppState,
    /// The longest a page is sent again, whatever the stamps say.
    max_age: Duration,
    pages: Arc<Mutex<HashMap<String, Arc<Kept>>>>,
}

struct Kept {
    stamp: u64,
    born: Instant,
    headers: HeaderMap,
    body: String,
    /// The nonce the page was rendered with (in `body` and in the policy).
    nonce: String,
    /// `body` gzipped once, around its nonces.
    gzip: Option<Spliced>,
}

impl PageCache {
    pub fn new(state: AppState) -> Self {
        Self {
            max_age: state.config.page_cache,
            state,
            pages: Arc::default(),
        }
    }

    fn get(&self, key: &str, stamp: u64) -> Option<Arc<Kept>> {
        lock(&self.pages)
            .get(key)
            .filter(|page| page.stamp == stamp && page.born.elapsed() < self.max_age)
            .cloned()
    }

    fn keep(&self, key: String, page: Kept) {
        let mut pages = lock(&self.pages);
        if pages.len() >= MAX_PAGES && !pages.contains_key(&key) {
            pages.clear();
        }
        pages.insert(key, Arc::new(page));
    }
}

/// The middleware around every page render: sends a kept page when there
/// is one, renders with the page's policy put on (`with_page_csp`) when
/// not, and keeps what it may. It runs after `resolve_user` (which tells who
/// is asking); the JSON API and server functions pass straight through.
pub async fn pages(State(cache): State<PageCache>, request: Request, next: Next) -> Response {
    if renders_no_page(request.uri().path()) {
        return next.run(request).await;
    }
    let Some(key) = key(&request).filter(|_| !cache.max_age.is_zero()) else {
        return with_page_csp(request, next).await;
    };
    // Taken before the render: a change made meanwhile leaves the page unkept.
    let Some(stamp) = cache.state.live.freshness().all_stamp() else {
        return with_page_csp(request, next).await;
    };
    if let Some(page) = cache.get(&key, stamp) {
        return page.answer(accepts_gzip(request.headers()));
    }
    let response = with_page_csp(request, next).await;
    let Some(nonce) = keepable(&response) else {
        return response;
    };
    let (parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::warn!(%error, "a page's body failed while it was read");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    if bytes.len() <= MAX_BYTES
        && let Ok(body) = std::str::from_utf8(&bytes)
    {
        cache.keep(
            key,
            Kept {
                stamp,
                born: Instant::now(),
                headers: parts.headers.clone(),
                body: body.to_owned(),
                gzip: Spliced::new(body, &nonce),
                nonce,
            },
        );
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The key of a request whose page may be kept: a GET of a page from a
/// visitor who sent no cookie and no credentials.
fn key(request: &Request) -> Option<String> {
    let path = request.uri().path();
    let anonymous = matches!(request.extensions().get::<Auth>(), Some(Auth(None)));
    let headers = request.headers();
    (request.method() == Method::GET
        && anonymous
        && !headers.contains_key(COOKIE)
        && !headers.contains_key(AUTHORIZATION)
        && !renders_no_page(path))
    .then(|| {
        request
            .uri()
            .path_and_query()
            .map_or_else(|| path.to_owned(), |pq| pq.as_str().to_owned())
    })
}

/// The nonce of an answer that may be kept: a `200` HTML page with its
/// policy and no cookie.
fn keepable(response: &Response) -> Option<String> {
    let headers = response.headers();
    let html = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if response.status() != StatusCode::OK || !html || headers.contains_key(SET_COOKIE) {
        return None;
    }
    nonce_of(headers.get(CONTENT_SECURITY_POLICY)?.to_str().ok()?)
}

/// The nonce a policy allows (`'nonce-…'`).
fn nonce_of(policy: &str) -> Option<String> {
    let (_, rest) = policy.split_once("'nonce-")?;
    let (nonce, _) = rest.split_once('\'')?;
    (nonce.len() >= 16).then(|| nonce.to_owned())
}

impl Kept {
    /// The page again, with a nonce of its own; gzipped if the client takes
    /// gzip (the compression layer leaves an encoded answer alone).
    fn answer(&self, gzip: bool) -> Response {
        let nonce = leptos::nonce::Nonce::new().to_string();
        let mut headers = self.headers.clone();
        headers.remove(CONTENT_LENGTH);
        let policy = headers
            .get(CONTENT_SECURITY_POLICY)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.replace(&self.nonce, &nonce))
            .and_then(|v| HeaderValue::from_str(&v).ok());
        let Some(policy) = policy else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        headers.insert(CONTENT_SECURITY_POLICY, policy);
        headers.insert(AGE, HeaderValue::from(self.born.elapsed().as_secs()));
        headers.append(VARY, HeaderValue::from_static("accept-encoding"));
        let gzipped = gzip
            .then(|| self.gzip.as_ref().and_then(|g| g.with(&nonce)))
            .flatten();
        let body = match gzipped {
            Some(bytes) => {
                headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                Body::from(bytes)
            }
            None => Body::from(self.body.replace(&self.nonce, &nonce)),
        };
        let mut response = Response::new(body);
        *response.headers_mut() = headers;
        response
    }
}

/// Whether `Accept-Encoding` takes gzip (by name or `*`, with a weight
/// above zero).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or("").trim();
            let weight = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (name.eq_ignore_ascii_case("gzip") || name == "*") && weight > 0.0
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nonce_is_read_from_the_page_policy() {
        let policy = crate::middleware::page_csp("AbCdEfGhIjKlMnOpQrStUv", None);
        assert_eq!(nonce_of(&policy).as_deref(), Some("AbCdEfGhIjKlMnOpQrStUv"));
        assert_eq!(nonce_of(crate::middleware::DEFAULT_CSP), None);
        assert_eq!(nonce_of("script-src 'nonce-short'"), None);
    }

    fn request(uri: &str, auth: Option<Auth>, header: Option<(&str, &str)>) -> Request {
        let mut builder = Request::get(uri);
        if let Some((name, value)) = header {
            builder = builder.header(name, value);
        }
        let mut request = builder.body(Body::empty()).unwrap();
        if let Some(auth) = auth {
            request.extensions_mut().insert(auth);
        }
        request
    }

    #[test]
    fn gzip_is_taken_by_name_or_star_unless_its_weight_is_zero() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
            accepts_gzip(&headers)
        };
        assert!(with("gzip, deflate, br, zstd"));
        assert!(with("br;q=1.0, GZIP;q=0.5"));
        assert!(with("*"));
        assert!(!with("br"));
        assert!(!with("gzip;q=0, br"));
        assert!(!with("identity"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn only_get_pages_of_visitors_without_cookies_or_credentials_have_a_key() {
        let anonymous = || Some(Auth(None));
        assert_eq!(
            key(&request("/events?q=jazz", anonymous(), None)).as_deref(),
            Some("/events?q=jazz")
        );
        assert_eq!(
            key(&request("/events", None, None)),
            None,
            "unknown visitor"
        );
        assert_eq!(
            key(&request("/events", anonymous(), Some(("cookie", "a=b")))),
            None
        );
        assert_eq!(
            key(&request(
                "/events",
                anonymous(),
                Some(("authorization", "Bearer x"))
            )),
            None
        );
        assert_eq!(key(&request("/api/events", anonymous(), None)), None);
        assert_eq!(key(&request("/rpc/events/list", anonymous(), None)), None);
        let mut post = request("/events", anonymous(), None);
        *post.method_mut() = Method::POST;
        assert_eq!(key(&post), None);
    }
}
