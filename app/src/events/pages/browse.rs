use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use super::{EventStatusBadge, money};
use crate::components::{Badge, Button, EmptyState, ErrorView, IconName, Tone};
use crate::components::{INPUT, Pager, Skeleton};
use crate::events::api::list_events;
use crate::events::model::{CATEGORIES, EventQuery, EventStatus, EventView, FEW_LEFT, SaleState};
use crate::live::protocol::Payload;

/// All upcoming events, with search, filters, sorting and pages.
#[component]
pub fn EventsPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).filter(|v| !v.is_empty());
    let filters = Memo::new(move |_| EventQuery {
        q: param("q"),
        category: param("category"),
        when: param("when"),
        from: param("from"),
        to: param("to"),
        sort: param("sort"),
        page: param("page").and_then(|p| p.parse().ok()),
        per_page: None,
    });
    let events = Resource::new(move || filters.get(), list_events);
    let value = move |name: &'static str| move || param(name).unwrap_or_default();
    let selected = move |name: &'static str, option: &'static str| {
        move || param(name).as_deref().unwrap_or("") == option
    };

    view! {
        <Title text="Events" />
        <div class="flex flex-wrap items-end justify-between gap-4">
            <div>
                <h1 class="text-3xl font-bold tracking-tight">"Events"</h1>
                <p class="mt-1 text-slate-600">"Concerts, talks, games and meet-ups. Hold your seats, pay from your wallet."</p>
            </div>
        </div>
        <Form method="GET" action="" attr:class="mt-6 grid gap-3 rounded-2xl border border-slate-200 bg-white p-4 sm:grid-cols-2 lg:grid-cols-6" attr:role="search">
            <div class="sm:col-span-2">
                <label for="ev-q" class="block text-xs font-medium text-slate-600">"Search"</label>
                <input id="ev-q" type="search" name="q" value=value("q") placeholder="Name, venue, description" class=INPUT />
            </div>
            <div>
                <label for="ev-category" class="block text-xs font-medium text-slate-600">"Category"</label>
                <select id="ev-category" name="category" class=INPUT>
                    <option value="" selected=selected("category", "")>"Any"</option>
                    {CATEGORIES.iter().map(|c| view! { <option value=*c selected=selected("category", c)>{*c}</option> }).collect_view()}
                </select>
            </div>
            <div>
                <label for="ev-from" class="block text-xs font-medium text-slate-600">"From"</label>
                <input id="ev-from" type="date" name="from" value=value("from") class=INPUT />
            </div>
            <div>
                <label for="ev-to" class="block text-xs font-medium text-slate-600">"To"</label>
                <input id="ev-to" type="date" name="to" value=value("to") class=INPUT />
            </div>
            <div>
                <label for="ev-sort" class="block text-xs font-medium text-slate-600">"Sort"</label>
                <select id="ev-sort" name="sort" class=INPUT>
                    <option value="soonest" selected=selected("sort", "soonest")>"Soonest first"</option>
                    <option value="latest" selected=selected("sort", "latest")>"Latest first"</option>
                    <option value="newest" selected=selected("sort", "newest")>"Newly added"</option>
                    <option value="name" selected=selected("sort", "name")>"Name"</option>
                </select>
            </div>
            <div class="flex items-end gap-3 sm:col-span-2 lg:col-span-6">
                <label class="flex items-center gap-2 text-sm text-slate-700">
                    <input type="checkbox" name="when" value="all" checked=selected("when", "all") class="size-4 rounded border-slate-300" />
                    "Include past events"
                </label>
                <div class="ml-auto flex gap-2">
                    <a href="/events" class="rounded-lg px-3 py-2 text-sm font-medium text-slate-600 hover:bg-slate-100">"Clear"</a>
                    <Button kind="submit">"Show events"</Button>
                </div>
            </div>
        </Form>
        <div class="mt-6">
            <Transition fallback=|| view! { <div class="grid gap-4 sm:grid-cols-2 lg:grid-cols-3"><Skeleton height="h-64" /><Skeleton height="h-64" /><Skeleton height="h-64" /></div> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorView errors /> }>
                    {move || Suspend::new(async move {
                        events.await.map(|list| {
                            if list.events.is_empty() {
                                return view! {
                                    <EmptyState icon=IconName::Calendar title="No events match" message="Try another search, a wider date range, or clear the filters." />
                                }.into_any();
                            }
                            let (page, has_more) = (list.page, list.has_more);
                            view! {
                                <ul class="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" aria-label="Events">
                                    {list.events.into_iter().map(|e| view! { <li><EventCard event=e /></li> }).collect_view()}
                                </ul>
                                <Pager path="/events" page has_more />
                            }.into_any()
                        })
                    })}
                </ErrorBoundary>
            </Transition>
        </div>
    }
}

