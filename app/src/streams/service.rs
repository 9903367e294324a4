//! Going live and ending, one stream or the lists, and the host's
//! broadcasting connection. A host has one live stream at a time (a unique
//! index says so, whatever races); ending is one conditional update, and
//! a stream's chat is made with it, in the same transaction.

use super::model::{
    LIST_MAX, NewStream, StreamLists, StreamPage, StreamStatus, StreamView, VideoSettings,
};
use crate::accounts::model::Role;
use crate::accounts::service::AuthUser;
use crate::error::AppError;
use crate::kernel::db::Constraint;
use crate::kernel::ids::StreamId;
use crate::kernel::time::now_millis;
use crate::live::protocol::Topic;
use crate::state::AppState;

/// A host is live once at a time.
const ONE_LIVE_PER_HOST: Constraint =
    Constraint::unique("streams_one_live_per_host", "streams.host_id");

#[derive(Debug, Clone, sqlx::FromRow)]
struct StreamRow {
    id: i64,
    host_id: i64,
    host_name: String,
    avatar_path: Option<String>,
    title: String,
    description: String,
    status: StreamStatus,
    room_id: i64,
    broadcaster: Option<String>,
    peak_viewers: i64,
    started_at: i64,
    ended_at: Option<i64>,
    viewers: i64,
    total_viewers: i64,
}

const STREAM_SELECT: &str = "SELECT s.id, s.host_id, u.display_name AS host_name, u.avatar_path, \
     s.title, s.description, s.status, s.room_id, s.broadcaster, s.peak_viewers, s.started_at, \
     s.ended_at, \
     CAST((SELECT COUNT(*) FROM stream_viewers v WHERE v.stream_id = s.id AND v.left_at IS NULL) AS BIGINT) AS viewers, \
     CAST((SELECT COUNT(*) FROM stream_viewers v WHERE v.stream_id = s.id) AS BIGINT) AS total_viewers \
     FROM streams s JOIN users u ON u.id = s.host_id";

impl StreamRow {
    fn view(&self, reader: Option<&AuthUser>) -> StreamView {
        let is_host = reader.is_some_and(|u| u.id == self.host_id);
        let status = self.status;
        StreamView {
            id: self.id,
            host_id: self.host_id,
            host_name: self.host_name.clone(),
            host_avatar: self.avatar_path.as_ref().map(|f| format!("/avatars/{f}")),
            title: self.title.clone(),
            description: self.description.clone(),
            status,
            room_id: self.room_id,
            viewers: self.viewers,
            peak_viewers: self.peak_viewers,
            total_viewers: self.total_viewers,
            started_at: self.started_at,
            ended_at: self.ended_at,
            broadcasting: self.broadcaster.is_some(),
            is_host,
            can_end: status == StreamStatus::Live
                && (is_host || reader.is_some_and(|u| u.role == Role::Admin)),
        }
    }
}

fn not_found() -> AppError {
    AppError::NotFound("That stream".into())
}

async fn row(state: &AppState, id: i64) -> Result<StreamRow, AppError> {
    sqlx::query_as::<_, StreamRow>(&format!("{STREAM_SELECT} WHERE s.id = $1"))
        .bind(id)
        .fetch_optional(state.db.pool())
        .await?
        .ok_or_else(not_found)
}

/// A stream for anyone (streams are public, like events).
pub async fn get(
    state: &AppState,
    reader: Option<&AuthUser>,
    id: StreamId,
) -> Result<StreamView, AppError> {
    Ok(row(state, id.get()).await?.view(reader))
}

/// A stream's page: the stream, and for signed-in readers how to connect
/// to its video.
pub async fn page(
    state: &AppState,
    reader: Option<&AuthUser>,
    id: StreamId,
) -> Result<StreamPage, AppError> {
    let stream = get(state, reader, id).await?;
    let settings = &state.config.streams;
    // Only for a stream that is live, and (with a shared secret) a
    // credential of the reader's own that lapses.
    let video = reader
        .filter(|_| stream.status == StreamStatus::Live)
        .map(|user| {
            let (ice_username, ice_credential) =
                super::turn::credentials(settings, user.id, now_millis() / 1000);
            VideoSettings {
                ice_servers: settings.ice_servers.clone(),
                ice_username,
                ice_credential,
                max_peers: settings.max_peers,
            }
        });
    Ok(StreamPage { stream, video })
}

