//! Events and their ticket tiers: listing, reading, creating, editing,
//! cancelling and deleting.

use std::sync::Arc;

use sqlx::{Any, Transaction};

use super::cache::{Listing, Snapshot};
use super::model::{
    EventDraft, EventFields, EventInput, EventList, EventQuery, EventStatus, EventView, PAGE_SIZE,
    PaymentMethod, TierFields, check_text, parse_capacity, parse_fee_pct,
};
use super::rows::{EVENT_SELECT, EventRow, event_row, event_view, held_now, tiers_of};
use crate::accounts::model::Role;
use crate::accounts::service::AuthUser;
use crate::error::AppError;
use crate::kernel::db::{Arg, bind_all, like_pattern};
use crate::kernel::ids::EventId;
use crate::kernel::money::{Cents, Limits};
use crate::kernel::text::parse_cover_url;
use crate::kernel::time;
use crate::kernel::time::now_millis;
use crate::state::AppState;

/// The event if this viewer may see it (drafts only to their organizer).
pub async fn get_event(
    state: &AppState,
    viewer: Option<&AuthUser>,
    id: EventId,
) -> Result<EventView, AppError> {
    let now = now_millis();
    let event = visible_snapshot(state, viewer, id, now).await?;
    Ok(event_view(&event.row, &event.tiers, now, viewer))
}

/// The event as kept by the cache (seats counted as of `now`) if `viewer`
/// may see it; 404 if not.
pub async fn visible_snapshot(
    state: &AppState,
    viewer: Option<&AuthUser>,
    id: EventId,
    now: i64,
) -> Result<Arc<Snapshot>, AppError> {
    super::cache::event(state, id.get(), now)
        .await?
        .filter(|e| visible(&e.row, viewer))
        .ok_or_else(|| AppError::NotFound("This event".into()))
}

/// The event if `viewer` may see it: drafts only to their organizer (and admins).
pub async fn visible_row(
    state: &AppState,
    viewer: Option<&AuthUser>,
    id: EventId,
) -> Result<Option<EventRow>, AppError> {
    Ok(event_row(state.db.pool(), id.get())
        .await?
        .filter(|row| visible(row, viewer)))
}

/// Drafts only to their organizer (and admins); the rest to everyone.
fn visible(row: &EventRow, viewer: Option<&AuthUser>) -> bool {
    row.status() != EventStatus::Draft || viewer.is_some_and(|u| row.managed_by(u))
}

/// The event, for someone who must manage it: 404 if missing, 403 if not theirs.
pub async fn managed_event(
    state: &AppState,
    user: &AuthUser,
    id: EventId,
) -> Result<EventRow, AppError> {
    let row = event_row(state.db.pool(), id.get())
        .await?
        .ok_or_else(|| AppError::NotFound("This event".into()))?;
    if !row.managed_by(user) {
        return Err(AppError::Forbidden);
    }
    Ok(row)
}

