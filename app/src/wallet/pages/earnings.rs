use leptos::prelude::*;
use leptos_meta::Title;

use super::wallet_changes;
use crate::accounts::pages::RequireSignIn;
use crate::components::Skeleton;
use crate::components::{ButtonLink, EmptyState, ErrorView, IconName, Variant};
use crate::wallet::api::my_earnings;
use crate::wallet::model::{Earnings, money};

/// An organizer's takings: held in escrow until each event is over, then
/// paid out to their wallet less the platform fee.
#[component]
pub fn EarningsPage() -> impl IntoView {
    view! {
        <RequireSignIn>
            <EarningsView />
        </RequireSignIn>
    }
}

#[component]
fn EarningsView() -> impl IntoView {
    let changes = wallet_changes();
    let data = Resource::new(move || changes.get(), |_| my_earnings());
    view! {
        <Title text="Earnings" />
        <div class="mx-auto max-w-4xl space-y-6">
            <div class="flex flex-wrap items-center justify-between gap-3">
                <h1 class="text-3xl font-bold tracking-tight">"Earnings"</h1>
                <ButtonLink href="/wallet" variant=Variant::Secondary>"Wallet"</ButtonLink>
            </div>
            <Suspense fallback=|| view! { <Skeleton /> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorView errors /> }>
                    {move || Suspend::new(async move { data.await.map(summary) })}
                </ErrorBoundary>
            </Suspense>
        </div>
    }
}

fn summary(e: Earnings) -> impl IntoView {
    let fee = format!("{}.{:02}%", e.fee_bps / 100, e.fee_bps % 100);
    view! {
        <dl class="grid gap-4 sm:grid-cols-3">
            <div class="rounded-2xl border border-slate-200 bg-white p-5">
                <dt class="text-sm text-slate-600">"In escrow"</dt>
                <dd class="mt-1 text-2xl font-semibold tabular-nums" data-testid="in-escrow">{money(e.in_escrow_cents)}</dd>
                <p class="mt-1 text-xs text-slate-500">"Paid out after each event is over."</p>
            </div>
            <div class="rounded-2xl border border-slate-200 bg-white p-5">
                <dt class="text-sm text-slate-600">"Paid out"</dt>
                <dd class="mt-1 text-2xl font-semibold tabular-nums" data-testid="paid-out">{money(e.paid_out_cents)}</dd>
                <p class="mt-1 text-xs text-slate-500">"To your wallet."</p>
            </div>
            <div class="rounded-2xl border border-slate-200 bg-white p-5">
                <dt class="text-sm text-slate-600">"Platform fees"</dt>
                <dd class="mt-1 text-2xl font-semibold tabular-nums">{money(e.fees_cents)}</dd>
                <p class="mt-1 text-xs text-slate-500">{format!("{fee} of each payout.")}</p>
            </div>
        </dl>
        {if e.events.is_empty() {
            view! {
                <EmptyState icon=IconName::Ticket title="No sales yet" message="When people buy tickets to your events, your takings show up here." />
            }.into_any()
        } else {
            view! {
                <div class="overflow-x-auto rounded-2xl border border-slate-200 bg-white">
                    <table class="min-w-full divide-y divide-slate-200 text-sm" data-testid="earnings">
                        <thead class="bg-slate-50 text-left text-slate-600">
                            <tr>
                                <th scope="col" class="px-4 py-2 font-medium">"Event"</th>
                                <th scope="col" class="px-4 py-2 text-right font-medium">"Sales"</th>
                                <th scope="col" class="px-4 py-2 text-right font-medium">"Refunded"</th>
                                <th scope="col" class="px-4 py-2 text-right font-medium">"In escrow"</th>
                                <th scope="col" class="px-4 py-2 text-right font-medium">"Paid out"</th>
                            </tr>
                        </thead>
                        <tbody class="divide-y divide-slate-100">
                            {e.events.into_iter().map(|row| view! {
                                <tr>
                                    <td class="px-4 py-2"><a href=format!("/organizer/events/{}", row.event_id) class="font-medium hover:underline">{row.event_name}</a></td>
                                    <td class="px-4 py-2 text-right tabular-nums">{money(row.sales_cents)}</td>
                                    <td class="px-4 py-2 text-right tabular-nums">{money(row.refunded_cents)}</td>
                                    <td class="px-4 py-2 text-right tabular-nums">{money(row.in_escrow_cents)}</td>
                                    <td class="px-4 py-2 text-right tabular-nums">{money(row.paid_out_cents)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        }}
    }
}
