//! Messages: send (idempotent by the client's id), edit (the author, within
//! 15 minutes), delete (the author, the room's moderators, admins in
//! public rooms), history pages, changes since a number, read markers.
//!
//! Every write first bumps the room's counter (`UPDATE chat_rooms SET seq =
//! seq + 1 … RETURNING seq`), which also takes the room's row lock, so one
//! room's writes are numbered in the order they commit and a retried send
//! finds the first one.

use super::model::{
    Changes, EDIT_WINDOW_MS, MAX_PAGE, MessagePage, OpenedRoom, PAGE, check_body, check_client_id,
};
use super::rooms::{self, RoomRow};
use crate::accounts::service::AuthUser;
use crate::error::AppError;
use crate::kernel::db::Constraint;
use crate::kernel::idempotency::{self, Begun, Fingerprint, Key, Request, Scope};
use crate::kernel::ids::{MessageId, RoomId};
use crate::kernel::time::now_millis;
use crate::live::protocol::MessageView;
use crate::live::protocol::{Notice, Payload, Topic};
use crate::state::AppState;

#[derive(Debug, Clone, sqlx::FromRow)]
struct MessageRow {
    id: i64,
    room_id: i64,
    seq: i64,
    change_seq: i64,
    author_id: i64,
    author_name: String,
    avatar_path: Option<String>,
    body: String,
    client_id: Option<String>,
    created_at: i64,
    edited_at: Option<i64>,
    deleted_at: Option<i64>,
}

impl MessageRow {
    fn view(self) -> MessageView {
        MessageView {
            id: self.id,
            room_id: self.room_id,
            seq: self.seq,
            change_seq: self.change_seq,
            author_id: self.author_id,
            author_name: self.author_name,
            author_avatar: self.avatar_path.map(|file| format!("/avatars/{file}")),
            body: if self.deleted_at.is_some() {
                String::new()
            } else {
                self.body
            },
            client_id: self.client_id,
            created_at: self.created_at,
            edited_at: self.edited_at,
            deleted: self.deleted_at.is_some(),
        }
    }
}

const MESSAGE_SELECT: &str = "SELECT x.id, x.room_id, x.seq, x.change_seq, x.author_id, \
     u.display_name AS author_name, u.avatar_path, x.body, x.client_id, x.created_at, \
     x.edited_at, x.deleted_at FROM chat_messages x JOIN users u ON u.id = x.author_id";

async fn message_row<'e, E>(db: E, id: i64) -> Result<Option<MessageRow>, AppError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Ok(sqlx::query_as(&format!("{MESSAGE_SELECT} WHERE x.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?)
}

/// A message as everyone sees it, straight from the database (for the bus).
pub async fn view_of(db: &crate::kernel::db::Db, id: i64) -> Result<Option<MessageView>, AppError> {
    Ok(message_row(db.pool(), id).await?.map(MessageRow::view))
}

fn not_found() -> AppError {
    AppError::NotFound("That message".into())
}

/// A sent message and whether this call made it (`false`: a retry).
/// A client id names one message of its author in a room (kept on the
/// message for the author's browser; the key's day may have passed).
const ONE_PER_CLIENT_ID: Constraint = Constraint::unique(
    "chat_messages_room_id_author_id_client_id_key",
    "chat_messages.room_id, chat_messages.author_id, chat_messages.client_id",
);

pub struct Sent {
    pub message: MessageView,
    pub created: bool,
}

/// How many messages one person may send: a burst, then a steady rate.
pub async fn check_rate(
    state: &AppState,
    conn: &mut sqlx::AnyConnection,
    user: &AuthUser,
) -> Result<(), AppError> {
    state.chat_limiter.check(conn, user.id).await
}

