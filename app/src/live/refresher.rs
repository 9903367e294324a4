//! Topics whose state lives in the database (an event's seats, a stream's
//! viewers) are re-read when touched and published. Changes are merged:
//! however many land in a burst, a topic is published at most about ten
//! times a second, with its latest state.

use std::sync::Arc;
use std::time::Duration;

use super::hub::Hub;
use super::protocol::Topic;
use crate::db::Db;

/// Shortest time between two publications of one topic.
pub const MIN_INTERVAL: Duration = Duration::from_millis(100);

/// Reads and publishes a topic's state (a no-op when nothing changed).
pub async fn refresh(db: &Db, hub: &Hub, topic: Topic) -> Result<(), sqlx::Error> {
    match topic {
        Topic::Event(id) => super::availability::refresh(db, hub, id).await,
        Topic::Stream(id) => crate::streams::live::refresh(db, hub, id).await,
        _ => Ok(()),
    }
}

/// Publishes touched topics until the task is dropped, merging bursts.
pub async fn run(db: Db, hub: Arc<Hub>) {
    loop {
        for topic in hub.dirty_topics().await {
            if let Err(e) = refresh(&db, &hub, topic).await {
                tracing::warn!(error = %e, %topic, "cannot publish a topic's state");
            }
        }
        // Whatever is touched meanwhile waits for the next round.
        tokio::time::sleep(MIN_INTERVAL).await;
    }
}
