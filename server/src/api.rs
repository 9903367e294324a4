//! The JSON API under /api, for integrators (seed 001's shape): Bearer
//! tokens, `{statusCode, message, error}` errors, documented at
//! /api/openapi.json.

pub mod auth;
pub mod bookings;
pub mod chat;
pub mod events;
mod extract;
pub mod families;
mod openapi;
pub mod orders;
pub mod reviews;
pub mod services;
pub mod sessions;
pub mod streaming;
pub mod two_factor;
pub mod users;
pub mod wallet;

use axum::Router;
use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;

use app::state::AppState;

pub use extract::{ApiJson, ApiQuery, CurrentUser, IdempotencyKey, PathId, PathIds, Requester};

/// Every operation of `/api`, with paths relative to it. The router and
/// the API document are both made from this one list: an operation is
/// served exactly when it is documented.
pub fn operations() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(auth::router())
        .merge(users::router())
        .merge(events::router())
        .merge(orders::router())
        .merge(wallet::router())
        .merge(wallet::admin_router())
        .merge(sessions::router())
        .merge(two_factor::router())
        .merge(services::router())
        .merge(bookings::router())
        .merge(reviews::router())
        .merge(chat::router())
        .merge(streaming::router())
}

/// Mounted at /api: its operations, the document, JSON 404s.
pub fn router() -> Router<AppState> {
    Router::from(operations())
        .route("/openapi.json", get(openapi::document))
        .fallback(not_found)
}

/// Unknown API paths answer in JSON, not with the HTML 404 page.
pub(crate) async fn not_found() -> app::error::AppError {
    app::error::AppError::NotFound("This API endpoint".into())
}