/// Sends a message to a room `user` is a member of. With a client id, a
/// retry returns the first message (and a different text under the same
/// id is a conflict).
pub async fn send(
    state: &AppState,
    user: &AuthUser,
    room_id: RoomId,
    body: &str,
    client_id: Option<Key>,
) -> Result<Sent, AppError> {
    let body = check_body(body)?;
    // Kept on the message for the author's browser: a shorter alphabet.
    check_client_id(client_id.as_ref().map(Key::as_str))?;
    // A client id names a message in one room (as the messages' own
    // constraint has it), so the key is the room's and the id.
    let request = match &client_id {
        Some(id) => {
            let key = Key::parse("clientId", &format!("{room_id}:{}", id.as_str()))?;
            Some(Request::new(
                user.id,
                Scope::ChatMessage,
                key,
                Fingerprint::of(&[&body]),
            ))
        }
        None => None,
    };
    let now = now_millis();
    // The key's claim first: a retry gets the first message back, even over
    // the rate limit or after the room closed.
    let mut tx = match idempotency::begin(state.db.pool(), request.as_ref()).await? {
        Begun::Replayed(message) => {
            return Ok(Sent {
                message,
                created: false,
            });
        }
        Begun::Fresh(tx) => tx,
    };
    // The person's allowance before the room's lock (not held while the
    // shared count is written); a refusal rolls the count back with the rest.
    check_rate(state, &mut tx, user).await?;
    // The counter (the room's lock), for members of a live room only (a
    // stream's chat closes when the stream ends).
    let seq: Option<(i64,)> = sqlx::query_as(
        "UPDATE chat_rooms SET seq = seq + 1, last_message_at = $3, updated_at = $3 \
         WHERE id = $1 AND deleted_at IS NULL \
         AND EXISTS (SELECT 1 FROM chat_members m WHERE m.room_id = $1 AND m.user_id = $2) \
         AND (kind <> 'stream' OR EXISTS (SELECT 1 FROM streams s WHERE s.room_id = $1 AND s.status = 'live')) \
         RETURNING seq",
    )
    .bind(room_id)
    .bind(user.id)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((seq,)) = seq else {
        drop(tx);
        // Say why: not there, not a member, or a stream that ended.
        let room = rooms::member_of(state, user, room_id).await?;
        if room.kind() == super::model::RoomKind::Stream {
            return Err(AppError::Conflict(
                "This stream has ended; its chat is closed.".into(),
            ));
        }
        return Err(rooms_gone());
    };
    let inserted: Result<(i64,), sqlx::Error> = sqlx::query_as(
        "INSERT INTO chat_messages (room_id, author_id, seq, change_seq, body, client_id, created_at) \
         VALUES ($1, $2, $3, $3, $4, $5, $6) RETURNING id",
    )
    .bind(room_id)
    .bind(user.id)
    .bind(seq)
    .bind(&body)
    .bind(client_id.as_ref().map(Key::as_str))
    .bind(now)
    .fetch_one(&mut *tx)
    .await;
    let id = match inserted {
        Ok((id,)) => id,
        // The key was forgotten (a day has passed) but the message is there.
        Err(e) if ONE_PER_CLIENT_ID.broken_by(&e) => {
            drop(tx);
            return sent_before(state, user, room_id, client_id.as_ref(), &body).await;
        }
        Err(e) => return Err(AppError::from(e)),
    };
    // One's own message is read.
    sqlx::query("UPDATE chat_members SET last_read_seq = $3 WHERE room_id = $1 AND user_id = $2")
        .bind(room_id)
        .bind(user.id)
        .bind(seq)
        .execute(&mut *tx)
        .await?;
    let message = message_row(&mut *tx, id)
        .await?
        .ok_or_else(not_found)?
        .view();
    idempotency::commit(tx, request.as_ref(), &message).await?;
    publish(state, &message);
    announce(state, user, &message).await;
    Ok(Sent {
        message,
        created: true,
    })
}

/// A room as its page opens it: the room, its latest messages (or those
/// before `before`), and read up to now.
pub async fn open(
    state: &AppState,
    user: &AuthUser,
    room: rooms::RoomRow,
    before: Option<i64>,
) -> Result<OpenedRoom, AppError> {
    // The counter before the page: anything newer comes as a change.
    let mut view = rooms::view(state, user, &room).await?;
    let page = page(state, room.id, before, None).await?;
    if view.role.is_some() && view.last_read_seq < view.seq {
        mark_read(state, user, RoomId::new(room.id), view.seq).await?;
        view.last_read_seq = view.seq;
    }
    Ok(OpenedRoom { room: view, page })
}

/// The message this author sent with this client id, if it says the same;
/// a 409 if the id named another message.
async fn sent_before(
    state: &AppState,
    user: &AuthUser,
    room_id: RoomId,
    client_id: Option<&Key>,
    body: &str,
) -> Result<Sent, AppError> {
    let earlier: Option<(i64,)> = sqlx::query_as(
        "SELECT id FROM chat_messages WHERE room_id = $1 AND author_id = $2 AND client_id = $3",
    )
    .bind(room_id)
    .bind(user.id)
    .bind(client_id.map(Key::as_str))
    .fetch_optional(state.db.pool())
    .await?;
    let row = match earlier {
        Some((id,)) => message_row(state.db.pool(), id).await?,
        None => None,
    }
    .ok_or_else(|| AppError::Conflict("This message is being sent already.".into()))?;
    if row.deleted_at.is_none() && row.body != body {
        return Err(AppError::Conflict(
            "This client id was already used for another message.".into(),
        ));
    }
    Ok(Sent {
        message: row.view(),
        created: false,
    })
}

