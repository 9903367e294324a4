//! Services and bookings pages: browse, a service with its slot picker, a
//! provider's page, the booking page (timeline, actions, live location,
//! review), my bookings, the provider's inbox, the service editor and the
//! availability editor. All render on the server and post without
//! JavaScript; once live, they follow bookings and free slots as they change.

mod availability;
mod booking;
mod bookings;
mod browse;
mod editor;
mod inbox;
mod map;
mod picker;
mod provider;
mod service;

pub use availability::AvailabilityPage;
pub use booking::BookingPage;
pub use bookings::MyBookingsPage;
pub use browse::ServicesPage;
pub use editor::{EditServicePage, NewServicePage};
pub use inbox::ProviderInboxPage;
pub use provider::ProviderPage;
pub use service::ServicePage;

use leptos::prelude::*;

use super::model::{BookingStatus, BookingView, ServiceView};
use crate::components::{Badge, Tone};
use crate::kernel::money::Cents;
use crate::live::protocol::Notice;

#[component]
pub fn BookingStatusBadge(status: BookingStatus) -> impl IntoView {
    let tone = match status {
        BookingStatus::Requested => Tone::Warning,
        BookingStatus::Confirmed => Tone::Brand,
        BookingStatus::InProgress => Tone::Brand,
        BookingStatus::Completed => Tone::Success,
        BookingStatus::Declined | BookingStatus::Cancelled => Tone::Neutral,
    };
    view! { <span data-testid="booking-status"><Badge tone>{status.label()}</Badge></span> }
}

/// A service in a grid: title, provider, price, duration, rating.
#[component]
pub fn ServiceCard(service: ServiceView) -> impl IntoView {
    view! {
        <a href=format!("/services/{}", service.id) class="group flex flex-col overflow-hidden rounded-2xl border border-slate-200 bg-white shadow-sm transition hover:shadow-md" data-testid="service-card">
            {service.cover_url.clone().map(|src| view! { <img src=src alt="" class="h-36 w-full object-cover" loading="lazy" /> })}
            <div class="flex flex-1 flex-col gap-2 p-4">
                <p class="text-xs font-medium uppercase tracking-wide text-brand-700">{service.category.clone()}</p>
                <h3 class="font-semibold text-slate-900 group-hover:underline">{service.title.clone()}</h3>
                <p class="text-sm text-slate-600">{format!("by {}", service.provider_name)}</p>
                <div class="mt-auto flex flex-wrap items-center justify-between gap-2 pt-2 text-sm">
                    <span class="font-semibold">{Cents::new(service.price_cents).format(&service.currency)}</span>
                    <span class="text-slate-600">{format!("{} min · {}", service.duration_min, service.place.label())}</span>
                </div>
                <p class="text-xs text-slate-500">{service.rating.label()}</p>
            </div>
        </a>
    }
}

/// One booking in a list.
#[component]
pub fn BookingLine(booking: BookingView, #[prop(optional)] show_customer: bool) -> impl IntoView {
    let who = if show_customer {
        booking.customer_name.clone()
    } else {
        format!("with {}", booking.provider_name)
    };
    view! {
        <a href=format!("/bookings/{}", booking.id) class="flex flex-wrap items-center justify-between gap-3 px-4 py-3 hover:bg-slate-50" data-testid="booking-line">
            <div class="min-w-0">
                <p class="truncate font-medium">{booking.service_title.clone()}</p>
                <p class="text-sm text-slate-600">{format!("{} · {}", booking.when_label, who)}</p>
            </div>
            <div class="flex items-center gap-3">
                <span class="font-semibold">{Cents::new(booking.price_cents).format(&booking.currency)}</span>
                <BookingStatusBadge status=booking.status />
            </div>
        </a>
    }
}

/// Counts booking notices on the signed-in person's topic; resources that
/// read it reload on each.
pub fn booking_changes() -> Memo<u64> {
    crate::accounts::context::notices_matching(|notice| {
        matches!(
            notice,
            Notice::BookingChanged { .. } | Notice::NewBooking { .. }
        )
    })
}

/// Counts an action's refusals (its `value()`): a picker keyed on it shows
/// fresh times after a refused booking or move (the time was just taken).
pub fn refusals<T, E, S>(value: S) -> Memo<u64>
where
    T: 'static,
    E: 'static,
    S: Get<Value = Option<Result<T, E>>> + Send + Sync + 'static,
{
    Memo::new(move |prev: Option<&u64>| {
        let before = prev.copied().unwrap_or(0);
        if matches!(value.get(), Some(Err(_))) {
            before + 1
        } else {
            before
        }
    })
}

/// The browser's IANA time zone (none on the server).
pub fn browser_zone() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        let options =
            js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
                .resolved_options();
        js_sys::Reflect::get(&options, &"timeZone".into())
            .ok()
            .and_then(|z| z.as_string())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}