/// Published events matching the filters, a page at a time.
pub async fn list_events(
    state: &AppState,
    viewer: Option<&AuthUser>,
    query: &EventQuery,
) -> Result<EventList, AppError> {
    let now = now_millis();
    let mut conditions = vec!["e.status = 'published'".to_string()];
    let mut args: Vec<Arg> = Vec::new();
    let mut push = |condition: &str, arg: Arg, args: &mut Vec<Arg>| {
        args.push(arg);
        // `{arg}` (once or more) stands for this condition's own argument.
        conditions.push(condition.replace("{arg}", &format!("${}", args.len())));
    };
    match query.when.as_deref().unwrap_or("upcoming") {
        "upcoming" | "" => push(
            "COALESCE(e.ends_at, e.starts_at) > {arg}",
            Arg::I(now),
            &mut args,
        ),
        "past" => push(
            "COALESCE(e.ends_at, e.starts_at) <= {arg}",
            Arg::I(now),
            &mut args,
        ),
        "all" => {}
        _ => {
            return Err(AppError::bad_request(
                "when",
                "when must be upcoming, past or all.",
            ));
        }
    }
    if let Some(q) = query.q.as_deref().filter(|q| !q.trim().is_empty()) {
        if q.chars().count() > 100 {
            return Err(AppError::bad_request(
                "q",
                "Search for at most 100 characters.",
            ));
        }
        let pattern = like_pattern(q);
        push(
            "(lower(e.name) LIKE {arg} ESCAPE '\\' OR lower(e.venue) LIKE {arg} ESCAPE '\\' \
             OR lower(e.description) LIKE {arg} ESCAPE '\\' OR lower(e.category) LIKE {arg} ESCAPE '\\')",
            Arg::T(pattern),
            &mut args,
        );
    }
    if let Some(category) = query.category.as_deref().filter(|c| !c.trim().is_empty()) {
        push(
            "lower(e.category) = {arg}",
            Arg::T(category.trim().to_lowercase()),
            &mut args,
        );
    }
    if let Some(from) = query.from.as_deref().filter(|d| !d.is_empty()) {
        push(
            "e.starts_at >= {arg}",
            Arg::I(time::parse_day("from", from)?),
            &mut args,
        );
    }
    if let Some(to) = query.to.as_deref().filter(|d| !d.is_empty()) {
        let end = time::parse_day("to", to)? + 86_400_000;
        push("e.starts_at < {arg}", Arg::I(end), &mut args);
    }
    let order = match query.sort.as_deref().unwrap_or("soonest") {
        "soonest" | "" => "e.starts_at ASC, e.id ASC",
        "latest" => "e.starts_at DESC, e.id DESC",
        "newest" => "e.created_at DESC, e.id DESC",
        "name" => "lower(e.name) ASC, e.id ASC",
        _ => {
            return Err(AppError::bad_request(
                "sort",
                "sort must be soonest, latest, newest or name.",
            ));
        }
    };
    let per_page = query.per_page.unwrap_or(PAGE_SIZE).clamp(1, 100);
    let page = query.page.unwrap_or(1).max(1);
    let sql = format!(
        "{EVENT_SELECT} WHERE {} ORDER BY {order} LIMIT {} OFFSET {}",
        conditions.join(" AND "),
        per_page + 1,
        (page - 1).saturating_mul(per_page)
    );
    let read = async {
        let mut rows: Vec<EventRow> = bind_all(sqlx::query_as(&sql), &args)
            .fetch_all(state.db.pool())
            .await?;
        let has_more = rows.len() as i64 > per_page;
        rows.truncate(per_page as usize);
        Ok(Listing { rows, has_more })
    };
    let (listing, catalog) =
        super::cache::listing(state, query, now, read, next_passing(state, now)).await?;
    let events = super::cache::listed_events(state, &listing.rows, catalog, now).await?;
    let events = listing
        .rows
        .iter()
        .map(|row| {
            let tiers = events.get(&row.id).map_or(&[][..], |e| &e.tiers[..]);
            event_view(row, tiers, now, viewer)
        })
        .collect();
    Ok(EventList {
        events,
        page,
        has_more: listing.has_more,
    })
}

/// The first instant after `now` at which a published event passes from
/// upcoming to past (what a listing shows changes then), if any does.
async fn next_passing(state: &AppState, now: i64) -> Result<Option<i64>, AppError> {
    let (next,): (Option<i64>,) = sqlx::query_as(
        "SELECT MIN(COALESCE(ends_at, starts_at)) FROM events \
         WHERE status = 'published' AND COALESCE(ends_at, starts_at) > $1",
    )
    .bind(now)
    .fetch_one(state.db.pool())
    .await?;
    Ok(next)
}

/// The events this organizer runs (all statuses), soonest first.
pub async fn my_events(state: &AppState, user: &AuthUser) -> Result<Vec<EventView>, AppError> {
    let now = now_millis();
    let sql =
        format!("{EVENT_SELECT} WHERE e.organizer_id = $1 ORDER BY e.starts_at DESC, e.id DESC");
    let rows: Vec<EventRow> = sqlx::query_as(&sql)
        .bind(user.id)
        .fetch_all(state.db.pool())
        .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut tiers = tiers_of(state.db.pool(), &ids, now).await?;
    Ok(rows
        .iter()
        .map(|row| {
            event_view(
                row,
                &tiers.remove(&row.id).unwrap_or_default(),
                now,
                Some(user),
            )
        })
        .collect())
}

