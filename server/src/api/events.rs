//! Seed 001's events API: events with their ticket categories, seat locks
//! (holds), availability. Same services as the pages.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use app::accounts::session::Auth;
use app::error::AppError;
use app::events::model::{
    CheckInOutcome, EventFields, EventInput, EventQuery, EventStatus, EventView, HoldView,
    PaymentMethod, TierFields, TierView,
};
use app::events::rows::event_view;
use app::events::{catalog, holds, tickets};
use app::kernel::ids::{EventId, TierId};
use app::kernel::money::{Cents, Limits};
use app::kernel::time;
use app::state::AppState;

use super::auth::ErrorBody;
use super::{ApiJson, ApiQuery, CurrentUser, PathId};

/// Events, their ticket categories and seat locks (seed 001).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_events))
        .routes(routes!(create_event))
        .routes(routes!(upcoming))
        .routes(routes!(by_category))
        .routes(routes!(reserve))
        .routes(routes!(release))
        .routes(routes!(locks))
        .routes(routes!(get_event))
        .routes(routes!(update_event))
        .routes(routes!(delete_event))
        .routes(routes!(event_tickets))
        .routes(routes!(cancel_event))
        .routes(routes!(check_in))
}

fn viewer(auth: &Option<axum::Extension<Auth>>) -> Option<&app::accounts::service::AuthUser> {
    auth.as_ref().and_then(|a| a.0.0.as_ref())
}

/// A ticket category (tier) in seed 001's shape.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiTier {
    pub id: i64,
    pub category_name: String,
    /// Major units, as in seed 001 (150.0); `priceCents` is exact.
    pub price: f64,
    pub price_cents: i64,
    pub total_seats: i64,
    /// Sold plus held right now.
    pub reserved_seats: i64,
    pub sold_seats: i64,
    pub held_seats: i64,
    pub available_seats: i64,
    pub description: String,
    pub is_active: bool,
    pub event_id: i64,
}

impl From<&TierView> for ApiTier {
    fn from(t: &TierView) -> Self {
        Self {
            id: t.id,
            category_name: t.name.clone(),
            price: Cents::new(t.price_cents).major(),
            price_cents: t.price_cents,
            total_seats: t.capacity,
            reserved_seats: t.sold + t.held,
            sold_seats: t.sold,
            held_seats: t.held,
            available_seats: t.available,
            description: t.description.clone(),
            is_active: t.active,
            event_id: t.event_id,
        }
    }
}

/// An event in seed 001's shape.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiEvent {
    pub id_event: i64,
    pub event_name: String,
    pub event_category: String,
    pub description: String,
    /// ISO 8601, UTC.
    pub event_date: String,
    pub end_date: Option<String>,
    /// IANA time zone of the event.
    pub timezone: String,
    pub location: String,
    pub cover_url: Option<String>,
    pub currency: String,
    /// Percent of the price kept when a buyer cancels.
    pub cancellation_fee_pct: i64,
    pub payment_method: ApiPaymentMethod,
    pub is_active: bool,
    /// `published`, `draft` or `cancelled`.
    pub status: String,
    pub created_by: i64,
    pub organizer_name: String,
    pub ticket_categories: Vec<ApiTier>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&EventView> for ApiEvent {
    fn from(e: &EventView) -> Self {
        Self {
            id_event: e.id,
            event_name: e.name.clone(),
            event_category: e.category.clone(),
            description: e.description.clone(),
            event_date: time::iso(e.starts_at),
            end_date: e.ends_at.map(time::iso),
            timezone: e.timezone.clone(),
            location: e.venue.clone(),
            cover_url: e.cover_url.clone(),
            currency: e.currency.clone(),
            cancellation_fee_pct: e.cancellation_fee_pct,
            payment_method: e.payment_method.into(),
            is_active: e.status == EventStatus::Published,
            status: e.status.as_str().to_string(),
            created_by: e.organizer_id,
            organizer_name: e.organizer_name.clone(),
            ticket_categories: e.tiers.iter().map(ApiTier::from).collect(),
            created_at: time::iso(e.created_at),
            updated_at: time::iso(e.updated_at),
        }
    }
}

