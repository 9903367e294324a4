//! Seed 000's reviews API: list and write, plus the reply and moderation.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use app::accounts::session::Auth;
use app::error::AppError;
use app::kernel::ids::ReviewId;
use app::kernel::time;
use app::reviews::model::{About, ReviewView, Target};
use app::reviews::service;
use app::state::AppState;

use super::auth::ErrorBody;
use super::{ApiJson, ApiQuery, CurrentUser, PathId};

/// Reviews of services and events, replies and moderation.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(create))
        .routes(routes!(reply))
        .routes(routes!(hide))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiReview {
    pub id: i64,
    pub author_id: i64,
    pub author_name: String,
    pub rating: i64,
    pub comment: String,
    pub reply: Option<String>,
    pub booking_id: Option<i64>,
    pub service_id: Option<i64>,
    pub event_id: Option<i64>,
    /// Hidden by a moderator (only admins see hidden reviews).
    pub hidden: bool,
    pub created_at: String,
}

impl From<&ReviewView> for ApiReview {
    fn from(r: &ReviewView) -> Self {
        Self {
            id: r.id,
            author_id: r.author_id,
            author_name: r.author_name.clone(),
            rating: r.rating,
            comment: r.body.clone(),
            reply: r.reply.clone(),
            booking_id: r.booking_id,
            service_id: r.service_id,
            event_id: r.event_id,
            hidden: r.hidden,
            created_at: time::iso(r.created_at),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct ReviewParams {
    pub service_id: Option<i64>,
    pub event_id: Option<i64>,
    pub provider_id: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiReviews {
    pub reviews: Vec<ApiReview>,
    pub average_rating: f64,
    pub count: i64,
}

/// Reviews of one service, event or provider (give one of the ids).
#[utoipa::path(get, path = "/reviews", tag = "reviews", params(ReviewParams),
    responses((status = 200, body = ApiReviews), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Option<axum::Extension<Auth>>,
    ApiQuery(p): ApiQuery<ReviewParams>,
) -> Result<Json<ApiReviews>, AppError> {
    let about = match (p.service_id, p.event_id, p.provider_id) {
        (Some(id), None, None) => About::Service(id),
        (None, Some(id), None) => About::Event(id),
        (None, None, Some(id)) => About::Provider(id),
        _ => {
            return Err(AppError::bad_request(
                "serviceId",
                "Give one of serviceId, eventId or providerId.",
            ));
        }
    };
    let viewer = auth.as_ref().and_then(|a| a.0.0.as_ref());
    let list = service::list(&state, viewer, about).await?;
    Ok(Json(ApiReviews {
        reviews: list.reviews.iter().map(ApiReview::from).collect(),
        average_rating: list.average_tenths as f64 / 10.0,
        count: list.count,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateReview {
    /// A completed booking of yours…
    pub booking_id: Option<i64>,
    /// …or an event you attended.
    pub event_id: Option<i64>,
    /// 1 to 5.
    #[schema(minimum = 1, maximum = 5)]
    pub rating: i64,
    #[serde(default)]
    pub comment: String,
}

/// Reviews a completed booking or an attended event, once.
#[utoipa::path(post, path = "/reviews", tag = "reviews", request_body = CreateReview,
    responses((status = 201, body = ApiReview), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<CreateReview>,
) -> Result<Response, AppError> {
    let target = match (body.booking_id, body.event_id) {
        (Some(id), None) => Target::Booking(id),
        (None, Some(id)) => Target::Event(id),
        _ => {
            return Err(AppError::bad_request(
                "bookingId",
                "Give one of bookingId or eventId.",
            ));
        }
    };
    let review = service::create(&state, &user, target, body.rating, &body.comment).await?;
    Ok((StatusCode::CREATED, Json(ApiReview::from(&review))).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReplyBody {
    #[schema(pattern = "[^\\s\\u0085]", min_length = 1, max_length = 2000)]
    pub reply: String,
}

/// The provider or organizer reviewed answers, once.
#[utoipa::path(post, path = "/reviews/{id}/reply", tag = "reviews", params(("id" = i64, Path)), request_body = ReplyBody,
    responses((status = 200, body = ApiReview), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn reply(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId<ReviewId>,
    ApiJson(body): ApiJson<ReplyBody>,
) -> Result<Json<ApiReview>, AppError> {
    let review = service::reply(&state, &user, id, &body.reply).await?;
    Ok(Json(ApiReview::from(&review)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct HiddenBody {
    pub hidden: bool,
}

/// Admins hide an abusive review (or show it again).
#[utoipa::path(put, path = "/reviews/{id}/hidden", tag = "reviews", params(("id" = i64, Path)), request_body = HiddenBody,
    responses((status = 200, body = ApiReview), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn hide(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId<ReviewId>,
    ApiJson(body): ApiJson<HiddenBody>,
) -> Result<Json<ApiReview>, AppError> {
    let review = service::set_hidden(&state, &user, id, body.hidden).await?;
    Ok(Json(ApiReview::from(&review)))
}
