use leptos::prelude::*;
use leptos_meta::Title;

use super::{TransactionLine, wallet_changes};
use crate::accounts::pages::RequireSignIn;
use crate::components::{ButtonLink, EmptyState, ErrorView, IconName, Variant};
use crate::components::{INPUT, Skeleton, query_param};
use crate::kernel::text::url_encode;
use crate::wallet::api::wallet_history;
use crate::wallet::model::{TxKind, TxQuery};

/// Every transaction of the person's wallet, filtered, 20 to a page.
#[component]
pub fn TransactionsPage() -> impl IntoView {
    view! {
        <RequireSignIn>
            <History />
        </RequireSignIn>
    }
}

#[component]
fn History() -> impl IntoView {
    let kind = query_param("kind");
    let direction = query_param("direction");
    let page = query_param("page");
    let changes = wallet_changes();
    let query = move || TxQuery {
        kind: Some(kind.get()).filter(|k| !k.is_empty()),
        direction: Some(direction.get()).filter(|d| !d.is_empty()),
        page: page.get().parse().ok(),
    };
    let data = Resource::new(move || (query(), changes.get()), |(q, _)| wallet_history(q));
    let link = move |to: i64| {
        format!(
            "/wallet/transactions?kind={}&direction={}&page={to}",
            url_encode(&kind.get_untracked()),
            url_encode(&direction.get_untracked())
        )
    };
    view! {
        <Title text="Transactions" />
        <div class="mx-auto max-w-3xl space-y-6">
            <div class="flex flex-wrap items-center justify-between gap-3">
                <h1 class="text-3xl font-bold tracking-tight">"Transactions"</h1>
                <ButtonLink href="/wallet" variant=Variant::Secondary>"Back to wallet"</ButtonLink>
            </div>
            <form method="get" action="/wallet/transactions" class="flex flex-wrap items-end gap-3" data-testid="filters">
                <label class="space-y-1 text-sm">
                    <span class="block font-medium text-slate-800">"Kind"</span>
                    <select name="kind" class=INPUT>
                        <option value="" selected=move || kind.get().is_empty()>"All"</option>
                        {TxKind::ALL.iter().copied().map(|k| view! {
                            <option value=k.as_str() selected=move || kind.get() == k.as_str()>{k.label()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="space-y-1 text-sm">
                    <span class="block font-medium text-slate-800">"Direction"</span>
                    <select name="direction" class=INPUT>
                        <option value="" selected=move || direction.get().is_empty()>"In and out"</option>
                        <option value="in" selected=move || direction.get() == "in">"Money in"</option>
                        <option value="out" selected=move || direction.get() == "out">"Money out"</option>
                    </select>
                </label>
                <button type="submit" class="rounded-lg bg-slate-900 px-4 py-2 text-sm font-semibold text-white hover:bg-slate-700">"Filter"</button>
            </form>
            <Suspense fallback=|| view! { <Skeleton /> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorView errors /> }>
                    {move || Suspend::new(async move {
                        data.await.map(|list| {
                            let current = list.page;
                            let prev = (current > 1).then(|| link(current - 1));
                            let next = list.has_more.then(|| link(current + 1));
                            if list.items.is_empty() {
                                return view! {
                                    <EmptyState icon=IconName::Sparkles title="Nothing here" message="No transactions match these filters." />
                                }.into_any();
                            }
                            view! {
                                <ul class="divide-y divide-slate-200 overflow-hidden rounded-2xl border border-slate-200 bg-white" data-testid="transactions">
                                    {list.items.into_iter().map(|tx| view! { <li><TransactionLine tx /></li> }).collect_view()}
                                </ul>
                                <nav class="flex items-center justify-between text-sm" aria-label="Pages">
                                    {prev.map(|href| view! { <a href=href class="font-medium text-brand-700 hover:underline">"← Newer"</a> })}
                                    <span class="text-slate-500">{format!("Page {current}")}</span>
                                    {next.map(|href| view! { <a href=href class="font-medium text-brand-700 hover:underline">"Older →"</a> })}
                                </nav>
                            }.into_any()
                        })
                    })}
                </ErrorBoundary>
            </Suspense>
        </div>
    }
}
