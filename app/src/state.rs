//! The one application state, shared by axum handlers and server functions.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::config::Config;
use crate::error::AppError;
use crate::kernel::db::Db;
use crate::rate_limit::AuthLimiter;

#[derive(Debug, Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub config: Arc<Config>,
    pub started_at: Instant,
    pub auth_limiter: Arc<AuthLimiter>,
    /// Chat messages per person.
    pub chat_limiter: Arc<crate::rate_limit::ChatLimiter>,
    /// Live topics of this instance (`/ws`).
    pub live: Arc<crate::live::hub::Hub>,
    /// Each domain's in-memory machinery (see [`Singletons`]).
    pub singletons: Arc<crate::kernel::singletons::Singletons>,
}

/// The state inside a server function or component rendered on the server.
pub fn app_state() -> Result<AppState, AppError> {
    leptos::prelude::use_context::<AppState>()
        .ok_or_else(|| AppError::internal("AppState missing from the Leptos context"))
}
