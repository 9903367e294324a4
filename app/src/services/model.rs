//! The shared types of services and bookings: what pages and the JSON API
//! see, what forms send, and the checks every input goes through.

use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::kernel::money::{Cents, Limits};
use crate::kernel::text::{bounded, required};
use crate::kernel::text_enum::text_enum;

/// Proof that a value passed its checks: private to this module, so only
/// its `parse` functions can make a checked input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Checked;

pub const TITLE_MAX: usize = 120;
pub const CATEGORY_MAX: usize = 40;
pub const DESCRIPTION_MAX: usize = 4000;
pub const ADDRESS_MAX: usize = 200;
pub const NOTES_MAX: usize = 1000;
pub const REASON_MAX: usize = 500;
pub const PAGE_SIZE: i64 = 12;

/// Where a service happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Place {
    /// At the provider's address.
    #[default]
    Provider,
    /// At the customer's (they give the address when booking).
    Customer,
    Online,
}

impl Place {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Provider => "provider",
            Self::Customer => "customer",
            Self::Online => "online",
        }
    }

    pub fn from_db(value: &str) -> Self {
        match value {
            "customer" => Self::Customer,
            "online" => Self::Online,
            _ => Self::Provider,
        }
    }

    pub fn parse(value: &str) -> Result<Self, AppError> {
        match value.trim() {
            "" | "provider" => Ok(Self::Provider),
            "customer" => Ok(Self::Customer),
            "online" => Ok(Self::Online),
            _ => Err(AppError::bad_request(
                "location_kind",
                "Choose where the service happens: provider, customer or online.",
            )),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Provider => "At the provider's",
            Self::Customer => "At your place",
            Self::Online => "Online",
        }
    }
}

/// A service as pages and the API show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceView {
    pub id: i64,
    pub provider_id: i64,
    pub provider_name: String,
    pub title: String,
    pub description: String,
    pub category: String,
    pub price_cents: i64,
    pub currency: String,
    pub duration_min: i64,
    pub place: Place,
    pub address: String,
    pub cover_url: Option<String>,
    pub status: ServiceStatus,
    pub rating: Rating,
    /// The viewer may edit it.
    pub mine: bool,
}

/// An average of reviews (tenths of a star) and how many there are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Rating {
    pub average_tenths: i64,
    pub count: i64,
}

impl Rating {
    pub fn label(self) -> String {
        if self.count == 0 {
            return "No reviews yet".into();
        }
        let s = if self.count == 1 { "" } else { "s" };
        format!(
            "★ {}.{} · {} review{s}",
            self.average_tenths / 10,
            self.average_tenths % 10,
            self.count
        )
    }
}

/// The service form, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceDraft {
    pub title: String,
    pub description: String,
    pub category: String,
    /// `45` or `45.50`.
    pub price: String,
    pub duration_min: String,
    pub location_kind: String,
    pub address: String,
    pub cover_url: String,
    /// `on` when bookable.
    #[serde(default)]
    pub active: String,
}

/// What a service is, as a form or an API client gives it: not checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceFields {
    pub title: String,
    pub description: String,
    pub category: String,
    pub price_cents: i64,
    pub duration_min: i64,
    pub place: Place,
    pub address: String,
    pub cover_url: Option<String>,
    pub active: bool,
}

/// A checked service: its fields, trimmed and bounded, read through it.
/// Only [`ServiceInput::parse`] makes one, so a service can't be given
/// unchecked fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceInput(ServiceFields);

impl std::ops::Deref for ServiceInput {
    type Target = ServiceFields;

    fn deref(&self) -> &ServiceFields {
        &self.0
    }
}

impl ServiceDraft {
    pub fn parse(&self) -> Result<ServiceInput, AppError> {
        let duration =
            self.duration_min.trim().parse::<i64>().map_err(|_| {
                AppError::bad_request("duration_min", "Enter the duration in minutes.")
            })?;
        ServiceInput::parse(ServiceFields {
            title: self.title.clone(),
            description: self.description.clone(),
            category: self.category.clone(),
            price_cents: Cents::parse("price", &self.price, Limits::PRICE)?.get(),
            duration_min: duration,
            place: Place::parse(&self.location_kind)?,
            address: self.address.clone(),
            cover_url: crate::kernel::text::parse_cover_url(&self.cover_url)?,
            active: matches!(self.active.as_str(), "on" | "true" | "1"),
        })
    }
}

