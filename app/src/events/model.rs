//! Ticketing types shared by the server and the browser, and the rules for
//! what organizers and attendees type in.

use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::kernel::text::{bounded, required};
use crate::kernel::text_enum::text_enum;

pub const NAME_MAX: usize = 120;
pub const CATEGORY_MAX: usize = 40;
pub const DESCRIPTION_MAX: usize = 5000;
pub const VENUE_MAX: usize = 200;
pub const NOTES_MAX: usize = 500;
pub const TIERS_MAX: usize = 20;
pub const CAPACITY_MAX: i64 = 1_000_000;
pub const PAGE_SIZE: i64 = 12;
/// Under this many seats left, a tier says "only N left".
pub const FEW_LEFT: i64 = 10;

/// Categories offered in the forms and filters (others may be typed in the API).
pub const CATEGORIES: &[&str] = &[
    "Music",
    "Theatre",
    "Comedy",
    "Sports",
    "Conference",
    "Workshop",
    "Festival",
    "Food",
    "Community",
    "Other",
];

text_enum! {
    #[derive(Default)]
    pub enum EventStatus {
        #[default] Published = "published",
        Draft = "draft",
        Cancelled = "cancelled",
    }
}

impl EventStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Published => "On sale",
            Self::Draft => "Draft",
            Self::Cancelled => "Cancelled",
        }
    }
}

text_enum! {
    #[derive(Default)]
    pub enum OrderStatus {
        #[default] Pending = "pending",
        Confirmed = "confirmed",
        Completed = "completed",
        Cancelled = "cancelled",
    }
}

impl OrderStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "Awaiting confirmation",
            Self::Confirmed => "Confirmed",
            Self::Completed => "Completed",
            Self::Cancelled => "Cancelled",
        }
    }
}

text_enum! {
    /// A seat hold: held, given back, lapsed, or turned into an order's
    /// sold seats.
    #[derive(Default)]
    pub enum HoldStatus {
        #[default]
        Active = "active",
        Released = "released",
        Expired = "expired",
        Converted = "converted",
    }
}

text_enum! {
    /// How an event's buyers pay: from their wallet at checkout (the
    /// default), or at the door (the order is confirmed at once and no money
    /// moves in Marquee).
    #[derive(Default)]
    pub enum PaymentMethod {
        #[default]
        Wallet = "wallet",
        Door = "door",
    }
}

impl PaymentMethod {
    pub fn label(self) -> &'static str {
        match self {
            Self::Wallet => "Pay from your wallet at checkout",
            Self::Door => "Pay at the door",
        }
    }
}

text_enum! {
    /// A ticket tier on sale or taken off it.
    pub enum TierStatus {
        Active = "active",
        Inactive = "inactive",
    }
}

text_enum! {
    /// A ticket: good for the door, or void (its order was cancelled).
    pub enum TicketStatus {
        Valid = "valid",
        Void = "void",
    }
}

/// Whether a tier can be bought right now, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SaleState {
    OnSale,
    /// Sales open later; the label says when.
    NotYet(String),
    Ended,
    Inactive,
    SoldOut,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierView {
    pub id: i64,
    pub event_id: i64,
    pub name: String,
    pub description: String,
    pub price_cents: i64,
    pub capacity: i64,
    pub sold: i64,
    pub held: i64,
    pub available: i64,
    pub active: bool,
    pub sales_start: Option<i64>,
    pub sales_end: Option<i64>,
    pub sale: SaleState,
}

