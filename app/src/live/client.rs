//! The browser's end of `/ws`: one connection per tab, reconnecting with
//! backoff and jitter, resubscribing from the last sequence number seen,
//! and each topic as a signal that components read like any other
//! (`use_topic`). On the server (and before hydration) topics are `None`
//! and pages show what they rendered.

use std::collections::HashMap;

use leptos::prelude::*;

#[cfg(feature = "hydrate")]
use super::protocol::ServerMessage;
use super::protocol::{ClientMessage, ErrorCode, Payload, RtcSignal};

/// How the live connection is doing, for the indicator in the top bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveStatus {
    /// Not connected yet (always so on the server).
    Idle,
    Live,
    Reconnecting,
}

/// The server refused something on a topic: the subscription, or a signal
/// sent on it (a position that can't be shared now).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: ErrorCode,
    pub message: String,
}

/// What a page reads of one topic.
#[derive(Clone, Copy)]
pub struct TopicSignals {
    /// Its state: `None` until the first snapshot (and always on the server).
    pub state: Signal<Option<Payload>>,
    /// Its latest ephemeral signal (typing, presence), apart from the state
    /// so that a signal never hides a state change.
    pub signals: Signal<Option<Payload>>,
    /// The server's latest refusal on it.
    pub refusals: Signal<Option<Refusal>>,
    /// Video set-up messages from other connections (`from`, signal), in
    /// order, kept until the page takes them ([`TopicSignals::take_rtc`]).
    rtc: RwSignal<Vec<(String, RtcSignal)>>,
}

impl TopicSignals {
    fn none() -> Self {
        Self {
            state: Signal::derive(|| None),
            signals: Signal::derive(|| None),
            refusals: Signal::derive(|| None),
            rtc: RwSignal::new(Vec::new()),
        }
    }

    /// Takes the video set-up messages that arrived (read inside an effect,
    /// it runs again on the next one; none is lost between two runs).
    pub fn take_rtc(&self) -> Vec<(String, RtcSignal)> {
        self.rtc.track();
        self.rtc
            .try_update_untracked(std::mem::take)
            .unwrap_or_default()
    }
}

struct TopicState {
    signal: RwSignal<Option<Payload>>,
    /// The topic's latest ephemeral signal (typing, presence).
    signals: RwSignal<Option<Payload>>,
    refusals: RwSignal<Option<Refusal>>,
    rtc: RwSignal<Vec<(String, RtcSignal)>>,
    /// The last sequence number seen (read by the browser's connection).
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    seq: Option<u64>,
    users: usize,
}

type Outbox = futures::channel::mpsc::UnboundedSender<ClientMessage>;

#[derive(Clone, Copy)]
pub struct Live {
    pub status: RwSignal<LiveStatus>,
    /// This tab's connection id while connected (video set-up messages are
    /// addressed to it); a new one after each reconnect.
    pub connection: RwSignal<Option<String>>,
    topics: StoredValue<HashMap<String, TopicState>>,
    outbox: StoredValue<Option<Outbox>>,
    owner: StoredValue<Owner>,
    /// What every topic reads on the server, where nothing arrives: one set
    /// of signals for the whole render rather than one per topic and user.
    idle: TopicSignals,
}

impl Live {
    /// Sends a message up the socket (dropped while disconnected).
    pub fn send(&self, message: ClientMessage) {
        self.outbox.with_value(|outbox| {
            if let Some(outbox) = outbox {
                let _ = outbox.unbounded_send(message);
            }
        });
    }

    fn register(&self, topic: &str) -> TopicSignals {
        let owner = self.owner.get_value();
        let mut created = false;
        let signals = self.topics.try_update_value(|topics| {
            let state = topics.entry(topic.to_string()).or_insert_with(|| {
                created = true;
                // Owned by the connection, not the component: it outlives remounts.
                owner.with(|| TopicState {
                    signal: RwSignal::new(None),
                    signals: RwSignal::new(None),
                    refusals: RwSignal::new(None),
                    rtc: RwSignal::new(Vec::new()),
                    seq: None,
                    users: 0,
                })
            });
            state.users += 1;
            TopicSignals {
                state: state.signal.into(),
                signals: state.signals.into(),
                refusals: state.refusals.into(),
                rtc: state.rtc,
            }
        });
        if created {
            self.send(ClientMessage::Subscribe {
                topic: topic.to_string(),
                since: None,
            });
        }
        signals.unwrap_or_else(TopicSignals::none)
    }