/// How buyers pay: `wallet` (the default: an order reserves its total on
/// the buyer's wallet and confirming it pays) or `door` (an order is
/// confirmed at once with its tickets, no money moves in Marquee, and the
/// buyer pays at the entrance).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ApiPaymentMethod {
    Wallet,
    Door,
}

impl From<PaymentMethod> for ApiPaymentMethod {
    fn from(method: PaymentMethod) -> Self {
        match method {
            PaymentMethod::Wallet => Self::Wallet,
            PaymentMethod::Door => Self::Door,
        }
    }
}

impl From<ApiPaymentMethod> for PaymentMethod {
    fn from(method: ApiPaymentMethod) -> Self {
        match method {
            ApiPaymentMethod::Wallet => Self::Wallet,
            ApiPaymentMethod::Door => Self::Door,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TierBody {
    /// Set to change an existing category (PUT); absent for a new one.
    pub id: Option<i64>,
    pub category_name: String,
    /// Major units (75.00); or give `priceCents`.
    pub price: Option<f64>,
    pub price_cents: Option<i64>,
    pub total_seats: i64,
    pub description: Option<String>,
    pub is_active: Option<bool>,
    #[schema(format = DateTime)]
    pub sales_start: Option<String>,
    #[schema(format = DateTime)]
    pub sales_end: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateEvent {
    #[schema(pattern = "[^\\s\\u0085]", max_length = 120)]
    pub event_name: String,
    #[schema(pattern = "[^\\s\\u0085]", max_length = 40)]
    pub event_category: String,
    pub description: Option<String>,
    /// ISO 8601 (`2027-07-15T18:00:00Z`).
    #[schema(format = DateTime)]
    pub event_date: String,
    #[schema(format = DateTime)]
    pub end_date: Option<String>,
    pub timezone: Option<String>,
    pub location: Option<String>,
    #[schema(pattern = "^(https?://[^\\s\\u0085\"<]*)?$", max_length = 500)]
    pub cover_url: Option<String>,
    /// Percent of the price kept when a buyer cancels (0 to 100).
    pub cancellation_fee_pct: Option<i64>,
    /// `wallet` when left out of a new event.
    pub payment_method: Option<ApiPaymentMethod>,
    pub is_active: Option<bool>,
    pub ticket_categories: Vec<TierBody>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateEvent {
    pub event_name: Option<String>,
    pub event_category: Option<String>,
    pub description: Option<String>,
    #[schema(format = DateTime)]
    pub event_date: Option<String>,
    #[schema(format = DateTime)]
    pub end_date: Option<String>,
    pub timezone: Option<String>,
    pub location: Option<String>,
    #[schema(pattern = "^(https?://[^\\s\\u0085\"<]*)?$", max_length = 500)]
    pub cover_url: Option<String>,
    /// Percent of the price kept when a buyer cancels (0 to 100).
    pub cancellation_fee_pct: Option<i64>,
    /// `wallet` when left out of a new event.
    pub payment_method: Option<ApiPaymentMethod>,
    pub is_active: Option<bool>,
    /// Categories to change (with `id`) or add (without); others stay.
    pub ticket_categories: Option<Vec<TierBody>>,
}

fn price_cents(i: usize, tier: &TierBody) -> Result<i64, AppError> {
    let field = format!("ticketCategories.{i}.price");
    Cents::from_api(&field, tier.price_cents, tier.price, Limits::PRICE).map(Cents::get)
}

fn tier_fields(i: usize, tier: &TierBody) -> Result<TierFields, AppError> {
    let at = |f: &str| format!("ticketCategories.{i}.{f}");
    Ok(TierFields {
        id: tier.id,
        name: tier.category_name.clone(),
        description: tier.description.clone().unwrap_or_default(),
        price_cents: price_cents(i, tier)?,
        capacity: tier.total_seats,
        active: tier.is_active.unwrap_or(true),
        sales_start: tier
            .sales_start
            .as_deref()
            .map(|s| time::parse_iso(&at("salesStart"), s))
            .transpose()?,
        sales_end: tier
            .sales_end
            .as_deref()
            .map(|s| time::parse_iso(&at("salesEnd"), s))
            .transpose()?,
    })
}

/// Names a 400's field as the API calls it (`eventDate`, not `starts_at`).
fn seed_fields(error: AppError) -> AppError {
    let AppError::BadRequest {
        field: Some(field),
        message,
    } = error
    else {
        return error;
    };
    let renamed = match field.as_str() {
        "name" => "eventName".to_string(),
        "category" => "eventCategory".to_string(),
        "starts_at" => "eventDate".to_string(),
        "ends_at" => "endDate".to_string(),
        "venue" => "location".to_string(),
        "cover_url" => "coverUrl".to_string(),
        "cancellation_fee" => "cancellationFeePct".to_string(),
        "tiers" => "ticketCategories".to_string(),
        other => match other.strip_prefix("tiers.") {
            Some(rest) => {
                let rest = rest
                    .replace(".name", ".categoryName")
                    .replace(".capacity", ".totalSeats")
                    .replace(".sales_start", ".salesStart")
                    .replace(".sales_end", ".salesEnd");
                format!("ticketCategories.{rest}")
            }
            None => other.to_string(),
        },
    };
    AppError::BadRequest {
        field: Some(renamed),
        message,
    }
}

fn status(active: Option<bool>, current: EventStatus) -> EventStatus {
    match active {
        Some(true) => EventStatus::Published,
        Some(false) => EventStatus::Draft,
        None => current,
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct ListQuery {
    /// Text in the name, venue, category or description.
    pub q: Option<String>,
    pub category: Option<String>,
    /// `upcoming` (default), `past` or `all`.
    #[param(pattern = "^(upcoming|past|all)$")]
    pub when: Option<String>,
    /// `YYYY-MM-DD`, UTC, inclusive.
    #[param(format = Date)]
    pub from: Option<String>,
    #[param(format = Date)]
    pub to: Option<String>,
    /// `soonest` (default), `latest`, `newest` or `name`.
    #[param(pattern = "^(soonest|latest|newest|name)$")]
    pub sort: Option<String>,
    #[param(minimum = 1)]
    pub page: Option<i64>,
    /// 1–100, default 12.
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

impl ListQuery {
    fn into_query(self) -> EventQuery {
        EventQuery {
            q: self.q,
            category: self.category,
            when: self.when,
            from: self.from,
            to: self.to,
            sort: self.sort,
            page: self.page,
            per_page: self.per_page,
        }
    }
}

async fn list(
    state: &AppState,
    auth: &Option<axum::Extension<Auth>>,
    query: EventQuery,
) -> Result<Json<Vec<ApiEvent>>, AppError> {
    let list = catalog::list_events(state, viewer(auth), &query).await?;
    Ok(Json(list.events.iter().map(ApiEvent::from).collect()))
}

/// Published events, filtered, sorted and paged (upcoming by default).
#[utoipa::path(get, path = "/events", tag = "events", params(ListQuery),
    responses((status = 200, body = [ApiEvent]), (status = 400, body = ErrorBody)))]
pub async fn list_events(
    State(state): State<AppState>,
    auth: Option<axum::Extension<Auth>>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Vec<ApiEvent>>, AppError> {
    list(&state, &auth, query.into_query()).await
}

/// Events that have not started yet, soonest first.
#[utoipa::path(get, path = "/events/upcoming", tag = "events",
    responses((status = 200, body = [ApiEvent])))]
pub async fn upcoming(
    State(state): State<AppState>,
    auth: Option<axum::Extension<Auth>>,
) -> Result<Json<Vec<ApiEvent>>, AppError> {
    list(
        &state,
        &auth,
        EventQuery {
            per_page: Some(100),
            ..Default::default()
        },
    )
    .await
}

/// Upcoming events of one category (case-insensitive).
#[utoipa::path(get, path = "/events/category/{category}", tag = "events",
    params(("category" = String, Path)), responses((status = 200, body = [ApiEvent])))]
pub async fn by_category(
    State(state): State<AppState>,
    auth: Option<axum::Extension<Auth>>,
    Path(category): Path<String>,
) -> Result<Json<Vec<ApiEvent>>, AppError> {
    list(
        &state,
        &auth,
        EventQuery {
            category: Some(category),
            per_page: Some(100),
            ..Default::default()
        },
    )
    .await
}

/// One event with its ticket categories.
#[utoipa::path(get, path = "/events/{id}", tag = "events", params(("id" = i64, Path)),
    responses((status = 200, body = ApiEvent), (status = 404, body = ErrorBody)))]
pub async fn get_event(
    State(state): State<AppState>,
    auth: Option<axum::Extension<Auth>>,
    PathId(id): PathId<EventId>,
) -> Result<Response, AppError> {
    let now = time::now_millis();
    let event = catalog::visible_snapshot(&state, viewer(&auth), id, now).await?;
    // Encoded once per kept read of the event: `ApiEvent` shows neither the
    // viewer nor the clock, so every reader of this read gets the same body.
    let body = match event.api_body.get() {
        Some(body) => body.clone(),
        None => {
            let view = event_view(&event.row, &event.tiers, now, None);
            let body = serde_json::to_vec(&ApiEvent::from(&view)).map_err(|error| {
                tracing::error!(%error, "an event could not be encoded");
                AppError::Internal
            })?;
            let body = axum::body::Bytes::from(body);
            event.api_body.get_or_init(|| body).clone()
        }
    };
    Ok(([(CONTENT_TYPE, "application/json")], body).into_response())
}

/// The ticket categories of an event with live availability.
#[utoipa::path(get, path = "/events/{id}/tickets", tag = "events", params(("id" = i64, Path)),
    responses((status = 200, body = [ApiTier]), (status = 404, body = ErrorBody)))]
