use crate::accounts::pages::RequireOrganizer;
use leptos::prelude::*;
use leptos_meta::Title;

use super::EventStatusBadge;
use crate::components::{ButtonLink, EmptyState, ErrorView, IconName};
use crate::components::{Notice, Skeleton, query_param};
use crate::events::api::my_events;

/// The organizer's events, with their sales at a glance.
#[component]
pub fn OrganizerPage() -> impl IntoView {
    view! {
        <RequireOrganizer>
            <MyEvents />
        </RequireOrganizer>
    }
}

#[component]
fn MyEvents() -> impl IntoView {
    let events = Resource::new(|| (), |_| my_events());
    let deleted = query_param("deleted");
    view! {
        <Title text="My events" />
        <div class="space-y-6">
            <div class="flex flex-wrap items-center justify-between gap-3">
                <h1 class="text-3xl font-bold tracking-tight">"My events"</h1>
                <div class="flex gap-2">
                    <ButtonLink href="/organizer/earnings" variant=crate::components::Variant::Secondary>"Earnings"</ButtonLink>
                    <ButtonLink href="/organizer/events/new">"New event"</ButtonLink>
                </div>
            </div>
            <Notice when=Signal::derive(move || deleted.get() == "1") text="The event was deleted." />
            <Suspense fallback=|| view! { <Skeleton /> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorView errors /> }>
                    {move || Suspend::new(async move {
                        events.await.map(|events| if events.is_empty() {
                            view! {
                                <EmptyState icon=IconName::Calendar title="No events yet" message="Create your first event: a name, a date, and the ticket tiers you sell.">
                                    <ButtonLink href="/organizer/events/new">"Create an event"</ButtonLink>
                                </EmptyState>
                            }.into_any()
                        } else {
                            view! {
                                <div class="overflow-x-auto rounded-2xl border border-slate-200 bg-white">
                                    <table class="min-w-full divide-y divide-slate-200 text-sm">
                                        <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                                            <tr><th class="px-4 py-3">"Event"</th><th class="px-4 py-3">"When"</th><th class="px-4 py-3">"Status"</th><th class="px-4 py-3 text-right">"Seats sold"</th><th class="px-4 py-3 text-right">"Available"</th></tr>
                                        </thead>
                                        <tbody class="divide-y divide-slate-100">
                                            {events.into_iter().map(|e| {
                                                let sold: i64 = e.tiers.iter().map(|t| t.sold).sum();
                                                let capacity: i64 = e.tiers.iter().map(|t| t.capacity).sum();
                                                let available = e.available();
                                                view! {
                                                    <tr>
                                                        <td class="px-4 py-3"><a class="font-medium text-brand-700 hover:underline" href=format!("/organizer/events/{}", e.id)>{e.name.clone()}</a></td>
                                                        <td class="whitespace-nowrap px-4 py-3 text-slate-600">{e.when_label.clone()}</td>
                                                        <td class="px-4 py-3"><EventStatusBadge status=e.status /></td>
                                                        <td class="px-4 py-3 text-right tabular-nums">{format!("{sold} / {capacity}")}</td>
                                                        <td class="px-4 py-3 text-right tabular-nums">{available}</td>
                                                    </tr>
                                                }
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                            }.into_any()
                        })
                    })}
                </ErrorBoundary>
            </Suspense>
        </div>
    }
}
