//! Seat holds (seed 001's locks). Capacity is enforced by the database:
//! every hold takes the tier's row lock first (an update of `lock_seq`), then
//! inserts itself only if `sold + held + quantity <= capacity` in the same
//! statement. Nothing is read first and written later in Rust.

use sqlx::{Any, Transaction};

use super::model::{EventStatus, HoldStatus, HoldView, PaymentMethod, TierStatus};
use super::rows::held_now;
use crate::accounts::service::AuthUser;
use crate::error::AppError;
use crate::kernel::ids::{EventId, TierId};
use crate::kernel::random;
use crate::kernel::time;
use crate::kernel::time::now_millis;
use crate::live::protocol::Notice;
use crate::state::AppState;

#[derive(Debug, Clone, sqlx::FromRow)]
struct HoldRow {
    id: String,
    event_id: i64,
    event_name: String,
    starts_at: i64,
    ends_at: Option<i64>,
    timezone: String,
    currency: String,
    tier_id: i64,
    tier_name: String,
    price_cents: i64,
    quantity: i64,
    status: HoldStatus,
    expires_at: i64,
    available: i64,
    order_id: Option<i64>,
    payment_method: PaymentMethod,
}

/// Holds with their tier's free seats as of `$1`.
const HOLD_SELECT: &str = concat!(
    "SELECT h.id, h.event_id, e.name AS event_name, e.starts_at, e.ends_at, \
     e.timezone, e.currency, h.tier_id, t.name AS tier_name, COALESCE(h.unit_price_cents, t.price_cents) AS price_cents, h.quantity, h.status, \
     h.expires_at, t.capacity - t.sold - ",
    held_now!("$1"),
    " AS available, \
     (SELECT o.id FROM orders o WHERE o.hold_id = h.id) AS order_id, e.payment_method \
     FROM holds h JOIN ticket_tiers t ON t.id = h.tier_id JOIN events e ON e.id = h.event_id"
);

impl HoldRow {
    fn view(&self, now: i64) -> HoldView {
        let lapsed = self.status == HoldStatus::Active && self.expires_at <= now;
        HoldView {
            id: self.id.clone(),
            event_id: self.event_id,
            event_name: self.event_name.clone(),
            when_label: time::when_label(self.starts_at, self.ends_at, &self.timezone),
            tier_id: self.tier_id,
            tier_name: self.tier_name.clone(),
            quantity: self.quantity,
            unit_price_cents: self.price_cents,
            currency: self.currency.clone(),
            status: if lapsed {
                HoldStatus::Expired
            } else {
                self.status
            },
            expires_at: self.expires_at,
            seconds_left: ((self.expires_at - now) / 1000).max(0),
            available: self.available.max(0),
            order_id: self.order_id,
            payment_method: self.payment_method,
        }
    }
}

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
async fn check_on_sale(state: &AppState, tier_id: i64, now: i64) -> Result<i64, AppError> {
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
    let limits = state.config.ticketing;
    // The user's row first (their hold limit counts holds on every tier),
    // then the per-tier lock: later holds on this tier wait here until we
    // commit.
    sqlx::query("UPDATE users SET updated_at = updated_at WHERE id = $1")
        .bind(user.id)
        .execute(&mut **tx)
        .await?;
    lock_tier(tx, tier_id).await?;
    let id = format!("hold_{}", random::code());
    let expires_at = now + crate::kernel::time::millis(limits.hold_ttl);
    let inserted = sqlx::query(concat!(
        "INSERT INTO holds (id, tier_id, event_id, user_id, quantity, unit_price_cents, status, expires_at, created_at, updated_at) \
         SELECT $1, t.id, t.event_id, $3, $4, t.price_cents, 'active', $5, $6, $6 \
         FROM ticket_tiers t JOIN events e ON e.id = t.event_id \
         WHERE t.id = $2 AND t.status = 'active' AND e.status = 'published' \
           AND (t.sales_start IS NULL OR t.sales_start <= $6) \
           AND $6 < e.starts_at AND (t.sales_end IS NULL OR $6 < t.sales_end) \
           AND t.capacity - t.sold - ",
        held_now!("$6"),
        " >= $4 \
           AND (SELECT COUNT(*) FROM holds u \
                WHERE u.user_id = $3 AND u.status = 'active' AND u.expires_at > $6) < $7 \
           AND (SELECT COALESCE(SUM(m.quantity), 0) FROM holds m WHERE m.user_id = $3 \
                AND m.event_id = t.event_id AND m.status = 'active' AND m.expires_at > $6) + $4 <= $8",
    ))
    .bind(&id)
    .bind(tier_id)
    .bind(user.id)
    .bind(quantity)
    .bind(expires_at)
    .bind(now)
    .bind(limits.max_active_holds)
    .bind(limits.max_held_per_event)
    .execute(&mut **tx)
    .await?;
    if inserted.rows_affected() == 1 {
        return Ok(id);
    }
    // Refused: say why. Not on sale (missing, a draft, cancelled, outside
    // its sales window)? Then seats or the person's limits, from the same
    // locked view of the tier.
    // On this transaction's connection: a second one from the pool could
    // wait for ever while every connection is a refused hold's.
    let sale: Option<Sale> = sqlx::query_as(SALE_SELECT)
        .bind(tier_id)
        .fetch_optional(&mut **tx)
        .await?;
    on_sale(sale, now)?;
    type Why = (i64, i64, i64, EventStatus, TierStatus);
    let (available, mine, held_here, event_status, tier_status): Why = sqlx::query_as(concat!(
        "SELECT t.capacity - t.sold - ",
        held_now!("$2"),
        ", CAST((SELECT COUNT(*) FROM holds u WHERE u.user_id = $3 AND u.status = 'active' AND u.expires_at > $2) AS BIGINT), \
         CAST((SELECT COALESCE(SUM(m.quantity), 0) FROM holds m WHERE m.user_id = $3 \
            AND m.event_id = t.event_id AND m.status = 'active' AND m.expires_at > $2) AS BIGINT), \
         e.status, t.status \
         FROM ticket_tiers t JOIN events e ON e.id = t.event_id WHERE t.id = $1",
    ))
    .bind(tier_id)
    .bind(now)
    .bind(user.id)
    .fetch_one(&mut **tx)
    .await?;
    if event_status != EventStatus::Published || tier_status != TierStatus::Active {
        return Err(AppError::Conflict(
            "These tickets are no longer on sale.".into(),
        ));
    }
    if mine >= limits.max_active_holds {
        return Err(AppError::Conflict(format!(
            "You already have {mine} seat holds open. Check out or release one first."
        )));
    }
    if held_here + quantity > limits.max_held_per_event {
        let most = limits.max_held_per_event;
        return Err(AppError::Conflict(format!(
            "One person may hold at most {most} seats of this event at once; you hold {held_here}. \
             Check out or release some first."
        )));
    }
    Err(sold_out(available.max(0)))
}

