//! The organizer's view of one event: seats per tier, revenue, check-ins,
//! orders, and the orders as CSV.

use super::model::{Dashboard, OrderStatus, PaymentMethod};
use super::orders::event_orders;
use super::tickets::csv_line;
use crate::accounts::service::AuthUser;
use crate::error::AppError;
use crate::kernel::ids::EventId;
use crate::kernel::money::Cents;
use crate::kernel::time;
use crate::state::AppState;

pub async fn dashboard(
    state: &AppState,
    user: &AuthUser,
    event_id: EventId,
) -> Result<Dashboard, AppError> {
    // Checks that the user manages the event (403/404 otherwise).
    let orders = event_orders(state, user, event_id).await?;
    let event = super::catalog::get_event(state, Some(user), event_id).await?;
    let sold = || {
        orders
            .iter()
            .filter(|o| matches!(o.status, OrderStatus::Confirmed | OrderStatus::Completed))
    };
    let revenue_cents = sold().map(|o| o.total_cents).sum();
    let at_door = || sold().filter(|o| o.payment_method == PaymentMethod::Door);
    let owed_at_door_cents = at_door().map(|o| o.total_cents).sum();
    let orders_at_door = at_door().count() as i64;
    let (tickets_issued, checked_in): (i64, i64) = sqlx::query_as(
        "SELECT CAST(COUNT(*) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN checked_in_at IS NULL THEN 0 ELSE 1 END), 0) AS BIGINT) \
         FROM tickets WHERE event_id = $1 AND status = 'valid'",
    )
    .bind(event_id)
    .fetch_one(state.db.pool())
    .await?;
    let (frozen_at,): (Option<i64>,) =
        sqlx::query_as("SELECT payouts_frozen_at FROM events WHERE id = $1")
            .bind(event_id)
            .fetch_one(state.db.pool())
            .await?;
    Ok(Dashboard {
        payouts_frozen_label: frozen_at.map(|at| time::label(at, &event.timezone)),
        can_freeze_payouts: user.role == crate::accounts::model::Role::Admin,
        event,
        revenue_cents,
        owed_at_door_cents,
        orders_at_door,
        tickets_issued,
        checked_in,
        orders,
    })
}

/// An event's orders as CSV, for its organizer.
pub async fn orders_csv(
    state: &AppState,
    user: &AuthUser,
    event_id: EventId,
) -> Result<String, AppError> {
    let orders = event_orders(state, user, event_id).await?;
    let mut out = csv_line(
        &[
            "order",
            "buyer",
            "email",
            "tier",
            "quantity",
            "unit_price",
            "total",
            "currency",
            "status",
            "created_at",
            "confirmed_at",
            "notes",
        ]
        .map(String::from),
    );
    for o in orders {
        out.push_str(&csv_line(&[
            o.id.to_string(),
            o.buyer_name,
            o.buyer_email,
            o.tier_name,
            o.quantity.to_string(),
            format!("{:.2}", Cents::new(o.unit_price_cents).major()),
            format!("{:.2}", Cents::new(o.total_cents).major()),
            o.currency,
            o.status.as_str().to_string(),
            time::iso(o.created_at),
            o.confirmed_at.map(time::iso).unwrap_or_default(),
            o.notes,
        ]));
    }
    Ok(out)
}
