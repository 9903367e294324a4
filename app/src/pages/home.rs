use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::{Badge, ButtonLink, Card, EmptyState, Icon, IconName, Tone, Variant};
use crate::events::api::list_events;
use crate::events::model::EventQuery;
use crate::events::pages::EventCard;

#[component]
pub fn HomePage() -> impl IntoView {
    let upcoming = Resource::new(
        || (),
        |_| {
            list_events(EventQuery {
                per_page: Some(6),
                ..Default::default()
            })
        },
    );
    view! {
        <Title text="" />
        <section class="grid gap-8 lg:grid-cols-5 lg:items-center">
            <div class="lg:col-span-3">
                <Badge tone=Tone::Brand>"Live marketplace"</Badge>
                <h1 class="mt-4 text-4xl font-bold tracking-tight text-slate-900 sm:text-5xl">
                    "Events, services and community — live."
                </h1>
                <p class="mt-4 max-w-2xl text-lg text-slate-600">
                    "Marquee brings ticketing with live seat availability, bookings with local providers, chat and a wallet together in one place."
                </p>
                <div class="mt-6 flex flex-wrap gap-3">
                    <ButtonLink href="/events">"Browse events"</ButtonLink>
                    <ButtonLink href="/services" variant=Variant::Secondary>"Book a service"</ButtonLink>
                </div>
            </div>
            <Card class="lg:col-span-2">
                <h2 class="text-sm font-semibold uppercase tracking-wide text-slate-500">
                    "What you can do here"
                </h2>
                <ul class="mt-4 space-y-3 text-sm text-slate-700">
                    <li class="flex gap-3"><span class="text-brand-600"><Icon name=IconName::Ticket /></span>"Hold seats and see availability change as it happens"</li>
                    <li class="flex gap-3"><span class="text-brand-600"><Icon name=IconName::Calendar /></span>"Book a provider's free slot without double booking"</li>
                    <li class="flex gap-3"><span class="text-brand-600"><Icon name=IconName::Chat /></span>"Chat with organizers, providers and friends"</li>
                </ul>
            </Card>
        </section>
        <section class="mt-12" aria-labelledby="upcoming-heading">
            <h2 id="upcoming-heading" class="text-xl font-semibold text-slate-900">"Happening soon"</h2>
            <div class="mt-4">
                <Suspense fallback=|| view! { <div class="h-48 animate-pulse rounded-2xl bg-slate-200/70" aria-busy="true"></div> }>
                    {move || Suspend::new(async move {
                        match upcoming.await {
                            Ok(list) if !list.events.is_empty() => view! {
                                <ul class="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
                                    {list.events.into_iter().map(|e| view! { <li><EventCard event=e /></li> }).collect_view()}
                                </ul>
                                <div class="mt-4"><ButtonLink href="/events" variant=Variant::Secondary>"All events"</ButtonLink></div>
                            }.into_any(),
                            _ => view! {
                                <EmptyState
                                    icon=IconName::Calendar
                                    title="Nothing is on yet"
                                    message="When organizers publish events, the soonest show up here."
                                >
                                    <ButtonLink href="/sign-up" variant=Variant::Secondary>
                                        "Sign up as an organizer"
                                    </ButtonLink>
                                </EmptyState>
                            }.into_any(),
                        }
                    })}
                </Suspense>
            </div>
        </section>
    }
}
