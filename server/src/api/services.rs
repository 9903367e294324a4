//! Seed 000's services API: list, create, update, delete, and a service's
//! free slots.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use app::accounts::session::Auth;
use app::error::AppError;
use app::kernel::ids::ServiceId;
use app::kernel::money::{Cents, Limits};
use app::kernel::time;
use app::services::model::{
    Place, ServiceFields, ServiceInput, ServiceQuery, ServiceStatus, ServiceView,
};
use app::services::{catalog, schedule};
use app::state::AppState;

use super::auth::ErrorBody;
use super::{ApiJson, ApiQuery, CurrentUser, PathId};

/// Services, their free times and the provider's availability (seed 000).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(create))
        .routes(routes!(get_one))
        .routes(routes!(update))
        .routes(routes!(delete))
        .routes(routes!(slots))
        .routes(routes!(my_availability))
        .routes(routes!(set_availability))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiService {
    pub id: i64,
    pub provider_id: i64,
    pub provider_name: String,
    pub title: String,
    pub description: String,
    pub category: String,
    /// Major units (seed 000), and exactly in cents.
    pub price: f64,
    pub price_cents: i64,
    pub currency: String,
    /// Minutes.
    pub duration: i64,
    /// `provider`, `customer` or `online`.
    pub location_kind: String,
    pub address: String,
    pub cover_url: Option<String>,
    pub active: bool,
    /// Average of visible reviews (0 when none).
    pub rating: f64,
    pub review_count: i64,
}

