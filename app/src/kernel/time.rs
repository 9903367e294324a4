//! Times: stored as UTC epoch milliseconds, typed and shown in an IANA time
//! zone (an event's, a provider's). Server side only (the zone database
//! stays out of the wasm); pages get ready-made labels.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::error::AppError;

/// Milliseconds since the Unix epoch, the unit of every stored time.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(millis)
        .unwrap_or(0)
}

/// A span of time in milliseconds (saturating), the unit times are added in.
pub fn millis(span: std::time::Duration) -> i64 {
    i64::try_from(span.as_millis()).unwrap_or(i64::MAX)
}

pub fn parse_zone(field: &str, name: &str) -> Result<Tz, AppError> {
    let name = name.trim();
    let name = if name.is_empty() { "UTC" } else { name };
    Tz::from_str(name).map_err(|_| {
        AppError::bad_request(field, "Choose a time zone such as Europe/Paris or UTC.")
    })
}

fn zone_or_utc(name: &str) -> Tz {
    Tz::from_str(name).unwrap_or(Tz::UTC)
}

fn utc(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// `2027-07-15T18:00` (as a `datetime-local` input sends it) in `zone`.
pub fn parse_local(field: &str, value: &str, zone: Tz) -> Result<i64, AppError> {
    let value = value.trim();
    let naive = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%d %H:%M"))
        .map_err(|_| AppError::bad_request(field, "Enter a date and time."))?;
    zone.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.timestamp_millis())
        .ok_or_else(|| {
            AppError::bad_request(
                field,
                "That time does not exist in this time zone (clocks go forward then).",
            )
        })
}

/// An ISO 8601 / RFC 3339 instant (`2024-07-15T18:00:00Z`), as the API takes it.
pub fn parse_iso(field: &str, value: &str) -> Result<i64, AppError> {
    DateTime::parse_from_rfc3339(value.trim())
        .map(|t| t.timestamp_millis())
        .map_err(|_| {
            AppError::bad_request(
                field,
                format!("{field} must be an ISO 8601 date-time such as 2027-07-15T18:00:00Z."),
            )
        })
}

/// `YYYY-MM-DD` → the start of that day, UTC.
pub fn parse_day(field: &str, value: &str) -> Result<i64, AppError> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_millis())
        .ok_or_else(|| AppError::bad_request(field, "Use a date like 2027-07-15."))
}

/// `2027-07-15T16:00:00.000Z`.
pub fn iso(ms: i64) -> String {
    utc(ms).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// `2027-07-15T18:00` in `zone`, for the edit form.
pub fn local_input(ms: i64, zone: &str) -> String {
    utc(ms)
        .with_timezone(&zone_or_utc(zone))
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// `Sat 15 Jul 2027, 18:00 CEST`.
pub fn label(ms: i64, zone: &str) -> String {
    utc(ms)
        .with_timezone(&zone_or_utc(zone))
        .format("%a %-d %b %Y, %H:%M %Z")
        .to_string()
}

/// `18:32:10 UTC`: when a hold lapses, for pages without a countdown.
pub fn clock_label(ms: i64) -> String {
    utc(ms).format("%H:%M:%S UTC").to_string()
}

/// The time span of an event: one date when it starts and ends the same day.
pub fn when_label(starts_at: i64, ends_at: Option<i64>, zone: &str) -> String {
    let tz = zone_or_utc(zone);
    let start = utc(starts_at).with_timezone(&tz);
    match ends_at.map(|e| utc(e).with_timezone(&tz)) {
        None => label(starts_at, zone),
        Some(end) if end.date_naive() == start.date_naive() => format!(
            "{}–{}",
            start.format("%a %-d %b %Y, %H:%M"),
            end.format("%H:%M %Z")
        ),
        Some(end) => format!(
            "{} – {}",
            start.format("%a %-d %b %Y, %H:%M"),
            end.format("%a %-d %b %Y, %H:%M %Z")
        ),
    }
}

/// `20270715T160000Z`, as iCalendar wants UTC times.
pub fn ics_stamp(ms: i64) -> String {
    utc(ms).format("%Y%m%dT%H%M%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_are_converted_with_the_zone_rules() {
        let paris = parse_zone("tz", "Europe/Paris").unwrap();
        // 18:00 in Paris in July is 16:00 UTC (summer time).
        let ms = parse_local("starts_at", "2027-07-15T18:00", paris).unwrap();
        assert_eq!(iso(ms), "2027-07-15T16:00:00.000Z");
        assert_eq!(local_input(ms, "Europe/Paris"), "2027-07-15T18:00");
        assert_eq!(label(ms, "Europe/Paris"), "Thu 15 Jul 2027, 18:00 CEST");
        // 02:30 on the spring-forward night does not exist.
        assert!(parse_local("s", "2027-03-28T02:30", paris).is_err());
        assert!(parse_zone("tz", "Mars/Olympus").is_err());
    }

    #[test]
    fn spans_on_one_day_show_one_date() {
        let start = parse_iso("eventDate", "2027-07-15T16:00:00Z").unwrap();
        let end = start + 4 * 3_600_000;
        assert_eq!(
            when_label(start, Some(end), "Europe/Paris"),
            "Thu 15 Jul 2027, 18:00–22:00 CEST"
        );
        assert_eq!(ics_stamp(start), "20270715T160000Z");
        assert_eq!(
            parse_day("from", "2027-07-15").unwrap(),
            start - 16 * 3_600_000
        );
    }
}
