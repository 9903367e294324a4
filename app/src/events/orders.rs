//! Orders: made from a hold (its seats become the order's) or directly (a
//! hold and the order in one transaction), confirmed (the hold converts to
//! sold seats and tickets are issued, atomically), cancelled (seats return).
//! A client key makes creation idempotent.

use super::hold_insert::{insert_hold, lock_person, lock_tier};
use super::holds::{check_quantity, check_tier_on_sale, hold_for, lock_tier_of_hold};
use super::model::{
    EventStatus, HoldStatus, OrderStatus, OrderView, PaymentMethod, TicketStatus, TicketView,
    check_notes,
};
use super::tickets::tickets_of_orders;
use crate::accounts::model::Role;
use crate::accounts::service::AuthUser;
use crate::error::AppError;
use crate::kernel::db::Constraint;
use crate::kernel::idempotency::{self, Begun, Fingerprint, Key, Request, Scope};
use crate::kernel::ids::{EventId, OrderId};
use crate::kernel::random;
use crate::kernel::time;
use crate::kernel::time::now_millis;
use crate::state::AppState;
use crate::wallet::payments::{self, OrderMoney};

#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct OrderRow {
    pub id: i64,
    pub user_id: i64,
    pub buyer_name: String,
    pub buyer_email: String,
    pub event_id: i64,
    pub event_name: String,
    pub venue: String,
    pub starts_at: i64,
    pub ends_at: Option<i64>,
    pub timezone: String,
    pub organizer_id: i64,
    pub tier_id: i64,
    pub tier_name: String,
    pub quantity: i64,
    pub unit_price_cents: i64,
    pub total_cents: i64,
    pub currency: String,
    pub status: OrderStatus,
    pub notes: String,
    pub hold_id: Option<String>,
    pub hold_expires_at: Option<i64>,
    pub cancel_reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub confirmed_at: Option<i64>,
    pub cancellation_fee_pct: i64,
    pub payment_method: PaymentMethod,
}

pub(super) const ORDER_SELECT: &str = "SELECT o.id, o.user_id, u.display_name AS buyer_name, \
     u.email AS buyer_email, o.event_id, e.name AS event_name, e.venue, e.starts_at, e.ends_at, e.timezone, \
     e.organizer_id, o.tier_id, t.name AS tier_name, o.quantity, o.unit_price_cents, o.total_cents, \
     o.currency, o.status, o.notes, o.hold_id, h.expires_at AS hold_expires_at, o.cancel_reason, \
     o.created_at, o.updated_at, o.confirmed_at, o.cancellation_fee_pct, o.payment_method \
     FROM orders o JOIN users u ON u.id = o.user_id JOIN events e ON e.id = o.event_id \
     JOIN ticket_tiers t ON t.id = o.tier_id LEFT JOIN holds h ON h.id = o.hold_id";

impl OrderRow {
    pub fn status(&self) -> OrderStatus {
        self.status
    }

    fn managed_by(&self, user: &AuthUser) -> bool {
        user.id == self.organizer_id || user.role == Role::Admin
    }

    fn visible_to(&self, user: &AuthUser) -> bool {
        user.id == self.user_id || self.managed_by(user)
    }

