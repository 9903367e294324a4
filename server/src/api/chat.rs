//! Seed 002's chat API (rooms, members, messages) and seed 000's chat per
//! booking. Members only, checked on every call: a private room is a 404
//! to anyone else; a public one is a 403 until joined.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use app::chat::model::{MemberRole, MemberView, RoomSummary, RoomView, Visibility};
use app::chat::{messages, presence, rooms};
use app::error::AppError;
use app::kernel::ids::{BookingId, MessageId, RoomId, UserId};
use app::kernel::time;
use app::live::protocol::MessageView;
use app::state::AppState;

use super::auth::ErrorBody;
use super::{ApiJson, ApiQuery, CurrentUser, IdempotencyKey, PathId, PathIds};

/// Rooms, members and messages (seed 002), a booking's chat (seed 000).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_rooms))
        .routes(routes!(create_room))
        .routes(routes!(update_room))
        .routes(routes!(delete_room))
        .routes(routes!(join))
        .routes(routes!(leave))
        .routes(routes!(mark_read))
        .routes(routes!(members))
        .routes(routes!(add_member))
        .routes(routes!(set_role))
        .routes(routes!(remove_member))
        .routes(routes!(send))
        .routes(routes!(history))
        .routes(routes!(edit))
        .routes(routes!(delete))
        .routes(routes!(changes))
        .routes(routes!(booking_chat))
        .routes(routes!(set_status))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiRoom {
    pub id: i64,
    /// group | direct | booking | order
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub topic: String,
    /// public | private
    pub visibility: String,
    pub member_count: i64,
    /// Your role (owner | moderator | member), if you are a member.
    pub role: Option<String>,
    pub unread_count: i64,
    /// The room's counter: pass it as `after` to `/api/messages/{id}/changes` (the room's id).
    pub seq: Option<i64>,
    pub last_message: Option<String>,
    pub last_message_at: Option<String>,
}

impl From<&RoomSummary> for ApiRoom {
    fn from(r: &RoomSummary) -> Self {
        Self {
            id: r.id,
            kind: r.kind.as_str().into(),
            name: r.name.clone(),
            topic: r.topic.clone(),
            visibility: r.visibility.as_str().into(),
            member_count: r.member_count,
            role: None,
            unread_count: r.unread,
            seq: None,
            last_message: r.last.as_ref().map(|l| {
                if l.deleted {
                    "Message deleted".into()
                } else {
                    format!("{}: {}", l.author_name, l.text)
                }
            }),
            last_message_at: r.last.as_ref().map(|l| time::iso(l.at)),
        }
    }
}

