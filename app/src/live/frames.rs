//! What goes down a connection. A topic's change is written as JSON once,
//! by the first connection that sends it, and the same frame is then
//! shared by every other follower (a clone is a reference count, not a
//! copy): with ten thousand followers of one event, one update is one
//! serialization, not ten thousand.

use std::sync::OnceLock;

use axum::extract::ws::Utf8Bytes;

use super::protocol::ServerMessage;

/// A message on its way down one connection: its own, or a frame shared
/// with every follower of a topic.
#[derive(Debug, Clone)]
pub enum Outgoing {
    Message(ServerMessage),
    Frame(Utf8Bytes),
}

impl From<ServerMessage> for Outgoing {
    fn from(message: ServerMessage) -> Self {
        Self::Message(message)
    }
}

impl Outgoing {
    /// The text frame to send (`None` for a message that can't be written,
    /// which never happens with the protocol's types).
    pub fn into_text(self) -> Option<Utf8Bytes> {
        match self {
            Self::Message(message) => text(&message),
            Self::Frame(frame) => Some(frame),
        }
    }

    /// `message` written as a frame to share (kept as the message in the
    /// case, which the protocol's types never reach, that it can't be
    /// written: the writer then says so and skips it).
    fn shared(message: ServerMessage) -> Self {
        match text(&message) {
            Some(frame) => Self::Frame(frame),
            None => Self::Message(message),
        }
    }
}

/// A message as a text frame.
pub fn text(message: &ServerMessage) -> Option<Utf8Bytes> {
    match serde_json::to_string(message) {
        Ok(json) => Some(json.into()),
        Err(e) => {
            tracing::error!(error = %e, "cannot write a live message");
            None
        }
    }
}

/// The frames of one state (or signal) of a topic, each written on first
/// use: as a change, and as a snapshot (for followers who fell behind).
#[derive(Debug, Default)]
pub struct Frames {
    change: OnceLock<Outgoing>,
    snapshot: OnceLock<Outgoing>,
}

impl Frames {
    /// The change's frame, written by `message` the first time.
    pub fn change(&self, message: impl FnOnce() -> ServerMessage) -> Outgoing {
        self.change
            .get_or_init(|| Outgoing::shared(message()))
            .clone()
    }

    /// The snapshot's frame, written by `message` the first time.
    pub fn snapshot(&self, message: impl FnOnce() -> ServerMessage) -> Outgoing {
        self.snapshot
            .get_or_init(|| Outgoing::shared(message()))
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_is_written_once_and_then_shared() {
        let frames = Frames::default();
        let mut written = 0;
        let pong = |written: &mut i32| {
            *written += 1;
            ServerMessage::Pong { nonce: 7 }
        };
        let (Outgoing::Frame(first), Outgoing::Frame(second)) = (
            frames.change(|| pong(&mut written)),
            frames.change(|| pong(&mut written)),
        ) else {
            panic!("frames");
        };
        assert_eq!(written, 1);
        assert_eq!(first.as_str(), r#"{"type":"pong","nonce":7}"#);
        assert_eq!(
            first.as_str().as_ptr(),
            second.as_str().as_ptr(),
            "the same bytes"
        );
        assert!(matches!(
            frames.snapshot(|| pong(&mut written)),
            Outgoing::Frame(_)
        ));
        assert_eq!(written, 2, "the snapshot is a frame of its own");
    }
}
