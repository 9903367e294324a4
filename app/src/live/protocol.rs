//! The websocket protocol of `/ws`, shared by the server and the browser:
//! JSON text frames, one message per frame, tagged by `type`. Documented
//! with examples in `docs/live-protocol.md`.
//!
//! State changes never go up the socket (they go through server functions
//! or the JSON API); besides subscribing, unsubscribing and pinging, the
//! client only sends ephemeral signals (typing, presence, the provider's
//! position on a booking, and the messages with which a stream's host and
//! a viewer set up their video connection).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Sent in `hello`; bumped on any incompatible change.
pub const PROTOCOL_VERSION: u16 = 1;

/// What a client may send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// Start receiving a topic. With `since` (the last sequence number the
    /// client saw), the server sends only what is newer, or a snapshot.
    Subscribe {
        topic: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        since: Option<u64>,
    },
    Unsubscribe {
        topic: String,
    },
    /// Answered with `pong` carrying the same nonce.
    Ping {
        #[serde(default)]
        nonce: u64,
    },
    /// "I am typing" in a room the connection follows (`room:{id}`); sent
    /// at most every few seconds while typing, forgotten after a few more.
    Typing {
        topic: String,
    },
    /// The person's presence from this tab: `online`, or `away` when the
    /// tab is hidden or idle. Also a heartbeat: sent every 30 s.
    Presence {
        state: Presence,
    },
    /// The provider's position on a booking the connection follows
    /// (`booking:{id}`), while on the way or at work: microdegrees and
    /// metres. Every few seconds at most; the customer sees it at once.
    Location {
        topic: String,
        lat_e6: i64,
        lng_e6: i64,
        #[serde(default)]
        accuracy_m: i64,
    },
    /// "I am watching" a stream the connection follows (`stream:{id}`):
    /// the person counts as a viewer until the connection unsubscribes or
    /// closes (its presence heartbeat renews it). Pages that only show a
    /// stream's count follow it without watching.
    Watch {
        topic: String,
    },
    /// Video set-up between a stream's host and one viewer (`stream:{id}`,
    /// which the connection follows): relayed to the connection `to`.
    Rtc {
        topic: String,
        to: String,
        signal: RtcSignal,
    },
}

/// The messages with which a stream's host and a viewer connect their
/// browsers (WebRTC). Offers and answers carry their ICE candidates (no
/// trickling: one message each way).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RtcSignal {
    /// A viewer asks the host's broadcasting connection for the video.
    Request,
    /// The host's offer to one viewer.
    Offer { sdp: String },
    /// The viewer's answer.
    Answer { sdp: String },
    /// The host has no room for another viewer's video now.
    Full,
    /// The other side hung up.
    Bye,
}

impl RtcSignal {
    /// Longest session description accepted (a browser's is 4–8 KB).
    pub const MAX_SDP: usize = 12 * 1024;

    pub fn is_valid(&self) -> bool {
        match self {
            Self::Offer { sdp } | Self::Answer { sdp } => {
                !sdp.is_empty() && sdp.len() <= Self::MAX_SDP
            }
            _ => true,
        }
    }
}

/// What the server sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// First message of every connection.
    Hello {
        version: u16,
        user_id: Option<i64>,
        /// This connection's id, which video set-up messages are addressed to.
        #[serde(default)]
        connection: String,
    },
    /// The whole current state of a topic (after subscribing, after a
    /// reconnect that can't resume, or when the client fell behind).
    Snapshot {
        topic: String,
        seq: u64,
        payload: Payload,
    },
    /// A change, in order: `seq` is the snapshot's plus one, and so on.
    Update {
        topic: String,
        seq: u64,
        payload: Payload,
    },
    Error {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        topic: Option<String>,
        code: ErrorCode,
        message: String,
    },
    Pong {
        nonce: u64,
    },
    /// An ephemeral signal on a topic (typing, presence): no sequence
    /// number, not kept, not resumed; may be dropped for a slow client.
    Signal {
        topic: String,
        payload: Payload,
    },
    /// A video set-up message from the connection `from` (the host's or a
    /// viewer's) on a stream this connection follows.
    Rtc {
        topic: String,
        from: String,
        signal: RtcSignal,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Not a message of this protocol.
    BadMessage,
    /// Not a topic name this server knows.
    UnknownTopic,
    /// Signed out, or not allowed to see this topic.
    Forbidden,
    NotFound,
    /// Too many messages or connections.
    RateLimited,
    /// The client fell too far behind and is disconnected.
    TooSlow,
    /// A signal the topic's state doesn't allow now (a position on a
    /// booking that is no longer under way).
    Conflict,
    /// The server couldn't take it just now; sending again later may work.
    Unavailable,
    /// The connection's session ended (signed out, revoked, the password
    /// changed) or its token expired: the connection closes. Reconnect
    /// with a fresh token, or as nobody.
    SessionEnded,
}

