//! The PostgreSQL bus: with several `marquee` instances on one database,
//! each touched event or stream is announced with `NOTIFY marquee_live,
//! 'event:{id}'` (a few bytes; well under the 8000-byte cap) and every
//! instance, on hearing it, re-reads its state and publishes it to its own
//! subscribers. The database stays the one source of truth, so a missed
//! notification costs a refresh, never a wrong count: after reconnecting,
//! an instance refreshes every such topic it follows. Other states,
//! signals, notices and video set-up messages travel in the notification.

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use sqlx::postgres::PgListener;
use tokio::sync::mpsc;

use super::hub::{Ended, Hub, Relay, Remote};
use super::protocol::{MessageView, Payload, Topic};
use crate::kernel::db::{Backend, Db};
use crate::kernel::time::now_millis;

pub const CHANNEL: &str = "marquee_live";

/// The text announcing that the catalog changed (see [`Remote::Catalog`]).
const CATALOG: &str = "catalog";

/// Longest text sent in one notification (NOTIFY's cap is 8000 bytes).
pub const CAP: usize = 7900;

/// `event:{id}` or `stream:{id}` for a touched topic, `catalog` for a
/// changed catalog; `{instance} {topic} {json}` for a published state
/// (notices, bookings, schedules, messages); `{instance} ~{topic} {json}`
/// for a signal; `{instance} @{id,id,…} {json}` for a notice to those
/// people, split so that each text stays under NOTIFY's 8000-byte cap. The
/// instance is the sender's, so that it can ignore what it sent itself (it
/// has published it already); touches are harmless to hear twice.
pub fn encode(instance: &str, remote: &Remote) -> Vec<String> {
    let texts = match remote {
        Remote::Touch(topic) => vec![topic.to_string()],
        Remote::Catalog => vec![CATALOG.to_string()],
        Remote::Relay(relay) => relay_text(instance, relay).into_iter().collect(),
        // Only ever heard: the sender names the connection (see `announce`).
        Remote::FetchRelay(_) => Vec::new(),
        Remote::Publish(topic, payload) | Remote::Signal(topic, payload) => {
            let Ok(json) = serde_json::to_string(payload) else {
                return Vec::new();
            };
            let mark = if matches!(remote, Remote::Signal(..)) {
                "~"
            } else {
                ""
            };
            let text = format!("{instance} {mark}{topic} {json}");
            match payload {
                // A long message (4000 characters can be 16000 bytes): the
                // others read it from the database.
                Payload::ChatMessage { message, .. } if text.len() >= CAP => {
                    vec![format!("{instance} #{} -", message.id)]
                }
                _ => vec![text],
            }
        }
        Remote::FetchMessage(id) => vec![format!("{instance} #{id} -")],
        Remote::End(Ended::Session(id)) => vec![format!("{instance} !{id} -")],
        Remote::End(Ended::AllOf { user_id, except }) => vec![format!(
            "{instance} !@{user_id} {}",
            except.as_deref().unwrap_or("-")
        )],
        Remote::Notify(users, notice) => {
            let Ok(json) = serde_json::to_string(notice) else {
                return Vec::new();
            };
            let room = CAP.saturating_sub(instance.len() + json.len() + 3);
            let mut texts = Vec::new();
            let mut ids = String::new();
            for id in users {
                let id = id.to_string();
                if !ids.is_empty() && ids.len() + id.len() + 1 > room {
                    texts.push(format!("{instance} @{ids} {json}"));
                    ids.clear();
                }
                if !ids.is_empty() {
                    ids.push(',');
                }
                ids.push_str(&id);
            }
            if !ids.is_empty() {
                texts.push(format!("{instance} @{ids} {json}"));
            }
            texts
        }
    };
    texts.into_iter().filter(|t| t.len() < CAP).collect()
}

/// `{instance} >{to} {json}` for a video set-up message, when it fits in a
/// notification (an offer is 5–8 KB; longer ones go through `live_relays`).
fn relay_text(instance: &str, relay: &Relay) -> Option<String> {
    let json = serde_json::to_string(relay).ok()?;
    let text = format!("{instance} >{} {json}", relay.to);
    (text.len() < CAP).then_some(text)
}

