use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use super::ServiceCard;
use crate::components::{Button, ButtonLink, EmptyState, ErrorView, IconName, Variant};
use crate::components::{INPUT, Pager, Skeleton};
use crate::services::api::list_services;
use crate::services::model::ServiceQuery;

/// Bookable services, with text search, category and price filters.
#[component]
pub fn ServicesPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).unwrap_or_default();
    let filters = Memo::new(move |_| ServiceQuery {
        q: param("q"),
        category: param("category"),
        min_price: param("min_price"),
        max_price: param("max_price"),
        provider: None,
        page: param("page").parse().ok(),
    });
    let services = Resource::new(move || filters.get(), list_services);
    let value = move |name: &'static str| move || param(name);
    view! {
        <Title text="Services" />
        <div class="flex flex-wrap items-end justify-between gap-4">
            <div>
                <h1 class="text-3xl font-bold tracking-tight">"Services"</h1>
                <p class="mt-1 text-slate-600">"Book a provider for a time that suits you. Free times update live."</p>
            </div>
            <ButtonLink href="/bookings" variant=Variant::Secondary>"My bookings"</ButtonLink>
        </div>
        <Form method="GET" action="" attr:class="mt-6 grid gap-3 rounded-2xl border border-slate-200 bg-white p-4 sm:grid-cols-2 lg:grid-cols-5" attr:role="search">
            <div class="sm:col-span-2">
                <label for="sv-q" class="block text-xs font-medium text-slate-600">"Search"</label>
                <input id="sv-q" type="search" name="q" value=value("q") placeholder="Service, provider, description" class=INPUT />
            </div>
            <Transition fallback=|| view! { <div></div> }>
                {move || Suspend::new(async move {
                    let categories = services.await.map(|l| l.categories).unwrap_or_default();
                    let current = param("category");
                    view! {
                        <div>
                            <label for="sv-category" class="block text-xs font-medium text-slate-600">"Category"</label>
                            <select id="sv-category" name="category" class=INPUT>
                                <option value="" selected=current.is_empty()>"Any"</option>
                                {categories.into_iter().map(|c| {
                                    let selected = c.eq_ignore_ascii_case(&current);
                                    view! { <option value=c.clone() selected=selected>{c.clone()}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                    }
                })}
            </Transition>
            <div>
                <label for="sv-min" class="block text-xs font-medium text-slate-600">"Min price"</label>
                <input id="sv-min" name="min_price" inputmode="decimal" value=value("min_price") placeholder="0" class=INPUT />
            </div>
            <div>
                <label for="sv-max" class="block text-xs font-medium text-slate-600">"Max price"</label>
                <input id="sv-max" name="max_price" inputmode="decimal" value=value("max_price") placeholder="Any" class=INPUT />
            </div>
            <div class="flex items-end justify-end gap-2 sm:col-span-2 lg:col-span-5">
                <a href="/services" class="rounded-lg px-3 py-2 text-sm font-medium text-slate-600 hover:bg-slate-100">"Clear"</a>
                <Button kind="submit">"Show services"</Button>
            </div>
        </Form>
        <div class="mt-6">
            <Transition fallback=|| view! { <div class="grid gap-4 sm:grid-cols-2 lg:grid-cols-3"><Skeleton height="h-48" /><Skeleton height="h-48" /><Skeleton height="h-48" /></div> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorView errors /> }>
                    {move || Suspend::new(async move {
                        services.await.map(|list| {
                            if list.services.is_empty() {
                                return view! {
                                    <EmptyState icon=IconName::Calendar title="No services match" message="Try another search or clear the filters." />
                                }.into_any();
                            }
                            let (page, has_more) = (list.page, list.has_more);
                            view! {
                                <ul class="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" aria-label="Services">
                                    {list.services.into_iter().map(|s| view! { <li><ServiceCard service=s /></li> }).collect_view()}
                                </ul>
                                <Pager path="/services" page has_more />
                            }.into_any()
                        })
                    })}
                </ErrorBoundary>
            </Transition>
        </div>
    }
}