impl ServiceInput {
    /// Trims and bounds every field; each refusal names its field.
    pub fn parse(fields: ServiceFields) -> Result<Self, AppError> {
        if !(5..=720).contains(&fields.duration_min) {
            return Err(AppError::bad_request(
                "duration_min",
                "A service lasts from 5 minutes to 12 hours.",
            ));
        }
        Limits::PRICE.check("price", Cents::new(fields.price_cents))?;
        let address = bounded("address", &fields.address, "The address", ADDRESS_MAX)?;
        if fields.place == Place::Provider && address.is_empty() {
            return Err(AppError::bad_request(
                "address",
                "Say where customers come to (an address).",
            ));
        }
        Ok(Self(ServiceFields {
            title: required("title", &fields.title, "The title", TITLE_MAX)?,
            description: bounded(
                "description",
                &fields.description,
                "The description",
                DESCRIPTION_MAX,
            )?,
            category: required("category", &fields.category, "The category", CATEGORY_MAX)?,
            address,
            ..fields
        }))
    }
}

/// Browse filters (all optional, as typed in the URL).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub min_price: String,
    #[serde(default)]
    pub max_price: String,
    #[serde(default)]
    pub provider: Option<i64>,
    #[serde(default)]
    pub page: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceList {
    pub services: Vec<ServiceView>,
    pub page: i64,
    pub has_more: bool,
    pub categories: Vec<String>,
}

/// A provider's public page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProviderView {
    pub id: i64,
    pub name: String,
    pub bio: String,
    pub timezone: String,
    pub rating: Rating,
    pub services: Vec<ServiceView>,
}

/// How a provider's time can be booked, as the availability editor shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub timezone: String,
    pub buffer_min: i64,
    pub min_notice_min: i64,
    pub horizon_days: i64,
    pub cancel_window_hours: i64,
    /// Monday first: `09:00-12:00, 13:00-17:00`, empty when off.
    pub weekly: Vec<String>,
    /// One line per date: `2031-06-02: off` or `2031-06-03: 18:00-20:00`.
    pub overrides: String,
}

/// The availability form, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleDraft {
    pub timezone: String,
    pub buffer_min: String,
    pub min_notice_min: String,
    pub horizon_days: String,
    pub cancel_window_hours: String,
    pub mon: String,
    pub tue: String,
    pub wed: String,
    pub thu: String,
    pub fri: String,
    pub sat: String,
    pub sun: String,
    #[serde(default)]
    pub overrides: String,
}

pub const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// A checked schedule: `(weekday, start, end)` minutes, and per date its
/// intervals (none: a day off). Only [`ScheduleDraft::parse`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleInput {
    pub timezone: String,
    pub buffer_min: i64,
    pub min_notice_min: i64,
    pub horizon_days: i64,
    pub cancel_window_hours: i64,
    pub weekly: Vec<(i64, i64, i64)>,
    pub overrides: Vec<DayHours>,
    checked: Checked,
}

impl ScheduleDraft {
    pub fn parse(&self) -> Result<ScheduleInput, AppError> {
        let days = [
            ("mon", &self.mon),
            ("tue", &self.tue),
            ("wed", &self.wed),
            ("thu", &self.thu),
            ("fri", &self.fri),
            ("sat", &self.sat),
            ("sun", &self.sun),
        ];
        let mut weekly = Vec::new();
        for (weekday, (field, text)) in days.into_iter().enumerate() {
            for (start, end) in parse_intervals(field, text)? {
                weekly.push((weekday as i64, start, end));
            }
        }
        Ok(ScheduleInput {
            timezone: self.timezone.trim().to_string(),
            buffer_min: whole("buffer_min", &self.buffer_min, 0, 240, "The buffer")?,
            min_notice_min: whole(
                "min_notice_min",
                &self.min_notice_min,
                0,
                43_200,
                "The minimum notice",
            )?,
            horizon_days: whole("horizon_days", &self.horizon_days, 1, 365, "How far ahead")?,
            cancel_window_hours: whole(
                "cancel_window_hours",
                &self.cancel_window_hours,
                0,
                720,
                "The cancellation window",
            )?,
            weekly,
            overrides: parse_overrides(&self.overrides)?,
            checked: Checked,
        })
    }
}

