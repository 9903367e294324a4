//! Chat types shared by the server and the browser, their limits, and the
//! pure helpers (validation, links in text, presence from a heartbeat).

use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::kernel::text_enum::text_enum;
use crate::live::protocol::{MessageView, Presence};

/// Longest message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4000;
/// Messages can be edited for this long after they were sent.
pub const EDIT_WINDOW_MS: i64 = 15 * 60 * 1000;
pub const MAX_ROOM_NAME_CHARS: usize = 80;
pub const MAX_TOPIC_CHARS: usize = 300;
pub const MAX_STATUS_CHARS: usize = 80;
/// Most members of one room.
pub const MAX_MEMBERS: i64 = 5000;
/// History pages: the default and the largest.
pub const PAGE: i64 = 50;
pub const MAX_PAGE: i64 = 100;
/// A heartbeat older than this means offline, whatever was last said.
pub const PRESENCE_TTL_MS: i64 = 150_000;

text_enum! {
    pub enum RoomKind {
        Group = "group",
        Direct = "direct",
        Booking = "booking",
        Order = "order",
        /// A live stream's chat: its viewers join by opening the stream.
        Stream = "stream",
    }
}

text_enum! {
    pub enum Visibility {
        Public = "public",
        Private = "private",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    Member,
    Moderator,
    Owner,
}

impl MemberRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Moderator => "moderator",
            Self::Member => "member",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "owner" => Some(Self::Owner),
            "moderator" => Some(Self::Moderator),
            "member" => Some(Self::Member),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Owner => "Owner",
            Self::Moderator => "Moderator",
            Self::Member => "Member",
        }
    }

    /// Moderators and owners delete any message and manage members.
    pub fn moderates(self) -> bool {
        self >= Self::Moderator
    }
}

impl Presence {
    /// What a stored presence means now: without a recent heartbeat
    /// (a closed laptop, a crashed instance) a person is offline.
    pub fn effective(stored: &str, last_seen_at: Option<i64>, now: i64) -> Self {
        match last_seen_at {
            Some(seen) if now - seen <= PRESENCE_TTL_MS => Self::parse(stored),
            _ => Self::Offline,
        }
    }
}

impl MessageView {
    pub fn editable_by(&self, user_id: i64, now: i64) -> bool {
        !self.deleted && self.author_id == user_id && now - self.created_at <= EDIT_WINDOW_MS
    }
}

/// One page of history, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagePage {
    pub messages: Vec<MessageView>,
    /// Pass as `before` for the next (older) page; `None` at the start.
    pub next_before: Option<i64>,
}

/// What changed after a number of the room's counter, oldest change first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changes {
    pub messages: Vec<MessageView>,
    /// The counter the client is up to after applying these.
    pub seq: i64,
    /// More changes follow (ask again from `seq`).
    pub more: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preview {
    pub author_name: String,
    pub text: String,
    pub deleted: bool,
    pub at: i64,
}

/// A room in someone's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomSummary {
    pub id: i64,
    pub kind: RoomKind,
    /// The room's name; for a direct conversation, the other person's.
    pub name: String,
    pub topic: String,
    pub visibility: Visibility,
    pub member_count: i64,
    pub unread: i64,
    pub last: Option<Preview>,
    /// A direct conversation's other person, with their presence.
    pub other: Option<(i64, Presence)>,
    pub joined: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomList {
    pub rooms: Vec<RoomSummary>,
    pub unread_total: i64,
}

/// What the viewer may do in a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RoomCan {
    pub post: bool,
    pub join: bool,
    pub leave: bool,
    pub invite: bool,
    /// Rename, change roles, remove members.
    pub manage: bool,
    /// Delete others' messages.
    pub moderate: bool,
    pub delete_room: bool,
}

/// A room as the viewer opens it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomView {
    pub id: i64,
    pub kind: RoomKind,
    pub name: String,
    pub topic: String,
    pub visibility: Visibility,
    pub member_count: i64,
    pub role: Option<MemberRole>,
    /// The room's counter when this was read.
    pub seq: i64,
    pub last_read_seq: i64,
    pub can: RoomCan,
    /// The booking or order page a thread belongs to: (href, label).
    pub subject: Option<(String, String)>,
    pub other: Option<MemberView>,
    pub viewer_id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub user_id: i64,
    pub name: String,
    pub avatar_url: Option<String>,
    pub role: MemberRole,
    pub presence: Presence,
    pub last_seen_at: Option<i64>,
    pub status_text: String,
}

