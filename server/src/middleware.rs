//! Cross-cutting HTTP behaviour: request ids, the request span, security
//! headers and the Content-Security-Policy.

use axum::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Request, Response};
use tower_http::request_id::{MakeRequestId, RequestId};
use tower_http::trace::OnResponse;
use tracing::Span;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Random request ids, echoed back in `x-request-id` and kept in the span.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomRequestId;

impl MakeRequestId for RandomRequestId {
    fn make_request_id<B>(&mut self, _request: &Request<B>) -> Option<RequestId> {
        let id = format!("{:016x}", rand::random::<u64>());
        HeaderValue::from_str(&id).ok().map(RequestId::new)
    }
}

/// One span per request. `client_ip` and `user_id` are filled in by the
/// auth middleware.
pub fn request_span<B>(request: &Request<B>) -> Span {
    let request_id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id,
        client_ip = tracing::field::Empty,
        user_id = tracing::field::Empty,
    )
}

/// The log target of the access lines: `RUST_LOG=info,access=debug` writes
/// one for every request.
pub const ACCESS: &str = "access";

/// Answers slower than this get an access line at `info` whatever their status.
pub const SLOW: Duration = Duration::from_millis(500);

/// One access line per answer (status and latency, in the request's span
/// with its method, path, id, client and user): at `info` for what an
/// operator looks for (client and server errors, slow answers), at `debug`
/// for the rest. Writing a line for every fast success cost a quarter of a
/// cached `GET /api/events/{id}` on one core (its formatting and the hand-off
/// to the log writer), more than the request itself did.
#[derive(Debug, Clone, Copy, Default)]
pub struct AccessLine;

impl<B> OnResponse<B> for AccessLine {
    fn on_response(self, response: &Response<B>, latency: Duration, _span: &Span) {
        let status = response.status().as_u16();
        let latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        if notable(status, latency) {
            tracing::info!(target: ACCESS, status, latency_ms, "answered");
        } else {
            tracing::debug!(target: ACCESS, status, latency_ms, "answered");
        }
    }
}

/// Whether an answer's access line is written at `info`.
fn notable(status: u16, latency: Duration) -> bool {
    status >= 400 || latency >= SLOW
}

/// The policy for HTML pages: scripts only from this origin with this
/// response's nonce (the hydration script is inline), wasm allowed to compile,
/// no framing. `reload` adds the live-reload socket of `cargo leptos watch`.
pub fn page_csp(nonce: &str, reload: Option<&str>) -> String {
    let connect = match reload {
        Some(origin) => format!("'self' {origin}"),
        None => "'self'".to_string(),
    };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'nonce-{nonce}'; img-src 'self' data: blob: https:; \
         connect-src {connect}; font-src 'self'; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// The policy for everything that is not a page (JSON, files): nothing may
/// run, nothing may frame it.
pub const DEFAULT_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// The headers every answer carries, set in one step rather than one layer
/// per header (each a future every response moved through).
#[derive(Debug, Clone, Copy)]
pub struct SecurityHeaders {
    /// `Strict-Transport-Security` (production, served over HTTPS only).
    pub hsts: bool,
}

const PERMISSIONS_POLICY: HeaderName = HeaderName::from_static("permissions-policy");

impl SecurityHeaders {
    pub fn apply(self, mut response: axum::response::Response) -> axum::response::Response {
        let headers = response.headers_mut();
        // A page brings its own policy (with its nonce); the rest get the strict one.
        let default_csp = !headers.contains_key(CONTENT_SECURITY_POLICY);
        let mut set = |name: HeaderName, value: &'static str| {
            headers.insert(name, HeaderValue::from_static(value));
        };
        set(X_CONTENT_TYPE_OPTIONS, "nosniff");
        set(REFERRER_POLICY, "same-origin");
        set(X_FRAME_OPTIONS, "DENY");
        if self.hsts {
            set(
                STRICT_TRANSPORT_SECURITY,
                "max-age=31536000; includeSubDomains",
            );
        }
        set(
            PERMISSIONS_POLICY,
            "geolocation=(self), camera=(self), microphone=(self)",
        );
        if default_csp {
            set(CONTENT_SECURITY_POLICY, DEFAULT_CSP);
        }
        response
    }
}

/// Where a page render leaves its Content-Security-Policy (carrying the
/// nonce it used), shared between the request and the render through the
/// request's extensions. [`with_page_csp`] puts it on the response, so a
/// page keeps its policy even if the render's response options are lost on
/// the way (seen once under load: a page answered with the strict default
/// policy could not load its scripts).
#[derive(Debug, Clone, Default)]
pub struct PageCsp(pub std::sync::Arc<std::sync::Mutex<Option<HeaderValue>>>);

impl PageCsp {
    pub fn set(&self, value: HeaderValue) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(value);
        }
    }
}

/// Renders a page (or whatever answers a path that is not the JSON API or
/// a server function) with an empty [`PageCsp`] in the request, and puts
/// the policy the render left there on the answer.
pub async fn with_page_csp(
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let slot = PageCsp::default();
    request.extensions_mut().insert(slot.clone());
    let mut response = next.run(request).await;
    let value = slot.0.lock().ok().and_then(|mut s| s.take());
    if let Some(value) = value {
        response
            .headers_mut()
            .insert(axum::http::header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

/// The JSON API and server functions, which render no page.
pub fn renders_no_page(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/rpc/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_and_slow_answers_are_notable_fast_successes_are_not() {
        let fast = Duration::from_millis(3);
        assert!(!notable(200, fast));
        assert!(!notable(303, fast));
        assert!(notable(404, fast));
        assert!(notable(503, fast));
        assert!(notable(200, SLOW));
    }

    #[test]
    fn page_policy_carries_the_nonce_and_forbids_framing() {
        let csp = page_csp("abc123", None);
        assert!(csp.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline"));
    }

    #[test]
    fn the_reload_socket_is_allowed_only_when_asked() {
        assert!(
            page_csp("n", Some("ws://127.0.0.1:3001"))
                .contains("connect-src 'self' ws://127.0.0.1:3001")
        );
        assert!(page_csp("n", None).contains("connect-src 'self';"));
    }
}
