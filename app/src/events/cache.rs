//! Hot, public reads of one event (its row and tiers with their seats)
//! without a database round trip while nothing changed. Every change to an
//! event, its tiers, holds or orders touches `event:{id}` on the hub (here,
//! or on another instance through the PostgreSQL bus), which changes the
//! event's freshness stamp (`live::freshness`); a kept read is only used
//! while its stamp matches. Time changes seats too: a kept read ends when
//! the first of its active holds lapses. Anything else an event shows (its
//! organizer's name) is at most [`MAX_AGE_MS`] old.
//!
//! Listings are kept the same way under the catalog's stamp, which every
//! creation, edit, cancellation and deletion of an event changes; each
//! listed event's seats come from its own kept read.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Bytes;

use super::model::EventQuery;
use super::rows::{EventRow, TierRow, event_row, tier_rows, tiers_of};
use crate::error::AppError;
use crate::kernel::sync::lock;
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
    // Boxed: the reads' futures are large, and a kept read (most of them)
    // should not carry their room through every layer that moves it.
    Box::pin(load(state, id, now, stamp)).await
}

/// Reads the event and its tiers, and keeps them under `stamp` if there is one.
async fn load(
    state: &AppState,
    id: i64,
    now: i64,
    stamp: Option<u64>,
) -> Result<Option<Arc<Snapshot>>, AppError> {
    let topic = Topic::Event(id);
    let Some(row) = event_row(state.db.pool(), id).await? else {
        return Ok(None);
    };
    let tiers = tier_rows(state.db.pool(), id, now).await?;
    let until = kept_until(&tiers, now);
    let snapshot = Arc::new(Snapshot {
        row,
        tiers,
        api_body: OnceLock::new(),
    });
    if let Some(stamp) = stamp {
        state
            .live
            .freshness()
            .keep(topic, stamp, until, Arc::clone(&snapshot));
    }
    Ok(Some(snapshot))
}

/// Until when tiers read at `now` may be used: their first active hold's
/// lapse, and [`MAX_AGE_MS`] at the latest.
fn kept_until(tiers: &[TierRow], now: i64) -> i64 {
    tiers
        .iter()
        .filter_map(|t| t.next_lapse)
        .fold(now + MAX_AGE_MS, i64::min)
}

/// A page of the catalog as read: its events' rows (their seats are each
/// event's own) and whether more pages follow.
#[derive(Debug)]
pub struct Listing {
    pub rows: Vec<EventRow>,
    pub has_more: bool,
}

/// Listings kept under the catalog stamp they were read with, by filters.
#[derive(Debug, Default)]
pub struct Listings(Mutex<HashMap<EventQuery, KeptListing>>);

#[derive(Debug)]
struct KeptListing {
    stamp: u64,
    /// Used while `now < until`.
    until: i64,
    listing: Arc<Listing>,
}

/// Kept listings before the store starts over (a bound on memory: every
/// search is a listing of its own).
const LISTINGS_MAX: usize = 256;

/// The page of the catalog that `filters` ask for as of `now`: kept while
/// the catalog stays the same and no published event passes from upcoming
/// to past, else read by `read` (and `boundary`, the first instant after
/// `now` at which an event passes, if any) and kept.
pub async fn listing<R, B>(
    state: &AppState,
    filters: &EventQuery,
    now: i64,
    read: R,
    boundary: B,
) -> Result<(Arc<Listing>, Option<u64>), AppError>
where
    R: Future<Output = Result<Listing, AppError>>,
    B: Future<Output = Result<Option<i64>, AppError>>,
{
    let stamp = state.live.freshness().catalog_stamp();
    let listings = state.singletons.get::<Listings>();
    if let Some(stamp) = stamp {
        let kept = lock(&listings.0);
        if let Some(hit) = kept
            .get(filters)
            .filter(|k| k.stamp == stamp && now < k.until)
        {
            return Ok((Arc::clone(&hit.listing), Some(stamp)));
        }
    }
    let listing = Arc::new(read.await?);
    if let Some(stamp) = stamp {
        let until = boundary
            .await?
            .map_or(now + MAX_AGE_MS, |b| b.min(now + MAX_AGE_MS));
        let mut kept = lock(&listings.0);
        if kept.len() >= LISTINGS_MAX && !kept.contains_key(filters) {
            kept.clear();
        }
        kept.insert(
            filters.clone(),
            KeptListing {
                stamp,
                until,
                listing: Arc::clone(&listing),
            },
        );
    }
    Ok((listing, stamp))
}

/// Each listed event with its tiers, seats as of `now`: from its
/// kept read where there is one; the others are read in one query and kept
/// (with the listed row, while the catalog is still at `catalog`, the stamp
/// the listing was read under).
pub async fn listed_events(
    state: &AppState,
    rows: &[EventRow],
    catalog: Option<u64>,
    now: i64,
) -> Result<HashMap<i64, Arc<Snapshot>>, AppError> {
    let freshness = state.live.freshness();
    let mut tiers = HashMap::with_capacity(rows.len());
    let mut missing = Vec::new();
    for row in rows {
        let topic = Topic::Event(row.id);
        let stamp = freshness.stamp(topic);
        match stamp.and_then(|s| freshness.kept::<Snapshot>(topic, s, now)) {
            Some(hit) => {
                tiers.insert(row.id, hit);
            }
            None => missing.push((row, stamp)),
        }
    }
    if missing.is_empty() {
        return Ok(tiers);
    }
    let ids: Vec<i64> = missing.iter().map(|(row, _)| row.id).collect();
    let mut read = tiers_of(state.db.pool(), &ids, now).await?;
    // An edit touches the catalog before the event, so an event stamp taken
    // after an edit comes with a changed catalog: the row is kept only if
    // it is still current under that stamp.
    let row_current = catalog.is_some() && freshness.catalog_stamp() == catalog;
    for (row, stamp) in missing {
        let snapshot = Arc::new(Snapshot {
            row: row.clone(),
            tiers: read.remove(&row.id).unwrap_or_default(),
            api_body: OnceLock::new(),
        });
        if let Some(stamp) = stamp.filter(|_| row_current) {
            let until = kept_until(&snapshot.tiers, now);
            freshness.keep(Topic::Event(row.id), stamp, until, Arc::clone(&snapshot));
        }
        tiers.insert(row.id, snapshot);
    }
    Ok(tiers)
}
