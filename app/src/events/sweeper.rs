//! The background sweep: marks lapsed holds expired (their seats already
//! stopped counting when they lapsed), cancels the pending orders that
//! depended on them, and completes orders of events that are over.

use crate::kernel::db::Db;
use crate::kernel::time::now_millis;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub holds_expired: u64,
    pub orders_lapsed: u64,
    pub orders_completed: u64,
}

pub async fn sweep(db: &Db) -> Result<Swept, sqlx::Error> {
    sweep_events(db).await.map(|(swept, _)| swept)
}

/// A hold the sweep marked expired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lapsed {
    pub hold_id: String,
    pub event_id: i64,
    pub user_id: i64,
}

/// The sweep, and the holds it marked expired. Holds are expired one tier at
/// a time, each under its tier's lock (the lock order of every transaction
/// that changes a hold's status), so the sweep never deadlocks with a
/// confirmation and instances sweeping at once never expire a hold twice.
pub async fn sweep_events(db: &Db) -> Result<(Swept, Vec<Lapsed>), sqlx::Error> {
    let now = now_millis();
    let tiers: Vec<(i64,)> = sqlx::query_as(
        "SELECT DISTINCT tier_id FROM holds WHERE status = 'active' AND expires_at <= $1 LIMIT 1000",
    )
    .bind(now)
    .fetch_all(db.pool())
    .await?;
    let mut lapsed = Vec::new();
    for (tier_id,) in tiers {
        let mut tx = db.pool().begin().await?;
        sqlx::query("UPDATE ticket_tiers SET lock_seq = lock_seq + 1 WHERE id = $1")
            .bind(tier_id)
            .execute(&mut *tx)
            .await?;
        let expired: Vec<(String, i64, i64)> = sqlx::query_as(
            "UPDATE holds SET status = 'expired', updated_at = $1 \
             WHERE tier_id = $2 AND status = 'active' AND expires_at <= $1 \
             RETURNING id, event_id, user_id",
        )
        .bind(now)
        .bind(tier_id)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        lapsed.extend(
            expired
                .into_iter()
                .map(|(hold_id, event_id, user_id)| Lapsed {
                    hold_id,
                    event_id,
                    user_id,
                }),
        );
    }
    let holds_expired = lapsed.len() as u64;
    let mut tx = db.pool().begin().await?;
    let orders_lapsed = sqlx::query(
        "UPDATE orders SET status = 'cancelled', cancel_reason = 'The seat hold expired before checkout.', \
         cancelled_at = $1, updated_at = $1 WHERE status = 'pending' \
         AND EXISTS (SELECT 1 FROM holds h WHERE h.id = orders.hold_id AND h.status IN ('expired', 'released'))",
    )
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let orders_completed = sqlx::query(
        "UPDATE orders SET status = 'completed', updated_at = $1 WHERE status = 'confirmed' \
         AND event_id IN (SELECT id FROM events WHERE COALESCE(ends_at, starts_at) <= $1)",
    )
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    let swept = Swept {
        holds_expired,
        orders_lapsed,
        orders_completed,
    };
    if swept != Swept::default() {
        tracing::info!(
            holds_expired,
            orders_lapsed,
            orders_completed,
            "ticketing sweep"
        );
    }
    Ok((swept, lapsed))
}

/// Voids the reservations of orders that were cancelled (or lapsed) and
/// of any expired payment, then pays out the takings of events that are
/// over. Returns the people whose wallets changed.
pub async fn sweep_money(
    db: &Db,
    settings: &crate::config::WalletSettings,
) -> Result<Vec<i64>, crate::error::AppError> {
    use crate::wallet::ledger;
    let stale: Vec<(String,)> = sqlx::query_as(
        "SELECT t.reference FROM wallet_transactions t JOIN orders o ON o.id = t.order_id \
         WHERE t.status = 'pending' AND t.kind = 'payment' AND o.status = 'cancelled' LIMIT 500",
    )
    .fetch_all(db.pool())
    .await?;
    let now = now_millis();
    for (reference,) in &stale {
        let mut tx = db.pool().begin().await?;
        ledger::void(&mut tx, reference, now).await?;
        tx.commit().await?;
    }
    let mut touched = ledger::void_expired(db).await?;
    touched.extend(crate::wallet::payments::pay_out(db, settings).await?);
    Ok(touched)
}

/// One sweep, and the news of it: freed seats to the events' followers,
/// "your hold expired" to each holder, wallet changes to their owners.
pub async fn sweep_and_tell(
    db: &Db,
    hub: &crate::live::hub::Hub,
    settings: &crate::config::WalletSettings,
) {
    use crate::live::protocol::Notice;
    match sweep_events(db).await {
        Ok((_, lapsed)) => {
            let mut events: Vec<i64> = lapsed.iter().map(|l| l.event_id).collect();
            events.sort_unstable();
            events.dedup();
            events.into_iter().for_each(|e| hub.touch_event(e));
            for hold in lapsed {
                hub.notify_user(
                    hold.user_id,
                    Notice::HoldExpired {
                        hold_id: hold.hold_id,
                        event_id: hold.event_id,
                    },
                );
            }
        }
        Err(e) => tracing::warn!(error = %e, "ticketing sweep failed; will retry"),
    }
    match sweep_money(db, settings).await {
        Ok(people) => people
            .into_iter()
            .for_each(|p| hub.notify_user(p, Notice::WalletChanged)),
        Err(e) => tracing::warn!(error = %e, "wallet sweep failed; will retry"),
    }
}
