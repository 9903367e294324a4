//! Server functions of live streams (under /rpc/streams/…). Thin: the
//! request's user, the service call, and where a form post lands.

use leptos::prelude::*;

use super::model::{StreamLists, StreamPage, StreamView};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::{accounts::session, error::respond, state::app_state};

/// Live now, and ended lately.
#[server(prefix = "/rpc", endpoint = "streams/list")]
pub async fn live_streams() -> Result<StreamLists, AppError> {
    respond(
        async {
            let state = app_state()?;
            let reader = session::current_user();
            super::service::lists(&state, reader.as_ref()).await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "streams/get")]
pub async fn get_stream(id: i64) -> Result<StreamPage, AppError> {
    respond(
        async {
            let state = app_state()?;
            let reader = session::current_user();
            super::service::page(&state, reader.as_ref(), id).await
        }
        .await,
    )
}

/// Goes live, then opens the stream's page (where the camera starts).
#[server(prefix = "/rpc", endpoint = "streams/start")]
pub async fn go_live(
    title: String,
    #[server(default)] description: String,
) -> Result<StreamView, AppError> {
    respond(
        async {
            let state = app_state()?;
            let user = session::require_user()?;
            let new = super::model::NewStream::parse(&title, &description)?;
            let stream = super::service::start(&state, &user, &new).await?;
            leptos_axum::redirect(&format!("/live/{}", stream.id));
            Ok(stream)
        }
        .await,
    )
}

/// Ends a stream; a form post without JavaScript returns to `back`.
#[server(prefix = "/rpc", endpoint = "streams/end")]
pub async fn end_stream(id: i64, #[server(default)] back: String) -> Result<StreamView, AppError> {
    respond(
        async {
            let state = app_state()?;
            let user = session::require_user()?;
            let stream = super::service::end(&state, &user, id).await?;
            session::redirect_back(&back);
            Ok(stream)
        }
        .await,
    )
}

/// The host's page names its live connection as the one sending the video
/// (or none, when the camera stops).
#[server(prefix = "/rpc", endpoint = "streams/broadcast")]
pub async fn set_broadcaster(id: i64, connection: Option<String>) -> Result<StreamView, AppError> {
    respond(
        async {
            let state = app_state()?;
            let user = session::require_user()?;
            super::service::set_broadcaster(&state, &user, id, connection.as_deref()).await
        }
        .await,
    )
}
