use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use super::picker::SlotPicker;
use crate::accounts::context::{field_error, use_auth};
use crate::accounts::pages::{FormAlert, sign_in_href};
use crate::components::{Badge, Button, ButtonLink, Card, Tone, Variant};
use crate::components::{FailedPage, INPUT, Notice, Skeleton, id_param, query_param};
use crate::kernel::idempotency::fresh_key;
use crate::kernel::money::Cents;
use crate::reviews::pages::{Of, ReviewsSection};
use crate::services::api::{BookSlot, get_service};
use crate::services::model::{Place, ServiceStatus, ServiceView};

/// One service: what it is, who offers it, free times to book, reviews.
#[component]
pub fn ServicePage() -> impl IntoView {
    let id = id_param("id");
    let service = Resource::new(move || id.get(), get_service);
    view! {
        <Suspense fallback=|| view! { <Skeleton height="h-96" /> }>
            {move || Suspend::new(async move {
                match service.await {
                    Ok(s) => view! { <ServiceDetail service=s /> }.into_any(),
                    Err(error) => view! { <FailedPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ServiceDetail(service: ServiceView) -> impl IntoView {
    let saved = query_param("saved");
    let id = service.id;
    let for_booking = service.clone();
    view! {
        <Title text=service.title.clone() />
        <article class="space-y-8">
            <a href="/services" class="text-sm font-medium text-brand-700 hover:underline">"← All services"</a>
            <Notice when=Signal::derive(move || saved.get() == "1") text="Service saved." />
            <div class="overflow-hidden rounded-3xl border border-slate-200 bg-white shadow-sm">
                {service.cover_url.clone().map(|src| view! { <img src=src alt="" class="h-48 w-full object-cover sm:h-64" /> })}
                <div class="space-y-3 p-6">
                    <div class="flex flex-wrap items-center gap-2">
                        <Badge tone=Tone::Brand>{service.category.clone()}</Badge>
                        {(service.status != ServiceStatus::Active).then(|| view! { <Badge tone=Tone::Warning>"Not bookable (hidden)"</Badge> })}
                    </div>
                    <h1 class="text-3xl font-bold tracking-tight">{service.title.clone()}</h1>
                    <p class="text-slate-700">
                        "by "
                        <a href=format!("/providers/{}", service.provider_id) class="font-medium text-brand-700 hover:underline">{service.provider_name.clone()}</a>
                        " · " <span data-testid="service-rating">{service.rating.label()}</span>
                    </p>
                    <dl class="flex flex-wrap gap-x-6 gap-y-1 text-sm text-slate-700">
                        <div><dt class="inline text-slate-500">"Price: "</dt><dd class="inline font-semibold">{Cents::new(service.price_cents).format(&service.currency)}</dd></div>
                        <div><dt class="inline text-slate-500">"Duration: "</dt><dd class="inline">{format!("{} minutes", service.duration_min)}</dd></div>
                        <div><dt class="inline text-slate-500">"Where: "</dt><dd class="inline">
                            {match service.place {
                                Place::Provider => service.address.clone(),
                                other => other.label().to_string(),
                            }}
                        </dd></div>
                    </dl>
                    {(!service.description.is_empty()).then(|| view! { <p class="whitespace-pre-line text-slate-800">{service.description.clone()}</p> })}
                    {service.mine.then(|| view! {
                        <div class="flex flex-wrap gap-2 pt-2">
                            <ButtonLink href=format!("/services/{id}/edit") variant=Variant::Secondary>"Edit service"</ButtonLink>
                            <ButtonLink href="/provider/availability" variant=Variant::Ghost>"Availability"</ButtonLink>
                        </div>
                    })}
                </div>
            </div>
            <BookingForm service=for_booking />
            <ReviewsSection of=Of::Service(id) back=format!("/services/{id}") />
        </article>
    }
}

#[component]
fn BookingForm(service: ServiceView) -> impl IntoView {
    let auth = use_auth();
    let book = ServerAction::<BookSlot>::new();
    let value = book.value();
    // A refused booking (the time was just taken) shows fresh times; a
    // successful one leaves the page, so nothing reloads then.
    let refused = super::refusals(value);
    let frozen = Signal::derive(move || book.pending().get() || matches!(value.get(), Some(Ok(_))));
    let key = fresh_key();
    let (service_id, provider_id) = (service.id, service.provider_id);
    let at_customer = service.place == Place::Customer;
    let mine = service.mine;
    view! {
        <Card>
            <h2 class="text-lg font-semibold">"Book a time"</h2>
            {move || {
                if auth.me.get().is_none() {
                    return view! {
                        <p class="mt-2 text-sm text-slate-700">"Pick a time after signing in. "
                            <a href=sign_in_href() class="font-semibold text-brand-700 hover:underline">"Sign in"</a></p>
                        <div class="mt-4"><SlotPicker service_id provider_id name="preview" reload=Signal::derive(|| 0) frozen=Signal::derive(|| false) /></div>
                    }.into_any();
                }
                if mine {
                    return view! {
                        <p class="mt-2 text-sm text-slate-700">"This is your service. Customers see these free times:"</p>
                        <div class="mt-4"><SlotPicker service_id provider_id name="preview" reload=Signal::derive(|| 0) frozen=Signal::derive(|| false) /></div>
                    }.into_any();
                }
                let key = key.clone();
                view! {
                    <ActionForm action=book attr:class="mt-4 space-y-4" attr:data-testid="booking-form">
                        <FormAlert message=field_error(value, None) />
                        <input type="hidden" name="request[service_id]" value=service_id.to_string() />
                        <input type="hidden" name="request[key]" value=key />
                        <SlotPicker service_id provider_id name="request[starts_at]" reload=refused frozen />
                        {at_customer.then(|| view! {
                            <div class="space-y-1.5">
                                <label for="bk-address" class="block text-sm font-medium text-slate-800">"Your address"</label>
                                <input id="bk-address" name="request[address]" required maxlength="200" autocomplete="street-address" class=INPUT />
                                {move || field_error(value, Some("address")).get().map(|e| view! { <p class="text-sm text-red-600" role="alert">{e}</p> })}
                            </div>
                        })}
                        <div class="space-y-1.5">
                            <label for="bk-notes" class="block text-sm font-medium text-slate-800">"Notes for the provider (optional)"</label>
                            <textarea id="bk-notes" name="request[notes]" rows="2" maxlength="1000" class=INPUT></textarea>
                        </div>
                        <Button kind="submit" busy=book.pending()>"Request booking"</Button>
                    </ActionForm>
                }.into_any()
            }}
        </Card>
    }
}
