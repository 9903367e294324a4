use leptos::prelude::*;
use leptos_meta::Title;

use super::clock;
use crate::accounts::pages::RequireSignIn;
use crate::components::Skeleton;
use crate::components::{Badge, ButtonLink, EmptyState, ErrorView, IconName, Tone};
use crate::events::api::my_tickets;
use crate::events::model::{TicketStatus, TicketView};

/// Every valid ticket of the signed-in person, with its QR code.
#[component]
pub fn MyTicketsPage() -> impl IntoView {
    view! {
        <RequireSignIn>
            <MyTickets />
        </RequireSignIn>
    }
}

#[component]
fn MyTickets() -> impl IntoView {
    let tickets = Resource::new(|| (), |_| my_tickets());
    view! {
        <Title text="My tickets" />
        <div class="space-y-6">
            <div class="flex flex-wrap items-center justify-between gap-3">
                <h1 class="text-3xl font-bold tracking-tight">"My tickets"</h1>
                <ButtonLink href="/orders" variant=crate::components::Variant::Secondary>"My orders"</ButtonLink>
            </div>
            <Suspense fallback=|| view! { <Skeleton height="h-72" /> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorView errors /> }>
                    {move || Suspend::new(async move {
                        tickets.await.map(|tickets| if tickets.is_empty() {
                            view! {
                                <EmptyState icon=IconName::Ticket title="No tickets yet" message="Tickets appear here as soon as an order is confirmed.">
                                    <ButtonLink href="/events">"Find an event"</ButtonLink>
                                </EmptyState>
                            }.into_any()
                        } else {
                            view! {
                                <ul class="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" data-testid="tickets">
                                    {tickets.into_iter().map(|t| view! { <li><TicketCard ticket=t /></li> }).collect_view()}
                                </ul>
                            }.into_any()
                        })
                    })}
                </ErrorBoundary>
            </Suspense>
        </div>
    }
}

/// A ticket as it is shown at the door: QR code, code, event, tier.
#[component]
pub fn TicketCard(ticket: TicketView) -> impl IntoView {
    let void = ticket.status != TicketStatus::Valid;
    view! {
        <article class="flex h-full flex-col overflow-hidden rounded-2xl border border-slate-200 bg-white shadow-sm" data-testid="ticket" data-code=ticket.code.clone()>
            <div class="border-b border-dashed border-slate-300 p-4">
                <p class="font-semibold">{ticket.event_name.clone()}</p>
                <p class="text-sm text-slate-600">{ticket.when_label.clone()}</p>
                <p class="truncate text-sm text-slate-500">{ticket.venue.clone()}</p>
            </div>
            <div class="flex flex-1 flex-col items-center gap-2 p-4">
                <div
                    class="size-44 [&>svg]:size-full"
                    class:opacity-30=void
                    role="img"
                    aria-label=format!("QR code of ticket {}", ticket.code)
                    data-testid="ticket-qr"
                    inner_html=ticket.qr_svg.clone()
                ></div>
                <p class="break-all text-center font-mono text-xs text-slate-700" data-testid="ticket-code">{ticket.code.clone()}</p>
                <div class="flex flex-wrap items-center justify-center gap-2">
                    <Badge tone=Tone::Brand>{ticket.tier_name.clone()}</Badge>
                    {if void {
                        view! { <Badge tone=Tone::Danger>"Cancelled"</Badge> }.into_any()
                    } else if let Some(at) = ticket.checked_in_at {
                        view! { <Badge tone=Tone::Success>{format!("Checked in {}", clock(at))}</Badge> }.into_any()
                    } else {
                        ().into_any()
                    }}
                </div>
            </div>
            <div class="flex justify-between gap-2 border-t border-slate-100 px-4 py-2 text-sm">
                <a class="font-medium text-brand-700 hover:underline" href=format!("/tickets/{}/qr.svg", ticket.code) download=format!("ticket-{}.svg", ticket.code)>"Download"</a>
                <a class="font-medium text-brand-700 hover:underline" href=format!("/events/{}/calendar.ics", ticket.event_id) download>"Add to calendar"</a>
            </div>
        </article>
    }
}
