//! The JSON API under /api, for integrators (seed 001's shape): Bearer
//! tokens, `{statusCode, message, error}` errors, documented at
//! /api/openapi.json.

pub(crate) mod auth;
mod extract;
mod openapi;
pub(crate) mod users;

use axum::Router;
use axum::routing::{get, post, put};

use app::state::AppState;

pub use extract::{ApiJson, ClientIp, CurrentUser};

/// Mounted at /api.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/register", post(auth::register))
        .route("/auth/login", post(auth::login))
        .route("/auth/refresh", post(auth::refresh))
        .route("/auth/verify", post(auth::verify))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/revoke", post(auth::revoke))
        .route("/auth/me", get(users::me))
        .route("/user", get(users::me))
        .route("/users/me", put(users::update_me))
        .route("/users/me/avatar", post(crate::avatars::upload))
        .route("/users/search", get(users::search))
        .route("/users/{id}", get(users::profile))
        .route("/admin/users", get(users::list_all))
        .route("/openapi.json", get(openapi::document))
        .fallback(not_found)
}

/// Unknown API paths answer in JSON, not with the HTML 404 page.
async fn not_found() -> app::error::AppError {
    app::error::AppError::NotFound("This API endpoint".into())
}
