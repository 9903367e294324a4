//! `event:{id}` topics: seats per tier, read from the database and
//! published through the hub (merged by [`crate::live::refresher`]).

use super::rows::held_now;
use crate::kernel::db::Db;
use crate::kernel::time::now_millis;
use crate::live::hub::{Hub, Stamped};
use crate::live::protocol::{Payload, TierSeats, Topic};

/// The seats of an event's tiers right now.
pub async fn read(db: &Db, event_id: i64) -> Result<Payload, sqlx::Error> {
    let rows: Vec<(i64, i64, i64, i64)> = sqlx::query_as(concat!(
        "SELECT t.id, t.capacity, t.sold, ",
        held_now!("$2"),
        " FROM ticket_tiers t WHERE t.event_id = $1 ORDER BY t.position, t.id"
    ))
    .bind(event_id)
    .bind(now_millis())
    .fetch_all(db.pool())
    .await?;
    Ok(Payload::Availability {
        event_id,
        tiers: rows
            .into_iter()
            .map(|(tier_id, capacity, sold, held)| TierSeats {
                tier_id,
                capacity,
                sold,
                held,
                available: (capacity - sold - held).max(0),
            })
            .collect(),
    })
}

/// Reads and publishes an event's seats (a no-op when nothing changed).
pub async fn refresh(db: &Db, hub: &Hub, event_id: i64) -> Result<(), sqlx::Error> {
    let topic = Topic::Event(event_id);
    let mark = hub.read_mark(topic);
    let payload = read(db, event_id).await?;
    hub.publish_read(topic, payload, mark);
    Ok(())
}

/// The event's state for a new subscriber, read now if the hub has none.
pub async fn snapshot(db: &Db, hub: &Hub, event_id: i64) -> Result<Option<Stamped>, sqlx::Error> {
    let topic = Topic::Event(event_id);
    if hub.current(topic).is_none() {
        refresh(db, hub, event_id).await?;
    }
    Ok(hub.current(topic))
}
