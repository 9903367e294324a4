use leptos::prelude::*;
use leptos_meta::Title;

use super::{BookingLine, booking_changes};
use crate::accounts::pages::RequireSignIn;
use crate::components::Skeleton;
use crate::components::{ButtonLink, EmptyState, ErrorView, IconName, Variant};
use crate::services::api::my_bookings;
use crate::services::model::BookingView;

/// The signed-in person's bookings as a customer: upcoming first.
#[component]
pub fn MyBookingsPage() -> impl IntoView {
    view! {
        <RequireSignIn>
            <MyBookings />
        </RequireSignIn>
    }
}

#[component]
fn MyBookings() -> impl IntoView {
    let changed = booking_changes();
    let data = Resource::new(move || changed.get(), |_| my_bookings());
    view! {
        <Title text="My bookings" />
        <div class="mx-auto max-w-3xl space-y-6">
            <div class="flex flex-wrap items-center justify-between gap-3">
                <h1 class="text-3xl font-bold tracking-tight">"My bookings"</h1>
                <ButtonLink href="/services" variant=Variant::Secondary>"Find a service"</ButtonLink>
            </div>
            <Transition fallback=|| view! { <Skeleton /> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorView errors /> }>
                    {move || Suspend::new(async move {
                        data.await.map(|all| list(all.as_customer))
                    })}
                </ErrorBoundary>
            </Transition>
        </div>
    }
}

fn list(bookings: Vec<BookingView>) -> AnyView {
    if bookings.is_empty() {
        return view! {
            <EmptyState icon=IconName::Calendar title="No bookings yet" message="Book a provider's time and it shows up here, with its status live.">
                <ButtonLink href="/services">"Browse services"</ButtonLink>
            </EmptyState>
        }
        .into_any();
    }
    view! {
        <ul class="divide-y divide-slate-200 overflow-hidden rounded-2xl border border-slate-200 bg-white" data-testid="bookings">
            {bookings.into_iter().map(|b| view! { <li><BookingLine booking=b /></li> }).collect_view()}
        </ul>
    }
    .into_any()
}