    pub fn view(&self, viewer: &AuthUser, now: i64) -> OrderView {
        let open = matches!(self.status(), OrderStatus::Pending | OrderStatus::Confirmed);
        OrderView {
            id: self.id,
            user_id: self.user_id,
            buyer_name: self.buyer_name.clone(),
            buyer_email: if self.visible_to(viewer) {
                self.buyer_email.clone()
            } else {
                String::new()
            },
            event_id: self.event_id,
            event_name: self.event_name.clone(),
            when_label: time::when_label(self.starts_at, self.ends_at, &self.timezone),
            event_starts_at: self.starts_at,
            tier_id: self.tier_id,
            tier_name: self.tier_name.clone(),
            quantity: self.quantity,
            unit_price_cents: self.unit_price_cents,
            total_cents: self.total_cents,
            currency: self.currency.clone(),
            status: self.status(),
            notes: self.notes.clone(),
            hold_id: self.hold_id.clone(),
            hold_expires_at: self.hold_expires_at,
            cancel_reason: self.cancel_reason.clone(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            confirmed_at: self.confirmed_at,
            cancellation_fee_pct: self.cancellation_fee_pct,
            payment_method: self.payment_method,
            can_cancel: open && now < self.starts_at && self.visible_to(viewer),
            tickets: Vec::new(),
        }
    }
}

async fn order_row(conn: &mut sqlx::AnyConnection, id: i64) -> Result<Option<OrderRow>, AppError> {
    let sql = format!("{ORDER_SELECT} WHERE o.id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}

/// The order as this user may see it (buyer, its event's organizer, admin),
/// with its tickets; anyone else gets 404.
pub async fn get_order(
    state: &AppState,
    user: &AuthUser,
    id: OrderId,
) -> Result<OrderView, AppError> {
    let row = order_row(&mut *state.db.pool().acquire().await?, id.get())
        .await?
        .filter(|row| row.visible_to(user))
        .ok_or_else(|| AppError::NotFound("This order".into()))?;
    let mut view = row.view(user, now_millis());
    view.tickets = tickets_of_orders(state, &[row.id]).await?;
    Ok(view)
}

async fn list(
    state: &AppState,
    user: &AuthUser,
    filter: &str,
    id: Option<i64>,
    limit: i64,
    offset: i64,
) -> Result<Vec<OrderView>, AppError> {
    let sql = format!(
        "{ORDER_SELECT} {filter} ORDER BY o.created_at DESC, o.id DESC LIMIT {limit} OFFSET {offset}"
    );
    let mut query = sqlx::query_as::<_, OrderRow>(&sql);
    if let Some(id) = id {
        query = query.bind(id);
    }
    let rows = query.fetch_all(state.db.pool()).await?;
    let now = now_millis();
    Ok(rows.iter().map(|r| r.view(user, now)).collect())
}

/// The user's own orders, newest first.
pub async fn my_orders(state: &AppState, user: &AuthUser) -> Result<Vec<OrderView>, AppError> {
    list(state, user, "WHERE o.user_id = $1", Some(user.id), 500, 0).await
}

/// An event's orders, for its organizer or an admin.
pub async fn event_orders(
    state: &AppState,
    user: &AuthUser,
    event_id: EventId,
) -> Result<Vec<OrderView>, AppError> {
    super::catalog::managed_event(state, user, event_id).await?;
    list(
        state,
        user,
        "WHERE o.event_id = $1",
        Some(event_id.get()),
        10_000,
        0,
    )
    .await
}

/// Every order (admins only), a page of 50 at a time.
pub async fn all_orders(
    state: &AppState,
    user: &AuthUser,
    page: i64,
) -> Result<Vec<OrderView>, AppError> {
    user.require_role(Role::Admin)?;
    let page = page.clamp(1, 100_000);
    list(state, user, "", None, 50, (page - 1) * 50).await
}

/// What creating an order asks for.
#[derive(Debug, Clone, Default)]
pub struct NewOrder {
    pub tier_id: Option<i64>,
    pub quantity: Option<i64>,
    /// Take the seats of this hold (else a hold is made in the same transaction).
    pub hold_id: Option<String>,
    pub notes: String,
    /// The idempotency key: the same key again returns the same order.
    pub client_key: Option<Key>,
}

/// The user's order of the seats of a hold, if they ordered them.
async fn order_of_hold(
    state: &AppState,
    user: &AuthUser,
    hold_id: &str,
) -> Result<Option<OrderRow>, AppError> {
    let sql = format!("{ORDER_SELECT} WHERE o.user_id = $1 AND o.hold_id = $2");
    Ok(sqlx::query_as(&sql)
        .bind(user.id)
        .bind(hold_id)
        .fetch_optional(state.db.pool())
        .await?)
}

/// One order per hold.
const ONE_PER_HOLD: Constraint = Constraint::unique("orders_hold_id_key", "orders.hold_id");

/// Creates an order of a hold, or of seats held in the same transaction.
/// An event paid at the door sells them at once (the order is confirmed
/// with its tickets); a wallet order reserves its total and stays pending
/// until [`confirm_order`]. With the same client key (or for the same hold)
/// twice, the second call returns the first order.
async fn create_order(
    state: &AppState,
    user: &AuthUser,
    new: NewOrder,
) -> Result<OrderView, AppError> {
    let notes = check_notes(&new.notes)?;
    let request = new.client_key.clone().map(|key| {
        let part = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
        let (tier, quantity) = (part(new.tier_id), part(new.quantity));
        let hold = new.hold_id.as_deref().unwrap_or_default();
        let fingerprint = Fingerprint::of(&[&tier, &quantity, hold]);
        Request::new(user.id, Scope::Order, key, fingerprint)
    });
    // A retry gets its first answer even when the tier has closed since.
    if let Some(request) = &request
        && let Some(first) = request.replay_on(state.db.pool()).await?
    {
        return Ok(first);
    }
    let mut now = now_millis();
    if new.hold_id.is_none() {
        let tier_id = new
            .tier_id
            .ok_or_else(|| AppError::bad_request("categoryId", "categoryId is required."))?;
        let quantity = new
            .quantity
            .ok_or_else(|| AppError::bad_request("quantity", "quantity is required."))?;
        check_quantity(state, quantity)?;
        check_tier_on_sale(state, tier_id, now).await?;
    }
    let mut tx = match idempotency::resume(state.db.pool(), request.as_ref()).await? {
        Begun::Replayed(first) => return Ok(first),
        Begun::Fresh(tx) => tx,
    };
    // Locks in the order every transaction takes them: the person (their
    // door seats are counted one order at a time), the tier, the hold.
    let hold_id = match &new.hold_id {
        Some(hold_id) => {
            lock_person(&mut tx, state, user.id).await?;
            lock_tier_of_hold(&mut tx, hold_id).await?;
            // The clock once we hold the tier: a hold that lapsed while we
            // waited is lapsed (its seats may be someone else's by now).
            now = now_millis();
            let refused = match held_terms(&mut tx, hold_id, user.id).await? {
                None => Some(Refusal::Missing),
                Some(hold) => {
                    // Still holding its seats? An event paid at the door
                    // sells them now: the hold converts, and the order
                    // below is made confirmed.
                    let live = sqlx::query(if hold.sells_at_the_door() {
                        "UPDATE holds SET status = 'converted', updated_at = $1 \
                         WHERE id = $2 AND status = 'active' AND expires_at > $1"
                    } else {
                        "UPDATE holds SET updated_at = $1 \
                         WHERE id = $2 AND status = 'active' AND expires_at > $1"
                    })
                    .bind(now)
                    .bind(hold_id)
                    .execute(&mut *tx)
                    .await?;
                    if live.rows_affected() == 0 {
                        Some(Refusal::Lapsed)
                    } else if new.tier_id.is_some_and(|t| t != hold.tier_id)
                        || new.quantity.is_some_and(|q| q != hold.quantity)
                    {
                        Some(Refusal::Mismatch)
                    } else if hold.held_price_cents != hold.price_cents {
                        Some(Refusal::Price(hold))
                    } else {
                        None
                    }
                }
            };
            if let Some(refused) = refused {
                drop(tx);
                return refuse(state, user, hold_id, refused).await;
            }
            hold_id.clone()
        }
        None => {
            let (tier_id, quantity) = (new.tier_id.unwrap_or(0), new.quantity.unwrap_or(0));
            let hold_id = insert_hold(&mut tx, state, user, tier_id, quantity, now).await?;
            // As above, for a hold just made.
            sqlx::query(
                "UPDATE holds SET status = 'converted', updated_at = $1 WHERE id = $2 \
                     AND EXISTS (SELECT 1 FROM events e WHERE e.id = holds.event_id \
                                 AND e.status = 'published' AND e.payment_method = 'door')",
            )
            .bind(now)
            .bind(&hold_id)
            .execute(&mut *tx)
            .await?;
            hold_id
        }
    };
    let inserted: Result<(i64,), sqlx::Error> = sqlx::query_as(
        "INSERT INTO orders (user_id, event_id, tier_id, hold_id, quantity, unit_price_cents, \
         total_cents, currency, status, notes, payment_method, cancellation_fee_pct, payout_after, \
         confirmed_at, created_at, updated_at) \
         SELECT h.user_id, h.event_id, h.tier_id, h.id, h.quantity, h.unit_price_cents, \
         h.unit_price_cents * h.quantity, e.currency, \
         CASE WHEN h.status = 'converted' THEN 'confirmed' ELSE 'pending' END, $2, \
         e.payment_method, e.cancellation_fee_pct, COALESCE(e.ends_at, e.starts_at) + $4, \
         CASE WHEN h.status = 'converted' THEN $3 END, $3, $3 \
         FROM holds h JOIN events e ON e.id = h.event_id \
         WHERE h.id = $1 RETURNING id",
    )
    .bind(&hold_id)
    .bind(&notes)
    .bind(now)
    .bind(crate::kernel::time::millis(
        state.config.wallet.payout_holdback,
    ))
    .fetch_one(&mut *tx)
    .await;
    let id = match inserted {
        Ok((id,)) => id,
        Err(e) if ONE_PER_HOLD.broken_by(&e) => {
            // The same hold ordered twice at once: the first order is the answer.
            drop(tx);
            return refuse(state, user, &hold_id, Refusal::Ordering).await;
        }
        Err(e) => return Err(AppError::from(e)),
    };
    let row = order_row(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::internal("a new order vanished"))?;
    // Phase one of a wallet payment: the total is reserved on the buyer's
    // wallet for as long as the seats are held. Short of money, nothing is
    // made. An order paid at the door moves no money here.
    if row.payment_method == PaymentMethod::Wallet {
        let money = OrderMoney {
            order_id: id,
            buyer_id: user.id,
            organizer_id: row.organizer_id,
            total_cents: row.total_cents,
            currency: &row.currency,
        };
        let expires_at = row.hold_expires_at.unwrap_or(now);
        payments::reserve_order(&mut tx, money, expires_at, now).await?;
    }
    // At the door nobody pays up front, so one person may not take a whole
    // event for free: their door seats of an event are capped like one hold
    // (counted under the person's lock taken above).
    if row.payment_method == PaymentMethod::Door {
        let (seats,): (i64,) = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) FROM orders \
             WHERE user_id = $1 AND event_id = $2 AND payment_method = 'door' AND status <> 'cancelled'",
        )
        .bind(user.id)
        .bind(row.event_id)
        .fetch_one(&mut *tx)
        .await?;
        let most = state.config.ticketing.max_seats_per_hold;
        if seats > most {
            return Err(AppError::Conflict(format!(
                "Paying at the door, one person may order at most {most} seats of an event."
            )));
        }
    }
    let mut order = row.view(user, now);
    if row.status() == OrderStatus::Confirmed {
        add_sold(&mut tx, row.tier_id, row.quantity, now).await?;
        order.tickets = issue_tickets(&mut tx, &row, now).await?;
    }
    idempotency::commit(tx, request.as_ref(), &order).await?;
    tracing::info!(order_id = id, hold_id = %hold_id, status = order.status.as_str(), "order created");
    crate::wallet::service::announce(state, user.id);
    state.live.touch_event(order.event_id);
    if order.status == OrderStatus::Confirmed {
        announce(state, &row, OrderStatus::Confirmed);
    }
    Ok(order)
}

/// Why an order of a hold was not made (checked under the locks).
#[derive(Debug)]
enum Refusal {
    /// Not this person's hold, or no such hold.
    Missing,
    /// Another tier or quantity than asked.
    Mismatch,
    /// The tier's price changed since the seats were held.
    Price(HeldTerms),
    /// Released, lapsed or already ordered.
    Lapsed,
    /// Another request is ordering the same hold right now.
    Ordering,
}

/// The answer when a hold could not be ordered: the hold's order if it has
/// one (a retry gets its first answer), else why not.
async fn refuse(
    state: &AppState,
    user: &AuthUser,
    hold_id: &str,
    refused: Refusal,
) -> Result<OrderView, AppError> {
    if let Some(row) = order_of_hold(state, user, hold_id).await? {
        let mut order = row.view(user, now_millis());
        if row.status() != OrderStatus::Pending {
            order.tickets = tickets_of_orders(state, &[row.id]).await?;
        }
        return Ok(order);
    }
    Err(match refused {
        Refusal::Ordering => AppError::Conflict("This order is being created already.".into()),
        Refusal::Missing => AppError::NotFound("This seat hold".into()),
        Refusal::Mismatch => {
            AppError::bad_request("lockId", "The lock is for another tier or quantity.")
        }
        Refusal::Price(hold) => price_changed(state, hold_id, &hold).await?,
        Refusal::Lapsed => {
            let hold = hold_for(state, user, hold_id).await?;
            AppError::Conflict(format!(
                "This seat hold is {}. Hold the seats again to order them.",
                if hold.status == HoldStatus::Released {
                    "released"
                } else {
                    "expired"
                }
            ))
        }
    })
}

/// Counts an order's seats as sold (its hold has just converted).
async fn add_sold(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    tier_id: i64,
    quantity: i64,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE ticket_tiers SET sold = sold + $1, lock_seq = lock_seq + 1, updated_at = $2 WHERE id = $3",
    )
    .bind(quantity)
    .bind(now)
    .bind(tier_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Issues one ticket per seat of a confirmed order, in one statement.
async fn issue_tickets(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    row: &OrderRow,
    now: i64,
) -> Result<Vec<TicketView>, AppError> {
    let codes: Vec<String> = (0..row.quantity).map(|_| random::code()).collect();
    let values: Vec<String> = (0..codes.len())
        .map(|i| format!("(${}, $1, $2, $3, $4, 'valid', $5, $5)", i + 6))
        .collect();
    let sql = format!(
        "INSERT INTO tickets (code, order_id, event_id, tier_id, user_id, status, created_at, updated_at) \
         VALUES {}",
        values.join(", ")
    );
    let mut insert = sqlx::query(&sql)
        .bind(row.id)
        .bind(row.event_id)
        .bind(row.tier_id)
        .bind(row.user_id)
        .bind(now);
    for code in &codes {
        insert = insert.bind(code);
    }
    insert.execute(&mut **tx).await?;
    Ok(codes
        .into_iter()
        .map(|code| new_ticket(row, code))
        .collect())
}

/// A ticket just issued for an order, as its buyer sees it.
fn new_ticket(row: &OrderRow, code: String) -> TicketView {
    TicketView {
        qr_svg: String::new(),
        code,
        order_id: row.id,
        event_id: row.event_id,
        event_name: row.event_name.clone(),
        when_label: time::when_label(row.starts_at, row.ends_at, &row.timezone),
        venue: row.venue.clone(),
        tier_name: row.tier_name.clone(),
        holder_name: row.buyer_name.clone(),
        status: TicketStatus::Valid,
        checked_in_at: None,
    }
}

/// What a hold was taken on, and its tier's price now.
#[derive(Debug, sqlx::FromRow)]
struct HeldTerms {
    tier_id: i64,
    tier_name: String,
    quantity: i64,
    held_price_cents: i64,
    price_cents: i64,
    currency: String,
    payment_method: PaymentMethod,
    event_status: EventStatus,
}

impl HeldTerms {
    fn sells_at_the_door(&self) -> bool {
        self.payment_method == PaymentMethod::Door && self.event_status == EventStatus::Published
    }
}

/// The person's hold, if it is theirs.
async fn held_terms(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    hold_id: &str,
    user_id: i64,
) -> Result<Option<HeldTerms>, AppError> {
    Ok(sqlx::query_as(
        "SELECT h.tier_id, t.name AS tier_name, h.quantity, \
         COALESCE(h.unit_price_cents, t.price_cents) AS held_price_cents, t.price_cents, e.currency, \
         e.payment_method, e.status AS event_status \
         FROM holds h JOIN ticket_tiers t ON t.id = h.tier_id JOIN events e ON e.id = h.event_id \
         WHERE h.id = $1 AND h.user_id = $2",
    )
    .bind(hold_id)
    .bind(user_id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// The tier's price changed since the seats were held: the hold takes the
/// new price and the buyer is asked again (their next order pays it).
async fn price_changed(
    state: &AppState,
    hold_id: &str,
    hold: &HeldTerms,
) -> Result<AppError, AppError> {
    sqlx::query("UPDATE holds SET unit_price_cents = $1 WHERE id = $2 AND status = 'active'")
        .bind(hold.price_cents)
        .bind(hold_id)
        .execute(state.db.pool())
        .await?;
    let money = |cents| crate::kernel::money::Cents::new(cents).format(&hold.currency);
    Ok(AppError::Conflict(format!(
        "The price of {} changed from {} to {} a seat since you held it. \
         Check the new total and order again.",
        hold.tier_name,
        money(hold.held_price_cents),
        money(hold.price_cents)
    )))
}

/// Tells the buyer (and the organizer, when it matters to them) about an
/// order's new status, live.
fn announce(state: &AppState, row: &OrderRow, status: OrderStatus) {
    use crate::live::protocol::Notice;
    let changed = Notice::OrderChanged {
        order_id: row.id,
        event_id: row.event_id,
        status: status.as_str().to_string(),
    };
    state.live.notify_user(row.user_id, changed.clone());
    match status {
        OrderStatus::Confirmed => state.live.notify_user(
            row.organizer_id,
            Notice::NewOrder {
                order_id: row.id,
                event_id: row.event_id,
                event_name: row.event_name.clone(),
                quantity: row.quantity,
            },
        ),
        OrderStatus::Cancelled if row.organizer_id != row.user_id => {
            state.live.notify_user(row.organizer_id, changed);
        }
        _ => {}
    }
}

const LAPSED: &str = "Your hold on these seats expired before the order was confirmed. \
     The seats went back on sale; hold them again to buy.";

/// Confirms a pending order: converts its hold into sold seats, issues one
/// ticket per seat and posts its reserved payment, in one transaction. A
/// lapsed hold (or payment) fails it, and the order is cancelled.
/// Confirming a confirmed order returns it unchanged.
pub async fn confirm_order(
    state: &AppState,
    user: &AuthUser,
    id: OrderId,
) -> Result<OrderView, AppError> {
    let row = order_row(&mut *state.db.pool().acquire().await?, id.get())
        .await?
        .filter(|row| row.visible_to(user))
        .ok_or_else(|| AppError::NotFound("This order".into()))?;
    // Paying is the buyer's alone: the organizer and admins, who may see
    // the order, are told so.
    if row.user_id != user.id {
        return Err(AppError::NotAllowed(
            "Only the buyer can pay for an order.".into(),
        ));
    }
    match row.status() {
        OrderStatus::Confirmed | OrderStatus::Completed => return get_order(state, user, id).await,
        OrderStatus::Cancelled => {
            return Err(AppError::Conflict(format!(
                "This order was cancelled. {}",
                row.cancel_reason.unwrap_or_default()
            )));
        }
        OrderStatus::Pending => {}
    }
    let mut tx = state.db.pool().begin().await?;
    // Locks in the one order every transaction uses (tier, event, hold,
    // order, tickets). The tier first: holds of others wait, and the clock
    // is read only once we hold it, so a hold that lapsed while we waited
    // is seen as lapsed.
    lock_tier(&mut tx, row.tier_id).await?;
    let now = now_millis();
    let converted = sqlx::query(
        "UPDATE holds SET status = 'converted', updated_at = $1 \
         WHERE id = $2 AND status = 'active' AND expires_at > $1 \
         AND EXISTS (SELECT 1 FROM events e WHERE e.id = holds.event_id AND e.status = 'published')",
    )
    .bind(now)
    .bind(row.hold_id.as_deref())
    .execute(&mut *tx)
    .await?;
    if converted.rows_affected() == 0 {
        tx.rollback().await?;
        let current = get_order(state, user, id).await?;
        return match current.status {
            // A retry confirmed it meanwhile.
            OrderStatus::Confirmed | OrderStatus::Completed => Ok(current),
            OrderStatus::Cancelled => Err(AppError::Conflict(format!(
                "This order was cancelled. {}",
                current.cancel_reason.unwrap_or_default()
            ))),
            OrderStatus::Pending => {
                lapse(state, id.get(), row.hold_id.as_deref()).await?;
                state.live.touch_event(row.event_id);
                announce(state, &row, OrderStatus::Cancelled);
                Err(AppError::Conflict(LAPSED.into()))
            }
        };
    }
    let moved = sqlx::query(
        "UPDATE orders SET status = 'confirmed', confirmed_at = $1, updated_at = $1 \
         WHERE id = $2 AND status = 'pending'",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() == 0 {
        // Cancelled while we waited: change nothing.
        tx.rollback().await?;
        return Err(AppError::Conflict("This order was cancelled.".into()));
    }
    add_sold(&mut tx, row.tier_id, row.quantity, now).await?;
    issue_tickets(&mut tx, &row, now).await?;
    // Phase two of a wallet payment, in the same transaction as the seats:
    // both happen or neither does. At the door, the buyer pays there.
    let paid = match row.payment_method {
        PaymentMethod::Wallet => {
            payments::post_order(&mut tx, id.get(), row.total_cents, now).await
        }
        PaymentMethod::Door => Ok(()),
    };
    if let Err(refused) = paid {
        tx.rollback().await?;
        lapse(state, id.get(), row.hold_id.as_deref()).await?;
        state.live.touch_event(row.event_id);
        announce(state, &row, OrderStatus::Cancelled);
        return Err(refused);
    }
    tx.commit().await?;
    tracing::info!(order_id = id.get(), seats = row.quantity, "order confirmed");
    state.live.touch_event(row.event_id);
    announce(state, &row, OrderStatus::Confirmed);
    payments::touched(row.user_id, state);
    get_order(state, user, id).await
}

/// Cancels a pending order whose hold lapsed, and marks the hold expired
/// (tier, hold, then order: the lock order of every transaction).
async fn lapse(state: &AppState, id: i64, hold: Option<&str>) -> Result<(), AppError> {
    let mut tx = state.db.pool().begin().await?;
    if let Some(hold) = hold {
        lock_tier_of_hold(&mut tx, hold).await?;
    }
    let now = now_millis();
    sqlx::query(
        "UPDATE holds SET status = 'expired', updated_at = $1 WHERE id = $2 AND status = 'active' AND expires_at <= $1",
    )
    .bind(now)
    .bind(hold)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE orders SET status = 'cancelled', cancel_reason = 'The seat hold expired before checkout.', \
         cancelled_at = $1, updated_at = $1 WHERE id = $2 AND status = 'pending' \
         AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.id = $3 AND h.status = 'active' AND h.expires_at > $1)",
    )
    .bind(now)
    .bind(id)
    .bind(hold)
    .execute(&mut *tx)
    .await?;
    crate::wallet::ledger::void(&mut tx, &payments::reference(id, "payment"), now).await?;
    Ok(tx.commit().await?)
}

/// Seed 001's order: created, and for an event paid at the door confirmed
/// at once (its seats sold, its tickets issued), as the seed describes it.
/// A wallet order stays pending until it is confirmed (and paid). Safe to
/// repeat with the same key: a replayed pending door order is confirmed.
pub async fn place_order(
    state: &AppState,
    user: &AuthUser,
    new: NewOrder,
) -> Result<OrderView, AppError> {
    let order = create_order(state, user, new).await?;
    if order.payment_method == PaymentMethod::Door && order.status == OrderStatus::Pending {
        return confirm_order(state, user, OrderId::new(order.id)).await;
    }
    Ok(order)
}

/// The browser's checkout: the hold becomes an order paid from the wallet,
/// confirmed at once.
/// Safe to repeat (a double-click, a resubmitted form).
pub async fn checkout(
    state: &AppState,
    user: &AuthUser,
    hold_id: &str,
    notes: &str,
) -> Result<OrderView, AppError> {
    let order = create_order(
        state,
        user,
        NewOrder {
            hold_id: Some(hold_id.to_string()),
            notes: notes.to_string(),
            ..Default::default()
        },
    )
    .await?;
    match order.status {
        // Sold at the door just now (or by the first try of this checkout).
        OrderStatus::Confirmed => Ok(order),
        // Paid from the wallet now; a cancelled order says why.
        _ => confirm_order(state, user, OrderId::new(order.id)).await,
    }
}

/// Cancels an order before its event starts (the buyer, the organizer or an
/// admin); its seats return to sale and its tickets stop being valid.
pub async fn cancel_order(
    state: &AppState,
    user: &AuthUser,
    id: OrderId,
) -> Result<OrderView, AppError> {
    let row = order_row(&mut *state.db.pool().acquire().await?, id.get())
        .await?
        .filter(|row| row.visible_to(user))
        .ok_or_else(|| AppError::NotFound("This order".into()))?;
    let now = now_millis();
    let previous = row.status();
    match previous {
        OrderStatus::Cancelled => {
            return Err(AppError::Conflict(
                "This order is already cancelled.".into(),
            ));
        }
        OrderStatus::Completed => {
            return Err(AppError::Conflict(
                "A completed order can't be cancelled.".into(),
            ));
        }
        _ if now >= row.starts_at => {
            return Err(AppError::Conflict(
                "The event has started, so the order can't be cancelled any more.".into(),
            ));
        }
        _ => {}
    }
    let reason = if user.id == row.user_id {
        "Cancelled by the buyer."
    } else {
        "Cancelled by the organizer."
    };
    // Lock order: tier, hold, order, tickets (as every transaction).
    let mut tx = state.db.pool().begin().await?;
    lock_tier(&mut tx, row.tier_id).await?;
    if previous == OrderStatus::Pending {
        sqlx::query(
            "UPDATE holds SET status = 'released', updated_at = $1 WHERE id = $2 AND status = 'active'",
        )
        .bind(now)
        .bind(row.hold_id.as_deref())
        .execute(&mut *tx)
        .await?;
    }
    let moved = sqlx::query(
        "UPDATE orders SET status = 'cancelled', cancel_reason = $1, cancelled_at = $2, updated_at = $2 \
         WHERE id = $3 AND status = $4",
    )
    .bind(reason)
    .bind(now)
    .bind(id)
    .bind(previous.as_str())
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() == 0 {
        tx.rollback().await?;
        return Err(AppError::Conflict(
            "The order changed meanwhile. Reload and try again.".into(),
        ));
    }
    // The buyer pays the organizer's cancellation fee; an organizer or
    // admin cancelling refunds in full.
    let fee_pct = if user.id == row.user_id {
        row.cancellation_fee_pct
    } else {
        0
    };
    if previous == OrderStatus::Confirmed {
        sqlx::query("UPDATE ticket_tiers SET sold = sold - $1, updated_at = $2 WHERE id = $3")
            .bind(row.quantity)
            .bind(now)
            .bind(row.tier_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE tickets SET status = 'void', updated_at = $1 WHERE order_id = $2")
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    let refunded = payments::unwind_order(&mut tx, id.get(), fee_pct, now).await?;
    tx.commit().await?;
    tracing::info!(order_id = id.get(), refunded, "order cancelled");
    state.live.touch_event(row.event_id);
    announce(state, &row, OrderStatus::Cancelled);
    payments::touched(row.user_id, state);
    get_order(state, user, id).await
}

/// The chat thread of an order, for its buyer and the event's organizer
/// (made on first use).
pub async fn thread(
    state: &AppState,
    user: &AuthUser,
    order_id: OrderId,
) -> Result<crate::chat::model::RoomView, AppError> {
    // Not a party: indistinguishable from no such order.
    let row = order_row(&mut *state.db.pool().acquire().await?, order_id.get())
        .await?
        .filter(|row| row.user_id == user.id || row.organizer_id == user.id)
        .ok_or_else(|| AppError::NotFound("This order".into()))?;
    let about = crate::chat::rooms::Thread {
        kind: crate::chat::model::RoomKind::Order,
        id: order_id.get(),
        title: &row.event_name,
        parties: [row.user_id, row.organizer_id],
    };
    crate::chat::rooms::thread(state, user, about).await
}
