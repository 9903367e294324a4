//! Rows of the ticketing tables and how they become the shared views.
//! Held seats are the tier's `held` counter (kept by triggers on `holds`)
//! minus the holds that lapsed but were not swept yet: a hold stops counting
//! the moment it lapses, before the sweeper gets to it, and a read costs the
//! same however many holds are active.

use std::collections::HashMap;

use sqlx::AnyPool;

use super::model::{
    EventStatus, EventView, HoldStatus, HoldView, PaymentMethod, SaleState, TierStatus, TierView,
};
use crate::accounts::model::Role;
use crate::accounts::service::AuthUser;
use crate::error::AppError;
use crate::kernel::time;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub id: i64,
    pub organizer_id: i64,
    pub organizer_name: String,
    pub name: String,
    pub category: String,
    pub description: String,
    pub starts_at: i64,
    pub ends_at: Option<i64>,
    pub timezone: String,
    pub venue: String,
    pub cover_url: Option<String>,
    pub currency: String,
    pub status: EventStatus,
    pub cancellation_fee_pct: i64,
    pub payment_method: PaymentMethod,
    pub created_at: i64,
    pub updated_at: i64,
}

pub const EVENT_SELECT: &str = "SELECT e.id, e.organizer_id, u.display_name AS organizer_name, \
     e.name, e.category, e.description, e.starts_at, e.ends_at, e.timezone, e.venue, \
     e.cover_url, e.currency, e.status, e.cancellation_fee_pct, e.payment_method, e.created_at, e.updated_at \
     FROM events e JOIN users u ON u.id = e.organizer_id";

impl EventRow {
    pub fn status(&self) -> EventStatus {
        self.status
    }

    pub fn when_label(&self) -> String {
        time::when_label(self.starts_at, self.ends_at, &self.timezone)
    }

