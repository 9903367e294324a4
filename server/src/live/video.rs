//! What `/ws` does for live streams: a signed-in connection that follows
//! `stream:{id}` and says it watches counts as a viewer (until it
//! unsubscribes or closes; its heartbeat renews it), and the host's
//! browser and each viewer's set up their video connection through it
//! (WebRTC offers and answers, relayed between the host and one viewer,
//! never between two viewers).

use app::accounts::service::AuthUser;
use app::live::hub::Relay;
use app::live::protocol::{ErrorCode, Payload, RtcSignal, Topic};
use app::state::AppState;

/// Video set-up messages: a burst of 60, then 30 a second (a host answers
/// each viewer who arrives); beyond that they are refused, not fatal.
pub const RTC_BURST: f64 = 60.0;
pub const RTC_PER_SEC: f64 = 30.0;

/// A connection id as the hub makes them (`{instance}.{n}`).
fn is_connection_id(id: &str) -> bool {
    id.len() <= 64
        && id
            .split_once('.')
            .is_some_and(|(i, n)| !i.is_empty() && n.parse::<u64>().is_ok())
}

/// Relays a set-up message from `from` (this connection) to `to`; returns
/// why it was refused, if it was. The receiving side checks again that it
/// follows the stream and that one of the two is its host.
pub fn relay(
    state: &AppState,
    user: Option<&AuthUser>,
    from: &str,
    topic: Result<Topic, ()>,
    to: &str,
    signal: RtcSignal,
    budget: &mut super::Budget,
) -> Option<(ErrorCode, &'static str)> {
    let (Ok(Topic::Stream(id)), Some(user)) = (topic, user) else {
        return Some((
            ErrorCode::Forbidden,
            "Sign in and follow a stream to watch it.",
        ));
    };
    if !state.live.follows(from, Topic::Stream(id)) {
        return Some((ErrorCode::Forbidden, "Follow this stream first."));
    }
    if !signal.is_valid() || !is_connection_id(to) {
        return Some((ErrorCode::BadMessage, "Not a video set-up message."));
    }
    if !budget.take() {
        return Some((
            ErrorCode::RateLimited,
            "Too many video set-up messages; wait a moment.",
        ));
    }
    let Some(host_id) = app::streams::live::host_of(&state.live, id) else {
        return Some((ErrorCode::NotFound, "No such stream."));
    };
    state.live.relay(Relay {
        stream_id: id,
        host_id,
        from: from.to_string(),
        from_host: user.id == host_id,
        to: to.to_string(),
        signal,
    });
    None
}

/// The connection says it watches a stream it follows: its person counts
/// as a viewer. Returns why not, if not.
pub async fn watch(
    state: &AppState,
    connection: &str,
    user: Option<&AuthUser>,
    topic: Result<Topic, ()>,
) -> Option<(ErrorCode, &'static str)> {
    let (Ok(topic @ Topic::Stream(id)), Some(user)) = (topic, user) else {
        return Some((
            ErrorCode::Forbidden,
            "Sign in and follow a stream to watch it.",
        ));
    };
    if !state.live.watch(connection, topic) {
        return Some((ErrorCode::Forbidden, "Follow this stream first."));
    }
    counted(state, user, id).await
}

async fn counted(state: &AppState, user: &AuthUser, id: i64) -> Option<(ErrorCode, &'static str)> {
    match app::streams::viewers::watch(state, id, user.id).await {
        Ok(_) => None,
        Err(app::error::AppError::Conflict(_)) => {
            Some((ErrorCode::Conflict, "This stream has ended."))
        }
        Err(e) => {
            tracing::warn!(error = %e, stream_id = id, "cannot count a viewer");
            Some((
                ErrorCode::Unavailable,
                "You couldn't be counted just now; try again.",
            ))
        }
    }
}

/// A connection stops following a stream (or closes): if it watched, its
/// person stops watching unless another of their connections here does.
/// Call before telling the hub it no longer follows.
pub async fn stopped(state: &AppState, connection: &str, user: Option<&AuthUser>, topic: Topic) {
    if let (Topic::Stream(id), Some(user)) = (topic, user)
        && state.live.watched(connection).contains(&topic)
        && state.live.others_watching(connection, user.id, topic) == 0
        && let Err(e) = app::streams::viewers::leave(state, id, user.id).await
    {
        tracing::warn!(error = %e, stream_id = id, "cannot count a viewer out");
    }
}

/// The connection's heartbeat: it still watches what it watches.
pub async fn heartbeat(state: &AppState, connection: &str, user: Option<&AuthUser>) {
    let Some(user) = user else { return };
    for topic in state.live.watched(connection) {
        if let Topic::Stream(id) = topic {
            counted(state, user, id).await;
        }
    }
}

/// The connection closed: the streams it was sending (as their topics
/// here say) show no camera.
pub async fn closed(state: &AppState, connection: &str, followed: &[Topic]) {
    let sending = followed.iter().any(|topic| {
        state.live.current(*topic).is_some_and(|current| {
            matches!(
                current.payload.as_ref(),
                Payload::Stream { broadcaster: Some(b), .. } if b == connection
            )
        })
    });
    if sending && let Err(e) = app::streams::service::connection_closed(state, connection).await {
        tracing::warn!(error = %e, "cannot clear a stream's broadcaster");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_ids_are_the_hub_s_own_shape() {
        assert!(is_connection_id("a1b2c3d4e5f60718.42"));
        for bad in ["", "abc", ".1", "abc.", "abc.x", &"a".repeat(70)] {
            assert!(!is_connection_id(bad), "{bad}");
        }
    }

    #[test]
    fn the_video_budget_refuses_a_flood_and_refills() {
        let mut budget = super::super::Budget::new(RTC_BURST, RTC_PER_SEC);
        let taken = (0..100).filter(|_| budget.take()).count();
        assert_eq!(taken, RTC_BURST as usize);
        budget.at -= std::time::Duration::from_secs(1);
        assert!(budget.take(), "refilled after a second");
    }
}
