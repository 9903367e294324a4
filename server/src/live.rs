//! `/ws`: one websocket per browser tab (or API client) carrying live
//! topics down. Authenticated by the session cookie, `?token=` or a Bearer
//! header; anonymous connections may follow public topics only. The
//! protocol is `app::live::protocol` (see docs/live-protocol.md).
//!
//! Each connection has a bounded outgoing queue. A subscriber whose queue
//! is full is sent the topic's latest state when there is room (state
//! topics: the latest value wins) and is disconnected, with a reason, if it
//! stays behind; a lagging broadcast receiver is handled the same way,
//! never taken for the end of the stream.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use futures::{Sink, SinkExt, Stream, StreamExt};
use serde::Deserialize;
use tokio::sync::{broadcast, mpsc, watch};
use tracing::Instrument;

use app::accounts::service::{self, AuthUser};
use app::accounts::session::{Auth, RequestMeta};
use app::error::AppError;
use app::live::hub::{Hub, Stamped};
use app::live::protocol::Presence;
use app::live::protocol::{
    ClientMessage, ErrorCode, PROTOCOL_VERSION, Payload, ServerMessage, Topic,
};
use app::state::AppState;

mod location;
mod video;

/// Largest message a client may send.
pub const MAX_FRAME: usize = 16 * 1024;
/// The socket's read buffer. Client messages are small; the library's
/// default (128 KiB, allocated up front) was most of a connection's memory.
const READ_BUFFER: usize = 4 * 1024;
/// Messages waiting for a slow client before it is treated as behind.
const QUEUE: usize = 64;
/// How long a client that is behind may take to accept the latest state.
const SLOW_GRACE: Duration = Duration::from_secs(5);
const PING_EVERY: Duration = Duration::from_secs(20);
/// A connection with no frame at all (pongs count) for this long is closed.
const IDLE: Duration = Duration::from_secs(60);
/// Client messages: a burst of 40, then 20 a second.
const RATE_BURST: f64 = 40.0;
const RATE_PER_SEC: f64 = 20.0;
const MAX_PER_USER: usize = 16;
const MAX_PER_IP: usize = 256;
const MAX_SUBSCRIPTIONS: usize = 64;

#[derive(Debug, Deserialize)]
pub struct WsQuery {
    token: Option<String>,
}

/// `GET /ws`: checks the origin and the user, then upgrades.
pub async fn upgrade(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    auth: Option<axum::Extension<Auth>>,
    meta: Option<axum::Extension<RequestMeta>>,
    Query(query): Query<WsQuery>,
    headers: HeaderMap,
) -> Response {
    if !crate::auth::same_origin(&state, &headers) {
        tracing::warn!("websocket from another origin refused");
        return AppError::Forbidden.into_response();
    }
    let mut user = auth.and_then(|a| a.0.0.clone());
    if user.is_none()
        && let Some(token) = query.token.as_deref()
    {
        match service::authenticate(&state, token).await {
            Ok(u) => user = Some(u),
            Err(e) => return e.into_response(),
        }
    }
    let ip = meta.and_then(|m| m.0.ip);
    let mut keys = Vec::new();
    if let Some(user) = &user {
        keys.push((format!("user:{}", user.id), MAX_PER_USER));
    }
    if let Some(ip) = ip {
        keys.push((format!("ip:{ip}"), MAX_PER_IP));
    }
    let Some(admission) = state.live.admit(&keys) else {
        return AppError::TooManyRequests {
            retry_after_secs: 10,
        }
        .into_response();
    };
    let span = tracing::info_span!(
        "ws",
        user_id = user.as_ref().map(|u| u.id),
        client_ip = ip.map(tracing::field::display)
    );
    ws.max_message_size(MAX_FRAME)
        .max_frame_size(MAX_FRAME)
        .read_buffer_size(READ_BUFFER)
        // Each message is written as it is sent (nothing to gain from
        // batching: the writer flushes every message anyway).
        .write_buffer_size(0)
        .on_upgrade(move |socket| {
            async move {
                tracing::info!("websocket open");
                let (sink, stream) = socket.split();
                let user_id = user.as_ref().map(|u| u.id);
                if let Some(id) = user_id {
                    presence(&state, id, Presence::Online);
                }
                serve(state.clone(), user, sink, stream).await;
                drop(admission);
                // The person's last connection here: offline (another
                // instance's tab says otherwise with its next heartbeat).
                if let Some(id) = user_id
                    && state.live.open_connections(&format!("user:{id}")) == 0
                {
                    presence(&state, id, Presence::Offline);
                }
                tracing::info!("websocket closed");
            }
            .instrument(span)
        })
}