impl From<&RoomView> for ApiRoom {
    fn from(r: &RoomView) -> Self {
        Self {
            id: r.id,
            kind: r.kind.as_str().into(),
            name: r.name.clone(),
            topic: r.topic.clone(),
            visibility: r.visibility.as_str().into(),
            member_count: r.member_count,
            role: r.role.map(|role| role.as_str().into()),
            unread_count: 0,
            seq: Some(r.seq),
            last_message: None,
            last_message_at: None,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiMember {
    pub user_id: i64,
    pub name: String,
    pub role: String,
    /// online | away | offline
    pub presence: String,
    pub last_seen_at: Option<String>,
    pub status: String,
}

impl From<&MemberView> for ApiMember {
    fn from(m: &MemberView) -> Self {
        Self {
            user_id: m.user_id,
            name: m.name.clone(),
            role: m.role.as_str().into(),
            presence: m.presence.as_str().into(),
            last_seen_at: m.last_seen_at.map(time::iso),
            status: m.status_text.clone(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiMessage {
    pub id: i64,
    pub room_id: i64,
    /// Its place in the room's history (for `before`).
    pub seq: i64,
    /// The room's counter at its latest change.
    pub change_seq: i64,
    pub sender_id: i64,
    pub sender_name: String,
    /// Empty once deleted.
    pub content: String,
    pub client_id: Option<String>,
    pub created_at: String,
    pub edited_at: Option<String>,
    pub deleted: bool,
}

impl From<&MessageView> for ApiMessage {
    fn from(m: &MessageView) -> Self {
        Self {
            id: m.id,
            room_id: m.room_id,
            seq: m.seq,
            change_seq: m.change_seq,
            sender_id: m.author_id,
            sender_name: m.author_name.clone(),
            content: m.body.clone(),
            client_id: m.client_id.clone(),
            created_at: time::iso(m.created_at),
            edited_at: m.edited_at.map(time::iso),
            deleted: m.deleted,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiRooms {
    pub rooms: Vec<ApiRoom>,
    pub unread_total: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RoomsParams {
    /// `public`: the public rooms to discover (with `q`); otherwise yours.
    pub scope: Option<String>,
    pub q: Option<String>,
}

/// Your rooms (latest activity first, with unread counts), or with
/// `scope=public` the public rooms to join.
#[utoipa::path(get, path = "/rooms", tag = "chat", params(RoomsParams),
    responses((status = 200, body = ApiRooms), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_rooms(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(p): ApiQuery<RoomsParams>,
) -> Result<Json<ApiRooms>, AppError> {
    if p.scope.as_deref() == Some("public") {
        let list = rooms::public_rooms(&state, &user, p.q.as_deref().unwrap_or("")).await?;
        return Ok(Json(ApiRooms {
            rooms: list.iter().map(ApiRoom::from).collect(),
            unread_total: 0,
        }));
    }
    let list = rooms::list(&state, &user).await?;
    Ok(Json(ApiRooms {
        rooms: list.rooms.iter().map(ApiRoom::from).collect(),
        unread_total: list.unread_total,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateRoom {
    /// A group room's name (1–80 characters).
    pub name: Option<String>,
    #[serde(default)]
    pub topic: String,
    /// public | private (group rooms; default private)
    #[schema(pattern = "^(public|private)$")]
    pub visibility: Option<String>,
    /// Instead of a group: the person to talk to directly (made once).
    pub direct_user_id: Option<i64>,
}

/// Creates a group room (you are its owner), or opens the direct
/// conversation with `directUserId` (200 when it existed).
#[utoipa::path(post, path = "/rooms", tag = "chat", request_body = CreateRoom,
    responses((status = 201, body = ApiRoom), (status = 200, body = ApiRoom), (status = 400, body = ErrorBody), (status = 404, description = "No such person (directUserId)", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_room(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<CreateRoom>,
) -> Result<Response, AppError> {
    if let Some(other) = body.direct_user_id {
        let (room, created) = rooms::direct(&state, &user, UserId::new(other)).await?;
        let status = if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        return Ok((status, Json(ApiRoom::from(&room))).into_response());
    }
    let visibility = match body.visibility.as_deref() {
        None => Visibility::Private,
        Some(v) => Visibility::parse(v)
            .ok_or_else(|| AppError::bad_request("visibility", "Use public or private."))?,
    };
    let name = body
        .name
        .ok_or_else(|| AppError::bad_request("name", "name is required."))?;
    let room = rooms::create(&state, &user, &name, &body.topic, visibility).await?;
    Ok((StatusCode::CREATED, Json(ApiRoom::from(&room))).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateRoom {
    #[schema(pattern = "[^\\s\\u0085]", max_length = 80)]
    pub name: String,
    #[serde(default)]
    pub topic: String,
}

/// Renames a group room (owner and moderators).
#[utoipa::path(put, path = "/rooms/{id}", tag = "chat", request_body = UpdateRoom,
    responses((status = 200, body = ApiRoom), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_room(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId<RoomId>,
    ApiJson(body): ApiJson<UpdateRoom>,
) -> Result<Json<ApiRoom>, AppError> {
    let room = rooms::rename(&state, &user, id, &body.name, &body.topic).await?;
    Ok(Json(ApiRoom::from(&room)))
}

/// Deletes a group room (its owner, or an admin).
#[utoipa::path(delete, path = "/rooms/{id}", tag = "chat",
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_room(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId<RoomId>,
) -> Result<StatusCode, AppError> {
    rooms::delete(&state, &user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Joins a public room (again: no change).
#[utoipa::path(post, path = "/rooms/{id}/join", tag = "chat",
    responses((status = 200, body = ApiRoom), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn join(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId<RoomId>,
) -> Result<Json<ApiRoom>, AppError> {
    let room = rooms::join(&state, &user, id).await?;
    Ok(Json(ApiRoom::from(&room)))
}

/// Leaves a group room (an owner hands it on; the last one out deletes it).
#[utoipa::path(post, path = "/rooms/{id}/leave", tag = "chat",
    responses((status = 204), (status = 403, description = "Not a member", body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn leave(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId<RoomId>,
) -> Result<StatusCode, AppError> {
    rooms::leave(&state, &user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The room's members with their role, presence and status.
#[utoipa::path(get, path = "/rooms/{id}/members", tag = "chat",
    responses((status = 200, body = Vec<ApiMember>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn members(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId<RoomId>,
) -> Result<Json<Vec<ApiMember>>, AppError> {
    let list = rooms::members(&state, &user, id).await?;
    Ok(Json(list.iter().map(ApiMember::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddMember {
    pub user_id: i64,
}

/// Adds someone to a group room (owner and moderators).
#[utoipa::path(post, path = "/rooms/{id}/members", tag = "chat", request_body = AddMember,
    responses((status = 404, description = "No such person or room", body = ErrorBody), (status = 200, body = Vec<ApiMember>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn add_member(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId<RoomId>,
    ApiJson(body): ApiJson<AddMember>,
) -> Result<Json<Vec<ApiMember>>, AppError> {
    let list = rooms::invite(&state, &user, id, body.user_id).await?;
    Ok(Json(list.iter().map(ApiMember::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SetRole {
    /// moderator | member
    #[schema(pattern = "^(moderator|member)$")]
    pub role: String,
}

/// The owner makes a member a moderator, or a moderator a member.
#[utoipa::path(put, path = "/rooms/{id}/members/{userId}", tag = "chat", request_body = SetRole,
    responses((status = 200, body = Vec<ApiMember>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn set_role(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathIds(id, member): PathIds<RoomId, UserId>,
    ApiJson(body): ApiJson<SetRole>,
) -> Result<Json<Vec<ApiMember>>, AppError> {
    let role = MemberRole::parse(&body.role)
        .ok_or_else(|| AppError::bad_request("role", "Use moderator or member."))?;
    let list = rooms::set_role(&state, &user, id, member, role).await?;
    Ok(Json(list.iter().map(ApiMember::from).collect()))
}

/// Removes a member (an owner anyone, a moderator plain members).
#[utoipa::path(delete, path = "/rooms/{id}/members/{userId}", tag = "chat",
    responses((status = 200, body = Vec<ApiMember>), (status = 400, description = "Yourself: leave the room instead", body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn remove_member(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathIds(id, member): PathIds<RoomId, UserId>,
) -> Result<Json<Vec<ApiMember>>, AppError> {
    let list = rooms::remove(&state, &user, id, member).await?;
    Ok(Json(list.iter().map(ApiMember::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MarkRead {
    /// Read up to this number of the room's counter.
    pub seq: i64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiUnread {
    pub unread_total: i64,
}

/// Marks a room read up to `seq`; returns your unread total.
#[utoipa::path(post, path = "/rooms/{id}/read", tag = "chat", request_body = MarkRead,
    responses((status = 200, body = ApiUnread), (status = 403, description = "Not a member", body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn mark_read(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId<RoomId>,
    ApiJson(body): ApiJson<MarkRead>,
) -> Result<Json<ApiUnread>, AppError> {
    let unread_total = messages::mark_read(&state, &user, id, body.seq).await?;
    Ok(Json(ApiUnread { unread_total }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// Messages before this `seq` (the previous page's `nextBefore`).
    pub before: Option<i64>,
    /// 1–100, default 50.
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiMessagePage {
    /// Newest first.
    pub messages: Vec<ApiMessage>,
    /// Pass as `before` for older messages; null at the start.
    pub next_before: Option<i64>,
}

/// A room's history, newest first, a page at a time.
#[utoipa::path(get, path = "/messages/{id}", tag = "chat",
    params(("id" = i64, Path, description = "The room's id (PUT and DELETE on this path take a message's)"), HistoryParams),
    responses((status = 200, body = ApiMessagePage), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn history(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(room): PathId<RoomId>,
    ApiQuery(p): ApiQuery<HistoryParams>,
) -> Result<Json<ApiMessagePage>, AppError> {
    let page = messages::history(&state, &user, room, p.before, p.limit).await?;
    Ok(Json(ApiMessagePage {
        messages: page.messages.iter().map(ApiMessage::from).collect(),
        next_before: page.next_before,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesParams {
    /// The room's counter you are up to.
    pub after: i64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiChanges {
    /// New, edited and deleted messages, in the order they changed.
    pub messages: Vec<ApiMessage>,
    /// The counter you are up to after these.
    pub seq: i64,
    /// Ask again from `seq` for more.
    pub more: bool,
}

/// What changed in a room after a number of its counter (to catch up
/// after a reconnect, in order and without duplicates).
#[utoipa::path(get, path = "/messages/{id}/changes", tag = "chat",
    params(("id" = i64, Path, description = "The room's id"), ChangesParams),
    responses((status = 200, body = ApiChanges), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn changes(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(room): PathId<RoomId>,
    ApiQuery(p): ApiQuery<ChangesParams>,
) -> Result<Json<ApiChanges>, AppError> {
    let changes = messages::changes(&state, &user, room, p.after).await?;
    Ok(Json(ApiChanges {
        messages: changes.messages.iter().map(ApiMessage::from).collect(),
        seq: changes.seq,
        more: changes.more,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SendMessage {
    pub room_id: i64,
    /// 1–4000 characters.
    #[schema(pattern = "[^\\s\\u0085]", min_length = 1, max_length = 4000)]
    pub content: String,
    /// Your id for this message: a retry with it makes no second one
    /// (like the `Idempotency-Key` header).
    #[schema(pattern = "^[A-Za-z0-9_-]{1,64}$")]
    pub client_id: Option<String>,
}

/// Sends a message (201; a retry with the same client id: 200, the first one).
#[utoipa::path(post, path = "/messages", tag = "chat", request_body = SendMessage,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = ApiMessage), (status = 200, body = ApiMessage), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "This key or client id was used for another message", body = ErrorBody), (status = 429, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn send(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    key: IdempotencyKey,
    ApiJson(body): ApiJson<SendMessage>,
) -> Result<Response, AppError> {
    let key = key.or_body("clientId", body.client_id.as_deref())?;
    let sent = messages::send(&state, &user, RoomId::new(body.room_id), &body.content, key).await?;
    let status = if sent.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(ApiMessage::from(&sent.message))).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EditMessage {
    #[schema(pattern = "[^\\s\\u0085]", min_length = 1, max_length = 4000)]
    pub content: String,
}

/// Edits your message (within 15 minutes of sending it).
#[utoipa::path(put, path = "/messages/{id}", tag = "chat", request_body = EditMessage,
    responses((status = 200, body = ApiMessage), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn edit(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId<MessageId>,
    ApiJson(body): ApiJson<EditMessage>,
) -> Result<Json<ApiMessage>, AppError> {
    let message = messages::edit(&state, &user, id, &body.content).await?;
    Ok(Json(ApiMessage::from(&message)))
}

/// Deletes a message: yours, or any as the room's moderator (or an admin
/// in a public room).
#[utoipa::path(delete, path = "/messages/{id}", tag = "chat",
    responses((status = 200, body = ApiMessage), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "Already deleted", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId<MessageId>,
) -> Result<Json<ApiMessage>, AppError> {
    let message = messages::delete(&state, &user, id).await?;
    Ok(Json(ApiMessage::from(&message)))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiThread {
    pub room: ApiRoom,
    /// Newest first.
    pub messages: Vec<ApiMessage>,
    pub next_before: Option<i64>,
}

/// A booking's chat (seed 000), for its customer and provider: the room
/// (made on first use) and its newest messages. Send with `POST /api/messages`.
#[utoipa::path(get, path = "/chat/{bookingId}", tag = "chat",
    responses((status = 200, body = ApiThread), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn booking_chat(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(booking): PathId<BookingId>,
) -> Result<Json<ApiThread>, AppError> {
    let room = app::services::bookings::thread(&state, &user, booking).await?;
    let page = messages::history(&state, &user, RoomId::new(room.id), None, None).await?;
    Ok(Json(ApiThread {
        room: ApiRoom::from(&room),
        messages: page.messages.iter().map(ApiMessage::from).collect(),
        next_before: page.next_before,
    }))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ApiStatus {
    /// Up to 80 characters; empty clears it.
    pub status: String,
}

/// Sets your status text (seed 002's user status), shown beside your
/// presence to the people you share rooms with.
#[utoipa::path(put, path = "/users/me/status", tag = "chat", request_body = ApiStatus,
    responses((status = 200, body = ApiStatus), (status = 400, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn set_status(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<ApiStatus>,
) -> Result<Json<ApiStatus>, AppError> {
    let status = presence::set_status(&state, &user, &body.status).await?;
    Ok(Json(ApiStatus { status }))
}
