//! One websocket connection: who it is, what it follows, its budgets, and
//! a method per kind of client message.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message};
use futures::{Sink, SinkExt, Stream, StreamExt};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use app::accounts::service::AuthUser;
use app::live::frames::{Outgoing, text};
use app::live::hub::PeerEntry;
use app::live::protocol::{
    ClientMessage, ErrorCode, PROTOCOL_VERSION, Payload, Presence, RtcSignal, ServerMessage, Topic,
};
use app::state::AppState;

use super::{
    Budget, IDLE, MAX_SUBSCRIPTIONS, PING_EVERY, QUEUE, RATE_BURST, RATE_PER_SEC, error, location,
    presence, topics, video,
};

/// Runs one connection over any sink and stream of websocket messages (a
/// real socket, or channels in tests) until either side ends it.
pub async fn serve<S, R>(state: AppState, user: Option<AuthUser>, sink: S, mut stream: R)
where
    S: Sink<Message> + Unpin + Send + 'static,
    R: Stream<Item = Result<Message, axum::Error>> + Unpin + Send,
{
    let (out, queue) = mpsc::channel::<Outgoing>(QUEUE);
    let (kick, kicked) = watch::channel(None::<ServerMessage>);
    let writer = tokio::spawn(write(sink, queue, kicked));
    let mut kicked = kick.subscribe();
    // Kept until the writer is done: it stops at a kick, not when the
    // connection's state goes.
    let kick = Arc::new(kick);
    // A signed-in connection lives as long as its session and its token.
    let mut session = user.as_ref().map(|u| SessionWatch::new(&state, u));
    let mut connection = Connection::open(state, user, out, kick.clone()).await;
    let mut budget = Budget::new(RATE_BURST, RATE_PER_SEC);
    loop {
        let next = tokio::select! {
            next = tokio::time::timeout(IDLE, stream.next()) => next,
            // Kicked (too slow, too chatty): stop reading; the writer says why.
            _ = kicked.changed() => break,
            // Signed out, revoked or expired: nothing more goes down.
            Some(why) = async { match session.as_mut() {
                Some(watch) => watch.ended(&connection.state).await,
                None => std::future::pending().await,
            } } => {
                connection.kick(error(None, ErrorCode::SessionEnded, why));
                break;
            }
        };
        let frame = match next {
            Err(_) => {
                connection.kick(error(None, ErrorCode::TooSlow, "No activity; closing."));
                break;
            }
            Ok(None) | Ok(Some(Err(_))) => break,
            Ok(Some(Ok(frame))) => frame,
        };
        let text = match frame {
            Message::Text(text) => text,
            Message::Close(_) => break,
            Message::Binary(_) => {
                connection.refuse(None, ErrorCode::BadMessage, "Send JSON text frames.");
                continue;
            }
            // Pings and pongs only count as activity.
            _ => continue,
        };
        let message = serde_json::from_str::<ClientMessage>(text.as_str());
        // Video set-up has a budget of its own (refused beyond it, see
        // `video`); everything else counts here, and a flood closes.
        if !matches!(message, Ok(ClientMessage::Rtc { .. })) && !budget.take() {
            connection.kick(error(
                None,
                ErrorCode::RateLimited,
                "Too many messages; closing.",
            ));
            break;
        }
        match message {
            Ok(message) => connection.handle(message).await,
            Err(e) => connection.refuse(None, ErrorCode::BadMessage, &e.to_string()),
        }
    }
    connection.close().await;
    // A client that stopped reading can leave the writer stuck in a send:
    // give it a moment to say goodbye, then drop the socket.
    let mut writer = writer;
    if tokio::time::timeout(std::time::Duration::from_secs(1), &mut writer)
        .await
        .is_err()
    {
        writer.abort();
    }
    drop(kick);
}

/// What ends a signed-in connection: its session ending (heard on the
/// hub, from any instance) or its access token expiring.
struct SessionWatch {
    user_id: i64,
    session_id: String,
    ends: tokio::sync::broadcast::Receiver<app::live::hub::Ended>,
    expires: std::pin::Pin<Box<tokio::time::Sleep>>,
}