/// Records a presence in the background (a slow database never holds up
/// the socket).
fn presence(state: &AppState, user_id: i64, presence: Presence) {
    let state = state.clone();
    tokio::spawn(async move {
        // A tab that reloads closes one socket and opens the next: if the
        // next one is already here, the person never went offline.
        if presence == Presence::Offline
            && state.live.open_connections(&format!("user:{user_id}")) > 0
        {
            return;
        }
        if let Err(e) = app::chat::presence::set(&state, user_id, presence).await {
            tracing::warn!(error = %e, "cannot record presence");
        }
    });
}

/// A token bucket for client messages: `burst` at once, then `per_sec`.
struct Budget {
    burst: f64,
    per_sec: f64,
    tokens: f64,
    at: Instant,
}

impl Budget {
    fn new(burst: f64, per_sec: f64) -> Self {
        Self {
            burst,
            per_sec,
            tokens: burst,
            at: Instant::now(),
        }
    }

    fn take(&mut self) -> bool {
        let now = Instant::now();
        let refill = now.duration_since(self.at).as_secs_f64() * self.per_sec;
        self.tokens = (self.tokens + refill).min(self.burst);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

fn error(topic: Option<&str>, code: ErrorCode, message: &str) -> ServerMessage {
    ServerMessage::Error {
        topic: topic.map(str::to_string),
        code,
        message: message.to_string(),
    }
}

/// Runs one connection over any sink and stream of websocket messages (a
/// real socket, or channels in tests) until either side ends it.
pub async fn serve<S, R>(state: AppState, user: Option<AuthUser>, sink: S, mut stream: R)
where
    S: Sink<Message> + Unpin + Send + 'static,
    R: Stream<Item = Result<Message, axum::Error>> + Unpin + Send,
{
    let (out, queue) = mpsc::channel::<ServerMessage>(QUEUE);
    let (kick, kicked) = watch::channel(None::<ServerMessage>);
    let writer = tokio::spawn(write(sink, queue, kicked));
    // Where video set-up messages for this connection find it.
    let peer = state
        .live
        .register(user.as_ref().map(|u| u.id), out.clone());
    let _ = out
        .send(ServerMessage::Hello {
            version: PROTOCOL_VERSION,
            user_id: user.as_ref().map(|u| u.id),
            connection: peer.id.clone(),
        })
        .await;
    let mut kicked = kick.subscribe();
    let kick = Arc::new(kick);
    let mut subscriptions: HashMap<Topic, tokio::task::JoinHandle<()>> = HashMap::new();
    let mut budget = Budget::new(RATE_BURST, RATE_PER_SEC);
    let mut rtc_budget = Budget::new(video::RTC_BURST, video::RTC_PER_SEC);
    let mut positions = location::Positions::new();
    loop {
        let next = tokio::select! {
            next = tokio::time::timeout(IDLE, stream.next()) => next,
            // Kicked (too slow, too chatty): stop reading; the writer says why.
            _ = kicked.changed() => break,
        };
        let frame = match next {
            Err(_) => {
                let _ = kick.send(Some(error(
                    None,
                    ErrorCode::TooSlow,
                    "No activity; closing.",
                )));
                break;
            }
            Ok(None) | Ok(Some(Err(_))) => break,
            Ok(Some(Ok(frame))) => frame,
        };
        let text = match frame {
            Message::Text(text) => text,
            Message::Close(_) => break,
            Message::Binary(_) => {
                let _ = out.try_send(error(None, ErrorCode::BadMessage, "Send JSON text frames."));
                continue;
            }
            // Pings and pongs only count as activity.
            _ => continue,
        };
        let message = serde_json::from_str::<ClientMessage>(text.as_str());
        // Video set-up has a budget of its own (refused beyond it, see
        // `video`); everything else counts here, and a flood closes.
        if !matches!(message, Ok(ClientMessage::Rtc { .. })) && !budget.take() {
            let _ = kick.send(Some(error(
                None,
                ErrorCode::RateLimited,
                "Too many messages; closing.",
            )));
            break;
        }
        let message = match message {
            Ok(message) => message,
            Err(e) => {
                let _ = out.try_send(error(None, ErrorCode::BadMessage, &e.to_string()));
                continue;
            }
        };
        match message {
            ClientMessage::Watch { topic: name } => {
                let topic = name.parse::<Topic>();
                if let Some((code, message)) =
                    video::watch(&state, &peer.id, user.as_ref(), topic).await
                {
                    let _ = out.try_send(error(Some(&name), code, message));
                }
            }
            ClientMessage::Rtc {
                topic: name,
                to,
                signal,
            } => {
                let topic = name.parse::<Topic>();
                if let Some((code, message)) = video::relay(
                    &state,
                    user.as_ref(),
                    &peer.id,
                    topic,
                    &to,
                    signal,
                    &mut rtc_budget,
                ) {
                    let _ = out.try_send(error(Some(&name), code, message));
                }
            }
            ClientMessage::Ping { nonce } => {
                let _ = out.try_send(ServerMessage::Pong { nonce });
            }
            ClientMessage::Typing { topic: name } => {
                // Only in a room this connection follows (it was allowed in).
                match (name.parse::<Topic>(), user.as_ref()) {
                    (Ok(topic @ Topic::Room(room_id)), Some(user))
                        if subscriptions.contains_key(&topic) =>
                    {
                        state.live.signal_everywhere(
                            topic,
                            Payload::Typing {
                                room_id,
                                user_id: user.id,
                                name: user.me.display_name.clone(),
                            },
                        );
                    }
                    _ => {
                        let _ = out.try_send(error(
                            Some(&name),
                            ErrorCode::Forbidden,
                            "Follow a room of yours to type in it.",
                        ));
                    }
                }
            }
            ClientMessage::Presence { state: said } => {
                if let Some(user) = &user
                    && said != Presence::Offline
                {
                    presence(&state, user.id, said);
                }
                video::heartbeat(&state, &peer.id, user.as_ref()).await;
            }
            ClientMessage::Location {
                topic: name,
                lat_e6,
                lng_e6,
                accuracy_m,
            } => {
                let topic = name.parse::<Topic>();
                if let Some((code, message)) = positions
                    .report(
                        &state,
                        &peer.id,
                        user.as_ref(),
                        topic,
                        (lat_e6, lng_e6, accuracy_m),
                    )
                    .await
                {
                    let _ = out.try_send(error(Some(&name), code, &message));
                }
            }
            ClientMessage::Unsubscribe { topic } => {
                if let Ok(topic) = topic.parse::<Topic>()
                    && let Some(task) = subscriptions.remove(&topic)
                {
                    task.abort();
                    video::stopped(&state, &peer.id, user.as_ref(), topic).await;
                    state.live.follow(&peer.id, topic, false);
                }
            }
            ClientMessage::Subscribe { topic: name, since } => {
                let Ok(topic) = name.parse::<Topic>() else {
                    let _ = out.try_send(error(
                        Some(&name),
                        ErrorCode::UnknownTopic,
                        "No such topic.",
                    ));
                    continue;
                };
                if subscriptions.len() >= MAX_SUBSCRIPTIONS && !subscriptions.contains_key(&topic) {
                    let _ = out.try_send(error(
                        Some(&name),
                        ErrorCode::RateLimited,
                        "Too many subscriptions.",
                    ));
                    continue;
                }
                match subscribe(&state, user.as_ref(), topic, since, &out, &kick).await {
                    Ok(task) => {
                        state.live.follow(&peer.id, topic, true);
                        if let Some(old) = subscriptions.insert(topic, task) {
                            old.abort();
                        }
                    }
                    Err(message) => {
                        let _ = out.try_send(message);
                    }
                }
            }
        }
    }
    let followed: Vec<Topic> = subscriptions.keys().copied().collect();
    video::closed(&state, &peer.id, &followed).await;
    for (topic, task) in subscriptions {
        task.abort();
        video::stopped(&state, &peer.id, user.as_ref(), topic).await;
        state.live.follow(&peer.id, topic, false);
    }
    drop(peer);
    drop(out);
    // A client that stopped reading can leave the writer stuck in a send:
    // give it a moment to say goodbye, then drop the socket.
    let mut writer = writer;
    if tokio::time::timeout(Duration::from_secs(1), &mut writer)
        .await
        .is_err()
    {
        writer.abort();
    }
}

/// Sends queued messages and pings; on a kick, sends its error and closes.
async fn write<S>(
    mut sink: S,
    mut queue: mpsc::Receiver<ServerMessage>,
    mut kicked: watch::Receiver<Option<ServerMessage>>,
) where
    S: Sink<Message> + Unpin,
{
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            message = queue.recv() => {
                let Some(message) = message else { break };
                let Ok(text) = serde_json::to_string(&message) else { continue };
                if sink.send(Message::Text(text.into())).await.is_err() {
                    break;
                }
            }
            changed = kicked.changed() => {
                let reason = if changed.is_ok() { kicked.borrow().clone() } else { None };
                if let Some(message) = reason {
                    if let Ok(text) = serde_json::to_string(&message) {
                        let _ = sink.send(Message::Text(text.into())).await;
                    }
                    let _ = sink
                        .send(Message::Close(Some(CloseFrame {
                            code: 4000,
                            reason: "closing".into(),
                        })))
                        .await;
                    break;
                }
            }
            _ = ping.tick() => {
                if sink.send(Message::Ping(Default::default())).await.is_err() {
                    break;
                }
            }
        }
    }
    let _ = sink.close().await;
}

