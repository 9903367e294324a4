use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use super::orders::OrderLine;
use super::{EventStatusBadge, money};
use crate::accounts::context::field_error;
use crate::accounts::pages::FormAlert;
use crate::accounts::pages::RequireOrganizer;
use crate::components::{Button, ButtonLink, Card, Variant};
use crate::components::{FailedPage, Notice, Skeleton, id_param, query_param};
use crate::events::api::{CancelEvent, DeleteEvent, FreezePayouts, event_dashboard};
use crate::events::model::{Dashboard, EventStatus, PaymentMethod};
use crate::live::client::use_topic;
use crate::live::protocol::{Payload, TierSeats};

/// One event for its organizer: seats per tier, revenue, check-ins, orders.
#[component]
pub fn EventDashboardPage() -> impl IntoView {
    view! {
        <RequireOrganizer>
            <DashboardView />
        </RequireOrganizer>
    }
}

#[component]
fn DashboardView() -> impl IntoView {
    let id = id_param("id");
    let cancel = ServerAction::<CancelEvent>::new();
    let delete = ServerAction::<DeleteEvent>::new();
    let freeze = ServerAction::<FreezePayouts>::new();
    let data = Resource::new(
        move || (id.get(), cancel.version().get() + freeze.version().get()),
        |(id, _)| event_dashboard(id),
    );
    let saved = query_param("saved");
    view! {
        <div class="space-y-6">
            <Notice when=Signal::derive(move || saved.get() == "1") text="Saved." />
            <FormAlert message=field_error(cancel.value(), None) />
            <FormAlert message=field_error(delete.value(), None) />
            <FormAlert message=field_error(freeze.value(), None) />
            <Suspense fallback=|| view! { <Skeleton height="h-96" /> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(d) => view! { <DashboardBody d cancel delete freeze /> }.into_any(),
                        Err(error) => view! { <FailedPage error /> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn Stat(label: &'static str, #[prop(into)] value: Signal<String>) -> impl IntoView {
    view! {
        <div class="rounded-2xl border border-slate-200 bg-white p-4">
            <p class="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</p>
            <p class="mt-1 text-2xl font-bold tabular-nums" data-testid=format!("stat-{}", label.to_lowercase().replace(' ', "-"))>{value}</p>
        </div>
    }
}

#[component]
fn DashboardBody(
    d: Dashboard,
    cancel: ServerAction<CancelEvent>,
    delete: ServerAction<DeleteEvent>,
    freeze: ServerAction<FreezePayouts>,
) -> impl IntoView {
    let e = d.event.clone();
    // The seat counts follow the event live once the page has connected.
    let live = use_topic(format!("event:{}", e.id));
    let rendered: Vec<TierSeats> = e
        .tiers
        .iter()
        .map(|t| TierSeats {
            tier_id: t.id,
            capacity: t.capacity,
            sold: t.sold,
            held: t.held,
            available: t.available,
        })
        .collect();
    let seats = Signal::derive(move || match live.get() {
        Some(Payload::Availability { tiers, .. }) => tiers,
        _ => rendered.clone(),
    });
    let sold = Signal::derive(move || {
        seats
            .with(|t| t.iter().map(|t| t.sold).sum::<i64>())
            .to_string()
    });
    let held = Signal::derive(move || {
        seats
            .with(|t| t.iter().map(|t| t.held).sum::<i64>())
            .to_string()
    });
    let of_tier = move |id: i64, pick: fn(&TierSeats) -> i64| {
        move || seats.with(|t| t.iter().find(|t| t.tier_id == id).map(pick).unwrap_or(0))
    };
    let cancelled = e.status == EventStatus::Cancelled;
    view! {
        <Title text=format!("{} · Dashboard", e.name) />
        <div class="flex flex-wrap items-start justify-between gap-4">
            <div>
                <div class="flex items-center gap-2"><EventStatusBadge status=e.status /></div>
                <h1 class="mt-1 text-3xl font-bold tracking-tight">{e.name.clone()}</h1>
                <p class="text-slate-600">{e.when_label.clone()}</p>
            </div>
            <div class="flex flex-wrap gap-2">
                <ButtonLink href=format!("/events/{}", e.id) variant=Variant::Secondary>"View page"</ButtonLink>
                {(!cancelled).then(|| view! {
                    <ButtonLink href=format!("/organizer/events/{}/edit", e.id) variant=Variant::Secondary>"Edit"</ButtonLink>
                    <ButtonLink href=format!("/organizer/events/{}/check-in", e.id)>"Check in"</ButtonLink>
                })}
            </div>
        </div>
        <div class="grid grid-cols-2 gap-3 lg:grid-cols-4">
            <Stat label="Seats sold" value=sold />
            <Stat label="On hold" value=held />
            <Stat label="Revenue" value=money(d.revenue_cents, &e.currency) />
            <Stat label="Checked in" value=format!("{} / {}", d.checked_in, d.tickets_issued) />
        </div>
        {(d.orders_at_door > 0 || e.payment_method == PaymentMethod::Door).then(|| view! {
            <p class="rounded-xl bg-amber-50 p-4 text-sm text-amber-900 ring-1 ring-amber-200" data-testid="owed-at-door">
                "To collect at the door: " <strong class="tabular-nums">{money(d.owed_at_door_cents, &e.currency)}</strong>
                {format!(" from {} order{} paid there.", d.orders_at_door, if d.orders_at_door == 1 { "" } else { "s" })}
            </p>
        })}
        {d.can_freeze_payouts.then(|| view! { <PayoutsPanel event_id=e.id frozen=d.payouts_frozen_label.clone() freeze /> })}
        <Card>
            <h2 class="text-lg font-semibold">"Tiers"</h2>
            <div class="mt-3 overflow-x-auto">
                <table class="min-w-full text-sm" data-testid="tier-table">
                    <thead class="text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                        <tr><th class="py-2 pr-4">"Tier"</th><th class="py-2 pr-4 text-right">"Price"</th><th class="py-2 pr-4 text-right">"Sold"</th><th class="py-2 pr-4 text-right">"Held"</th><th class="py-2 pr-4 text-right">"Available"</th><th class="py-2 text-right">"Capacity"</th></tr>
                    </thead>
                    <tbody class="divide-y divide-slate-100">
                        {e.tiers.iter().map(|t| view! {
                            <tr data-tier=t.name.clone()>
                                <td class="py-2 pr-4 font-medium">{t.name.clone()}{(!t.active).then_some(" (not on sale)")}</td>
                                <td class="py-2 pr-4 text-right">{money(t.price_cents, &e.currency)}</td>
                                <td class="py-2 pr-4 text-right tabular-nums">{of_tier(t.id, |t| t.sold)}</td>
                                <td class="py-2 pr-4 text-right tabular-nums">{of_tier(t.id, |t| t.held)}</td>
                                <td class="py-2 pr-4 text-right tabular-nums">{of_tier(t.id, |t| t.available)}</td>
                                <td class="py-2 text-right tabular-nums">{t.capacity}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </Card>
        <section class="space-y-3" aria-labelledby="event-orders">
            <div class="flex flex-wrap items-center justify-between gap-3">
                <h2 id="event-orders" class="text-lg font-semibold">{format!("Orders ({})", d.orders.len())}</h2>
                <div class="flex gap-3 text-sm">
                    <a class="font-medium text-brand-700 hover:underline" href=format!("/organizer/events/{}/orders.csv", e.id) download>"Orders CSV"</a>
                    <a class="font-medium text-brand-700 hover:underline" href=format!("/organizer/events/{}/attendees.csv", e.id) download>"Attendees CSV"</a>
                </div>
            </div>
            {if d.orders.is_empty() {
                view! { <p class="text-sm text-slate-600">"No orders yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="divide-y divide-slate-200 overflow-hidden rounded-2xl border border-slate-200 bg-white">
                        {d.orders.into_iter().map(|o| view! { <li><OrderLine order=o /></li> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        {(!cancelled).then(|| view! {
            <Card>
                <h2 class="text-lg font-semibold text-red-700">"Cancel or delete"</h2>
                <p class="mt-1 text-sm text-slate-600">"Cancelling keeps the event page (marked cancelled) and cancels every order. Deleting is only possible before anything is sold."</p>
                <div class="mt-3 flex flex-wrap gap-3">
                    <ActionForm action=cancel>
                        <input type="hidden" name="id" value=e.id.to_string() />
                        <Button kind="submit" variant=Variant::Danger busy=cancel.pending()>"Cancel event"</Button>
                    </ActionForm>
                    <ActionForm action=delete>
                        <input type="hidden" name="id" value=e.id.to_string() />
                        <Button kind="submit" variant=Variant::Secondary busy=delete.pending()>"Delete event"</Button>
                    </ActionForm>
                </div>
            </Card>
        })}
    }
}

/// Admins only: the event's payouts, and the switch that holds them.
#[component]
fn PayoutsPanel(
    event_id: i64,
    frozen: Option<String>,
    freeze: ServerAction<FreezePayouts>,
) -> impl IntoView {
    let is_frozen = frozen.is_some();
    let text = match frozen {
        Some(at) => format!("Payouts are frozen (since {at}): this event's takings stay in escrow until they are released."),
        None => "Takings are paid out after the event's end plus the hold-back period. Freeze them while a complaint is looked into.".to_string(),
    };
    view! {
        <Card>
            <h2 class="text-lg font-semibold">"Payouts"</h2>
            <p class="mt-1 text-sm text-slate-600" data-testid="payouts-state">{text}</p>
            <ActionForm action=freeze attr:class="mt-3">
                <input type="hidden" name="id" value=event_id.to_string() />
                <input type="hidden" name="frozen" value=(!is_frozen).to_string() />
                <Button kind="submit" variant=Variant::Secondary busy=freeze.pending()>
                    {if is_frozen { "Release payouts" } else { "Freeze payouts" }}
                </Button>
            </ActionForm>
        </Card>
    }
}
