//! The bookings part of the background sweep: a request nobody answered
//! before its start is declined, and a booking whose appointment ended
//! more than 12 hours ago is closed as completed (so its customer can
//! review it even if the provider never pressed "completed").

use crate::kernel::db::Db;
use crate::kernel::time::now_millis;

/// How long after its end a confirmed or started booking closes by itself.
const CLOSE_AFTER_MS: i64 = 12 * 3_600_000;

/// A booking the sweep moved: its id and its two parties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub booking_id: i64,
    pub customer_id: i64,
    pub provider_id: i64,
}

pub async fn sweep_bookings(db: &Db) -> Result<Vec<Swept>, sqlx::Error> {
    let now = now_millis();
    let mut tx = db.pool().begin().await?;
    let mut swept = Vec::new();
    let steps = [
        (
            "declined",
            "Not confirmed before the start.",
            "UPDATE bookings SET status = 'declined', cancel_reason = 'Not confirmed before the start.', \
             updated_at = $1 WHERE status = 'requested' AND starts_at <= $1 \
             RETURNING id, customer_id, provider_id",
        ),
        (
            "completed",
            "Closed automatically after the appointment.",
            "UPDATE bookings SET status = 'completed', updated_at = $1, location_lat = NULL, \
             location_lng = NULL, location_accuracy_m = NULL, location_at = NULL \
             WHERE status IN ('confirmed', 'in_progress') AND ends_at <= $1 - $2 \
             RETURNING id, customer_id, provider_id",
        ),
    ];
    for (status, note, sql) in steps {
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(sql)
            .bind(now)
            .bind(CLOSE_AFTER_MS)
            .fetch_all(&mut *tx)
            .await?;
        for (booking_id, customer_id, provider_id) in rows {
            sqlx::query(
                "INSERT INTO booking_history (booking_id, status, actor_id, note, created_at) \
                 VALUES ($1, $2, NULL, $3, $4)",
            )
            .bind(booking_id)
            .bind(status)
            .bind(note)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            swept.push(Swept {
                booking_id,
                customer_id,
                provider_id,
            });
        }
    }
    tx.commit().await?;
    Ok(swept)
}

/// One sweep of bookings, and the news of it to both sides and the
/// bookings' topics.
pub async fn sweep_and_tell(db: &Db, hub: &crate::live::hub::Hub) {
    match sweep_bookings(db).await {
        Ok(swept) => {
            for s in swept {
                if let Ok(Some(row)) = super::bookings::row_of(db, s.booking_id).await {
                    let notice = crate::live::protocol::Notice::BookingChanged {
                        booking_id: s.booking_id,
                        status: row.status.to_string(),
                    };
                    hub.notify_user(s.customer_id, notice.clone());
                    hub.notify_user(s.provider_id, notice);
                    hub.publish_everywhere(
                        crate::live::protocol::Topic::Booking(s.booking_id),
                        row.live(),
                    );
                    hub.schedule_changed(s.provider_id, row.updated_at);
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "bookings sweep failed; will retry"),
    }
}
