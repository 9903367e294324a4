//! How one hold is inserted: the checks that the tier is on sale, the insert
//! that makes the hold only if it may be (capacity, the person's limits, the
//! sales window, all in the statement), and why a refused one was refused.
//! Used by the holds made together (`hold_batch`) and by orders made
//! without a hold first.

use sqlx::{Any, Transaction};

use super::model::{EventStatus, TierStatus};
use super::rows::{held_now, person_holds_now, person_seats_now};
use crate::accounts::service::AuthUser;
use crate::error::AppError;
use crate::kernel::db::Backend;
use crate::kernel::random;
use crate::kernel::time;
use crate::state::AppState;

/// What decides whether a tier is on sale.
#[derive(Debug, sqlx::FromRow)]
struct Sale {
    event_id: i64,
    tier_status: TierStatus,
    sales_start: Option<i64>,
    sales_end: Option<i64>,
    event_status: EventStatus,
    starts_at: i64,
    timezone: String,
}

const SALE_SELECT: &str = "SELECT t.event_id, t.status AS tier_status, t.sales_start, t.sales_end, \
     e.status AS event_status, e.starts_at, e.timezone \
     FROM ticket_tiers t JOIN events e ON e.id = t.event_id WHERE t.id = $1";

/// Why a tier can't be held now, if it can't (a refused hold's first
/// question, and an order's check before it starts); its event if it can.
/// Whether it can is decided by the hold's own statement, atomically.
pub(super) async fn check_on_sale(
    state: &AppState,
    tier_id: i64,
    now: i64,
) -> Result<i64, AppError> {
    let sale: Option<Sale> = sqlx::query_as(SALE_SELECT)
        .bind(tier_id)
        .fetch_optional(state.db.pool())
        .await?;
    on_sale(sale, now)
}

fn on_sale(sale: Option<Sale>, now: i64) -> Result<i64, AppError> {
    let sale = sale.ok_or_else(|| AppError::NotFound("That ticket tier".into()))?;
    match sale.event_status {
        EventStatus::Cancelled => {
            return Err(AppError::Conflict("This event was cancelled.".into()));
        }
        EventStatus::Draft => return Err(AppError::NotFound("That ticket tier".into())),
        EventStatus::Published => {}
    }
    if sale.tier_status != TierStatus::Active {
        return Err(AppError::Conflict("These tickets are not on sale.".into()));
    }
    if now
        >= sale
            .sales_end
            .map_or(sale.starts_at, |e| e.min(sale.starts_at))
    {
        return Err(AppError::Conflict(
            "Ticket sales for this event have ended.".into(),
        ));
    }
    if let Some(start) = sale.sales_start.filter(|s| *s > now) {
        return Err(AppError::Conflict(format!(
            "Sales open on {}.",
            time::label(start, &sale.timezone)
        )));
    }
    Ok(sale.event_id)
}

/// Takes the tier's lock and inserts the hold if the seats are there.
/// Returns the hold id, or a 409 that says how many seats are left.
pub(super) async fn insert_hold(
    tx: &mut Transaction<'_, Any>,
    state: &AppState,
    user: &AuthUser,
    tier_id: i64,
    quantity: i64,
    now: i64,
) -> Result<String, AppError> {
    // The user's row first (their hold limit counts holds on every tier),
    // then the per-tier lock: later holds on this tier wait here until we
    // commit.
    lock_person(tx, state, user.id).await?;
    lock_tier(tx, tier_id).await?;
    let expires_at = now + time::millis(state.config.ticketing.hold_ttl);
    let ask = Ask {
        user_id: user.id,
        tier_id,
        quantity,
    };
    match try_insert(tx, state, ask, expires_at, now).await? {
        Some(id) => Ok(id),
        None => Err(explain(tx, state, ask, now).await?),
    }
}

/// A hold someone asks for.
#[derive(Debug, Clone, Copy)]
pub struct Ask {
    pub user_id: i64,
    pub tier_id: i64,
    pub quantity: i64,
}

