//! Tickets: one per confirmed seat, with an unguessable code shown as a QR
//! code; check-in at the door (idempotent, race-free); calendar files.

use super::model::{CheckInOutcome, EventStatus, TicketStatus, TicketView};
use super::rows::EventRow;
use crate::accounts::model::Role;
use crate::accounts::service::AuthUser;
use crate::error::AppError;
use crate::kernel::ids::EventId;
use crate::kernel::time;
use crate::kernel::time::now_millis;
use crate::state::AppState;

#[derive(Debug, Clone, sqlx::FromRow)]
struct TicketRow {
    code: String,
    order_id: i64,
    event_id: i64,
    event_name: String,
    starts_at: i64,
    ends_at: Option<i64>,
    timezone: String,
    venue: String,
    organizer_id: i64,
    tier_name: String,
    user_id: i64,
    holder_name: String,
    status: TicketStatus,
    checked_in_at: Option<i64>,
    checked_in_by: Option<i64>,
}

const TICKET_SELECT: &str = "SELECT k.code, k.order_id, k.event_id, e.name AS event_name, \
     e.starts_at, e.ends_at, e.timezone, e.venue, e.organizer_id, t.name AS tier_name, k.user_id, \
     u.display_name AS holder_name, k.status, k.checked_in_at, k.checked_in_by \
     FROM tickets k JOIN events e ON e.id = k.event_id JOIN ticket_tiers t ON t.id = k.tier_id \
     JOIN users u ON u.id = k.user_id";

impl TicketRow {
    fn view(&self) -> TicketView {
        TicketView {
            code: self.code.clone(),
            order_id: self.order_id,
            event_id: self.event_id,
            event_name: self.event_name.clone(),
            when_label: time::when_label(self.starts_at, self.ends_at, &self.timezone),
            venue: self.venue.clone(),
            tier_name: self.tier_name.clone(),
            holder_name: self.holder_name.clone(),
            status: self.status,
            checked_in_at: self.checked_in_at,
            qr_svg: String::new(),
        }
    }

    fn visible_to(&self, user: &AuthUser) -> bool {
        user.id == self.user_id || user.id == self.organizer_id || user.role == Role::Admin
    }
}

/// The code as a QR image (SVG markup).
pub fn qr_svg(code: &str) -> String {
    crate::kernel::qr::svg(code)
}

/// Draws each ticket's QR image, for a page that shows the tickets. Not
/// drawn otherwise: an image takes longer to make than the rest of an order
/// (a fifth of a seed client's order from a lock was spent drawing images
/// it never used).
pub fn draw_qr(tickets: &mut [TicketView]) {
    for ticket in tickets.iter_mut().filter(|t| t.qr_svg.is_empty()) {
        ticket.qr_svg = qr_svg(&ticket.code);
    }
}

pub async fn tickets_of_orders(
    state: &AppState,
    order_ids: &[i64],
) -> Result<Vec<TicketView>, AppError> {
    if order_ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=order_ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "{TICKET_SELECT} WHERE k.order_id IN ({}) ORDER BY k.id",
        placeholders.join(", ")
    );
    let mut query = sqlx::query_as::<_, TicketRow>(&sql);
    for id in order_ids {
        query = query.bind(*id);
    }
    let rows = query.fetch_all(state.db.pool()).await?;
    Ok(rows.iter().map(TicketRow::view).collect())
}

/// The user's valid tickets, soonest event first.
pub async fn my_tickets(state: &AppState, user: &AuthUser) -> Result<Vec<TicketView>, AppError> {
    let sql = format!(
        "{TICKET_SELECT} WHERE k.user_id = $1 AND k.status = 'valid' ORDER BY e.starts_at, k.id"
    );
    let rows: Vec<TicketRow> = sqlx::query_as(&sql)
        .bind(user.id)
        .fetch_all(state.db.pool())
        .await?;
    Ok(rows.iter().map(TicketRow::view).collect())
}

/// One ticket, for its holder, its organizer or an admin (else 404).
pub async fn ticket(state: &AppState, user: &AuthUser, code: &str) -> Result<TicketView, AppError> {
    let sql = format!("{TICKET_SELECT} WHERE k.code = $1");
    let row: Option<TicketRow> = sqlx::query_as(&sql)
        .bind(code.trim().to_lowercase())
        .fetch_optional(state.db.pool())
        .await?;
    row.filter(|r| r.visible_to(user))
        .map(|r| r.view())
        .ok_or_else(|| AppError::NotFound("This ticket".into()))
}

/// Checks a ticket in at the door of `event_id`. One conditional update
/// decides it, so two scanners racing on one ticket can't both admit it.
pub async fn check_in(
    state: &AppState,
    user: &AuthUser,
    event_id: EventId,
    code: &str,
) -> Result<CheckInOutcome, AppError> {
    let event: EventRow = super::catalog::managed_event(state, user, event_id).await?;
    let code = code.trim().to_lowercase();
    if code.is_empty() || code.len() > 64 {
        return Ok(CheckInOutcome::Invalid);
    }
    let now = now_millis();
    let admitted = sqlx::query(
        "UPDATE tickets SET checked_in_at = $1, checked_in_by = $2, updated_at = $1 \
         WHERE code = $3 AND event_id = $4 AND status = 'valid' AND checked_in_at IS NULL",
    )
    .bind(now)
    .bind(user.id)
    .bind(&code)
    .bind(event_id)
    .execute(state.db.pool())
    .await?;
    if admitted.rows_affected() == 1 {
        tracing::info!(event_id = event_id.get(), "ticket checked in");
    }
    classify(state, user, &event, &code, admitted.rows_affected() == 1).await
}

