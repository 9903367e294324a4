//! Server functions of chat (under /rpc/chat/…). Forms that work without
//! JavaScript pass `back`, where to return after the change.

use leptos::prelude::*;

use super::model::{Changes, MemberView, MessagePage, OpenedRoom, RoomList, RoomSummary, RoomView};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::kernel::ids::{MessageId, RoomId, UserId};
use crate::live::protocol::MessageView;

#[cfg(feature = "ssr")]
use super::model::{MemberRole, Visibility};
#[cfg(feature = "ssr")]
use super::{messages, presence, rooms};
#[cfg(feature = "ssr")]
use crate::accounts::{rpc, session};
#[cfg(feature = "ssr")]
use crate::kernel::idempotency::Key;

#[server(prefix = "/rpc", endpoint = "chat/rooms")]
pub async fn chat_rooms() -> Result<RoomList, AppError> {
    rpc::signed_in(|state, user| async move { rooms::list(&state, &user).await }).await
}

#[server(prefix = "/rpc", endpoint = "chat/public")]
pub async fn public_rooms(#[server(default)] q: String) -> Result<Vec<RoomSummary>, AppError> {
    rpc::signed_in(|state, user| async move { rooms::public_rooms(&state, &user, &q).await }).await
}

/// A room with its newest messages (or those before `before`); opening
/// it reads it.
#[server(prefix = "/rpc", endpoint = "chat/open")]
pub async fn open_room(id: i64, before: Option<i64>) -> Result<OpenedRoom, AppError> {
    rpc::signed_in(|state, user| async move {
        messages::open(
            &state,
            &user,
            rooms::readable(&state, &user, RoomId::new(id)).await?,
            before,
        )
        .await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "chat/history")]
pub async fn room_history(room_id: i64, before: Option<i64>) -> Result<MessagePage, AppError> {
    rpc::signed_in(|state, user| async move {
        messages::history(&state, &user, RoomId::new(room_id), before, None).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "chat/changes")]
pub async fn room_changes(room_id: i64, after: i64) -> Result<Changes, AppError> {
    rpc::signed_in(|state, user| async move {
        messages::changes(&state, &user, RoomId::new(room_id), after).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "chat/members")]
pub async fn room_members(room_id: i64) -> Result<Vec<MemberView>, AppError> {
    rpc::signed_in(|state, user| async move {
        rooms::members(&state, &user, RoomId::new(room_id)).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "chat/send")]
pub async fn send_message(
    room_id: i64,
    body: String,
    #[server(default)] client_id: String,
    #[server(default)] back: String,
) -> Result<MessageView, AppError> {
    rpc::signed_in(|state, user| async move {
        let client_id = Key::optional("clientId", Some(&client_id))?;
        let sent = messages::send(&state, &user, RoomId::new(room_id), &body, client_id).await?;
        session::redirect_back(&back);
        Ok(sent.message)
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "chat/edit")]
pub async fn edit_message(
    id: i64,
    body: String,
    #[server(default)] back: String,
) -> Result<MessageView, AppError> {
    rpc::signed_in(|state, user| async move {
        let message = messages::edit(&state, &user, MessageId::new(id), &body).await?;
        session::redirect_back(&back);
        Ok(message)
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "chat/delete")]
pub async fn delete_message(
    id: i64,
    #[server(default)] back: String,
) -> Result<MessageView, AppError> {
    rpc::signed_in(|state, user| async move {
        let message = messages::delete(&state, &user, MessageId::new(id)).await?;
        session::redirect_back(&back);
        Ok(message)
    })
    .await
}

/// Reads a room up to `seq`; returns the unread total left.
#[server(prefix = "/rpc", endpoint = "chat/read")]
pub async fn mark_room_read(room_id: i64, seq: i64) -> Result<i64, AppError> {
    rpc::signed_in(|state, user| async move {
        messages::mark_read(&state, &user, RoomId::new(room_id), seq).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "chat/unread")]
pub async fn chat_unread_total() -> Result<i64, AppError> {
    rpc::signed_in(|state, user| async move { messages::unread_total(&state, user.id).await }).await
}

/// Creates a group room and opens it.
#[server(prefix = "/rpc", endpoint = "chat/create")]
pub async fn create_room(
    name: String,
    #[server(default)] topic: String,
    visibility: String,
) -> Result<RoomView, AppError> {
    rpc::signed_in(|state, user| async move {
        let visibility = Visibility::parse(&visibility)
            .ok_or_else(|| AppError::bad_request("visibility", "Choose public or private."))?;
        let room = rooms::create(&state, &user, &name, &topic, visibility).await?;
        leptos_axum::redirect(&format!("/chat/{}", room.id));
        Ok(room)
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "chat/join")]
pub async fn join_room(room_id: i64) -> Result<RoomView, AppError> {
    rpc::signed_in(|state, user| async move {
        let room = rooms::join(&state, &user, RoomId::new(room_id)).await?;
        leptos_axum::redirect(&format!("/chat/{}", room.id));
        Ok(room)
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "chat/leave")]
pub async fn leave_room(room_id: i64) -> Result<(), AppError> {
    rpc::signed_in(|state, user| async move {
        rooms::leave(&state, &user, RoomId::new(room_id)).await?;
        leptos_axum::redirect("/chat?left=1");
        Ok(())
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "chat/delete_room")]
pub async fn delete_room(room_id: i64) -> Result<(), AppError> {
    rpc::signed_in(|state, user| async move {
        rooms::delete(&state, &user, RoomId::new(room_id)).await?;
        leptos_axum::redirect("/chat?deleted=1");
        Ok(())
    })
    .await
}

/// Adds the person with this email address to a room.
#[server(prefix = "/rpc", endpoint = "chat/invite")]
pub async fn invite_member(
    room_id: i64,
    email: String,
    #[server(default)] back: String,
) -> Result<Vec<MemberView>, AppError> {
    rpc::signed_in(|state, user| async move {
        let members = rooms::invite_by_email(&state, &user, RoomId::new(room_id), &email).await?;
        session::redirect_back(&back);
        Ok(members)
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "chat/remove")]
pub async fn remove_member(
    room_id: i64,
    user_id: i64,
    #[server(default)] back: String,
) -> Result<Vec<MemberView>, AppError> {
    rpc::signed_in(|state, user| async move {
        let members =
            rooms::remove(&state, &user, RoomId::new(room_id), UserId::new(user_id)).await?;
        session::redirect_back(&back);
        Ok(members)
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "chat/role")]
pub async fn set_member_role(
    room_id: i64,
    user_id: i64,
    role: String,
    #[server(default)] back: String,
) -> Result<Vec<MemberView>, AppError> {
    rpc::signed_in(|state, user| async move {
        let role = MemberRole::parse(&role)
            .ok_or_else(|| AppError::bad_request("role", "Choose moderator or member."))?;
        let members = rooms::set_role(
            &state,
            &user,
            RoomId::new(room_id),
            UserId::new(user_id),
            role,
        )
        .await?;
        session::redirect_back(&back);
        Ok(members)
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "chat/rename")]
pub async fn rename_room(
    room_id: i64,
    name: String,
    #[server(default)] topic: String,
    #[server(default)] back: String,
) -> Result<RoomView, AppError> {
    rpc::signed_in(|state, user| async move {
        let room = rooms::rename(&state, &user, RoomId::new(room_id), &name, &topic).await?;
        session::redirect_back(&back);
        Ok(room)
    })
    .await
}

/// Opens (creating on first use) the direct conversation with a person.
#[server(prefix = "/rpc", endpoint = "chat/direct")]
pub async fn open_direct(user_id: i64) -> Result<RoomView, AppError> {
    rpc::signed_in(|state, user| async move {
        let (room, _) = rooms::direct(&state, &user, UserId::new(user_id)).await?;
        leptos_axum::redirect(&format!("/chat/{}", room.id));
        Ok(room)
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "chat/status")]
pub async fn set_status_text(
    #[server(default)] status: String,
    #[server(default)] back: String,
) -> Result<String, AppError> {
    rpc::signed_in(|state, user| async move {
        let text = presence::set_status(&state, &user, &status).await?;
        session::redirect_back(&back);
        Ok(text)
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "chat/my_status")]
pub async fn my_status_text() -> Result<String, AppError> {
    rpc::signed_in(|state, user| async move { presence::status_of(&state, user.id).await }).await
}