impl From<&ServiceView> for ApiService {
    fn from(s: &ServiceView) -> Self {
        Self {
            id: s.id,
            provider_id: s.provider_id,
            provider_name: s.provider_name.clone(),
            title: s.title.clone(),
            description: s.description.clone(),
            category: s.category.clone(),
            price: Cents::new(s.price_cents).major(),
            price_cents: s.price_cents,
            currency: s.currency.clone(),
            duration: s.duration_min,
            location_kind: s.place.as_str().into(),
            address: s.address.clone(),
            cover_url: s.cover_url.clone(),
            active: s.status == ServiceStatus::Active,
            rating: s.rating.average_tenths as f64 / 10.0,
            review_count: s.rating.count,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct ServiceParams {
    /// Text in the title, description, category or provider's name.
    pub q: Option<String>,
    pub category: Option<String>,
    /// Major units, e.g. `20` or `19.50`.
    #[param(pattern = "^(1000000(\\.0{1,2})?|[0-9]{1,6}(\\.[0-9]{1,2})?)$")]
    pub min_price: Option<String>,
    #[param(pattern = "^(1000000(\\.0{1,2})?|[0-9]{1,6}(\\.[0-9]{1,2})?)$")]
    pub max_price: Option<String>,
    pub provider_id: Option<i64>,
    /// 1-based, 12 per page.
    pub page: Option<i64>,
}

/// Bookable services, filtered.
#[utoipa::path(get, path = "/services", tag = "services", params(ServiceParams),
    responses((status = 200, body = [ApiService]), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Option<axum::Extension<Auth>>,
    ApiQuery(p): ApiQuery<ServiceParams>,
) -> Result<Json<Vec<ApiService>>, AppError> {
    let viewer = auth.as_ref().and_then(|a| a.0.0.as_ref());
    let query = ServiceQuery {
        q: p.q.unwrap_or_default(),
        category: p.category.unwrap_or_default(),
        min_price: p.min_price.unwrap_or_default(),
        max_price: p.max_price.unwrap_or_default(),
        provider: p.provider_id,
        page: p.page,
    };
    let list = catalog::list_services(&state, viewer, &query).await?;
    Ok(Json(list.services.iter().map(ApiService::from).collect()))
}

/// One service.
#[utoipa::path(get, path = "/services/{id}", tag = "services", params(("id" = i64, Path)),
    responses((status = 200, body = ApiService), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    auth: Option<axum::Extension<Auth>>,
    PathId(id): PathId<ServiceId>,
) -> Result<Json<ApiService>, AppError> {
    let viewer = auth.as_ref().and_then(|a| a.0.0.as_ref());
    let service = catalog::get_service(&state, viewer, id).await?;
    Ok(Json(ApiService::from(&service)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceBody {
    #[schema(pattern = "[^\\s\\u0085]", max_length = 120)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[schema(pattern = "[^\\s\\u0085]", max_length = 40)]
    pub category: String,
    pub price: Option<f64>,
    pub price_cents: Option<i64>,
    /// Minutes, 5 to 720.
    #[schema(minimum = 5, maximum = 720)]
    pub duration: i64,
    /// `provider` (default), `customer` or `online`.
    #[serde(default)]
    pub location_kind: String,
    #[serde(default)]
    pub address: String,
    #[schema(pattern = "^(https?://[^\\s\\u0085\"<]*)?$", max_length = 500)]
    pub cover_url: Option<String>,
    /// Bookable and listed (default true).
    pub active: Option<bool>,
}

impl ServiceBody {
    fn input(self) -> Result<ServiceInput, AppError> {
        let price_cents =
            Cents::from_api("price", self.price_cents, self.price, Limits::PRICE)?.get();
        ServiceInput::parse(ServiceFields {
            title: self.title,
            description: self.description,
            category: self.category,
            price_cents,
            duration_min: self.duration,
            place: Place::parse(&self.location_kind)?,
            address: self.address,
            cover_url: app::kernel::text::parse_cover_url(self.cover_url.as_deref().unwrap_or(""))?,
            active: self.active.unwrap_or(true),
        })
    }
}

/// Offers a service (organizers, the seeds' providers).
#[utoipa::path(post, path = "/services", tag = "services", request_body = ServiceBody,
    responses((status = 201, body = ApiService), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<ServiceBody>,
) -> Result<Response, AppError> {
    let service = catalog::create_service(&state, &user, body.input()?).await?;
    Ok((StatusCode::CREATED, Json(ApiService::from(&service))).into_response())
}

/// Replaces a service's details (its provider or an admin).
#[utoipa::path(put, path = "/services/{id}", tag = "services", params(("id" = i64, Path)), request_body = ServiceBody,
    responses((status = 200, body = ApiService), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId<ServiceId>,
    ApiJson(body): ApiJson<ServiceBody>,
) -> Result<Json<ApiService>, AppError> {
    let service = catalog::update_service(&state, &user, id, body.input()?).await?;
    Ok(Json(ApiService::from(&service)))
}

/// Retires a service; its bookings stay.
#[utoipa::path(delete, path = "/services/{id}", tag = "services", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId<ServiceId>,
) -> Result<StatusCode, AppError> {
    catalog::delete_service(&state, &user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SlotParams {
    /// A date (`2031-06-02`, UTC midnight) or an ISO 8601 instant; now when absent.
    pub from: Option<String>,
    /// Exclusive; at most 31 days after `from` (7 days when absent).
    pub to: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiSlot {
    pub starts_at: String,
    pub ends_at: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiSlots {
    pub service_id: i64,
    pub duration: i64,
    pub slots: Vec<ApiSlot>,
}

pub fn parse_instant(field: &str, value: &str) -> Result<i64, AppError> {
    if value.len() == 10 {
        time::parse_day(field, value)
    } else {
        time::parse_iso(field, value)
    }
}

/// The service's free times between `from` and `to`.
pub async fn slots_between(
    state: &AppState,
    viewer: Option<&app::accounts::service::AuthUser>,
    id: i64,
    from: i64,
    to: i64,
) -> Result<ApiSlots, AppError> {
    let (service, starts) =
        schedule::free_starts(state, viewer, ServiceId::new(id), from, to).await?;
    let duration = service.duration_min * 60_000;
    Ok(ApiSlots {
        service_id: id,
        duration: service.duration_min,
        slots: starts
            .into_iter()
            .map(|s| ApiSlot {
                starts_at: time::iso(s),
                ends_at: time::iso(s + duration),
            })
            .collect(),
    })
}

/// Free slots of a service (its provider's hours, minus bookings, buffer,
/// notice and horizon).
#[utoipa::path(get, path = "/services/{id}/slots", tag = "services", params(("id" = i64, Path), SlotParams),
    responses((status = 200, body = ApiSlots), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn slots(
    State(state): State<AppState>,
    auth: Option<axum::Extension<Auth>>,
    PathId(id): PathId<ServiceId>,
    ApiQuery(p): ApiQuery<SlotParams>,
) -> Result<Json<ApiSlots>, AppError> {
    let viewer = auth.as_ref().and_then(|a| a.0.0.as_ref());
    let from = match p.from.as_deref().filter(|f| !f.is_empty()) {
        Some(f) => parse_instant("from", f)?,
        None => app::kernel::time::now_millis(),
    };
    let to = match p.to.as_deref().filter(|t| !t.is_empty()) {
        Some(t) => parse_instant("to", t)?,
        None => from + 7 * 86_400_000,
    };
    Ok(Json(
        slots_between(&state, viewer, id.get(), from, to).await?,
    ))
}

/// A provider's availability: weekly hours in their zone, date overrides
/// and booking rules.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiAvailability {
    /// IANA zone of the hours, e.g. `Europe/Paris`.
    pub timezone: String,
    #[serde(default)]
    pub buffer_min: i64,
    #[serde(default)]
    pub min_notice_min: i64,
    #[serde(default = "default_horizon")]
    pub horizon_days: i64,
    #[serde(default = "default_window")]
    pub cancel_window_hours: i64,
    /// Monday first, seven entries like `09:00-12:00, 13:00-17:00` (empty: off).
    #[schema(min_items = 7, max_items = 7)]
    pub weekly: Vec<String>,
    /// `2031-06-02: off` or `2031-06-03: 18:00-20:00`, one per date.
    #[serde(default)]
    pub overrides: Vec<String>,
}

fn default_horizon() -> i64 {
    60
}

fn default_window() -> i64 {
    24
}

impl From<app::services::model::Schedule> for ApiAvailability {
    fn from(s: app::services::model::Schedule) -> Self {
        Self {
            timezone: s.timezone,
            buffer_min: s.buffer_min,
            min_notice_min: s.min_notice_min,
            horizon_days: s.horizon_days,
            cancel_window_hours: s.cancel_window_hours,
            weekly: s.weekly,
            overrides: s.overrides.lines().map(str::to_string).collect(),
        }
    }
}

/// Your availability (providers).
#[utoipa::path(get, path = "/availability", tag = "services",
    responses((status = 200, body = ApiAvailability), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn my_availability(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<ApiAvailability>, AppError> {
    Ok(Json(schedule::my_schedule(&state, &user).await?.into()))
}

/// Replaces your availability; existing bookings stay.
#[utoipa::path(put, path = "/availability", tag = "services", request_body = ApiAvailability,
    responses((status = 200, body = ApiAvailability), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn set_availability(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<ApiAvailability>,
) -> Result<Json<ApiAvailability>, AppError> {
    if body.weekly.len() != 7 {
        return Err(AppError::bad_request(
            "weekly",
            "weekly has seven entries, Monday first.",
        ));
    }
    let day = |i: usize| body.weekly[i].clone();
    let draft = app::services::model::ScheduleDraft {
        timezone: body.timezone.clone(),
        buffer_min: body.buffer_min.to_string(),
        min_notice_min: body.min_notice_min.to_string(),
        horizon_days: body.horizon_days.to_string(),
        cancel_window_hours: body.cancel_window_hours.to_string(),
        mon: day(0),
        tue: day(1),
        wed: day(2),
        thu: day(3),
        fri: day(4),
        sat: day(5),
        sun: day(6),
        overrides: body.overrides.join("\n"),
    };
    let saved = schedule::save_schedule(&state, &user, draft.parse()?).await?;
    Ok(Json(saved.into()))
}