impl TierView {
    pub fn few_left(&self) -> bool {
        self.sale == SaleState::OnSale && self.available <= FEW_LEFT
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventView {
    pub id: i64,
    pub organizer_id: i64,
    pub organizer_name: String,
    pub name: String,
    pub category: String,
    pub description: String,
    pub starts_at: i64,
    pub ends_at: Option<i64>,
    pub timezone: String,
    /// The date and time in the event's own time zone, for people.
    pub when_label: String,
    pub venue: String,
    pub cover_url: Option<String>,
    pub currency: String,
    pub status: EventStatus,
    /// Percent of the price kept when a buyer cancels.
    pub cancellation_fee_pct: i64,
    pub payment_method: PaymentMethod,
    pub created_at: i64,
    pub updated_at: i64,
    pub tiers: Vec<TierView>,
    /// Whether the viewer may edit it (its organizer, or an admin).
    pub can_manage: bool,
}

impl EventView {
    pub fn available(&self) -> i64 {
        self.tiers
            .iter()
            .filter(|t| t.active)
            .map(|t| t.available)
            .sum()
    }

    pub fn min_price(&self) -> Option<i64> {
        self.tiers
            .iter()
            .filter(|t| t.active)
            .map(|t| t.price_cents)
            .min()
    }

    pub fn sold_out(&self) -> bool {
        let active: Vec<_> = self.tiers.iter().filter(|t| t.active).collect();
        !active.is_empty() && active.iter().all(|t| t.available == 0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventList {
    pub events: Vec<EventView>,
    pub page: i64,
    pub has_more: bool,
}

/// Filters of the event listing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EventQuery {
    pub q: Option<String>,
    pub category: Option<String>,
    /// `upcoming` (default), `past` or `all`.
    pub when: Option<String>,
    /// `YYYY-MM-DD`, inclusive, UTC.
    pub from: Option<String>,
    pub to: Option<String>,
    /// `soonest` (default), `latest`, `newest` or `name`.
    pub sort: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoldView {
    pub id: String,
    pub event_id: i64,
    pub event_name: String,
    pub when_label: String,
    pub tier_id: i64,
    pub tier_name: String,
    pub quantity: i64,
    pub unit_price_cents: i64,
    pub currency: String,
    pub status: HoldStatus,
    pub expires_at: i64,
    /// Seconds left when this was read (0 once lapsed).
    pub seconds_left: i64,
    /// Seats still free in the tier after this hold.
    pub available: i64,
    /// The order made from this hold, if any.
    pub order_id: Option<i64>,
    /// How its order will be paid.
    pub payment_method: PaymentMethod,
}

impl HoldView {
    pub fn total_cents(&self) -> i64 {
        self.unit_price_cents * self.quantity
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderView {
    pub id: i64,
    pub user_id: i64,
    pub buyer_name: String,
    pub buyer_email: String,
    pub event_id: i64,
    pub event_name: String,
    pub when_label: String,
    pub event_starts_at: i64,
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
    /// The organizer's cancellation fee when the buyer cancels, in percent.
    pub cancellation_fee_pct: i64,
    /// How it is paid: from the wallet, or at the door (nothing moves here).
    pub payment_method: PaymentMethod,
    /// Whether the viewer may cancel it now.
    pub can_cancel: bool,
    pub tickets: Vec<TicketView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketView {
    pub code: String,
    pub order_id: i64,
    pub event_id: i64,
    pub event_name: String,
    pub when_label: String,
    pub venue: String,
    pub tier_name: String,
    pub holder_name: String,
    pub status: TicketStatus,
    pub checked_in_at: Option<i64>,
    /// The code as a QR image (SVG markup made on the server), drawn only
    /// for pages that show it (`tickets::draw_qr`): empty elsewhere.
    pub qr_svg: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    pub event: EventView,
    pub revenue_cents: i64,
    /// Of the revenue, what buyers of pay-at-the-door orders still owe.
    pub owed_at_door_cents: i64,
    pub orders_at_door: i64,
    pub tickets_issued: i64,
    pub checked_in: i64,
    pub orders: Vec<OrderView>,
    /// When an admin froze the event's payouts, if they are frozen.
    pub payouts_frozen_label: Option<String>,
    /// The viewer may freeze and release payouts (admins).
    pub can_freeze_payouts: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CheckInOutcome {
    /// Checked in just now.
    Valid {
        holder: String,
        tier: String,
    },
    AlreadyCheckedIn {
        holder: String,
        tier: String,
        at: i64,
        at_label: String,
    },
    /// A valid ticket of this event that nobody has checked in.
    NotCheckedIn {
        holder: String,
        tier: String,
    },
    /// A real ticket, for another event.
    OtherEvent {
        event_name: String,
    },
    /// Its order was cancelled.
    Void,
    Invalid,
}

impl CheckInOutcome {
    /// A short name of the outcome (`valid`, `already`, `other`, `void`, `invalid`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Valid { .. } => "valid",
            Self::AlreadyCheckedIn { .. } => "already",
            Self::NotCheckedIn { .. } => "unchecked",
            Self::OtherEvent { .. } => "other",
            Self::Void => "void",
            Self::Invalid => "invalid",
        }
    }
}

/// The event form as typed: strings, checked by [`EventDraft::parse`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventDraft {
    pub name: String,
    pub category: String,
    pub description: String,
    /// `YYYY-MM-DDTHH:MM` in `timezone`.
    pub starts_at: String,
    pub ends_at: String,
    pub timezone: String,
    pub venue: String,
    pub cover_url: String,
    /// `published` or `draft`.
    pub status: String,
    /// Percent kept when a buyer cancels; empty for 0.
    pub cancellation_fee: String,
    /// `wallet` or `door`; empty for the wallet.
    pub payment_method: String,
    pub tiers: Vec<TierDraft>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TierDraft {
    /// Empty for a new tier.
    pub id: String,
    pub name: String,
    pub description: String,
    /// In major units: `12.50`.
    pub price: String,
    pub capacity: String,
    /// `on` when the checkbox is ticked (HTML forms send nothing otherwise).
    pub active: String,
    /// `on` to delete the tier.
    pub remove: String,
    /// Optional sales window, `YYYY-MM-DDTHH:MM` in the event's zone.
    pub sales_start: String,
    pub sales_end: String,
}

impl TierDraft {
    pub fn is_blank(&self) -> bool {
        self.id.is_empty()
            && self.name.trim().is_empty()
            && self.price.trim().is_empty()
            && self.capacity.trim().is_empty()
    }
}

/// An event as a form or an API client gives it: not checked. Times are
/// epoch ms (UTC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventFields {
    pub name: String,
    pub category: String,
    pub description: String,
    pub starts_at: i64,
    pub ends_at: Option<i64>,
    pub timezone: String,
    pub venue: String,
    pub cover_url: Option<String>,
    pub status: EventStatus,
    /// The share of the price kept when a buyer cancels, in percent; `None`
    /// keeps the current one (0 for a new event).
    pub cancellation_fee_pct: Option<i64>,
    /// `None` keeps the current one (the wallet for a new event).
    pub payment_method: Option<PaymentMethod>,
    pub tiers: Vec<TierFields>,
    /// Tiers to delete (refused for tiers with orders).
    pub remove_tiers: Vec<i64>,
}

/// A ticket tier as given: not checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierFields {
    pub id: Option<i64>,
    pub name: String,
    pub description: String,
    pub price_cents: i64,
    pub capacity: i64,
    pub active: bool,
    pub sales_start: Option<i64>,
    pub sales_end: Option<i64>,
}

/// A checked event, ready for the database: its fields (and its tiers'),
/// trimmed and checked, read through it. Only [`EventInput::parse`] makes
/// one. What depends on the clock or on the event's orders (a new event
/// starts in the future, a tier keeps the seats it sold) is the service's
/// to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventInput(EventFields);

impl std::ops::Deref for EventInput {
    type Target = EventFields;

    fn deref(&self) -> &EventFields {
        &self.0
    }
}

/// The longest tier description kept.
pub const TIER_DESCRIPTION_MAX: usize = 300;

#[cfg(feature = "ssr")]
impl EventInput {
    /// Trims and checks every field; a refusal names its field
    /// (`tiers.1.price`).
    pub fn parse(mut fields: EventFields) -> Result<Self, AppError> {
        use crate::kernel::money::{Cents, Limits};
        let CheckedText {
            name,
            category,
            description,
            venue,
        } = check_text(
            &fields.name,
            &fields.category,
            &fields.description,
            &fields.venue,
        )?;
        let timezone = crate::kernel::time::parse_zone("timezone", &fields.timezone)?
            .name()
            .to_string();
        if let Some(pct) = fields.cancellation_fee_pct {
            check_fee_pct("cancellation_fee", pct)?;
        }
        if fields.ends_at.is_some_and(|end| end <= fields.starts_at) {
            return Err(AppError::bad_request(
                "ends_at",
                "The end must be after the start.",
            ));
        }
        if fields.tiers.len() > TIERS_MAX {
            return Err(AppError::bad_request(
                "tiers",
                format!("An event can have at most {TIERS_MAX} tiers."),
            ));
        }
        let mut names = std::collections::HashSet::new();
        let mut tiers = Vec::with_capacity(fields.tiers.len());
        for (i, tier) in std::mem::take(&mut fields.tiers).into_iter().enumerate() {
            let field = |name: &str| format!("tiers.{i}.{name}");
            let name = check_tier_name(&field("name"), &tier.name)?;
            Limits::PRICE.check(&field("price"), Cents::new(tier.price_cents))?;
            check_capacity(&field("capacity"), tier.capacity)?;
            if !names.insert(name.to_lowercase()) {
                return Err(AppError::bad_request(
                    field("name"),
                    format!("There are two tiers called {name}."),
                ));
            }
            if let (Some(s), Some(e)) = (tier.sales_start, tier.sales_end)
                && e <= s
            {
                return Err(AppError::bad_request(
                    field("sales_end"),
                    "Sales must end after they start.",
                ));
            }
            let description = tier.description.trim().chars();
            tiers.push(TierFields {
                name,
                description: description.take(TIER_DESCRIPTION_MAX).collect(),
                ..tier
            });
        }
        Ok(Self(EventFields {
            name,
            category,
            description,
            timezone,
            venue,
            tiers,
            ..fields
        }))
    }
}

pub fn check_capacity(field: &str, capacity: i64) -> Result<(), AppError> {
    if !(1..=CAPACITY_MAX).contains(&capacity) {
        return Err(AppError::bad_request(
            field,
            format!("Capacity must be between 1 and {CAPACITY_MAX}."),
        ));
    }
    Ok(())
}

pub fn parse_capacity(field: &str, value: &str) -> Result<i64, AppError> {
    let capacity = value
        .trim()
        .parse::<i64>()
        .map_err(|_| AppError::bad_request(field, "Enter the number of seats."))?;
    check_capacity(field, capacity)?;
    Ok(capacity)
}

/// A cover image address: https (or http) only, no scripts or data.
/// The checks that need no clock or time zone (both are the server's).
pub struct CheckedText {
    pub name: String,
    pub category: String,
    pub description: String,
    pub venue: String,
}

pub fn check_text(
    name: &str,
    category: &str,
    description: &str,
    venue: &str,
) -> Result<CheckedText, AppError> {
    Ok(CheckedText {
        name: required("name", name, "The event name", NAME_MAX)?,
        category: required("category", category, "The category", CATEGORY_MAX)?,
        description: bounded(
            "description",
            description,
            "The description",
            DESCRIPTION_MAX,
        )?,
        venue: bounded("venue", venue, "The venue", VENUE_MAX)?,
    })
}

pub fn check_tier_name(field: &str, name: &str) -> Result<String, AppError> {
    required(field, name, "The tier name", 60)
}

/// A cancellation fee in percent, 0 to 100.
pub fn check_fee_pct(field: &str, pct: i64) -> Result<i64, AppError> {
    if !(0..=100).contains(&pct) {
        return Err(AppError::bad_request(
            field,
            "The cancellation fee is a percentage from 0 to 100.",
        ));
    }
    Ok(pct)
}

pub fn parse_fee_pct(field: &str, text: &str) -> Result<i64, AppError> {
    let text = text.trim().trim_end_matches('%').trim();
    if text.is_empty() {
        return Ok(0);
    }
    let pct = text
        .parse::<i64>()
        .map_err(|_| AppError::bad_request(field, "Enter a whole percentage from 0 to 100."))?;
    check_fee_pct(field, pct)
}

pub fn check_notes(notes: &str) -> Result<String, AppError> {
    bounded("notes", notes, "Notes", NOTES_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::text::parse_cover_url;

    #[test]
    fn capacity_and_cover_are_checked() {
        assert!(parse_capacity("c", "0").is_err());
        assert_eq!(parse_capacity("c", " 100 ").unwrap(), 100);
        assert!(parse_cover_url("javascript:alert(1)").is_err());
        assert_eq!(parse_cover_url("").unwrap(), None);
        assert!(
            parse_cover_url("https://example.com/a.jpg")
                .unwrap()
                .is_some()
        );
    }
}
