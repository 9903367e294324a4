//! Rooms and their members: who may read and write where, group rooms
//! (create, join, invite, leave, roles, rename, delete), direct
//! conversations, and the threads of bookings and orders.
//!
//! Reading is for members only, checked on every call. A private room, a
//! direct conversation or a thread is "not found" to anyone else, so ids
//! can't be probed; a public room says "join it first". Admins may read
//! and moderate public rooms without joining.

use super::model::{
    MAX_MEMBERS, MAX_ROOM_NAME_CHARS, MAX_TOPIC_CHARS, MemberRole, MemberView, Preview, RoomCan,
    RoomKind, RoomList, RoomSummary, RoomView, Visibility, check_line,
};
use crate::accounts::model::Role;
use crate::accounts::service::AuthUser;
use crate::error::AppError;
use crate::kernel::db::Constraint;
use crate::kernel::ids::{RoomId, UserId};
use crate::kernel::time::now_millis;
use crate::live::protocol::Presence;
use crate::live::protocol::{Payload, Topic};
use crate::state::AppState;

/// One direct conversation per pair, one thread per booking or order.
const ONE_PER_SUBJECT: Constraint =
    Constraint::unique("chat_rooms_subject_key_key", "chat_rooms.subject_key");

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RoomRow {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub topic: String,
    pub visibility: String,
    pub subject_key: Option<String>,
    pub seq: i64,
    pub member_count: i64,
    pub role: Option<String>,
    pub last_read_seq: Option<i64>,
}

impl RoomRow {
    pub fn kind(&self) -> RoomKind {
        RoomKind::parse(&self.kind).unwrap_or(RoomKind::Group)
    }

    pub fn visibility(&self) -> Visibility {
        Visibility::parse(&self.visibility).unwrap_or(Visibility::Private)
    }

    pub fn role(&self) -> Option<MemberRole> {
        self.role.as_deref().and_then(MemberRole::parse)
    }

    fn is_public_group(&self) -> bool {
        self.kind() == RoomKind::Group && self.visibility() == Visibility::Public
    }

    /// Public groups and stream chats: admins read and moderate them
    /// without joining.
    fn is_open(&self) -> bool {
        self.is_public_group() || self.kind() == RoomKind::Stream
    }

    /// What `user` may do here.
    pub fn can(&self, user: &AuthUser) -> RoomCan {
        let role = self.role();
        let group = self.kind() == RoomKind::Group;
        let admin = user.role == Role::Admin;
        let moderates = role.is_some_and(MemberRole::moderates);
        RoomCan {
            post: role.is_some(),
            join: role.is_none() && self.is_public_group(),
            leave: role.is_some() && group,
            invite: group && moderates,
            manage: group && moderates,
            moderate: moderates || (admin && self.is_open()),
            delete_room: group && (role == Some(MemberRole::Owner) || admin),
        }
    }

    /// The booking or order page a thread belongs to.
    fn subject(&self) -> Option<(String, String)> {
        let (kind, id) = self.subject_key.as_deref()?.split_once(':')?;
        match kind {
            "booking" => Some((format!("/bookings/{id}"), format!("Booking #{id}"))),
            "order" => Some((format!("/orders/{id}"), format!("Order #{id}"))),
            _ => None,
        }
    }
}

const ROOM_SELECT: &str = "SELECT r.id, r.kind, r.name, r.topic, r.visibility, r.subject_key, \
     r.seq, r.member_count, m.role, m.last_read_seq FROM chat_rooms r \
     LEFT JOIN chat_members m ON m.room_id = r.id AND m.user_id = $2 \
     WHERE r.id = $1 AND r.deleted_at IS NULL";

fn not_found() -> AppError {
    AppError::NotFound("That conversation".into())
}

/// The room if `user` may read it: a member, or an admin in a public room.
pub async fn readable(state: &AppState, user: &AuthUser, id: RoomId) -> Result<RoomRow, AppError> {
    let row: Option<RoomRow> = sqlx::query_as(ROOM_SELECT)
        .bind(id)
        .bind(user.id)
        .fetch_optional(state.db.pool())
        .await?;
    match row {
        Some(room) if room.role.is_some() => Ok(room),
        Some(room) if room.is_open() && user.role == Role::Admin => Ok(room),
        Some(room) if room.is_public_group() => Err(AppError::NotAllowed(
            "Join this room to read and write in it.".into(),
        )),
        _ => Err(not_found()),
    }
}