    /// The organizer, or an admin.
    pub fn managed_by(&self, user: &AuthUser) -> bool {
        user.id == self.organizer_id || user.role == Role::Admin
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TierRow {
    pub id: i64,
    pub event_id: i64,
    pub name: String,
    pub description: String,
    pub price_cents: i64,
    pub capacity: i64,
    pub sold: i64,
    pub status: TierStatus,
    pub sales_start: Option<i64>,
    pub sales_end: Option<i64>,
    pub held: i64,
    /// When the first of the tier's active holds lapses, if one is active.
    pub next_lapse: Option<i64>,
}

/// SQL for the seats held right now on tier `t`, as of the placeholder
/// given (`held_now!("$1")`): the counter, less the active holds that lapsed
/// at or before then (a range scan of the partial index `holds_tier_lapsing`,
/// which holds only what the sweeper has not reached yet).
macro_rules! held_now {
    ($now:literal) => {
        concat!(
            "CAST(t.held - (SELECT COALESCE(SUM(l.quantity), 0) FROM holds l \
             WHERE l.tier_id = t.id AND l.status = 'active' AND l.expires_at <= ",
            $now,
            ") AS BIGINT)"
        )
    };
}
pub(crate) use held_now;

/// SQL for the number of a person's holds open right now, as of `$now`
/// (`person_holds_now!("$3", "$6")`): their counters (`person_holds`, one row
/// per event they hold seats in), less their active holds that lapsed at or
/// before then (a range of `holds_user_active` that ends at the present).
macro_rules! person_holds_now {
    ($user:literal, $now:literal) => {
        concat!(
            "CAST((SELECT COALESCE(SUM(c.holds), 0) FROM person_holds c WHERE c.user_id = ",
            $user,
            ") - (SELECT COUNT(*) FROM holds u WHERE u.user_id = ",
            $user,
            " AND u.status = 'active' AND u.expires_at <= ",
            $now,
            ") AS BIGINT)"
        )
    };
}
pub(crate) use person_holds_now;

/// SQL for the seats a person holds right now in the event of tier `t`, as of
/// `$now`: their counter for the event, less what of it lapsed.
macro_rules! person_seats_now {
    ($user:literal, $now:literal) => {
        concat!(
            "CAST((SELECT COALESCE(SUM(c.seats), 0) FROM person_holds c WHERE c.user_id = ",
            $user,
            " AND c.event_id = t.event_id) - (SELECT COALESCE(SUM(m.quantity), 0) FROM holds m \
             WHERE m.user_id = ",
            $user,
            " AND m.status = 'active' AND m.expires_at <= ",
            $now,
            " AND m.event_id = t.event_id) AS BIGINT)"
        )
    };
}
pub(crate) use person_seats_now;

/// Tiers with their held seats as of `$1`; the caller appends the filter.
pub const TIER_SELECT: &str = concat!(
    "SELECT t.id, t.event_id, t.name, t.description, t.price_cents, \
     t.capacity, t.sold, t.status, t.sales_start, t.sales_end, ",
    held_now!("$1"),
    " AS held, (SELECT MIN(n.expires_at) FROM holds n \
     WHERE n.tier_id = t.id AND n.status = 'active' AND n.expires_at > $1) AS next_lapse \
     FROM ticket_tiers t"
);

impl TierRow {
    pub fn available(&self) -> i64 {
        (self.capacity - self.sold - self.held).max(0)
    }

    pub fn view(&self, event: &EventRow, now: i64) -> TierView {
        let available = self.available();
        let active = self.status == TierStatus::Active;
        let closes = self
            .sales_end
            .map_or(event.starts_at, |end| end.min(event.starts_at));
        let sale = if !active {
            SaleState::Inactive
        } else if event.status() != EventStatus::Published || now >= closes {
            SaleState::Ended
        } else if let Some(start) = self.sales_start.filter(|s| *s > now) {
            SaleState::NotYet(time::label(start, &event.timezone))
        } else if available == 0 {
            SaleState::SoldOut
        } else {
            SaleState::OnSale
        };
        TierView {
            id: self.id,
            event_id: self.event_id,
            name: self.name.clone(),
            description: self.description.clone(),
            price_cents: self.price_cents,
            capacity: self.capacity,
            sold: self.sold,
            held: self.held,
            available,
            active,
            sales_start: self.sales_start,
            sales_end: self.sales_end,
            sale,
        }
    }
}

pub async fn event_row(db: &AnyPool, id: i64) -> Result<Option<EventRow>, AppError> {
    let sql = format!("{EVENT_SELECT} WHERE e.id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(db).await?)
}

pub async fn tier_rows(db: &AnyPool, event_id: i64, now: i64) -> Result<Vec<TierRow>, AppError> {
    let sql = format!("{TIER_SELECT} WHERE t.event_id = $2 ORDER BY t.position, t.id");
    Ok(sqlx::query_as(&sql)
        .bind(now)
        .bind(event_id)
        .fetch_all(db)
        .await?)
}

/// The tiers of several events at once, by event.
pub async fn tiers_of(
    db: &AnyPool,
    event_ids: &[i64],
    now: i64,
) -> Result<HashMap<i64, Vec<TierRow>>, AppError> {
    let mut by_event: HashMap<i64, Vec<TierRow>> = HashMap::new();
    if event_ids.is_empty() {
        return Ok(by_event);
    }
    let placeholders: Vec<String> = (0..event_ids.len())
        .map(|i| format!("${}", i + 2))
        .collect();
    let sql = format!(
        "{TIER_SELECT} WHERE t.event_id IN ({}) ORDER BY t.position, t.id",
        placeholders.join(", ")
    );
    let mut query = sqlx::query_as::<_, TierRow>(&sql).bind(now);
    for id in event_ids {
        query = query.bind(*id);
    }
    for tier in query.fetch_all(db).await? {
        by_event.entry(tier.event_id).or_default().push(tier);
    }
    Ok(by_event)
}

pub fn event_view(
    row: &EventRow,
    tiers: &[TierRow],
    now: i64,
    viewer: Option<&AuthUser>,
) -> EventView {
    EventView {
        id: row.id,
        organizer_id: row.organizer_id,
        organizer_name: row.organizer_name.clone(),
        name: row.name.clone(),
        category: row.category.clone(),
        description: row.description.clone(),
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        timezone: row.timezone.clone(),
        when_label: row.when_label(),
        venue: row.venue.clone(),
        cover_url: row.cover_url.clone(),
        currency: row.currency.clone(),
        status: row.status(),
        cancellation_fee_pct: row.cancellation_fee_pct,
        payment_method: row.payment_method,
        created_at: row.created_at,
        updated_at: row.updated_at,
        tiers: tiers.iter().map(|t| t.view(row, now)).collect(),
        can_manage: viewer.is_some_and(|u| row.managed_by(u)),
    }
}

/// A hold as read, with its event and tier.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HoldRow {
    pub id: String,
    pub event_id: i64,
    pub event_name: String,
    pub starts_at: i64,
    pub ends_at: Option<i64>,
    pub timezone: String,
    pub currency: String,
    pub tier_id: i64,
    pub tier_name: String,
    pub price_cents: i64,
    pub quantity: i64,
    pub status: HoldStatus,
    pub expires_at: i64,
    pub available: i64,
    pub order_id: Option<i64>,
    pub payment_method: PaymentMethod,
}

/// Holds with their tier's free seats as of `$1`.
pub const HOLD_SELECT: &str = concat!(
    "SELECT h.id, h.event_id, e.name AS event_name, e.starts_at, e.ends_at, \
     e.timezone, e.currency, h.tier_id, t.name AS tier_name, COALESCE(h.unit_price_cents, t.price_cents) AS price_cents, h.quantity, h.status, \
     h.expires_at, t.capacity - t.sold - ",
    held_now!("$1"),
    " AS available, \
     (SELECT o.id FROM orders o WHERE o.hold_id = h.id) AS order_id, e.payment_method \
     FROM holds h JOIN ticket_tiers t ON t.id = h.tier_id JOIN events e ON e.id = h.event_id"
);

impl HoldRow {
    pub fn view(&self, now: i64) -> HoldView {
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
