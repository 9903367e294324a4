//! The in-process fan-out: one channel per topic with its sequence number
//! and latest state. Publishing stores the state and wakes every
//! subscriber; a subscriber that falls behind is given the latest state
//! (these are state topics: the latest value wins) instead of a backlog.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, broadcast, mpsc};

use super::frames::{Frames, Outgoing};
use super::freshness::Freshness;
use super::protocol::{Payload, RtcSignal, ServerMessage, Topic};
use super::session_memo::SessionMemo;
use crate::kernel::sync::lock;

/// Messages a topic keeps for slow subscribers before they lag (and then
/// get the latest state instead).
const TOPIC_BUFFER: usize = 16;

/// A topic's state with its sequence number, and its frames (written
/// once, shared by every follower).
#[derive(Debug, Clone)]
pub struct Stamped {
    pub topic: Topic,
    pub seq: u64,
    pub payload: Arc<Payload>,
    /// An ephemeral signal (typing, presence): not the topic's state; sent
    /// with the current number, never stored or resumed.
    pub signal: bool,
    frames: Arc<Frames>,
}

impl Stamped {
    fn new(topic: Topic, seq: u64, payload: Payload, signal: bool) -> Self {
        Self {
            topic,
            seq,
            payload: Arc::new(payload),
            signal,
            frames: Arc::default(),
        }
    }

    /// This state as a snapshot: the whole state of the topic.
    fn snapshot(&self) -> ServerMessage {
        ServerMessage::Snapshot {
            topic: self.topic.to_string(),
            seq: self.seq,
            payload: (*self.payload).clone(),
        }
    }

    /// This change as its followers get it (an update, or a signal).
    fn change(&self) -> ServerMessage {
        let (topic, payload) = (self.topic.to_string(), (*self.payload).clone());
        if self.signal {
            ServerMessage::Signal { topic, payload }
        } else {
            ServerMessage::Update {
                topic,
                seq: self.seq,
                payload,
            }
        }
    }

    /// [`Self::change`] as a frame shared by every follower.
    pub fn change_frame(&self) -> Outgoing {
        self.frames.change(|| self.change())
    }

    /// [`Self::snapshot`] as a frame shared by every follower.
    pub fn snapshot_frame(&self) -> Outgoing {
        self.frames.snapshot(|| self.snapshot())
    }
}

struct Channel {
    seq: u64,
    last: Option<Stamped>,
    /// The version of the newest state read from the database and
    /// published (see [`Hub::publish_read`]).
    read_at: u64,
    tx: broadcast::Sender<Stamped>,
}

impl Channel {
    fn new() -> Self {
        Self {
            seq: 0,
            last: None,
            read_at: 0,
            tx: broadcast::channel(TOPIC_BUFFER).0,
        }
    }

    fn current(&self) -> Option<Stamped> {
        self.last.clone()
    }

    fn last_payload(&self) -> Option<&Payload> {
        self.last.as_ref().map(|s| &*s.payload)
    }
}

/// Shared by every connection of this instance (kept in `AppState`).
pub struct Hub {
    /// This instance's name among the others on one database: connection
    /// ids start with it, and the bus skips what it sent itself.
    instance: String,
    channels: Mutex<HashMap<Topic, Channel>>,
    /// Topics whose state is re-read from the database (events, streams),
    /// merged until the refresher's next round.
    dirty: Mutex<HashSet<Topic>>,
    wake: Notify,
    /// Open connections by id: where video set-up messages go.
    peers: Mutex<Peers>,
    next_connection: AtomicU64,
    /// Open connections per key (`user:{id}`, `ip:{addr}`).
    connections: Mutex<HashMap<String, usize>>,
    /// Where touched events and notices also go to reach other instances
    /// (the PostgreSQL bus), when there is one.
    remote: Mutex<Option<tokio::sync::mpsc::UnboundedSender<Remote>>>,
    /// Sessions that ended (signed out, revoked, password changed): every
    /// connection of theirs closes.
    ended: broadcast::Sender<Ended>,
    /// Stamps for states read from the database (see [`Freshness`]).
    freshness: Freshness,
    /// Sessions found open in the last second (see [`SessionMemo`]).
    sessions: SessionMemo,
}

/// Sessions that ended, whose connections must close.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// One session (signed out, revoked, its refresh token stolen).
    Session(String),
    /// Every session of a person but `except` (signed out everywhere, the
    /// password changed, the account closed).
    AllOf {
        user_id: i64,
        except: Option<String>,
    },
}