/// The room if `user` is a member of it.
pub async fn member_of(state: &AppState, user: &AuthUser, id: RoomId) -> Result<RoomRow, AppError> {
    let room = readable(state, user, id).await?;
    if room.role.is_none() {
        return Err(AppError::NotAllowed(
            "Join this room to write in it.".into(),
        ));
    }
    Ok(room)
}

/// A room's view for `user` (who may read it).
pub async fn view(state: &AppState, user: &AuthUser, room: &RoomRow) -> Result<RoomView, AppError> {
    let other = if room.kind() == RoomKind::Direct {
        members_of(state, room.id)
            .await?
            .into_iter()
            .find(|m| m.user_id != user.id)
    } else {
        None
    };
    let name = match (&other, room.kind()) {
        (Some(other), RoomKind::Direct) => other.name.clone(),
        _ => room.name.clone(),
    };
    Ok(RoomView {
        id: room.id,
        kind: room.kind(),
        name,
        topic: room.topic.clone(),
        visibility: room.visibility(),
        member_count: room.member_count,
        role: room.role(),
        seq: room.seq,
        last_read_seq: room.last_read_seq.unwrap_or(0),
        can: room.can(user),
        subject: room.subject(),
        other,
        viewer_id: user.id,
    })
}

#[derive(Debug, sqlx::FromRow)]
struct MemberRow {
    id: i64,
    display_name: String,
    avatar_path: Option<String>,
    role: String,
    presence: String,
    last_seen_at: Option<i64>,
    status_text: String,
}

async fn members_of(state: &AppState, room_id: i64) -> Result<Vec<MemberView>, AppError> {
    let rows: Vec<MemberRow> = sqlx::query_as(
        "SELECT u.id, u.display_name, u.avatar_path, m.role, u.presence, u.last_seen_at, \
         u.status_text FROM chat_members m JOIN users u ON u.id = m.user_id \
         WHERE m.room_id = $1 ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'moderator' THEN 1 \
         ELSE 2 END, lower(u.display_name), u.id LIMIT 1000",
    )
    .bind(room_id)
    .fetch_all(state.db.pool())
    .await?;
    let now = now_millis();
    Ok(rows
        .into_iter()
        .map(|r| MemberView {
            user_id: r.id,
            name: r.display_name,
            avatar_url: r.avatar_path.map(|file| format!("/avatars/{file}")),
            role: MemberRole::parse(&r.role).unwrap_or(MemberRole::Member),
            presence: Presence::effective(&r.presence, r.last_seen_at, now),
            last_seen_at: r.last_seen_at,
            status_text: r.status_text,
        })
        .collect())
}

/// The members of a room `user` may read (the first thousand).
pub async fn members(
    state: &AppState,
    user: &AuthUser,
    room_id: RoomId,
) -> Result<Vec<MemberView>, AppError> {
    readable(state, user, room_id).await?;
    members_of(state, room_id.get()).await
}

