use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use super::browse::Cover;
use super::{Availability, EventStatusBadge, money};
use crate::accounts::context::{field_error, use_auth};
use crate::accounts::pages::{FormAlert, sign_in_href};
use crate::components::{Badge, Button, ButtonLink, Tone, Variant};
use crate::components::{FailedPage, INPUT, Notice, Skeleton, id_param, query_param};
use crate::events::api::{HoldSeats, get_event};
use crate::events::model::{EventStatus, EventView, PaymentMethod, SaleState, TierView};
use crate::live::client::use_topic;
use crate::live::protocol::Payload;

/// A tier's available seats in the live state of its event, if known.
fn live_seats(live: Signal<Option<Payload>>, tier_id: i64) -> Option<i64> {
    live.with(|payload| match payload {
        Some(Payload::Availability { tiers, .. }) => tiers
            .iter()
            .find(|t| t.tier_id == tier_id)
            .map(|t| t.available),
        _ => None,
    })
}

/// One event: details, tiers with live availability, and "hold seats".
#[component]
pub fn EventPage() -> impl IntoView {
    let id = id_param("id");
    let event = Resource::new(move || id.get(), get_event);
    let hold = ServerAction::<HoldSeats>::new();
    view! {
        <Suspense fallback=|| view! { <Skeleton height="h-96" /> }>
            {move || Suspend::new(async move {
                match event.await {
                    Ok(e) => view! { <EventDetail event=e hold /> }.into_any(),
                    Err(error) => view! { <FailedPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn EventDetail(event: EventView, hold: ServerAction<HoldSeats>) -> impl IntoView {
    let released = query_param("released");
    // Seat counts follow the event live once the page has connected.
    let live = use_topic(format!("event:{}", event.id));
    let event_id = event.id;
    let cancelled = event.status == EventStatus::Cancelled;
    view! {
        <Title text=event.name.clone() />
        <article class="space-y-8">
            <a href="/events" class="text-sm font-medium text-brand-700 hover:underline">"← All events"</a>
            <div class="overflow-hidden rounded-3xl border border-slate-200 bg-white shadow-sm">
                <Cover url=event.cover_url.clone() name=event.name.clone() class="h-48 sm:h-64" />
                <div class="space-y-3 p-6">
                    <div class="flex flex-wrap items-center gap-2">
                        <Badge tone=Tone::Brand>{event.category.clone()}</Badge>
                        <EventStatusBadge status=event.status />
                    </div>
                    <h1 class="text-3xl font-bold tracking-tight sm:text-4xl">{event.name.clone()}</h1>
                    <dl class="grid gap-2 text-sm text-slate-700 sm:grid-cols-2">
                        <div><dt class="font-medium text-slate-500">"When"</dt><dd data-testid="event-when">{event.when_label.clone()}</dd></div>
                        <div><dt class="font-medium text-slate-500">"Where"</dt><dd>{if event.venue.is_empty() { "To be announced".to_string() } else { event.venue.clone() }}</dd></div>
                        <div><dt class="font-medium text-slate-500">"Organizer"</dt><dd><a class="text-brand-700 hover:underline" href=format!("/users/{}", event.organizer_id)>{event.organizer_name.clone()}</a></dd></div>
                        <div><dt class="font-medium text-slate-500">"Payment"</dt><dd data-testid="payment-method">{event.payment_method.label()}</dd></div>
                        <div><dt class="font-medium text-slate-500">"Cancellation"</dt><dd data-testid="refund-policy">{if event.payment_method == PaymentMethod::Door { "Free until it starts: nothing is paid before the door".to_string() } else if event.cancellation_fee_pct == 0 { "Full refund to your wallet until it starts".to_string() } else { format!("Refund less {}% until it starts", event.cancellation_fee_pct) }}</dd></div>
                        <div><dt class="font-medium text-slate-500">"Calendar"</dt><dd><a class="text-brand-700 hover:underline" href=format!("/events/{}/calendar.ics", event.id) download>"Add to calendar (.ics)"</a></dd></div>
                    </dl>
                    {event.can_manage.then(|| view! {
                        <div class="flex flex-wrap gap-2 pt-2">
                            <ButtonLink href=format!("/organizer/events/{}", event.id) variant=Variant::Secondary>"Dashboard"</ButtonLink>
                            <ButtonLink href=format!("/organizer/events/{}/edit", event.id) variant=Variant::Secondary>"Edit"</ButtonLink>
                        </div>
                    })}
                </div>
            </div>
            {cancelled.then(|| view! {
                <div role="alert" class="rounded-xl border border-red-200 bg-red-50 p-4 text-red-800">"This event was cancelled. Its orders were cancelled too."</div>
            })}
            <div class="grid gap-8 lg:grid-cols-5">
                <section class="lg:col-span-3" aria-labelledby="about">
                    <h2 id="about" class="text-xl font-semibold">"About"</h2>
                    <p class="mt-3 whitespace-pre-line leading-relaxed text-slate-700">
                        {if event.description.is_empty() { "The organizer hasn't written a description yet.".to_string() } else { event.description.clone() }}
                    </p>
                </section>
                <section class="lg:col-span-2" aria-labelledby="tickets">
                    <h2 id="tickets" class="text-xl font-semibold">"Tickets"</h2>
                    <div class="mt-3 space-y-3">
                        <Notice when=Signal::derive(move || released.get() == "1") text="Your seats were released." />
                        <FormAlert message=field_error(hold.value(), None) />
                        <FormAlert message=field_error(hold.value(), Some("quantity")) />
                        {if event.tiers.is_empty() {
                            view! { <p class="text-sm text-slate-600">"No tickets yet."</p> }.into_any()
                        } else {
                            event.tiers.iter().filter(|t| t.active).cloned().map(|t| {
                                let (id, rendered) = (t.id, t.available);
                                let available = Signal::derive(move || live_seats(live, id).unwrap_or(rendered));
                                view! { <TierRow tier=t currency=event.currency.clone() hold available /> }
                            }).collect_view().into_any()
                        }}
                    </div>
                </section>
            </div>
            <crate::reviews::pages::ReviewsSection
                of=crate::reviews::pages::Of::Event(event_id)
                back=format!("/events/{event_id}")
            />
        </article>
    }
}

#[component]
fn TierRow(
    tier: TierView,
    currency: String,
    hold: ServerAction<HoldSeats>,
    available: Signal<i64>,
) -> impl IntoView {
    let auth = use_auth();
    let login = sign_in_href();
    let on_sale = matches!(tier.sale, SaleState::OnSale | SaleState::SoldOut);
    let max = tier.available.clamp(1, 10);
    let tier_id = tier.id;
    // Re-render the form only when it appears or goes, not on every count.
    let buyable = Memo::new(move |_| on_sale && available.get() > 0);
    let pending = Signal::derive(move || {
        hold.pending().get()
            && hold
                .input()
                .read()
                .as_ref()
                .is_some_and(|i| i.tier_id == tier_id)
    });
    view! {
        <div class="rounded-2xl border border-slate-200 bg-white p-4 shadow-sm" data-testid="tier" data-tier=tier.name.clone()>
            <div class="flex items-start justify-between gap-3">
                <div class="min-w-0">
                    <h3 class="font-semibold">{tier.name.clone()}</h3>
                    {(!tier.description.is_empty()).then(|| view! { <p class="text-sm text-slate-600">{tier.description.clone()}</p> })}
                </div>
                <p class="shrink-0 text-lg font-bold">{money(tier.price_cents, &currency)}</p>
            </div>
            <div class="mt-3 flex flex-wrap items-center justify-between gap-3">
                <Availability tier=tier.clone() available />
                {move || if !buyable.get() {
                    ().into_any()
                } else if auth.me.get_untracked().is_none() {
                    view! { <a href=move || login.get() class="text-sm font-semibold text-brand-700 hover:underline">"Sign in to buy"</a> }.into_any()
                } else {
                    view! {
                        <ActionForm action=hold attr:class="flex items-center gap-2">
                            <input type="hidden" name="tier_id" value=tier.id.to_string() />
                            <label class="sr-only" for=format!("qty-{}", tier.id)>"Seats"</label>
                            <select id=format!("qty-{}", tier.id) name="quantity" class=format!("{INPUT} w-20")>
                                {(1..=max).map(|n| view! { <option value=n.to_string()>{n}</option> }).collect_view()}
                            </select>
                            <Button kind="submit" busy=pending>"Hold seats"</Button>
                        </ActionForm>
                    }.into_any()
                }}
            </div>
        </div>
    }
}