    fn unregister(&self, topic: &str) {
        let mut gone = false;
        self.topics.update_value(|topics| {
            if let Some(state) = topics.get_mut(topic) {
                state.users = state.users.saturating_sub(1);
                if state.users == 0 {
                    topics.remove(topic);
                    gone = true;
                }
            }
        });
        if gone {
            self.send(ClientMessage::Unsubscribe {
                topic: topic.to_string(),
            });
        }
    }
}

/// Provides the live connection (in the layout); in the browser, connects.
pub fn provide_live() -> Live {
    let live = Live {
        status: RwSignal::new(LiveStatus::Idle),
        connection: RwSignal::new(None),
        topics: StoredValue::new(HashMap::new()),
        outbox: StoredValue::new(None),
        owner: StoredValue::new(Owner::current().unwrap_or_default()),
        idle: TopicSignals::none(),
    };
    provide_context(live);
    #[cfg(feature = "hydrate")]
    Effect::new(move |started: Option<()>| {
        if started.is_none() {
            leptos::task::spawn_local(connection(live));
        }
    });
    live
}

/// A topic as a signal: `None` until its first snapshot arrives (and always
/// on the server). Subscribes while any component uses it.
pub fn use_topic(topic: String) -> Signal<Option<Payload>> {
    use_topic_signals(topic).state
}

/// A topic's states, and its ephemeral signals (typing, presence) apart,
/// so that a signal never hides a state change.
pub fn use_topic_with_signals(topic: String) -> (Signal<Option<Payload>>, Signal<Option<Payload>>) {
    let topic = use_topic_signals(topic);
    (topic.state, topic.signals)
}

/// Everything of a topic: state, signals and refusals. Subscribes while
/// any component uses it.
pub fn use_topic_signals(topic: String) -> TopicSignals {
    let Some(live) = use_context::<Live>() else {
        return TopicSignals::none();
    };
    if cfg!(not(feature = "hydrate")) {
        return live.idle;
    }
    let signals = live.register(&topic);
    on_cleanup(move || live.unregister(&topic));
    signals
}

/// The tab's connection, to send ephemeral signals with (`None` outside
/// the layout).
pub fn use_live() -> Option<Live> {
    use_context::<Live>()
}

/// The connection's status, to catch up after a reconnect.
pub fn use_live_status() -> Signal<LiveStatus> {
    match use_context::<Live>() {
        Some(live) => live.status.into(),
        None => Signal::derive(|| LiveStatus::Idle),
    }
}

#[cfg(feature = "hydrate")]
fn url() -> String {
    let location = window().location();
    let scheme = match location.protocol().as_deref() {
        Ok("https:") => "wss",
        _ => "ws",
    };
    format!("{scheme}://{}/ws", location.host().unwrap_or_default())
}

#[cfg(feature = "hydrate")]
async fn sleep(ms: u32) {
    let (done, wait) = futures::channel::oneshot::channel::<()>();
    set_timeout(
        move || {
            let _ = done.send(());
        },
        std::time::Duration::from_millis(u64::from(ms)),
    );
    let _ = wait.await;
}

/// Connects, resubscribes and reads, forever; after a drop, waits 0.5 s,
/// 1 s, 2 s … up to 30 s (each with up to half again of random jitter).
#[cfg(feature = "hydrate")]
async fn connection(live: Live) {
    use futures::{SinkExt, StreamExt};
    use gloo_net::websocket::Message;
    use gloo_net::websocket::futures::WebSocket;

    let mut attempt: u32 = 0;
    loop {
        if let Ok(socket) = WebSocket::open(&url()) {
            let (mut write, mut read) = socket.split();
            let (outbox, mut queue) = futures::channel::mpsc::unbounded::<ClientMessage>();
            live.outbox.set_value(Some(outbox.clone()));
            // Resume every topic from the last number seen.
            live.topics.with_value(|topics| {
                for (topic, state) in topics {
                    let _ = outbox.unbounded_send(ClientMessage::Subscribe {
                        topic: topic.clone(),
                        since: state.seq,
                    });
                }
            });
            leptos::task::spawn_local(async move {
                while let Some(message) = queue.next().await {
                    let Ok(text) = serde_json::to_string(&message) else {
                        continue;
                    };
                    if write.send(Message::Text(text)).await.is_err() {
                        break;
                    }
                }
            });
            while let Some(Ok(frame)) = read.next().await {
                let Message::Text(text) = frame else { continue };
                let Ok(message) = serde_json::from_str::<ServerMessage>(&text) else {
                    continue;
                };
                if let ServerMessage::Hello {
                    user_id,
                    ref connection,
                    ..
                } = message
                {
                    live.connection.set(Some(connection.clone()));
                    live.status.set(LiveStatus::Live);
                    attempt = 0;
                    if user_id.is_some() {
                        leptos::task::spawn_local(heartbeat(outbox.clone()));
                    }
                }
                receive(live, message);
            }
            live.outbox.set_value(None);
            live.connection.set(None);
        }
        live.status.set(LiveStatus::Reconnecting);
        attempt = attempt.saturating_add(1);
        let base = 500u32.saturating_mul(1 << attempt.min(6)).min(30_000);
        let jitter = (js_sys::Math::random() * f64::from(base) / 2.0) as u32;
        sleep(base + jitter).await;
    }
}