/// Inserts the hold if it may be: the tier is on sale, its seats are there
/// and the person stays within their limits, all checked by the insert
/// itself. The caller holds the person's lock (where other writers may run
/// at once) and the tier's. `None` when refused. The person's limits read
/// their counters (`person_holds`, see `rows::person_holds_now`). PostgreSQL's
/// `make_holds` (migrations `holds_made_together`, last replaced in
/// `holds_per_person`) applies the same rules to a batch: a change to one is
/// a change to both.
pub(super) async fn try_insert(
    tx: &mut Transaction<'_, Any>,
    state: &AppState,
    ask: Ask,
    expires_at: i64,
    now: i64,
) -> Result<Option<String>, AppError> {
    let limits = state.config.ticketing;
    let id = new_hold_id();
    let inserted = sqlx::query(concat!(
        "INSERT INTO holds (id, tier_id, event_id, user_id, quantity, unit_price_cents, status, expires_at, created_at, updated_at) \
         SELECT $1, t.id, t.event_id, $3, $4, t.price_cents, 'active', $5, $6, $6 \
         FROM ticket_tiers t JOIN events e ON e.id = t.event_id \
         WHERE t.id = $2 AND t.status = 'active' AND e.status = 'published' \
           AND (t.sales_start IS NULL OR t.sales_start <= $6) \
           AND $6 < e.starts_at AND (t.sales_end IS NULL OR $6 < t.sales_end) \
           AND t.capacity - t.sold - ",
        held_now!("$6"),
        " >= $4 AND ",
        person_holds_now!("$3", "$6"),
        " < $7 AND ",
        person_seats_now!("$3", "$6"),
        " + $4 <= $8",
    ))
    .bind(&id)
    .bind(ask.tier_id)
    .bind(ask.user_id)
    .bind(ask.quantity)
    .bind(expires_at)
    .bind(now)
    .bind(limits.max_active_holds)
    .bind(limits.max_held_per_event)
    .execute(&mut **tx)
    .await?;
    Ok((inserted.rows_affected() == 1).then_some(id))
}

/// A new hold's id: `hold_` and a random code (Crockford base32: no commas,
/// which `make_holds` relies on).
pub(super) fn new_hold_id() -> String {
    format!("hold_{}", random::code())
}

/// Why a hold was refused: not on sale (missing, a draft, cancelled,
/// outside its sales window), the person's limits, or the seats, from the
/// same locked view of the tier. On the refusing transaction's connection:
/// a second one from the pool could wait for ever while every connection
/// is a refused hold's. `Err` only when the database failed.
pub(super) async fn explain(
    tx: &mut Transaction<'_, Any>,
    state: &AppState,
    ask: Ask,
    now: i64,
) -> Result<AppError, AppError> {
    let limits = state.config.ticketing;
    let sale: Option<Sale> = sqlx::query_as(SALE_SELECT)
        .bind(ask.tier_id)
        .fetch_optional(&mut **tx)
        .await?;
    if let Err(why) = on_sale(sale, now) {
        return Ok(why);
    }
    type Why = (i64, i64, i64, EventStatus, TierStatus);
    let (available, mine, held_here, event_status, tier_status): Why = sqlx::query_as(concat!(
        "SELECT t.capacity - t.sold - ",
        held_now!("$2"),
        ", ",
        person_holds_now!("$3", "$2"),
        ", ",
        person_seats_now!("$3", "$2"),
        ", e.status, t.status \
         FROM ticket_tiers t JOIN events e ON e.id = t.event_id WHERE t.id = $1",
    ))
    .bind(ask.tier_id)
    .bind(now)
    .bind(ask.user_id)
    .fetch_one(&mut **tx)
    .await?;
    if event_status != EventStatus::Published || tier_status != TierStatus::Active {
        return Ok(AppError::Conflict(
            "These tickets are no longer on sale.".into(),
        ));
    }
    if mine >= limits.max_active_holds {
        return Ok(AppError::Conflict(format!(
            "You already have {mine} seat holds open. Check out or release one first."
        )));
    }
    if held_here + ask.quantity > limits.max_held_per_event {
        let most = limits.max_held_per_event;
        return Ok(AppError::Conflict(format!(
            "One person may hold at most {most} seats of this event at once; you hold {held_here}. \
             Check out or release some first."
        )));
    }
    Ok(sold_out(available.max(0)))
}

pub fn sold_out(available: i64) -> AppError {
    AppError::Conflict(match available {
        0 => "Sold out: no seats are left in this tier.".to_string(),
        1 => "Not enough seats: only 1 seat is left.".to_string(),
        n => format!("Not enough seats: only {n} seats are left."),
    })
}

/// Takes the person's lock: their door seats and their holds are counted
/// one transaction at a time. Nothing to take on SQLite, where a
/// transaction's first write takes the one write lock of the database.
pub(super) async fn lock_person(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    state: &AppState,
    user_id: i64,
) -> Result<(), AppError> {
    if state.db.backend() == Backend::Sqlite {
        return Ok(());
    }
    sqlx::query("UPDATE users SET updated_at = updated_at WHERE id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Takes the tier's row lock for the rest of the transaction.
pub(super) async fn lock_tier(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    tier_id: i64,
) -> Result<(), AppError> {
    sqlx::query("UPDATE ticket_tiers SET lock_seq = lock_seq + 1 WHERE id = $1")
        .bind(tier_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