fn rooms_gone() -> AppError {
    AppError::NotFound("That conversation".into())
}

/// The message, as it now is, to everyone following the room.
fn publish(state: &AppState, message: &MessageView) {
    state.live.publish_everywhere(
        Topic::Room(message.room_id),
        Payload::ChatMessage {
            room_id: message.room_id,
            message: message.clone(),
        },
    );
}

/// Tells the room's other members (where they are connected) about a new
/// message, for their unread counts.
async fn announce(state: &AppState, author: &AuthUser, message: &MessageView) {
    let (members, room) = match (
        rooms::member_ids(state, message.room_id).await,
        rooms::readable(state, author, RoomId::new(message.room_id)).await,
    ) {
        (Ok(members), Ok(room)) => (members, room),
        _ => return,
    };
    let others: Vec<i64> = members.into_iter().filter(|id| *id != author.id).collect();
    let room_name = match room.kind() {
        // A stream's chat counts nobody's unread messages.
        super::model::RoomKind::Stream => return,
        super::model::RoomKind::Direct => author.me.display_name.clone(),
        _ => room.name.clone(),
    };
    state.live.notify_followers(
        &others,
        Notice::ChatMessage {
            room_id: message.room_id,
            message_id: message.id,
            room_name,
            author_name: message.author_name.clone(),
            preview: super::model::preview(&message.body),
        },
    );
}

/// Runs `change` on a message after bumping its room's counter, in one
/// transaction; the change gets the new number.
async fn change_message<F>(
    state: &AppState,
    user: &AuthUser,
    id: i64,
    check: F,
    change: &str,
    bind_body: Option<&str>,
) -> Result<MessageView, AppError>
where
    F: Fn(&MessageRow, &RoomRow) -> Option<AppError>,
{
    let row = message_row(state.db.pool(), id)
        .await?
        .ok_or_else(not_found)?;
    let room = rooms::readable(state, user, RoomId::new(row.room_id))
        .await
        .map_err(|_| not_found())?;
    if let Some(refusal) = check(&row, &room) {
        return Err(refusal);
    }
    let now = now_millis();
    let mut tx = state.db.pool().begin().await?;
    let (seq,): (i64,) = sqlx::query_as(
        "UPDATE chat_rooms SET seq = seq + 1, updated_at = $2 WHERE id = $1 AND deleted_at IS NULL \
         RETURNING seq",
    )
    .bind(row.room_id)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(rooms_gone)?;
    let mut query = sqlx::query(change)
        .bind(id)
        .bind(seq)
        .bind(now)
        .bind(user.id);
    if let Some(body) = bind_body {
        query = query.bind(body);
    }
    let done = query.execute(&mut *tx).await?;
    if done.rows_affected() != 1 {
        // Rolled back: the counter keeps its number.
        return Err(AppError::Conflict(
            "This message changed meanwhile (deleted, or too old to edit).".into(),
        ));
    }
    let fresh = message_row(&mut *tx, id).await?.ok_or_else(not_found)?;
    tx.commit().await?;
    let message = fresh.view();
    publish(state, &message);
    Ok(message)
}

/// The author edits their message within 15 minutes of sending it.
pub async fn edit(
    state: &AppState,
    user: &AuthUser,
    id: MessageId,
    body: &str,
) -> Result<MessageView, AppError> {
    let body = check_body(body)?;
    let now = now_millis();
    change_message(
        state,
        user,
        id.get(),
        |row, room| {
            if row.author_id != user.id || room.role().is_none() {
                Some(AppError::NotAllowed(
                    "You can only edit your own messages.".into(),
                ))
            } else if row.deleted_at.is_some() {
                Some(AppError::Conflict("This message was deleted.".into()))
            } else if now - row.created_at > EDIT_WINDOW_MS {
                Some(AppError::Conflict(
                    "Messages can be edited for 15 minutes after sending.".into(),
                ))
            } else {
                None
            }
        },
        // $1 id, $2 seq, $3 now, $4 user, $5 body; the window is checked
        // again here, against the same clock.
        &format!(
            "UPDATE chat_messages SET body = $5, edited_at = $3, change_seq = $2 \
             WHERE id = $1 AND author_id = $4 AND deleted_at IS NULL AND created_at >= $3 - {EDIT_WINDOW_MS}"
        ),
        Some(&body),
    )
    .await
}