/// One event in a list: cover, name, when and where, price, seats.
#[component]
pub fn EventCard(event: EventView) -> impl IntoView {
    let price = event.min_price().map(|p| {
        if event.tiers.iter().filter(|t| t.active).count() > 1 && p > 0 {
            format!("From {}", money(p, &event.currency))
        } else {
            money(p, &event.currency)
        }
    });
    // "Sold out" and "Selling fast" follow the event live once connected.
    let live = crate::live::client::use_topic(format!("event:{}", event.id));
    let tiers = event.tiers.clone();
    let badges = move || {
        let seats: Vec<(bool, bool, i64)> = live.with(|payload| {
            tiers
                .iter()
                .filter(|t| t.active)
                .map(|t| {
                    let available = match payload {
                        Some(Payload::Availability { tiers: now, .. }) => now
                            .iter()
                            .find(|n| n.tier_id == t.id)
                            .map_or(t.available, |n| n.available),
                        _ => t.available,
                    };
                    let selling = matches!(t.sale, SaleState::OnSale | SaleState::SoldOut);
                    (
                        selling,
                        selling && available > 0 && available <= FEW_LEFT,
                        available,
                    )
                })
                .collect()
        });
        let sold_out = !seats.is_empty() && seats.iter().all(|(_, _, a)| *a == 0);
        let few = !sold_out && seats.iter().any(|(_, few, _)| *few);
        view! {
            {sold_out.then(|| view! { <span data-testid="card-availability"><Badge tone=Tone::Danger>"Sold out"</Badge></span> })}
            {few.then(|| view! { <span data-testid="card-availability"><Badge tone=Tone::Warning>"Selling fast"</Badge></span> })}
        }
    };
    view! {
        <a href=format!("/events/{}", event.id) class="group flex h-full flex-col overflow-hidden rounded-2xl border border-slate-200 bg-white shadow-sm transition hover:shadow-md">
            <Cover url=event.cover_url.clone() name=event.name.clone() class="h-36" />
            <div class="flex flex-1 flex-col gap-2 p-4">
                <div class="flex flex-wrap items-center gap-2">
                    <Badge tone=Tone::Brand>{event.category.clone()}</Badge>
                    {(event.status != EventStatus::Published).then(|| view! { <EventStatusBadge status=event.status /> })}
                    {badges}
                </div>
                <h2 class="text-lg font-semibold leading-snug group-hover:text-brand-700">{event.name.clone()}</h2>
                <p class="text-sm text-slate-600">{event.when_label.clone()}</p>
                <p class="truncate text-sm text-slate-500">{event.venue.clone()}</p>
                <p class="mt-auto pt-2 text-sm font-semibold text-slate-900">{price}</p>
            </div>
        </a>
    }
}

/// The event's cover image, or a gradient with its initial.
#[component]
pub fn Cover(url: Option<String>, name: String, class: &'static str) -> impl IntoView {
    match url {
        Some(url) => view! { <img src=url alt="" loading="lazy" class=format!("{class} w-full object-cover bg-slate-100") /> }.into_any(),
        None => {
            let initial = name.chars().next().map(|c| c.to_uppercase().to_string()).unwrap_or_default();
            view! {
                <div class=format!("{class} flex w-full items-center justify-center bg-gradient-to-br from-brand-500 to-fuchsia-500 text-5xl font-black text-white/90") aria-hidden="true">
                    {initial}
                </div>
            }.into_any()
        }
    }
}
