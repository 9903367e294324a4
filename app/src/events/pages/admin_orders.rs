use leptos::prelude::*;
use leptos_meta::Title;

use super::orders::OrderLine;
use crate::accounts::pages::RequireSignIn;
use crate::components::{EmptyState, ErrorView, IconName};
use crate::components::{Skeleton, query_param};
use crate::events::api::all_orders;

/// Every order on the platform, newest first (admins only; the server
/// refuses anyone else).
#[component]
pub fn AdminOrdersPage() -> impl IntoView {
    view! {
        <RequireSignIn>
            <AllOrders />
        </RequireSignIn>
    }
}

#[component]
fn AllOrders() -> impl IntoView {
    let page_param = query_param("page");
    let page = Memo::new(move |_| page_param.get().parse::<i64>().unwrap_or(1).max(1));
    let orders = Resource::new(move || page.get(), all_orders);
    view! {
        <Title text="All orders" />
        <div class="mx-auto max-w-4xl space-y-6">
            <h1 class="text-3xl font-bold tracking-tight">"All orders"</h1>
            <Suspense fallback=|| view! { <Skeleton /> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorView errors /> }>
                    {move || Suspend::new(async move {
                        orders.await.map(|orders| {
                            let page = page.get_untracked();
                            let full = orders.len() == 50;
                            if orders.is_empty() {
                                return view! { <EmptyState icon=IconName::Ticket title="No orders" message="Nothing on this page." /> }.into_any();
                            }
                            view! {
                                <ul class="divide-y divide-slate-200 overflow-hidden rounded-2xl border border-slate-200 bg-white">
                                    {orders.into_iter().map(|o| view! { <li><OrderLine order=o /></li> }).collect_view()}
                                </ul>
                                <nav class="flex justify-between text-sm" aria-label="Pages">
                                    <span>{(page > 1).then(|| view! { <a class="font-semibold text-brand-700 hover:underline" href=format!("?page={}", page - 1)>"← Newer"</a> })}</span>
                                    <span>{full.then(|| view! { <a class="font-semibold text-brand-700 hover:underline" href=format!("?page={}", page + 1)>"Older →"</a> })}</span>
                                </nav>
                            }.into_any()
                        })
                    })}
                </ErrorBoundary>
            </Suspense>
        </div>
    }
}
