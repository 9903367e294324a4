//! A person's own sessions and password: where they are signed in, ending
//! a session, changing the password (which signs out every other session).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use app::accounts::model::SessionView;
use app::accounts::service;
use app::error::AppError;
use app::kernel::time;
use app::state::AppState;

use super::auth::ErrorBody;
use super::{ApiJson, CurrentUser};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(end))
        .routes(routes!(change_password))
}

/// One sign-in on one device.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiSession {
    /// Names the session to end it (`DELETE /api/auth/sessions/{handle}`).
    pub handle: String,
    /// "Firefox on Linux", from the browser that signed in.
    pub device: String,
    #[schema(format = DateTime)]
    pub signed_in_at: String,
    /// When it last signed in or refreshed its token.
    #[schema(format = DateTime)]
    pub last_seen_at: String,
    /// The session of the token this request came with.
    pub current: bool,
}

impl From<SessionView> for ApiSession {
    fn from(s: SessionView) -> Self {
        Self {
            handle: s.handle,
            device: s.device,
            signed_in_at: time::iso(s.signed_in_at),
            last_seen_at: time::iso(s.last_seen_at),
            current: s.current,
        }
    }
}

/// Where you are signed in, the most recently used first.
#[utoipa::path(get, path = "/auth/sessions", tag = "sessions",
    responses((status = 200, body = [ApiSession]), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<Vec<ApiSession>>, AppError> {
    let sessions = service::sessions(&state, &user).await?;
    Ok(Json(sessions.into_iter().map(ApiSession::from).collect()))
}

/// Sign out one of your sessions: its tokens stop working and its live
/// connections close at once.
#[utoipa::path(delete, path = "/auth/sessions/{handle}", tag = "sessions",
    params(("handle" = String, Path, pattern = "^[0-9a-f]{16}$")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn end(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(handle): Path<String>,
) -> Result<StatusCode, AppError> {
    service::end_session(&state, &user, &handle).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PasswordChange {
    pub current_password: String,
    #[schema(min_length = 8, max_length = 128)]
    pub new_password: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PasswordChanged {
    /// Your other sessions, signed out by the change.
    pub signed_out_sessions: u64,
}

/// Change your password. The current one is asked again; the new one must
/// not be a common one. Every other session is signed out.
#[utoipa::path(post, path = "/auth/password", tag = "sessions", request_body = PasswordChange,
    responses((status = 200, body = PasswordChanged), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn change_password(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<PasswordChange>,
) -> Result<Json<PasswordChanged>, AppError> {
    let ended = service::change_password(&state, &user, body.current_password, body.new_password)
        .await
        .map_err(|e| match e {
            // The body's names for the fields.
            AppError::BadRequest {
                field: Some(field),
                message,
            } => AppError::bad_request(
                match field.as_str() {
                    "current_password" => "currentPassword",
                    _ => "newPassword",
                },
                message,
            ),
            other => other,
        })?;
    Ok(Json(PasswordChanged {
        signed_out_sessions: ended,
    }))
}