pub fn sold_out(available: i64) -> AppError {
    AppError::Conflict(match available {
        0 => "Sold out: no seats are left in this tier.".to_string(),
        1 => "Not enough seats: only 1 seat is left.".to_string(),
        n => format!("Not enough seats: only {n} seats are left."),
    })
}

/// 400 unless the tier belongs to `event_id` (when the client names one).
pub async fn check_tier_event(
    state: &AppState,
    tier_id: TierId,
    event_id: Option<EventId>,
) -> Result<(), AppError> {
    let Some(event_id) = event_id else {
        return Ok(());
    };
    let tier_event: Option<(i64,)> =
        sqlx::query_as("SELECT event_id FROM ticket_tiers WHERE id = $1")
            .bind(tier_id)
            .fetch_optional(state.db.pool())
            .await?;
    match tier_event {
        Some((e,)) if e != event_id.get() => Err(AppError::bad_request(
            "categoryId",
            "This ticket category belongs to another event.",
        )),
        _ => Ok(()),
    }
}

/// Seats still free in a tier (for the API's 409 answers).
pub async fn available_seats(state: &AppState, tier_id: TierId) -> Result<i64, AppError> {
    let row: Option<(i64,)> = sqlx::query_as(concat!(
        "SELECT t.capacity - t.sold - ",
        held_now!("$2"),
        " FROM ticket_tiers t WHERE t.id = $1"
    ))
    .bind(tier_id)
    .bind(now_millis())
    .fetch_optional(state.db.pool())
    .await?;
    Ok(row.map_or(0, |r| r.0.max(0)))
}

pub fn check_quantity(state: &AppState, quantity: i64) -> Result<(), AppError> {
    let max = state.config.ticketing.max_seats_per_hold;
    if !(1..=max).contains(&quantity) {
        return Err(AppError::bad_request(
            "quantity",
            format!("Choose between 1 and {max} seats."),
        ));
    }
    Ok(())
}

/// Holds `quantity` seats of a tier for the configured time.
pub async fn hold(
    state: &AppState,
    user: &AuthUser,
    tier_id: TierId,
    quantity: i64,
) -> Result<HoldView, AppError> {
    check_quantity(state, quantity)?;
    let now = now_millis();
    // Three statements in the transaction: the person's lock, the tier's
    // lock, and the hold, inserted only if it may be.
    let mut tx = state.db.pool().begin().await?;
    let id = insert_hold(&mut tx, state, user, tier_id.get(), quantity, now).await?;
    tx.commit().await?;
    tracing::info!(hold_id = %id, tier_id = tier_id.get(), quantity, "seats held");
    let hold = hold_for(state, user, &id).await;
    let event_id = match &hold {
        Ok(hold) => hold.event_id,
        Err(_) => event_of_tier(state, tier_id.get()).await?,
    };
    state.live.touch_event(event_id);
    state.live.notify_user(
        user.id,
        Notice::HoldChanged {
            hold_id: id.clone(),
            event_id,
            status: HoldStatus::Active.to_string(),
        },
    );
    hold
}