/// Everyone in a room, to notify (no limit).
pub async fn member_ids(state: &AppState, room_id: i64) -> Result<Vec<i64>, AppError> {
    let rows: Vec<(i64,)> = sqlx::query_as("SELECT user_id FROM chat_members WHERE room_id = $1")
        .bind(room_id)
        .fetch_all(state.db.pool())
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

#[derive(Debug, sqlx::FromRow)]
struct ListRow {
    id: i64,
    kind: String,
    name: String,
    topic: String,
    visibility: String,
    member_count: i64,
    unread: i64,
    last_body: Option<String>,
    last_deleted_at: Option<i64>,
    last_at: Option<i64>,
    last_author: Option<String>,
    other_id: Option<i64>,
    other_name: Option<String>,
    other_presence: Option<String>,
    other_seen: Option<i64>,
}

/// The rooms `user` is in, latest activity first, with unread counts.
pub async fn list(state: &AppState, user: &AuthUser) -> Result<RoomList, AppError> {
    let rows: Vec<ListRow> = sqlx::query_as(
        "SELECT r.id, r.kind, r.name, r.topic, r.visibility, r.member_count, \
         (SELECT COUNT(*) FROM chat_messages x WHERE x.room_id = r.id AND x.seq > m.last_read_seq \
           AND x.author_id <> m.user_id AND x.deleted_at IS NULL) AS unread, \
         lm.body AS last_body, lm.deleted_at AS last_deleted_at, lm.created_at AS last_at, \
         lu.display_name AS last_author, o.id AS other_id, o.display_name AS other_name, \
         o.presence AS other_presence, o.last_seen_at AS other_seen \
         FROM chat_members m JOIN chat_rooms r ON r.id = m.room_id AND r.deleted_at IS NULL \
         LEFT JOIN chat_messages lm ON lm.room_id = r.id \
           AND lm.seq = (SELECT MAX(y.seq) FROM chat_messages y WHERE y.room_id = r.id) \
         LEFT JOIN users lu ON lu.id = lm.author_id \
         LEFT JOIN chat_members om ON r.kind = 'direct' AND om.room_id = r.id AND om.user_id <> m.user_id \
         LEFT JOIN users o ON o.id = om.user_id \
         WHERE m.user_id = $1 AND r.kind <> 'stream' \
         ORDER BY COALESCE(r.last_message_at, r.created_at) DESC, r.id DESC LIMIT 300",
    )
    .bind(user.id)
    .fetch_all(state.db.pool())
    .await?;
    let now = now_millis();
    let rooms: Vec<RoomSummary> = rows
        .into_iter()
        .map(|r| {
            let kind = RoomKind::parse(&r.kind).unwrap_or(RoomKind::Group);
            let other = r.other_id.map(|id| {
                (
                    id,
                    Presence::effective(
                        r.other_presence.as_deref().unwrap_or(""),
                        r.other_seen,
                        now,
                    ),
                )
            });
            let name = match (kind, r.other_name) {
                (RoomKind::Direct, Some(other)) => other,
                _ => r.name,
            };
            RoomSummary {
                id: r.id,
                kind,
                name,
                topic: r.topic,
                visibility: Visibility::parse(&r.visibility).unwrap_or(Visibility::Private),
                member_count: r.member_count,
                unread: r.unread,
                last: r.last_at.map(|at| Preview {
                    author_name: r.last_author.unwrap_or_default(),
                    text: super::model::preview(r.last_body.as_deref().unwrap_or("")),
                    deleted: r.last_deleted_at.is_some(),
                    at,
                }),
                other,
                joined: true,
            }
        })
        .collect();
    let unread_total = rooms.iter().map(|r| r.unread).sum();
    Ok(RoomList {
        rooms,
        unread_total,
    })
}

/// Public rooms to discover, the busiest first, optionally matching `q`.
pub async fn public_rooms(
    state: &AppState,
    user: &AuthUser,
    q: &str,
) -> Result<Vec<RoomSummary>, AppError> {
    let rows: Vec<(i64, String, String, i64, i64)> = sqlx::query_as(
        "SELECT r.id, r.name, r.topic, r.member_count, \
         CAST(CASE WHEN m.user_id IS NULL THEN 0 ELSE 1 END AS BIGINT) AS joined \
         FROM chat_rooms r LEFT JOIN chat_members m ON m.room_id = r.id AND m.user_id = $1 \
         WHERE r.kind = 'group' AND r.visibility = 'public' AND r.deleted_at IS NULL \
         AND (lower(r.name) LIKE $2 ESCAPE '\\' OR lower(r.topic) LIKE $2 ESCAPE '\\') \
         ORDER BY r.member_count DESC, r.id DESC LIMIT 50",
    )
    .bind(user.id)
    .bind(crate::kernel::db::like_pattern(q))
    .fetch_all(state.db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, topic, member_count, joined)| RoomSummary {
            id,
            kind: RoomKind::Group,
            name,
            topic,
            visibility: Visibility::Public,
            member_count,
            unread: 0,
            last: None,
            other: None,
            joined: joined == 1,
        })
        .collect())
}

/// Tells the room's followers that its name, topic or members changed.
pub fn changed(state: &AppState, room_id: i64, removed: Vec<i64>, deleted: bool) {
    state.live.publish_everywhere(
        Topic::Room(room_id),
        Payload::RoomChanged {
            room_id,
            version: now_millis(),
            removed,
            deleted,
        },
    );
}

type Tx<'c> = sqlx::Transaction<'c, sqlx::Any>;

