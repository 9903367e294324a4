//! Presence (online / away / offline, with the last time seen) and the
//! short status text of seed 002's user status.
//!
//! A connection to `/ws` makes its person online; each tab then reports
//! `online` or `away` (hidden) every 30 s, which is also the
//! heartbeat. Without a heartbeat for 150 s a person reads as offline
//! (a closed laptop, an instance that went away); the last connection of
//! an instance closing says so at once. Changes reach every room the
//! person is in as a signal (rooms of up to 100 members).

use super::model::{MAX_STATUS_CHARS, check_line};
use crate::accounts::service::AuthUser;
use crate::error::AppError;
use crate::kernel::time::now_millis;
use crate::live::protocol::Presence;
use crate::live::protocol::{Payload, Topic};
use crate::state::AppState;

/// Records a heartbeat with this presence; tells the person's rooms when
/// what others see changes.
pub async fn set(state: &AppState, user_id: i64, presence: Presence) -> Result<(), AppError> {
    let now = now_millis();
    let before: Option<(String, Option<i64>)> =
        sqlx::query_as("SELECT presence, last_seen_at FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(state.db.pool())
            .await?;
    let Some((stored, seen)) = before else {
        return Ok(());
    };
    sqlx::query("UPDATE users SET presence = $2, last_seen_at = $3 WHERE id = $1")
        .bind(user_id)
        .bind(presence.as_str())
        .bind(now)
        .execute(state.db.pool())
        .await?;
    if Presence::effective(&stored, seen, now) != presence {
        broadcast(state, user_id).await?;
    }
    Ok(())
}

/// Sets the person's status text (empty clears it).
pub async fn set_status(state: &AppState, user: &AuthUser, text: &str) -> Result<String, AppError> {
    let text = check_line("status", text, MAX_STATUS_CHARS, false)?;
    sqlx::query("UPDATE users SET status_text = $2 WHERE id = $1")
        .bind(user.id)
        .bind(&text)
        .execute(state.db.pool())
        .await?;
    broadcast(state, user.id).await?;
    Ok(text)
}

/// The person's status text.
pub async fn status_of(state: &AppState, user_id: i64) -> Result<String, AppError> {
    let row: Option<(String,)> = sqlx::query_as("SELECT status_text FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(state.db.pool())
        .await?;
    Ok(row.map(|(s,)| s).unwrap_or_default())
}

/// Rooms larger than this don't hear presence live (a thousand people
/// coming online would each tell a thousand others); their members panel
/// shows presence as of when it was opened.
pub const LIVE_PRESENCE_MAX_MEMBERS: i64 = 100;

/// Sends the person's presence and status to every room they are in
/// (up to [`LIVE_PRESENCE_MAX_MEMBERS`] members).
async fn broadcast(state: &AppState, user_id: i64) -> Result<(), AppError> {
    let row: Option<(String, Option<i64>, String)> =
        sqlx::query_as("SELECT presence, last_seen_at, status_text FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(state.db.pool())
            .await?;
    let Some((stored, seen, status_text)) = row else {
        return Ok(());
    };
    let rooms: Vec<(i64,)> = sqlx::query_as(
        "SELECT m.room_id FROM chat_members m JOIN chat_rooms r ON r.id = m.room_id \
         WHERE m.user_id = $1 AND r.deleted_at IS NULL AND r.member_count <= $2 \
         ORDER BY r.id DESC LIMIT 500",
    )
    .bind(user_id)
    .bind(LIVE_PRESENCE_MAX_MEMBERS)
    .fetch_all(state.db.pool())
    .await?;
    let payload = Payload::Presence {
        user_id,
        presence: Presence::effective(&stored, seen, now_millis()),
        last_seen_at: seen.unwrap_or(0),
        status_text,
    };
    for (room_id,) in rooms {
        state
            .live
            .signal_everywhere(Topic::Room(room_id), payload.clone());
    }
    Ok(())
}
