use leptos::prelude::*;

use super::browser_zone;
use crate::components::{Skeleton, query_param};
use crate::live::client::use_topic;
use crate::services::api::service_slots;
use crate::services::model::SlotWeek;

/// A week of a service's free times as radio buttons named `name`, inside
/// the caller's form. Times show in the viewer's own zone once the page is
/// live (the provider's before). The free times reload when the provider's
/// schedule changes anywhere, and after `reload` changes, unless `frozen`
/// (the page is leaving after a booking).
#[component]
pub fn SlotPicker(
    service_id: i64,
    provider_id: i64,
    name: &'static str,
    #[prop(into)] reload: Signal<u64>,
    #[prop(into)] frozen: Signal<bool>,
) -> impl IntoView {
    let week = query_param("week");
    let zone = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(z) = browser_zone() {
            zone.set(z);
        }
    });
    let schedule = use_topic(format!("provider:{provider_id}"));
    let changes = RwSignal::new(0u64);
    Effect::new(move |_| {
        if schedule.get().is_some() && !frozen.get_untracked() {
            changes.update(|n| *n += 1);
        }
    });
    let slots = Resource::new(
        move || (week.get(), zone.get(), changes.get(), reload.get()),
        move |(week, zone, ..)| service_slots(service_id, week, zone),
    );
    view! {
        <Transition fallback=|| view! { <Skeleton height="h-64" /> }>
            {move || Suspend::new(async move {
                match slots.await {
                    Ok(week) => view! { <Week week name /> }.into_any(),
                    Err(e) => view! { <p role="alert" class="text-sm text-red-700">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Week(week: SlotWeek, name: &'static str) -> impl IntoView {
    let free: usize = week.days.iter().map(|d| d.slots.len()).sum();
    view! {
        <div class="space-y-3" data-testid="slot-picker">
            <div class="flex flex-wrap items-center justify-between gap-2 text-sm">
                <span>{week.prev_week.clone().map(|w| view! { <a href=format!("?week={w}") class="font-semibold text-brand-700 hover:underline">"← Earlier"</a> })}</span>
                <span class="text-slate-600" data-testid="slot-zone">{format!("Times in {}", week.timezone)}</span>
                <span>{week.next_week.clone().map(|w| view! { <a href=format!("?week={w}") class="font-semibold text-brand-700 hover:underline">"Later →"</a> })}</span>
            </div>
            {(free == 0).then(|| view! {
                <p class="rounded-lg bg-slate-100 px-3 py-2 text-sm text-slate-700">"No free times this week. Try a later week."</p>
            })}
            <div class="grid grid-cols-1 gap-3 sm:grid-cols-4 lg:grid-cols-7">
                {week.days.into_iter().map(|day| view! {
                    <fieldset class="rounded-xl border border-slate-200 bg-white p-2">
                        <legend class="px-1 text-xs font-semibold text-slate-700">{day.label.clone()}</legend>
                        <div class="flex flex-wrap gap-1.5 sm:flex-col">
                            {if day.slots.is_empty() {
                                view! { <p class="px-1 text-xs text-slate-400">"—"</p> }.into_any()
                            } else {
                                day.slots.into_iter().map(|slot| view! {
                                    <label class="cursor-pointer">
                                        <input type="radio" name=name value=slot.starts_at.to_string() required class="peer sr-only" />
                                        <span class="block rounded-lg px-3 py-1.5 text-center text-sm font-medium ring-1 ring-slate-300 peer-checked:bg-brand-600 peer-checked:text-white peer-checked:ring-brand-600 peer-focus-visible:outline peer-focus-visible:outline-2 peer-focus-visible:outline-brand-600 hover:bg-brand-50" data-testid="slot">
                                            {slot.label.clone()}
                                        </span>
                                    </label>
                                }).collect_view().into_any()
                            }}
                        </div>
                    </fieldset>
                }).collect_view()}
            </div>
        </div>
    }
}
