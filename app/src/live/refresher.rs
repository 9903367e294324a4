//! Topics whose state lives in the database (an event's seats, a stream's
//! viewers) are re-read when touched and published. Changes are merged:
//! however many land in a burst, a topic is published at most about ten
//! times a second, with its latest state.

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;

use super::hub::Hub;
use super::protocol::Topic;
use crate::kernel::db::Db;

/// Shortest time between the starts of two rounds of publications.
pub const MIN_INTERVAL: Duration = Duration::from_millis(100);

/// Reads a topic's state and publishes it (a no-op when nothing changed).
/// The domains whose topics have state in the database provide it; the
/// server binds them together.
pub type Refresh = fn(Db, Arc<Hub>, Topic) -> BoxFuture<'static, Result<(), sqlx::Error>>;

/// Publishes touched topics until the task is dropped, merging bursts.
pub async fn run(db: Db, hub: Arc<Hub>, refresh: Refresh) {
    loop {
        let topics = hub.dirty_topics().await;
        // A round begins as soon as something is touched after a quiet
        // spell; the next one no sooner than the interval after this one
        // began (the time spent reading counts towards it).
        let next = tokio::time::Instant::now() + MIN_INTERVAL;
        for topic in topics {
            if let Err(e) = refresh(db.clone(), hub.clone(), topic).await {
                tracing::warn!(error = %e, %topic, "cannot publish a topic's state");
            }
        }
        // Whatever is touched meanwhile waits for the next round.
        tokio::time::sleep_until(next).await;
    }
}
