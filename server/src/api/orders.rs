//! Seed 001's orders API. Creating an order is idempotent by the
//! `Idempotency-Key` header (or `clientKey` in the body).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use app::error::AppError;
use app::events::holds;
use app::events::model::OrderView;
use app::events::orders::{self, NewOrder};
use app::kernel::ids::{EventId, OrderId, TierId};
use app::kernel::money::Cents;
use app::kernel::time;
use app::state::AppState;

use super::auth::ErrorBody;
use super::{ApiJson, ApiQuery, CurrentUser, IdempotencyKey, PathId};

/// Orders: creating (idempotent), confirming, cancelling, reading.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(mine))
        .routes(routes!(create))
        .routes(routes!(create_with_lock))
        .routes(routes!(all))
        .routes(routes!(by_event))
        .routes(routes!(get_one))
        .routes(routes!(confirm))
        .routes(routes!(cancel))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiTicket {
    pub code: String,
    /// `valid` or `void`.
    pub status: String,
    pub checked_in_at: Option<String>,
}

/// An order in seed 001's shape (prices in major units, plus exact cents).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiOrder {
    pub id: i64,
    pub user_id: i64,
    pub event_id: i64,
    pub category_id: i64,
    pub quantity: i64,
    pub unit_price: f64,
    pub unit_price_cents: i64,
    pub total_price: f64,
    pub total_cents: i64,
    pub currency: String,
    /// `pending`, `confirmed`, `completed` or `cancelled`.
    pub status: String,
    /// `door`: confirmed at once, paid at the entrance; `wallet`: paid from
    /// the wallet when confirmed.
    pub payment_method: super::events::ApiPaymentMethod,
    pub event_name: String,
    pub category_name: String,
    pub notes: String,
    pub lock_id: Option<String>,
    pub cancel_reason: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub tickets: Vec<ApiTicket>,
}

impl From<&OrderView> for ApiOrder {
    fn from(o: &OrderView) -> Self {
        Self {
            id: o.id,
            user_id: o.user_id,
            event_id: o.event_id,
            category_id: o.tier_id,
            quantity: o.quantity,
            unit_price: Cents::new(o.unit_price_cents).major(),
            unit_price_cents: o.unit_price_cents,
            total_price: Cents::new(o.total_cents).major(),
            total_cents: o.total_cents,
            currency: o.currency.clone(),
            status: o.status.as_str().to_string(),
            payment_method: o.payment_method.into(),
            event_name: o.event_name.clone(),
            category_name: o.tier_name.clone(),
            notes: o.notes.clone(),
            lock_id: o.hold_id.clone(),
            cancel_reason: o.cancel_reason.clone(),
            created_at: time::iso(o.created_at),
            updated_at: time::iso(o.updated_at),
            tickets: o
                .tickets
                .iter()
                .map(|t| ApiTicket {
                    code: t.code.clone(),
                    status: t.status.to_string(),
                    checked_in_at: t.checked_in_at.map(time::iso),
                })
                .collect(),
        }
    }
}

