//! A provider's availability: the booking rules, weekly hours and date
//! overrides, read for the editor, saved in one transaction, and turned
//! into free slots for a service.

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate, TimeZone};
use chrono_tz::Tz;

use super::catalog::{ensure_settings, get_service};
use super::model::{Schedule, ScheduleInput, ServiceStatus, Slot, SlotDay, SlotWeek, clock};
use super::slots::{Busy, Interval, Rules};
use crate::accounts::model::Role;
use crate::accounts::service::AuthUser;
use crate::error::AppError;
use crate::kernel::ids::ServiceId;
use crate::kernel::time::now_millis;
use crate::kernel::time::parse_zone;
use crate::state::AppState;

/// The rules row of a provider.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Settings {
    pub timezone: String,
    pub buffer_min: i64,
    pub min_notice_min: i64,
    pub horizon_days: i64,
    pub cancel_window_hours: i64,
}

pub async fn settings(
    conn: &mut sqlx::AnyConnection,
    provider_id: i64,
) -> Result<Settings, AppError> {
    let row: Option<Settings> = sqlx::query_as(
        "SELECT timezone, buffer_min, min_notice_min, horizon_days, cancel_window_hours \
         FROM provider_settings WHERE provider_id = $1",
    )
    .bind(provider_id)
    .fetch_optional(conn)
    .await?;
    Ok(row.unwrap_or(Settings {
        timezone: "UTC".into(),
        buffer_min: 0,
        min_notice_min: 60,
        horizon_days: 60,
        cancel_window_hours: 24,
    }))
}

