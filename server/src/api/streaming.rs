//! Seed 003's Streaming Service under /api/streaming: `start`, `end`,
//! `live`, `join`, `leave`, and one stream by id. A viewer who joins
//! through the API counts for 90 s after each join (call it again to stay
//! counted); a browser watching over `/ws` counts while it follows
//! `stream:{id}`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use app::accounts::session::Auth;
use app::error::AppError;
use app::kernel::ids::StreamId;
use app::kernel::time;
use app::state::AppState;
use app::streams::model::{NewStream, StreamView};
use app::streams::{service, viewers};

use super::auth::ErrorBody;
use super::{ApiJson, CurrentUser, PathId};

/// Live streams (seed 003's Streaming Service).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start))
        .routes(routes!(end))
        .routes(routes!(live))
        .routes(routes!(join))
        .routes(routes!(leave))
        .routes(routes!(get_one))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiStream {
    pub id: i64,
    pub host_id: i64,
    pub host_name: String,
    pub title: String,
    pub description: String,
    /// live or ended.
    pub status: String,
    /// Watching now.
    pub viewer_count: i64,
    pub peak_viewers: i64,
    pub total_viewers: i64,
    /// The host's camera is on.
    pub broadcasting: bool,
    /// The stream's chat (`/api/messages/{id}` with the room's id, live on `room:{id}`).
    pub room_id: i64,
    pub started_at: String,
    pub ended_at: Option<String>,
}

impl From<&StreamView> for ApiStream {
    fn from(s: &StreamView) -> Self {
        Self {
            id: s.id,
            host_id: s.host_id,
            host_name: s.host_name.clone(),
            title: s.title.clone(),
            description: s.description.clone(),
            status: s.status.as_str().into(),
            viewer_count: s.viewers,
            peak_viewers: s.peak_viewers,
            total_viewers: s.total_viewers,
            broadcasting: s.broadcasting,
            room_id: s.room_id,
            started_at: time::iso(s.started_at),
            ended_at: s.ended_at.map(time::iso),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StartBody {
    #[schema(pattern = "[^\\s\\u0085]", min_length = 1, max_length = 120)]
    pub title: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StreamRef {
    pub stream_id: i64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Watching {
    pub stream_id: i64,
    /// Counted as watching after this call.
    pub watching: bool,
    pub viewer_count: i64,
}

/// Goes live (organizers): the stream and its chat. One live stream per host.
#[utoipa::path(post, path = "/streaming/start", tag = "streaming", request_body = StartBody,
    responses((status = 201, body = ApiStream), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn start(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<StartBody>,
) -> Result<(StatusCode, Json<ApiStream>), AppError> {
    let new = NewStream::parse(&body.title, &body.description)?;
    let stream = service::start(&state, &user, &new).await?;
    Ok((StatusCode::CREATED, Json(ApiStream::from(&stream))))
}

/// Ends a live stream (its host, or an admin).
#[utoipa::path(post, path = "/streaming/end", tag = "streaming", request_body = StreamRef,
    responses((status = 200, body = ApiStream), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn end(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<StreamRef>,
) -> Result<Json<ApiStream>, AppError> {
    let stream = service::end(&state, &user, StreamId::new(body.stream_id)).await?;
    Ok(Json(ApiStream::from(&stream)))
}

/// The streams live now, most watched first.
#[utoipa::path(get, path = "/streaming/live", tag = "streaming",
    responses((status = 200, body = [ApiStream])))]
pub async fn live(
    State(state): State<AppState>,
    auth: Option<axum::Extension<Auth>>,
) -> Result<Json<Vec<ApiStream>>, AppError> {
    let reader = auth.as_ref().and_then(|a| a.0.0.as_ref());
    let lists = service::lists(&state, reader).await?;
    Ok(Json(lists.live.iter().map(ApiStream::from).collect()))
}

/// One stream, live or ended.
#[utoipa::path(get, path = "/streaming/{id}", tag = "streaming", params(("id" = i64, Path)),
    responses((status = 200, body = ApiStream), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    auth: Option<axum::Extension<Auth>>,
    PathId(id): PathId<StreamId>,
) -> Result<Json<ApiStream>, AppError> {
    let reader = auth.as_ref().and_then(|a| a.0.0.as_ref());
    let stream = service::get(&state, reader, id).await?;
    Ok(Json(ApiStream::from(&stream)))
}

/// Counts you as watching for 90 s (join again to stay counted).
#[utoipa::path(post, path = "/streaming/join", tag = "streaming", request_body = StreamRef,
    responses((status = 200, body = Watching), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn join(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<StreamRef>,
) -> Result<Json<Watching>, AppError> {
    let stream = service::get(&state, Some(&user), StreamId::new(body.stream_id)).await?;
    viewers::watch(&state, stream.id, user.id).await?;
    watching(&state, &user, stream.id, stream.host_id != user.id).await
}

/// Stops counting you as watching.
#[utoipa::path(post, path = "/streaming/leave", tag = "streaming", request_body = StreamRef,
    responses((status = 200, body = Watching), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn leave(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<StreamRef>,
) -> Result<Json<Watching>, AppError> {
    let stream = service::get(&state, Some(&user), StreamId::new(body.stream_id)).await?;
    viewers::leave(&state, stream.id, user.id).await?;
    watching(&state, &user, stream.id, false).await
}

async fn watching(
    state: &AppState,
    user: &app::accounts::service::AuthUser,
    id: i64,
    watching: bool,
) -> Result<Json<Watching>, AppError> {
    let stream = service::get(state, Some(user), StreamId::new(id)).await?;
    Ok(Json(Watching {
        stream_id: id,
        watching,
        viewer_count: stream.viewers,
    }))
}