fn many(orders: &[OrderView]) -> Json<Vec<ApiOrder>> {
    Json(orders.iter().map(ApiOrder::from).collect())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateOrder {
    pub event_id: Option<i64>,
    pub category_id: i64,
    #[schema(minimum = 1, maximum = 10)]
    pub quantity: i64,
    pub notes: Option<String>,
    /// Idempotency key (the `Idempotency-Key` header takes precedence).
    #[schema(pattern = "^[!-~]{1,100}$", min_length = 1, max_length = 100)]
    pub client_key: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateOrderWithLock {
    pub event_id: Option<i64>,
    pub category_id: Option<i64>,
    #[schema(minimum = 1, maximum = 10)]
    pub quantity: Option<i64>,
    pub lock_id: String,
    pub notes: Option<String>,
    #[schema(pattern = "^[!-~]{1,100}$", min_length = 1, max_length = 100)]
    pub client_key: Option<String>,
}

/// Order seats directly. For an event paid at the door the order comes back
/// `confirmed` with its tickets (pay at the entrance); otherwise `pending`,
/// its total reserved on your wallet until you confirm it.
#[utoipa::path(post, path = "/orders", tag = "orders", request_body = CreateOrder,
    params(("Idempotency-Key" = Option<String>, Header, description = "The same key returns the same order")),
    responses((status = 201, body = ApiOrder), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, description = "No such ticket category", body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    key: IdempotencyKey,
    ApiJson(body): ApiJson<CreateOrder>,
) -> Result<Response, AppError> {
    let event = body.event_id.map(EventId::new);
    holds::check_tier_event(&state, TierId::new(body.category_id), event).await?;
    let order = orders::place_order(
        &state,
        &user,
        NewOrder {
            tier_id: Some(body.category_id),
            quantity: Some(body.quantity),
            hold_id: None,
            notes: body.notes.unwrap_or_default(),
            client_key: key.or_body("clientKey", body.client_key.as_deref())?,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(ApiOrder::from(&order))).into_response())
}

/// Order the seats of a lock (from `/api/events/tickets/reserve`); at the
/// door, confirmed at once as for `POST /api/orders`.
#[utoipa::path(post, path = "/orders/with-lock", tag = "orders", request_body = CreateOrderWithLock,
    responses((status = 201, body = ApiOrder), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_with_lock(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    key: IdempotencyKey,
    ApiJson(body): ApiJson<CreateOrderWithLock>,
) -> Result<Response, AppError> {
    if let Some(tier) = body.category_id {
        let event = body.event_id.map(EventId::new);
        holds::check_tier_event(&state, TierId::new(tier), event).await?;
    }
    let order = orders::place_order(
        &state,
        &user,
        NewOrder {
            tier_id: body.category_id,
            quantity: body.quantity,
            hold_id: Some(body.lock_id),
            notes: body.notes.unwrap_or_default(),
            client_key: key.or_body("clientKey", body.client_key.as_deref())?,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(ApiOrder::from(&order))).into_response())
}

/// Confirm a pending order: its seats become tickets (pay at the door).
/// 409 if its lock expired first.
#[utoipa::path(post, path = "/orders/{id}/confirm", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = ApiOrder), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn confirm(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId<OrderId>,
) -> Result<Json<ApiOrder>, AppError> {
    let order = orders::confirm_order(&state, &user, id).await?;
    Ok(Json(ApiOrder::from(&order)))
}

/// Cancel an order before the event starts; its seats go back on sale.
#[utoipa::path(post, path = "/orders/{id}/cancel", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = ApiOrder), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn cancel(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId<OrderId>,
) -> Result<Json<ApiOrder>, AppError> {
    let order = orders::cancel_order(&state, &user, id).await?;
    Ok(Json(ApiOrder::from(&order)))
}

/// The caller's orders, newest first.
#[utoipa::path(get, path = "/orders", tag = "orders",
    responses((status = 200, body = [ApiOrder]), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn mine(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<Vec<ApiOrder>>, AppError> {
    Ok(many(&orders::my_orders(&state, &user).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// From 1; 50 orders a page.
    pub page: Option<i64>,
}

/// Every order (admins).
#[utoipa::path(get, path = "/orders/all", tag = "orders", params(PageQuery),
    responses((status = 200, body = [ApiOrder]), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn all(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Vec<ApiOrder>>, AppError> {
    Ok(many(
        &orders::all_orders(&state, &user, query.page.unwrap_or(1)).await?,
    ))
}

/// An event's orders (its organizer or an admin).
#[utoipa::path(get, path = "/orders/event/{eventId}", tag = "orders", params(("eventId" = i64, Path)),
    responses((status = 200, body = [ApiOrder]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn by_event(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(event_id): PathId<EventId>,
) -> Result<Json<Vec<ApiOrder>>, AppError> {
    Ok(many(&orders::event_orders(&state, &user, event_id).await?))
}

/// One order with its tickets (its buyer, the event's organizer, an admin).
#[utoipa::path(get, path = "/orders/{id}", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = ApiOrder), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn get_one(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId<OrderId>,
) -> Result<Json<ApiOrder>, AppError> {
    Ok(Json(ApiOrder::from(
        &orders::get_order(&state, &user, id).await?,
    )))
}
