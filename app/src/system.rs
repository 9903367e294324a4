//! What the instance says about itself: version, database, uptime. Served as
//! `GET /health` for operators and as the status page for people.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// What a health check answers (`/health`, and the seeds' `…/health`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Health {
    /// `ok` when every dependency answers, `degraded` otherwise.
    pub status: String,
    pub version: String,
    /// `ok` or `unavailable`.
    pub database: String,
    /// `sqlite` or `postgres`.
    pub backend: String,
    pub uptime_seconds: u64,
}

impl Health {
    pub fn is_ok(&self) -> bool {
        self.status == "ok"
    }
}

#[cfg(feature = "ssr")]
pub async fn check(state: &crate::state::AppState) -> Health {
    let database_ok = match state.db.ping().await {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %e, "health check: database did not answer");
            false
        }
    };
    Health {
        status: if database_ok { "ok" } else { "degraded" }.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        database: if database_ok { "ok" } else { "unavailable" }.into(),
        backend: state.db.backend().name().into(),
        uptime_seconds: state.started_at.elapsed().as_secs(),
    }
}

/// The instance's health, for the status page.
#[server(prefix = "/rpc", endpoint = "system/status")]
#[cfg_attr(feature = "ssr", tracing::instrument(err))]
pub async fn system_status() -> Result<Health, AppError> {
    let state = crate::state::app_state()?;
    Ok(check(&state).await)
}