/// Goes live: the stream and its chat (the host its owner), at once.
pub async fn start(
    state: &AppState,
    host: &AuthUser,
    new: &NewStream,
) -> Result<StreamView, AppError> {
    host.require_role(Role::Organizer).map_err(|_| {
        AppError::NotAllowed("Only organizers go live. Sign up as an organizer to stream.".into())
    })?;
    let now = now_millis();
    let mut tx = state.db.pool().begin().await?;
    let room_id = crate::chat::rooms::create_stream_room(&mut tx, host.id, &new.title, now).await?;
    let inserted: Result<(i64,), sqlx::Error> = sqlx::query_as(
        "INSERT INTO streams (host_id, title, description, status, room_id, started_at, \
         created_at, updated_at) VALUES ($1, $2, $3, 'live', $4, $5, $5, $5) RETURNING id",
    )
    .bind(host.id)
    .bind(&new.title)
    .bind(&new.description)
    .bind(room_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await;
    let id = match inserted {
        Ok((id,)) => id,
        Err(e) if ONE_LIVE_PER_HOST.broken_by(&e) => {
            return Err(AppError::Conflict(
                "You are live already: end that stream before starting another.".into(),
            ));
        }
        Err(e) => return Err(AppError::from(e)),
    };
    tx.commit().await?;
    // What was read of streams before (a kept `/live` page) is stale now.
    state.live.touch(Topic::Stream(id));
    tracing::info!(stream_id = id, "stream started");
    get(state, Some(host), StreamId::new(id)).await
}

/// Ends a live stream (its host, or an admin): its viewers are counted out,
/// its chat closes, its video stops.
pub async fn end(state: &AppState, user: &AuthUser, id: StreamId) -> Result<StreamView, AppError> {
    let current = row(state, id.get()).await?;
    if current.host_id != user.id && user.role != Role::Admin {
        return Err(AppError::NotAllowed(
            "Only the host ends their stream.".into(),
        ));
    }
    let now = now_millis();
    let mut tx = state.db.pool().begin().await?;
    let ended = sqlx::query(
        "UPDATE streams SET status = 'ended', ended_at = $2, broadcaster = NULL, updated_at = $2 \
         WHERE id = $1 AND status = 'live'",
    )
    .bind(id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if ended.rows_affected() != 1 {
        return Err(AppError::Conflict("This stream has ended already.".into()));
    }
    sqlx::query("UPDATE stream_viewers SET left_at = $2 WHERE stream_id = $1 AND left_at IS NULL")
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!(stream_id = id.get(), "stream ended");
    state.live.touch(Topic::Stream(id.get()));
    get(state, Some(user), id).await
}

/// Live streams (most watched first) and the ones that ended lately.
pub async fn lists(state: &AppState, reader: Option<&AuthUser>) -> Result<StreamLists, AppError> {
    let live: Vec<StreamRow> = sqlx::query_as(&format!(
        "{STREAM_SELECT} WHERE s.status = 'live' ORDER BY viewers DESC, s.started_at DESC LIMIT $1"
    ))
    .bind(LIST_MAX)
    .fetch_all(state.db.pool())
    .await?;
    let recent: Vec<StreamRow> = sqlx::query_as(&format!(
        "{STREAM_SELECT} WHERE s.status = 'ended' ORDER BY s.ended_at DESC LIMIT 12"
    ))
    .fetch_all(state.db.pool())
    .await?;
    let mine = reader.and_then(|u| live.iter().find(|s| s.host_id == u.id).map(|s| s.id));
    Ok(StreamLists {
        live: live.iter().map(|r| r.view(reader)).collect(),
        recent: recent.iter().map(|r| r.view(reader)).collect(),
        mine,
    })
}

/// Names (or clears) the host's connection that sends the video now.
/// Viewers ask that connection to connect; only the host sets it.
pub async fn set_broadcaster(
    state: &AppState,
    host: &AuthUser,
    id: StreamId,
    connection: Option<&str>,
) -> Result<StreamView, AppError> {
    if let Some(c) = connection
        && (c.is_empty()
            || c.len() > 64
            || !c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '.'))
    {
        return Err(AppError::bad_request(
            "connection",
            "Not a live connection id.",
        ));
    }
    let current = row(state, id.get()).await?;
    if current.host_id != host.id {
        return Err(AppError::NotAllowed(
            "Only the host sends a stream's video.".into(),
        ));
    }
    // Naming one needs a live stream; clearing is always fine (an ended
    // stream has none already).
    let updated = sqlx::query(
        "UPDATE streams SET broadcaster = $2, updated_at = $3 WHERE id = $1 \
         AND (status = 'live' OR $2 IS NULL)",
    )
    .bind(id)
    .bind(connection)
    .bind(now_millis())
    .execute(state.db.pool())
    .await?;
    if updated.rows_affected() != 1 {
        return Err(AppError::Conflict("This stream has ended.".into()));
    }
    state.live.touch(Topic::Stream(id.get()));
    get(state, Some(host), id).await
}

/// A connection closed: the streams it was sending stop showing a camera.
pub async fn connection_closed(state: &AppState, connection: &str) -> Result<(), AppError> {
    let cleared: Vec<(i64,)> = sqlx::query_as(
        "UPDATE streams SET broadcaster = NULL, updated_at = $2 WHERE broadcaster = $1 RETURNING id",
    )
    .bind(connection)
    .bind(now_millis())
    .fetch_all(state.db.pool())
    .await?;
    for (id,) in cleared {
        state.live.touch(Topic::Stream(id));
    }
    Ok(())
}

/// A stream's chat room for `user`, who joins it on first opening it.
pub async fn chat_room(
    state: &AppState,
    user: &AuthUser,
    id: StreamId,
) -> Result<crate::chat::rooms::RoomRow, AppError> {
    let stream = row(state, id.get()).await?;
    crate::chat::rooms::join_stream_room(state, user, stream.room_id).await
}
