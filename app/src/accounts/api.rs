//! Server functions of accounts (under /rpc/accounts/…). Each one is thin:
//! it reads the request's user and meta, calls the service, and sets cookies
//! or redirects. The JSON API in the server crate calls the same service.

use leptos::prelude::*;

use super::model::{Me, RecoveryCodes, TwoFactorSetup, TwoFactorStatus, UserPage};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::kernel::ids::UserId;

#[cfg(feature = "ssr")]
use crate::accounts::{rpc, session};

#[server(prefix = "/rpc", endpoint = "accounts/sign_up")]
pub async fn sign_up(
    email: String,
    password: String,
    display_name: String,
    role: String,
    next: String,
) -> Result<Me, AppError> {
    use super::{model::safe_next, service, session};
    rpc::anyone(|state, _| async move {
        let meta = session::request_meta();
        let issued = service::register(
            &state,
            service::Registration {
                email,
                password,
                display_name,
                role,
            },
            meta,
        )
        .await?;
        session::set_cookies(session::session_cookies(&issued, meta.secure));
        leptos_axum::redirect(&safe_next(&next));
        Ok(issued.user.me)
    })
    .await
}

/// Signs in: the person (`Some`), or `None` when two-factor sign-in is on
/// and the code page comes next (the ticket waits in a cookie).
#[server(prefix = "/rpc", endpoint = "accounts/sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: String,
) -> Result<Option<Me>, AppError> {
    use super::{model::safe_next, session, sign_in};
    use crate::kernel::text::url_encode;
    rpc::anyone(|state, _| async move {
        let meta = session::request_meta();
        match sign_in::login(&state, &email, password, meta).await? {
            sign_in::SignIn::Done(issued) => {
                session::set_cookies(session::session_cookies(&issued, meta.secure));
                leptos_axum::redirect(&safe_next(&next));
                Ok(Some(issued.user.me))
            }
            sign_in::SignIn::SecondFactor { ticket } => {
                session::set_cookies(session::ticket_cookie(Some(&ticket), meta.secure));
                let next = url_encode(&safe_next(&next));
                leptos_axum::redirect(&format!("/sign-in/code?next={next}"));
                Ok(None)
            }
        }
    })
    .await
}

/// The second step of signing in: a code from the app (or a recovery
/// code) for the ticket the first step left.
#[server(prefix = "/rpc", endpoint = "accounts/sign_in_code")]
pub async fn sign_in_code(code: String, next: String) -> Result<Me, AppError> {
    use super::{model::safe_next, second_factor, session};
    rpc::anyone(|state, _| async move {
        let meta = session::request_meta();
        let ticket = session::request_ticket().ok_or(AppError::Unauthorized)?;
        let issued = second_factor::complete_sign_in(&state, &ticket, &code, meta).await?;
        let mut cookies = session::session_cookies(&issued, meta.secure);
        cookies.extend(session::ticket_cookie(None, meta.secure));
        session::set_cookies(cookies);
        leptos_axum::redirect(&safe_next(&next));
        Ok(issued.user.me)
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "accounts/two_factor")]
pub async fn get_two_factor() -> Result<TwoFactorStatus, AppError> {
    use super::second_factor;
    rpc::signed_in(|state, user| async move { second_factor::status(&state, &user).await }).await
}

/// A new key for an authenticator app (replacing any set-up under way).
#[server(prefix = "/rpc", endpoint = "accounts/two_factor_setup")]
pub async fn start_two_factor() -> Result<TwoFactorSetup, AppError> {
    use super::second_factor;
    rpc::signed_in(|state, user| async move { second_factor::begin_setup(&state, &user).await })
        .await
}

/// Turns two-factor sign-in on with a code from the app; the recovery
/// codes come back once.
#[server(prefix = "/rpc", endpoint = "accounts/two_factor_enable")]
pub async fn two_factor_enable(password: String, code: String) -> Result<RecoveryCodes, AppError> {
    use super::second_factor;
    rpc::signed_in(|state, user| async move {
        let (codes, me) = second_factor::enable(&state, &user, password, &code).await?;
        Ok(RecoveryCodes {
            codes,
            me: Some(me),
        })
    })
    .await
}

/// Turns two-factor sign-in off (password and a code asked again).
#[server(prefix = "/rpc", endpoint = "accounts/two_factor_disable")]
pub async fn two_factor_disable(password: String, code: String) -> Result<Me, AppError> {
    use super::second_factor;
    rpc::signed_in(|state, user| async move {
        let me = second_factor::disable(&state, &user, password, &code).await?;
        leptos_axum::redirect("/profile?two_factor=off");
        Ok(me)
    })
    .await
}

/// New recovery codes (a code asked again); the old ones stop working.
#[server(prefix = "/rpc", endpoint = "accounts/two_factor_recovery_codes")]
pub async fn two_factor_recovery_codes(code: String) -> Result<RecoveryCodes, AppError> {
    use super::second_factor;
    rpc::signed_in(|state, user| async move {
        let codes = second_factor::renew_recovery_codes(&state, &user, &code).await?;
        Ok(RecoveryCodes { codes, me: None })
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "accounts/sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use super::service;
    rpc::anyone(|state, _| async move {
        if let Some(user) = session::current_user() {
            service::logout(&state, &user.session_id).await?;
        }
        session::set_cookies(session::clear_cookies(session::request_meta().secure));
        leptos_axum::redirect("/");
        Ok(())
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "accounts/update_profile")]
pub async fn update_profile(display_name: String, bio: String) -> Result<Me, AppError> {
    use super::service;
    rpc::signed_in(|state, user| async move {
        service::update_profile(&state, &user, &display_name, &bio).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "accounts/search")]
pub async fn search_users(q: String, page: u32) -> Result<UserPage, AppError> {
    use super::service;
    rpc::signed_in(|state, user| async move { service::search(&state, &user, &q, page).await })
        .await
}

#[server(prefix = "/rpc", endpoint = "accounts/profile")]
pub async fn get_profile(id: i64) -> Result<super::model::PublicProfile, AppError> {
    use super::service;
    rpc::anyone(|state, _| async move { service::public_profile(&state, UserId::new(id)).await })
        .await
}

/// Where the signed-in person is signed in (their security page).
#[server(prefix = "/rpc", endpoint = "accounts/sessions")]
pub async fn my_sessions() -> Result<Vec<super::model::SessionView>, AppError> {
    use super::service;
    rpc::signed_in(|state, user| async move { service::sessions(&state, &user).await }).await
}

/// Signs out one of the person's own sessions, by its handle.
#[server(prefix = "/rpc", endpoint = "accounts/end_session")]
pub async fn end_session(handle: String) -> Result<(), AppError> {
    use super::service;
    rpc::signed_in(|state, user| async move { service::end_session(&state, &user, &handle).await })
        .await
}

/// Signs out every session of the person but this one.
#[server(prefix = "/rpc", endpoint = "accounts/end_other_sessions")]
pub async fn end_other_sessions() -> Result<u64, AppError> {
    use super::service;
    rpc::signed_in(|state, user| async move { service::end_other_sessions(&state, &user).await })
        .await
}

/// Changes the password (the current one asked again); every other session
/// is signed out. Returns how many were.
#[server(prefix = "/rpc", endpoint = "accounts/change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<u64, AppError> {
    use super::service;
    rpc::signed_in(|state, user| async move {
        let ended = service::change_password(&state, &user, current_password, new_password).await?;
        // With or without JavaScript, the page says it worked.
        leptos_axum::redirect("/profile?password=changed");
        Ok(ended)
    })
    .await
}