pub async fn event_tickets(
    State(state): State<AppState>,
    auth: Option<axum::Extension<Auth>>,
    PathId(id): PathId<EventId>,
) -> Result<Json<Vec<ApiTier>>, AppError> {
    let event = catalog::get_event(&state, viewer(&auth), id).await?;
    Ok(Json(event.tiers.iter().map(ApiTier::from).collect()))
}

/// Create an event with its ticket categories (organizers).
#[utoipa::path(post, path = "/events", tag = "events", request_body = CreateEvent,
    responses((status = 201, body = ApiEvent), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_event(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<CreateEvent>,
) -> Result<Response, AppError> {
    user.require_role(app::accounts::model::Role::Organizer)?;
    let timezone = body.timezone.clone().unwrap_or_else(|| "UTC".into());
    let input = EventInput::parse(EventFields {
        name: body.event_name,
        category: body.event_category,
        description: body.description.unwrap_or_default(),
        starts_at: time::parse_iso("eventDate", &body.event_date)?,
        ends_at: body
            .end_date
            .as_deref()
            .map(|d| time::parse_iso("endDate", d))
            .transpose()?,
        timezone,
        venue: body.location.unwrap_or_default(),
        cover_url: app::kernel::text::parse_cover_url(body.cover_url.as_deref().unwrap_or(""))
            .map_err(seed_fields)?,
        status: status(body.is_active, EventStatus::Published),
        cancellation_fee_pct: body.cancellation_fee_pct,
        payment_method: body.payment_method.map(PaymentMethod::from),
        tiers: body
            .ticket_categories
            .iter()
            .enumerate()
            .map(|(i, t)| tier_fields(i, t))
            .collect::<Result<_, _>>()?,
        remove_tiers: Vec::new(),
    })
    .map_err(seed_fields)?;
    let event = catalog::create_event(&state, &user, input)
        .await
        .map_err(seed_fields)?;
    Ok((StatusCode::CREATED, Json(ApiEvent::from(&event))).into_response())
}

/// Change an event (its organizer or an admin); fields left out stay.
#[utoipa::path(put, path = "/events/{id}", tag = "events", params(("id" = i64, Path)), request_body = UpdateEvent,
    responses((status = 200, body = ApiEvent), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_event(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId<EventId>,
    ApiJson(body): ApiJson<UpdateEvent>,
) -> Result<Json<ApiEvent>, AppError> {
    catalog::managed_event(&state, &user, id).await?;
    let current = catalog::get_event(&state, Some(&user), id).await?;
    let input = EventInput::parse(EventFields {
        name: body.event_name.unwrap_or(current.name),
        category: body.event_category.unwrap_or(current.category),
        description: body.description.unwrap_or(current.description),
        starts_at: match body.event_date.as_deref() {
            Some(d) => time::parse_iso("eventDate", d)?,
            None => current.starts_at,
        },
        ends_at: match body.end_date.as_deref() {
            Some("") => None,
            Some(d) => Some(time::parse_iso("endDate", d)?),
            None => current.ends_at,
        },
        timezone: body.timezone.unwrap_or(current.timezone),
        venue: body.location.unwrap_or(current.venue),
        cover_url: match body.cover_url.as_deref() {
            Some(url) => app::kernel::text::parse_cover_url(url).map_err(seed_fields)?,
            None => current.cover_url,
        },
        status: status(body.is_active, current.status),
        cancellation_fee_pct: body.cancellation_fee_pct,
        payment_method: body.payment_method.map(PaymentMethod::from),
        tiers: body
            .ticket_categories
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, t)| tier_fields(i, t))
            .collect::<Result<_, _>>()?,
        remove_tiers: Vec::new(),
    })
    .map_err(seed_fields)?;
    let event = catalog::update_event(&state, &user, id, input)
        .await
        .map_err(seed_fields)?;
    Ok(Json(ApiEvent::from(&event)))
}