/// An opened room with its newest messages (what the chat page renders).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenedRoom {
    pub room: RoomView,
    pub page: MessagePage,
}

/// A message body as sent: line ends normalized, 1–4000 characters, not blank.
pub fn check_body(raw: &str) -> Result<String, AppError> {
    let body = raw.replace("\r\n", "\n").replace('\r', "\n");
    let body = body.trim_end().trim_start_matches('\n').to_string();
    if body.trim().is_empty() {
        return Err(AppError::bad_request("body", "Write a message."));
    }
    let chars = body.chars().count();
    if chars > MAX_MESSAGE_CHARS {
        return Err(AppError::bad_request(
            "body",
            format!("Messages are at most {MAX_MESSAGE_CHARS} characters; this one has {chars}."),
        ));
    }
    Ok(body)
}

/// A client's id for a message: up to 64 letters, digits, `-` or `_`.
pub fn check_client_id(raw: Option<&str>) -> Result<Option<String>, AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(id)
            if id.len() <= 64
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
        {
            Ok(Some(id.to_string()))
        }
        Some(_) => Err(AppError::bad_request(
            "clientId",
            "A client id is up to 64 letters, digits, - or _.",
        )),
    }
}

/// A trimmed single-line text of at most `max` characters.
pub fn check_line(field: &str, raw: &str, max: usize, required: bool) -> Result<String, AppError> {
    let text = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if required && text.is_empty() {
        return Err(AppError::bad_request(field, "This is required."));
    }
    if text.chars().count() > max {
        return Err(AppError::bad_request(
            field,
            format!("At most {max} characters."),
        ));
    }
    Ok(text)
}