/// May this user follow this topic? Returns the refusal to send otherwise.
async fn authorize(
    state: &AppState,
    user: Option<&AuthUser>,
    topic: Topic,
) -> Result<(), (ErrorCode, &'static str)> {
    match topic {
        Topic::Event(id) => match app::events::catalog::visible_row(state, user, id).await {
            Ok(Some(_)) => Ok(()),
            Ok(None) => Err((ErrorCode::NotFound, "No such event.")),
            Err(_) => Err((ErrorCode::NotFound, "This event can't be read now.")),
        },
        Topic::User(id) => match user {
            Some(u) if u.id == id => Ok(()),
            Some(_) => Err((ErrorCode::Forbidden, "This is another person's topic.")),
            None => Err((ErrorCode::Forbidden, "Sign in to follow this topic.")),
        },
        Topic::Booking(id) => {
            let Some(user) = user else {
                return Err((ErrorCode::Forbidden, "Sign in to follow this booking."));
            };
            // Only the customer and the provider: the topic carries where
            // the provider is.
            match app::services::bookings::visible_row(state, user, id).await {
                Ok(row) if row.customer_id == user.id || row.provider_id == user.id => Ok(()),
                _ => Err((ErrorCode::NotFound, "No such booking.")),
            }
        }
        Topic::Provider(_) => Ok(()),
        Topic::Room(id) => {
            let Some(user) = user else {
                return Err((ErrorCode::Forbidden, "Sign in to follow this room."));
            };
            match app::chat::rooms::readable(state, user, id).await {
                Ok(_) => Ok(()),
                Err(AppError::NotAllowed(_)) => {
                    Err((ErrorCode::Forbidden, "Join this room to follow it."))
                }
                Err(_) => Err((ErrorCode::NotFound, "No such room.")),
            }
        }
        // Streams are public, like events.
        Topic::Stream(id) => match app::streams::live::snapshot(&state.db, &state.live, id).await {
            Ok(Some(_)) => Ok(()),
            Ok(None) => Err((ErrorCode::NotFound, "No such stream.")),
            Err(_) => Err((ErrorCode::NotFound, "This stream can't be read now.")),
        },
    }
}