/// Delete an event that has sold nothing (else 409: cancel it instead).
#[utoipa::path(delete, path = "/events/{id}", tag = "events", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_event(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId<EventId>,
) -> Result<StatusCode, AppError> {
    catalog::delete_event(&state, &user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CancelResult {
    pub success: bool,
    pub orders_cancelled: u64,
}

/// Cancel an event and all its orders.
#[utoipa::path(post, path = "/events/{id}/cancel", tag = "events", params(("id" = i64, Path)),
    responses((status = 200, body = CancelResult), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn cancel_event(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId<EventId>,
) -> Result<Json<CancelResult>, AppError> {
    let orders_cancelled = catalog::cancel_event(&state, &user, id).await?;
    Ok(Json(CancelResult {
        success: true,
        orders_cancelled,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReserveBody {
    pub event_id: Option<i64>,
    pub category_id: i64,
    #[schema(minimum = 1, maximum = 10)]
    pub quantity: i64,
}

/// The answer to a reserve (seed 001's lock response).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReserveResult {
    pub success: bool,
    pub lock_id: Option<String>,
    pub expires_at: Option<String>,
    pub available_seats: i64,
    pub message: String,
    /// On failure: 409 (not enough seats, limits) or another status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
}

/// Hold seats of a category for a limited time; returns the lock id.
#[utoipa::path(post, path = "/events/tickets/reserve", tag = "tickets", request_body = ReserveBody,
    responses((status = 201, body = ReserveResult), (status = 409, body = ReserveResult, description = "Not enough seats; availableSeats says how many are left"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, description = "No such ticket category", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn reserve(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<ReserveBody>,
) -> Result<Response, AppError> {
    let event = body.event_id.map(EventId::new);
    holds::check_tier_event(&state, TierId::new(body.category_id), event).await?;
    match holds::hold(&state, &user, TierId::new(body.category_id), body.quantity).await {
        Ok(hold) => Ok((
            StatusCode::CREATED,
            Json(ReserveResult {
                success: true,
                expires_at: Some(time::iso(hold.expires_at)),
                lock_id: Some(hold.id),
                available_seats: hold.available,
                message: "Tickets reserved successfully".into(),
                status_code: None,
            }),
        )
            .into_response()),
        Err(AppError::Conflict(message)) => {
            let available_seats =
                holds::available_seats(&state, TierId::new(body.category_id)).await?;
            Ok((
                StatusCode::CONFLICT,
                Json(ReserveResult {
                    success: false,
                    lock_id: None,
                    expires_at: None,
                    available_seats,
                    message,
                    status_code: Some(409),
                }),
            )
                .into_response())
        }
        Err(other) => Err(other),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseBody {
    /// Release this lock; or give `categoryId` to release your locks on it.
    pub lock_id: Option<String>,
    pub category_id: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseResult {
    pub success: bool,
    pub released: Vec<String>,
    pub message: String,
}

/// Give held seats back before the lock expires.
#[utoipa::path(post, path = "/events/tickets/release", tag = "tickets", request_body = ReleaseBody,
    responses((status = 200, body = ReleaseResult), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn release(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<ReleaseBody>,
) -> Result<Json<ReleaseResult>, AppError> {
    let released: Vec<HoldView> = match (body.lock_id, body.category_id) {
        (Some(lock), _) => vec![holds::release(&state, &user, &lock).await?],
        (None, Some(tier)) => holds::release_tier(&state, &user, tier).await?,
        (None, None) => {
            return Err(AppError::bad_request(
                "lockId",
                "Give lockId or categoryId.",
            ));
        }
    };
    Ok(Json(ReleaseResult {
        success: true,
        message: format!("Released {} lock(s)", released.len()),
        released: released.into_iter().map(|h| h.id).collect(),
    }))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiLock {
    pub lock_id: String,
    pub event_id: i64,
    pub event_name: String,
    pub category_id: i64,
    pub category_name: String,
    pub quantity: i64,
    pub expires_at: String,
    pub seconds_left: i64,
    pub order_id: Option<i64>,
}

/// The caller's active locks.
#[utoipa::path(get, path = "/events/tickets/locks", tag = "tickets",
    responses((status = 200, body = [ApiLock]), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn locks(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<Vec<ApiLock>>, AppError> {
    let mine = holds::my_holds(&state, &user).await?;
    Ok(Json(
        mine.into_iter()
            .map(|h| ApiLock {
                lock_id: h.id,
                event_id: h.event_id,
                event_name: h.event_name,
                category_id: h.tier_id,
                category_name: h.tier_name,
                quantity: h.quantity,
                expires_at: time::iso(h.expires_at),
                seconds_left: h.seconds_left,
                order_id: h.order_id,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CheckInBody {
    pub code: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CheckInResult {
    /// `valid` (admitted now), `already_checked_in`, `other_event`, `void` or `invalid`.
    pub result: String,
    pub holder: Option<String>,
    pub category_name: Option<String>,
    pub checked_in_at: Option<String>,
    pub event_name: Option<String>,
}

/// Check a ticket in at the door (the event's organizer or an admin).
#[utoipa::path(post, path = "/events/{id}/check-in", tag = "tickets", params(("id" = i64, Path)), request_body = CheckInBody,
    responses((status = 200, body = CheckInResult), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn check_in(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId<EventId>,
    ApiJson(body): ApiJson<CheckInBody>,
) -> Result<Json<CheckInResult>, AppError> {
    let outcome = tickets::check_in(&state, &user, id, &body.code).await?;
    let empty = CheckInResult {
        result: String::new(),
        holder: None,
        category_name: None,
        checked_in_at: None,
        event_name: None,
    };
    Ok(Json(match outcome {
        CheckInOutcome::Valid { holder, tier } => CheckInResult {
            result: "valid".into(),
            holder: Some(holder),
            category_name: Some(tier),
            ..empty
        },
        CheckInOutcome::AlreadyCheckedIn {
            holder, tier, at, ..
        } => CheckInResult {
            result: "already_checked_in".into(),
            holder: Some(holder),
            category_name: Some(tier),
            checked_in_at: Some(time::iso(at)),
            ..empty
        },
        CheckInOutcome::NotCheckedIn { holder, tier } => CheckInResult {
            result: "not_checked_in".into(),
            holder: Some(holder),
            category_name: Some(tier),
            ..empty
        },
        CheckInOutcome::OtherEvent { event_name } => CheckInResult {
            result: "other_event".into(),
            event_name: Some(event_name),
            ..empty
        },
        CheckInOutcome::Void => CheckInResult {
            result: "void".into(),
            ..empty
        },
        CheckInOutcome::Invalid => CheckInResult {
            result: "invalid".into(),
            ..empty
        },
    }))
}