/// A piece of a message as shown: plain text, or a link to make clickable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment<'a> {
    Text(&'a str),
    Link(&'a str),
}

/// Splits text into plain parts and `http(s)://` links. Punctuation that
/// ends a sentence is left out of a link, and a closing parenthesis only
/// belongs to it when the link opened one.
pub fn segments(text: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    // Start of the plain text not yet pushed, and where to look next.
    let (mut plain, mut at) = (0, 0);
    while let Some(start) = find_link_start(text, at) {
        let tail = &text[start..];
        let end = link_end(tail);
        let scheme = if tail
            .get(..8)
            .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
        {
            8
        } else {
            7
        };
        if end <= scheme {
            // A bare scheme is text.
            at = start + scheme;
            continue;
        }
        if start > plain {
            out.push(Segment::Text(&text[plain..start]));
        }
        out.push(Segment::Link(&tail[..end]));
        plain = start + end;
        at = plain;
    }
    if plain < text.len() {
        out.push(Segment::Text(&text[plain..]));
    }
    out
}

/// Where a link that starts `tail` ends: at white space, less trailing
/// punctuation.
fn link_end(tail: &str) -> usize {
    let mut end = tail.find(char::is_whitespace).unwrap_or(tail.len());
    while let Some(last) = tail[..end].chars().last() {
        let link = &tail[..end];
        let trailing = matches!(
            last,
            '.' | ',' | ';' | ':' | '!' | '?' | '"' | '\'' | ']' | '>' | '<'
        ) || (last == ')' && link.matches('(').count() < link.matches(')').count());
        if !trailing {
            break;
        }
        end -= last.len_utf8();
    }
    end
}

/// The next `http://` or `https://` at or after `from` that doesn't sit
/// inside a word.
fn find_link_start(text: &str, from: usize) -> Option<usize> {
    // ASCII lower-casing keeps every byte where it was.
    let lower = text[from..].to_ascii_lowercase();
    let mut offset = 0;
    loop {
        let found = [
            lower[offset..].find("https://"),
            lower[offset..].find("http://"),
        ]
        .into_iter()
        .flatten()
        .min()?;
        let at = from + offset + found;
        if !text[..at].ends_with(|c: char| c.is_alphanumeric()) {
            return Some(at);
        }
        offset += found + 4;
    }
}

/// One line of at most 120 characters for a room list.
pub fn preview(body: &str) -> String {
    let line = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > 120 {
        let cut: String = line.chars().take(119).collect();
        format!("{cut}…")
    } else {
        line
    }
}

/// "Ada is typing…", "Ada and Bo are typing…", "3 people are typing…".
pub fn typing_label(names: &[String]) -> Option<String> {
    match names {
        [] => None,
        [one] => Some(format!("{one} is typing…")),
        [a, b] => Some(format!("{a} and {b} are typing…")),
        more => Some(format!("{} people are typing…", more.len())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_found_and_sentence_punctuation_is_left_out() {
        use Segment::*;
        assert_eq!(
            segments("see https://example.com/a?b=1, then"),
            vec![
                Text("see "),
                Link("https://example.com/a?b=1"),
                Text(", then")
            ]
        );
        assert_eq!(
            segments("(docs: http://x.org/wiki/Foo_(bar)) ok."),
            vec![
                Text("(docs: "),
                Link("http://x.org/wiki/Foo_(bar)"),
                Text(") ok.")
            ]
        );
        assert_eq!(segments("plain text"), vec![Text("plain text")]);
        assert_eq!(segments("https:// alone"), vec![Text("https:// alone")]);
        assert_eq!(
            segments("HTTPS://A.B end"),
            vec![Link("HTTPS://A.B"), Text(" end")]
        );
        assert_eq!(
            segments("nothttps://a.b"),
            vec![Text("nothttps://a.b")],
            "inside a word is not a link"
        );
        assert_eq!(
            segments("<script>alert(1)</script> https://a.b."),
            vec![
                Text("<script>alert(1)</script> "),
                Link("https://a.b"),
                Text(".")
            ]
        );
        assert_eq!(
            segments("héllo https://ü.example/ä"),
            vec![Text("héllo "), Link("https://ü.example/ä")]
        );
    }

    #[test]
    fn bodies_are_checked_at_the_boundary() {
        assert_eq!(check_body("  hi \r\n there \n\n").unwrap(), "  hi \n there");
        assert!(check_body(" \n\t ").is_err());
        assert!(check_body(&"x".repeat(MAX_MESSAGE_CHARS)).is_ok());
        assert!(check_body(&"é".repeat(MAX_MESSAGE_CHARS + 1)).is_err());
        assert_eq!(
            check_client_id(Some(" a-1_B ")).unwrap().as_deref(),
            Some("a-1_B")
        );
        assert_eq!(check_client_id(Some("")).unwrap(), None);
        assert!(check_client_id(Some("a b")).is_err());
        assert!(check_client_id(Some(&"a".repeat(65))).is_err());
        assert_eq!(
            check_line("name", "  Book   club ", 80, true).unwrap(),
            "Book club"
        );
        assert!(check_line("name", "   ", 80, true).is_err());
    }

    #[test]
    fn presence_needs_a_recent_heartbeat_and_the_edit_window_closes() {
        assert_eq!(
            Presence::effective("online", Some(1_000), 2_000),
            Presence::Online
        );
        assert_eq!(
            Presence::effective("away", Some(1_000), 2_000),
            Presence::Away
        );
        assert_eq!(
            Presence::effective("online", Some(0), PRESENCE_TTL_MS + 1),
            Presence::Offline
        );
        assert_eq!(Presence::effective("online", None, 0), Presence::Offline);
        let message = MessageView {
            id: 1,
            room_id: 1,
            seq: 1,
            change_seq: 1,
            author_id: 7,
            author_name: "Ada".into(),
            author_avatar: None,
            body: "hi".into(),
            client_id: None,
            created_at: 0,
            edited_at: None,
            deleted: false,
        };
        assert!(message.editable_by(7, EDIT_WINDOW_MS));
        assert!(!message.editable_by(7, EDIT_WINDOW_MS + 1));
        assert!(!message.editable_by(8, 0));
        assert_eq!(preview("a\n b"), "a b");
        assert_eq!(preview(&"x".repeat(200)).chars().count(), 120);
        assert_eq!(
            typing_label(&["Ada".into(), "Bo".into()]).as_deref(),
            Some("Ada and Bo are typing…")
        );
    }
}