/// What `instance` takes from a notification's text (`None`: not for it,
/// its own, or not understood). Public for the fuzz target.
pub fn decode(instance: &str, text: &str) -> Option<Remote> {
    if text == CATALOG {
        return Some(Remote::Catalog);
    }
    match text.parse::<Topic>() {
        Ok(topic @ (Topic::Event(_) | Topic::Stream(_))) => return Some(Remote::Touch(topic)),
        Ok(_) => return None,
        Err(()) => {}
    }
    let (from, rest) = text.split_once(' ')?;
    if from == instance {
        return None;
    }
    let (target, json) = rest.split_once(' ')?;
    if let Some(to) = target.strip_prefix('>') {
        // Only the instance with that connection (`{instance}.{n}`) takes it.
        if to.split_once('.').is_none_or(|(i, _)| i != instance) {
            return None;
        }
        if let Some(id) = json.strip_prefix('#') {
            return Some(Remote::FetchRelay(id.parse().ok()?));
        }
        let relay: Relay = serde_json::from_str(json).ok()?;
        return (relay.to == to).then_some(Remote::Relay(relay));
    }
    if let Some(id) = target.strip_prefix('#') {
        return Some(Remote::FetchMessage(id.parse().ok()?));
    }
    if let Some(ended) = target.strip_prefix('!') {
        return Some(Remote::End(match ended.strip_prefix('@') {
            Some(user) => Ended::AllOf {
                user_id: user.parse().ok()?,
                except: (json != "-").then(|| json.to_string()),
            },
            None => Ended::Session(ended.to_string()),
        }));
    }
    if let Some(ids) = target.strip_prefix('@') {
        let users = ids
            .split(',')
            .map(str::parse)
            .collect::<Result<Vec<i64>, _>>()
            .ok()?;
        return Some(Remote::Notify(users, serde_json::from_str(json).ok()?));
    }
    let (signal, topic) = match target.strip_prefix('~') {
        Some(topic) => (true, topic),
        None => (false, target),
    };
    match topic.parse::<Topic>().ok()? {
        Topic::Event(_) | Topic::Stream(_) if !signal => None,
        topic => {
            let payload = serde_json::from_str::<Payload>(json).ok()?;
            Some(if signal {
                Remote::Signal(topic, payload)
            } else {
                Remote::Publish(topic, payload)
            })
        }
    }
}

/// Reads a chat message by its id, for a message too long to travel in a
/// notification; the chat domain provides it, the server binds it here.
pub type FetchMessage =
    fn(Db, i64) -> BoxFuture<'static, Result<Option<MessageView>, crate::error::AppError>>;

/// Starts the bus when the database is PostgreSQL; returns its tasks.
pub fn start(
    db: &Db,
    hub: &Arc<Hub>,
    database_url: &str,
    fetch_message: FetchMessage,
) -> Vec<tokio::task::JoinHandle<()>> {
    if db.backend() != Backend::Postgres {
        return Vec::new();
    }
    let (remote, touched) = mpsc::unbounded_channel();
    hub.set_remote(remote);
    let instance = hub.instance().to_string();
    vec![
        tokio::spawn(announce(db.clone(), touched, instance.clone())),
        tokio::spawn(listen(
            database_url.to_string(),
            db.clone(),
            hub.clone(),
            instance,
            fetch_message,
        )),
    ]
}

/// Sends touched topics (merging repeats), states, notices and relayed
/// messages to the other instances.
async fn announce(db: Db, mut touched: mpsc::UnboundedReceiver<Remote>, instance: String) {
    while let Some(first) = touched.recv().await {
        let mut batch = vec![first];
        while let Ok(more) = touched.try_recv() {
            batch.push(more);
        }
        let mut texts = Vec::new();
        for remote in &batch {
            let Remote::Relay(relay) = remote else {
                texts.extend(encode(&instance, remote));
                continue;
            };
            match relay_text(&instance, relay) {
                Some(text) => texts.push(text),
                // Too long for a notification: by its id in the database.
                None => match store_relay(&db, relay).await {
                    Ok(id) => texts.push(format!("{instance} >{} #{id}", relay.to)),
                    Err(e) => tracing::warn!(error = %e, "cannot store a relayed message"),
                },
            }
        }
        // A touch says "read it again": once a batch is enough.
        let mut touched = std::collections::HashSet::new();
        texts.retain(|text| !is_touch(text) || touched.insert(text.clone()));
        // Up to NOTIFY_BATCH notifications a statement, in order.
        for chunk in texts.chunks(NOTIFY_BATCH) {
            let calls: Vec<String> = (0..chunk.len())
                .map(|i| format!("pg_notify($1, ${})", i + 2))
                .collect();
            let sql = format!("SELECT {}", calls.join(", "));
            let mut query = sqlx::query(&sql).bind(CHANNEL);
            for text in chunk {
                query = query.bind(text);
            }
            if let Err(e) = query.execute(db.pool()).await {
                tracing::warn!(error = %e, "cannot announce a change to other instances");
            }
        }
    }
}