/// What a code means at this event's door, read only: for the check-in
/// page, which shows the answer after the form has been posted. "Valid"
/// only for a ticket this user admitted in the last minute when the page
/// says it just did; anything else reads as it is in the database.
pub async fn door_status(
    state: &AppState,
    user: &AuthUser,
    event_id: EventId,
    code: &str,
    just_admitted: bool,
) -> Result<CheckInOutcome, AppError> {
    let event: EventRow = super::catalog::managed_event(state, user, event_id).await?;
    let code = code.trim().to_lowercase();
    if code.is_empty() || code.len() > 64 {
        return Ok(CheckInOutcome::Invalid);
    }
    classify(state, user, &event, &code, just_admitted).await
}

async fn classify(
    state: &AppState,
    user: &AuthUser,
    event: &EventRow,
    code: &str,
    just_admitted: bool,
) -> Result<CheckInOutcome, AppError> {
    let sql = format!("{TICKET_SELECT} WHERE k.code = $1");
    let row: Option<TicketRow> = sqlx::query_as(&sql)
        .bind(code)
        .fetch_optional(state.db.pool())
        .await?;
    let Some(row) = row else {
        return Ok(CheckInOutcome::Invalid);
    };
    Ok(if row.event_id != event.id {
        CheckInOutcome::OtherEvent {
            event_name: row.event_name,
        }
    } else if row.status != TicketStatus::Valid {
        CheckInOutcome::Void
    } else {
        match row.checked_in_at {
            None => CheckInOutcome::NotCheckedIn {
                holder: row.holder_name,
                tier: row.tier_name,
            },
            Some(at)
                if just_admitted
                    && row.checked_in_by == Some(user.id)
                    && now_millis() - at < 60_000 =>
            {
                CheckInOutcome::Valid {
                    holder: row.holder_name,
                    tier: row.tier_name,
                }
            }
            Some(at) => CheckInOutcome::AlreadyCheckedIn {
                holder: row.holder_name,
                tier: row.tier_name,
                at,
                at_label: time::label(at, &event.timezone),
            },
        }
    })
}

fn ics_text(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace(['\r', '\n'], " ")
}

/// An iCalendar file for the event (RFC 5545), times in UTC.
pub fn ics(event: &EventRow, site: &str) -> String {
    let end = event.ends_at.unwrap_or(event.starts_at + 2 * 3_600_000);
    let lines = [
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        "PRODID:-//Marquee//Tickets//EN".to_string(),
        "CALSCALE:GREGORIAN".to_string(),
        "BEGIN:VEVENT".to_string(),
        format!("UID:event-{}@marquee", event.id),
        format!("DTSTAMP:{}", time::ics_stamp(event.updated_at)),
        format!("DTSTART:{}", time::ics_stamp(event.starts_at)),
        format!("DTEND:{}", time::ics_stamp(end)),
        format!("SUMMARY:{}", ics_text(&event.name)),
        format!("LOCATION:{}", ics_text(&event.venue)),
        format!(
            "DESCRIPTION:{}",
            ics_text(&event.description.chars().take(500).collect::<String>())
        ),
        format!("URL:{site}/events/{}", event.id),
        if event.status == EventStatus::Cancelled {
            "STATUS:CANCELLED".to_string()
        } else {
            "STATUS:CONFIRMED".to_string()
        },
        "END:VEVENT".to_string(),
        "END:VCALENDAR".to_string(),
    ];
    let mut out = lines.join("\r\n");
    out.push_str("\r\n");
    out
}

/// A CSV field, quoted when it must be; a leading `=`, `+`, `-` or `@` is
/// neutralised so spreadsheets don't run it as a formula.
pub fn csv_field(value: &str) -> String {
    let value = if value
        .trim_start_matches([' ', '\t', '\r', '\n'])
        .starts_with(['=', '+', '-', '@'])
        || value.starts_with(['\t', '\r'])
    {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

pub fn csv_line(fields: &[String]) -> String {
    let mut line = fields
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

/// Attendees of an event (one line per ticket), for its organizer.
pub async fn attendees_csv(
    state: &AppState,
    user: &AuthUser,
    event_id: EventId,
) -> Result<String, AppError> {
    super::catalog::managed_event(state, user, event_id).await?;
    type Line = (String, String, String, String, String, Option<i64>, i64);
    let rows: Vec<Line> = sqlx::query_as(
        "SELECT k.code, u.display_name, u.email, t.name, k.status, k.checked_in_at, k.order_id \
         FROM tickets k JOIN users u ON u.id = k.user_id JOIN ticket_tiers t ON t.id = k.tier_id \
         WHERE k.event_id = $1 ORDER BY k.id",
    )
    .bind(event_id)
    .fetch_all(state.db.pool())
    .await?;
    let mut out = csv_line(&[
        "ticket".into(),
        "name".into(),
        "email".into(),
        "tier".into(),
        "status".into(),
        "checked_in_at".into(),
        "order".into(),
    ]);
    for (code, name, email, tier, status, checked, order) in rows {
        out.push_str(&csv_line(&[
            code,
            name,
            email,
            tier,
            status,
            checked.map(time::iso).unwrap_or_default(),
            order.to_string(),
        ]));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qr_codes_are_svg() {
        let svg = qr_svg("0123456789abcdefghjkmnpqrs");
        assert!(svg.contains("<svg"), "{svg}");
        assert!(svg.contains("#0f172a"));
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(csv_field(" @cmd"), "' @cmd");
        assert_eq!(csv_field("\tx"), "'\tx");
    }

    #[test]
    fn calendar_text_is_escaped() {
        assert_eq!(ics_text("a,b;c\nd"), "a\\,b\\;c d");
    }
}