/// Presence from this tab every 30 s while connected: `away` when hidden.
#[cfg(feature = "hydrate")]
async fn heartbeat(outbox: Outbox) {
    use crate::live::protocol::Presence;
    loop {
        let hidden = document().hidden();
        let state = if hidden {
            Presence::Away
        } else {
            Presence::Online
        };
        if outbox
            .unbounded_send(ClientMessage::Presence { state })
            .is_err()
        {
            break;
        }
        sleep(30_000).await;
        if outbox.is_closed() {
            break;
        }
    }
}

#[cfg(feature = "hydrate")]
fn receive(live: Live, message: ServerMessage) {
    if let ServerMessage::Rtc {
        topic,
        from,
        signal,
    } = message
    {
        let inbox = live
            .topics
            .with_value(|topics| topics.get(&topic).map(|state| state.rtc));
        if let Some(inbox) = inbox {
            inbox.update(|queue| queue.push((from, signal)));
        }
        return;
    }
    if let ServerMessage::Signal { topic, payload } = message {
        let signals = live
            .topics
            .with_value(|topics| topics.get(&topic).map(|state| state.signals));
        if let Some(signals) = signals {
            signals.set(Some(payload));
        }
        return;
    }
    let (topic, seq, payload, snapshot) = match message {
        ServerMessage::Snapshot {
            topic,
            seq,
            payload,
        } => (topic, seq, payload, true),
        ServerMessage::Update {
            topic,
            seq,
            payload,
        } => (topic, seq, payload, false),
        ServerMessage::Error {
            topic,
            code,
            message,
        } => {
            let refusals = topic.as_ref().and_then(|topic| {
                live.topics
                    .with_value(|topics| topics.get(topic).map(|state| state.refusals))
            });
            match refusals {
                Some(refusals) => refusals.set(Some(Refusal { code, message })),
                None => leptos::logging::warn!("live: {} {message}", topic.unwrap_or_default()),
            }
            return;
        }
        _ => return,
    };
    let signal = live.topics.try_update_value(|topics| {
        let state = topics.get_mut(&topic)?;
        // Updates only move forward; a snapshot always applies (numbers are
        // per server instance, and restart when a topic is rebuilt).
        if !snapshot && state.seq.is_some_and(|last| seq <= last) {
            return None;
        }
        state.seq = Some(seq);
        // A notice is news only when it happens: the one a (re)subscription
        // starts from is old news.
        if snapshot && matches!(payload, Payload::Notice { .. }) {
            return None;
        }
        Some(state.signal)
    });
    if let Some(Some(signal)) = signal {
        signal.set(Some(payload));
    }
}

/// A small dot in the top bar: live, or reconnecting. Nothing before the
/// first connection (and nothing without JavaScript).
#[component]
pub fn LiveIndicator() -> impl IntoView {
    let live = use_context::<Live>();
    let status = move || live.map(|l| l.status.get()).unwrap_or(LiveStatus::Idle);
    move || {
        match status() {
        LiveStatus::Idle => ().into_any(),
        LiveStatus::Live => view! {
            <span class="flex items-center gap-1.5 text-xs font-medium text-emerald-700" title="Live updates on" data-testid="live-status" data-status="live">
                <span class="size-2 rounded-full bg-emerald-500" aria-hidden="true"></span>
                "Live"
            </span>
        }
        .into_any(),
        LiveStatus::Reconnecting => view! {
            <span class="flex items-center gap-1.5 text-xs font-medium text-amber-700" title="Reconnecting for live updates" data-testid="live-status" data-status="reconnecting" role="status">
                <span class="size-2 animate-pulse rounded-full bg-amber-500" aria-hidden="true"></span>
                "Reconnecting…"
            </span>
        }
        .into_any(),
    }
    }
}