/// Adds a member inside `tx` unless the room is full; `false` if they
/// already were one.
async fn add_member(
    tx: &mut Tx<'_>,
    room_id: i64,
    user_id: i64,
    role: MemberRole,
    now: i64,
) -> Result<bool, AppError> {
    let room = sqlx::query(
        "UPDATE chat_rooms SET member_count = member_count + 1, updated_at = $3 \
         WHERE id = $1 AND member_count < $2 AND deleted_at IS NULL",
    )
    .bind(room_id)
    .bind(MAX_MEMBERS)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    if room.rows_affected() != 1 {
        return Err(AppError::Conflict(format!(
            "This room is full ({MAX_MEMBERS} members)."
        )));
    }
    // A new member has read nothing yet: everything so far is unread to them
    // except what came before they joined.
    let added = sqlx::query(
        "INSERT INTO chat_members (room_id, user_id, role, last_read_seq, joined_at) \
         SELECT $1, $2, $3, r.seq, $4 FROM chat_rooms r WHERE r.id = $1 \
         ON CONFLICT (room_id, user_id) DO NOTHING",
    )
    .bind(room_id)
    .bind(user_id)
    .bind(role.as_str())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(added.rows_affected() == 1)
}

/// A new stream's chat, its host the owner (inside the stream's own
/// transaction).
pub async fn create_stream_room(
    tx: &mut Tx<'_>,
    host_id: i64,
    name: &str,
    now: i64,
) -> Result<i64, AppError> {
    let name: String = name.chars().take(MAX_ROOM_NAME_CHARS).collect();
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO chat_rooms (kind, name, visibility, created_by, created_at, updated_at) \
         VALUES ('stream', $1, 'private', $2, $3, $3) RETURNING id",
    )
    .bind(name)
    .bind(host_id)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    add_member(tx, id, host_id, MemberRole::Owner, now).await?;
    Ok(id)
}