/// Deletes a message: its author, the room's moderators, or an admin in a
/// public room. The text is erased; "message deleted" stays in its place.
pub async fn delete(
    state: &AppState,
    user: &AuthUser,
    id: MessageId,
) -> Result<MessageView, AppError> {
    change_message(
        state,
        user,
        id.get(),
        |row, room| {
            let own = row.author_id == user.id && room.role().is_some();
            if !own && !room.can(user).moderate {
                Some(AppError::NotAllowed(
                    "You can only delete your own messages.".into(),
                ))
            } else if row.deleted_at.is_some() {
                Some(AppError::Conflict(
                    "This message was already deleted.".into(),
                ))
            } else {
                None
            }
        },
        "UPDATE chat_messages SET body = '', deleted_at = $3, deleted_by = $4, change_seq = $2 \
         WHERE id = $1 AND deleted_at IS NULL",
        None,
    )
    .await
}

/// A page of history, newest first: messages before `before` (a `seq`).
pub async fn history(
    state: &AppState,
    user: &AuthUser,
    room_id: RoomId,
    before: Option<i64>,
    limit: Option<i64>,
) -> Result<MessagePage, AppError> {
    rooms::readable(state, user, room_id).await?;
    page(state, room_id.get(), before, limit).await
}

pub(crate) async fn page(
    state: &AppState,
    room_id: i64,
    before: Option<i64>,
    limit: Option<i64>,
) -> Result<MessagePage, AppError> {
    let limit = limit.unwrap_or(PAGE).clamp(1, MAX_PAGE);
    let before = before.unwrap_or(i64::MAX);
    let mut rows: Vec<MessageRow> = sqlx::query_as(&format!(
        "{MESSAGE_SELECT} WHERE x.room_id = $1 AND x.seq < $2 ORDER BY x.seq DESC LIMIT $3"
    ))
    .bind(room_id)
    .bind(before)
    .bind(limit + 1)
    .fetch_all(state.db.pool())
    .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_before = if more {
        rows.last().map(|r| r.seq)
    } else {
        None
    };
    Ok(MessagePage {
        messages: rows.into_iter().map(MessageRow::view).collect(),
        next_before,
    })
}

/// What changed in a room after the counter reached `after`, oldest first
/// (new messages, and edited or deleted ones as they now are).
pub async fn changes(
    state: &AppState,
    user: &AuthUser,
    room_id: RoomId,
    after: i64,
) -> Result<Changes, AppError> {
    let room = rooms::readable(state, user, room_id).await?;
    const LIMIT: i64 = 200;
    let mut rows: Vec<MessageRow> = sqlx::query_as(&format!(
        "{MESSAGE_SELECT} WHERE x.room_id = $1 AND x.change_seq > $2 ORDER BY x.change_seq LIMIT $3"
    ))
    .bind(room_id)
    .bind(after)
    .bind(LIMIT + 1)
    .fetch_all(state.db.pool())
    .await?;
    let more = rows.len() as i64 > LIMIT;
    rows.truncate(LIMIT as usize);
    // Up to the room's counter as read before, or the last change listed.
    let seq = if more {
        rows.last().map_or(after, |r| r.change_seq)
    } else {
        rows.last().map_or(room.seq, |r| r.change_seq.max(room.seq))
    };
    Ok(Changes {
        messages: rows.into_iter().map(MessageRow::view).collect(),
        seq,
        more,
    })
}

/// Marks a room read up to `seq` (never backwards), then tells the
/// person's tabs their new unread total.
pub async fn mark_read(
    state: &AppState,
    user: &AuthUser,
    room_id: RoomId,
    seq: i64,
) -> Result<i64, AppError> {
    let room = rooms::member_of(state, user, room_id).await?;
    let seq = seq.clamp(0, room.seq);
    let done = sqlx::query(
        "UPDATE chat_members SET last_read_seq = $3 \
         WHERE room_id = $1 AND user_id = $2 AND last_read_seq < $3",
    )
    .bind(room_id)
    .bind(user.id)
    .bind(seq)
    .execute(state.db.pool())
    .await?;
    let total = unread_total(state, user.id).await?;
    if done.rows_affected() == 1 {
        state.live.notify_user(
            user.id,
            Notice::ChatRead {
                room_id: room_id.get(),
                unread_total: total,
            },
        );
    }
    Ok(total)
}

/// Unread messages over every room of the person.
pub async fn unread_total(state: &AppState, user_id: i64) -> Result<i64, AppError> {
    let (total,): (i64,) = sqlx::query_as(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM chat_members m \
         JOIN chat_rooms r ON r.id = m.room_id AND r.deleted_at IS NULL AND r.kind <> 'stream' \
         JOIN chat_messages x ON x.room_id = m.room_id AND x.seq > m.last_read_seq \
         WHERE m.user_id = $1 AND x.author_id <> $1 AND x.deleted_at IS NULL",
    )
    .bind(user_id)
    .fetch_one(state.db.pool())
    .await?;
    Ok(total)
}