/// The data of a topic. Availability is a state topic: every update
/// carries the whole (small) state, so the latest one wins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Payload {
    /// `event:{id}`: seats per tier.
    Availability {
        event_id: i64,
        tiers: Vec<TierSeats>,
    },
    /// `user:{id}`: something of this person's changed (the newest notice
    /// is the topic's state); pages reload what they show.
    Notice { notice: Notice },
    /// `booking:{id}`: its status and, while under way, the provider's
    /// position (microdegrees). Only the two parties may follow it.
    Booking {
        booking_id: i64,
        status: String,
        en_route: bool,
        position: Option<LivePosition>,
        updated_at: i64,
    },
    /// `provider:{id}`: the provider's free time changed (a booking, a
    /// cancellation, new hours); pages showing their slots reload them.
    Schedule { provider_id: i64, version: i64 },
    /// `room:{id}`: a message as it now is, after being sent, edited or
    /// deleted. Its `change_seq` is the room's counter: a client that sees
    /// a gap asks for the changes it missed.
    ChatMessage { room_id: i64, message: MessageView },
    /// `room:{id}`: the room's name, topic or members changed; `removed`
    /// lost it (their subscriptions end), `deleted` when it is gone.
    RoomChanged {
        room_id: i64,
        version: i64,
        removed: Vec<i64>,
        deleted: bool,
    },
    /// Signal on `room:{id}`: someone is typing.
    Typing {
        room_id: i64,
        user_id: i64,
        name: String,
    },
    /// `stream:{id}`: whether it is live, how many watch, and which of the
    /// host's connections sends the video (viewers ask it to connect).
    Stream {
        stream_id: i64,
        host_id: i64,
        status: String,
        viewers: i64,
        peak_viewers: i64,
        broadcaster: Option<String>,
        ended_at: Option<i64>,
    },
    /// Signal on `room:{id}`: a member's presence or status text changed.
    Presence {
        user_id: i64,
        presence: Presence,
        last_seen_at: i64,
        status_text: String,
    },
}

/// A person's presence from their tabs: `online`, `away` (hidden or idle)
/// or `offline`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Online,
    Away,
    Offline,
}

impl Presence {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::Away => "away",
            Self::Offline => "offline",
        }
    }

    pub fn parse(value: &str) -> Self {
        match value {
            "online" => Self::Online,
            "away" => Self::Away,
            _ => Self::Offline,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Online => "Online",
            Self::Away => "Away",
            Self::Offline => "Offline",
        }
    }
}

/// `room:{id}`: a message as everyone in the room sees it (what each viewer may do with
/// it is worked out from the viewer and their role: see `chat::model::RoomView`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    pub id: i64,
    pub room_id: i64,
    /// Its place in the room's history.
    pub seq: i64,
    /// The room's counter at its latest change (= `seq` until edited or deleted).
    pub change_seq: i64,
    pub author_id: i64,
    pub author_name: String,
    pub author_avatar: Option<String>,
    /// Empty once deleted.
    pub body: String,
    pub client_id: Option<String>,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    pub deleted: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LivePosition {
    pub lat_e6: i64,
    pub lng_e6: i64,
    pub accuracy_m: i64,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum Notice {
    /// One of the person's orders changed status.
    OrderChanged {
        order_id: i64,
        event_id: i64,
        status: String,
    },
    /// The person's wallet changed: balance, reservations or history.
    WalletChanged,
    /// One of the person's seat holds lapsed (the sweeper marked it expired).
    HoldExpired { hold_id: String, event_id: i64 },
    /// The person held seats (`active`) or gave them back (`released`),
    /// in this tab or another.
    HoldChanged {
        hold_id: String,
        event_id: i64,
        status: String,
    },
    /// An organizer's event has a new confirmed order.
    NewOrder {
        order_id: i64,
        event_id: i64,
        event_name: String,
        quantity: i64,
    },
    /// One of the person's bookings (as customer or provider) changed.
    BookingChanged { booking_id: i64, status: String },
    /// A message in one of the person's rooms (not their own).
    ChatMessage {
        room_id: i64,
        message_id: i64,
        room_name: String,
        author_name: String,
        preview: String,
    },
    /// The person read a room (on any tab): their unread total now.
    ChatRead { room_id: i64, unread_total: i64 },
    /// A provider has a new booking request (seed 000's `booking:new`).
    NewBooking {
        booking_id: i64,
        service_title: String,
        customer_name: String,
        when_label: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierSeats {
    pub tier_id: i64,
    pub capacity: i64,
    pub sold: i64,
    pub held: i64,
    pub available: i64,
}

/// A topic name: `event:{id}`, `user:{id}`, `booking:{id}`, `room:{id}`,
/// `stream:{id}`, `provider:{id}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    Event(i64),
    User(i64),
    Booking(i64),
    Room(i64),
    Stream(i64),
    Provider(i64),
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, id) = match self {
            Self::Event(id) => ("event", id),
            Self::User(id) => ("user", id),
            Self::Booking(id) => ("booking", id),
            Self::Room(id) => ("room", id),
            Self::Stream(id) => ("stream", id),
            Self::Provider(id) => ("provider", id),
        };
        write!(f, "{kind}:{id}")
    }
}

