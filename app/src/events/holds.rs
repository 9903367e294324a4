//! Seat holds (seed 001's locks). Capacity is enforced by the database:
//! every hold takes the tier's row lock first (an update of `lock_seq`), then
//! inserts itself only if `sold + held + quantity <= capacity` in the same
//! statement. Nothing is read first and written later in Rust.

pub use super::hold_insert::sold_out;
use super::hold_insert::{Ask, check_on_sale};
use super::model::{HoldStatus, HoldView};
use super::rows::{HOLD_SELECT, HoldRow, held_now};
use crate::accounts::service::AuthUser;
use crate::error::AppError;
use crate::kernel::ids::{EventId, TierId};
use crate::kernel::time::now_millis;
use crate::live::protocol::Notice;
use crate::state::AppState;

/// 400 unless the tier belongs to `event_id` (when the client names one).
pub async fn check_tier_event(
    state: &AppState,
    tier_id: TierId,
    event_id: Option<EventId>,
) -> Result<(), AppError> {
    let Some(event_id) = event_id else {
        return Ok(());
    };
    // A tier never moves to another event: one seen before is known.
    let desk = state.singletons.get::<super::hold_batch::HoldDesk>();
    let tier_event = match desk.tier_event(tier_id.get()) {
        Some(known) => Some(known),
        None => sqlx::query_as("SELECT event_id FROM ticket_tiers WHERE id = $1")
            .bind(tier_id)
            .fetch_optional(state.db.pool())
            .await?
            .map(|(e,): (i64,)| e),
    };
    match tier_event {
        Some(e) if e != event_id.get() => Err(AppError::bad_request(
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

/// Holds `quantity` seats of a tier for the configured time (made with the
/// other holds asked for the tier meanwhile: see `hold_batch`).
pub async fn hold(
    state: &AppState,
    user: &AuthUser,
    tier_id: TierId,
    quantity: i64,
) -> Result<HoldView, AppError> {
    check_quantity(state, quantity)?;
    let ask = Ask {
        user_id: user.id,
        tier_id: tier_id.get(),
        quantity,
    };
    let hold = super::hold_batch::hold(state, ask).await?;
    state.live.notify_user(
        user.id,
        Notice::HoldChanged {
            hold_id: hold.id.clone(),
            event_id: hold.event_id,
            status: HoldStatus::Active.to_string(),
        },
    );
    Ok(hold)
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
