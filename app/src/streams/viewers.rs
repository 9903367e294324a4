//! Who watches a stream: one row per stream and person, watching while
//! `left_at` is null. A signed-in live connection following `stream:{id}`
//! watches (like presence: opening the page is watching, closing it is
//! leaving) and renews `seen_at` with its heartbeat; API clients join and
//! leave explicitly (seed 003's `/join`, `/leave`) and count for
//! [`VIEWER_TTL_MS`] after each join. The count is always read from the
//! rows, so it can't drift, however many join at once.

use super::model::VIEWER_TTL_MS;
use crate::error::AppError;
use crate::kernel::db::Db;
use crate::kernel::time::now_millis;
use crate::live::protocol::Topic;
use crate::state::AppState;

/// `user` watches stream `id` (a live one; not its host). Returns whether
/// they weren't counted a moment ago (the topic is then touched).
pub async fn watch(state: &AppState, id: i64, user_id: i64) -> Result<bool, AppError> {
    let now = now_millis();
    // Watching already: renewed, without touching the stream's row (every
    // viewer's heartbeat comes here).
    let renewed = sqlx::query(
        "UPDATE stream_viewers SET seen_at = $3 WHERE stream_id = $1 AND user_id = $2 \
         AND left_at IS NULL",
    )
    .bind(id)
    .bind(user_id)
    .bind(now)
    .execute(state.db.pool())
    .await?;
    if renewed.rows_affected() == 1 {
        return Ok(false);
    }
    let mut tx = state.db.pool().begin().await?;
    // The stream's row lock first: joins of one stream take turns, so the
    // peak below counts everyone.
    let live: Option<(i64,)> = sqlx::query_as(
        "UPDATE streams SET updated_at = $2 WHERE id = $1 AND status = 'live' RETURNING host_id",
    )
    .bind(id)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    match live {
        None => return Err(AppError::Conflict("This stream has ended.".into())),
        Some((host,)) if host == user_id => return Ok(false),
        Some(_) => {}
    }
    sqlx::query(
        "INSERT INTO stream_viewers (stream_id, user_id, joined_at, seen_at) VALUES ($1, $2, $3, $3) \
         ON CONFLICT (stream_id, user_id) DO UPDATE SET seen_at = $3, left_at = NULL",
    )
    .bind(id)
    .bind(user_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE streams SET peak_viewers = (SELECT CASE WHEN streams.peak_viewers > COUNT(*) \
         THEN streams.peak_viewers ELSE COUNT(*) END FROM stream_viewers v \
         WHERE v.stream_id = streams.id AND v.left_at IS NULL) WHERE id = $1",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    state.live.touch(Topic::Stream(id));
    Ok(true)
}

/// `user` stops watching stream `id`. Returns whether they were counted.
pub async fn leave(state: &AppState, id: i64, user_id: i64) -> Result<bool, AppError> {
    let left = sqlx::query(
        "UPDATE stream_viewers SET left_at = $3 WHERE stream_id = $1 AND user_id = $2 \
         AND left_at IS NULL",
    )
    .bind(id)
    .bind(user_id)
    .bind(now_millis())
    .execute(state.db.pool())
    .await?;
    let counted = left.rows_affected() == 1;
    if counted {
        state.live.touch(Topic::Stream(id));
    }
    Ok(counted)
}

/// Counts out viewers not seen for [`VIEWER_TTL_MS`], and forgets relayed
/// messages older than a minute; returns the streams whose count changed.
pub async fn sweep(db: &Db) -> Result<Vec<i64>, sqlx::Error> {
    let now = now_millis();
    let mut streams: Vec<i64> = sqlx::query_as::<_, (i64,)>(
        "UPDATE stream_viewers SET left_at = $1 WHERE left_at IS NULL AND seen_at < $2 \
         RETURNING stream_id",
    )
    .bind(now)
    .bind(now - VIEWER_TTL_MS)
    .fetch_all(db.pool())
    .await?
    .into_iter()
    .map(|(id,)| id)
    .collect();
    streams.sort_unstable();
    streams.dedup();
    sqlx::query("DELETE FROM live_relays WHERE created_at < $1")
        .bind(now - 60_000)
        .execute(db.pool())
        .await?;
    Ok(streams)
}

/// One sweep, and the news of it to the streams' followers.
pub async fn sweep_and_tell(db: &Db, hub: &crate::live::hub::Hub) {
    match sweep(db).await {
        Ok(streams) => streams
            .into_iter()
            .for_each(|id| hub.touch(Topic::Stream(id))),
        Err(e) => tracing::warn!(error = %e, "streams sweep failed; will retry"),
    }
}
