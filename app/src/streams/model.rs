//! The shared types of live streams: what pages and the JSON API see, what
//! the form sends, and the checks every input goes through.

use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::kernel::text::{bounded, required};
use crate::kernel::text_enum::text_enum;

pub const TITLE_MAX: usize = 120;
pub const DESCRIPTION_MAX: usize = 2000;
/// A viewer whose live connection hasn't been heard from for this long
/// (tab closed without a goodbye, instance gone) is counted out.
pub const VIEWER_TTL_MS: i64 = 90_000;
/// How many live and recent streams a list shows.
pub const LIST_MAX: i64 = 50;

text_enum! {
    pub enum StreamStatus {
        Live = "live",
        Ended = "ended",
    }
}

/// A stream as pages and the API show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamView {
    pub id: i64,
    pub host_id: i64,
    pub host_name: String,
    pub host_avatar: Option<String>,
    pub title: String,
    pub description: String,
    pub status: StreamStatus,
    /// The stream's chat room.
    pub room_id: i64,
    /// Watching now (signed-in people; the host doesn't count).
    pub viewers: i64,
    pub peak_viewers: i64,
    /// Everyone who watched at some point.
    pub total_viewers: i64,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    /// The host's camera is on and sending.
    pub broadcasting: bool,
    /// The reader is the host.
    pub is_host: bool,
    /// The reader may end it (the host, or an admin).
    pub can_end: bool,
}

/// How browsers connect for the video: STUN/TURN servers (none: only
/// browsers that reach each other directly connect) and how many viewers
/// the host's browser sends to at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct VideoSettings {
    pub ice_servers: Vec<String>,
    pub ice_username: Option<String>,
    pub ice_credential: Option<String>,
    pub max_peers: u32,
}

/// A stream page's data: the stream, and (signed in) how to connect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamPage {
    pub stream: StreamView,
    pub video: Option<VideoSettings>,
}

/// Live now and ended lately, for `/live`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct StreamLists {
    pub live: Vec<StreamView>,
    pub recent: Vec<StreamView>,
    /// The reader's own live stream, if any (to go back to it).
    pub mine: Option<i64>,
}

/// What going live asks for, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStream {
    pub title: String,
    pub description: String,
}

impl NewStream {
    pub fn parse(title: &str, description: &str) -> Result<Self, AppError> {
        Ok(Self {
            title: required("title", title, "A title", TITLE_MAX)?,
            description: bounded(
                "description",
                description,
                "The description",
                DESCRIPTION_MAX,
            )?,
        })
    }
}

/// "3 watching", "1 watching", "No one watching yet".
pub fn viewers_label(viewers: i64) -> String {
    match viewers {
        0 => "No one watching yet".into(),
        n => format!("{n} watching"),
    }
}

/// "under a minute", "12 min", "1 h 05 min": how long from `from` to `to`.
pub fn duration_label(from: i64, to: i64) -> String {
    let minutes = ((to - from).max(0) / 60_000) as u64;
    match minutes {
        0 => "under a minute".into(),
        m if m < 60 => format!("{m} min"),
        m => format!("{} h {:02} min", m / 60, m % 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_is_required_and_both_fields_are_bounded() {
        let ok = NewStream::parse("  Friday jam  ", "Bring requests").unwrap();
        assert_eq!(ok.title, "Friday jam");
        for (title, description, field) in [
            ("   ", "", "title"),
            (&"x".repeat(TITLE_MAX + 1) as &str, "", "title"),
            (
                "Jam",
                &"y".repeat(DESCRIPTION_MAX + 1) as &str,
                "description",
            ),
        ] {
            match NewStream::parse(title, description) {
                Err(AppError::BadRequest { field: Some(f), .. }) => assert_eq!(f, field),
                other => panic!("{other:?}"),
            }
        }
        assert!(NewStream::parse(&"é".repeat(TITLE_MAX), "").is_ok());
    }

    #[test]
    fn labels_read_naturally() {
        assert_eq!(viewers_label(0), "No one watching yet");
        assert_eq!(viewers_label(3), "3 watching");
        assert_eq!(duration_label(0, 30_000), "under a minute");
        assert_eq!(duration_label(0, 12 * 60_000), "12 min");
        assert_eq!(duration_label(0, 65 * 60_000), "1 h 05 min");
        assert_eq!(duration_label(10, 0), "under a minute");
    }
}
