//! Hot, public reads of one event (its row and tiers with their seats)
//! without a database round trip while nothing changed. Every change to an
//! event, its tiers, holds or orders touches `event:{id}` on the hub (here,
//! or on another instance through the PostgreSQL bus), which changes the
//! event's freshness stamp (`live::freshness`); a kept read is only used
//! while its stamp matches. Time changes seats too: a kept read ends when
//! the first of its active holds lapses. Anything else an event shows (its
//! organizer's name) is at most [`MAX_AGE_MS`] old.

use std::sync::{Arc, OnceLock};

use axum::body::Bytes;

use super::rows::{EventRow, TierRow, event_row, tier_rows};
use crate::error::AppError;
use crate::live::protocol::Topic;
use crate::state::AppState;

/// The longest a read is used, whatever the stamps say.
pub const MAX_AGE_MS: i64 = 2_000;

/// An event as read, shared by every reader until it changes.
#[derive(Debug)]
pub struct Snapshot {
    pub row: EventRow,
    pub tiers: Vec<TierRow>,
    /// The JSON API's body for this event, encoded by its first reader and
    /// sent as is to the others (it must depend on nothing but the row and
    /// the tiers: no viewer, no clock).
    pub api_body: OnceLock<Bytes>,
}

/// The event and its tiers, seats counted as of `now`, whoever asks (the
/// caller decides who may see a draft); `None` if there is no such event.
pub async fn event(state: &AppState, id: i64, now: i64) -> Result<Option<Arc<Snapshot>>, AppError> {
    let topic = Topic::Event(id);
    let freshness = state.live.freshness();
    // The stamp first: a change that commits after it changes it.
    let stamp = freshness.stamp(topic);
    if let Some(hit) = stamp.and_then(|s| freshness.kept::<Snapshot>(topic, s, now)) {
        return Ok(Some(hit));
    }
    let Some(row) = event_row(state.db.pool(), id).await? else {
        return Ok(None);
    };
    let tiers = tier_rows(state.db.pool(), id, now).await?;
    let until = tiers
        .iter()
        .filter_map(|t| t.next_lapse)
        .fold(now + MAX_AGE_MS, i64::min);
    let snapshot = Arc::new(Snapshot {
        row,
        tiers,
        api_body: OnceLock::new(),
    });
    if let Some(stamp) = stamp {
        freshness.keep(topic, stamp, until, Arc::clone(&snapshot));
    }
    Ok(Some(snapshot))
}
