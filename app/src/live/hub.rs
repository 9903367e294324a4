//! The in-process fan-out: one channel per topic with its sequence number
//! and latest state. Publishing stores the state and wakes every
//! subscriber; a subscriber that falls behind is given the latest state
//! (these are state topics: the latest value wins) instead of a backlog.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{Notify, broadcast};

use super::protocol::{Payload, Topic};

/// Messages a topic keeps for slow subscribers before they lag (and then
/// get the latest state instead).
const TOPIC_BUFFER: usize = 16;

/// A topic's state with its sequence number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamped {
    pub seq: u64,
    pub payload: Arc<Payload>,
    /// An ephemeral signal (typing, presence): not the topic's state; sent
    /// with the current number, never stored or resumed.
    pub signal: bool,
}

struct Channel {
    seq: u64,
    last: Option<Arc<Payload>>,
    tx: broadcast::Sender<Stamped>,
}

impl Channel {
    fn new() -> Self {
        Self {
            seq: 0,
            last: None,
            tx: broadcast::channel(TOPIC_BUFFER).0,
        }
    }

    fn current(&self) -> Option<Stamped> {
        self.last.clone().map(|payload| Stamped {
            seq: self.seq,
            payload,
            signal: false,
        })
    }
}

/// Shared by every connection of this instance (kept in `AppState`).
#[derive(Default)]
pub struct Hub {
    channels: Mutex<HashMap<Topic, Channel>>,
    dirty_events: Mutex<HashSet<i64>>,
    wake: Notify,
    /// Open connections per key (`user:{id}`, `ip:{addr}`).
    connections: Mutex<HashMap<String, usize>>,
    /// Where touched events and notices also go to reach other instances
    /// (the PostgreSQL bus), when there is one.
    remote: Mutex<Option<tokio::sync::mpsc::UnboundedSender<Remote>>>,
}

/// What the bus carries to the other instances.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Remote {
    /// Re-read this event's seats.
    Event(i64),
    /// Publish this state on this topic.
    Publish(Topic, Payload),
    /// Send this signal on this topic.
    Signal(Topic, Payload),
    /// Tell these people, where they are followed.
    Notify(Vec<i64>, super::protocol::Notice),
    /// Read this chat message from the database and publish it on its
    /// room (for messages too large for a notification).
    FetchMessage(i64),
}

/// An open connection's place in the limits; freed when dropped.
pub struct Admission {
    hub: Arc<Hub>,
    keys: Vec<String>,
}

