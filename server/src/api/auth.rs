use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use app::accounts::service::{self, IssuedSession, Registration};
use app::accounts::sign_in::{self, SignIn};
use app::accounts::tokens;
use app::error::AppError;
use app::state::AppState;

use super::users::ApiUser;
use super::{ApiJson, CurrentUser, Requester};

/// Sign-up, sign-in, tokens and sign-out (seed 001).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(verify))
        .routes(routes!(logout))
        .routes(routes!(revoke))
}

/// Seed 001 signs up with `username` (its email); seeds 000 and 002 send
/// `email`, and then `username` is the name shown.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisterRequest {
    /// The email address (seed 001), or the name shown when `email` is given.
    pub username: Option<String>,
    /// The email address (seeds 000 and 002).
    #[schema(
        pattern = "^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+$",
        max_length = 254
    )]
    pub email: Option<String>,
    #[schema(min_length = 8, max_length = 128)]
    pub password: String,
    /// `attendee` (default; `assistant` is accepted) or `organizer`.
    #[schema(pattern = "^(|attendee|assistant|organizer)$")]
    pub role: Option<String>,
    pub display_name: Option<String>,
}

impl RegisterRequest {
    /// The email and the name shown, whichever dialect sent them.
    fn identity(&mut self) -> Result<(String, String), AppError> {
        let (email, name) = match self.email.take() {
            Some(email) => (email, self.display_name.take().or(self.username.take())),
            None => (
                self.username.take().ok_or_else(email_required)?,
                self.display_name.take(),
            ),
        };
        Ok((email, name.unwrap_or_default()))
    }
}

/// `username` (seed 001) or `email` (seeds 000 and 002): the email address.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: Option<String>,
    pub email: Option<String>,
    pub password: String,
}

fn email_required() -> AppError {
    AppError::bad_request("username", "username (or email) is required.")
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct VerifyRequest {
    pub token: String,
}

#[derive(Debug, Deserialize, Default, ToSchema)]
pub struct RevokeRequest {
    /// Revoke this token's session; without it, every session of the caller.
    pub refresh_token: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Absent when a concurrent refresh already rotated the token.
    pub refresh_token: Option<String>,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub user: ApiUser,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct VerifyResponse {
    pub valid: bool,
    pub sub: String,
    pub sid: String,
    pub role: String,
    pub iat: i64,
    pub exp: i64,
}

pub(super) fn tokens(issued: IssuedSession) -> TokenResponse {
    TokenResponse {
        expires_in: issued.access_expires_at - app::kernel::time::now_millis() / 1000,
        access_token: issued.access_token,
        refresh_token: issued.refresh_token,
        token_type: "Bearer".into(),
        user: ApiUser::from(&issued.user.me),
    }
}

/// Create an account and sign in.
#[utoipa::path(post, path = "/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 201, body = TokenResponse), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    Requester(meta): Requester,
    ApiJson(mut body): ApiJson<RegisterRequest>,
) -> Result<impl IntoResponse, AppError> {
    let (email, display_name) = body.identity()?;
    let issued = service::register(
        &state,
        Registration {
            email,
            password: body.password,
            display_name,
            role: body.role.unwrap_or_default(),
        },
        meta,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(tokens(issued))))
}

/// A 401 that asks for the second step (or, without `ticket`, any other
/// refused sign-in).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignInRefused {
    pub status_code: u16,
    pub message: String,
    /// `second_factor_required` when the password was right and a code is
    /// needed next.
    pub error: String,
    pub field: Option<String>,
    /// For `POST /api/auth/login/second-factor`, with the code.
    pub ticket: Option<String>,
    /// Seconds the ticket stays good.
    pub expires_in: Option<i64>,
}

/// Sign in with email and password. With two-factor sign-in on, a right
/// password answers 401 `second_factor_required` with a `ticket` for
/// `POST /api/auth/login/second-factor`.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = TokenResponse), (status = 400, body = ErrorBody),
        (status = 401, description = "Wrong email or password, or a code is needed next", body = SignInRefused),
        (status = 429, body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    Requester(meta): Requester,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<axum::response::Response, AppError> {
    let email = body.email.or(body.username).ok_or_else(email_required)?;
    Ok(
        match sign_in::login(&state, &email, body.password, meta).await? {
            SignIn::Done(issued) => Json(tokens(*issued)).into_response(),
            SignIn::SecondFactor { ticket } => (
                StatusCode::UNAUTHORIZED,
                Json(SignInRefused {
                    status_code: 401,
                    message: "Enter the code from your authenticator app.".into(),
                    error: "second_factor_required".into(),
                    field: None,
                    ticket: Some(ticket),
                    expires_in: Some(app::accounts::second_factor::TICKET_TTL_MS / 1000),
                }),
            )
                .into_response(),
        },
    )
}

/// Trade a refresh token for a new access token and a new refresh token.
/// Each refresh token works once; presenting a used one revokes its session.
#[utoipa::path(post, path = "/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn refresh(
    State(state): State<AppState>,
    Requester(meta): Requester,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> Result<Json<TokenResponse>, AppError> {
    let issued = service::refresh(&state, &body.refresh_token, meta).await?;
    Ok(Json(tokens(issued)))
}

/// Check an access token: its claims if it is valid and its session open.
#[utoipa::path(post, path = "/auth/verify", tag = "auth", request_body = VerifyRequest,
    responses((status = 200, body = VerifyResponse), (status = 401, body = ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<VerifyRequest>,
) -> Result<Json<VerifyResponse>, AppError> {
    service::authenticate(&state, &body.token).await?;
    let claims = tokens::verify_access(&state.config.jwt_secret, &body.token)?;
    Ok(Json(VerifyResponse {
        valid: true,
        sub: claims.sub,
        sid: claims.sid,
        role: claims.role,
        iat: claims.iat,
        exp: claims.exp,
    }))
}

/// End the caller's session: its access and refresh tokens stop working at once.
#[utoipa::path(post, path = "/auth/logout", tag = "auth",
    responses((status = 204), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn logout(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<StatusCode, AppError> {
    service::logout(&state, &user.session_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Revoke one session by its refresh token, or all of the caller's sessions.
#[utoipa::path(post, path = "/auth/revoke", tag = "auth", request_body(content = RevokeRequest, description = "optional"),
    responses((status = 204), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn revoke(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    body: axum::body::Bytes,
) -> Result<StatusCode, AppError> {
    let body: RevokeRequest = if body.iter().all(u8::is_ascii_whitespace) {
        RevokeRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|_| {
            AppError::bad_request(
                "refresh_token",
                "The body must be {\"refresh_token\": \"…\"} or empty.",
            )
        })?
    };
    match body.refresh_token {
        Some(token) => service::revoke_refresh_token(&state, &user, &token).await?,
        None => {
            service::revoke_all(&state, &user).await?;
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `{statusCode, message, error}`, as every error answers.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    pub status_code: u16,
    pub message: String,
    pub error: String,
    /// The offending field of a 400, when there is one.
    pub field: Option<String>,
}
