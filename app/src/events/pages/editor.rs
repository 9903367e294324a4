use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::accounts::context::field_error;
use crate::accounts::pages::FormAlert;
use crate::accounts::pages::RequireOrganizer;
use crate::components::{Button, ButtonLink, Card, Variant};
use crate::components::{FailedPage, INPUT, Skeleton, id_param};
use crate::dates::TIMEZONES;
use crate::error::AppError;
use crate::events::api::{SaveEvent, event_form};
use crate::events::model::{CATEGORIES, EventDraft, TierDraft};

/// Blank tier rows offered below the existing ones (more with JavaScript).
const BLANK_TIERS: usize = 2;

#[component]
pub fn NewEventPage() -> impl IntoView {
    view! {
        <RequireOrganizer>
            <Editor id=None />
        </RequireOrganizer>
    }
}

#[component]
pub fn EditEventPage() -> impl IntoView {
    let id = id_param("id");
    view! {
        <RequireOrganizer>
            {move || view! { <Editor id=Some(id.get()) /> }}
        </RequireOrganizer>
    }
}

#[component]
fn Editor(id: Option<i64>) -> impl IntoView {
    let draft = Resource::new(move || id, event_form);
    let save = ServerAction::<SaveEvent>::new();
    let heading = if id.is_some() {
        "Edit event"
    } else {
        "New event"
    };
    view! {
        <Title text=heading />
        <div class="mx-auto max-w-3xl space-y-6">
            <div class="flex flex-wrap items-center justify-between gap-3">
                <h1 class="text-3xl font-bold tracking-tight">{heading}</h1>
                {id.map(|id| view! { <ButtonLink href=format!("/organizer/events/{id}") variant=Variant::Ghost>"Back to the dashboard"</ButtonLink> })}
            </div>
            <Suspense fallback=|| view! { <Skeleton height="h-96" /> }>
                {move || Suspend::new(async move {
                    match draft.await {
                        Ok(d) => view! { <EventForm id draft=d save /> }.into_any(),
                        Err(error) => view! { <FailedPage error /> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

/// The message of an error for `tiers.{i}.{field}`.
fn tier_error(save: ServerAction<SaveEvent>, i: usize) -> Signal<Option<String>> {
    let prefix = format!("tiers.{i}.");
    Signal::derive(move || match save.value().get() {
        Some(Err(AppError::BadRequest {
            field: Some(f),
            message,
        })) if f.starts_with(&prefix) => Some(message),
        _ => None,
    })
}

#[component]
fn EventForm(id: Option<i64>, draft: EventDraft, save: ServerAction<SaveEvent>) -> impl IntoView {
    let value = save.value();
    let existing = draft.tiers.len();
    let rows = RwSignal::new(existing + BLANK_TIERS);
    let tiers = draft.tiers.clone();
    let error = move |f: &'static str| field_error(value, Some(f));
    let text = move |name: &'static str,
                     label: &'static str,
                     v: String,
                     kind: &'static str,
                     hint: Option<&'static str>| {
        let err = field_error(value, Some(name));
        view! {
            <div class="space-y-1.5">
                <label for=format!("ev-{name}") class="block text-sm font-medium text-slate-800">{label}</label>
                <input id=format!("ev-{name}") type=kind name=format!("draft[{name}]") value=v class=INPUT
                    aria-invalid=move || err.get().is_some().to_string() />
                {hint.map(|h| view! { <p class="text-xs text-slate-500">{h}</p> })}
                {move || err.get().map(|e| view! { <p class="text-sm text-red-600" role="alert">{e}</p> })}
            </div>
        }
    };
    let category = draft.category.clone();
    let timezone = draft.timezone.clone();
    let published = draft.status != "draft";
    let at_door = draft.payment_method == "door";
    let tiers_error = error("tiers");
    view! {
        <ActionForm action=save attr:class="space-y-6" attr:novalidate="true">
            <input type="hidden" name="event_id" value=id.map(|i| i.to_string()).unwrap_or_default() />
            <FormAlert message=field_error(value, None) />
            <Card>
                <div class="grid gap-5 sm:grid-cols-2">
                    <div class="sm:col-span-2">{text("name", "Event name", draft.name.clone(), "text", None)}</div>
                    <div class="space-y-1.5">
                        <label for="ev-category" class="block text-sm font-medium text-slate-800">"Category"</label>
                        <select id="ev-category" name="draft[category]" class=INPUT>
                            {CATEGORIES.iter().map(|c| view! { <option value=*c selected=category == *c>{*c}</option> }).collect_view()}
                            {(!CATEGORIES.contains(&category.as_str())).then(|| view! { <option value=category.clone() selected>{category.clone()}</option> })}
                        </select>
                    </div>
                    <div>{text("venue", "Venue", draft.venue.clone(), "text", Some("Where it happens: a place and an address."))}</div>
                    <div>{text("starts_at", "Starts", draft.starts_at.clone(), "datetime-local", None)}</div>
                    <div>{text("ends_at", "Ends (optional)", draft.ends_at.clone(), "datetime-local", None)}</div>
                    <div class="space-y-1.5">
                        <label for="ev-timezone" class="block text-sm font-medium text-slate-800">"Time zone"</label>
                        <select id="ev-timezone" name="draft[timezone]" class=INPUT>
                            {TIMEZONES.iter().map(|z| view! { <option value=*z selected=timezone == *z>{*z}</option> }).collect_view()}
                            {(!TIMEZONES.contains(&timezone.as_str())).then(|| view! { <option value=timezone.clone() selected>{timezone.clone()}</option> })}
                        </select>
                        <p class="text-xs text-slate-500">"The times above are in this zone."</p>
                    </div>
                    <div>{text("cover_url", "Cover image address (optional)", draft.cover_url.clone(), "url", Some("https://… an image; without one, a colour banner is shown."))}</div>
                    <div>{text("cancellation_fee", "Cancellation fee (%)", draft.cancellation_fee.clone(), "number", Some("Kept when a buyer cancels before the event; 0 refunds in full. Cancelling the event always refunds in full."))}</div>
                    <div class="space-y-1.5 sm:col-span-2">
                        <label for="ev-description" class="block text-sm font-medium text-slate-800">"Description"</label>
                        <textarea id="ev-description" name="draft[description]" rows="5" maxlength="5000" class=INPUT>{draft.description.clone()}</textarea>
                        {move || error("description").get().map(|e| view! { <p class="text-sm text-red-600" role="alert">{e}</p> })}
                    </div>
                    <fieldset class="sm:col-span-2">
                        <legend class="text-sm font-medium text-slate-800">"Payment"</legend>
                        <div class="mt-2 flex flex-wrap gap-4 text-sm">
                            <label class="flex items-center gap-2"><input type="radio" name="draft[payment_method]" value="wallet" checked=!at_door />"From the buyer's wallet at checkout"</label>
                            <label class="flex items-center gap-2"><input type="radio" name="draft[payment_method]" value="door" checked=at_door />"At the door: orders are confirmed at once, buyers pay you there"</label>
                        </div>
                        {move || error("payment_method").get().map(|e| view! { <p class="text-sm text-red-600" role="alert">{e}</p> })}
                    </fieldset>
                    <fieldset class="sm:col-span-2">
                        <legend class="text-sm font-medium text-slate-800">"Visibility"</legend>
                        <div class="mt-2 flex flex-wrap gap-4 text-sm">
                            <label class="flex items-center gap-2"><input type="radio" name="draft[status]" value="published" checked=published />"Published: listed and on sale"</label>
                            <label class="flex items-center gap-2"><input type="radio" name="draft[status]" value="draft" checked=!published />"Draft: only you can see it"</label>
                        </div>
                    </fieldset>
                </div>
            </Card>
            <Card>
                <h2 class="text-lg font-semibold">"Ticket tiers"</h2>
                <p class="mt-1 text-sm text-slate-600">"Fill in a row per tier; empty rows are ignored. Prices in dollars (12.50; 0 for free), seats as a number."</p>
                {move || tiers_error.get().map(|e| view! { <p class="mt-2 text-sm text-red-600" role="alert">{e}</p> })}
                <div class="mt-4 space-y-4">
                    // Keyed by row, so adding a row keeps what was typed in the others.
                    <For each=move || 0..rows.get() key=|i| *i let:i>
                        {
                            let tier = tiers.get(i).cloned().unwrap_or(TierDraft { active: "on".into(), ..Default::default() });
                            view! { <TierFields i tier err=tier_error(save, i) /> }
                        }
                    </For>
                </div>
                <div class="mt-4">
                    <Button variant=Variant::Secondary on_click=Callback::new(move |_| rows.update(|n| *n += 1))>"Add another tier"</Button>
                </div>
            </Card>
            <div class="flex items-center gap-3">
                <Button kind="submit" busy=save.pending()>{if id.is_some() { "Save changes" } else { "Create event" }}</Button>
            </div>
        </ActionForm>
    }
}

#[component]
fn TierFields(i: usize, tier: TierDraft, err: Signal<Option<String>>) -> impl IntoView {
    let name = move |field: &str| format!("draft[tiers][{i}][{field}]");
    let id = move |field: &str| format!("tier-{i}-{field}");
    let existing = !tier.id.is_empty();
    view! {
        <fieldset class="rounded-xl border border-slate-200 p-4" data-testid="tier-fields">
            <legend class="px-1 text-xs font-semibold uppercase tracking-wide text-slate-500">{format!("Tier {}", i + 1)}</legend>
            <input type="hidden" name=name("id") value=tier.id.clone() />
            <div class="grid gap-3 sm:grid-cols-6">
                <div class="sm:col-span-3">
                    <label for=id("name") class="block text-xs font-medium text-slate-600">"Tier name"</label>
                    <input id=id("name") name=name("name") value=tier.name.clone() placeholder="General, VIP, Student" class=INPUT />
                </div>
                <div class="sm:col-span-1">
                    <label for=id("price") class="block text-xs font-medium text-slate-600">"Price"</label>
                    <input id=id("price") name=name("price") value=tier.price.clone() inputmode="decimal" placeholder="25.00" class=INPUT />
                </div>
                <div class="sm:col-span-2">
                    <label for=id("capacity") class="block text-xs font-medium text-slate-600">"Seats"</label>
                    <input id=id("capacity") name=name("capacity") value=tier.capacity.clone() inputmode="numeric" placeholder="100" class=INPUT />
                </div>
                <div class="sm:col-span-6">
                    <label for=id("description") class="block text-xs font-medium text-slate-600">"Description (optional)"</label>
                    <input id=id("description") name=name("description") value=tier.description.clone() class=INPUT />
                </div>
                <details class="text-sm sm:col-span-6" open=!tier.sales_start.is_empty() || !tier.sales_end.is_empty()>
                    <summary class="cursor-pointer text-xs font-medium text-slate-600">"Sales window (optional)"</summary>
                    <div class="mt-2 grid gap-3 sm:grid-cols-2">
                        <div>
                            <label for=id("sales_start") class="block text-xs font-medium text-slate-600">"Sales open"</label>
                            <input id=id("sales_start") type="datetime-local" name=name("sales_start") value=tier.sales_start.clone() class=INPUT />
                        </div>
                        <div>
                            <label for=id("sales_end") class="block text-xs font-medium text-slate-600">"Sales close"</label>
                            <input id=id("sales_end") type="datetime-local" name=name("sales_end") value=tier.sales_end.clone() class=INPUT />
                        </div>
                    </div>
                    <p class="mt-1 text-xs text-slate-500">"In the event's time zone. Without it, sales run until the event starts."</p>
                </details>
                <div class="flex flex-wrap gap-4 text-sm sm:col-span-6">
                    <label class="flex items-center gap-2"><input type="checkbox" name=name("active") value="on" checked=tier.active == "on" class="size-4 rounded border-slate-300" />"On sale"</label>
                    {existing.then(|| view! { <label class="flex items-center gap-2 text-red-700"><input type="checkbox" name=name("remove") value="on" class="size-4 rounded border-slate-300" />"Remove this tier"</label> })}
                </div>
            </div>
            {move || err.get().map(|e| view! { <p class="mt-2 text-sm text-red-600" role="alert">{e}</p> })}
        </fieldset>
    }
}
