use crate::accounts::context::notices_matching;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use super::tickets::TicketCard;
use super::{Countdown, OrderStatusBadge, clock, money};
use crate::accounts::context::field_error;
use crate::accounts::pages::{FormAlert, RequireSignIn};
use crate::components::{Button, ButtonLink, Card, EmptyState, ErrorView, IconName, Variant};
use crate::components::{FailedPage, Notice, Skeleton, id_param, query_param};
use crate::error::AppError;
use crate::events::api::{CancelOrder, get_order, my_orders};
use crate::events::model::{HoldView, OrderStatus, OrderView, PaymentMethod};
use crate::live::protocol::Notice;
use crate::wallet::model::TransactionView;

/// The signed-in person's seat holds and orders.
#[component]
pub fn MyOrdersPage() -> impl IntoView {
    view! {
        <RequireSignIn>
            <MyOrders />
        </RequireSignIn>
    }
}

#[component]
fn MyOrders() -> impl IntoView {
    // Live: an order changing status, or a hold made, released or lapsing
    // (here or in another tab), reloads the list.
    let changed = notices_matching(|notice| {
        matches!(
            notice,
            Notice::OrderChanged { .. } | Notice::HoldExpired { .. } | Notice::HoldChanged { .. }
        )
    });
    let data = Resource::new(move || changed.get(), |_| my_orders());
    view! {
        <Title text="My orders" />
        <div class="mx-auto max-w-3xl space-y-8">
            <div class="flex flex-wrap items-center justify-between gap-3">
                <h1 class="text-3xl font-bold tracking-tight">"My orders"</h1>
                <ButtonLink href="/tickets" variant=Variant::Secondary>"My tickets"</ButtonLink>
            </div>
            <Suspense fallback=|| view! { <Skeleton /> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorView errors /> }>
                    {move || Suspend::new(async move {
                        data.await.map(|mine| view! {
                            {(!mine.holds.is_empty()).then(|| view! {
                                <section aria-labelledby="holds" class="space-y-3">
                                    <h2 id="holds" class="text-lg font-semibold">"Seats on hold"</h2>
                                    <ul class="space-y-3">
                                        {mine.holds.into_iter().map(|h| view! { <li><HoldLine hold=h /></li> }).collect_view()}
                                    </ul>
                                </section>
                            })}
                            <section aria-labelledby="orders" class="space-y-3">
                                <h2 id="orders" class="text-lg font-semibold">"Orders"</h2>
                                {if mine.orders.is_empty() {
                                    view! {
                                        <EmptyState icon=IconName::Ticket title="No orders yet" message="When you buy tickets, your orders show up here.">
                                            <ButtonLink href="/events">"Browse events"</ButtonLink>
                                        </EmptyState>
                                    }.into_any()
                                } else {
                                    view! {
                                        <ul class="divide-y divide-slate-200 overflow-hidden rounded-2xl border border-slate-200 bg-white" data-testid="orders">
                                            {mine.orders.into_iter().map(|o| view! { <li><OrderLine order=o /></li> }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </section>
                        })
                    })}
                </ErrorBoundary>
            </Suspense>
        </div>
    }
}

#[component]
fn HoldLine(hold: HoldView) -> impl IntoView {
    view! {
        <a href=format!("/checkout/{}", hold.id) class="flex flex-wrap items-center justify-between gap-3 rounded-2xl border border-amber-200 bg-amber-50 p-4 hover:bg-amber-100">
            <div>
                <p class="font-semibold">{hold.event_name.clone()}</p>
                <p class="text-sm text-slate-700">{format!("{} × {}", hold.quantity, hold.tier_name)}</p>
            </div>
            <Countdown seconds_left=hold.seconds_left expires_label=clock(hold.expires_at) />
        </a>
    }
}

#[component]
pub fn OrderLine(order: OrderView) -> impl IntoView {
    view! {
        <a href=format!("/orders/{}", order.id) class="flex flex-wrap items-center justify-between gap-3 px-4 py-3 hover:bg-slate-50">
            <div class="min-w-0">
                <p class="truncate font-medium">{order.event_name.clone()}</p>
                <p class="text-sm text-slate-600">{format!("#{} · {} × {} · {}", order.id, order.quantity, order.tier_name, order.when_label)}</p>
            </div>
            <div class="flex items-center gap-3">
                <span class="font-semibold">{money(order.total_cents, &order.currency)}</span>
                <OrderStatusBadge status=order.status />
            </div>
        </a>
    }
}

/// Counts live notices about order `id` on the signed-in person's topic
/// (0 on the server and until one arrives).
fn order_changes(id: Memo<i64>) -> Memo<u64> {
    notices_matching(
        move |notice| matches!(notice, Notice::OrderChanged { order_id, .. } if *order_id == id.get_untracked()),
    )
}

/// One order: what it is, its status, its tickets, and cancelling.
#[component]
pub fn OrderPage() -> impl IntoView {
    view! {
        <RequireSignIn>
            <OrderView />
        </RequireSignIn>
    }
}

#[component]
fn OrderView() -> impl IntoView {
    let id = id_param("id");
    let cancel = ServerAction::<CancelOrder>::new();
    // A cancel (with or without JavaScript) comes back here; load again then.
    // ... and when the order changes elsewhere (live, on the buyer's topic).
    let changed = order_changes(id);
    // The order's chat, made first (see `ChatThread`).
    let thread = Resource::new(move || id.get(), crate::events::api::order_chat);
    let order = Resource::new(
        move || (id.get(), cancel.version().get(), changed.get()),
        |(id, _, _)| get_order(id),
    );
    let placed = query_param("placed");
    // The order's money, from the buyer's wallet; made here (not in the
    // detail, which is rebuilt on every reload) so it outlives each render.
    let money_changes = crate::wallet::pages::wallet_changes();
    let receipt = Resource::new(
        move || {
            (
                id.get(),
                cancel.version().get(),
                changed.get(),
                money_changes.get(),
            )
        },
        |(id, ..)| crate::wallet::api::order_receipt(id),
    );
    view! {
        <Title text="Order" />
        <div class="mx-auto max-w-3xl space-y-6">
            <a href="/orders" class="text-sm font-medium text-brand-700 hover:underline">"← My orders"</a>
            <Notice when=Signal::derive(move || placed.get() == "1") text="Order confirmed. Your tickets are below; show the QR code at the door." />
            <FormAlert message=field_error(cancel.value(), None) />
            <Suspense fallback=|| view! { <Skeleton /> }>
                {move || Suspend::new(async move {
                    match order.await {
                        Ok(o) => view! { <OrderDetail order=o cancel receipt /> }.into_any(),
                        Err(error) => view! { <FailedPage error /> }.into_any(),
                    }
                })}
            </Suspense>
            <crate::chat::pages::ChatThread thread back=Signal::derive(move || format!("/orders/{}", id.get())) />
        </div>
    }
}

#[component]
fn OrderDetail(
    order: OrderView,
    cancel: ServerAction<CancelOrder>,
    receipt: Resource<Result<Vec<TransactionView>, AppError>>,
) -> impl IntoView {
    let here = format!("/orders/{}", order.id);
    view! {
        <Card>
            <div class="flex flex-wrap items-start justify-between gap-3">
                <div>
                    <h1 class="text-2xl font-bold tracking-tight">{format!("Order #{}", order.id)}</h1>
                    <a href=format!("/events/{}", order.event_id) class="font-medium text-brand-700 hover:underline">{order.event_name.clone()}</a>
                    <p class="text-sm text-slate-600">{order.when_label.clone()}</p>
                </div>
                <span data-testid="order-status"><OrderStatusBadge status=order.status /></span>
            </div>
            <dl class="mt-4 divide-y divide-slate-100 text-sm">
                <div class="flex justify-between py-2"><dt class="text-slate-600">"Tier"</dt><dd>{order.tier_name.clone()}</dd></div>
                <div class="flex justify-between py-2"><dt class="text-slate-600">"Seats"</dt><dd>{order.quantity}</dd></div>
                <div class="flex justify-between py-2"><dt class="text-slate-600">"Price each"</dt><dd>{money(order.unit_price_cents, &order.currency)}</dd></div>
                <div class="flex justify-between py-2 text-base"><dt class="font-semibold">"Total"</dt><dd class="font-bold">{money(order.total_cents, &order.currency)}</dd></div>
                <div class="flex justify-between py-2"><dt class="text-slate-600">"Payment"</dt><dd data-testid="order-payment">{match order.payment_method { PaymentMethod::Wallet => "From your wallet", PaymentMethod::Door => "At the door" }}</dd></div>
                {(order.payment_method == PaymentMethod::Wallet).then(|| view! {
                    <div class="flex justify-between py-2"><dt class="text-slate-600">"Cancellation"</dt><dd>{refund_policy(order.cancellation_fee_pct)}</dd></div>
                })}
                {(!order.notes.is_empty()).then(|| view! { <div class="flex justify-between gap-4 py-2"><dt class="text-slate-600">"Notes"</dt><dd class="text-right">{order.notes.clone()}</dd></div> })}
                {order.cancel_reason.clone().filter(|_| order.status == OrderStatus::Cancelled).map(|r| view! {
                    <div class="flex justify-between gap-4 py-2"><dt class="text-slate-600">"Cancelled"</dt><dd class="text-right">{r}</dd></div>
                })}
            </dl>
            {order.can_cancel.then(|| view! {
                <ActionForm action=cancel attr:class="mt-4">
                    <input type="hidden" name="id" value=order.id.to_string() />
                    <input type="hidden" name="back" value=here.clone() />
                    <Button kind="submit" variant=Variant::Danger busy=cancel.pending()>"Cancel order"</Button>
                    <p class="mt-1 text-xs text-slate-500">{if order.payment_method == PaymentMethod::Door { "The seats go back on sale and the tickets stop working. Nothing was paid here, so nothing is refunded." } else { "The seats go back on sale, the tickets stop working and the payment is refunded to your wallet (less any cancellation fee)." }}</p>
                </ActionForm>
            })}
        </Card>
        <OrderReceipt lines=receipt />
        {(!order.tickets.is_empty()).then(|| view! {
            <section aria-labelledby="order-tickets" class="space-y-3">
                <h2 id="order-tickets" class="text-lg font-semibold">"Tickets"</h2>
                <ul class="grid gap-4 sm:grid-cols-2">
                    {order.tickets.clone().into_iter().map(|t| view! { <li><TicketCard ticket=t /></li> }).collect_view()}
                </ul>
            </section>
        })}
    }
}

fn refund_policy(fee_pct: i64) -> String {
    if fee_pct == 0 {
        "Full refund until the event starts".into()
    } else {
        format!("Refund less a {fee_pct}% fee until the event starts")
    }
}

/// The order's money, from the buyer's wallet: payment, refund.
#[component]
fn OrderReceipt(lines: Resource<Result<Vec<TransactionView>, AppError>>) -> impl IntoView {
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                lines.await.ok().filter(|l| !l.is_empty()).map(|l| view! {
                    <section aria-labelledby="receipt" class="space-y-3">
                        <h2 id="receipt" class="text-lg font-semibold">"Receipt"</h2>
                        <ul class="divide-y divide-slate-200 overflow-hidden rounded-2xl border border-slate-200 bg-white" data-testid="receipt">
                            {l.into_iter().map(|tx| view! { <li><crate::wallet::pages::TransactionLine tx /></li> }).collect_view()}
                        </ul>
                    </section>
                })
            })}
        </Suspense>
    }
}
