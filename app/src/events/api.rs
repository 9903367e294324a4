//! Server functions of ticketing (under /rpc/events/…). Thin: they read the
//! request's user, call the service, and redirect where a form post should
//! land. The JSON API in the server crate calls the same services.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::model::{
    CheckInOutcome, Dashboard, EventDraft, EventList, EventQuery, EventView, HoldView, OrderView,
    TicketView,
};
use crate::chat::model::OpenedRoom;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::kernel::ids::{EventId, OrderId, RoomId, TierId};

#[cfg(feature = "ssr")]
use super::tickets::draw_qr;
#[cfg(feature = "ssr")]
use crate::accounts::rpc;

#[server(prefix = "/rpc", endpoint = "events/list")]
pub async fn list_events(query: EventQuery) -> Result<EventList, AppError> {
    rpc::anyone(|state, viewer| async move {
        super::catalog::list_events(&state, viewer.as_ref(), &query).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "events/get")]
pub async fn get_event(id: i64) -> Result<EventView, AppError> {
    rpc::anyone(|state, viewer| async move {
        super::catalog::get_event(&state, viewer.as_ref(), EventId::new(id)).await
    })
    .await
}

/// Holds seats and goes on to the checkout page.
#[server(prefix = "/rpc", endpoint = "events/hold")]
pub async fn hold_seats(tier_id: i64, quantity: i64) -> Result<HoldView, AppError> {
    rpc::signed_in(|state, user| async move {
        let hold = super::holds::hold(&state, &user, TierId::new(tier_id), quantity).await?;
        leptos_axum::redirect(&format!("/checkout/{}", hold.id));
        Ok(hold)
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "events/get_hold")]
pub async fn get_hold(id: String) -> Result<HoldView, AppError> {
    rpc::signed_in(|state, user| async move { super::holds::hold_for(&state, &user, &id).await })
        .await
}

#[server(prefix = "/rpc", endpoint = "events/release")]
pub async fn release_hold(hold_id: String) -> Result<HoldView, AppError> {
    rpc::signed_in(|state, user| async move {
        let hold = super::holds::release(&state, &user, &hold_id).await?;
        leptos_axum::redirect(&format!("/events/{}?released=1", hold.event_id));
        Ok(hold)
    })
    .await
}

/// Turns the hold into a confirmed order, paid from the wallet.
#[server(prefix = "/rpc", endpoint = "events/checkout")]
pub async fn checkout(hold_id: String, notes: String) -> Result<OrderView, AppError> {
    rpc::signed_in(|state, user| async move {
        let mut order = super::orders::checkout(&state, &user, &hold_id, &notes).await?;
        leptos_axum::redirect(&format!("/orders/{}?placed=1", order.id));
        draw_qr(&mut order.tickets);
        Ok(order)
    })
    .await
}

/// The signed-in user's open holds and orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrdersOverview {
    pub holds: Vec<HoldView>,
    pub orders: Vec<OrderView>,
}

#[server(prefix = "/rpc", endpoint = "events/my_orders")]
pub async fn my_orders() -> Result<OrdersOverview, AppError> {
    rpc::signed_in(|state, user| async move {
        Ok(OrdersOverview {
            holds: super::holds::my_holds(&state, &user).await?,
            orders: super::orders::my_orders(&state, &user).await?,
        })
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "events/get_order")]
pub async fn get_order(id: i64) -> Result<OrderView, AppError> {
    rpc::signed_in(|state, user| async move {
        let mut order = super::orders::get_order(&state, &user, OrderId::new(id)).await?;
        draw_qr(&mut order.tickets);
        Ok(order)
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "events/cancel_order")]
pub async fn cancel_order(id: i64, back: String) -> Result<OrderView, AppError> {
    rpc::signed_in(|state, user| async move {
        let order = super::orders::cancel_order(&state, &user, OrderId::new(id)).await?;
        let back = crate::accounts::model::safe_next(&back);
        leptos_axum::redirect(&back);
        Ok(order)
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "events/my_tickets")]
pub async fn my_tickets() -> Result<Vec<TicketView>, AppError> {
    rpc::signed_in(|state, user| async move {
        let mut tickets = super::tickets::my_tickets(&state, &user).await?;
        draw_qr(&mut tickets);
        Ok(tickets)
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "events/mine")]
pub async fn my_events() -> Result<Vec<EventView>, AppError> {
    rpc::signed_in(|state, user| async move {
        user.require_role(crate::accounts::model::Role::Organizer)?;
        super::catalog::my_events(&state, &user).await
    })
    .await
}

/// The event form, filled in: empty for a new event, else the event as saved.
#[server(prefix = "/rpc", endpoint = "events/form")]
pub async fn event_form(id: Option<i64>) -> Result<EventDraft, AppError> {
    use super::model::TierDraft;
    use crate::kernel::time;
    rpc::signed_in(|state, user| async move {
        user.require_role(crate::accounts::model::Role::Organizer)?;
        let Some(id) = id else {
            return Ok(EventDraft {
                category: "Music".into(),
                timezone: "UTC".into(),
                status: "published".into(),
                tiers: vec![TierDraft {
                    name: "General admission".into(),
                    active: "on".into(),
                    ..Default::default()
                }],
                ..Default::default()
            });
        };
        super::catalog::managed_event(&state, &user, EventId::new(id)).await?;
        let event = super::catalog::get_event(&state, Some(&user), EventId::new(id)).await?;
        let zone = event.timezone.clone();
        Ok(EventDraft {
            name: event.name,
            category: event.category,
            description: event.description,
            starts_at: time::local_input(event.starts_at, &event.timezone),
            ends_at: event
                .ends_at
                .map(|e| time::local_input(e, &event.timezone))
                .unwrap_or_default(),
            timezone: event.timezone,
            venue: event.venue,
            cover_url: event.cover_url.unwrap_or_default(),
            status: event.status.as_str().into(),
            cancellation_fee: event.cancellation_fee_pct.to_string(),
            payment_method: event.payment_method.as_str().into(),
            tiers: event
                .tiers
                .into_iter()
                .map(|t| TierDraft {
                    id: t.id.to_string(),
                    name: t.name,
                    description: t.description,
                    price: crate::kernel::money::Cents::new(t.price_cents).input(),
                    capacity: t.capacity.to_string(),
                    active: if t.active { "on".into() } else { String::new() },
                    remove: String::new(),
                    sales_start: t
                        .sales_start
                        .map(|ms| time::local_input(ms, &zone))
                        .unwrap_or_default(),
                    sales_end: t
                        .sales_end
                        .map(|ms| time::local_input(ms, &zone))
                        .unwrap_or_default(),
                })
                .collect(),
        })
    })
    .await
}

/// Creates (no `event_id`) or updates the event with its tiers, then shows
/// its dashboard.
#[server(prefix = "/rpc", endpoint = "events/save")]
pub async fn save_event(event_id: String, draft: EventDraft) -> Result<EventView, AppError> {
    rpc::signed_in(|state, user| async move {
        let input = super::catalog::parse_draft(&draft)?;
        let event = match event_id.trim() {
            "" => super::catalog::create_event(&state, &user, input).await?,
            id => {
                let id = id
                    .parse::<i64>()
                    .map_err(|_| AppError::NotFound("This event".into()))?;
                super::catalog::update_event(&state, &user, EventId::new(id), input).await?
            }
        };
        leptos_axum::redirect(&format!("/organizer/events/{}?saved=1", event.id));
        Ok(event)
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "events/cancel")]
pub async fn cancel_event(id: i64) -> Result<u64, AppError> {
    rpc::signed_in(|state, user| async move {
        let cancelled = super::catalog::cancel_event(&state, &user, EventId::new(id)).await?;
        leptos_axum::redirect(&format!("/organizer/events/{id}"));
        Ok(cancelled)
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "events/delete")]
pub async fn delete_event(id: i64) -> Result<(), AppError> {
    rpc::signed_in(|state, user| async move {
        super::catalog::delete_event(&state, &user, EventId::new(id)).await?;
        leptos_axum::redirect("/organizer?deleted=1");
        Ok(())
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "events/dashboard")]
pub async fn event_dashboard(id: i64) -> Result<Dashboard, AppError> {
    rpc::signed_in(|state, user| async move {
        super::dashboard::dashboard(&state, &user, EventId::new(id)).await
    })
    .await
}

/// An admin freezes (`frozen`) or releases an event's payouts.
#[server(prefix = "/rpc", endpoint = "events/freeze_payouts")]
pub async fn freeze_payouts(id: i64, frozen: bool) -> Result<(), AppError> {
    rpc::signed_in(|state, user| async move {
        crate::wallet::payments::freeze_payouts(&state, &user, EventId::new(id), frozen).await?;
        leptos_axum::redirect(&format!("/organizer/events/{id}"));
        Ok(())
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "events/check_in")]
pub async fn check_in(event_id: i64, code: String) -> Result<CheckInOutcome, AppError> {
    rpc::signed_in(|state, user| async move {
        let outcome =
            super::tickets::check_in(&state, &user, EventId::new(event_id), &code).await?;
        // The page shows the outcome from its address, so that a form
        // posted without JavaScript lands on the same answer.
        leptos_axum::redirect(&format!(
            "/organizer/events/{event_id}/check-in?code={}&r={}",
            crate::kernel::text::url_encode(code.trim()),
            outcome.kind()
        ));
        Ok(outcome)
    })
    .await
}

/// What a code means at the door, read only (the check-in page shows it
/// after the form was posted; `r` says whether that post admitted it).
#[server(prefix = "/rpc", endpoint = "events/door_status")]
pub async fn door_status(
    event_id: i64,
    code: String,
    r: String,
) -> Result<CheckInOutcome, AppError> {
    rpc::signed_in(|state, user| async move {
        super::tickets::door_status(&state, &user, EventId::new(event_id), &code, r == "valid")
            .await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "events/all_orders")]
pub async fn all_orders(page: i64) -> Result<Vec<OrderView>, AppError> {
    rpc::signed_in(
        |state, user| async move { super::orders::all_orders(&state, &user, page).await },
    )
    .await
}

/// An order's chat thread, opened, for its buyer or the event's organizer.
#[server(prefix = "/rpc", endpoint = "events/order_chat")]
pub async fn order_chat(order_id: i64) -> Result<OpenedRoom, AppError> {
    rpc::signed_in(|state, user| async move {
        let view = super::orders::thread(&state, &user, OrderId::new(order_id)).await?;
        let room = crate::chat::rooms::readable(&state, &user, RoomId::new(view.id)).await?;
        crate::chat::messages::open(&state, &user, room, None).await
    })
    .await
}

/// Checkout when the wallet is short: tops up what is missing from a card,
/// then pays, and shows the order.
#[server(prefix = "/rpc", endpoint = "wallet/top_up_and_pay")]
pub async fn top_up_and_pay(
    hold_id: String,
    notes: String,
    card_number: String,
    card_expiry: String,
    card_cvc: String,
    key: String,
) -> Result<OrderView, AppError> {
    rpc::signed_in(|state, user| async move {
        let hold = super::holds::hold_for(&state, &user, &hold_id).await?;
        let available = crate::wallet::service::balance(&state, &user)
            .await?
            .available_cents;
        let short = hold.total_cents() - available;
        if short > crate::wallet::model::MAX_AMOUNT_CENTS {
            // The form has no amount field to show this next to.
            return Err(AppError::Conflict(format!(
                "Your wallet is {} short, more than one top-up allows ({}). \
                 Top up in parts on your wallet page, then pay.",
                crate::wallet::model::money(short),
                crate::wallet::model::money(crate::wallet::model::MAX_AMOUNT_CENTS)
            )));
        }
        if short > 0 {
            let card = crate::wallet::model::CardInput {
                number: card_number,
                expiry: card_expiry,
                cvc: card_cvc,
            };
            let key = crate::kernel::idempotency::Key::parse(
                crate::kernel::idempotency::Key::FIELD,
                &key,
            )?;
            crate::wallet::service::deposit(&state, &user, short, &card, &key).await?;
        }
        let mut order = super::orders::checkout(&state, &user, &hold_id, &notes).await?;
        leptos_axum::redirect(&format!("/orders/{}?placed=1", order.id));
        draw_qr(&mut order.tickets);
        Ok(order)
    })
    .await
}
