//! The PostgreSQL bus: with several `marquee` instances on one database,
//! each touched event is announced with `NOTIFY marquee_live, 'event:{id}'`
//! (a few bytes; well under the 8000-byte cap) and every instance, on
//! hearing it, re-reads that event's seats and publishes them to its own
//! subscribers. The database stays the one source of truth, so a missed
//! notification costs a refresh, never a wrong count: after reconnecting,
//! an instance refreshes every event it follows.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::mpsc;

use super::hub::Hub;
use super::protocol::Topic;
use crate::db::{Backend, Db};

pub const CHANNEL: &str = "marquee_live";

/// Starts the bus when the database is PostgreSQL; returns its tasks.
pub fn start(db: &Db, hub: &Arc<Hub>, database_url: &str) -> Vec<tokio::task::JoinHandle<()>> {
    if db.backend() != Backend::Postgres {
        return Vec::new();
    }
    let (remote, touched) = mpsc::unbounded_channel();
    hub.set_remote(remote);
    vec![
        tokio::spawn(announce(db.clone(), touched)),
        tokio::spawn(listen(database_url.to_string(), hub.clone())),
    ]
}

/// Sends each touched event to the other instances, merging repeats.
async fn announce(db: Db, mut touched: mpsc::UnboundedReceiver<i64>) {
    while let Some(first) = touched.recv().await {
        let mut events = vec![first];
        while let Ok(more) = touched.try_recv() {
            events.push(more);
        }
        events.sort_unstable();
        events.dedup();
        for event_id in events {
            let result = sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(Topic::Event(event_id).to_string())
                .execute(db.pool())
                .await;
            if let Err(e) = result {
                tracing::warn!(error = %e, event_id, "cannot announce a change to other instances");
            }
        }
    }
}

/// Hears the other instances (and itself), reconnecting when the
/// connection drops.
async fn listen(url: String, hub: Arc<Hub>) {
    loop {
        match PgListener::connect(&url).await {
            Ok(mut listener) => {
                if let Err(e) = listener.listen(CHANNEL).await {
                    tracing::warn!(error = %e, "cannot LISTEN for live changes");
                } else {
                    // Whatever was announced while we weren't listening.
                    for event_id in hub.followed_events() {
                        hub.touch_event_local(event_id);
                    }
                    loop {
                        match listener.recv().await {
                            Ok(note) => {
                                if let Ok(Topic::Event(id)) = note.payload().parse::<Topic>() {
                                    hub.touch_event_local(id);
                                }
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, "live bus connection lost; reconnecting");
                                break;
                            }
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot connect the live bus; retrying"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
