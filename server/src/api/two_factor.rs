//! Two-factor sign-in over the JSON API: the second step of signing in,
//! and setting it up, renewing recovery codes, turning it off.
//!
//! `POST /api/auth/login` for a person with two-factor on answers 401 with
//! `error: "second_factor_required"` and a `ticket`; the ticket and a code
//! go to `POST /api/auth/login/second-factor` for the tokens.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use app::accounts::second_factor;
use app::error::AppError;
use app::state::AppState;

use super::auth::{ErrorBody, TokenResponse, tokens};
use super::{ApiJson, CurrentUser, Requester};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(complete))
        .routes(routes!(status))
        .routes(routes!(setup))
        .routes(routes!(enable))
        .routes(routes!(disable))
        .routes(routes!(renew))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SecondFactorRequest {
    /// The ticket `POST /api/auth/login` answered with.
    pub ticket: String,
    /// The 6 digits the authenticator app shows, or a recovery code.
    #[schema(min_length = 6, max_length = 64)]
    pub code: String,
}

/// The second step of signing in: the ticket from `POST /api/auth/login`
/// and a code. A wrong code is a 400 (five end the ticket); a lapsed,
/// spent or ended ticket a 401 (sign in again).
#[utoipa::path(post, path = "/auth/login/second-factor", tag = "two-factor", request_body = SecondFactorRequest,
    responses((status = 200, body = TokenResponse), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn complete(
    State(state): State<AppState>,
    Requester(meta): Requester,
    ApiJson(body): ApiJson<SecondFactorRequest>,
) -> Result<Json<TokenResponse>, AppError> {
    let issued = second_factor::complete_sign_in(&state, &body.ticket, &body.code, meta).await?;
    Ok(Json(tokens(issued)))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TwoFactorStatus {
    pub enabled: bool,
    pub recovery_codes_left: i64,
}

/// Whether two-factor sign-in is on, and how many recovery codes are left.
#[utoipa::path(get, path = "/auth/two-factor", tag = "two-factor",
    responses((status = 200, body = TwoFactorStatus), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn status(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<TwoFactorStatus>, AppError> {
    let s = second_factor::status(&state, &user).await?;
    Ok(Json(TwoFactorStatus {
        enabled: s.enabled,
        recovery_codes_left: s.recovery_codes_left,
    }))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TwoFactorKey {
    /// The shared key, base32, to type into an authenticator app.
    pub secret: String,
    /// The same as an `otpauth://totp/…` link (what the QR code holds).
    pub otpauth_url: String,
}

/// Start setting up: a new key for an authenticator app. It takes effect
/// once `POST /api/auth/two-factor/enable` gets a code made with it.
#[utoipa::path(post, path = "/auth/two-factor/setup", tag = "two-factor",
    responses((status = 200, body = TwoFactorKey), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn setup(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<TwoFactorKey>, AppError> {
    let key = second_factor::begin_setup(&state, &user).await?;
    Ok(Json(TwoFactorKey {
        secret: key.secret,
        otpauth_url: key.url,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CodeRequest {
    /// The 6 digits the authenticator app shows (or, where it says so, a recovery code).
    #[schema(min_length = 6, max_length = 64)]
    pub code: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryCodes {
    /// Ten codes, each good for one sign-in without the app. Shown only now.
    pub recovery_codes: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EnableRequest {
    /// Your password, asked again.
    pub password: String,
    /// The 6 digits the app shows for the key from `setup`.
    #[schema(min_length = 6, max_length = 64)]
    pub code: String,
}

/// Turn two-factor sign-in on with a code from the app (and the password,
/// asked again). This session counts as signed in with it (an admin's
/// tools open).
#[utoipa::path(post, path = "/auth/two-factor/enable", tag = "two-factor", request_body = EnableRequest,
    responses((status = 200, body = RecoveryCodes), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 409, body = ErrorBody), (status = 429, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn enable(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<EnableRequest>,
) -> Result<Json<RecoveryCodes>, AppError> {
    let (codes, _) = second_factor::enable(&state, &user, body.password, &body.code).await?;
    Ok(Json(RecoveryCodes {
        recovery_codes: codes,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DisableRequest {
    pub password: String,
    /// A code from the app, or a recovery code.
    #[schema(min_length = 6, max_length = 64)]
    pub code: String,
}

/// Turn two-factor sign-in off: the password and a code, asked again.
/// Every session loses the second factor (an admin's tools close).
#[utoipa::path(post, path = "/auth/two-factor/disable", tag = "two-factor", request_body = DisableRequest,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 429, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn disable(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<DisableRequest>,
) -> Result<StatusCode, AppError> {
    second_factor::disable(&state, &user, body.password, &body.code).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// New recovery codes (a code from the app, or a recovery code, asked
/// again); the old ones stop working.
#[utoipa::path(post, path = "/auth/two-factor/recovery-codes", tag = "two-factor", request_body = CodeRequest,
    responses((status = 200, body = RecoveryCodes), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 409, body = ErrorBody), (status = 429, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn renew(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<CodeRequest>,
) -> Result<Json<RecoveryCodes>, AppError> {
    let codes = second_factor::renew_recovery_codes(&state, &user, &body.code).await?;
    Ok(Json(RecoveryCodes {
        recovery_codes: codes,
    }))
}