impl FromStr for Topic {
    type Err = ();

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let (kind, id) = value.split_once(':').ok_or(())?;
        let id: i64 = id.parse().map_err(|_| ())?;
        if id <= 0 {
            return Err(());
        }
        match kind {
            "event" => Ok(Self::Event(id)),
            "user" => Ok(Self::User(id)),
            "booking" => Ok(Self::Booking(id)),
            "room" => Ok(Self::Room(id)),
            "stream" => Ok(Self::Stream(id)),
            "provider" => Ok(Self::Provider(id)),
            _ => Err(()),
        }
    }
}

#[cfg(test)]
mod tests {
    /// The kind of each message, by name; a new kind fails to compile here
    /// until it is named, and then until the document shows it.
    fn kind(message: &ServerMessage) -> String {
        match message {
            ServerMessage::Hello { .. } => "hello".into(),
            ServerMessage::Error { .. } => "error".into(),
            ServerMessage::Pong { .. } => "pong".into(),
            ServerMessage::Rtc { .. } => "rtc".into(),
            ServerMessage::Snapshot { payload, .. }
            | ServerMessage::Update { payload, .. }
            | ServerMessage::Signal { payload, .. } => match payload {
                Payload::Availability { .. } => "availability".into(),
                Payload::Booking { .. } => "booking".into(),
                Payload::Schedule { .. } => "schedule".into(),
                Payload::ChatMessage { .. } => "chat_message".into(),
                Payload::RoomChanged { .. } => "room_changed".into(),
                Payload::Typing { .. } => "typing".into(),
                Payload::Stream { .. } => "stream".into(),
                Payload::Presence { .. } => "presence".into(),
                Payload::Notice { notice } => format!(
                    "notice:{}",
                    match notice {
                        Notice::OrderChanged { .. } => "order_changed",
                        Notice::WalletChanged => "wallet_changed",
                        Notice::HoldExpired { .. } => "hold_expired",
                        Notice::HoldChanged { .. } => "hold_changed",
                        Notice::NewOrder { .. } => "new_order",
                        Notice::BookingChanged { .. } => "booking_changed",
                        Notice::ChatMessage { .. } => "chat_message",
                        Notice::ChatRead { .. } => "chat_read",
                        Notice::NewBooking { .. } => "new_booking",
                    }
                ),
            },
        }
    }

    const KINDS: &[&str] = &[
        "hello",
        "error",
        "pong",
        "rtc",
        "availability",
        "booking",
        "schedule",
        "chat_message",
        "room_changed",
        "typing",
        "stream",
        "presence",
        "notice:order_changed",
        "notice:wallet_changed",
        "notice:hold_expired",
        "notice:hold_changed",
        "notice:new_order",
        "notice:booking_changed",
        "notice:chat_message",
        "notice:chat_read",
        "notice:new_booking",
    ];