fn whole(field: &str, text: &str, min: i64, max: i64, label: &str) -> Result<i64, AppError> {
    let text = text.trim();
    let value = if text.is_empty() {
        min
    } else {
        text.parse::<i64>()
            .map_err(|_| AppError::bad_request(field, format!("{label} is a whole number.")))?
    };
    if !(min..=max).contains(&value) {
        return Err(AppError::bad_request(
            field,
            format!("{label} must be from {min} to {max}."),
        ));
    }
    Ok(value)
}

/// `HH:MM` → minutes after midnight (`24:00` is the end of the day).
pub fn parse_clock(text: &str) -> Option<i64> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m) = (h.trim().parse::<i64>().ok()?, m.trim().parse::<i64>().ok()?);
    // Hours checked before they are multiplied: a huge one would wrap
    // around into the day (found by the `schedule` fuzz target).
    if !(0..=24).contains(&h) || !(0..60).contains(&m) {
        return None;
    }
    let minutes = h * 60 + m;
    (minutes <= 1440).then_some(minutes)
}

pub fn clock(minutes: i64) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// `09:00-12:00, 13:00-17:00` → sorted, non-overlapping intervals.
pub fn parse_intervals(field: &str, text: &str) -> Result<Vec<(i64, i64)>, AppError> {
    let bad = |what: &str| {
        AppError::bad_request(
            field,
            format!("{what} Write hours like 09:00-12:00, 13:00-17:00 (or leave empty)."),
        )
    };
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (a, b) = part
            .split_once(['-', '–'])
            .ok_or_else(|| bad(&format!("“{part}” is not a time range.")))?;
        let (start, end) = (parse_clock(a), parse_clock(b));
        let (Some(start), Some(end)) = (start, end) else {
            return Err(bad(&format!("“{part}” has a time that doesn't exist.")));
        };
        if start >= end || start >= 1440 {
            return Err(bad(&format!("“{part}” ends before it starts.")));
        }
        out.push((start, end));
    }
    out.sort_unstable();
    if out.windows(2).any(|w| w[0].1 > w[1].0) {
        return Err(bad("Two ranges overlap."));
    }
    if out.len() > 8 {
        return Err(bad("At most 8 ranges a day."));
    }
    Ok(out)
}

/// A date (`YYYY-MM-DD`) and its working intervals (none: a day off).
pub type DayHours = (String, Vec<(i64, i64)>);

/// One line per date: `2031-06-02: off` or `2031-06-03: 18:00-20:00`.
pub fn parse_overrides(text: &str) -> Result<Vec<DayHours>, AppError> {
    let mut out: Vec<DayHours> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let bad = || {
            AppError::bad_request(
                "overrides",
                format!(
                    "“{line}”: write a date and hours, like 2031-06-02: off or 2031-06-03: 18:00-20:00."
                ),
            )
        };
        let (day, hours) = line.split_once(' ').ok_or_else(bad)?;
        let day = day.trim().trim_end_matches(':');
        if !is_date(day) {
            return Err(bad());
        }
        let hours = hours.trim().trim_start_matches(':').trim();
        let intervals = if hours.eq_ignore_ascii_case("off") {
            Vec::new()
        } else {
            parse_intervals("overrides", hours)?
        };
        if out.iter().any(|(d, _)| d == day) {
            return Err(AppError::bad_request(
                "overrides",
                format!("{day} is listed twice."),
            ));
        }
        out.push((day.to_string(), intervals));
    }
    if out.len() > 366 {
        return Err(AppError::bad_request(
            "overrides",
            "At most a year of dates.",
        ));
    }
    out.sort();
    Ok(out)
}

/// `YYYY-MM-DD` with a real month and day.
pub fn is_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return false;
    };
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i32>(), m.parse::<u32>(), d.parse::<u32>()) else {
        return false;
    };
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => return false,
    };
    text.len() == 10 && (1..=days).contains(&d) && (2000..=2200).contains(&y)
}

/// A week of free starts, in the viewer's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotWeek {
    pub service_id: i64,
    /// The zone the labels are in.
    pub timezone: String,
    /// `YYYY-MM-DD` of the first day shown.
    pub week: String,
    pub prev_week: Option<String>,
    pub next_week: Option<String>,
    pub days: Vec<SlotDay>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotDay {
    /// `Mon 2 Jun`.
    pub label: String,
    pub slots: Vec<Slot>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    pub starts_at: i64,
    /// `09:30`.
    pub label: String,
}