impl Ended {
    /// Whether a connection of this person on this session must close.
    pub fn covers(&self, user_id: i64, session_id: &str) -> bool {
        match self {
            Self::Session(id) => id == session_id,
            Self::AllOf {
                user_id: whose,
                except,
            } => *whose == user_id && except.as_deref() != Some(session_id),
        }
    }
}

/// What the bus carries to the other instances.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Remote {
    /// Publish this state on this topic.
    Publish(Topic, Payload),
    /// Send this signal on this topic.
    Signal(Topic, Payload),
    /// Tell these people, where they are followed.
    Notify(Vec<i64>, super::protocol::Notice),
    /// Read this chat message from the database and publish it on its
    /// room (for messages too large for a notification).
    FetchMessage(i64),
    /// Re-read this topic's state (an event's seats, a stream's viewers).
    Touch(Topic),
    /// The catalog changed (an event created, edited, cancelled, deleted):
    /// listings read before are stale.
    Catalog,
    /// Close the connections of these sessions.
    End(Ended),
    /// Deliver this video set-up message to a connection of another instance.
    Relay(Relay),
    /// Read a relayed message from `live_relays` (one too long for a
    /// notification) and deliver it if its connection is here.
    FetchRelay(i64),
}

/// A video set-up message on its way from one connection to another. The
/// instance it comes from checked the sender; the one it goes to checks
/// that the receiver follows the stream and that one side is its host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relay {
    pub stream_id: i64,
    pub host_id: i64,
    pub from: String,
    pub from_host: bool,
    pub to: String,
    pub signal: RtcSignal,
}

/// An open connection: who it is, where its messages go, what it follows.
struct Peer {
    user_id: Option<i64>,
    out: mpsc::Sender<Outgoing>,
    topics: HashSet<Topic>,
    /// The streams this connection watches (counted as a viewer).
    watching: HashSet<Topic>,
}

/// The open connections, and how many of each person's watch each stream
/// (so that a leaving tab knows at once whether another still watches).
#[derive(Default)]
struct Peers {
    by_id: HashMap<String, Peer>,
    watchers: HashMap<(i64, Topic), usize>,
}

impl Peers {
    /// Stops counting `topic` as watched by this connection.
    fn unwatch(&mut self, connection: &str, topic: Topic) {
        let Some(peer) = self.by_id.get_mut(connection) else {
            return;
        };
        if peer.watching.remove(&topic)
            && let Some(user) = peer.user_id
            && let Some(n) = self.watchers.get_mut(&(user, topic))
        {
            *n -= 1;
            if *n == 0 {
                self.watchers.remove(&(user, topic));
            }
        }
    }

    fn remove(&mut self, connection: &str) {
        let watched: Vec<Topic> = self
            .by_id
            .get(connection)
            .map(|p| p.watching.iter().copied().collect())
            .unwrap_or_default();
        for topic in watched {
            self.unwatch(connection, topic);
        }
        self.by_id.remove(connection);
    }
}

/// A connection's place among the peers; removed when dropped.
pub struct PeerEntry {
    hub: Arc<Hub>,
    pub id: String,
}

impl Drop for PeerEntry {
    fn drop(&mut self) {
        lock(&self.hub.peers).remove(&self.id);
    }
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

impl Default for Hub {
    fn default() -> Self {
        Self {
            instance: crate::kernel::random::hex(8),
            channels: Mutex::default(),
            dirty: Mutex::default(),
            wake: Notify::new(),
            peers: Mutex::default(),
            next_connection: AtomicU64::new(1),
            connections: Mutex::default(),
            remote: Mutex::default(),
            ended: broadcast::channel(256).0,
            freshness: Freshness::default(),
            sessions: SessionMemo::default(),
        }
    }
}

impl Hub {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// Stores a new state of `topic` and sends it to its subscribers,
    /// unless it equals the last one. Returns the new sequence number.
    pub fn publish(&self, topic: Topic, payload: Payload) -> Option<u64> {
        let mut channels = lock(&self.channels);
        let channel = channels.entry(topic).or_insert_with(Channel::new);
        Self::store(topic, channel, payload)
    }