/// Notifications sent by one statement (PostgreSQL delivers them in order).
const NOTIFY_BATCH: usize = 16;

/// Whether a notification's text is a touch (`event:1`, `stream:2`).
fn is_touch(text: &str) -> bool {
    !text.contains(' ')
}

/// Hears the other instances (and itself), reconnecting when the
/// connection drops.
async fn listen(url: String, db: Db, hub: Arc<Hub>, instance: String, fetch_message: FetchMessage) {
    loop {
        match PgListener::connect(&url).await {
            Ok(mut listener) => {
                if let Err(e) = listener.listen(CHANNEL).await {
                    tracing::warn!(error = %e, "cannot LISTEN for live changes");
                } else {
                    hub.freshness().listening(true);
                    // Whatever was announced while we weren't listening.
                    for topic in hub.followed_refreshable() {
                        hub.touch_local(topic);
                    }
                    loop {
                        match listener.recv().await {
                            Ok(note) => match decode(&instance, note.payload()) {
                                Some(Remote::Touch(topic)) => hub.touch_local(topic),
                                Some(Remote::Catalog) => hub.freshness().catalog_changed(),
                                Some(Remote::Relay(relay)) => {
                                    hub.deliver(&relay);
                                }
                                Some(Remote::FetchRelay(id)) => match fetch_relay(&db, id).await {
                                    Ok(Some(relay)) => {
                                        hub.deliver(&relay);
                                    }
                                    Ok(_) => {}
                                    Err(e) => {
                                        tracing::warn!(error = %e, "cannot read a relayed message");
                                    }
                                },
                                Some(Remote::Publish(topic, payload)) => {
                                    hub.publish(topic, payload);
                                }
                                Some(Remote::Signal(topic, payload)) => {
                                    hub.signal(topic, payload);
                                }
                                Some(Remote::End(ended)) => hub.end_sessions_here(ended),
                                Some(Remote::Notify(users, notice)) => {
                                    hub.notify_followers_here(&users, &notice);
                                }
                                Some(Remote::FetchMessage(id)) => {
                                    match fetch_message(db.clone(), id).await {
                                        Ok(Some(message)) => {
                                            let topic = Topic::Room(message.room_id);
                                            hub.publish(
                                                topic,
                                                Payload::ChatMessage {
                                                    room_id: message.room_id,
                                                    message,
                                                },
                                            );
                                        }
                                        Ok(None) => {}
                                        Err(e) => {
                                            tracing::warn!(error = %e, "cannot read a message another instance sent");
                                        }
                                    }
                                }
                                None => {}
                            },
                            Err(e) => {
                                hub.freshness().listening(false);
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

/// Keeps a relayed message too long for a notification (read once by the
/// instance it is for; the streams sweeper deletes it after a minute).
async fn store_relay(db: &Db, relay: &Relay) -> Result<i64, sqlx::Error> {
    let body = serde_json::to_string(relay).unwrap_or_default();
    let (id,): (i64,) =
        sqlx::query_as("INSERT INTO live_relays (body, created_at) VALUES ($1, $2) RETURNING id")
            .bind(body)
            .bind(now_millis())
            .fetch_one(db.pool())
            .await?;
    Ok(id)
}

async fn fetch_relay(db: &Db, id: i64) -> Result<Option<Relay>, sqlx::Error> {
    let row: Option<(String,)> = sqlx::query_as("SELECT body FROM live_relays WHERE id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.and_then(|(body,)| serde_json::from_str(&body).ok()))
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
        let text = encode("aa", &notice).remove(0);
        assert_eq!(decode("bb", &text), Some(notice));
        assert_eq!(decode("aa", &text), None, "sent by this instance");
        let event = encode("aa", &Remote::Touch(Topic::Event(9))).remove(0);
        assert_eq!(event, "event:9");
        assert_eq!(decode("aa", &event), Some(Remote::Touch(Topic::Event(9))));
        let catalog = encode("aa", &Remote::Catalog).remove(0);
        assert_eq!(
            decode("aa", &catalog),
            Some(Remote::Catalog),
            "heard by all"
        );
        let stream = encode("aa", &Remote::Touch(Topic::Stream(4))).remove(0);
        assert_eq!(decode("bb", &stream), Some(Remote::Touch(Topic::Stream(4))));
        let typing = Remote::Signal(
            Topic::Room(4),
            Payload::Typing {
                room_id: 4,
                user_id: 2,
                name: "Ada".into(),
            },
        );
        let text = encode("aa", &typing).remove(0);
        assert!(text.starts_with("aa ~room:4 "), "{text}");
        assert_eq!(decode("bb", &text), Some(typing));
    }

    #[test]
    fn ended_sessions_cross_to_the_other_instances() {
        for ended in [
            Ended::Session("0a1b".into()),
            Ended::AllOf {
                user_id: 7,
                except: Some("0a1b".into()),
            },
            Ended::AllOf {
                user_id: 7,
                except: None,
            },
        ] {
            let text = encode("aa", &Remote::End(ended.clone())).remove(0);
            assert_eq!(decode("bb", &text), Some(Remote::End(ended)), "{text}");
            assert_eq!(decode("aa", &text), None);
        }
        let all_but = Ended::AllOf {
            user_id: 7,
            except: Some("keep".into()),
        };
        assert!(
            all_but.covers(7, "other") && !all_but.covers(7, "keep") && !all_but.covers(8, "x")
        );
    }

    #[test]
    fn a_video_set_up_message_reaches_only_the_instance_of_its_connection() {
        let relay = Relay {
            stream_id: 4,
            host_id: 1,
            from: "aa.1".into(),
            from_host: true,
            to: "bb.7".into(),
            signal: crate::live::protocol::RtcSignal::Offer {
                sdp: "v=0 ".repeat(1000),
            },
        };
        let text = encode("aa", &Remote::Relay(relay.clone())).remove(0);
        assert!(text.starts_with("aa >bb.7 "), "{text}");
        assert_eq!(decode("bb", &text), Some(Remote::Relay(relay.clone())));
        assert_eq!(decode("cc", &text), None, "another instance ignores it");
        assert_eq!(decode("aa", &text), None, "and so does the sender");
        // Too long for NOTIFY: it goes by its id in the database.
        let long = Relay {
            signal: crate::live::protocol::RtcSignal::Offer {
                sdp: "a".repeat(9000),
            },
            ..relay
        };
        assert!(encode("aa", &Remote::Relay(long)).is_empty());
        assert_eq!(decode("bb", "aa >bb.7 #12"), Some(Remote::FetchRelay(12)));
        assert_eq!(decode("cc", "aa >bb.7 #12"), None);
    }

    #[test]
    fn a_message_too_long_for_a_notification_is_read_from_the_database() {
        let message = crate::live::protocol::MessageView {
            id: 77,
            room_id: 4,
            seq: 1,
            change_seq: 1,
            author_id: 2,
            author_name: "Ada".into(),
            author_avatar: None,
            body: "é".repeat(4000),
            client_id: None,
            created_at: 0,
            edited_at: None,
            deleted: false,
        };
        let big = Remote::Publish(
            Topic::Room(4),
            Payload::ChatMessage {
                room_id: 4,
                message,
            },
        );
        let texts = encode("aa", &big);
        assert_eq!(texts, vec!["aa #77 -".to_string()]);
        assert_eq!(decode("bb", &texts[0]), Some(Remote::FetchMessage(77)));
    }

    #[test]
    fn a_notice_to_thousands_is_split_under_the_notify_cap_and_loses_nobody() {
        let users: Vec<i64> = (1_000_000..1_003_000).collect();
        let notice = Notice::ChatRead {
            room_id: 1,
            unread_total: 0,
        };
        let texts = encode("aa", &Remote::Notify(users.clone(), notice.clone()));
        assert!(texts.len() > 1);
        let mut heard = Vec::new();
        for text in &texts {
            assert!(text.len() < 8000);
            match decode("bb", text) {
                Some(Remote::Notify(ids, n)) => {
                    assert_eq!(n, notice);
                    heard.extend(ids);
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(heard, users);
    }
}
