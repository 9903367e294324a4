//! Writing, replying to, hiding and listing reviews. Eligibility is
//! checked in the insert itself (`INSERT … SELECT … WHERE` the author was
//! there), and "once" by unique keys, so two quick submits make one review.

use super::model::{About, ReviewList, ReviewView, Target, check_body, check_rating};
use crate::accounts::model::Role;
use crate::accounts::service::AuthUser;
use crate::error::AppError;
use crate::kernel::db::Constraint;
use crate::kernel::ids::ReviewId;
use crate::kernel::time::now_millis;
use crate::state::AppState;

/// One review per booking, and one per person and event.
const ONE_PER_BOOKING: Constraint =
    Constraint::unique("reviews_booking_id_key", "reviews.booking_id");
const ONE_PER_EVENT: Constraint = Constraint::unique(
    "reviews_author_id_event_id_key",
    "reviews.author_id, reviews.event_id",
);

#[derive(Debug, Clone, sqlx::FromRow)]
struct ReviewRow {
    id: i64,
    author_id: i64,
    author_name: String,
    subject_id: i64,
    rating: i64,
    body: String,
    reply: Option<String>,
    replied_at: Option<i64>,
    booking_id: Option<i64>,
    service_id: Option<i64>,
    event_id: Option<i64>,
    hidden_at: Option<i64>,
    created_at: i64,
}

const REVIEW_SELECT: &str = "SELECT r.id, r.author_id, u.display_name AS author_name, r.subject_id, \
     r.rating, r.body, r.reply, r.replied_at, r.booking_id, r.service_id, r.event_id, r.hidden_at, \
     r.created_at FROM reviews r JOIN users u ON u.id = r.author_id";

impl ReviewRow {
    fn view(&self, viewer: Option<&AuthUser>) -> ReviewView {
        ReviewView {
            id: self.id,
            author_id: self.author_id,
            author_name: self.author_name.clone(),
            rating: self.rating,
            body: self.body.clone(),
            reply: self.reply.clone(),
            replied_at: self.replied_at,
            booking_id: self.booking_id,
            service_id: self.service_id,
            event_id: self.event_id,
            hidden: self.hidden_at.is_some(),
            created_at: self.created_at,
            can_reply: viewer.is_some_and(|v| v.id == self.subject_id) && self.reply.is_none(),
            can_hide: viewer.is_some_and(|v| v.role == Role::Admin),
        }
    }
}

/// A review as `user` sees it after changing it.
async fn view_for(state: &AppState, user: &AuthUser, id: i64) -> Result<ReviewView, AppError> {
    review_row(state, id)
        .await?
        .map(|r| r.view(Some(user)))
        .ok_or_else(|| AppError::NotFound("That review".into()))
}

