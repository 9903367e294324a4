//! Following topics: who may follow which (checked when subscribing, and
//! for rooms again on every change that removes someone), the snapshot a
//! new subscriber gets, and the task that forwards a topic's changes into a
//! connection's queue.

use std::sync::Arc;

use tokio::sync::{broadcast, mpsc, watch};

use app::accounts::service::AuthUser;
use app::error::AppError;
use app::kernel::ids::{BookingId, EventId, RoomId};
use app::live::frames::Outgoing;
use app::live::hub::{Hub, Stamped};
use app::live::protocol::{ErrorCode, Payload, ServerMessage, Topic};
use app::state::AppState;

use super::{SLOW_GRACE, error};

/// May this user follow this topic? Returns the refusal to send otherwise.
async fn authorize(
    state: &AppState,
    user: Option<&AuthUser>,
    topic: Topic,
) -> Result<(), (ErrorCode, &'static str)> {
    match topic {
        Topic::Event(id) => {
            match app::events::catalog::visible_row(state, user, EventId::new(id)).await {
                Ok(Some(_)) => Ok(()),
                Ok(None) => Err((ErrorCode::NotFound, "No such event.")),
                Err(_) => Err((ErrorCode::NotFound, "This event can't be read now.")),
            }
        }
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
            match app::services::bookings::visible_row(state, user, BookingId::new(id)).await {
                Ok(row) if row.customer_id == user.id || row.provider_id == user.id => Ok(()),
                _ => Err((ErrorCode::NotFound, "No such booking.")),
            }
        }
        Topic::Provider(_) => Ok(()),
        Topic::Room(id) => {
            let Some(user) = user else {
                return Err((ErrorCode::Forbidden, "Sign in to follow this room."));
            };
            match app::chat::rooms::readable(state, user, RoomId::new(id)).await {
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
pub(super) async fn subscribe(
    state: &AppState,
    user: Option<&AuthUser>,
    topic: Topic,
    since: Option<u64>,
    out: &mpsc::Sender<Outgoing>,
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
            if let Ok(row) =
                app::services::bookings::visible_row(state, user, BookingId::new(id)).await
            {
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
            let _ = out.try_send(current.snapshot_frame());
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
    fn ends_with(&self, payload: &Payload) -> Option<ServerMessage> {
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

/// Moves a topic's changes into the connection's queue, in order and
/// without repeats (`last` is the sequence number the client has). When the
/// queue is full or the receiver lagged, the client gets the latest state
/// as soon as there is room, or is disconnected after `SLOW_GRACE`.
async fn forward(
    follower: Follower,
    mut receiver: broadcast::Receiver<Stamped>,
    mut last: u64,
    hub: Arc<Hub>,
    out: mpsc::Sender<Outgoing>,
    kick: Arc<watch::Sender<Option<ServerMessage>>>,
) {
    let topic = follower.topic;
    loop {
        // The next change, or (having lagged) the latest state.
        let (stamped, frame) = match receiver.recv().await {
            Ok(stamped) if stamped.signal => {
                // Ephemeral: dropped when the client is behind.
                match out.try_send(stamped.change_frame()) {
                    Err(mpsc::error::TrySendError::Closed(_)) => break,
                    _ => continue,
                }
            }
            Ok(stamped) if stamped.seq <= last => continue,
            Ok(stamped) => {
                let frame = stamped.change_frame();
                (stamped, frame)
            }
            Err(broadcast::error::RecvError::Lagged(_)) => match hub.current(topic) {
                Some(current) if current.seq > last => {
                    let frame = current.snapshot_frame();
                    (current, frame)
                }
                _ => continue,
            },
            Err(broadcast::error::RecvError::Closed) => break,
        };
        if let Some(refusal) = follower.ends_with(&stamped.payload) {
            // The news itself (pages show it), then the end.
            let _ = out.try_send(frame);
            let _ = out.try_send(refusal.into());
            break;
        }
        match out.try_send(frame) {
            Ok(()) => last = stamped.seq,
            Err(mpsc::error::TrySendError::Closed(_)) => break,
            Err(mpsc::error::TrySendError::Full(_)) => {
                // Behind: skip the backlog; send the latest state when there is room.
                let Some(current) = hub.current(topic) else {
                    continue;
                };
                match tokio::time::timeout(SLOW_GRACE, out.send(current.snapshot_frame())).await {
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
