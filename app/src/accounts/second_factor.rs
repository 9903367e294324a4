//! Two-factor sign-in with an authenticator app: setting it up, turning it
//! off, recovery codes, and the second step of signing in. Admin powers
//! need a session that proved it (see [`store::UserRow::me_in_session`]).
//!
//! A sign-in with a right password and two-factor on gets a ticket, not a
//! session: an opaque one-use token (stored as a hash) that lives five
//! minutes and dies after five wrong codes; a code (or a recovery code)
//! trades it for the session. Each app code works once (the step it was
//! made for is kept), each recovery code once.

mod codes;
mod store;

pub use codes::{Authenticator, RECOVERY_CODES};

use super::model::{Me, TwoFactorSetup, TwoFactorStatus};
use super::request::RequestMeta;
use super::service::{self, AuthUser, IssuedSession};
use super::{store as accounts, tokens};
use crate::error::AppError;
use crate::kernel::time::now_millis;
use crate::state::AppState;

/// How long a sign-in ticket waits for its code.
pub const TICKET_TTL_MS: i64 = 5 * 60 * 1000;

fn wrong_code() -> AppError {
    AppError::bad_request(
        "code",
        "That code is not right. Check your phone's clock, or use a recovery code.",
    )
}

fn now_secs(now_ms: i64) -> u64 {
    u64::try_from(now_ms / 1000).unwrap_or(0)
}

fn recovery_hash(user_id: i64, code: &str) -> String {
    tokens::hash_token(&format!(
        "{user_id}:{}",
        codes::normalize_recovery_code(code)
    ))
}

fn already_on() -> AppError {
    AppError::Conflict("Two-factor sign-in is on already.".into())
}

/// Guesses at a person's codes and password, counted like sign-ins.
async fn limit(state: &AppState, user: &AuthUser) -> Result<(), AppError> {
    state
        .auth_limiter
        .check(&state.db, None, Some(&format!("2fa:{}", user.id)))
        .await
}

/// New recovery codes, and the hashes they are stored as.
fn new_codes(user_id: i64) -> (Vec<String>, Vec<String>) {
    let recovery = codes::new_recovery_codes();
    let hashes = recovery.iter().map(|c| recovery_hash(user_id, c)).collect();
    (recovery, hashes)
}

