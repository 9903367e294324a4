//! The SQL of two-factor sign-in: the secret on the user's row, recovery
//! codes, sign-in tickets and the session's proof. Every check that must
//! hold once (a code, a recovery code, a ticket's attempts) is one
//! conditional statement, so two requests at once cannot both pass.

use sqlx::{Any, AnyPool, Transaction};

use crate::error::AppError;

/// How many wrong codes a sign-in ticket takes before it dies.
pub const TICKET_ATTEMPTS: i32 = 5;

pub async fn set_pending(
    pool: &AnyPool,
    user_id: i64,
    secret: &str,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query("UPDATE users SET totp_pending = $1, updated_at = $2 WHERE id = $3")
        .bind(secret)
        .bind(now)
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// The secret waiting to be confirmed, if a set-up is under way.
pub async fn pending(pool: &AnyPool, user_id: i64) -> Result<Option<String>, AppError> {
    let row: Option<(Option<String>,)> =
        sqlx::query_as("SELECT totp_pending FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(pool)
            .await?;
    Ok(row.and_then(|(secret,)| secret))
}

/// Turns the pending secret on, if it is still the one checked and the
/// person has none yet; `step` is the step of the code that proved it.
pub async fn enable(
    tx: &mut Transaction<'_, Any>,
    user_id: i64,
    secret: &str,
    step: u64,
    now: i64,
) -> Result<bool, AppError> {
    let done = sqlx::query(
        "UPDATE users SET totp_secret = totp_pending, totp_pending = NULL, \
         totp_last_step = $1, updated_at = $2 \
         WHERE id = $3 AND totp_pending = $4 AND totp_secret IS NULL",
    )
    .bind(step_value(step))
    .bind(now)
    .bind(user_id)
    .bind(secret)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Turns two-factor sign-in off: the secret, the codes, and every session's proof.
pub async fn disable(
    tx: &mut Transaction<'_, Any>,
    user_id: i64,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE users SET totp_secret = NULL, totp_pending = NULL, updated_at = $1 WHERE id = $2",
    )
    .bind(now)
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE sessions SET second_factor_at = NULL WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn step_value(step: u64) -> i64 {
    i64::try_from(step).unwrap_or(i64::MAX)
}

/// Takes a time step for the user: true only the first time a step (or a
/// later one) is presented, so a code seen over a shoulder is worth nothing.
pub async fn take_step(
    tx: &mut Transaction<'_, Any>,
    user_id: i64,
    step: u64,
) -> Result<bool, AppError> {
    let done = sqlx::query(
        "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1 \
         AND totp_secret IS NOT NULL",
    )
    .bind(step_value(step))
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Uses up a recovery code: true only for an unused code of this user.
pub async fn use_recovery_code(
    tx: &mut Transaction<'_, Any>,
    user_id: i64,
    code_hash: &str,
    now: i64,
) -> Result<bool, AppError> {
    let done = sqlx::query(
        "UPDATE recovery_codes SET used_at = $1 \
         WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .bind(code_hash)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Replaces a person's recovery codes with new ones (hashes).
pub async fn replace_recovery_codes(
    tx: &mut Transaction<'_, Any>,
    user_id: i64,
    hashes: &[String],
    now: i64,
) -> Result<(), AppError> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    for hash in hashes {
        sqlx::query(
            "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)",
        )
        .bind(user_id)
        .bind(hash)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

pub async fn recovery_codes_left(pool: &AnyPool, user_id: i64) -> Result<i64, AppError> {
    let (left,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
    )
    .bind(user_id)
    .fetch_one(pool)
    .await?;
    Ok(left)
}

/// Marks a session as having proved the second factor.
pub async fn prove_session(
    tx: &mut Transaction<'_, Any>,
    session_id: &str,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query("UPDATE sessions SET second_factor_at = $1 WHERE id = $2")
        .bind(now)
        .bind(session_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Leaves a sign-in ticket for a person whose password was right (and
/// clears lapsed ones on the way).
pub async fn insert_ticket(
    pool: &AnyPool,
    token_hash: &str,
    user_id: i64,
    device: &str,
    expires_at: i64,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query("DELETE FROM sign_in_challenges WHERE expires_at <= $1")
        .bind(now)
        .execute(pool)
        .await?;
    sqlx::query(
        "INSERT INTO sign_in_challenges (token_hash, user_id, device, expires_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(device)
    .bind(expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// Counts an attempt on a live ticket and returns whose it is and the
/// device it was started on; `None` once it lapsed or ran out of attempts.
pub async fn attempt_ticket(
    pool: &AnyPool,
    token_hash: &str,
    now: i64,
) -> Result<Option<(i64, String)>, AppError> {
    Ok(sqlx::query_as(
        "UPDATE sign_in_challenges SET attempts = attempts + 1 \
         WHERE token_hash = $1 AND expires_at > $2 AND attempts < $3 \
         RETURNING user_id, device",
    )
    .bind(token_hash)
    .bind(now)
    .bind(TICKET_ATTEMPTS)
    .fetch_optional(pool)
    .await?)
}

/// Spends a ticket (the sign-in it stood for is done): true if it was there.
pub async fn spend_ticket(
    tx: &mut Transaction<'_, Any>,
    token_hash: &str,
) -> Result<bool, AppError> {
    let done = sqlx::query("DELETE FROM sign_in_challenges WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}
