//! The signed-in user of the current request, and the cookies that carry the
//! session in the browser. The server's auth middleware resolves the user
//! (from a Bearer token or the cookies, refreshing transparently) and puts an
//! [`Auth`] into the request; server functions read it from there.

use http::HeaderValue;
use http::header::{COOKIE, SET_COOKIE};

use super::model::Role;
use super::service::{AuthUser, IssuedSession};
use super::tokens;
use crate::error::AppError;

/// The request's user, as resolved by the auth middleware.
#[derive(Debug, Clone, Default)]
pub struct Auth(pub Option<AuthUser>);

pub use super::request::RequestMeta;

const ACCESS: &str = "marquee_access";
const REFRESH: &str = "marquee_refresh";
/// The ticket of a sign-in waiting for its second factor (five minutes).
const TICKET: &str = "marquee_sign_in";

/// Over HTTPS the cookies get the `__Host-` prefix: Secure, Path=/, no Domain.
fn cookie_name(base: &str, secure: bool) -> String {
    if secure {
        format!("__Host-{base}")
    } else {
        base.to_string()
    }
}

fn cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> Option<HeaderValue> {
    let secure_attr = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure_attr}",
        cookie_name(name, secure)
    ))
    .ok()
}

/// `Set-Cookie` values for a newly issued session.
pub fn session_cookies(issued: &IssuedSession, secure: bool) -> Vec<HeaderValue> {
    let mut cookies = Vec::new();
    cookies.extend(cookie(
        ACCESS,
        &issued.access_token,
        tokens::ACCESS_TTL_MS / 1000,
        secure,
    ));
    if let Some(refresh) = &issued.refresh_token {
        cookies.extend(cookie(
            REFRESH,
            refresh,
            tokens::SESSION_TTL_MS / 1000,
            secure,
        ));
    }
    cookies
}

/// `Set-Cookie` values that remove the session cookies.
pub fn clear_cookies(secure: bool) -> Vec<HeaderValue> {
    [ACCESS, REFRESH]
        .into_iter()
        .filter_map(|name| cookie(name, "", 0, secure))
        .collect()
}

fn read_cookie(headers: &http::HeaderMap, base: &str) -> Option<String> {
    let names = [cookie_name(base, true), cookie_name(base, false)];
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| names.iter().any(|n| n == name) && !value.is_empty())
        .map(|(_, value)| value.to_string())
}

pub fn access_cookie(headers: &http::HeaderMap) -> Option<String> {
    read_cookie(headers, ACCESS)
}

pub fn refresh_cookie(headers: &http::HeaderMap) -> Option<String> {
    read_cookie(headers, REFRESH)
}

/// `Set-Cookie` for a sign-in ticket (or, with `None`, its removal).
pub fn ticket_cookie(ticket: Option<&str>, secure: bool) -> Vec<HeaderValue> {
    let max_age = match ticket {
        Some(_) => crate::accounts::second_factor::TICKET_TTL_MS / 1000,
        None => 0,
    };
    cookie(TICKET, ticket.unwrap_or(""), max_age, secure)
        .into_iter()
        .collect()
}

/// The sign-in ticket the request carries, inside a server function.
pub fn request_ticket() -> Option<String> {
    parts().and_then(|p| read_cookie(&p.headers, TICKET))
}

/// Whether the request carries any session cookie (a CSRF target).
pub fn has_session_cookie(headers: &http::HeaderMap) -> bool {
    access_cookie(headers).is_some() || refresh_cookie(headers).is_some()
}

fn parts() -> Option<http::request::Parts> {
    leptos::prelude::use_context::<http::request::Parts>()
}

/// The signed-in user, if any (inside a server function or page render).
/// Sends a plain form post back to `back` (kept to a local path), when the
/// form named one.
pub fn redirect_back(back: &str) {
    if !back.is_empty() {
        leptos_axum::redirect(&crate::accounts::model::safe_next(back));
    }
}

pub fn current_user() -> Option<AuthUser> {
    parts().and_then(|p| p.extensions.get::<Auth>().and_then(|a| a.0.clone()))
}

pub fn require_user() -> Result<AuthUser, AppError> {
    current_user().ok_or(AppError::Unauthorized)
}

pub fn require_role(role: Role) -> Result<AuthUser, AppError> {
    let user = require_user()?;
    user.require_role(role)?;
    Ok(user)
}

pub fn request_meta() -> RequestMeta {
    parts()
        .and_then(|p| p.extensions.get::<RequestMeta>().copied())
        .unwrap_or_default()
}

/// Sets (or clears) the session cookies on the server function's response.
pub fn set_cookies(values: Vec<HeaderValue>) {
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        for value in values {
            response.append_header(SET_COOKIE, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_http_only_lax_and_host_prefixed_over_https() {
        let plain = cookie(ACCESS, "t", 60, false).unwrap();
        assert_eq!(
            plain,
            "marquee_access=t; Path=/; HttpOnly; SameSite=Lax; Max-Age=60"
        );
        let secure = cookie(ACCESS, "t", 60, true).unwrap();
        assert_eq!(
            secure,
            "__Host-marquee_access=t; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure"
        );
    }

    #[test]
    fn either_cookie_name_is_read() {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("a=1; __Host-marquee_refresh=abc; b=2"),
        );
        assert_eq!(refresh_cookie(&headers).as_deref(), Some("abc"));
        assert_eq!(access_cookie(&headers), None);
    }
}
