//! Ticketing pages: browse, event, checkout, orders, tickets, and the
//! organizer's tools. Every page renders fully on the server (forms are
//! plain posts), so it works before (or without) the wasm.

mod admin_orders;
mod browse;
mod check_in;
mod checkout;
mod dashboard;
mod editor;
mod event;
mod my_events;
mod notices;
mod orders;
mod tickets;

pub use admin_orders::AdminOrdersPage;
pub use browse::{EventCard, EventsPage};
pub use check_in::CheckInPage;
pub use checkout::CheckoutPage;
pub use dashboard::EventDashboardPage;
pub use editor::{EditEventPage, NewEventPage};
pub use event::EventPage;
pub use my_events::OrganizerPage;
pub use notices::OrderToasts;
pub use orders::{MyOrdersPage, OrderPage};
pub use tickets::MyTicketsPage;

use leptos::prelude::*;

use super::model::{EventStatus, OrderStatus, SaleState, TierView};
use crate::components::{Badge, Tone};
use crate::kernel::money::Cents;

#[component]
fn OrderStatusBadge(status: OrderStatus) -> impl IntoView {
    let tone = match status {
        OrderStatus::Pending => Tone::Warning,
        OrderStatus::Confirmed => Tone::Success,
        OrderStatus::Completed => Tone::Brand,
        OrderStatus::Cancelled => Tone::Danger,
    };
    view! { <Badge tone>{status.label()}</Badge> }
}

#[component]
fn EventStatusBadge(status: EventStatus) -> impl IntoView {
    let tone = match status {
        EventStatus::Published => Tone::Success,
        EventStatus::Draft => Tone::Neutral,
        EventStatus::Cancelled => Tone::Danger,
    };
    view! { <Badge tone>{status.label()}</Badge> }
}

/// "12 left", "Sold out", "Sales open on …". `available` is the live count
/// when the page follows the event (else the count it was rendered with).
#[component]
fn Availability(
    tier: TierView,
    #[prop(optional, into)] available: Option<Signal<i64>>,
) -> impl IntoView {
    let rendered = tier.available;
    let available = available.unwrap_or_else(|| Signal::stored(rendered));
    move || {
        let n = available.get();
        let (tone, text) = match &tier.sale {
            SaleState::Ended => (Tone::Neutral, "Sales ended".to_string()),
            SaleState::Inactive => (Tone::Neutral, "Not on sale".to_string()),
            SaleState::NotYet(when) => (Tone::Neutral, format!("Sales open {when}")),
            SaleState::OnSale | SaleState::SoldOut if n == 0 => {
                (Tone::Danger, "Sold out".to_string())
            }
            SaleState::OnSale | SaleState::SoldOut if n <= super::model::FEW_LEFT => {
                (Tone::Warning, format!("Only {n} left"))
            }
            SaleState::OnSale | SaleState::SoldOut => (Tone::Success, format!("{n} available")),
        };
        view! { <span data-testid="availability"><Badge tone>{text}</Badge></span> }
    }
}

fn money(cents: i64, currency: &str) -> String {
    Cents::new(cents).format(currency)
}

/// mm:ss until a hold lapses. The server renders the time it lapses at
/// (that is all a page without JavaScript can show); in the browser it
/// counts down every second.
#[component]
fn Countdown(seconds_left: i64, expires_label: String) -> impl IntoView {
    let left = RwSignal::new(seconds_left);
    let live = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    {
        let deadline = js_sys::Date::now() + (seconds_left as f64) * 1000.0;
        if let Ok(handle) = set_interval_with_handle(
            move || {
                let remaining = ((deadline - js_sys::Date::now()) / 1000.0).ceil().max(0.0) as i64;
                left.set(remaining);
            },
            std::time::Duration::from_millis(1000),
        ) {
            on_cleanup(move || handle.clear());
        }
        Effect::new(move |_| live.set(true));
    }
    let text = move || {
        let s = left.get();
        format!("{}:{:02}", s / 60, s % 60)
    };
    view! {
        <div class="flex flex-wrap items-baseline gap-x-2" data-testid="countdown" role="timer" aria-live="off">
            <Show
                when=move || live.get()
                fallback={
                    let expires_label = expires_label.clone();
                    move || view! { <span class="text-sm text-slate-700">"Held until " <strong>{expires_label.clone()}</strong></span> }
                }
            >
                <Show
                    when=move || { left.get() > 0 }
                    fallback=|| view! { <span class="font-semibold text-red-700">"Your hold has expired."</span> }
                >
                    <span class="text-sm text-slate-700">"Seats held for"</span>
                    <span
                        class="font-mono text-2xl font-bold tabular-nums"
                        class:text-red-700=move || { left.get() < 60 }
                        data-testid="countdown-value"
                    >
                        {text}
                    </span>
                </Show>
            </Show>
        </div>
    }
}

/// `18:32:10 UTC` from epoch ms, the same on the server and in the browser.
pub fn clock(ms: i64) -> String {
    let secs = ms.div_euclid(1000).rem_euclid(86_400);
    format!(
        "{:02}:{:02}:{:02} UTC",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn clock_shows_utc_time_of_day() {
        assert_eq!(super::clock(0), "00:00:00 UTC");
        assert_eq!(super::clock(1_784_131_930_000), "16:12:10 UTC");
    }
}