/// The form, checked: every problem names its field (`tiers.1.price`).
pub fn parse_draft(draft: &EventDraft) -> Result<EventInput, AppError> {
    // The form's fields top down: the text first.
    check_text(
        &draft.name,
        &draft.category,
        &draft.description,
        &draft.venue,
    )?;
    let zone = time::parse_zone("timezone", &draft.timezone)?;
    let starts_at = time::parse_local("starts_at", &draft.starts_at, zone)?;
    let ends_at = match draft.ends_at.trim() {
        "" => None,
        value => Some(time::parse_local("ends_at", value, zone)?),
    };
    let status = match draft.status.as_str() {
        "draft" => EventStatus::Draft,
        _ => EventStatus::Published,
    };
    let mut tiers = Vec::new();
    let mut remove_tiers = Vec::new();
    for (i, tier) in draft.tiers.iter().enumerate() {
        if tier.is_blank() {
            continue;
        }
        let field = |name: &str| format!("tiers.{i}.{name}");
        let id = match tier.id.trim() {
            "" => None,
            v => Some(
                v.parse::<i64>()
                    .map_err(|_| AppError::bad_request(field("id"), "Unknown tier."))?,
            ),
        };
        if tier.remove == "on" {
            if let Some(id) = id {
                remove_tiers.push(id);
            }
            continue;
        }
        tiers.push(TierFields {
            id,
            name: tier.name.clone(),
            description: tier.description.clone(),
            price_cents: Cents::parse(&field("price"), &tier.price, Limits::PRICE)?.get(),
            capacity: parse_capacity(&field("capacity"), &tier.capacity)?,
            active: tier.active == "on" || tier.active == "true",
            sales_start: optional_local(&field("sales_start"), &tier.sales_start, zone)?,
            sales_end: optional_local(&field("sales_end"), &tier.sales_end, zone)?,
        });
    }
    EventInput::parse(EventFields {
        name: draft.name.clone(),
        category: draft.category.clone(),
        description: draft.description.clone(),
        starts_at,
        ends_at,
        timezone: zone.name().to_string(),
        venue: draft.venue.clone(),
        cover_url: parse_cover_url(&draft.cover_url)?,
        status,
        cancellation_fee_pct: Some(parse_fee_pct("cancellation_fee", &draft.cancellation_fee)?),
        payment_method: Some(parse_payment_method(&draft.payment_method)?),
        tiers,
        remove_tiers,
    })
}

/// The form's payment method: empty is the wallet.
fn parse_payment_method(value: &str) -> Result<PaymentMethod, AppError> {
    match value.trim() {
        "" => Ok(PaymentMethod::Wallet),
        value => PaymentMethod::parse(value).ok_or_else(|| {
            AppError::bad_request("payment_method", "Choose the wallet or the door.")
        }),
    }
}

fn optional_local(field: &str, value: &str, zone: chrono_tz::Tz) -> Result<Option<i64>, AppError> {
    match value.trim() {
        "" => Ok(None),
        value => time::parse_local(field, value, zone).map(Some),
    }
}

/// What the input's own checks can't know: a new event starts in the
/// future and has a tier.
fn check_input(input: &EventInput, creating: bool, now: i64) -> Result<(), AppError> {
    if creating && input.starts_at <= now {
        return Err(AppError::bad_request(
            "starts_at",
            "The start must be in the future.",
        ));
    }
    if creating && input.tiers.is_empty() {
        return Err(AppError::bad_request(
            "tiers",
            "Add at least one ticket tier (a name, a price and a number of seats).",
        ));
    }
    Ok(())
}

pub async fn create_event(
    state: &AppState,
    user: &AuthUser,
    input: EventInput,
) -> Result<EventView, AppError> {
    user.require_role(Role::Organizer)?;
    let now = now_millis();
    check_input(&input, true, now)?;
    let mut tx = state.db.pool().begin().await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO events (organizer_id, name, category, description, starts_at, ends_at, \
         timezone, venue, cover_url, status, cancellation_fee_pct, payment_method, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $12, $13, $11, $11) RETURNING id",
    )
    .bind(user.id)
    .bind(input.name.trim())
    .bind(input.category.trim())
    .bind(input.description.trim())
    .bind(input.starts_at)
    .bind(input.ends_at)
    .bind(&input.timezone)
    .bind(input.venue.trim())
    .bind(input.cover_url.as_deref())
    .bind(input.status.as_str())
    .bind(now)
    .bind(input.cancellation_fee_pct.unwrap_or(0))
    .bind(input.payment_method.unwrap_or_default().as_str())
    .fetch_one(&mut *tx)
    .await?;
    for (position, tier) in input.tiers.iter().enumerate() {
        insert_tier(&mut tx, id, tier, position as i64, now).await?;
    }
    tx.commit().await?;
    state.live.touch_catalog();
    tracing::info!(event_id = id, "event created");
    get_event(state, Some(user), EventId::new(id)).await
}

