use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use super::{BookingLine, ServiceCard, booking_changes};
use crate::accounts::context::field_error;
use crate::accounts::pages::FormAlert;
use crate::accounts::pages::RequireOrganizer;
use crate::components::{Button, ButtonLink, EmptyState, ErrorView, IconName, Variant};
use crate::components::{Notice, Skeleton, query_param};
use crate::services::api::{ActOnBooking, my_bookings, my_services};
use crate::services::model::{BookingStatus, BookingView};

/// The provider's desk: requests to accept or decline, what's coming up,
/// and their services. New requests appear live.
#[component]
pub fn ProviderInboxPage() -> impl IntoView {
    view! {
        <RequireOrganizer>
            <Inbox />
        </RequireOrganizer>
    }
}

#[component]
fn Inbox() -> impl IntoView {
    let changed = booking_changes();
    let act = ServerAction::<ActOnBooking>::new();
    let data = Resource::new(
        move || (changed.get(), act.version().get()),
        |_| my_bookings(),
    );
    let services = Resource::new(|| (), |_| my_services());
    let deleted = query_param("deleted");
    view! {
        <Title text="Provider inbox" />
        <div class="space-y-8">
            <div class="flex flex-wrap items-center justify-between gap-3">
                <h1 class="text-3xl font-bold tracking-tight">"Provider inbox"</h1>
                <div class="flex flex-wrap gap-2">
                    <ButtonLink href="/provider/availability" variant=Variant::Secondary>"Availability"</ButtonLink>
                    <ButtonLink href="/services/new">"New service"</ButtonLink>
                </div>
            </div>
            <Notice when=Signal::derive(move || deleted.get() == "1") text="Service removed from the catalogue." />
            <FormAlert message=field_error(act.value(), None) />
            <Transition fallback=|| view! { <Skeleton /> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorView errors /> }>
                    {move || Suspend::new(async move {
                        data.await.map(|all| {
                            let mine = all.as_provider;
                            let requests: Vec<BookingView> = mine.iter().filter(|b| b.status == BookingStatus::Requested).cloned().collect();
                            let upcoming: Vec<BookingView> = mine.iter().filter(|b| matches!(b.status, BookingStatus::Confirmed | BookingStatus::InProgress)).cloned().collect();
                            let past: Vec<BookingView> = mine.iter().filter(|b| !b.status.is_active()).take(20).cloned().collect();
                            view! {
                                <section aria-labelledby="requests" class="space-y-3">
                                    <h2 id="requests" class="text-lg font-semibold">"Requests"</h2>
                                    {if requests.is_empty() {
                                        view! { <p class="text-sm text-slate-600">"No requests waiting."</p> }.into_any()
                                    } else {
                                        view! {
                                            <ul class="space-y-3" data-testid="requests">
                                                {requests.into_iter().map(|b| view! { <li><Request booking=b act /></li> }).collect_view()}
                                            </ul>
                                        }.into_any()
                                    }}
                                </section>
                                <section aria-labelledby="upcoming" class="space-y-3">
                                    <h2 id="upcoming" class="text-lg font-semibold">"Schedule"</h2>
                                    {if upcoming.is_empty() {
                                        view! { <p class="text-sm text-slate-600">"Nothing confirmed yet."</p> }.into_any()
                                    } else {
                                        view! {
                                            <ul class="divide-y divide-slate-200 overflow-hidden rounded-2xl border border-slate-200 bg-white" data-testid="schedule">
                                                {upcoming.into_iter().map(|b| view! { <li><BookingLine booking=b show_customer=true /></li> }).collect_view()}
                                            </ul>
                                        }.into_any()
                                    }}
                                </section>
                                {(!past.is_empty()).then(|| view! {
                                    <section aria-labelledby="past" class="space-y-3">
                                        <h2 id="past" class="text-lg font-semibold">"Earlier"</h2>
                                        <ul class="divide-y divide-slate-200 overflow-hidden rounded-2xl border border-slate-200 bg-white">
                                            {past.into_iter().map(|b| view! { <li><BookingLine booking=b show_customer=true /></li> }).collect_view()}
                                        </ul>
                                    </section>
                                })}
                            }
                        })
                    })}
                </ErrorBoundary>
            </Transition>
            <section aria-labelledby="my-services" class="space-y-3">
                <h2 id="my-services" class="text-lg font-semibold">"Your services"</h2>
                <Transition fallback=|| view! { <Skeleton /> }>
                    <ErrorBoundary fallback=|errors| view! { <ErrorView errors /> }>
                        {move || Suspend::new(async move {
                            services.await.map(|list| if list.is_empty() {
                                view! {
                                    <EmptyState icon=IconName::Sparkles title="No services yet" message="Describe what you offer, set your hours, and customers can book you.">
                                        <ButtonLink href="/services/new">"Create a service"</ButtonLink>
                                    </EmptyState>
                                }.into_any()
                            } else {
                                view! {
                                    <ul class="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
                                        {list.into_iter().map(|s| view! { <li><ServiceCard service=s /></li> }).collect_view()}
                                    </ul>
                                }.into_any()
                            })
                        })}
                    </ErrorBoundary>
                </Transition>
            </section>
        </div>
    }
}

/// A request with its accept and decline buttons.
#[component]
fn Request(booking: BookingView, act: ServerAction<ActOnBooking>) -> impl IntoView {
    let id = booking.id;
    let form = move |action: &'static str, label: &'static str, variant: Variant| {
        view! {
            <ActionForm action=act>
                <input type="hidden" name="id" value=id.to_string() />
                <input type="hidden" name="action" value=action />
                <input type="hidden" name="back" value="/provider" />
                <Button kind="submit" variant busy=act.pending()>{label}</Button>
            </ActionForm>
        }
    };
    view! {
        <div class="flex flex-wrap items-center justify-between gap-3 rounded-2xl border border-amber-200 bg-amber-50 p-4" data-testid="request">
            <a href=format!("/bookings/{id}") class="min-w-0 hover:underline">
                <p class="font-semibold">{booking.service_title.clone()}</p>
                <p class="text-sm text-slate-700">{format!("{} · {}", booking.when_label, booking.customer_name)}</p>
            </a>
            <div class="flex gap-2">
                {form("confirm", "Accept", Variant::Primary)}
                {form("decline", "Decline", Variant::Secondary)}
            </div>
        </div>
    }
}
