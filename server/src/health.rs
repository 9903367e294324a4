//! `GET /health` for load balancers and operators.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use app::state::AppState;

/// 200 with `{status, version, database, uptimeSeconds}` when the database
/// answers, 503 with the same body when it does not.
pub async fn health(State(state): State<AppState>) -> impl IntoResponse {
    let health = app::system::check(&state).await;
    let status = if health.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(health))
}