/// A stream's chat for `user`, who becomes a member on first opening it
/// (stream chats have no member limit: they are as big as the audience).
pub async fn join_stream_room(
    state: &AppState,
    user: &AuthUser,
    room_id: i64,
) -> Result<RoomRow, AppError> {
    let now = now_millis();
    let mut tx = state.db.pool().begin().await?;
    let added = sqlx::query(
        "INSERT INTO chat_members (room_id, user_id, role, last_read_seq, joined_at) \
         SELECT r.id, $2, 'member', r.seq, $3 FROM chat_rooms r \
         WHERE r.id = $1 AND r.kind = 'stream' AND r.deleted_at IS NULL \
         ON CONFLICT (room_id, user_id) DO NOTHING",
    )
    .bind(room_id)
    .bind(user.id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if added.rows_affected() == 1 {
        sqlx::query("UPDATE chat_rooms SET member_count = member_count + 1 WHERE id = $1")
            .bind(room_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    readable(state, user, RoomId::new(room_id)).await
}

/// A new group room with `user` as its owner.
pub async fn create(
    state: &AppState,
    user: &AuthUser,
    name: &str,
    topic: &str,
    visibility: Visibility,
) -> Result<RoomView, AppError> {
    let name = check_line("name", name, MAX_ROOM_NAME_CHARS, true)?;
    let topic = check_line("topic", topic, MAX_TOPIC_CHARS, false)?;
    let now = now_millis();
    let mut tx = state.db.pool().begin().await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO chat_rooms (kind, name, topic, visibility, created_by, created_at, updated_at) \
         VALUES ('group', $1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(&name)
    .bind(&topic)
    .bind(visibility.as_str())
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    add_member(&mut tx, id, user.id, MemberRole::Owner, now).await?;
    tx.commit().await?;
    tracing::info!(room_id = id, "room created");
    let room = readable(state, user, RoomId::new(id)).await?;
    view(state, user, &room).await
}

/// Joins a public group room (again: no change).
pub async fn join(
    state: &AppState,
    user: &AuthUser,
    room_id: RoomId,
) -> Result<RoomView, AppError> {
    let room: Option<RoomRow> = sqlx::query_as(ROOM_SELECT)
        .bind(room_id)
        .bind(user.id)
        .fetch_optional(state.db.pool())
        .await?;
    let room = match room {
        Some(r) if r.role.is_some() => return view(state, user, &r).await,
        Some(r) if r.is_public_group() => r,
        _ => return Err(not_found()),
    };
    let now = now_millis();
    let mut tx = state.db.pool().begin().await?;
    if add_member(&mut tx, room.id, user.id, MemberRole::Member, now).await? {
        tx.commit().await?;
        changed(state, room.id, Vec::new(), false);
    }
    let room = readable(state, user, room_id).await?;
    view(state, user, &room).await
}

/// A moderator adds someone (by id) to a group room.
pub async fn invite(
    state: &AppState,
    user: &AuthUser,
    room_id: RoomId,
    invitee: i64,
) -> Result<Vec<MemberView>, AppError> {
    let room = readable(state, user, room_id).await?;
    may_invite(&room, user)?;
    let exists: Option<(i64,)> = sqlx::query_as("SELECT id FROM users WHERE id = $1")
        .bind(invitee)
        .fetch_optional(state.db.pool())
        .await?;
    if exists.is_none() {
        return Err(AppError::NotFound("That person".into()));
    }
    add_invitee(state, &room, invitee).await
}

/// Adds a person who exists to a room whose rights were checked.
async fn add_invitee(
    state: &AppState,
    room: &RoomRow,
    invitee: i64,
) -> Result<Vec<MemberView>, AppError> {
    let now = now_millis();
    let mut tx = state.db.pool().begin().await?;
    if add_member(&mut tx, room.id, invitee, MemberRole::Member, now).await? {
        tx.commit().await?;
        changed(state, room.id, Vec::new(), false);
    }
    members_of(state, room.id).await
}

/// A moderator adds someone by email address. The room's rights are
/// checked before the address is looked up: nobody else learns from it who
/// has an account.
pub async fn invite_by_email(
    state: &AppState,
    user: &AuthUser,
    room_id: RoomId,
    email: &str,
) -> Result<Vec<MemberView>, AppError> {
    let room = readable(state, user, room_id).await?;
    may_invite(&room, user)?;
    let email = crate::accounts::model::parse_email(email)?;
    let invitee = crate::accounts::service::look_up_by_email(state, user, &email)
        .await?
        .ok_or_else(|| AppError::bad_request("email", "Nobody has that email address here."))?;
    add_invitee(state, &room, invitee.id).await
}

fn may_invite(room: &RoomRow, user: &AuthUser) -> Result<(), AppError> {
    if room.can(user).invite {
        Ok(())
    } else {
        Err(AppError::NotAllowed(
            "Only the room's owner and moderators can add people.".into(),
        ))
    }
}

/// Leaves a group room. An owner who leaves hands the room to its longest
/// moderator (else its longest member); the last one out deletes it.
pub async fn leave(state: &AppState, user: &AuthUser, room_id: RoomId) -> Result<(), AppError> {
    let room = member_of(state, user, room_id).await?;
    if room.kind() != RoomKind::Group {
        return Err(AppError::Conflict(
            "Conversations and threads can't be left.".into(),
        ));
    }
    let now = now_millis();
    let mut tx = state.db.pool().begin().await?;
    let left = remove_in(&mut tx, room_id.get(), user.id, now).await?;
    let Some(role) = left else {
        return Ok(());
    };
    let (count,): (i64,) = sqlx::query_as("SELECT member_count FROM chat_rooms WHERE id = $1")
        .bind(room_id)
        .fetch_one(&mut *tx)
        .await?;
    let deleted = count == 0;
    if deleted {
        sqlx::query("UPDATE chat_rooms SET deleted_at = $2, updated_at = $2 WHERE id = $1")
            .bind(room_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
    } else if role == "owner" {
        sqlx::query(
            "UPDATE chat_members SET role = 'owner' WHERE room_id = $1 AND user_id = \
             (SELECT user_id FROM chat_members WHERE room_id = $1 \
              ORDER BY CASE role WHEN 'moderator' THEN 0 ELSE 1 END, joined_at, user_id LIMIT 1)",
        )
        .bind(room_id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    changed(state, room_id.get(), vec![user.id], deleted);
    Ok(())
}

/// Removes a member inside `tx`; their role if they were one.
async fn remove_in(
    tx: &mut Tx<'_>,
    room_id: i64,
    user_id: i64,
    now: i64,
) -> Result<Option<String>, AppError> {
    // The room first: it serializes changes of its members.
    sqlx::query("UPDATE chat_rooms SET updated_at = $2 WHERE id = $1")
        .bind(room_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    let role: Option<(String,)> = sqlx::query_as(
        "DELETE FROM chat_members WHERE room_id = $1 AND user_id = $2 RETURNING role",
    )
    .bind(room_id)
    .bind(user_id)
    .fetch_optional(&mut **tx)
    .await?;
    if role.is_some() {
        sqlx::query("UPDATE chat_rooms SET member_count = member_count - 1 WHERE id = $1")
            .bind(room_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(role.map(|(r,)| r))
}

async fn role_of(state: &AppState, room_id: i64, user_id: i64) -> Result<MemberRole, AppError> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT role FROM chat_members WHERE room_id = $1 AND user_id = $2")
            .bind(room_id)
            .bind(user_id)
            .fetch_optional(state.db.pool())
            .await?;
    row.and_then(|(r,)| MemberRole::parse(&r))
        .ok_or_else(|| AppError::NotFound("That member".into()))
}

/// An owner removes anyone else; a moderator removes plain members.
pub async fn remove(
    state: &AppState,
    user: &AuthUser,
    room_id: RoomId,
    target: UserId,
) -> Result<Vec<MemberView>, AppError> {
    let room = member_of(state, user, room_id).await?;
    let mine = room.role().unwrap_or(MemberRole::Member);
    if target == UserId::new(user.id) {
        return Err(AppError::bad_request("user", "Leave the room instead."));
    }
    let theirs = role_of(state, room_id.get(), target.get()).await?;
    if !room.can(user).manage || theirs >= mine {
        return Err(AppError::NotAllowed(
            "You can only remove members below your own role.".into(),
        ));
    }
    let mut tx = state.db.pool().begin().await?;
    remove_in(&mut tx, room_id.get(), target.get(), now_millis()).await?;
    tx.commit().await?;
    changed(state, room_id.get(), vec![target.get()], false);
    members_of(state, room_id.get()).await
}

/// The owner makes a member a moderator, or a moderator a member again.
pub async fn set_role(
    state: &AppState,
    user: &AuthUser,
    room_id: RoomId,
    target: UserId,
    role: MemberRole,
) -> Result<Vec<MemberView>, AppError> {
    let room = member_of(state, user, room_id).await?;
    if room.role() != Some(MemberRole::Owner) || room.kind() != RoomKind::Group {
        return Err(AppError::NotAllowed(
            "Only the room's owner can change roles.".into(),
        ));
    }
    if role == MemberRole::Owner || target == UserId::new(user.id) {
        return Err(AppError::bad_request(
            "role",
            "Make someone a moderator or a member.",
        ));
    }
    let done = sqlx::query(
        "UPDATE chat_members SET role = $3 WHERE room_id = $1 AND user_id = $2 AND role <> 'owner'",
    )
    .bind(room_id)
    .bind(target)
    .bind(role.as_str())
    .execute(state.db.pool())
    .await?;
    if done.rows_affected() != 1 {
        return Err(AppError::NotFound("That member".into()));
    }
    changed(state, room_id.get(), Vec::new(), false);
    members_of(state, room_id.get()).await
}

/// Renames a group room and sets its topic (owner and moderators).
pub async fn rename(
    state: &AppState,
    user: &AuthUser,
    room_id: RoomId,
    name: &str,
    topic: &str,
) -> Result<RoomView, AppError> {
    let room = member_of(state, user, room_id).await?;
    if !room.can(user).manage {
        return Err(AppError::NotAllowed(
            "Only the room's owner and moderators can rename it.".into(),
        ));
    }
    let name = check_line("name", name, MAX_ROOM_NAME_CHARS, true)?;
    let topic = check_line("topic", topic, MAX_TOPIC_CHARS, false)?;
    sqlx::query("UPDATE chat_rooms SET name = $2, topic = $3, updated_at = $4 WHERE id = $1")
        .bind(room_id)
        .bind(&name)
        .bind(&topic)
        .bind(now_millis())
        .execute(state.db.pool())
        .await?;
    changed(state, room_id.get(), Vec::new(), false);
    let room = readable(state, user, room_id).await?;
    view(state, user, &room).await
}

/// The owner (or an admin) deletes a group room; its history goes with it.
pub async fn delete(state: &AppState, user: &AuthUser, room_id: RoomId) -> Result<(), AppError> {
    let room = readable(state, user, room_id).await?;
    if !room.can(user).delete_room {
        return Err(AppError::NotAllowed(
            "Only the room's owner can delete it.".into(),
        ));
    }
    let now = now_millis();
    sqlx::query("UPDATE chat_rooms SET deleted_at = $2, updated_at = $2 WHERE id = $1")
        .bind(room_id)
        .bind(now)
        .execute(state.db.pool())
        .await?;
    tracing::info!(room_id = room_id.get(), "room deleted");
    changed(state, room_id.get(), Vec::new(), true);
    Ok(())
}

/// Gets or creates the one room for `key` with these members; `true` when
/// this call made it.
async fn room_for(
    state: &AppState,
    key: &str,
    kind: RoomKind,
    name: &str,
    members: &[i64],
) -> Result<(i64, bool), AppError> {
    let found: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM chat_rooms WHERE subject_key = $1 AND deleted_at IS NULL")
            .bind(key)
            .fetch_optional(state.db.pool())
            .await?;
    if let Some((id,)) = found {
        return Ok((id, false));
    }
    let now = now_millis();
    let mut tx = state.db.pool().begin().await?;
    let inserted: Result<Option<(i64,)>, sqlx::Error> = sqlx::query_as(
        "INSERT INTO chat_rooms (kind, name, visibility, subject_key, created_at, updated_at) \
         VALUES ($1, $2, 'private', $3, $4, $4) ON CONFLICT (subject_key) DO NOTHING RETURNING id",
    )
    .bind(kind.as_str())
    .bind(name)
    .bind(key)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await;
    let id = match inserted {
        Ok(Some((id,))) => id,
        // Someone else made it first.
        Ok(None) => {
            drop(tx);
            return Box::pin(room_for(state, key, kind, name, members)).await;
        }
        Err(e) if ONE_PER_SUBJECT.broken_by(&e) => {
            drop(tx);
            return Box::pin(room_for(state, key, kind, name, members)).await;
        }
        Err(e) => return Err(AppError::from(e)),
    };
    let mut unique = members.to_vec();
    unique.sort_unstable();
    unique.dedup();
    for member in unique {
        add_member(&mut tx, id, member, MemberRole::Member, now).await?;
    }
    tx.commit().await?;
    Ok((id, true))
}

/// The direct conversation between `user` and `other`, made on first use
/// (`true` then).
pub async fn direct(
    state: &AppState,
    user: &AuthUser,
    other: UserId,
) -> Result<(RoomView, bool), AppError> {
    if other == UserId::new(user.id) {
        return Err(AppError::bad_request(
            "user",
            "Pick someone else to talk to.",
        ));
    }
    let exists: Option<(i64,)> = sqlx::query_as("SELECT id FROM users WHERE id = $1")
        .bind(other)
        .fetch_optional(state.db.pool())
        .await?;
    if exists.is_none() {
        return Err(AppError::NotFound("That person".into()));
    }
    let (a, b) = (user.id.min(other.get()), user.id.max(other.get()));
    let (id, created) = room_for(
        state,
        &format!("direct:{a}:{b}"),
        RoomKind::Direct,
        "",
        &[a, b],
    )
    .await?;
    let room = readable(state, user, RoomId::new(id)).await?;
    Ok((view(state, user, &room).await?, created))
}

/// The thread about one thing (a booking, an order) between its two
/// parties, made on first use; `user` must be one of them (the caller
/// checks that they may see the thing).
pub async fn thread(
    state: &AppState,
    user: &AuthUser,
    about: Thread<'_>,
) -> Result<RoomView, AppError> {
    if !about.parties.contains(&user.id) {
        return Err(not_found());
    }
    let key = format!("{}:{}", about.kind.as_str(), about.id);
    let name = format!("{} · {} #{}", about.title, about.kind.as_str(), about.id);
    let (id, _) = room_for(state, &key, about.kind, &name, &about.parties).await?;
    let room = readable(state, user, RoomId::new(id)).await?;
    view(state, user, &room).await
}

/// What a thread is about: a booking or an order (its kind and id), what
/// it is called ("Piano lesson"), and its two parties.
pub struct Thread<'a> {
    pub kind: RoomKind,
    pub id: i64,
    pub title: &'a str,
    pub parties: [i64; 2],
}
