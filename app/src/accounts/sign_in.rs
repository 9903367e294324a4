//! Signing in with a password: a session, or (with two-factor sign-in on)
//! a ticket for the code step in [`second_factor`].

use super::request::RequestMeta;
use super::service::{self, IssuedSession};
use super::{password, second_factor, store};
use crate::error::AppError;
use crate::kernel::time::now_millis;
use crate::state::AppState;

/// Where a right password leads: a session, or (with two-factor sign-in
/// on) a ticket to trade for one with a code.
#[derive(Debug, Clone)]
pub enum SignIn {
    Done(Box<IssuedSession>),
    /// The ticket (opaque, one use, five minutes): see
    /// [`second_factor::complete_sign_in`].
    SecondFactor {
        ticket: String,
    },
}

/// The one answer for every failed sign-in: it never says which part was wrong.
#[tracing::instrument(skip_all, err)]
pub async fn login(
    state: &AppState,
    email: &str,
    password: String,
    meta: RequestMeta,
) -> Result<SignIn, AppError> {
    let email = email.trim().to_lowercase();
    state
        .auth_limiter
        .check(&state.db, meta.ip, Some(&email))
        .await?;
    if password.is_empty() || email.is_empty() {
        return Err(AppError::BadCredentials);
    }
    let row = store::user_by_email(state.db.pool(), &email).await?;
    let ok = password::verify(password, row.as_ref().map(|r| r.password_hash.clone())).await?;
    let row = match (ok, row) {
        (true, Some(row)) => row,
        _ => return Err(AppError::BadCredentials),
    };
    let now = now_millis();
    if row.two_factor() {
        let ticket = second_factor::open_ticket(state, row.id, &meta, now).await?;
        return Ok(SignIn::SecondFactor { ticket });
    }
    let mut tx = state.db.pool().begin().await.map_err(AppError::internal)?;
    let (session_id, refresh) =
        service::start_session(&mut tx, row.id, &meta.device.label(), false, now).await?;
    tx.commit().await.map_err(AppError::internal)?;
    tracing::info!(user_id = row.id, "signed in");
    service::issue(state, &row, false, &session_id, Some(refresh), now)
        .map(|s| SignIn::Done(Box::new(s)))
}
