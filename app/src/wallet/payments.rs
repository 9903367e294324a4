//! Paying for orders with the wallet, in two phases that ride on the order's
//! own database transactions:
//!
//! - creating an order reserves its total on the buyer's wallet (a pending
//!   payment to the organizer's escrow) with the seat hold's expiry;
//! - confirming it posts the payment in the same transaction that converts
//!   the hold into sold seats, so seats are never confirmed without the
//!   money and money never moves after the hold lapsed;
//! - a cancel or a lapse voids a pending payment; cancelling a confirmed
//!   order refunds it (less the organizer's cancellation fee when the buyer
//!   cancels);
//! - after the event, the sweeper pays the takings out of escrow to the
//!   organizer, less the platform fee.

use super::ledger::{self, NewTx, Owned, Platform, Posting, Refused, Tx};
use super::model::{CURRENCY, Earnings, EventEarnings, TxKind};
use crate::accounts::service::AuthUser;
use crate::error::AppError;
use crate::kernel::money::Cents;
use crate::state::AppState;

pub fn reference(order_id: i64, what: &str) -> String {
    format!("order:{order_id}:{what}")
}

/// What an order's payment needs to know.
#[derive(Debug, Clone, Copy)]
pub struct OrderMoney<'a> {
    pub order_id: i64,
    pub buyer_id: i64,
    pub organizer_id: i64,
    pub total_cents: i64,
    pub currency: &'a str,
}

/// Phase one: reserves the order's total on the buyer's wallet until
/// `expires_at` (the hold's expiry). Free orders reserve nothing.
pub async fn reserve_order(
    tx: &mut Tx<'_>,
    order: OrderMoney<'_>,
    expires_at: i64,
    now: i64,
) -> Result<(), AppError> {
    if order.total_cents == 0 {
        return Ok(());
    }
    if order.currency != CURRENCY {
        return Err(AppError::Conflict(format!(
            "This event is priced in {}; wallets hold {CURRENCY}.",
            order.currency
        )));
    }
    let buyer = ledger::account(tx, order.buyer_id, Owned::Main).await?;
    let escrow = ledger::account(tx, order.organizer_id, Owned::Escrow).await?;
    let new = NewTx {
        kind: TxKind::Payment,
        amount_cents: order.total_cents,
        debit: buyer,
        credit: escrow,
        initiator: Some(order.buyer_id),
        key: None,
        reference: Some(reference(order.order_id, "payment")),
        order_id: Some(order.order_id),
        memo: "",
        counterparty: "",
    };
    match ledger::reserve(tx, &new, expires_at, now).await {
        Ok(_) | Err(Refused::Duplicate) => Ok(()),
        Err(refused) => Err(refused.into_error(order.total_cents)),
    }
}

/// Phase two, inside the confirming transaction: posts the reserved
/// payment. Fails (and the caller rolls everything back) when it can no
/// longer post.
pub async fn post_order(
    tx: &mut Tx<'_>,
    order_id: i64,
    total_cents: i64,
    now: i64,
) -> Result<(), AppError> {
    if total_cents == 0 {
        return Ok(());
    }
    match ledger::post_pending(tx, &reference(order_id, "payment"), now).await? {
        Posting::Posted | Posting::AlreadyPosted => Ok(()),
        Posting::Void | Posting::Missing => Err(AppError::Conflict(
            "The payment for this order lapsed with its seat hold. Hold the seats again to buy."
                .into(),
        )),
    }
}

/// Inside a cancelling transaction: voids the order's pending payment, or
/// refunds its posted one less `fee_pct` percent. Returns what was refunded.
pub async fn unwind_order(
    tx: &mut Tx<'_>,
    order_id: i64,
    fee_pct: i64,
    now: i64,
) -> Result<i64, AppError> {
    let payment = reference(order_id, "payment");
    if ledger::void(tx, &payment, now).await? {
        return Ok(0);
    }
    let paid: Option<(i64, i64, i64)> = sqlx::query_as(
        "SELECT amount_cents, debit_account_id, credit_account_id FROM wallet_transactions \
         WHERE reference = $1 AND status = 'posted'",
    )
    .bind(&payment)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((amount, buyer, escrow)) = paid else {
        return Ok(0);
    };
    // The fee in percent is hundreds of basis points.
    let fee = share(amount, fee_pct.clamp(0, 100) * 100)?;
    let refund = amount - fee;
    if refund == 0 {
        return Ok(0);
    }
    let new = NewTx {
        kind: TxKind::Refund,
        amount_cents: refund,
        debit: escrow,
        credit: buyer,
        initiator: None,
        key: None,
        reference: Some(reference(order_id, "refund")),
        order_id: Some(order_id),
        memo: if fee > 0 {
            "Less the organizer's cancellation fee"
        } else {
            ""
        },
        counterparty: "",
    };
    match ledger::post(tx, &new, None, now).await {
        Ok(_) => Ok(refund),
        Err(Refused::Duplicate) => Ok(0),
        Err(refused) => Err(refused.into_error(refund)),
    }
}

