//! Bookings of a provider's time. Exactly one booking can win a time range:
//! every booking (and reschedule) first takes the provider's lock (an
//! update of their `provider_settings` row), then inserts itself only if no
//! active booking overlaps, in one statement. A partial unique index on
//! the start is a second guard. Lock order: provider, then booking.

use super::catalog::{ensure_settings, get_service};
use super::model::{
    ADDRESS_MAX, BookingAction, BookingCan, BookingRequest, BookingStatus, BookingView,
    HistoryEntry, Mover, NOTES_MAX, Place, Position, ServiceStatus, check_reason,
};
use super::schedule;
use crate::accounts::model::Role;
use crate::accounts::service::AuthUser;
use crate::error::AppError;
use crate::kernel::db::Constraint;
use crate::kernel::idempotency::{self, Begun, Fingerprint, Key, Request, Scope};
use crate::kernel::ids::{BookingId, ServiceId};
use crate::kernel::text::bounded;
use crate::kernel::time;
use crate::kernel::time::now_millis;
use crate::live::protocol::{LivePosition, Notice, Payload, Topic};
use crate::state::AppState;

const MINUTE: i64 = 60_000;
const ACTIVE: &str = "('requested', 'confirmed', 'in_progress')";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BookingRow {
    pub id: i64,
    pub service_id: i64,
    pub service_title: String,
    pub location_kind: String,
    pub provider_id: i64,
    pub provider_name: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub status: BookingStatus,
    pub price_cents: i64,
    pub currency: String,
    pub address: String,
    pub notes: String,
    pub cancel_reason: Option<String>,
    pub en_route_at: Option<i64>,
    pub location_lat: Option<i64>,
    pub location_lng: Option<i64>,
    pub location_accuracy_m: Option<i64>,
    pub location_at: Option<i64>,
    pub timezone: Option<String>,
    pub cancel_window_hours: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const BOOKING_SELECT: &str = "SELECT b.id, b.service_id, s.title AS service_title, s.location_kind, \
     b.provider_id, p.display_name AS provider_name, b.customer_id, c.display_name AS customer_name, \
     b.starts_at, b.ends_at, b.status, b.price_cents, b.currency, b.address, b.notes, b.cancel_reason, \
     b.en_route_at, b.location_lat, b.location_lng, b.location_accuracy_m, b.location_at, \
     ps.timezone, b.cancel_window_hours, b.created_at, b.updated_at \
     FROM bookings b JOIN services s ON s.id = b.service_id \
     JOIN users p ON p.id = b.provider_id JOIN users c ON c.id = b.customer_id \
     LEFT JOIN provider_settings ps ON ps.provider_id = b.provider_id";

impl BookingRow {
    pub fn status(&self) -> BookingStatus {
        self.status
    }

    fn is_party(&self, user: &AuthUser) -> bool {
        user.id == self.provider_id || user.id == self.customer_id
    }

    /// The provider's side: the provider, or an admin acting for them.
    fn acts_as_provider(&self, user: &AuthUser) -> bool {
        user.id == self.provider_id || (user.role == Role::Admin && user.id != self.customer_id)
    }

    pub fn cancel_until(&self) -> i64 {
        self.starts_at - self.cancel_window_hours * 60 * MINUTE
    }

    /// Under way: the provider said "on my way", or the job started.
    pub fn under_way(&self) -> bool {
        match self.status() {
            BookingStatus::InProgress => true,
            BookingStatus::Confirmed => self.en_route_at.is_some(),
            _ => false,
        }
    }

    pub fn position(&self) -> Option<Position> {
        if !self.under_way() {
            return None;
        }
        Some(Position {
            lat: self.location_lat? as f64 / 1e6,
            lng: self.location_lng? as f64 / 1e6,
            accuracy_m: self.location_accuracy_m.unwrap_or(0),
            at: self.location_at?,
        })
    }

    fn can(&self, user: &AuthUser, now: i64, reviewed: bool) -> BookingCan {
        use BookingStatus::*;
        let status = self.status();
        let provider = self.acts_as_provider(user);
        let customer = user.id == self.customer_id;
        BookingCan {
            confirm: provider && status == Requested,
            decline: provider && status == Requested,
            start: provider && status == Confirmed,
            complete: provider && status == InProgress,
            cancel: matches!(status, Requested | Confirmed)
                && ((provider && now < self.starts_at) || (customer && now < self.cancel_until())),
            reschedule: customer
                && matches!(status, Requested | Confirmed)
                && now < self.cancel_until(),
            on_my_way: user.id == self.provider_id
                && status == Confirmed
                && self.en_route_at.is_none(),
            share_location: user.id == self.provider_id && self.under_way(),
            review: customer && status == Completed && !reviewed,
        }
    }

    pub fn view(
        &self,
        user: &AuthUser,
        now: i64,
        history: Vec<HistoryEntry>,
        reviewed: bool,
    ) -> BookingView {
        let zone = self.timezone.clone().unwrap_or_else(|| "UTC".into());
        BookingView {
            id: self.id,
            service_id: self.service_id,
            service_title: self.service_title.clone(),
            provider_id: self.provider_id,
            provider_name: self.provider_name.clone(),
            customer_id: self.customer_id,
            customer_name: self.customer_name.clone(),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            when_label: time::when_label(self.starts_at, Some(self.ends_at), &zone),
            timezone: zone,
            status: self.status(),
            price_cents: self.price_cents,
            currency: self.currency.clone(),
            place: Place::from_db(&self.location_kind),
            address: self.address.clone(),
            notes: self.notes.clone(),
            cancel_reason: self.cancel_reason.clone(),
            en_route: self.en_route_at.is_some(),
            // Only the two parties ever see where the provider is.
            position: if self.is_party(user) {
                self.position()
            } else {
                None
            },
            map_tiles: String::new(),
            cancel_until: self.cancel_until(),
            history,
            can: self.can(user, now, reviewed),
            as_provider: user.id == self.provider_id,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }

    /// What the `booking:{id}` topic carries.
    pub fn live(&self) -> Payload {
        Payload::Booking {
            booking_id: self.id,
            status: self.status.to_string(),
            en_route: self.en_route_at.is_some(),
            position: self.position().map(|_| LivePosition {
                lat_e6: self.location_lat.unwrap_or(0),
                lng_e6: self.location_lng.unwrap_or(0),
                accuracy_m: self.location_accuracy_m.unwrap_or(0),
                at: self.location_at.unwrap_or(0),
            }),
            updated_at: self.updated_at,
        }
    }
}

async fn row(conn: &mut sqlx::AnyConnection, id: i64) -> Result<Option<BookingRow>, AppError> {
    Ok(sqlx::query_as(&format!("{BOOKING_SELECT} WHERE b.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

/// A booking as stored, for the sweep's news.
pub async fn row_of(db: &crate::kernel::db::Db, id: i64) -> Result<Option<BookingRow>, AppError> {
    let mut conn = db.pool().acquire().await?;
    row(&mut conn, id).await
}

/// The booking if `user` is one of its two parties (or an admin).
pub async fn visible_row(
    state: &AppState,
    user: &AuthUser,
    id: BookingId,
) -> Result<BookingRow, AppError> {
    let mut conn = state.db.pool().acquire().await?;
    match row(&mut conn, id.get()).await? {
        Some(r) if r.is_party(user) || user.role == Role::Admin => Ok(r),
        // Not yours: indistinguishable from not there.
        _ => Err(AppError::NotFound("That booking".into())),
    }
}

pub async fn get_booking(
    state: &AppState,
    user: &AuthUser,
    id: BookingId,
) -> Result<BookingView, AppError> {
    let r = visible_row(state, user, id).await?;
    full_view(state, &mut *state.db.pool().acquire().await?, user, r).await
}

async fn full_view(
    state: &AppState,
    conn: &mut sqlx::AnyConnection,
    user: &AuthUser,
    r: BookingRow,
) -> Result<BookingView, AppError> {
    let rows: Vec<(String, Option<String>, String, i64)> = sqlx::query_as(
        "SELECT h.status, u.display_name, h.note, h.created_at FROM booking_history h \
         LEFT JOIN users u ON u.id = h.actor_id WHERE h.booking_id = $1 ORDER BY h.id",
    )
    .bind(r.id)
    .fetch_all(&mut *conn)
    .await?;
    let history = rows
        .into_iter()
        .map(|(status, actor_name, note, at)| HistoryEntry {
            label: match status.as_str() {
                "on_my_way" => "On the way".to_string(),
                "rescheduled" => "Rescheduled".to_string(),
                s => BookingStatus::parse(s).map_or_else(|| s.to_owned(), |b| b.label().to_owned()),
            },
            status,
            actor_name,
            note,
            at,
        })
        .collect();
    let reviewed: Option<(i64,)> = sqlx::query_as("SELECT id FROM reviews WHERE booking_id = $1")
        .bind(r.id)
        .fetch_optional(&mut *conn)
        .await?;
    let mut view = r.view(user, now_millis(), history, reviewed.is_some());
    let tiles = &state.config.services.map_tiles;
    if tiles.starts_with("https://") && tiles.contains("{z}") {
        view.map_tiles = tiles.clone();
    }
    Ok(view)
}

/// One booking per provider and start (a backstop: the insert checks overlaps).
const ONE_PER_START: Constraint = Constraint::unique(
    "bookings_provider_start",
    "bookings.provider_id, bookings.starts_at",
);

pub fn taken() -> AppError {
    AppError::Conflict("That time was just taken. Pick another one.".into())
}

/// Books `req.starts_at` of a service for `user`. Returns the booking and
/// whether it is new (a retried request with the same key returns the
/// first booking).
pub async fn book(
    state: &AppState,
    user: &AuthUser,
    req: &BookingRequest,
    key: Option<Key>,
) -> Result<(BookingView, bool), AppError> {
    let notes = bounded("notes", &req.notes, "Notes", NOTES_MAX)?;
    let address = bounded("address", &req.address, "The address", ADDRESS_MAX)?;
    let request = key.map(|key| {
        let (service, start) = (req.service_id.to_string(), req.starts_at.to_string());
        let fingerprint = Fingerprint::of(&[&service, &start, &address, &notes]);
        Request::new(user.id, Scope::Booking, key, fingerprint)
    });
    let service = get_service(state, Some(user), ServiceId::new(req.service_id)).await?;
    if service.status != ServiceStatus::Active {
        return Err(AppError::Conflict(
            "This service is not bookable now.".into(),
        ));
    }
    if service.provider_id == user.id {
        return Err(AppError::Conflict(
            "You can't book your own service.".into(),
        ));
    }
    let address = match service.place {
        Place::Customer if address.is_empty() => {
            return Err(AppError::bad_request(
                "address",
                "Say where the provider should come to.",
            ));
        }
        Place::Customer => address,
        Place::Provider => service.address.clone(),
        Place::Online => String::new(),
    };
    let now = now_millis();
    // Writes first (the key's claim, the provider's row): on SQLite a
    // transaction that reads before its first write can't upgrade once
    // another writer committed.
    let mut tx = match idempotency::begin(state.db.pool(), request.as_ref()).await? {
        Begun::Replayed(first) => return Ok((first, false)),
        Begun::Fresh(tx) => tx,
    };
    ensure_settings(&mut tx, service.provider_id, now).await?;
    lock_provider(&mut tx, service.provider_id).await?;
    // Counted under the provider's lock: a customer can't block a
    // provider's calendar with requests nobody answered yet.
    let (open,): (i64,) = sqlx::query_as(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM bookings \
         WHERE provider_id = $1 AND customer_id = $2 AND status = 'requested'",
    )
    .bind(service.provider_id)
    .bind(user.id)
    .fetch_one(&mut *tx)
    .await?;
    if open >= state.config.services.max_open_requests {
        return Err(AppError::Conflict(format!(
            "You have {open} requests waiting for this provider's answer. \
             Wait for an answer, or cancel one, before asking again."
        )));
    }
    let (rules, settings) =
        schedule::rules(&mut tx, service.provider_id, service.duration_min).await?;
    check_start(&rules, req.starts_at, now)?;
    let ends_at = req.starts_at + service.duration_min * MINUTE;
    let blocked_until = ends_at + settings.buffer_min * MINUTE;
    let inserted: Result<Option<(i64,)>, sqlx::Error> = sqlx::query_as(&format!(
        "INSERT INTO bookings (service_id, provider_id, customer_id, starts_at, ends_at, blocked_until, \
         status, price_cents, currency, address, notes, cancel_window_hours, created_at, updated_at) \
         SELECT $1, $2, $3, $4, $5, $6, 'requested', $7, $8, $9, $10, $12, $11, $11 \
         WHERE NOT EXISTS (SELECT 1 FROM bookings x WHERE x.provider_id = $2 \
            AND x.status IN {ACTIVE} AND x.starts_at < $6 AND $4 < x.blocked_until) \
         RETURNING id"
    ))
    .bind(service.id)
    .bind(service.provider_id)
    .bind(user.id)
    .bind(req.starts_at)
    .bind(ends_at)
    .bind(blocked_until)
    .bind(service.price_cents)
    .bind(&service.currency)
    .bind(&address)
    .bind(&notes)
    .bind(now)
    .bind(settings.cancel_window_hours)
    .fetch_optional(&mut *tx)
    .await;
    let id = match inserted {
        Ok(Some((id,))) => id,
        Ok(None) => return Err(taken()),
        Err(e) if ONE_PER_START.broken_by(&e) => return Err(taken()),
        Err(e) => return Err(AppError::from(e)),
    };
    record(&mut tx, id, "requested", Some(user.id), "", now).await?;
    let r = row(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::internal("a new booking vanished"))?;
    let view = full_view(state, &mut tx, user, r.clone()).await?;
    idempotency::commit(tx, request.as_ref(), &view).await?;
    tracing::info!(
        booking_id = id,
        provider_id = r.provider_id,
        "booking requested"
    );
    announce(state, &r);
    state.live.notify_user(
        r.provider_id,
        Notice::NewBooking {
            booking_id: id,
            service_title: r.service_title.clone(),
            customer_name: r.customer_name.clone(),
            when_label: time::when_label(
                r.starts_at,
                Some(r.ends_at),
                r.timezone.as_deref().unwrap_or("UTC"),
            ),
        },
    );
    Ok((view, true))
}

async fn lock_provider(tx: &mut sqlx::AnyConnection, provider_id: i64) -> Result<(), AppError> {
    sqlx::query("UPDATE provider_settings SET lock_seq = lock_seq + 1 WHERE provider_id = $1")
        .bind(provider_id)
        .execute(tx)
        .await?;
    Ok(())
}

/// 409 unless `start` is one of the schedule's starts, after the notice
/// and inside the horizon.
fn check_start(rules: &super::slots::Rules, start: i64, now: i64) -> Result<(), AppError> {
    if start < now + rules.min_notice_min * MINUTE {
        return Err(AppError::Conflict(format!(
            "Bookings need {} minutes' notice. Pick a later time.",
            rules.min_notice_min
        )));
    }
    if start >= now + rules.horizon_days * 24 * 60 * MINUTE {
        return Err(AppError::Conflict(format!(
            "Bookings open {} days ahead. Pick an earlier time.",
            rules.horizon_days
        )));
    }
    if !rules.in_schedule(start) {
        return Err(AppError::Conflict(
            "The provider doesn't work at that time. Pick one of the free times.".into(),
        ));
    }
    Ok(())
}

async fn record(
    tx: &mut sqlx::AnyConnection,
    booking_id: i64,
    status: &str,
    actor: Option<i64>,
    note: &str,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO booking_history (booking_id, status, actor_id, note, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(booking_id)
    .bind(status)
    .bind(actor)
    .bind(note)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

/// Tells both parties, the booking's topic and the provider's schedule.
fn announce(state: &AppState, r: &BookingRow) {
    let notice = Notice::BookingChanged {
        booking_id: r.id,
        status: r.status.to_string(),
    };
    state.live.notify_user(r.customer_id, notice.clone());
    state.live.notify_user(r.provider_id, notice);
    state
        .live
        .publish_everywhere(Topic::Booking(r.id), r.live());
    state.live.schedule_changed(r.provider_id, r.updated_at);
}

/// Moves a booking along its status flow. Illegal moves, the wrong side
/// and a closed cancellation window are 409/403; a race with another
/// change is a 409 too (the status is compared in the update).
pub async fn act(
    state: &AppState,
    user: &AuthUser,
    id: BookingId,
    action: BookingAction,
    reason: &str,
) -> Result<BookingView, AppError> {
    let reason = check_reason(reason)?;
    let current = visible_row(state, user, id).await?;
    let from = current.status();
    let to = action.target();
    let now = now_millis();
    let provider_side = current.acts_as_provider(user);
    if action == BookingAction::OnMyWay {
        if user.id != current.provider_id {
            return Err(AppError::Forbidden);
        }
        if from != BookingStatus::Confirmed || current.en_route_at.is_some() {
            return Err(AppError::Conflict(format!(
                "Only a confirmed booking can be on its way (this one is {}).",
                from.label().to_lowercase()
            )));
        }
    } else {
        let Some(mover) = from.next(to) else {
            return Err(AppError::Conflict(format!(
                "A {} booking can't become {}.",
                from.label().to_lowercase(),
                to.label().to_lowercase()
            )));
        };
        if mover == Mover::Provider && !provider_side {
            return Err(AppError::Forbidden);
        }
        if to == BookingStatus::Cancelled {
            if provider_side {
                if now >= current.starts_at {
                    return Err(AppError::Conflict(
                        "This booking has started; it can't be cancelled now.".into(),
                    ));
                }
                if reason.is_empty() {
                    return Err(AppError::bad_request(
                        "reason",
                        "Tell the customer why you cancel.",
                    ));
                }
            } else if now >= current.cancel_until() {
                return Err(AppError::Conflict(format!(
                    "Cancellations close {} hours before the start; this one can't be cancelled now.",
                    current.cancel_window_hours
                )));
            }
        }
    }
    let mut tx = state.db.pool().begin().await?;
    let changed = if action == BookingAction::OnMyWay {
        sqlx::query(
            "UPDATE bookings SET en_route_at = $2, updated_at = $2 \
             WHERE id = $1 AND status = 'confirmed' AND en_route_at IS NULL",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await
    } else {
        // Leaving the under-way states forgets the shared position.
        let clears = matches!(
            to,
            BookingStatus::Completed | BookingStatus::Cancelled | BookingStatus::Declined
        );
        sqlx::query(&format!(
            "UPDATE bookings SET status = $2, updated_at = $3, \
             cancel_reason = CASE WHEN $4 = '' THEN cancel_reason ELSE $4 END{} \
             WHERE id = $1 AND status = $5",
            if clears {
                ", location_lat = NULL, location_lng = NULL, location_accuracy_m = NULL, location_at = NULL"
            } else {
                ""
            }
        ))
        .bind(id)
        .bind(to.as_str())
        .bind(now)
        .bind(if clears { reason.as_str() } else { "" })
        .bind(from.as_str())
        .execute(&mut *tx)
        .await
    }?;
    if changed.rows_affected() != 1 {
        return Err(AppError::Conflict(
            "This booking changed meanwhile. Reload to see it.".into(),
        ));
    }
    let step = if action == BookingAction::OnMyWay {
        "on_my_way"
    } else {
        to.as_str()
    };
    record(&mut tx, id.get(), step, Some(user.id), &reason, now).await?;
    let r = row(&mut tx, id.get())
        .await?
        .ok_or_else(|| AppError::NotFound("That booking".into()))?;
    tx.commit().await?;
    tracing::info!(booking_id = id.get(), status = step, "booking changed");
    announce(state, &r);
    full_view(state, &mut *state.db.pool().acquire().await?, user, r).await
}

/// Moves a booking to another free start, atomically: under the provider's
/// lock, the new time must be clear of every other active booking. The
/// provider confirms the new time again (it goes back to `requested`).
pub async fn reschedule(
    state: &AppState,
    user: &AuthUser,
    id: BookingId,
    starts_at: i64,
) -> Result<BookingView, AppError> {
    let current = visible_row(state, user, id).await?;
    if user.id != current.customer_id {
        return Err(AppError::Forbidden);
    }
    let now = now_millis();
    if !matches!(
        current.status(),
        BookingStatus::Requested | BookingStatus::Confirmed
    ) {
        return Err(AppError::Conflict(format!(
            "A {} booking can't be moved.",
            current.status().label().to_lowercase()
        )));
    }
    if now >= current.cancel_until() {
        return Err(AppError::Conflict(
            "It's too close to the start to move this booking.".into(),
        ));
    }
    let duration = (current.ends_at - current.starts_at) / MINUTE;
    let mut tx = state.db.pool().begin().await?;
    lock_provider(&mut tx, current.provider_id).await?;
    let (rules, settings) = schedule::rules(&mut tx, current.provider_id, duration).await?;
    check_start(&rules, starts_at, now)?;
    let ends_at = starts_at + duration * MINUTE;
    let blocked_until = ends_at + settings.buffer_min * MINUTE;
    let moved = sqlx::query(&format!(
        "UPDATE bookings SET starts_at = $2, ends_at = $3, blocked_until = $4, updated_at = $5, \
         status = 'requested', en_route_at = NULL, location_lat = NULL, location_lng = NULL, \
         location_accuracy_m = NULL, location_at = NULL \
         WHERE id = $1 AND status IN ('requested', 'confirmed') \
         AND NOT EXISTS (SELECT 1 FROM bookings x WHERE x.provider_id = $6 AND x.id <> $1 \
            AND x.status IN {ACTIVE} AND x.starts_at < $4 AND $2 < x.blocked_until)"
    ))
    .bind(id)
    .bind(starts_at)
    .bind(ends_at)
    .bind(blocked_until)
    .bind(now)
    .bind(current.provider_id)
    .execute(&mut *tx)
    .await;
    match moved {
        Ok(done) if done.rows_affected() == 1 => {}
        Ok(_) => return Err(taken()),
        Err(e) if ONE_PER_START.broken_by(&e) => return Err(taken()),
        Err(e) => return Err(AppError::from(e)),
    }
    let zone = current.timezone.clone().unwrap_or_else(|| "UTC".into());
    let note = format!(
        "From {} to {}",
        time::label(current.starts_at, &zone),
        time::label(starts_at, &zone)
    );
    record(&mut tx, id.get(), "rescheduled", Some(user.id), &note, now).await?;
    let r = row(&mut tx, id.get())
        .await?
        .ok_or_else(|| AppError::NotFound("That booking".into()))?;
    tx.commit().await?;
    announce(state, &r);
    full_view(state, &mut *state.db.pool().acquire().await?, user, r).await
}

/// The provider shares where they are (degrees, from a form or the JSON
/// API); only while the booking is under way. Returns the booking as the
/// provider now sees it.
pub async fn share_location(
    state: &AppState,
    user: &AuthUser,
    id: BookingId,
    lat: f64,
    lng: f64,
    accuracy_m: f64,
) -> Result<BookingView, AppError> {
    if !(-90.0..=90.0).contains(&lat) || !lat.is_finite() {
        return Err(AppError::bad_request(
            "lat",
            "lat is a latitude from -90 to 90.",
        ));
    }
    if !(-180.0..=180.0).contains(&lng) || !lng.is_finite() {
        return Err(AppError::bad_request(
            "lng",
            "lng is a longitude from -180 to 180.",
        ));
    }
    let accuracy = if accuracy_m.is_finite() {
        accuracy_m.clamp(0.0, ACCURACY_MAX_M as f64).round() as i64
    } else {
        0
    };
    let at = LivePosition {
        lat_e6: (lat * 1e6).round() as i64,
        lng_e6: (lng * 1e6).round() as i64,
        accuracy_m: accuracy,
        at: now_millis(),
    };
    report_position(state, user, id, at).await?;
    get_booking(state, user, id).await
}

/// Largest accuracy radius kept, in metres.
const ACCURACY_MAX_M: i64 = 100_000;

/// Stores the provider's position on a booking that is under way (the
/// latest only; erased when the booking ends) and publishes it on the
/// booking's topic. One statement on the way there, whatever the path
/// (the socket's location pings, or `share_location`): it changes nothing
/// unless the booking is the provider's and under way.
pub async fn report_position(
    state: &AppState,
    user: &AuthUser,
    id: BookingId,
    at: LivePosition,
) -> Result<(), AppError> {
    if !(-90_000_000..=90_000_000).contains(&at.lat_e6) {
        return Err(AppError::bad_request(
            "lat",
            "lat is a latitude from -90 to 90.",
        ));
    }
    if !(-180_000_000..=180_000_000).contains(&at.lng_e6) {
        return Err(AppError::bad_request(
            "lng",
            "lng is a longitude from -180 to 180.",
        ));
    }
    let at = LivePosition {
        accuracy_m: at.accuracy_m.clamp(0, ACCURACY_MAX_M),
        ..at
    };
    let shared: Option<(String, Option<i64>)> = sqlx::query_as(
        "UPDATE bookings SET location_lat = $2, location_lng = $3, location_accuracy_m = $4, \
         location_at = $5, updated_at = $5 WHERE id = $1 AND provider_id = $6 \
         AND (status = 'in_progress' OR (status = 'confirmed' AND en_route_at IS NOT NULL)) \
         RETURNING status, en_route_at",
    )
    .bind(id)
    .bind(at.lat_e6)
    .bind(at.lng_e6)
    .bind(at.accuracy_m)
    .bind(at.at)
    .bind(user.id)
    .fetch_optional(state.db.pool())
    .await?;
    let Some((status, en_route_at)) = shared else {
        // Refused: say why (only now is the booking read).
        let current = visible_row(state, user, id).await?;
        return Err(if user.id != current.provider_id {
            AppError::Forbidden
        } else {
            AppError::Conflict(
                "Location is shared only while you're on your way or the job is in progress."
                    .into(),
            )
        });
    };
    state.live.publish_everywhere(
        Topic::Booking(id.get()),
        Payload::Booking {
            booking_id: id.get(),
            status,
            en_route: en_route_at.is_some(),
            position: Some(at),
            updated_at: at.at,
        },
    );
    Ok(())
}

/// Which bookings a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Customer,
    Provider,
}

/// The person's bookings as customer or provider, soonest first (upcoming
/// and active), then the rest newest first.
pub async fn list(
    state: &AppState,
    user: &AuthUser,
    side: Side,
) -> Result<Vec<BookingView>, AppError> {
    let column = match side {
        Side::Customer => "b.customer_id",
        Side::Provider => "b.provider_id",
    };
    let rows: Vec<BookingRow> = sqlx::query_as(&format!(
        "{BOOKING_SELECT} WHERE {column} = $1 ORDER BY \
         CASE WHEN b.status IN {ACTIVE} THEN 0 ELSE 1 END, \
         CASE WHEN b.status IN {ACTIVE} THEN b.starts_at ELSE -b.starts_at END LIMIT 200"
    ))
    .bind(user.id)
    .fetch_all(state.db.pool())
    .await?;
    let now = now_millis();
    Ok(rows
        .iter()
        .map(|r| r.view(user, now, Vec::new(), false))
        .collect())
}

/// The chat thread of a booking, for its customer and provider (made on
/// first use).
pub async fn thread(
    state: &AppState,
    user: &AuthUser,
    booking_id: BookingId,
) -> Result<crate::chat::model::RoomView, AppError> {
    let booking = visible_row(state, user, booking_id).await?;
    let about = crate::chat::rooms::Thread {
        kind: crate::chat::model::RoomKind::Booking,
        id: booking_id.get(),
        title: &booking.service_title,
        parties: [booking.customer_id, booking.provider_id],
    };
    crate::chat::rooms::thread(state, user, about).await
}