/// The event a tier belongs to (0 if the tier is gone).
async fn event_of_tier(state: &AppState, tier_id: i64) -> Result<i64, AppError> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT event_id FROM ticket_tiers WHERE id = $1")
        .bind(tier_id)
        .fetch_optional(state.db.pool())
        .await?;
    Ok(row.map_or(0, |r| r.0))
}

/// Checks the tier is on sale (for orders made without a hold first).
pub(super) async fn check_tier_on_sale(
    state: &AppState,
    tier_id: i64,
    now: i64,
) -> Result<i64, AppError> {
    check_on_sale(state, tier_id, now).await
}

/// One of the user's holds (any status). Others' holds are 404.
pub async fn hold_for(state: &AppState, user: &AuthUser, id: &str) -> Result<HoldView, AppError> {
    let now = now_millis();
    let sql = format!("{HOLD_SELECT} WHERE h.id = $2 AND h.user_id = $3");
    let row: Option<HoldRow> = sqlx::query_as(&sql)
        .bind(now)
        .bind(id)
        .bind(user.id)
        .fetch_optional(state.db.pool())
        .await?;
    row.map(|r| r.view(now))
        .ok_or_else(|| AppError::NotFound("This seat hold".into()))
}

/// The user's holds that still hold seats.
pub async fn my_holds(state: &AppState, user: &AuthUser) -> Result<Vec<HoldView>, AppError> {
    let now = now_millis();
    let sql = format!(
        "{HOLD_SELECT} WHERE h.user_id = $2 AND h.status = 'active' AND h.expires_at > $1 \
         ORDER BY h.expires_at"
    );
    let rows: Vec<HoldRow> = sqlx::query_as(&sql)
        .bind(now)
        .bind(user.id)
        .fetch_all(state.db.pool())
        .await?;
    Ok(rows.iter().map(|r| r.view(now)).collect())
}

/// Gives the seats back early. A pending order on the hold is cancelled too.
pub async fn release(state: &AppState, user: &AuthUser, id: &str) -> Result<HoldView, AppError> {
    let now = now_millis();
    let mut tx = state.db.pool().begin().await?;
    lock_tier_of_hold(&mut tx, id).await?;
    let released = sqlx::query(
        "UPDATE holds SET status = 'released', updated_at = $1 \
         WHERE id = $2 AND user_id = $3 AND status = 'active'",
    )
    .bind(now)
    .bind(id)
    .bind(user.id)
    .execute(&mut *tx)
    .await?;
    if released.rows_affected() == 0 {
        drop(tx);
        let hold = hold_for(state, user, id).await?;
        return Err(AppError::Conflict(match hold.status {
            HoldStatus::Converted => {
                "These seats are already yours: the order is confirmed.".into()
            }
            _ => "This hold is no longer active.".into(),
        }));
    }
    let orders: Vec<(i64,)> = sqlx::query_as(
        "UPDATE orders SET status = 'cancelled', cancel_reason = 'The seats were released.', \
         cancelled_at = $1, updated_at = $1 WHERE hold_id = $2 AND status = 'pending' RETURNING id",
    )
    .bind(now)
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    for (order_id,) in orders {
        let payment = crate::wallet::payments::reference(order_id, "payment");
        crate::wallet::ledger::void(&mut tx, &payment, now).await?;
    }
    tx.commit().await?;
    crate::wallet::service::announce(state, user.id);
    tracing::info!(hold_id = %id, "hold released");
    let hold = hold_for(state, user, id).await?;
    state.live.touch_event(hold.event_id);
    state.live.notify_user(
        user.id,
        Notice::HoldChanged {
            hold_id: hold.id.clone(),
            event_id: hold.event_id,
            status: hold.status.to_string(),
        },
    );
    Ok(hold)
}

/// Releases the user's active holds on a tier (seed 001's release by
/// category). Returns the holds released.
pub async fn release_tier(
    state: &AppState,
    user: &AuthUser,
    tier_id: i64,
) -> Result<Vec<HoldView>, AppError> {
    let mine: Vec<HoldView> = my_holds(state, user)
        .await?
        .into_iter()
        .filter(|h| h.tier_id == tier_id && h.order_id.is_none())
        .collect();
    let mut released = Vec::new();
    for hold in mine {
        if let Ok(view) = release(state, user, &hold.id).await {
            released.push(view);
        }
    }
    Ok(released)
}

/// Takes the row lock of the hold's tier (if the hold exists) for the rest
/// of the transaction: the first step of every change to a hold's status,
/// since the `held` counter's trigger writes the tier after the hold.
pub(super) async fn lock_tier_of_hold(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    hold_id: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE ticket_tiers SET lock_seq = lock_seq + 1 \
         WHERE id = (SELECT tier_id FROM holds WHERE id = $1)",
    )
    .bind(hold_id)
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
