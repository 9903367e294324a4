use leptos::prelude::*;
use leptos_meta::Title;

use super::ServiceCard;
use crate::components::EmptyState;
use crate::components::{FailedPage, Skeleton, id_param};
use crate::reviews::pages::{Of, ReviewsSection};
use crate::services::api::get_provider;
use crate::services::model::ProviderView;

/// A provider's public page: who they are, their rating and services.
#[component]
pub fn ProviderPage() -> impl IntoView {
    let id = id_param("id");
    let provider = Resource::new(move || id.get(), get_provider);
    view! {
        <Suspense fallback=|| view! { <Skeleton height="h-64" /> }>
            {move || Suspend::new(async move {
                match provider.await {
                    Ok(p) => view! { <Provider provider=p /> }.into_any(),
                    Err(error) => view! { <FailedPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Provider(provider: ProviderView) -> impl IntoView {
    let id = provider.id;
    view! {
        <Title text=provider.name.clone() />
        <div class="space-y-8">
            <header class="space-y-2">
                <a href="/services" class="text-sm font-medium text-brand-700 hover:underline">"← All services"</a>
                <h1 class="text-3xl font-bold tracking-tight">{provider.name.clone()}</h1>
                <p class="text-slate-700"><span data-testid="provider-rating">{provider.rating.label()}</span>{format!(" · works in {}", provider.timezone)}</p>
                {(!provider.bio.is_empty()).then(|| view! { <p class="max-w-2xl whitespace-pre-line text-slate-800">{provider.bio.clone()}</p> })}
                <a href=format!("/users/{id}") class="text-sm font-medium text-brand-700 hover:underline">"Profile"</a>
            </header>
            {if provider.services.is_empty() {
                view! { <EmptyState title="No services on offer" message="This provider has nothing bookable right now." /> }.into_any()
            } else {
                view! {
                    <ul class="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" aria-label="Services">
                        {provider.services.into_iter().map(|s| view! { <li><ServiceCard service=s /></li> }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <ReviewsSection of=Of::Provider(id) back=format!("/providers/{id}") />
        </div>
    }
}