impl SessionWatch {
    fn new(state: &AppState, user: &AuthUser) -> Self {
        let now = app::kernel::time::now_millis();
        let left = user
            .token_expires_at
            .saturating_mul(1000)
            .saturating_sub(now);
        let left = std::time::Duration::from_millis(u64::try_from(left).unwrap_or(0));
        Self {
            user_id: user.id,
            session_id: user.session_id.clone(),
            ends: state.live.session_ends(),
            expires: Box::pin(tokio::time::sleep(left)),
        }
    }

    /// Waits until the connection must close, and says why.
    async fn ended(&mut self, state: &AppState) -> Option<&'static str> {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            tokio::select! {
                _ = &mut self.expires => return Some("Your sign-in expired; reconnect to go on."),
                heard = self.ends.recv() => match heard {
                    Ok(ended) if ended.covers(self.user_id, &self.session_id) => {
                        return Some("You signed out or your session was revoked.");
                    }
                    Ok(_) => {}
                    // Missed some news: ask the database.
                    Err(RecvError::Lagged(_)) => {
                        let now = app::kernel::time::now_millis();
                        let open = app::accounts::store::session_user(state.db.pool(), &self.session_id, now).await;
                        if matches!(open, Ok(None)) {
                            return Some("You signed out or your session was revoked.");
                        }
                    }
                    Err(RecvError::Closed) => return None,
                },
            }
        }
    }
}

/// A connection's state between messages.
struct Connection {
    state: AppState,
    user: Option<AuthUser>,
    /// Where video set-up messages for this connection find it.
    peer: PeerEntry,
    out: mpsc::Sender<Outgoing>,
    kick: Arc<watch::Sender<Option<ServerMessage>>>,
    subscriptions: HashMap<Topic, JoinHandle<()>>,
    rtc_budget: Budget,
    positions: location::Positions,
}

impl Connection {
    /// Registers the connection and says hello.
    async fn open(
        state: AppState,
        user: Option<AuthUser>,
        out: mpsc::Sender<Outgoing>,
        kick: Arc<watch::Sender<Option<ServerMessage>>>,
    ) -> Self {
        let user_id = user.as_ref().map(|u| u.id);
        let peer = state.live.register(user_id, out.clone());
        let _ = out
            .send(Outgoing::Message(ServerMessage::Hello {
                version: PROTOCOL_VERSION,
                user_id,
                connection: peer.id.clone(),
            }))
            .await;
        Self {
            state,
            user,
            peer,
            out,
            kick,
            subscriptions: HashMap::new(),
            rtc_budget: Budget::new(video::RTC_BURST, video::RTC_PER_SEC),
            positions: location::Positions::new(),
        }
    }

    async fn handle(&mut self, message: ClientMessage) {
        match message {
            ClientMessage::Subscribe { topic, since } => self.subscribe(&topic, since).await,
            ClientMessage::Unsubscribe { topic } => self.unsubscribe(&topic).await,
            ClientMessage::Ping { nonce } => self.send(ServerMessage::Pong { nonce }),
            ClientMessage::Typing { topic } => self.typing(&topic),
            ClientMessage::Presence { state } => self.presence(state).await,
            ClientMessage::Location {
                topic,
                lat_e6,
                lng_e6,
                accuracy_m,
            } => self.location(&topic, (lat_e6, lng_e6, accuracy_m)).await,
            ClientMessage::Watch { topic } => self.watch(&topic).await,
            ClientMessage::Rtc { topic, to, signal } => self.rtc(&topic, &to, signal),
        }
    }

    /// Queues a message; one that does not fit is dropped (the client is
    /// behind and will get the topics' latest states).
    fn send(&self, message: ServerMessage) {
        let _ = self.out.try_send(message.into());
    }

    fn refuse(&self, topic: Option<&str>, code: ErrorCode, message: &str) {
        self.send(error(topic, code, message));
    }

    /// Ends the connection with a reason (the writer sends it and closes).
    fn kick(&self, reason: ServerMessage) {
        let _ = self.kick.send(Some(reason));
    }