impl Drop for Admission {
    fn drop(&mut self) {
        let mut open = lock(&self.hub.connections);
        for key in &self.keys {
            if let Some(n) = open.get_mut(key) {
                *n -= 1;
                if *n == 0 {
                    open.remove(key);
                }
            }
        }
    }
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hub")
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves plain data behind: keep going.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Hub {
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores a new state of `topic` and sends it to its subscribers,
    /// unless it equals the last one. Returns the new sequence number.
    pub fn publish(&self, topic: Topic, payload: Payload) -> Option<u64> {
        let mut channels = lock(&self.channels);
        let channel = channels.entry(topic).or_insert_with(Channel::new);
        if channel.last.as_deref() == Some(&payload) {
            return None;
        }
        // A booking's state read before a newer one was published (a slow
        // reader racing a status change) must not replace it.
        if let (
            Some(Payload::Booking {
                updated_at: old, ..
            }),
            Payload::Booking {
                updated_at: new, ..
            },
        ) = (channel.last.as_deref(), &payload)
            && new < old
        {
            return None;
        }
        channel.seq += 1;
        let stamped = Stamped {
            seq: channel.seq,
            payload: Arc::new(payload),
            signal: false,
        };
        channel.last = Some(stamped.payload.clone());
        // No receivers is fine: the state is kept for the next subscriber.
        let _ = channel.tx.send(stamped);
        Some(channel.seq)
    }

    /// The topic's current state (if any yet) and a receiver of what comes next.
    pub fn subscribe(&self, topic: Topic) -> (Option<Stamped>, broadcast::Receiver<Stamped>) {
        let mut channels = lock(&self.channels);
        let channel = channels.entry(topic).or_insert_with(Channel::new);
        (channel.current(), channel.tx.subscribe())
    }

    pub fn current(&self, topic: Topic) -> Option<Stamped> {
        lock(&self.channels).get(&topic).and_then(Channel::current)
    }

    /// Notes that an event's seats changed; the availability task publishes
    /// the new counts, merging bursts (at most about ten per second).
    pub fn touch_event(&self, event_id: i64) {
        if let Some(remote) = lock(&self.remote).as_ref() {
            let _ = remote.send(Remote::Event(event_id));
        }
        self.touch_event_local(event_id);
    }

    /// Like [`Self::touch_event`], for changes announced by another instance.
    pub fn touch_event_local(&self, event_id: i64) {
        lock(&self.dirty_events).insert(event_id);
        self.wake.notify_one();
    }

    /// Tells a user (on every instance) that something of theirs changed.
    pub fn notify_user(&self, user_id: i64, notice: super::protocol::Notice) {
        self.publish_everywhere(Topic::User(user_id), Payload::Notice { notice });
    }

    /// Publishes on this instance and, through the bus, on every other.
    pub fn publish_everywhere(&self, topic: Topic, payload: Payload) {
        if let Some(remote) = lock(&self.remote).as_ref() {
            let _ = remote.send(Remote::Publish(topic, payload.clone()));
        }
        self.publish(topic, payload);
    }

    /// Sends an ephemeral signal to the topic's subscribers on this
    /// instance (nothing is kept; nobody listening, nothing happens).
    pub fn signal(&self, topic: Topic, payload: Payload) {
        let channels = lock(&self.channels);
        if let Some(channel) = channels.get(&topic) {
            let _ = channel.tx.send(Stamped {
                seq: channel.seq,
                payload: Arc::new(payload),
                signal: true,
            });
        }
    }

    /// [`Self::signal`] here and on every other instance.
    pub fn signal_everywhere(&self, topic: Topic, payload: Payload) {
        if let Some(remote) = lock(&self.remote).as_ref() {
            let _ = remote.send(Remote::Signal(topic, payload.clone()));
        }
        self.signal(topic, payload);
    }

    /// Tells each of `users` who follows their topic somewhere (on any
    /// instance) about `notice`. Nobody following: nothing is kept, so a
    /// room of thousands costs only its connected members.
    pub fn notify_followers(&self, users: &[i64], notice: super::protocol::Notice) {
        if users.is_empty() {
            return;
        }
        if let Some(remote) = lock(&self.remote).as_ref() {
            let _ = remote.send(Remote::Notify(users.to_vec(), notice.clone()));
        }
        self.notify_followers_here(users, &notice);
    }

    /// [`Self::notify_followers`] on this instance only.
    pub fn notify_followers_here(&self, users: &[i64], notice: &super::protocol::Notice) {
        let followed: Vec<i64> = {
            let channels = lock(&self.channels);
            users
                .iter()
                .copied()
                .filter(|id| {
                    channels
                        .get(&Topic::User(*id))
                        .is_some_and(|c| c.tx.receiver_count() > 0)
                })
                .collect()
        };
        for id in followed {
            self.publish(
                Topic::User(id),
                Payload::Notice {
                    notice: notice.clone(),
                },
            );
        }
    }

    /// Open connections under `key` (`user:{id}`) on this instance.
    pub fn open_connections(&self, key: &str) -> usize {
        lock(&self.connections).get(key).copied().unwrap_or(0)
    }

    /// A provider's free time changed; `version` makes each change new.
    pub fn schedule_changed(&self, provider_id: i64, version: i64) {
        self.publish_everywhere(
            Topic::Provider(provider_id),
            Payload::Schedule {
                provider_id,
                version,
            },
        );
    }

    /// Sends every later touch and notice to `remote` as well.
    pub fn set_remote(&self, remote: tokio::sync::mpsc::UnboundedSender<Remote>) {
        *lock(&self.remote) = Some(remote);
    }

    /// The events someone follows here (to refresh after missing news).
    pub fn followed_events(&self) -> Vec<i64> {
        lock(&self.channels)
            .keys()
            .filter_map(|topic| match topic {
                Topic::Event(id) => Some(*id),
                _ => None,
            })
            .collect()
    }

    /// Waits until some event was touched, then takes them all.
    pub async fn dirty_events(&self) -> Vec<i64> {
        loop {
            let taken: Vec<i64> = lock(&self.dirty_events).drain().collect();
            if !taken.is_empty() {
                return taken;
            }
            self.wake.notified().await;
        }
    }

    /// Admits a connection unless one of its keys is at its limit
    /// (`(key, limit)` pairs, e.g. the user and the client address).
    pub fn admit(self: &Arc<Self>, keys: &[(String, usize)]) -> Option<Admission> {
        let mut open = lock(&self.connections);
        if keys
            .iter()
            .any(|(key, limit)| open.get(key).copied().unwrap_or(0) >= *limit)
        {
            return None;
        }
        for (key, _) in keys {
            *open.entry(key.clone()).or_insert(0) += 1;
        }
        Some(Admission {
            hub: self.clone(),
            keys: keys.iter().map(|(k, _)| k.clone()).collect(),
        })
    }

    /// Forgets topics nobody listens to (their state is rebuilt on demand).
    pub fn prune(&self) -> usize {
        let mut channels = lock(&self.channels);
        let before = channels.len();
        channels.retain(|_, c| c.tx.receiver_count() > 0);
        before - channels.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::protocol::TierSeats;

    fn seats(available: i64) -> Payload {
        Payload::Availability {
            event_id: 1,
            tiers: vec![TierSeats {
                tier_id: 1,
                capacity: 10,
                sold: 10 - available,
                held: 0,
                available,
            }],
        }
    }

    #[tokio::test]
    async fn subscribers_get_the_state_then_numbered_changes_and_repeats_are_dropped() {
        let hub = Hub::new();
        let topic = Topic::Event(1);
        assert_eq!(hub.publish(topic, seats(10)), Some(1));
        let (current, mut rx) = hub.subscribe(topic);
        assert_eq!(current.map(|s| s.seq), Some(1));
        assert_eq!(
            hub.publish(topic, seats(10)),
            None,
            "same state, no message"
        );
        assert_eq!(hub.publish(topic, seats(9)), Some(2));
        let next = rx.recv().await.unwrap();
        assert_eq!(next.seq, 2);
        assert_eq!(*next.payload, seats(9));
    }

    #[tokio::test]
    async fn a_lagging_receiver_is_told_so_and_the_latest_state_is_at_hand() {
        let hub = Hub::new();
        let topic = Topic::Event(1);
        let (_, mut rx) = hub.subscribe(topic);
        for n in 0..(TOPIC_BUFFER as i64 + 5) {
            hub.publish(topic, seats(n));
        }
        assert!(matches!(
            rx.recv().await,
            Err(broadcast::error::RecvError::Lagged(_))
        ));
        assert_eq!(hub.current(topic).unwrap().seq, TOPIC_BUFFER as u64 + 5);
    }

    #[test]
    fn connections_are_limited_per_key_and_freed_when_closed() {
        let hub = Arc::new(Hub::new());
        let keys = [("user:1".to_string(), 2), ("ip:a".to_string(), 10)];
        let first = hub.admit(&keys).unwrap();
        let _second = hub.admit(&keys).unwrap();
        assert!(hub.admit(&keys).is_none(), "a third for the same user");
        assert!(hub.admit(&[("user:2".to_string(), 2)]).is_some());
        drop(first);
        assert!(hub.admit(&keys).is_some(), "room again after one closed");
    }

    #[test]
    fn an_older_booking_state_never_replaces_a_newer_one() {
        let hub = Hub::new();
        let topic = Topic::Booking(1);
        let state = |status: &str, updated_at: i64| Payload::Booking {
            booking_id: 1,
            status: status.into(),
            en_route: false,
            position: None,
            updated_at,
        };
        assert_eq!(hub.publish(topic, state("confirmed", 20)), Some(1));
        assert_eq!(hub.publish(topic, state("requested", 10)), None, "stale");
        assert_eq!(hub.publish(topic, state("completed", 30)), Some(2));
    }

    #[tokio::test]
    async fn touched_events_are_collected_once() {
        let hub = Hub::new();
        hub.touch_event(3);
        hub.touch_event(3);
        hub.touch_event(4);
        let mut dirty = hub.dirty_events().await;
        dirty.sort_unstable();
        assert_eq!(dirty, vec![3, 4]);
    }
}
