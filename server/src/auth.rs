//! Who is asking, for every request: resolves the user from a Bearer token or
//! the session cookies (refreshing an expired access cookie transparently),
//! records it in the request span, and refuses cross-site state changes made
//! with cookies (CSRF).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, HOST, ORIGIN, REFERER, SET_COOKIE};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use app::accounts::service::{self, AuthUser};
use app::accounts::session::{self, Auth, RequestMeta};
use app::error::AppError;
use app::state::AppState;

/// Paths that never need to know the user (static files, health).
fn is_anonymous_path(path: &str) -> bool {
    path.starts_with("/pkg/")
        || path.starts_with("/avatars/")
        || path == "/health"
        || path == "/favicon.svg"
        || path == "/robots.txt"
}

fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The last `X-Forwarded-For` address: the one our own proxy appended.
fn forwarded_for(headers: &HeaderMap) -> Option<std::net::IpAddr> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .last()
        .and_then(|ip| ip.trim().parse().ok())
}

/// Whether the client's connection is HTTPS, so cookies get `Secure` and
/// the `__Host-` prefix: always in production; otherwise only when a proxy
/// we trust says so (anyone can send `X-Forwarded-Proto`).
fn is_https(state: &AppState, headers: &HeaderMap) -> bool {
    if state.config.environment == app::config::Environment::Production {
        return true;
    }
    state.config.trust_proxy
        && headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|p| p.eq_ignore_ascii_case("https"))
}

/// The middleware: puts [`Auth`] and [`RequestMeta`] in the request's
/// extensions, refuses cross-site state changes made with cookies, and adds
/// the refreshed session's cookies (and `no-store`) to the answer.
pub async fn resolve_user(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    if is_anonymous_path(request.uri().path()) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let ip = if state.config.trust_proxy {
        forwarded_for(headers).or(peer)
    } else {
        peer
    };
    if let Some(ip) = ip {
        tracing::Span::current().record("client_ip", tracing::field::display(ip));
    }
    let secure = is_https(&state, headers);
    let device = app::accounts::device::Device::from_user_agent(headers_user_agent(headers));
    let meta = RequestMeta { ip, secure, device };
    let has_bearer = bearer_token(headers).is_some();

    if !has_bearer && is_state_changing(request.method()) && !same_origin(&state, headers) {
        tracing::warn!(path = request.uri().path(), "cross-site request refused");
        return AppError::Forbidden.into_response();
    }

    // A visitor with neither token nor session cookie (most reads) skips the
    // lookup; the lookup's future is boxed so that this middleware's own
    // stays small (every request's future is moved into the heap once).
    let (user, set_cookies) = if !has_bearer && !session::has_session_cookie(headers) {
        (None, Vec::new())
    } else {
        Box::pin(identify(&state, headers, meta)).await
    };
    if let Some(user) = &user {
        tracing::Span::current().record("user_id", user.id);
    }
    let signed_in = user.is_some();
    request.extensions_mut().insert(Auth(user));
    request.extensions_mut().insert(meta);

    let mut response = next.run(request).await;
    // What a signed-in person sees (and any answer that sets a session)
    // stays out of shared and browser caches.
    if (signed_in || !set_cookies.is_empty() || response.headers().contains_key(SET_COOKIE))
        && !response.headers().contains_key(CACHE_CONTROL)
    {
        response.headers_mut().insert(
            CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        );
    }
    // Cookies the handler set itself (sign-in, sign-out) win over ours.
    if !response.headers().contains_key(SET_COOKIE) {
        for cookie in set_cookies {
            response.headers_mut().append(SET_COOKIE, cookie);
        }
    }
    response
}

/// The person a Bearer token or the session cookies name (refreshing an
/// expired access cookie), and the cookies to set on the answer.
async fn identify(
    state: &AppState,
    headers: &HeaderMap,
    meta: RequestMeta,
) -> (Option<AuthUser>, Vec<axum::http::HeaderValue>) {
    let mut set_cookies = Vec::new();
    let user = match bearer_token(headers) {
        Some(token) => service::authenticate(state, token).await.ok(),
        None => match session::access_cookie(headers) {
            Some(token) => match service::authenticate(state, &token).await {
                Ok(user) => Some(user),
                Err(_) => refresh_from_cookie(state, headers, meta, &mut set_cookies).await,
            },
            None => refresh_from_cookie(state, headers, meta, &mut set_cookies).await,
        },
    };
    (user, set_cookies)
}

/// Refreshes the session from the refresh cookie; on failure the stale
/// cookies are cleared so the browser stops sending them.
async fn refresh_from_cookie(
    state: &AppState,
    headers: &HeaderMap,
    meta: RequestMeta,
    set_cookies: &mut Vec<axum::http::HeaderValue>,
) -> Option<AuthUser> {
    let secure = meta.secure;
    let token = session::refresh_cookie(headers)?;
    match service::refresh(state, &token, meta).await {
        Ok(issued) => {
            set_cookies.extend(session::session_cookies(&issued, secure));
            Some(issued.user)
        }
        Err(AppError::TooManyRequests { .. }) => None,
        Err(_) => {
            set_cookies.extend(session::clear_cookies(secure));
            None
        }
    }
}

fn headers_user_agent(headers: &HeaderMap) -> &str {
    headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn is_state_changing(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// The origin of a request (from `Origin`, else `Referer`) must be the site
/// itself: the host the request was sent to, or a configured origin. A
/// request with neither header and no session cookie is an API client, not a
/// browser, and cannot be forged cross-site.
pub(crate) fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    let claimed = headers
        .get(ORIGIN)
        .or_else(|| headers.get(REFERER))
        .and_then(|v| v.to_str().ok());
    let Some(claimed) = claimed else {
        return !session::has_session_cookie(headers);
    };
    let Some(origin) = origin_of(claimed) else {
        return false;
    };
    let host = headers.get(HOST).and_then(|v| v.to_str().ok());
    let host_matches = host.is_some_and(|host| {
        origin
            .split_once("://")
            .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host))
    });
    host_matches
        || state
            .config
            .allowed_origins
            .iter()
            .any(|allowed| allowed.eq_ignore_ascii_case(&origin))
}

/// `scheme://authority` of a URL (an `Origin` is already just that).
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    (!authority.is_empty()).then(|| format!("{scheme}://{authority}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_origin_of_a_referer_drops_path_and_query() {
        assert_eq!(
            origin_of("http://127.0.0.1:3000/sign-in?next=/").as_deref(),
            Some("http://127.0.0.1:3000")
        );
        assert_eq!(
            origin_of("https://marquee.example").as_deref(),
            Some("https://marquee.example")
        );
        assert_eq!(origin_of("null"), None);
    }

    #[test]
    fn the_proxys_own_forwarded_entry_is_the_client() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "203.0.113.9, 198.51.100.7".parse().unwrap(),
        );
        assert_eq!(forwarded_for(&headers), "198.51.100.7".parse().ok());
        headers.insert("x-forwarded-for", "garbage".parse().unwrap());
        assert_eq!(forwarded_for(&headers), None);
    }

    #[test]
    fn bearer_tokens_are_read_case_insensitively() {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, "bearer abc".parse().unwrap());
        assert_eq!(bearer_token(&headers), Some("abc"));
        headers.insert(AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer_token(&headers), None);
    }
}
