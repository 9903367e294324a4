//! Files people download from ticketing pages: an event's calendar file, a
//! ticket's QR code, and an event's orders and attendees as CSV. Plain
//! routes (cookies or a Bearer token), answered with the right type and a
//! file name.

use axum::extract::{Path, State};
use axum::http::HeaderValue;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

use app::accounts::session::Auth;
use app::error::AppError;
use app::events::{dashboard, rows, tickets};
use app::kernel::ids::EventId;
use app::state::AppState;

use crate::api::CurrentUser;

fn file(content_type: &'static str, name: &str, body: String, private: bool) -> Response {
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    (
        [
            (CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (CONTENT_DISPOSITION, disposition),
            (
                CACHE_CONTROL,
                HeaderValue::from_static(if private {
                    "private, no-store"
                } else {
                    "no-cache"
                }),
            ),
        ],
        body,
    )
        .into_response()
}

/// `GET /events/{id}/calendar.ics`: public for published events; drafts only
/// for their organizer.
pub async fn calendar(
    State(state): State<AppState>,
    auth: Option<axum::Extension<Auth>>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let viewer = auth.as_ref().and_then(|a| a.0.0.as_ref());
    // Same visibility rule as the event page.
    app::events::catalog::get_event(&state, viewer, EventId::new(id)).await?;
    let event = rows::event_row(state.db.pool(), id)
        .await?
        .ok_or_else(|| AppError::NotFound("This event".into()))?;
    let site = format!("http://{}", state.leptos_options.site_addr);
    Ok(file(
        "text/calendar; charset=utf-8",
        &format!("event-{id}.ics"),
        tickets::ics(&event, &site),
        false,
    ))
}

/// `GET /tickets/{code}/qr.svg`: the ticket's QR code, for its holder.
pub async fn ticket_qr(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let ticket = tickets::ticket(&state, &user, &code).await?;
    Ok(file(
        "image/svg+xml",
        &format!("ticket-{}.svg", ticket.code),
        tickets::qr_svg(&ticket.code),
        true,
    ))
}

/// `GET /organizer/events/{id}/orders.csv`
pub async fn orders_csv(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let csv = dashboard::orders_csv(&state, &user, EventId::new(id)).await?;
    Ok(file(
        "text/csv; charset=utf-8",
        &format!("event-{id}-orders.csv"),
        csv,
        true,
    ))
}

/// `GET /organizer/events/{id}/attendees.csv`
pub async fn attendees_csv(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let csv = tickets::attendees_csv(&state, &user, EventId::new(id)).await?;
    Ok(file(
        "text/csv; charset=utf-8",
        &format!("event-{id}-attendees.csv"),
        csv,
        true,
    ))
}
