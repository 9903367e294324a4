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

use super::hub::{Hub, Remote};
use super::protocol::{Payload, Topic};
use crate::db::{Backend, Db};

pub const CHANNEL: &str = "marquee_live";

/// This instance, so that it can ignore the notices it sent itself (it has
/// published them already); event touches are harmless to hear twice.
fn instance_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 8];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// `event:{id}`, or `{instance} {topic} {json}` for a published state
/// (notices, bookings, schedules). NOTIFY payloads are capped at 8000
/// bytes; these are a few hundred.
fn encode(instance: &str, remote: &Remote) -> Option<String> {
    match remote {
        Remote::Event(id) => Some(Topic::Event(*id).to_string()),
        Remote::Publish(topic, payload) => {
            let json = serde_json::to_string(payload).ok()?;
            let text = format!("{instance} {topic} {json}");
            (text.len() < 7900).then_some(text)
        }
    }
}

fn decode(instance: &str, text: &str) -> Option<Remote> {
    if let Ok(Topic::Event(id)) = text.parse::<Topic>() {
        return Some(Remote::Event(id));
    }
    let (from, rest) = text.split_once(' ')?;
    if from == instance {
        return None;
    }
    let (topic, json) = rest.split_once(' ')?;
    match topic.parse::<Topic>().ok()? {
        Topic::Event(_) => None,
        topic => Some(Remote::Publish(
            topic,
            serde_json::from_str::<Payload>(json).ok()?,
        )),
    }
}

/// Starts the bus when the database is PostgreSQL; returns its tasks.
pub fn start(db: &Db, hub: &Arc<Hub>, database_url: &str) -> Vec<tokio::task::JoinHandle<()>> {
    if db.backend() != Backend::Postgres {
        return Vec::new();
    }
    let (remote, touched) = mpsc::unbounded_channel();
    hub.set_remote(remote);
    let instance = instance_id();
    vec![
        tokio::spawn(announce(db.clone(), touched, instance.clone())),
        tokio::spawn(listen(database_url.to_string(), hub.clone(), instance)),
    ]
}

/// Sends touched events (merging repeats) and notices to the other instances.
async fn announce(db: Db, mut touched: mpsc::UnboundedReceiver<Remote>, instance: String) {
    while let Some(first) = touched.recv().await {
        let mut batch = vec![first];
        while let Ok(more) = touched.try_recv() {
            batch.push(more);
        }
        let mut texts: Vec<String> = batch.iter().filter_map(|r| encode(&instance, r)).collect();
        texts.dedup();
        for text in texts {
            let result = sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(&text)
                .execute(db.pool())
                .await;
            if let Err(e) = result {
                tracing::warn!(error = %e, "cannot announce a change to other instances");
            }
        }
    }
}

/// Hears the other instances (and itself), reconnecting when the
/// connection drops.
async fn listen(url: String, hub: Arc<Hub>, instance: String) {
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
                            Ok(note) => match decode(&instance, note.payload()) {
                                Some(Remote::Event(id)) => hub.touch_event_local(id),
                                Some(Remote::Publish(topic, payload)) => {
                                    hub.publish(topic, payload);
                                }
                                None => {}
                            },
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::protocol::Notice;

    #[test]
    fn bus_messages_round_trip_and_own_notices_are_ignored() {
        let notice = Remote::Publish(
            Topic::User(3),
            Payload::Notice {
                notice: Notice::OrderChanged {
                    order_id: 1,
                    event_id: 2,
                    status: "confirmed".into(),
                },
            },
        );
        let text = encode("aa", &notice).unwrap();
        assert_eq!(decode("bb", &text), Some(notice));
        assert_eq!(decode("aa", &text), None, "sent by this instance");
        let event = encode("aa", &Remote::Event(9)).unwrap();
        assert_eq!(event, "event:9");
        assert_eq!(decode("aa", &event), Some(Remote::Event(9)));
    }
}