/// Tells the buyer their wallet changed with an order. (The organizer's
/// escrow changed too; they hear of it through the order notices, which
/// their earnings page follows, so a "new order" toast is never replaced
/// by a wallet notice.)
pub fn touched(buyer_id: i64, state: &AppState) {
    super::service::announce(state, buyer_id);
}

/// Pays out the takings of orders whose event is over, and has been for
/// the hold-back period both as it stood when the order was made and as it
/// stands now: escrow → the organizer's wallet, less the platform's fee.
/// Events whose payouts an admin froze wait. One transaction per order; a
/// payout happens once (its reference is unique). Returns the organizers
/// paid.
pub async fn pay_out(
    db: &crate::kernel::db::Db,
    settings: &crate::config::WalletSettings,
) -> Result<Vec<i64>, AppError> {
    let fee_bps = settings.platform_fee_bps;
    let now = crate::kernel::time::now_millis();
    let holdback = crate::kernel::time::millis(settings.payout_holdback);
    // Fully refunded orders have nothing to pay out; they are left out in
    // SQL so they never crowd the batch.
    let due: Vec<(i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT id, organizer_id, escrow, net FROM (\
         SELECT o.id, e.organizer_id, p.credit_account_id AS escrow, \
         CAST(p.amount_cents - COALESCE((SELECT r.amount_cents FROM wallet_transactions r \
           WHERE r.order_id = o.id AND r.kind = 'refund' AND r.status = 'posted'), 0) AS BIGINT) AS net \
         FROM orders o JOIN events e ON e.id = o.event_id \
         JOIN wallet_transactions p ON p.order_id = o.id AND p.kind = 'payment' AND p.status = 'posted' \
         WHERE o.payout_after <= $1 AND COALESCE(e.ends_at, e.starts_at) <= $1 - $2 \
         AND e.payouts_frozen_at IS NULL AND o.status IN ('completed', 'cancelled') \
         AND NOT EXISTS (SELECT 1 FROM wallet_transactions x WHERE x.order_id = o.id AND x.kind = 'payout')\
         ) due WHERE net > 0 ORDER BY id LIMIT 200",
    )
    .bind(now)
    .bind(holdback)
    .fetch_all(db.pool())
    .await?;
    let mut paid = Vec::new();
    for (order_id, organizer, escrow, net) in due {
        let mut tx = db.pool().begin().await?;
        let main = ledger::account(&mut tx, organizer, Owned::Main).await?;
        let fees = ledger::platform(&mut tx, Platform::Fees).await?;
        let fee = share(net, fee_bps.clamp(0, 10_000))?;
        let new = NewTx {
            kind: TxKind::Payout,
            amount_cents: net,
            debit: escrow,
            credit: main,
            initiator: None,
            key: None,
            reference: Some(reference(order_id, "payout")),
            order_id: Some(order_id),
            memo: "",
            counterparty: "",
        };
        match ledger::post(&mut tx, &new, Some((fees, fee)), now).await {
            Ok(_) => {
                tx.commit().await?;
                paid.push(organizer);
            }
            Err(Refused::Duplicate) => {}
            Err(refused) => return Err(refused.into_error(net)),
        }
    }
    if !paid.is_empty() {
        tracing::info!(payouts = paid.len(), "organizer payouts posted");
    }
    paid.sort_unstable();
    paid.dedup();
    Ok(paid)
}

