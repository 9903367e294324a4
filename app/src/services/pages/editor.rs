use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::accounts::context::field_error;
use crate::accounts::pages::FormAlert;
use crate::accounts::pages::RequireOrganizer;
use crate::components::{Button, ButtonLink, Card, Variant};
use crate::components::{FailedPage, INPUT, Skeleton, id_param};
use crate::kernel::money::Cents;
use crate::services::api::{DeleteService, SaveService, get_service};
use crate::services::model::{Place, ServiceStatus, ServiceView};

#[component]
pub fn NewServicePage() -> impl IntoView {
    view! {
        <RequireOrganizer>
            <Title text="New service" />
            <div class="mx-auto max-w-3xl space-y-6">
                <h1 class="text-3xl font-bold tracking-tight">"New service"</h1>
                <ServiceForm service=None />
            </div>
        </RequireOrganizer>
    }
}

#[component]
pub fn EditServicePage() -> impl IntoView {
    let id = id_param("id");
    let service = Resource::new(move || id.get(), get_service);
    view! {
        <RequireOrganizer>
            <Title text="Edit service" />
            <div class="mx-auto max-w-3xl space-y-6">
                <h1 class="text-3xl font-bold tracking-tight">"Edit service"</h1>
                <Suspense fallback=|| view! { <Skeleton height="h-96" /> }>
                    {move || Suspend::new(async move {
                        match service.await {
                            Ok(s) if s.mine => view! { <ServiceForm service=Some(s) /> }.into_any(),
                            Ok(_) => view! { <FailedPage error=crate::error::AppError::Forbidden /> }.into_any(),
                            Err(error) => view! { <FailedPage error /> }.into_any(),
                        }
                    })}
                </Suspense>
            </div>
        </RequireOrganizer>
    }
}

#[component]
fn ServiceForm(service: Option<ServiceView>) -> impl IntoView {
    let save = ServerAction::<SaveService>::new();
    let delete = ServerAction::<DeleteService>::new();
    let value = save.value();
    let s = service.clone();
    let get = move |f: fn(&ServiceView) -> String| s.as_ref().map(f).unwrap_or_default();
    let field = move |name: &'static str,
                      label: &'static str,
                      v: String,
                      hint: Option<&'static str>| {
        let err = field_error(value, Some(name));
        view! {
            <div class="space-y-1.5">
                <label for=format!("sv-{name}") class="block text-sm font-medium text-slate-800">{label}</label>
                <input id=format!("sv-{name}") name=format!("draft[{name}]") value=v class=INPUT aria-invalid=move || err.get().is_some().to_string() />
                {hint.map(|h| view! { <p class="text-xs text-slate-500">{h}</p> })}
                {move || err.get().map(|e| view! { <p class="text-sm text-red-600" role="alert">{e}</p> })}
            </div>
        }
    };
    let place = service.as_ref().map(|s| s.place).unwrap_or_default();
    let active = service
        .as_ref()
        .is_none_or(|s| s.status == ServiceStatus::Active);
    let id = service.as_ref().map(|s| s.id);
    view! {
        <Card>
            <ActionForm action=save attr:class="space-y-4" attr:data-testid="service-form">
                <FormAlert message=field_error(value, None) />
                {id.map(|id| view! { <input type="hidden" name="id" value=id.to_string() /> })}
                {field("title", "Title", get(|s| s.title.clone()), None)}
                {field("category", "Category", get(|s| s.category.clone()), Some("For example Cleaning, Beauty, Lessons, Repairs."))}
                <div class="space-y-1.5">
                    <label for="sv-description" class="block text-sm font-medium text-slate-800">"Description"</label>
                    <textarea id="sv-description" name="draft[description]" rows="4" maxlength="4000" class=INPUT>{get(|s| s.description.clone())}</textarea>
                </div>
                <div class="grid gap-4 sm:grid-cols-2">
                    {field("price", "Price (USD)", get(|s| Cents::new(s.price_cents).input()), None)}
                    {field("duration_min", "Duration (minutes)", get(|s| s.duration_min.to_string()), None)}
                </div>
                <fieldset class="space-y-1">
                    <legend class="text-sm font-medium text-slate-800">"Where"</legend>
                    {[Place::Provider, Place::Customer, Place::Online].into_iter().map(|p| view! {
                        <label class="flex items-center gap-2 text-sm">
                            <input type="radio" name="draft[location_kind]" value=p.as_str() checked=p == place />
                            {match p { Place::Provider => "At my address", Place::Customer => "At the customer's", Place::Online => "Online" }}
                        </label>
                    }).collect_view()}
                    {move || field_error(value, Some("location_kind")).get().map(|e| view! { <p class="text-sm text-red-600" role="alert">{e}</p> })}
                </fieldset>
                {field("address", "Address", get(|s| s.address.clone()), Some("Where customers come to (needed when it's at your address)."))}
                {field("cover_url", "Cover image URL (optional)", get(|s| s.cover_url.clone().unwrap_or_default()), None)}
                <label class="flex items-center gap-2 text-sm">
                    <input type="checkbox" name="draft[active]" value="on" checked=active class="size-4 rounded border-slate-300" />
                    "Bookable (listed in the catalogue)"
                </label>
                <div class="flex flex-wrap gap-2">
                    <Button kind="submit" busy=save.pending()>"Save service"</Button>
                    <ButtonLink href="/provider" variant=Variant::Ghost>"Cancel"</ButtonLink>
                </div>
            </ActionForm>
            {id.map(|id| view! {
                <ActionForm action=delete attr:class="mt-6 border-t border-slate-200 pt-4">
                    <input type="hidden" name="id" value=id.to_string() />
                    <p class="mb-2 text-sm text-slate-600">"Removing a service hides it; its bookings stay as they are."</p>
                    <Button kind="submit" variant=Variant::Danger busy=delete.pending()>"Remove service"</Button>
                </ActionForm>
            })}
        </Card>
    }
}