/// The schedule of the signed-in provider, for the editor.
pub async fn my_schedule(state: &AppState, user: &AuthUser) -> Result<Schedule, AppError> {
    user.require_role(Role::Organizer)?;
    let mut conn = state.db.pool().acquire().await?;
    let s = settings(&mut conn, user.id).await?;
    let (weekly, overrides) = hours(&mut conn, user.id).await?;
    let weekly = weekly
        .iter()
        .map(|day| {
            day.iter()
                .map(|i| format!("{}-{}", clock(i.start_min), clock(i.end_min)))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect();
    let mut days: Vec<(&NaiveDate, &Vec<Interval>)> = overrides.iter().collect();
    days.sort_by_key(|(day, _)| **day);
    let overrides = days
        .into_iter()
        .map(|(day, list)| {
            let hours = if list.is_empty() {
                "off".to_string()
            } else {
                list.iter()
                    .map(|i| format!("{}-{}", clock(i.start_min), clock(i.end_min)))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            format!("{}: {hours}", day.format("%Y-%m-%d"))
        })
        .collect::<Vec<_>>()
        .join("\n");
    Ok(Schedule {
        timezone: s.timezone,
        buffer_min: s.buffer_min,
        min_notice_min: s.min_notice_min,
        horizon_days: s.horizon_days,
        cancel_window_hours: s.cancel_window_hours,
        weekly,
        overrides,
    })
}

/// Replaces the provider's rules, hours and overrides at once. Existing
/// bookings stay; only new ones follow the new hours.
pub async fn save_schedule(
    state: &AppState,
    user: &AuthUser,
    input: ScheduleInput,
) -> Result<Schedule, AppError> {
    user.require_role(Role::Organizer)?;
    let zone = parse_zone("timezone", &input.timezone)?;
    let now = now_millis();
    let mut tx = state.db.pool().begin().await?;
    ensure_settings(&mut tx, user.id, now).await?;
    // The provider's lock: a booking being made now sees the old schedule
    // or the new one, never half of each.
    sqlx::query(
        "UPDATE provider_settings SET timezone = $2, buffer_min = $3, min_notice_min = $4, \
         horizon_days = $5, cancel_window_hours = $6, lock_seq = lock_seq + 1, updated_at = $7 \
         WHERE provider_id = $1",
    )
    .bind(user.id)
    .bind(zone.name())
    .bind(input.buffer_min)
    .bind(input.min_notice_min)
    .bind(input.horizon_days)
    .bind(input.cancel_window_hours)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    for table in ["provider_hours", "provider_overrides"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE provider_id = $1"))
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
    }
    for (weekday, start, end) in &input.weekly {
        sqlx::query(
            "INSERT INTO provider_hours (provider_id, weekday, start_min, end_min, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .bind(user.id)
        .bind(*weekday)
        .bind(*start)
        .bind(*end)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    for (day, intervals) in &input.overrides {
        let rows: Vec<(Option<i64>, Option<i64>)> = if intervals.is_empty() {
            vec![(None, None)]
        } else {
            intervals
                .iter()
                .map(|(s, e)| (Some(*s), Some(*e)))
                .collect()
        };
        for (start, end) in rows {
            sqlx::query(
                "INSERT INTO provider_overrides (provider_id, day, start_min, end_min, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $5)",
            )
            .bind(user.id)
            .bind(day)
            .bind(start)
            .bind(end)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    state.live.schedule_changed(user.id, now);
    my_schedule(state, user).await
}

type Hours = ([Vec<Interval>; 7], HashMap<NaiveDate, Vec<Interval>>);

async fn hours(conn: &mut sqlx::AnyConnection, provider_id: i64) -> Result<Hours, AppError> {
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT weekday, start_min, end_min FROM provider_hours WHERE provider_id = $1 \
         ORDER BY weekday, start_min",
    )
    .bind(provider_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut weekly: [Vec<Interval>; 7] = Default::default();
    for (weekday, start_min, end_min) in rows {
        if let Some(day) = usize::try_from(weekday)
            .ok()
            .and_then(|d| weekly.get_mut(d))
        {
            day.push(Interval { start_min, end_min });
        }
    }
    let rows: Vec<(String, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT day, start_min, end_min FROM provider_overrides WHERE provider_id = $1 \
         ORDER BY day, start_min",
    )
    .bind(provider_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut overrides: HashMap<NaiveDate, Vec<Interval>> = HashMap::new();
    for (day, start, end) in rows {
        let Ok(day) = NaiveDate::parse_from_str(&day, "%Y-%m-%d") else {
            continue;
        };
        let list = overrides.entry(day).or_default();
        if let (Some(start_min), Some(end_min)) = (start, end) {
            list.push(Interval { start_min, end_min });
        }
    }
    Ok((weekly, overrides))
}

/// Everything the slot computation needs for one provider and duration.
pub async fn rules(
    conn: &mut sqlx::AnyConnection,
    provider_id: i64,
    duration_min: i64,
) -> Result<(Rules, Settings), AppError> {
    let s = settings(&mut *conn, provider_id).await?;
    let (weekly, overrides) = hours(&mut *conn, provider_id).await?;
    let zone = parse_zone("timezone", &s.timezone).unwrap_or(Tz::UTC);
    Ok((
        Rules {
            zone,
            weekly,
            overrides,
            duration_min,
            buffer_min: s.buffer_min,
            min_notice_min: s.min_notice_min,
            horizon_days: s.horizon_days,
        },
        s,
    ))
}

/// The provider's active bookings that end after `from` (other than
/// `except`, the booking being rescheduled).
pub async fn busy(
    conn: &mut sqlx::AnyConnection,
    provider_id: i64,
    from: i64,
    to: i64,
    except: Option<i64>,
) -> Result<Vec<Busy>, AppError> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT starts_at, blocked_until FROM bookings WHERE provider_id = $1 \
         AND status IN ('requested', 'confirmed', 'in_progress') \
         AND blocked_until > $2 AND starts_at < $3 AND id <> $4",
    )
    .bind(provider_id)
    .bind(from)
    .bind(to)
    .bind(except.unwrap_or(0))
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(start, blocked_until)| Busy {
            start,
            blocked_until,
        })
        .collect())
}

/// A service's free starts in `[from, to)` (at most 31 days), for the API.
pub async fn free_starts(
    state: &AppState,
    viewer: Option<&AuthUser>,
    service_id: ServiceId,
    from: i64,
    to: i64,
) -> Result<(super::model::ServiceView, Vec<i64>), AppError> {
    if to <= from || to - from > 31 * 86_400_000 {
        return Err(AppError::bad_request(
            "to",
            "Ask for at most 31 days of slots, with to after from.",
        ));
    }
    let service = get_service(state, viewer, service_id).await?;
    let mut conn = state.db.pool().acquire().await?;
    let (rules, _) = rules(&mut conn, service.provider_id, service.duration_min).await?;
    let taken = busy(&mut conn, service.provider_id, from - 86_400_000, to, None).await?;
    let starts = if service.status == ServiceStatus::Active {
        rules.free_starts(from, to, now_millis(), &taken)
    } else {
        Vec::new()
    };
    Ok((service, starts))
}

/// A week of a service's free starts, labelled in `viewer_zone` (the
/// customer's own; the provider's when not given). `week` is the first
/// day (`YYYY-MM-DD`, in the viewer's zone); today when empty.
pub async fn slot_week(
    state: &AppState,
    viewer: Option<&AuthUser>,
    service_id: ServiceId,
    week: &str,
    viewer_zone: &str,
) -> Result<SlotWeek, AppError> {
    let service = get_service(state, viewer, service_id).await?;
    let mut conn = state.db.pool().acquire().await?;
    let (rules, settings) = rules(&mut conn, service.provider_id, service.duration_min).await?;
    let zone = if viewer_zone.trim().is_empty() {
        rules.zone
    } else {
        parse_zone("tz", viewer_zone)?
    };
    let now = now_millis();
    let today = zone
        .timestamp_millis_opt(now)
        .single()
        .map(|t| t.date_naive())
        .unwrap_or_default();
    let first = if week.trim().is_empty() {
        today
    } else {
        NaiveDate::parse_from_str(week.trim(), "%Y-%m-%d")
            .map_err(|_| AppError::bad_request("week", "week is a date like 2031-06-02."))?
            .clamp(today, today + Duration::days(settings.horizon_days + 7))
    };
    // Local midnight, or when the day begins where midnight is skipped.
    let start_of = |day: NaiveDate| {
        (0..=12)
            .find_map(|quarter| {
                day.and_hms_opt(0, 0, 0)
                    .map(|t| t + Duration::minutes(quarter * 15))
                    .and_then(|t| zone.from_local_datetime(&t).earliest())
            })
            .map(|t| t.timestamp_millis())
            .unwrap_or(now)
    };
    let from = start_of(first);
    let to = start_of(first + Duration::days(7));
    let taken = busy(&mut conn, service.provider_id, from - 86_400_000, to, None).await?;
    let starts = if service.status == ServiceStatus::Active {
        rules.free_starts(from, to, now, &taken)
    } else {
        Vec::new()
    };
    let mut days: Vec<SlotDay> = (0..7)
        .map(|n| {
            let day = first + Duration::days(n);
            SlotDay {
                label: format!(
                    "{} {} {}",
                    &super::model::WEEKDAYS[day.weekday().num_days_from_monday() as usize][..3],
                    day.day(),
                    day.format("%b")
                ),
                slots: Vec::new(),
            }
        })
        .collect();
    for start in starts {
        let Some(local) = zone.timestamp_millis_opt(start).single() else {
            continue;
        };
        let index = (local.date_naive() - first).num_days();
        if let Some(day) = usize::try_from(index).ok().and_then(|i| days.get_mut(i)) {
            day.slots.push(Slot {
                starts_at: start,
                label: local.format("%H:%M").to_string(),
            });
        }
    }
    let horizon_end = now + settings.horizon_days * 86_400_000;
    Ok(SlotWeek {
        service_id: service_id.get(),
        timezone: zone.name().to_string(),
        week: first.format("%Y-%m-%d").to_string(),
        prev_week: (first > today).then(|| {
            (first - Duration::days(7))
                .max(today)
                .format("%Y-%m-%d")
                .to_string()
        }),
        next_week: (to < horizon_end)
            .then(|| (first + Duration::days(7)).format("%Y-%m-%d").to_string()),
        days,
    })
}
