use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::accounts::context::field_error;
use crate::accounts::pages::FormAlert;
use crate::accounts::pages::RequireOrganizer;
use crate::components::{Button, ButtonLink, Card, ErrorView, Variant};
use crate::components::{INPUT, Notice, Skeleton, query_param};
use crate::dates::TIMEZONES;
use crate::services::api::{SaveSchedule, my_schedule};
use crate::services::model::{Schedule, WEEKDAYS};

/// The provider's weekly hours, date overrides and booking rules.
#[component]
pub fn AvailabilityPage() -> impl IntoView {
    view! {
        <RequireOrganizer>
            <Availability />
        </RequireOrganizer>
    }
}

#[component]
fn Availability() -> impl IntoView {
    let schedule = Resource::new(|| (), |_| my_schedule());
    let saved = query_param("saved");
    view! {
        <Title text="Availability" />
        <div class="mx-auto max-w-3xl space-y-6">
            <div class="flex flex-wrap items-center justify-between gap-3">
                <h1 class="text-3xl font-bold tracking-tight">"Availability"</h1>
                <ButtonLink href="/provider" variant=Variant::Ghost>"← Provider inbox"</ButtonLink>
            </div>
            <Notice when=Signal::derive(move || saved.get() == "1") text="Availability saved. Customers see the new free times now." />
            <Suspense fallback=|| view! { <Skeleton height="h-96" /> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorView errors /> }>
                    {move || Suspend::new(async move {
                        schedule.await.map(|s| view! { <ScheduleForm schedule=s /> })
                    })}
                </ErrorBoundary>
            </Suspense>
        </div>
    }
}

#[component]
fn ScheduleForm(schedule: Schedule) -> impl IntoView {
    let save = ServerAction::<SaveSchedule>::new();
    let value = save.value();
    let error = move |name: &'static str| {
        let err = field_error(value, Some(name));
        move || {
            err.get()
                .map(|e| view! { <p class="text-sm text-red-600" role="alert">{e}</p> })
        }
    };
    let number = move |name: &'static str, label: &'static str, v: i64, hint: &'static str| {
        view! {
            <div class="space-y-1.5">
                <label for=format!("av-{name}") class="block text-sm font-medium text-slate-800">{label}</label>
                <input id=format!("av-{name}") name=format!("draft[{name}]") type="number" inputmode="numeric" value=v.to_string() class=INPUT />
                <p class="text-xs text-slate-500">{hint}</p>
                {error(name)}
            </div>
        }
    };
    const KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let zone = schedule.timezone.clone();
    let mut zones: Vec<String> = TIMEZONES.iter().map(|z| z.to_string()).collect();
    if !zones.contains(&zone) {
        zones.insert(0, zone.clone());
    }
    view! {
        <ActionForm action=save attr:class="space-y-6" attr:data-testid="availability-form">
            <FormAlert message=field_error(value, None) />
            <Card>
                <h2 class="text-lg font-semibold">"Weekly hours"</h2>
                <p class="mt-1 text-sm text-slate-600">"One or more ranges per day, like 09:00-12:00, 13:00-17:00. Leave a day empty to take it off."</p>
                <div class="mt-4 space-y-1.5">
                    <label for="av-timezone" class="block text-sm font-medium text-slate-800">"Time zone of these hours"</label>
                    <select id="av-timezone" name="draft[timezone]" class=INPUT>
                        {zones.into_iter().map(|z| {
                            let selected = z == zone;
                            let label = z.clone();
                            view! { <option value=z selected=selected>{label}</option> }
                        }).collect_view()}
                    </select>
                    {error("timezone")}
                </div>
                <div class="mt-4 grid gap-3">
                    {KEYS.iter().zip(WEEKDAYS).enumerate().map(|(i, (key, day))| {
                        let hours = schedule.weekly.get(i).cloned().unwrap_or_default();
                        view! {
                            <div class="grid items-center gap-1 sm:grid-cols-[8rem_1fr]">
                                <label for=format!("av-{key}") class="text-sm font-medium text-slate-800">{day}</label>
                                <div>
                                    <input id=format!("av-{key}") name=format!("draft[{key}]") value=hours placeholder="Off" class=INPUT />
                                    {error(key)}
                                </div>
                            </div>
                        }
                    }).collect_view()}
                </div>
            </Card>
            <Card>
                <h2 class="text-lg font-semibold">"Dates that differ"</h2>
                <p class="mt-1 text-sm text-slate-600">"One date per line: 2031-06-02: off, or 2031-06-03: 18:00-20:00. These replace the weekly hours on that date."</p>
                <label for="av-overrides" class="sr-only">"Date overrides"</label>
                <textarea id="av-overrides" name="draft[overrides]" rows="4" class=format!("mt-3 {INPUT} font-mono")>{schedule.overrides.clone()}</textarea>
                {error("overrides")}
            </Card>
            <Card>
                <h2 class="text-lg font-semibold">"Booking rules"</h2>
                <div class="mt-4 grid gap-4 sm:grid-cols-2">
                    {number("buffer_min", "Buffer after each booking (minutes)", schedule.buffer_min, "Free time kept between bookings, 0–240.")}
                    {number("min_notice_min", "Minimum notice (minutes)", schedule.min_notice_min, "How soon a booking may start.")}
                    {number("horizon_days", "Book ahead up to (days)", schedule.horizon_days, "1–365 days.")}
                    {number("cancel_window_hours", "Customers may cancel until (hours before)", schedule.cancel_window_hours, "You can cancel any time before the start, with a reason.")}
                </div>
            </Card>
            <Button kind="submit" busy=save.pending()>"Save availability"</Button>
        </ActionForm>
    }
}