/// Authorizes, sends the snapshot (unless `since` is already current) and
/// starts forwarding the topic's changes.
async fn subscribe(
    state: &AppState,
    user: Option<&AuthUser>,
    topic: Topic,
    since: Option<u64>,
    out: &mpsc::Sender<ServerMessage>,
    kick: &Arc<watch::Sender<Option<ServerMessage>>>,
) -> Result<tokio::task::JoinHandle<()>, ServerMessage> {
    let name = topic.to_string();
    authorize(state, user, topic)
        .await
        .map_err(|(code, message)| error(Some(&name), code, message))?;
    if let Topic::Event(id) = topic {
        app::events::availability::snapshot(&state.db, &state.live, id)
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "cannot read availability");
                error(
                    Some(&name),
                    ErrorCode::NotFound,
                    "This event can't be read now.",
                )
            })?;
    }
    // State topics kept in the database: publish the current state first
    // (a no-op when the hub already has it).
    match (topic, user) {
        (Topic::Booking(id), Some(user)) => {
            if let Ok(row) = app::services::bookings::visible_row(state, user, id).await {
                state.live.publish(topic, row.live());
            }
        }
        (Topic::Provider(id), _) if state.live.current(topic).is_none() => {
            state.live.publish(
                topic,
                app::live::protocol::Payload::Schedule {
                    provider_id: id,
                    version: 0,
                },
            );
        }
        _ => {}
    }
    let (current, receiver) = state.live.subscribe(topic);
    let mut last = 0;
    if let Some(current) = current {
        if since != Some(current.seq) {
            let _ = out.try_send(snapshot(topic, &current));
        }
        last = current.seq;
    }
    Ok(tokio::spawn(forward(
        Follower {
            topic,
            user_id: user.map(|u| u.id),
        },
        receiver,
        last,
        state.live.clone(),
        out.clone(),
        kick.clone(),
    )))
}

