//! Server functions of live streams (under /rpc/streams/…). Thin: the
//! request's user, the service call, and where a form post lands.

use leptos::prelude::*;

use super::model::{StreamLists, StreamPage, StreamView};
use crate::chat::model::OpenedRoom;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::kernel::ids::StreamId;

#[cfg(feature = "ssr")]
use crate::accounts::{rpc, session};

/// Live now, and ended lately.
#[server(prefix = "/rpc", endpoint = "streams/list")]
pub async fn live_streams() -> Result<StreamLists, AppError> {
    rpc::anyone(|state, reader| async move { super::service::lists(&state, reader.as_ref()).await })
        .await
}

#[server(prefix = "/rpc", endpoint = "streams/get")]
pub async fn get_stream(id: i64) -> Result<StreamPage, AppError> {
    rpc::anyone(|state, reader| async move {
        super::service::page(&state, reader.as_ref(), StreamId::new(id)).await
    })
    .await
}

/// Goes live, then opens the stream's page (where the camera starts).
#[server(prefix = "/rpc", endpoint = "streams/start")]
pub async fn go_live(
    title: String,
    #[server(default)] description: String,
) -> Result<StreamView, AppError> {
    rpc::signed_in(|state, user| async move {
        let new = super::model::NewStream::parse(&title, &description)?;
        let stream = super::service::start(&state, &user, &new).await?;
        leptos_axum::redirect(&format!("/live/{}", stream.id));
        Ok(stream)
    })
    .await
}

/// Ends a stream; a form post without JavaScript returns to `back`.
#[server(prefix = "/rpc", endpoint = "streams/end")]
pub async fn end_stream(id: i64, #[server(default)] back: String) -> Result<StreamView, AppError> {
    rpc::signed_in(|state, user| async move {
        let stream = super::service::end(&state, &user, StreamId::new(id)).await?;
        session::redirect_back(&back);
        Ok(stream)
    })
    .await
}

/// The host's page names its live connection as the one sending the video
/// (or none, when the camera stops).
#[server(prefix = "/rpc", endpoint = "streams/broadcast")]
pub async fn set_broadcaster(id: i64, connection: Option<String>) -> Result<StreamView, AppError> {
    rpc::signed_in(|state, user| async move {
        super::service::set_broadcaster(&state, &user, StreamId::new(id), connection.as_deref())
            .await
    })
    .await
}

/// A live stream's chat, opened (the reader joins it on first opening).
#[server(prefix = "/rpc", endpoint = "chat/stream")]
pub async fn stream_chat(stream_id: i64) -> Result<OpenedRoom, AppError> {
    rpc::signed_in(|state, user| async move {
        let room = super::service::chat_room(&state, &user, StreamId::new(stream_id)).await?;
        crate::chat::messages::open(&state, &user, room, None).await
    })
    .await
}