    #[test]
    fn every_server_message_is_documented_exactly_as_it_is_sent() {
        let doc = include_str!("../../../docs/live-protocol.md");
        let block = doc
            .split("```json server-messages\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .expect("docs/live-protocol.md has a server-messages block");
        let mut seen = std::collections::HashSet::new();
        for line in block.lines().filter(|l| !l.trim().is_empty()) {
            let written: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON: {e}: {line}"));
            let message: ServerMessage = serde_json::from_value(written.clone())
                .unwrap_or_else(|e| panic!("not a server message: {e}: {line}"));
            let sent = serde_json::to_value(&message).expect("serializes");
            assert_eq!(sent, written, "the server sends it otherwise: {line}");
            let kind = kind(&message);
            assert!(
                KINDS.contains(&kind.as_str()),
                "{kind} is missing from KINDS"
            );
            seen.insert(kind);
        }
        for kind in KINDS {
            assert!(
                seen.contains(*kind),
                "docs/live-protocol.md shows no {kind}"
            );
        }
    }

    use super::*;

    #[test]
    fn client_messages_round_trip_in_their_documented_shape() {
        let sub: ClientMessage =
            serde_json::from_str(r#"{"type":"subscribe","topic":"event:7","since":12}"#).unwrap();
        assert_eq!(
            sub,
            ClientMessage::Subscribe {
                topic: "event:7".into(),
                since: Some(12)
            }
        );
        let ping: ClientMessage = serde_json::from_str(r#"{"type":"ping"}"#).unwrap();
        assert_eq!(ping, ClientMessage::Ping { nonce: 0 });
        let at: ClientMessage = serde_json::from_str(
            r#"{"type":"location","topic":"booking:12","lat_e6":48858400,"lng_e6":2294500,"accuracy_m":12}"#,
        )
        .unwrap();
        assert_eq!(
            at,
            ClientMessage::Location {
                topic: "booking:12".into(),
                lat_e6: 48_858_400,
                lng_e6: 2_294_500,
                accuracy_m: 12
            }
        );
        for msg in [
            sub,
            ping,
            at,
            ClientMessage::Unsubscribe {
                topic: "user:1".into(),
            },
        ] {
            let text = serde_json::to_string(&msg).unwrap();
            assert_eq!(serde_json::from_str::<ClientMessage>(&text).unwrap(), msg);
        }
        assert!(serde_json::from_str::<ClientMessage>(r#"{"type":"hold","tier":1}"#).is_err());
        let rtc: ClientMessage = serde_json::from_str(
            r#"{"type":"rtc","topic":"stream:3","to":"ab12.7","signal":{"kind":"answer","sdp":"v=0"}}"#,
        )
        .unwrap();
        assert_eq!(
            rtc,
            ClientMessage::Rtc {
                topic: "stream:3".into(),
                to: "ab12.7".into(),
                signal: RtcSignal::Answer { sdp: "v=0".into() }
            }
        );
        let request =
            r#"{"type":"rtc","topic":"stream:3","from":"ab12.2","signal":{"kind":"request"}}"#;
        let message: ServerMessage = serde_json::from_str(request).unwrap();
        assert_eq!(serde_json::to_string(&message).unwrap(), request);
        assert!(!RtcSignal::Offer { sdp: String::new() }.is_valid());
        assert!(
            !RtcSignal::Offer {
                sdp: "a".repeat(RtcSignal::MAX_SDP + 1)
            }
            .is_valid()
        );
        assert!(RtcSignal::Full.is_valid());
    }

    #[test]
    fn server_messages_round_trip() {
        let update = ServerMessage::Update {
            topic: "event:7".into(),
            seq: 3,
            payload: Payload::Availability {
                event_id: 7,
                tiers: vec![TierSeats {
                    tier_id: 1,
                    capacity: 10,
                    sold: 2,
                    held: 1,
                    available: 7,
                }],
            },
        };
        let text = serde_json::to_string(&update).unwrap();
        assert!(
            text.starts_with(
                r#"{"type":"update","topic":"event:7","seq":3,"payload":{"kind":"availability""#
            ),
            "{text}"
        );
        assert_eq!(
            serde_json::from_str::<ServerMessage>(&text).unwrap(),
            update
        );
    }

    #[test]
    fn notices_carry_what_happened() {
        let notice = Payload::Notice {
            notice: Notice::NewOrder {
                order_id: 5,
                event_id: 7,
                event_name: "Gig".into(),
                quantity: 2,
            },
        };
        let text = serde_json::to_string(&notice).unwrap();
        assert_eq!(
            text,
            r#"{"kind":"notice","notice":{"what":"new_order","order_id":5,"event_id":7,"event_name":"Gig","quantity":2}}"#
        );
        assert_eq!(serde_json::from_str::<Payload>(&text).unwrap(), notice);
    }

    #[test]
    fn topics_parse_and_print() {
        assert_eq!("event:42".parse::<Topic>(), Ok(Topic::Event(42)));
        assert_eq!(Topic::User(3).to_string(), "user:3");
        for bad in ["event", "event:", "event:x", "event:-1", "party:1", ""] {
            assert!(bad.parse::<Topic>().is_err(), "{bad}");
        }
    }
}