/// A subscription: the topic, and who follows it.
#[derive(Debug, Clone, Copy)]
struct Follower {
    topic: Topic,
    user_id: Option<i64>,
}

impl Follower {
    /// A room that was deleted, or that removed this person, ends the
    /// subscription: their membership was checked when they subscribed,
    /// and this is where it stops holding.
    fn ends_with(&self, message: &ServerMessage) -> Option<ServerMessage> {
        let (ServerMessage::Update { payload, .. } | ServerMessage::Snapshot { payload, .. }) =
            message
        else {
            return None;
        };
        let Payload::RoomChanged {
            removed, deleted, ..
        } = payload
        else {
            return None;
        };
        let name = self.topic.to_string();
        if *deleted {
            Some(error(
                Some(&name),
                ErrorCode::NotFound,
                "This room was deleted.",
            ))
        } else if self.user_id.is_some_and(|id| removed.contains(&id)) {
            Some(error(
                Some(&name),
                ErrorCode::Forbidden,
                "You are no longer a member of this room.",
            ))
        } else {
            None
        }
    }
}

fn snapshot(topic: Topic, stamped: &Stamped) -> ServerMessage {
    ServerMessage::Snapshot {
        topic: topic.to_string(),
        seq: stamped.seq,
        payload: (*stamped.payload).clone(),
    }
}

/// Moves a topic's changes into the connection's queue, in order and
/// without repeats (`last` is the sequence number the client has). When the
/// queue is full or the receiver lagged, the client gets the latest state
/// as soon as there is room, or is disconnected after `SLOW_GRACE`.
async fn forward(
    follower: Follower,
    mut receiver: broadcast::Receiver<Stamped>,
    mut last: u64,
    hub: Arc<Hub>,
    out: mpsc::Sender<ServerMessage>,
    kick: Arc<watch::Sender<Option<ServerMessage>>>,
) {
    let topic = follower.topic;
    loop {
        let message = match receiver.recv().await {
            Ok(stamped) if stamped.signal => {
                // Ephemeral: dropped when the client is behind.
                match out.try_send(ServerMessage::Signal {
                    topic: topic.to_string(),
                    payload: (*stamped.payload).clone(),
                }) {
                    Err(mpsc::error::TrySendError::Closed(_)) => break,
                    _ => continue,
                }
            }
            Ok(stamped) if stamped.seq <= last => continue,
            Ok(stamped) => ServerMessage::Update {
                topic: topic.to_string(),
                seq: stamped.seq,
                payload: (*stamped.payload).clone(),
            },
            Err(broadcast::error::RecvError::Lagged(_)) => match hub.current(topic) {
                Some(current) if current.seq > last => snapshot(topic, &current),
                _ => continue,
            },
            Err(broadcast::error::RecvError::Closed) => break,
        };
        let seq = match &message {
            ServerMessage::Update { seq, .. } | ServerMessage::Snapshot { seq, .. } => *seq,
            _ => last,
        };
        if let Some(refusal) = follower.ends_with(&message) {
            // The news itself (pages show it), then the end.
            let _ = out.try_send(message);
            let _ = out.try_send(refusal);
            break;
        }
        match out.try_send(message) {
            Ok(()) => last = seq,
            Err(mpsc::error::TrySendError::Closed(_)) => break,
            Err(mpsc::error::TrySendError::Full(_)) => {
                // Behind: skip the backlog; send the latest state when there is room.
                let Some(current) = hub.current(topic) else {
                    continue;
                };
                match tokio::time::timeout(SLOW_GRACE, out.send(snapshot(topic, &current))).await {
                    Ok(Ok(())) => last = current.seq,
                    Ok(Err(_)) => break,
                    Err(_) => {
                        let _ = kick.send(Some(error(
                            Some(&topic.to_string()),
                            ErrorCode::TooSlow,
                            "You fell too far behind; reconnect to catch up.",
                        )));
                        break;
                    }
                }
            }
        }
    }
}