/// An admin freezes (or releases) the payouts of an event: while frozen,
/// its takings stay in escrow whatever the time. Returns when it was
/// frozen (`None` once released).
pub async fn freeze_payouts(
    state: &AppState,
    user: &AuthUser,
    event_id: crate::kernel::ids::EventId,
    frozen: bool,
) -> Result<Option<i64>, AppError> {
    user.require_role(crate::accounts::model::Role::Admin)?;
    let now = crate::kernel::time::now_millis();
    let at: Option<(Option<i64>,)> = sqlx::query_as(
        "UPDATE events SET \
         payouts_frozen_at = CASE WHEN $1 = 1 THEN COALESCE(payouts_frozen_at, $2) ELSE NULL END, \
         payouts_frozen_by = CASE WHEN $1 = 1 THEN COALESCE(payouts_frozen_by, $3) ELSE NULL END, \
         updated_at = $2 WHERE id = $4 RETURNING payouts_frozen_at",
    )
    .bind(i64::from(frozen))
    .bind(now)
    .bind(user.id)
    .bind(event_id)
    .fetch_optional(state.db.pool())
    .await?;
    let (at,) = at.ok_or_else(|| AppError::NotFound("This event".into()))?;
    state.live.touch_event(event_id.get());
    tracing::info!(
        event_id = event_id.get(),
        frozen,
        by = user.id,
        "event payouts"
    );
    Ok(at)
}

/// An organizer's takings per event: sales, refunds, what is still in
/// escrow and what was paid out.
pub async fn earnings(state: &AppState, user: &AuthUser) -> Result<Earnings, AppError> {
    user.require_role(crate::accounts::model::Role::Organizer)?;
    let mut conn = state.db.pool().acquire().await?;
    let fees = ledger::platform(&mut conn, Platform::Fees).await?;
    drop(conn);
    let rows: Vec<(i64, String, String, i64, i64)> = sqlx::query_as(
        "SELECT o.event_id, ev.name, t.kind, CAST(SUM(t.amount_cents) AS BIGINT), \
         CAST(SUM(COALESCE((SELECT f.amount_cents FROM wallet_entries f \
           WHERE f.transaction_id = t.id AND f.account_id = $2), 0)) AS BIGINT) \
         FROM wallet_transactions t JOIN orders o ON o.id = t.order_id \
         JOIN events ev ON ev.id = o.event_id \
         WHERE ev.organizer_id = $1 AND t.status = 'posted' \
         GROUP BY o.event_id, ev.name, t.kind ORDER BY o.event_id DESC",
    )
    .bind(user.id)
    .bind(fees)
    .fetch_all(state.db.pool())
    .await?;
    let mut events: Vec<EventEarnings> = Vec::new();
    for (event_id, name, kind, amount, fee) in rows {
        if events.last().is_none_or(|e| e.event_id != event_id) {
            events.push(EventEarnings {
                event_id,
                event_name: name,
                sales_cents: 0,
                refunded_cents: 0,
                in_escrow_cents: 0,
                paid_out_cents: 0,
                fees_cents: 0,
            });
        }
        let Some(row) = events.last_mut() else {
            continue;
        };
        match TxKind::parse(&kind) {
            Some(TxKind::Payment) => row.sales_cents += amount,
            Some(TxKind::Refund) => row.refunded_cents += amount,
            Some(TxKind::Payout) => {
                row.paid_out_cents += amount - fee;
                row.fees_cents += fee;
            }
            _ => {}
        }
    }
    for row in &mut events {
        row.in_escrow_cents =
            row.sales_cents - row.refunded_cents - row.paid_out_cents - row.fees_cents;
    }
    Ok(Earnings {
        in_escrow_cents: events.iter().map(|e| e.in_escrow_cents).sum(),
        paid_out_cents: events.iter().map(|e| e.paid_out_cents).sum(),
        fees_cents: events.iter().map(|e| e.fees_cents).sum(),
        fee_bps: state.config.wallet.platform_fee_bps,
        currency: CURRENCY.into(),
        events,
    })
}

/// `basis_points` of `cents`, rounded down (a fee never exceeds its amount).
fn share(cents: i64, basis_points: i64) -> Result<i64, AppError> {
    Cents::new(cents)
        .share(basis_points)
        .map(Cents::get)
        .ok_or_else(|| AppError::internal("a fee does not fit in an amount"))
}
