//! Seed 000's bookings API. Creating a booking is idempotent by the
//! `Idempotency-Key` header (or `clientKey`); a taken slot is a 409 that
//! carries the fresh free slots of that day and the next.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use app::error::AppError;
use app::kernel::ids::BookingId;
use app::kernel::money::Cents;
use app::kernel::time;
use app::services::bookings::{self, Side};
use app::services::model::{BookingAction, BookingRequest, BookingView};
use app::state::AppState;

use super::auth::ErrorBody;
use super::services::{ApiSlot, parse_instant, slots_between};
use super::{ApiJson, ApiQuery, CurrentUser, IdempotencyKey, PathId};

/// Bookings, their status flow and live location (seed 000).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(create))
        .routes(routes!(get_one))
        .routes(routes!(update))
        .routes(routes!(cancel))
        .routes(routes!(location))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiHistory {
    pub status: String,
    pub actor_name: Option<String>,
    pub note: String,
    pub at: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiPosition {
    pub lat: f64,
    pub lng: f64,
    pub accuracy: i64,
    pub at: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiBooking {
    pub id: i64,
    pub service_id: i64,
    pub service_title: String,
    pub provider_id: i64,
    pub provider_name: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub starts_at: String,
    pub ends_at: String,
    /// requested, confirmed, declined, in_progress, completed or cancelled.
    pub status: String,
    pub price: f64,
    pub price_cents: i64,
    pub currency: String,
    pub address: String,
    pub notes: String,
    pub cancel_reason: Option<String>,
    pub en_route: bool,
    /// The provider's last position: only for the two parties, only while under way.
    pub location: Option<ApiPosition>,
    /// Customers may cancel or move it until then.
    pub cancel_until: String,
    pub history: Vec<ApiHistory>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&BookingView> for ApiBooking {
    fn from(b: &BookingView) -> Self {
        Self {
            id: b.id,
            service_id: b.service_id,
            service_title: b.service_title.clone(),
            provider_id: b.provider_id,
            provider_name: b.provider_name.clone(),
            customer_id: b.customer_id,
            customer_name: b.customer_name.clone(),
            starts_at: time::iso(b.starts_at),
            ends_at: time::iso(b.ends_at),
            status: b.status.as_str().into(),
            price: Cents::new(b.price_cents).major(),
            price_cents: b.price_cents,
            currency: b.currency.clone(),
            address: b.address.clone(),
            notes: b.notes.clone(),
            cancel_reason: b.cancel_reason.clone(),
            en_route: b.en_route,
            location: b.position.map(|p| ApiPosition {
                lat: p.lat,
                lng: p.lng,
                accuracy: p.accuracy_m,
                at: time::iso(p.at),
            }),
            cancel_until: time::iso(b.cancel_until),
            history: b
                .history
                .iter()
                .map(|h| ApiHistory {
                    status: h.status.clone(),
                    actor_name: h.actor_name.clone(),
                    note: h.note.clone(),
                    at: time::iso(h.at),
                })
                .collect(),
            created_at: time::iso(b.created_at),
            updated_at: time::iso(b.updated_at),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `customer` (bookings you made), `provider` (bookings of your time);
    /// both when absent.
    #[serde(rename = "as")]
    #[param(inline)]
    pub side: Option<ApiSide>,
}

/// Which side of your bookings.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ApiSide {
    Customer,
    Provider,
}

/// Your bookings.
#[utoipa::path(get, path = "/bookings", tag = "bookings", params(ListParams),
    responses((status = 200, body = [ApiBooking]), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<Json<Vec<ApiBooking>>, AppError> {
    let sides: &[Side] = match p.side {
        None => &[Side::Customer, Side::Provider],
        Some(ApiSide::Customer) => &[Side::Customer],
        Some(ApiSide::Provider) => &[Side::Provider],
    };
    let mut out = Vec::new();
    for side in sides {
        out.extend(
            bookings::list(&state, &user, *side)
                .await?
                .iter()
                .map(ApiBooking::from),
        );
    }
    Ok(Json(out))
}

/// One of your bookings (as customer or provider), with its timeline.
#[utoipa::path(get, path = "/bookings/{id}", tag = "bookings", params(("id" = i64, Path)),
    responses((status = 200, body = ApiBooking), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_one(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId<BookingId>,
) -> Result<Json<ApiBooking>, AppError> {
    let booking = bookings::get_booking(&state, &user, id).await?;
    Ok(Json(ApiBooking::from(&booking)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateBooking {
    pub service_id: i64,
    /// ISO 8601, one of the service's free slots.
    #[schema(format = DateTime)]
    pub starts_at: String,
    /// Where the provider comes to (services at the customer's).
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub notes: String,
    /// Like the `Idempotency-Key` header.
    #[schema(pattern = "^[!-~]{1,100}$", min_length = 1, max_length = 100)]
    pub client_key: Option<String>,
}

/// A 409 for a taken slot, with the fresh free slots of that day and the next.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TakenBody {
    pub status_code: u16,
    pub message: String,
    pub error: String,
    pub slots: Vec<ApiSlot>,
}

/// Books a slot: 201 with the new booking (status `requested`), 200 with
/// the first one when the same key is sent again.
#[utoipa::path(post, path = "/bookings", tag = "bookings", request_body = CreateBooking,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = ApiBooking), (status = 200, body = ApiBooking), (status = 400, body = ErrorBody), (status = 404, description = "No such service", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 409, body = TakenBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    key: IdempotencyKey,
    ApiJson(body): ApiJson<CreateBooking>,
) -> Result<Response, AppError> {
    let starts_at = time::parse_iso("startsAt", &body.starts_at)?;
    let key = key.or_body("clientKey", body.client_key.as_deref())?;
    let request = BookingRequest {
        service_id: body.service_id,
        starts_at,
        address: body.address,
        notes: body.notes,
        key: String::new(),
    };
    match bookings::book(&state, &user, &request, key).await {
        Ok((booking, created)) => {
            let status = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok((status, Json(ApiBooking::from(&booking))).into_response())
        }
        Err(AppError::Conflict(message)) => {
            let day = starts_at - starts_at.rem_euclid(86_400_000);
            let slots = slots_between(
                &state,
                Some(&user),
                body.service_id,
                day,
                day + 2 * 86_400_000,
            )
            .await
            .map(|s| s.slots)
            .unwrap_or_default();
            Ok((
                StatusCode::CONFLICT,
                Json(TakenBody {
                    status_code: 409,
                    message,
                    error: "Conflict".into(),
                    slots,
                }),
            )
                .into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateBooking {
    /// The new status (`confirmed`, `declined`, `in_progress`, `completed`,
    /// `cancelled`) or `on_my_way`.
    #[schema(pattern = "^(confirmed|declined|in_progress|completed|cancelled|on_my_way)$")]
    pub status: Option<String>,
    /// Required when the provider cancels.
    #[serde(default)]
    pub reason: String,
    /// Moves the booking to this free slot instead (ISO 8601; the customer).
    #[schema(format = DateTime)]
    pub starts_at: Option<String>,
}

/// Changes a booking's status, or moves it (`startsAt`).
#[utoipa::path(put, path = "/bookings/{id}", tag = "bookings", params(("id" = i64, Path)), request_body = UpdateBooking,
    responses((status = 200, body = ApiBooking), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId<BookingId>,
    ApiJson(body): ApiJson<UpdateBooking>,
) -> Result<Json<ApiBooking>, AppError> {
    let booking = match (body.starts_at.as_deref(), body.status.as_deref()) {
        (Some(start), None) => {
            let start = parse_instant("startsAt", start)?;
            bookings::reschedule(&state, &user, id, start).await?
        }
        (None, Some(status)) => {
            let action = BookingAction::parse(status).ok_or_else(|| {
                AppError::bad_request(
                    "status",
                    "status must be confirmed, declined, in_progress, completed, cancelled or on_my_way.",
                )
            })?;
            bookings::act(&state, &user, id, action, &body.reason).await?
        }
        _ => {
            return Err(AppError::bad_request(
                "status",
                "Send either status or startsAt.",
            ));
        }
    };
    Ok(Json(ApiBooking::from(&booking)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CancelParams {
    /// Why (required when the provider cancels).
    pub reason: Option<String>,
}

/// Cancels a booking (the customer inside the cancellation window; the
/// provider before the start, with a reason).
#[utoipa::path(delete, path = "/bookings/{id}", tag = "bookings", params(("id" = i64, Path), CancelParams),
    responses((status = 200, body = ApiBooking), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn cancel(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId<BookingId>,
    ApiQuery(p): ApiQuery<CancelParams>,
) -> Result<Json<ApiBooking>, AppError> {
    let reason = p.reason.unwrap_or_default();
    let booking = bookings::act(&state, &user, id, BookingAction::Cancel, &reason).await?;
    Ok(Json(ApiBooking::from(&booking)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LocationBody {
    #[schema(minimum = -90, maximum = 90)]
    pub lat: f64,
    #[schema(minimum = -180, maximum = 180)]
    pub lng: f64,
    /// Metres.
    #[serde(default)]
    pub accuracy: f64,
}

/// The provider shares where they are (seed 000's `location:update`); only
/// while on the way or in progress. The customer sees it live.
#[utoipa::path(put, path = "/bookings/{id}/location", tag = "bookings", params(("id" = i64, Path)), request_body = LocationBody,
    responses((status = 200, body = ApiBooking), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn location(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId<BookingId>,
    ApiJson(body): ApiJson<LocationBody>,
) -> Result<Json<ApiBooking>, AppError> {
    let booking =
        bookings::share_location(&state, &user, id, body.lat, body.lng, body.accuracy).await?;
    Ok(Json(ApiBooking::from(&booking)))
}