    async fn subscribe(&mut self, name: &str, since: Option<u64>) {
        let Ok(topic) = name.parse::<Topic>() else {
            return self.refuse(Some(name), ErrorCode::UnknownTopic, "No such topic.");
        };
        if self.subscriptions.len() >= MAX_SUBSCRIPTIONS && !self.subscriptions.contains_key(&topic)
        {
            return self.refuse(
                Some(name),
                ErrorCode::RateLimited,
                "Too many subscriptions.",
            );
        }
        let user = self.user.as_ref();
        match topics::subscribe(&self.state, user, topic, since, &self.out, &self.kick).await {
            Ok(task) => {
                self.state.live.follow(&self.peer.id, topic, true);
                if let Some(old) = self.subscriptions.insert(topic, task) {
                    old.abort();
                }
            }
            Err(message) => self.send(message),
        }
    }

    async fn unsubscribe(&mut self, name: &str) {
        if let Ok(topic) = name.parse::<Topic>()
            && let Some(task) = self.subscriptions.remove(&topic)
        {
            task.abort();
            self.stop_following(topic).await;
        }
    }

    async fn stop_following(&self, topic: Topic) {
        video::stopped(&self.state, &self.peer.id, self.user.as_ref(), topic).await;
        self.state.live.follow(&self.peer.id, topic, false);
    }

    /// "I am typing", only in a room this connection follows (it was
    /// allowed in).
    fn typing(&self, name: &str) {
        match (name.parse::<Topic>(), self.user.as_ref()) {
            (Ok(topic @ Topic::Room(room_id)), Some(user))
                if self.subscriptions.contains_key(&topic) =>
            {
                self.state.live.signal_everywhere(
                    topic,
                    Payload::Typing {
                        room_id,
                        user_id: user.id,
                        name: user.me.display_name.clone(),
                    },
                );
            }
            _ => self.refuse(
                Some(name),
                ErrorCode::Forbidden,
                "Follow a room of yours to type in it.",
            ),
        }
    }

    /// The person's presence from this tab, and the heartbeat of what it
    /// watches.
    async fn presence(&self, said: Presence) {
        if let Some(user) = &self.user
            && said != Presence::Offline
        {
            presence(&self.state, user.id, said);
        }
        video::heartbeat(&self.state, &self.peer.id, self.user.as_ref()).await;
    }

    async fn location(&mut self, name: &str, position: (i64, i64, i64)) {
        let topic = name.parse::<Topic>();
        let user = self.user.as_ref();
        if let Some((code, message)) = self
            .positions
            .report(&self.state, &self.peer.id, user, topic, position)
            .await
        {
            self.refuse(Some(name), code, &message);
        }
    }

    async fn watch(&self, name: &str) {
        let topic = name.parse::<Topic>();
        if let Some((code, message)) =
            video::watch(&self.state, &self.peer.id, self.user.as_ref(), topic).await
        {
            self.refuse(Some(name), code, message);
        }
    }

    fn rtc(&mut self, name: &str, to: &str, signal: RtcSignal) {
        let topic = name.parse::<Topic>();
        if let Some((code, message)) = video::relay(
            &self.state,
            self.user.as_ref(),
            &self.peer.id,
            topic,
            to,
            signal,
            &mut self.rtc_budget,
        ) {
            self.refuse(Some(name), code, message);
        }
    }

    /// Stops following everything; the connection is gone.
    async fn close(mut self) {
        let followed: Vec<Topic> = self.subscriptions.keys().copied().collect();
        video::closed(&self.state, &self.peer.id, &followed).await;
        for (topic, task) in std::mem::take(&mut self.subscriptions) {
            task.abort();
            self.stop_following(topic).await;
        }
    }
}

/// Sends queued messages and pings; on a kick, sends its error and closes.
async fn write<S>(
    mut sink: S,
    mut queue: mpsc::Receiver<Outgoing>,
    mut kicked: watch::Receiver<Option<ServerMessage>>,
) where
    S: Sink<Message> + Unpin,
{
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            // A kick first: the connection may have dropped its queue by the
            // time this task runs, and the client must still hear why.
            biased;
            changed = kicked.changed() => {
                // The connection is gone without a word: nothing to say.
                if changed.is_err() {
                    break;
                }
                let reason = kicked.borrow().clone();
                if let Some(message) = reason {
                    if let Some(text) = text(&message) {
                        let _ = sink.send(Message::Text(text)).await;
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
            message = queue.recv() => {
                let Some(message) = message else { break };
                let Some(text) = message.into_text() else { continue };
                if sink.send(Message::Text(text)).await.is_err() {
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