async fn insert_tier(
    tx: &mut Transaction<'_, Any>,
    event_id: i64,
    tier: &TierFields,
    position: i64,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO ticket_tiers (event_id, name, description, price_cents, capacity, status, \
         sales_start, sales_end, position, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
    )
    .bind(event_id)
    .bind(tier.name.trim())
    .bind(tier.description.trim())
    .bind(tier.price_cents)
    .bind(tier.capacity)
    .bind(if tier.active { "active" } else { "inactive" })
    .bind(tier.sales_start)
    .bind(tier.sales_end)
    .bind(position)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Saves the event and its tiers in one transaction. A capacity below the
/// seats already sold or held, or removing a tier that has orders, is a 409
/// and changes nothing.
pub async fn update_event(
    state: &AppState,
    user: &AuthUser,
    id: EventId,
    input: EventInput,
) -> Result<EventView, AppError> {
    let current = managed_event(state, user, id).await?;
    if current.status() == EventStatus::Cancelled {
        return Err(AppError::Conflict(
            "This event was cancelled and can no longer be edited.".into(),
        ));
    }
    let now = now_millis();
    check_input(&input, false, now)?;
    let mut tx = state.db.pool().begin().await?;
    lock_event_tiers(&mut tx, id.get()).await?;
    keep_dates_sold(&mut tx, id.get(), &input).await?;
    let saved = sqlx::query(
        "UPDATE events SET name = $1, category = $2, description = $3, starts_at = $4, \
         ends_at = $5, timezone = $6, venue = $7, cover_url = $8, status = $9, updated_at = $10, \
         cancellation_fee_pct = COALESCE($12, cancellation_fee_pct), \
         payment_method = COALESCE($13, payment_method) \
         WHERE id = $11 AND status <> 'cancelled'",
    )
    .bind(input.name.trim())
    .bind(input.category.trim())
    .bind(input.description.trim())
    .bind(input.starts_at)
    .bind(input.ends_at)
    .bind(&input.timezone)
    .bind(input.venue.trim())
    .bind(input.cover_url.as_deref())
    .bind(input.status.as_str())
    .bind(now)
    .bind(id)
    .bind(input.cancellation_fee_pct)
    .bind(input.payment_method.map(PaymentMethod::as_str))
    .execute(&mut *tx)
    .await?;
    if saved.rows_affected() == 0 {
        return Err(AppError::Conflict(
            "This event was cancelled and can no longer be edited.".into(),
        ));
    }

    for tier_id in &input.remove_tiers {
        let removed = sqlx::query(
            "DELETE FROM ticket_tiers WHERE id = $1 AND event_id = $2 AND sold = 0 \
             AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.tier_id = $1) \
             AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.tier_id = $1 AND h.status = 'active' AND h.expires_at > $3)",
        )
        .bind(tier_id)
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if removed.rows_affected() == 0 {
            return Err(AppError::Conflict(
                "A tier with orders or held seats can't be removed; make it inactive instead."
                    .into(),
            ));
        }
        state
            .singletons
            .get::<super::hold_batch::HoldDesk>()
            .forget(id.get(), Some(*tier_id));
    }
    let base: (i64,) = sqlx::query_as(
        "SELECT CAST(COALESCE(MAX(position), -1) + 1 AS BIGINT) FROM ticket_tiers WHERE event_id = $1",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    let mut next_position = base.0;
    for tier in &input.tiers {
        match tier.id {
            Some(tier_id) => update_tier(&mut tx, id.get(), tier_id, tier, now).await?,
            None => {
                insert_tier(&mut tx, id.get(), tier, next_position, now).await?;
                next_position += 1;
            }
        }
    }
    tx.commit().await?;
    tracing::info!(event_id = id.get(), "event updated");
    // The catalog first: see `cache::listed_events`.
    state.live.touch_catalog();
    state.live.touch_event(id.get());
    get_event(state, Some(user), id).await
}

/// Once anything is sold, an event may move later but never earlier: its
/// buyers agreed to its dates, and its money is paid out after its end.
/// Called under the event's tier locks, which every new order takes too.
async fn keep_dates_sold(
    tx: &mut Transaction<'_, Any>,
    event_id: i64,
    input: &EventInput,
) -> Result<(), AppError> {
    let (starts_at, ends_at, zone, sold): (i64, i64, String, i64) = sqlx::query_as(
        "SELECT starts_at, COALESCE(ends_at, starts_at), timezone, \
         CAST((SELECT COUNT(*) FROM orders o WHERE o.event_id = $1 AND o.status <> 'cancelled') AS BIGINT) \
         FROM events WHERE id = $1",
    )
    .bind(event_id)
    .fetch_one(&mut **tx)
    .await?;
    let new_end = input.ends_at.unwrap_or(input.starts_at);
    if sold == 0 || (input.starts_at >= starts_at && new_end >= ends_at) {
        return Ok(());
    }
    let (field, when) = if input.starts_at < starts_at {
        ("starts_at", time::label(starts_at, &zone))
    } else {
        ("ends_at", time::label(ends_at, &zone))
    };
    Err(AppError::bad_request(
        field,
        format!(
            "Tickets are sold, so the event can't move earlier than {when}. \
             It can move later, or be cancelled (which refunds every buyer)."
        ),
    ))
}

async fn update_tier(
    tx: &mut Transaction<'_, Any>,
    event_id: i64,
    tier_id: i64,
    tier: &TierFields,
    now: i64,
) -> Result<(), AppError> {
    // Take the tier's lock first, so that the check below (a new statement,
    // a fresh snapshot on PostgreSQL) sees every hold committed before it.
    sqlx::query("UPDATE ticket_tiers SET lock_seq = lock_seq + 1 WHERE id = $1 AND event_id = $2")
        .bind(tier_id)
        .bind(event_id)
        .execute(&mut **tx)
        .await?;
    // One statement: the new capacity must cover what is sold and held now.
    let updated = sqlx::query(concat!(
        "UPDATE ticket_tiers AS t SET name = $1, description = $2, price_cents = $3, capacity = $4, \
         status = $5, sales_start = $6, sales_end = $7, updated_at = $8, lock_seq = t.lock_seq + 1 \
         WHERE t.id = $9 AND t.event_id = $10 AND $4 >= t.sold + ",
        held_now!("$8"),
    ))
    .bind(tier.name.trim())
    .bind(tier.description.trim())
    .bind(tier.price_cents)
    .bind(tier.capacity)
    .bind(if tier.active { "active" } else { "inactive" })
    .bind(tier.sales_start)
    .bind(tier.sales_end)
    .bind(now)
    .bind(tier_id)
    .bind(event_id)
    .execute(&mut **tx)
    .await?;
    if updated.rows_affected() == 1 {
        return Ok(());
    }
    let taken: Option<(i64, String)> = sqlx::query_as(concat!(
        "SELECT t.sold + ",
        held_now!("$1"),
        ", t.name FROM ticket_tiers t WHERE t.id = $2 AND t.event_id = $3"
    ))
    .bind(now)
    .bind(tier_id)
    .bind(event_id)
    .fetch_optional(&mut **tx)
    .await?;
    Err(match taken {
        None => AppError::NotFound("That ticket tier".into()),
        Some((taken, name)) => AppError::Conflict(format!(
            "{name}: capacity can't go below the {taken} seats already sold or held."
        )),
    })
}

/// Takes the row locks of all of an event's tiers (the first lock of any
/// transaction that changes the event as a whole).
async fn lock_event_tiers(tx: &mut Transaction<'_, Any>, event_id: i64) -> Result<(), AppError> {
    sqlx::query("UPDATE ticket_tiers SET lock_seq = lock_seq + 1 WHERE event_id = $1")
        .bind(event_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Deletes an event that never sold a ticket; others must be cancelled.
pub async fn delete_event(state: &AppState, user: &AuthUser, id: EventId) -> Result<(), AppError> {
    managed_event(state, user, id).await?;
    let mut tx = state.db.pool().begin().await?;
    // Confirmations take the tier lock too: none is half-way while we look.
    lock_event_tiers(&mut tx, id.get()).await?;
    let deleted = sqlx::query(
        "DELETE FROM events WHERE id = $1 AND NOT EXISTS \
         (SELECT 1 FROM orders o WHERE o.event_id = $1 AND o.status IN ('confirmed', 'completed')) \
         AND NOT EXISTS (SELECT 1 FROM wallet_transactions t JOIN orders o ON o.id = t.order_id \
         WHERE o.event_id = $1 AND t.status <> 'voided')",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if deleted.rows_affected() == 0 {
        return Err(AppError::Conflict(
            "This event has sold tickets or taken payments, so it can't be deleted. Cancel it instead: that cancels its orders and refunds them."
                .into(),
        ));
    }
    tx.commit().await?;
    state
        .singletons
        .get::<super::hold_batch::HoldDesk>()
        .forget(id.get(), None);
    // The catalog first: see `cache::listed_events`.
    state.live.touch_catalog();
    state.live.touch_event(id.get());
    tracing::info!(event_id = id.get(), "event deleted");
    Ok(())
}

/// Cancels the event and, in the same transaction, every open order, hold
/// and ticket of it. Returns how many orders were cancelled.
pub async fn cancel_event(state: &AppState, user: &AuthUser, id: EventId) -> Result<u64, AppError> {
    let row = managed_event(state, user, id).await?;
    if row.status() == EventStatus::Cancelled {
        return Ok(0);
    }
    let now = now_millis();
    // Lock order: tiers, event, holds, orders, tickets (as everywhere).
    let mut tx = state.db.pool().begin().await?;
    lock_event_tiers(&mut tx, id.get()).await?;
    sqlx::query("UPDATE events SET status = 'cancelled', updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE holds SET status = 'released', updated_at = $1 WHERE event_id = $2 AND status = 'active'",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let cancelled: Vec<(i64, i64)> = sqlx::query_as(
        "UPDATE orders SET status = 'cancelled', cancel_reason = 'The event was cancelled.', \
         cancelled_at = $1, updated_at = $1 WHERE event_id = $2 AND status IN ('pending', 'confirmed') \
         RETURNING id, user_id",
    )
    .bind(now)
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let orders = cancelled.len() as u64;
    for sql in [
        "UPDATE tickets SET status = 'void', updated_at = $1 WHERE event_id = $2",
        "UPDATE ticket_tiers SET sold = 0, updated_at = $1 WHERE event_id = $2",
    ] {
        sqlx::query(sql)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    // Every buyer gets their money back in full (pending payments are
    // voided). All the accounts involved are locked first, in id order, so
    // this never deadlocks with a transfer between two of the buyers.
    let accounts: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT t.debit_account_id, t.credit_account_id FROM wallet_transactions t \
         JOIN orders o ON o.id = t.order_id \
         WHERE o.event_id = $1 AND t.kind = 'payment' AND t.status IN ('pending', 'posted')",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let accounts: Vec<i64> = accounts.into_iter().flat_map(|(d, c)| [d, c]).collect();
    crate::wallet::ledger::lock_accounts(&mut tx, &accounts, now).await?;
    for (order_id, _) in &cancelled {
        crate::wallet::payments::unwind_order(&mut tx, *order_id, 0, now).await?;
    }
    tx.commit().await?;
    tracing::info!(event_id = id.get(), orders, "event cancelled");
    for (_, buyer) in &cancelled {
        crate::wallet::service::announce(state, *buyer);
    }
    crate::wallet::service::announce(state, row.organizer_id);
    // The catalog first: see `cache::listed_events`.
    state.live.touch_catalog();
    state.live.touch_event(id.get());
    Ok(orders)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::model::TierDraft;

    fn draft() -> EventDraft {
        EventDraft {
            name: "Jazz night".into(),
            category: "Music".into(),
            starts_at: "2030-05-01T20:00".into(),
            timezone: "Europe/Paris".into(),
            tiers: vec![
                TierDraft {
                    name: "General".into(),
                    price: "25".into(),
                    capacity: "100".into(),
                    active: "on".into(),
                    ..Default::default()
                },
                TierDraft::default(),
            ],
            ..Default::default()
        }
    }

    #[test]
    fn a_draft_becomes_input_and_blank_tier_rows_are_skipped() {
        let input = parse_draft(&draft()).unwrap();
        assert_eq!(input.tiers.len(), 1);
        assert_eq!(input.tiers[0].price_cents, 2500);
        assert!(input.tiers[0].active);
        assert_eq!(time::iso(input.starts_at), "2030-05-01T18:00:00.000Z");
    }

    #[test]
    fn tier_errors_name_the_row_and_field() {
        let mut d = draft();
        d.tiers[0].capacity = "lots".into();
        let err = parse_draft(&d).unwrap_err();
        assert!(
            matches!(err, AppError::BadRequest { field: Some(ref f), .. } if f == "tiers.0.capacity"),
            "{err:?}"
        );
    }
}