/// Whether two-factor sign-in is on, and how many recovery codes are left.
pub async fn status(state: &AppState, user: &AuthUser) -> Result<TwoFactorStatus, AppError> {
    let row = accounts::user_by_id(state.db.pool(), user.id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let left = if row.two_factor() {
        store::recovery_codes_left(state.db.pool(), user.id).await?
    } else {
        0
    };
    Ok(TwoFactorStatus {
        enabled: row.two_factor(),
        recovery_codes_left: left,
    })
}

/// Starts setting up: a new secret waits (replacing any earlier set-up)
/// until a code from the app proves the app has it.
pub async fn begin_setup(state: &AppState, user: &AuthUser) -> Result<TwoFactorSetup, AppError> {
    let row = accounts::user_by_id(state.db.pool(), user.id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    if row.two_factor() {
        return Err(already_on());
    }
    let secret = Authenticator::new_secret();
    let url = Authenticator::from_base32(&secret, &row.email)?.url()?;
    store::set_pending(state.db.pool(), user.id, &secret, now_millis()).await?;
    Ok(TwoFactorSetup {
        qr_svg: crate::kernel::qr::svg(&url),
        secret,
        url,
    })
}

/// Turns two-factor sign-in on with a code from the app; returns the new
/// recovery codes (shown once) and the person as this session now sees
/// them (an admin's session has proved the second factor with this code).
///
/// The password is asked again: a session someone else got hold of must
/// not be able to lock its owner out with an app of theirs.
pub async fn enable(
    state: &AppState,
    user: &AuthUser,
    password_given: String,
    code: &str,
) -> Result<(Vec<String>, Me), AppError> {
    limit(state, user).await?;
    service::current_password(state, user, password_given, "password").await?;
    let pool = state.db.pool();
    if user.me.two_factor {
        return Err(already_on());
    }
    let secret = store::pending(pool, user.id).await?.ok_or_else(|| {
        AppError::bad_request("code", "Start the set-up first: the page shows a new key.")
    })?;
    let now = now_millis();
    let step = Authenticator::from_base32(&secret, &user.me.email)?
        .check(code, now_secs(now))
        .ok_or_else(wrong_code)?;
    let (recovery, hashes) = new_codes(user.id);
    let mut tx = pool.begin().await.map_err(AppError::internal)?;
    if !store::enable(&mut tx, user.id, &secret, step, now).await? {
        return Err(AppError::Conflict(
            "Two-factor sign-in was turned on or set up again meanwhile: reload the page.".into(),
        ));
    }
    store::replace_recovery_codes(&mut tx, user.id, &hashes, now).await?;
    store::prove_session(&mut tx, &user.session_id, now).await?;
    tx.commit().await.map_err(AppError::internal)?;
    state.live.sessions().forget_user(user.id);
    tracing::info!(user_id = user.id, "two-factor sign-in turned on");
    let me = session_me(state, user).await?;
    Ok((recovery, me))
}

/// The person as their current session sees them.
async fn session_me(state: &AppState, user: &AuthUser) -> Result<Me, AppError> {
    accounts::session_user(state.db.pool(), &user.session_id, now_millis())
        .await?
        .map(|found| found.me())
        .ok_or(AppError::Unauthorized)
}

/// Proves the second factor of `row` in `tx`: an app code not used before,
/// or an unused recovery code. Spent only if `tx` commits.
async fn prove(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    row: &accounts::UserRow,
    code: &str,
    now: i64,
) -> Result<(), AppError> {
    let secret = row
        .totp_secret
        .as_deref()
        .ok_or_else(|| AppError::Conflict("Two-factor sign-in is off.".into()))?;
    let accepted = if codes::is_app_code(code) {
        match Authenticator::from_base32(secret, &row.email)?.check(code, now_secs(now)) {
            Some(step) => store::take_step(tx, row.id, step).await?,
            None => false,
        }
    } else {
        store::use_recovery_code(tx, row.id, &recovery_hash(row.id, code), now).await?
    };
    if accepted { Ok(()) } else { Err(wrong_code()) }
}

/// Turns two-factor sign-in off (the password and a code, both asked
/// again). Every session loses its proof: an admin's powers wait until it
/// is on again.
pub async fn disable(
    state: &AppState,
    user: &AuthUser,
    password_given: String,
    code: &str,
) -> Result<Me, AppError> {
    limit(state, user).await?;
    let row = service::current_password(state, user, password_given, "password").await?;
    let now = now_millis();
    let mut tx = state.db.pool().begin().await.map_err(AppError::internal)?;
    prove(&mut tx, &row, code, now).await?;
    store::disable(&mut tx, user.id, now).await?;
    tx.commit().await.map_err(AppError::internal)?;
    state.live.sessions().forget_user(user.id);
    tracing::info!(user_id = user.id, "two-factor sign-in turned off");
    session_me(state, user).await
}

/// New recovery codes for old (a code asked again); the old ones stop working.
pub async fn renew_recovery_codes(
    state: &AppState,
    user: &AuthUser,
    code: &str,
) -> Result<Vec<String>, AppError> {
    limit(state, user).await?;
    let row = accounts::user_by_id(state.db.pool(), user.id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let now = now_millis();
    let (recovery, hashes) = new_codes(user.id);
    let mut tx = state.db.pool().begin().await.map_err(AppError::internal)?;
    prove(&mut tx, &row, code, now).await?;
    store::replace_recovery_codes(&mut tx, user.id, &hashes, now).await?;
    tx.commit().await.map_err(AppError::internal)?;
    Ok(recovery)
}

/// Leaves a ticket for a person whose password was right; returns it.
pub(super) async fn open_ticket(
    state: &AppState,
    user_id: i64,
    meta: &RequestMeta,
    now: i64,
) -> Result<String, AppError> {
    let (ticket, hash) = tokens::new_refresh_token();
    store::insert_ticket(
        state.db.pool(),
        &hash,
        user_id,
        &meta.device.label(),
        now + TICKET_TTL_MS,
        now,
    )
    .await?;
    Ok(ticket)
}

/// The second step of signing in: the ticket and a code trade for a
/// session that has proved the second factor. A lapsed, spent or
/// exhausted ticket is a 401 (sign in again); a wrong code a 400.
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn complete_sign_in(
    state: &AppState,
    ticket: &str,
    code: &str,
    meta: RequestMeta,
) -> Result<IssuedSession, AppError> {
    let pool = state.db.pool();
    let hash = tokens::hash_token(ticket.trim());
    let now = now_millis();
    let (user_id, device) = store::attempt_ticket(pool, &hash, now)
        .await?
        .ok_or(AppError::Unauthorized)?;
    state
        .auth_limiter
        .check(&state.db, meta.ip, Some(&format!("2fa:{user_id}")))
        .await?;
    let row = accounts::user_by_id(pool, user_id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    // The ticket first: of requests at once on one ticket, one goes on and
    // the others spend nothing (a wrong code rolls the ticket back).
    let mut tx = pool.begin().await.map_err(AppError::internal)?;
    if !store::spend_ticket(&mut tx, &hash).await? {
        return Err(AppError::Unauthorized);
    }
    prove(&mut tx, &row, code, now).await?;
    let (session_id, refresh) =
        service::start_session(&mut tx, user_id, &device, true, now).await?;
    tx.commit().await.map_err(AppError::internal)?;
    tracing::info!(user_id, "signed in with a second factor");
    service::issue(state, &row, true, &session_id, Some(refresh), now)
}