text_enum! {
    /// A service: bookable and listed, hidden by its provider, or retired.
    pub enum ServiceStatus {
        Active = "active",
        Inactive = "inactive",
        Deleted = "deleted",
    }
}

text_enum! {
    /// The life of a booking.
    #[derive(Default)]
    pub enum BookingStatus {
        #[default] Requested = "requested",
        Confirmed = "confirmed",
        Declined = "declined",
        InProgress = "in_progress",
        Completed = "completed",
        Cancelled = "cancelled",
    }
}

impl BookingStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Requested => "Requested",
            Self::Confirmed => "Confirmed",
            Self::Declined => "Declined",
            Self::InProgress => "In progress",
            Self::Completed => "Completed",
            Self::Cancelled => "Cancelled",
        }
    }

    /// Holds the provider's time (and so blocks other bookings).
    pub fn is_active(self) -> bool {
        matches!(self, Self::Requested | Self::Confirmed | Self::InProgress)
    }

    /// Who may move a booking from `self` to `to`; `None` when nobody may.
    pub fn next(self, to: Self) -> Option<Mover> {
        use BookingStatus::*;
        match (self, to) {
            (Requested, Confirmed | Declined) => Some(Mover::Provider),
            (Confirmed, InProgress) | (InProgress, Completed) => Some(Mover::Provider),
            (Requested | Confirmed, Cancelled) => Some(Mover::Either),
            _ => None,
        }
    }
}

/// Which side of a booking may make a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mover {
    Provider,
    Either,
}

/// What a status change request asks for (the API's `PUT /bookings/{id}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingAction {
    Confirm,
    Decline,
    Start,
    Complete,
    Cancel,
    /// The provider is on their way (a confirmed booking; location sharing
    /// may begin).
    OnMyWay,
}

impl BookingAction {
    pub fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "confirm" | "confirmed" => Self::Confirm,
            "decline" | "declined" => Self::Decline,
            "start" | "in_progress" => Self::Start,
            "complete" | "completed" => Self::Complete,
            "cancel" | "cancelled" => Self::Cancel,
            "on_my_way" => Self::OnMyWay,
            _ => return None,
        })
    }

    /// The status it leads to (on my way keeps the booking confirmed).
    pub fn target(self) -> BookingStatus {
        match self {
            Self::Confirm | Self::OnMyWay => BookingStatus::Confirmed,
            Self::Decline => BookingStatus::Declined,
            Self::Start => BookingStatus::InProgress,
            Self::Complete => BookingStatus::Completed,
            Self::Cancel => BookingStatus::Cancelled,
        }
    }
}

/// One step of a booking's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// A status, or `on_my_way` / `rescheduled`.
    pub status: String,
    pub label: String,
    pub actor_name: Option<String>,
    pub note: String,
    pub at: i64,
}

/// The provider's last shared position.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Position {
    pub lat: f64,
    pub lng: f64,
    pub accuracy_m: i64,
    pub at: i64,
}

