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

use std::time::{Duration, Instant};

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde::Deserialize;
use tracing::Instrument;

use app::accounts::service;
use app::accounts::session::{Auth, RequestMeta};
use app::error::AppError;
use app::live::protocol::{ErrorCode, Presence, ServerMessage};
use app::state::AppState;

mod connection;
mod location;
mod topics;
mod video;

pub use connection::serve;

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
