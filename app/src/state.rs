//! The one application state, shared by axum handlers and server functions.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::config::Config;
use crate::error::AppError;
use crate::kernel::db::Db;
use crate::rate_limit::AuthLimiter;

/// Cheap to clone (one reference count): axum clones the state for every
/// request and every middleware layer that holds it. Its parts are read
/// through [`Deref`] (`state.db`, `state.live`).
#[derive(Debug, Clone)]
pub struct AppState(Arc<Shared>);

/// What [`AppState`] holds.
#[derive(Debug)]
pub struct Shared {
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

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// leptos_axum's handlers take their options from the state.
impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The state inside a server function or component rendered on the server.
pub fn app_state() -> Result<AppState, AppError> {
    leptos::prelude::use_context::<AppState>()
        .ok_or_else(|| AppError::internal("AppState missing from the Leptos context"))
}
