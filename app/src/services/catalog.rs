//! Services: create, edit, retire, browse, and a provider's public page.

use super::model::{
    PAGE_SIZE, Place, ProviderView, Rating, ServiceInput, ServiceList, ServiceQuery, ServiceStatus,
    ServiceView,
};
use crate::accounts::model::Role;
use crate::accounts::service::AuthUser;
use crate::error::AppError;
use crate::kernel::db::like_pattern;
use crate::kernel::db::{Arg, bind_all};
use crate::kernel::ids::ServiceId;
use crate::kernel::money::{Cents, Limits};
use crate::kernel::time::now_millis;
use crate::state::AppState;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ServiceRow {
    pub id: i64,
    pub provider_id: i64,
    pub provider_name: String,
    pub title: String,
    pub description: String,
    pub category: String,
    pub price_cents: i64,
    pub currency: String,
    pub duration_min: i64,
    pub location_kind: String,
    pub address: String,
    pub cover_url: Option<String>,
    pub status: ServiceStatus,
    pub rating_tenths: i64,
    pub rating_count: i64,
}

/// Services with their provider's name and their visible reviews' average.
pub const SERVICE_SELECT: &str = "SELECT s.id, s.provider_id, u.display_name AS provider_name, \
     s.title, s.description, s.category, s.price_cents, s.currency, s.duration_min, \
     s.location_kind, s.address, s.cover_url, s.status, \
     CAST(COALESCE((SELECT ROUND(AVG(r.rating) * 10) FROM reviews r \
        WHERE r.service_id = s.id AND r.hidden_at IS NULL), 0) AS BIGINT) AS rating_tenths, \
     CAST((SELECT COUNT(*) FROM reviews r \
        WHERE r.service_id = s.id AND r.hidden_at IS NULL) AS BIGINT) AS rating_count \
     FROM services s JOIN users u ON u.id = s.provider_id";

impl ServiceRow {
    pub fn managed_by(&self, user: &AuthUser) -> bool {
        user.id == self.provider_id || user.role == Role::Admin
    }

    pub fn view(&self, viewer: Option<&AuthUser>) -> ServiceView {
        ServiceView {
            id: self.id,
            provider_id: self.provider_id,
            provider_name: self.provider_name.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            category: self.category.clone(),
            price_cents: self.price_cents,
            currency: self.currency.clone(),
            duration_min: self.duration_min,
            place: Place::from_db(&self.location_kind),
            address: self.address.clone(),
            cover_url: self.cover_url.clone(),
            status: self.status,
            rating: Rating {
                average_tenths: self.rating_tenths,
                count: self.rating_count,
            },
            mine: viewer.is_some_and(|v| self.managed_by(v)),
        }
    }
}

pub async fn service_row(state: &AppState, id: i64) -> Result<Option<ServiceRow>, AppError> {
    Ok(sqlx::query_as(&format!("{SERVICE_SELECT} WHERE s.id = $1"))
        .bind(id)
        .fetch_optional(state.db.pool())
        .await?)
}

/// A service the viewer may see: active ones for everyone, inactive ones
/// for their provider and admins; deleted ones for nobody.
pub async fn get_service(
    state: &AppState,
    viewer: Option<&AuthUser>,
    id: ServiceId,
) -> Result<ServiceView, AppError> {
    let row = service_row(state, id.get()).await?;
    match row {
        Some(row)
            if row.status == ServiceStatus::Active
                || (row.status == ServiceStatus::Inactive
                    && viewer.is_some_and(|v| row.managed_by(v))) =>
        {
            Ok(row.view(viewer))
        }
        _ => Err(AppError::NotFound("That service".into())),
    }
}