    /// The mark to take before reading `topic`'s state from the database,
    /// for [`Self::publish_read`].
    pub fn read_mark(&self, topic: Topic) -> u64 {
        self.freshness.version(topic)
    }

    /// Like [`Self::publish`], for a state read from the database after
    /// taking `mark`: two readers racing (a new subscriber's first read and
    /// the refresher's, after a change) may finish in either order, and the
    /// one that began before the change must not replace the other's.
    pub fn publish_read(&self, topic: Topic, payload: Payload, mark: u64) -> Option<u64> {
        let mut channels = lock(&self.channels);
        let channel = channels.entry(topic).or_insert_with(Channel::new);
        if mark < channel.read_at {
            return None;
        }
        channel.read_at = mark;
        Self::store(topic, channel, payload)
    }

    fn store(topic: Topic, channel: &mut Channel, payload: Payload) -> Option<u64> {
        if channel.last_payload() == Some(&payload) {
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
        ) = (channel.last_payload(), &payload)
            && new < old
        {
            return None;
        }
        channel.seq += 1;
        let stamped = Stamped::new(topic, channel.seq, payload, false);
        channel.last = Some(stamped.clone());
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

    /// Notes that an event's seats changed; the refresher publishes the
    /// new counts, merging bursts (at most about ten per second).
    pub fn touch_event(&self, event_id: i64) {
        self.touch(Topic::Event(event_id));
    }

    /// Notes that a topic kept in the database changed (an event's seats,
    /// a stream's viewers), here and on every other instance.
    pub fn touch(&self, topic: Topic) {
        if let Some(remote) = lock(&self.remote).as_ref() {
            let _ = remote.send(Remote::Touch(topic));
        }
        self.touch_local(topic);
    }

    /// Like [`Self::touch`], for changes announced by another instance.
    pub fn touch_local(&self, topic: Topic) {
        self.freshness.changed(topic);
        lock(&self.dirty).insert(topic);
        self.wake.notify_one();
    }

    /// Notes that an event was created, edited, cancelled or deleted, here
    /// and on every other instance: listings read before are stale (its
    /// seats are the event's topic: touch that too).
    pub fn touch_catalog(&self) {
        if let Some(remote) = lock(&self.remote).as_ref() {
            let _ = remote.send(Remote::Catalog);
        }
        self.freshness.catalog_changed();
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
            let _ = channel
                .tx
                .send(Stamped::new(topic, channel.seq, payload, true));
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

    /// Closes the connections of sessions that ended, here and on every
    /// other instance.
    pub fn end_sessions(&self, ended: Ended) {
        if let Some(remote) = lock(&self.remote).as_ref() {
            let _ = remote.send(Remote::End(ended.clone()));
        }
        self.end_sessions_here(ended);
    }

    /// Like [`Self::end_sessions`], for news from another instance.
    pub fn end_sessions_here(&self, ended: Ended) {
        self.sessions
            .forget(|user_id, session_id| ended.covers(user_id, session_id));
        let _ = self.ended.send(ended);
    }

    /// Where a connection hears of sessions that ended.
    pub fn session_ends(&self) -> broadcast::Receiver<Ended> {
        self.ended.subscribe()
    }

    /// Sends every later touch and notice to `remote` as well.
    pub fn set_remote(&self, remote: tokio::sync::mpsc::UnboundedSender<Remote>) {
        *lock(&self.remote) = Some(remote);
        self.freshness.shared();
    }

    /// Whether states read from the database are still current.
    pub fn freshness(&self) -> &Freshness {
        &self.freshness
    }

    /// Sessions found open in the last second.
    pub fn sessions(&self) -> &SessionMemo {
        &self.sessions
    }

    /// The topics kept in the database that someone follows here (to
    /// refresh after missing news).
    pub fn followed_refreshable(&self) -> Vec<Topic> {
        lock(&self.channels)
            .keys()
            .filter(|topic| matches!(topic, Topic::Event(_) | Topic::Stream(_)))
            .copied()
            .collect()
    }

    /// Waits until some topic was touched, then takes them all.
    pub async fn dirty_topics(&self) -> Vec<Topic> {
        loop {
            let taken: Vec<Topic> = lock(&self.dirty).drain().collect();
            if !taken.is_empty() {
                return taken;
            }
            self.wake.notified().await;
        }
    }

    /// Gives a new connection its id (`{instance}.{n}`) and a place among
    /// the peers, where video set-up messages find it.
    pub fn register(
        self: &Arc<Self>,
        user_id: Option<i64>,
        out: mpsc::Sender<Outgoing>,
    ) -> PeerEntry {
        let n = self.next_connection.fetch_add(1, Ordering::Relaxed);
        let id = format!("{}.{n}", self.instance);
        lock(&self.peers).by_id.insert(
            id.clone(),
            Peer {
                user_id,
                out,
                topics: HashSet::new(),
                watching: HashSet::new(),
            },
        );
        PeerEntry {
            hub: self.clone(),
            id,
        }
    }

    /// Notes that a connection follows `topic` (or no longer does; then it
    /// doesn't watch it either).
    pub fn follow(&self, connection: &str, topic: Topic, follows: bool) {
        let mut peers = lock(&self.peers);
        if !follows {
            peers.unwatch(connection, topic);
        }
        if let Some(peer) = peers.by_id.get_mut(connection) {
            if follows {
                peer.topics.insert(topic);
            } else {
                peer.topics.remove(&topic);
            }
        }
    }

    /// Notes that a connection watches a stream it follows; `false` if it
    /// doesn't follow it.
    pub fn watch(&self, connection: &str, topic: Topic) -> bool {
        let mut peers = lock(&self.peers);
        let Some(peer) = peers.by_id.get_mut(connection) else {
            return false;
        };
        if !peer.topics.contains(&topic) {
            return false;
        }
        if peer.watching.insert(topic)
            && let Some(user) = peer.user_id
        {
            *peers.watchers.entry((user, topic)).or_insert(0) += 1;
        }
        true
    }

    /// The streams a connection watches.
    pub fn watched(&self, connection: &str) -> Vec<Topic> {
        lock(&self.peers)
            .by_id
            .get(connection)
            .map(|p| p.watching.iter().copied().collect())
            .unwrap_or_default()
    }

    /// Whether a connection here follows `topic`.
    pub fn follows(&self, connection: &str, topic: Topic) -> bool {
        lock(&self.peers)
            .by_id
            .get(connection)
            .is_some_and(|p| p.topics.contains(&topic))
    }

    /// Other connections of this person here that watch `topic`.
    pub fn others_watching(&self, connection: &str, user_id: i64, topic: Topic) -> usize {
        let peers = lock(&self.peers);
        let all = peers.watchers.get(&(user_id, topic)).copied().unwrap_or(0);
        let this = peers
            .by_id
            .get(connection)
            .is_some_and(|p| p.user_id == Some(user_id) && p.watching.contains(&topic));
        all - usize::from(this)
    }

    /// Sends a video set-up message to its connection, here or through the
    /// bus on the instance that has it.
    pub fn relay(&self, relay: Relay) {
        let here = relay
            .to
            .split_once('.')
            .is_some_and(|(instance, _)| instance == self.instance);
        if here {
            self.deliver(&relay);
        } else if let Some(remote) = lock(&self.remote).as_ref() {
            let _ = remote.send(Remote::Relay(relay));
        }
    }

    /// Hands a relayed message to its connection if it still follows the
    /// stream and one side of it is the host; dropped otherwise, or when
    /// the connection is behind (the viewer asks again).
    pub fn deliver(&self, relay: &Relay) -> bool {
        let peers = lock(&self.peers);
        let topic = Topic::Stream(relay.stream_id);
        let Some(peer) = peers.by_id.get(&relay.to) else {
            return false;
        };
        if !peer.topics.contains(&topic)
            || !(relay.from_host || peer.user_id == Some(relay.host_id))
        {
            return false;
        }
        peer.out
            .try_send(Outgoing::Message(ServerMessage::Rtc {
                topic: topic.to_string(),
                from: relay.from.clone(),
                signal: relay.signal.clone(),
            }))
            .is_ok()
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
    async fn every_follower_gets_the_same_frame_written_once() {
        let hub = Hub::new();
        let topic = Topic::Event(1);
        let (_, mut a) = hub.subscribe(topic);
        let (_, mut b) = hub.subscribe(topic);
        hub.publish(topic, seats(9));
        let (a, b) = (a.recv().await.unwrap(), b.recv().await.unwrap());
        let (Outgoing::Frame(a), Outgoing::Frame(b)) = (a.change_frame(), b.change_frame()) else {
            panic!("shared frames");
        };
        assert_eq!(a.as_str().as_ptr(), b.as_str().as_ptr(), "the same bytes");
        let sent: ServerMessage = serde_json::from_str(a.as_str()).unwrap();
        let update = ServerMessage::Update {
            topic: "event:1".into(),
            seq: 1,
            payload: seats(9),
        };
        assert_eq!(sent, update);
        let Outgoing::Frame(snapshot) = hub.current(topic).unwrap().snapshot_frame() else {
            panic!("a shared frame");
        };
        let sent: ServerMessage = serde_json::from_str(snapshot.as_str()).unwrap();
        assert!(matches!(sent, ServerMessage::Snapshot { seq: 1, .. }));
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
    fn a_state_read_before_a_change_never_replaces_one_read_after_it() {
        let hub = Hub::new();
        let topic = Topic::Event(3);
        let before = hub.read_mark(topic);
        hub.touch_local(topic);
        let after = hub.read_mark(topic);
        assert_eq!(hub.publish_read(topic, seats(4), after), Some(1));
        assert_eq!(hub.publish_read(topic, seats(5), before), None, "stale");
        assert_eq!(hub.current(topic).map(|s| s.seq), Some(1));
        // Two reads after the same change: the later one still lands (a
        // hold may have lapsed in between).
        assert_eq!(hub.publish_read(topic, seats(3), after), Some(2));
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
    async fn touched_topics_are_collected_once() {
        let hub = Hub::new();
        hub.touch_event(3);
        hub.touch_event(3);
        hub.touch(Topic::Stream(4));
        let mut dirty = hub.dirty_topics().await;
        dirty.sort_by_key(|t| t.to_string());
        assert_eq!(dirty, vec![Topic::Event(3), Topic::Stream(4)]);
    }

    #[test]
    fn video_set_up_goes_between_the_host_and_a_follower_only() {
        let hub = Arc::new(Hub::new());
        let (host_out, mut host_in) = mpsc::channel(4);
        let (viewer_out, mut viewer_in) = mpsc::channel(4);
        let (other_out, mut other_in) = mpsc::channel(4);
        let host = hub.register(Some(1), host_out);
        let viewer = hub.register(Some(2), viewer_out);
        let other = hub.register(Some(3), other_out);
        let topic = Topic::Stream(9);
        for id in [&host.id, &viewer.id, &other.id] {
            hub.follow(id, topic, true);
        }
        let relay = |from: &str, from_host: bool, to: &str| Relay {
            stream_id: 9,
            host_id: 1,
            from: from.into(),
            from_host,
            to: to.into(),
            signal: RtcSignal::Request,
        };
        assert!(hub.deliver(&relay(&viewer.id, false, &host.id)));
        assert!(
            matches!(host_in.try_recv(), Ok(Outgoing::Message(ServerMessage::Rtc { from, .. })) if from == viewer.id)
        );
        assert!(hub.deliver(&relay(&host.id, true, &viewer.id)));
        assert!(viewer_in.try_recv().is_ok());
        assert!(
            !hub.deliver(&relay(&viewer.id, false, &other.id)),
            "viewers don't reach each other"
        );
        assert!(other_in.try_recv().is_err());
        hub.follow(&viewer.id, topic, false);
        assert!(
            !hub.deliver(&relay(&host.id, true, &viewer.id)),
            "only while following"
        );
        assert!(hub.watch(&other.id, topic));
        assert!(hub.watch(&other.id, topic), "saying it twice counts once");
        assert!(!hub.watch(&viewer.id, topic), "it no longer follows it");
        assert_eq!(hub.others_watching(&host.id, 3, topic), 1);
        assert_eq!(hub.others_watching(&other.id, 3, topic), 0, "not itself");
        assert_eq!(hub.watched(&other.id), vec![topic]);
        let (tab_out, _tab_in) = mpsc::channel(4);
        let tab = hub.register(Some(3), tab_out);
        hub.follow(&tab.id, topic, true);
        hub.watch(&tab.id, topic);
        assert_eq!(hub.others_watching(&other.id, 3, topic), 1, "another tab");
        hub.follow(&tab.id, topic, false);
        assert_eq!(hub.others_watching(&other.id, 3, topic), 0, "unfollowed");
        drop(other);
        assert_eq!(hub.others_watching(&host.id, 3, topic), 0, "closed");
        assert!(host.id.starts_with(hub.instance()));
    }
}