/// What the viewer may do with a booking now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct BookingCan {
    pub confirm: bool,
    pub decline: bool,
    pub start: bool,
    pub complete: bool,
    pub cancel: bool,
    pub reschedule: bool,
    pub on_my_way: bool,
    pub share_location: bool,
    pub review: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BookingView {
    pub id: i64,
    pub service_id: i64,
    pub service_title: String,
    pub provider_id: i64,
    pub provider_name: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub starts_at: i64,
    pub ends_at: i64,
    /// In the provider's zone, e.g. `Mon 2 Jun 2031, 09:00–10:00 CEST`.
    pub when_label: String,
    pub timezone: String,
    pub status: BookingStatus,
    pub price_cents: i64,
    pub currency: String,
    pub place: Place,
    pub address: String,
    pub notes: String,
    pub cancel_reason: Option<String>,
    pub en_route: bool,
    /// Only for the two parties, only while under way.
    pub position: Option<Position>,
    /// Map tile URL template (`{z}/{x}/{y}`); empty when there is no map.
    pub map_tiles: String,
    /// Customers may cancel until then (epoch ms).
    pub cancel_until: i64,
    pub history: Vec<HistoryEntry>,
    pub can: BookingCan,
    /// The viewer is the provider (else the customer, or an admin).
    pub as_provider: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A booking request, as the form sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingRequest {
    pub service_id: i64,
    pub starts_at: i64,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub notes: String,
    /// Makes a retried request return the same booking.
    #[serde(default)]
    pub key: String,
}

pub fn check_reason(reason: &str) -> Result<String, AppError> {
    bounded("reason", reason, "The reason", REASON_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_hour_too_large_to_multiply_is_no_time_of_day() {
        // "1111111111111112002:06" once wrapped around into the day.
        assert_eq!(parse_clock("1111111111111112002: 6"), None);
        // In a release build, 307445734561825861 × 60 wrapped to 44: 00:44.
        assert_eq!(parse_clock("307445734561825861:00"), None);
        assert_eq!(parse_clock("24:00"), Some(1440));
        assert_eq!(parse_clock("24:01"), None);
        assert_eq!(parse_clock("9:05"), Some(545));
    }

    #[test]
    fn hours_are_read_sorted_and_bad_ones_name_the_day() {
        assert_eq!(
            parse_intervals("mon", "13:00-17:00, 9:00 – 12:00").unwrap(),
            vec![(540, 720), (780, 1020)]
        );
        assert_eq!(parse_intervals("mon", " ").unwrap(), vec![]);
        assert_eq!(
            parse_intervals("sun", "20:00-24:00").unwrap(),
            vec![(1200, 1440)]
        );
        for bad in [
            "9-12",
            "12:00-09:00",
            "09:00-12:00, 11:00-13:00",
            "25:00-26:00",
        ] {
            let err = parse_intervals("tue", bad).unwrap_err();
            assert!(
                matches!(err, AppError::BadRequest { field: Some(f), .. } if f == "tue"),
                "{bad}"
            );
        }
    }

    #[test]
    fn overrides_are_dates_with_hours_or_off() {
        let parsed = parse_overrides("2031-06-03: 18:00-20:00\n\n2031-06-02 off").unwrap();
        assert_eq!(
            parsed,
            vec![
                ("2031-06-02".to_string(), vec![]),
                ("2031-06-03".to_string(), vec![(1080, 1200)])
            ]
        );
        assert!(parse_overrides("2031-02-30: off").is_err());
        assert!(parse_overrides("tomorrow: off").is_err());
        assert!(parse_overrides("2031-06-02: off\n2031-06-02: 09:00-10:00").is_err());
    }

    #[test]
    fn only_the_documented_transitions_exist() {
        use BookingStatus::*;
        let all = [
            Requested, Confirmed, Declined, InProgress, Completed, Cancelled,
        ];
        let allowed: Vec<(BookingStatus, BookingStatus)> = all
            .iter()
            .flat_map(|a| all.iter().map(move |b| (*a, *b)))
            .filter(|(a, b)| a.next(*b).is_some())
            .collect();
        assert_eq!(
            allowed,
            vec![
                (Requested, Confirmed),
                (Requested, Declined),
                (Requested, Cancelled),
                (Confirmed, InProgress),
                (Confirmed, Cancelled),
                (InProgress, Completed),
            ]
        );
        assert_eq!(Requested.next(Cancelled), Some(Mover::Either));
        assert_eq!(Confirmed.next(InProgress), Some(Mover::Provider));
    }

    #[test]
    fn a_service_needs_an_address_when_customers_come_to_it() {
        let draft = ServiceDraft {
            title: "Haircut".into(),
            category: "Beauty".into(),
            price: "30".into(),
            duration_min: "45".into(),
            location_kind: "provider".into(),
            ..Default::default()
        };
        let err = draft.parse().unwrap_err();
        assert!(matches!(err, AppError::BadRequest { field: Some(f), .. } if f == "address"));
        let at_home = ServiceDraft {
            location_kind: "customer".into(),
            ..draft.clone()
        };
        let ok = at_home.parse().unwrap();
        assert_eq!(
            (ok.price_cents, ok.duration_min, ok.active),
            (3000, 45, false)
        );
        let too_long = ServiceDraft {
            duration_min: "721".into(),
            ..at_home
        };
        assert!(too_long.parse().is_err());
    }

    #[test]
    fn ratings_read_as_stars_and_count() {
        assert_eq!(Rating::default().label(), "No reviews yet");
        assert_eq!(
            Rating {
                average_tenths: 45,
                count: 2
            }
            .label(),
            "★ 4.5 · 2 reviews"
        );
    }
}