/// Makes sure the provider has a settings row (their lock and booking rules).
pub async fn ensure_settings(
    conn: &mut sqlx::AnyConnection,
    provider_id: i64,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO provider_settings (provider_id, created_at, updated_at) VALUES ($1, $2, $2) \
         ON CONFLICT (provider_id) DO NOTHING",
    )
    .bind(provider_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn create_service(
    state: &AppState,
    user: &AuthUser,
    input: ServiceInput,
) -> Result<ServiceView, AppError> {
    user.require_role(Role::Organizer)?;
    let now = now_millis();
    let mut tx = state.db.pool().begin().await?;
    ensure_settings(&mut tx, user.id, now).await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO services (provider_id, title, description, category, price_cents, duration_min, \
         location_kind, address, cover_url, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
    )
    .bind(user.id)
    .bind(&input.title)
    .bind(&input.description)
    .bind(&input.category)
    .bind(input.price_cents)
    .bind(input.duration_min)
    .bind(input.place.as_str())
    .bind(&input.address)
    .bind(input.cover_url.as_deref())
    .bind(if input.active {
        ServiceStatus::Active
    } else {
        ServiceStatus::Inactive
    })
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(service_id = id, provider_id = user.id, "service created");
    get_service(state, Some(user), ServiceId::new(id)).await
}

async fn managed(state: &AppState, user: &AuthUser, id: i64) -> Result<ServiceRow, AppError> {
    let row = service_row(state, id)
        .await?
        .filter(|r| r.status != ServiceStatus::Deleted)
        .ok_or_else(|| AppError::NotFound("That service".into()))?;
    if !row.managed_by(user) {
        return Err(AppError::Forbidden);
    }
    Ok(row)
}

pub async fn update_service(
    state: &AppState,
    user: &AuthUser,
    id: ServiceId,
    input: ServiceInput,
) -> Result<ServiceView, AppError> {
    managed(state, user, id.get()).await?;
    sqlx::query(
        "UPDATE services SET title = $2, description = $3, category = $4, price_cents = $5, \
         duration_min = $6, location_kind = $7, address = $8, cover_url = $9, status = $10, \
         updated_at = $11 WHERE id = $1 AND status <> 'deleted'",
    )
    .bind(id)
    .bind(&input.title)
    .bind(&input.description)
    .bind(&input.category)
    .bind(input.price_cents)
    .bind(input.duration_min)
    .bind(input.place.as_str())
    .bind(&input.address)
    .bind(input.cover_url.as_deref())
    .bind(if input.active {
        ServiceStatus::Active
    } else {
        ServiceStatus::Inactive
    })
    .bind(now_millis())
    .execute(state.db.pool())
    .await?;
    get_service(state, Some(user), id).await
}

/// Retires a service: it leaves the catalogue; its bookings stay as they
/// are (the provider still honours or cancels them).
pub async fn delete_service(
    state: &AppState,
    user: &AuthUser,
    id: ServiceId,
) -> Result<(), AppError> {
    managed(state, user, id.get()).await?;
    sqlx::query("UPDATE services SET status = 'deleted', updated_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now_millis())
        .execute(state.db.pool())
        .await?;
    Ok(())
}

/// Active services matching the filters, a page at a time, best rated
/// first within a category, then newest.
pub async fn list_services(
    state: &AppState,
    viewer: Option<&AuthUser>,
    query: &ServiceQuery,
) -> Result<ServiceList, AppError> {
    let mut conditions = vec!["s.status = 'active'".to_string()];
    let mut args: Vec<Arg> = Vec::new();
    let mut push = |condition: &str, arg: Arg, args: &mut Vec<Arg>| {
        args.push(arg);
        conditions.push(condition.replace("{arg}", &format!("${}", args.len())));
    };
    let q = query.q.trim();
    if !q.is_empty() {
        if q.chars().count() > 100 {
            return Err(AppError::bad_request(
                "q",
                "Search for at most 100 characters.",
            ));
        }
        push(
            "(lower(s.title) LIKE {arg} ESCAPE '\\' OR lower(s.description) LIKE {arg} ESCAPE '\\' \
             OR lower(s.category) LIKE {arg} ESCAPE '\\' OR lower(u.display_name) LIKE {arg} ESCAPE '\\')",
            Arg::T(like_pattern(q)),
            &mut args,
        );
    }
    if !query.category.trim().is_empty() {
        push(
            "lower(s.category) = {arg}",
            Arg::T(query.category.trim().to_lowercase()),
            &mut args,
        );
    }
    let price = |field: &str, text: &str| -> Result<Option<i64>, AppError> {
        if text.trim().is_empty() {
            Ok(None)
        } else {
            Cents::parse(field, text, Limits::PRICE)
                .map(Cents::get)
                .map(Some)
        }
    };
    if let Some(min) = price("min_price", &query.min_price)? {
        push("s.price_cents >= {arg}", Arg::I(min), &mut args);
    }
    if let Some(max) = price("max_price", &query.max_price)? {
        push("s.price_cents <= {arg}", Arg::I(max), &mut args);
    }
    if let Some(provider) = query.provider {
        push("s.provider_id = {arg}", Arg::I(provider), &mut args);
    }
    let page = query.page.unwrap_or(1).max(1);
    let sql = format!(
        "{SERVICE_SELECT} WHERE {} ORDER BY s.created_at DESC, s.id DESC LIMIT {} OFFSET {}",
        conditions.join(" AND "),
        PAGE_SIZE + 1,
        (page - 1).saturating_mul(PAGE_SIZE)
    );
    let mut rows: Vec<ServiceRow> = bind_all(sqlx::query_as(&sql), &args)
        .fetch_all(state.db.pool())
        .await?;
    let has_more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let categories: Vec<(String,)> = sqlx::query_as(
        "SELECT MIN(category) FROM services WHERE status = 'active' \
         GROUP BY lower(category) ORDER BY lower(MIN(category)) LIMIT 50",
    )
    .fetch_all(state.db.pool())
    .await?;
    Ok(ServiceList {
        services: rows.iter().map(|r| r.view(viewer)).collect(),
        page,
        has_more,
        categories: categories.into_iter().map(|(c,)| c).collect(),
    })
}

/// Every service of the signed-in provider that isn't deleted.
pub async fn my_services(state: &AppState, user: &AuthUser) -> Result<Vec<ServiceView>, AppError> {
    let rows: Vec<ServiceRow> = sqlx::query_as(&format!(
        "{SERVICE_SELECT} WHERE s.provider_id = $1 AND s.status <> 'deleted' ORDER BY s.id DESC"
    ))
    .bind(user.id)
    .fetch_all(state.db.pool())
    .await?;
    Ok(rows.iter().map(|r| r.view(Some(user))).collect())
}

/// A provider's public page: who they are, their rating and active services.
pub async fn provider(
    state: &AppState,
    viewer: Option<&AuthUser>,
    id: i64,
) -> Result<ProviderView, AppError> {
    let person: Option<(String, String, Option<String>, i64, i64)> = sqlx::query_as(
        "SELECT u.display_name, u.bio, p.timezone, \
         CAST(COALESCE((SELECT ROUND(AVG(r.rating) * 10) FROM reviews r \
            WHERE r.subject_id = u.id AND r.booking_id IS NOT NULL AND r.hidden_at IS NULL), 0) AS BIGINT), \
         CAST((SELECT COUNT(*) FROM reviews r \
            WHERE r.subject_id = u.id AND r.booking_id IS NOT NULL AND r.hidden_at IS NULL) AS BIGINT) \
         FROM users u LEFT JOIN provider_settings p ON p.provider_id = u.id WHERE u.id = $1",
    )
    .bind(id)
    .fetch_optional(state.db.pool())
    .await?;
    let (name, bio, timezone, tenths, count) =
        person.ok_or_else(|| AppError::NotFound("That provider".into()))?;
    let rows: Vec<ServiceRow> = sqlx::query_as(&format!(
        "{SERVICE_SELECT} WHERE s.provider_id = $1 AND s.status = 'active' ORDER BY s.id DESC"
    ))
    .bind(id)
    .fetch_all(state.db.pool())
    .await?;
    if rows.is_empty() && timezone.is_none() {
        return Err(AppError::NotFound("That provider".into()));
    }
    Ok(ProviderView {
        id,
        name,
        bio,
        timezone: timezone.unwrap_or_else(|| "UTC".into()),
        rating: Rating {
            average_tenths: tenths,
            count,
        },
        services: rows.iter().map(|r| r.view(viewer)).collect(),
    })
}
