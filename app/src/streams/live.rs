//! `stream:{id}` topics: whether the stream is live, how many watch, and
//! which of the host's connections sends the video, read from the database
//! and published through the hub (merged by `live::refresher`: a thousand
//! people arriving at once make a handful of updates).

use super::model::StreamStatus;
use crate::kernel::db::Db;
use crate::live::hub::{Hub, Stamped};
use crate::live::protocol::{Payload, Topic};

#[derive(sqlx::FromRow)]
struct StateRow {
    host_id: i64,
    status: StreamStatus,
    peak_viewers: i64,
    broadcaster: Option<String>,
    ended_at: Option<i64>,
    viewers: i64,
}

/// A stream's state right now (`None` when there is no such stream).
pub async fn read(db: &Db, id: i64) -> Result<Option<Payload>, sqlx::Error> {
    let row: Option<StateRow> = sqlx::query_as(
        "SELECT s.host_id, s.status, s.peak_viewers, s.broadcaster, s.ended_at, \
         CAST((SELECT COUNT(*) FROM stream_viewers v WHERE v.stream_id = s.id AND v.left_at IS NULL) AS BIGINT) AS viewers \
         FROM streams s WHERE s.id = $1",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.map(|r| Payload::Stream {
        stream_id: id,
        host_id: r.host_id,
        status: r.status.to_string(),
        viewers: r.viewers,
        peak_viewers: r.peak_viewers,
        broadcaster: r.broadcaster,
        ended_at: r.ended_at,
    }))
}

/// Reads and publishes a stream's state (a no-op when nothing changed).
pub async fn refresh(db: &Db, hub: &Hub, id: i64) -> Result<(), sqlx::Error> {
    let topic = Topic::Stream(id);
    let mark = hub.read_mark(topic);
    if let Some(payload) = read(db, id).await? {
        hub.publish_read(topic, payload, mark);
    }
    Ok(())
}

/// The stream's state for a new subscriber, read now if the hub has none.
pub async fn snapshot(db: &Db, hub: &Hub, id: i64) -> Result<Option<Stamped>, sqlx::Error> {
    let topic = Topic::Stream(id);
    if hub.current(topic).is_none() {
        refresh(db, hub, id).await?;
    }
    Ok(hub.current(topic))
}

/// The host of a stream, from the topic's state (the relay's check).
pub fn host_of(hub: &Hub, id: i64) -> Option<i64> {
    match hub.current(Topic::Stream(id))?.payload.as_ref() {
        Payload::Stream { host_id, .. } => Some(*host_id),
        _ => None,
    }
}