async fn review_row(state: &AppState, id: i64) -> Result<Option<ReviewRow>, AppError> {
    Ok(sqlx::query_as(&format!("{REVIEW_SELECT} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(state.db.pool())
        .await?)
}

/// Whether `user` may see the booking: one of its two parties, or an admin.
async fn booking_party(state: &AppState, user: &AuthUser, id: i64) -> Result<bool, AppError> {
    let parties: Option<(i64, i64)> =
        sqlx::query_as("SELECT customer_id, provider_id FROM bookings WHERE id = $1")
            .bind(id)
            .fetch_optional(state.db.pool())
            .await?;
    Ok(parties.is_some_and(|(customer, provider)| {
        user.id == customer || user.id == provider || user.role == Role::Admin
    }))
}

/// Reviews a completed booking (its customer) or an attended event (a
/// holder of a valid ticket that was checked in, or whose event is over).
pub async fn create(
    state: &AppState,
    user: &AuthUser,
    target: Target,
    rating: i64,
    body: &str,
) -> Result<ReviewView, AppError> {
    let rating = check_rating(rating)?;
    let body = check_body("body", body)?;
    let now = now_millis();
    let inserted: Result<Option<(i64,)>, sqlx::Error> = match target {
        Target::Booking(id) => {
            sqlx::query_as(
                "INSERT INTO reviews (author_id, booking_id, service_id, subject_id, rating, body, created_at, updated_at) \
                 SELECT $1, b.id, b.service_id, b.provider_id, $3, $4, $5, $5 FROM bookings b \
                 WHERE b.id = $2 AND b.customer_id = $1 AND b.status = 'completed' RETURNING id",
            )
            .bind(user.id)
            .bind(id)
            .bind(rating)
            .bind(&body)
            .bind(now)
            .fetch_optional(state.db.pool())
            .await
        }
        Target::Event(id) => {
            sqlx::query_as(
                "INSERT INTO reviews (author_id, event_id, subject_id, rating, body, created_at, updated_at) \
                 SELECT $1, e.id, e.organizer_id, $3, $4, $5, $5 FROM events e \
                 WHERE e.id = $2 AND EXISTS (SELECT 1 FROM tickets t WHERE t.event_id = e.id \
                   AND t.user_id = $1 AND t.status = 'valid' \
                   AND (t.checked_in_at IS NOT NULL OR COALESCE(e.ends_at, e.starts_at) <= $5)) \
                 RETURNING id",
            )
            .bind(user.id)
            .bind(id)
            .bind(rating)
            .bind(&body)
            .bind(now)
            .fetch_optional(state.db.pool())
            .await
        }
    };
    let id = match inserted {
        Ok(Some((id,))) => id,
        Ok(None) => {
            // Someone else's booking does not exist for them (as everywhere).
            if let Target::Booking(id) = target
                && !booking_party(state, user, id).await?
            {
                return Err(AppError::NotFound("That booking".into()));
            }
            return Err(AppError::NotAllowed(
                match target {
                    Target::Booking(_) => "Only the customer of a completed booking can review it.",
                    Target::Event(_) => {
                        "Only people who attended (a checked-in ticket, or a ticket for an event that is over) can review it."
                    }
                }
                .into(),
            ));
        }
        Err(e) if ONE_PER_BOOKING.broken_by(&e) || ONE_PER_EVENT.broken_by(&e) => {
            return Err(AppError::Conflict("You already reviewed this.".into()));
        }
        Err(e) => return Err(AppError::from(e)),
    };
    tracing::info!(review_id = id, "review written");
    view_for(state, user, id).await
}

/// The provider or organizer answers a review, once.
pub async fn reply(
    state: &AppState,
    user: &AuthUser,
    id: ReviewId,
    text: &str,
) -> Result<ReviewView, AppError> {
    let text = check_body("reply", text)?;
    if text.is_empty() {
        return Err(AppError::bad_request("reply", "Write a reply."));
    }
    let row = review_row(state, id.get())
        .await?
        .ok_or_else(|| AppError::NotFound("That review".into()))?;
    if row.subject_id != user.id {
        return Err(AppError::Forbidden);
    }
    let done = sqlx::query(
        "UPDATE reviews SET reply = $2, replied_at = $3, updated_at = $3 \
         WHERE id = $1 AND reply IS NULL",
    )
    .bind(id)
    .bind(&text)
    .bind(now_millis())
    .execute(state.db.pool())
    .await?;
    if done.rows_affected() != 1 {
        return Err(AppError::Conflict(
            "You already replied to this review.".into(),
        ));
    }
    view_for(state, user, id.get()).await
}

/// An admin hides (or shows again) a review.
pub async fn set_hidden(
    state: &AppState,
    user: &AuthUser,
    id: ReviewId,
    hidden: bool,
) -> Result<ReviewView, AppError> {
    user.require_role(Role::Admin)?;
    let now = now_millis();
    let done = sqlx::query(
        "UPDATE reviews SET hidden_at = $2, hidden_by = $3, updated_at = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(hidden.then_some(now))
    .bind(hidden.then_some(user.id))
    .bind(now)
    .execute(state.db.pool())
    .await?;
    if done.rows_affected() != 1 {
        return Err(AppError::NotFound("That review".into()));
    }
    view_for(state, user, id.get()).await
}

/// Reviews of a service, an event or a provider, newest first; hidden ones
/// only for admins.
pub async fn list(
    state: &AppState,
    viewer: Option<&AuthUser>,
    about: About,
) -> Result<ReviewList, AppError> {
    let (column, id) = match about {
        About::Service(id) => ("r.service_id", id),
        About::Event(id) => ("r.event_id", id),
        About::Provider(id) => ("r.subject_id", id),
    };
    let extra = if matches!(about, About::Provider(_)) {
        " AND r.booking_id IS NOT NULL"
    } else {
        ""
    };
    let admin = viewer.is_some_and(|v| v.role == Role::Admin);
    let rows: Vec<ReviewRow> = sqlx::query_as(&format!(
        "{REVIEW_SELECT} WHERE {column} = $1{extra} ORDER BY r.created_at DESC, r.id DESC LIMIT 100"
    ))
    .bind(id)
    .fetch_all(state.db.pool())
    .await?;
    let visible: Vec<&ReviewRow> = rows.iter().filter(|r| r.hidden_at.is_none()).collect();
    let count = visible.len() as i64;
    let average_tenths = if count == 0 {
        0
    } else {
        let sum: i64 = visible.iter().map(|r| r.rating).sum();
        (sum * 10 + count / 2) / count
    };
    let can_review = match (about, viewer) {
        (About::Event(event_id), Some(v)) => {
            let eligible: Option<(i64,)> = sqlx::query_as(
                "SELECT 1 FROM tickets t JOIN events e ON e.id = t.event_id \
                 WHERE t.event_id = $1 AND t.user_id = $2 AND t.status = 'valid' \
                 AND (t.checked_in_at IS NOT NULL OR COALESCE(e.ends_at, e.starts_at) <= $3) \
                 AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.event_id = $1 AND r.author_id = $2) \
                 LIMIT 1",
            )
            .bind(event_id)
            .bind(v.id)
            .bind(now_millis())
            .fetch_optional(state.db.pool())
            .await?;
            eligible.is_some()
        }
        _ => false,
    };
    Ok(ReviewList {
        reviews: rows
            .iter()
            .filter(|r| admin || r.hidden_at.is_none())
            .map(|r| r.view(viewer))
            .collect(),
        average_tenths,
        count,
        can_review,
    })
}
