use leptos::form::ActionForm;
use leptos::prelude::*;

use super::FormAlert;
use crate::accounts::api::{ChangePassword, EndOtherSessions, EndSession, my_sessions};
use crate::accounts::context::field_error;
use crate::accounts::model::{PASSWORD_MIN, SessionView};
use crate::components::{Button, Card, FormField, Notice, Skeleton, Variant, query_param};

/// The profile's security part: changing the password, and the list of
/// places the person is signed in, each of which they can sign out.
#[component]
pub fn SecuritySection() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let end_one = ServerAction::<EndSession>::new();
    let end_others = ServerAction::<EndOtherSessions>::new();
    let value = change.value();
    let changed = query_param("password");
    let sessions = Resource::new(
        move || {
            (
                end_one.version().get(),
                end_others.version().get(),
                change.version().get(),
            )
        },
        |_| my_sessions(),
    );
    view! {
        <super::two_factor::TwoFactorSection />
        <Card>
            <h2 class="text-lg font-semibold">"Password"</h2>
            <p class="mt-1 text-sm text-slate-600">"Changing it signs you out everywhere else."</p>
            <ActionForm action=change attr:class="mt-4 space-y-5" attr:novalidate="true" attr:data-testid="password-form">
                <FormAlert message=field_error(value, None) />
                <FormField
                    label="Current password"
                    name="current_password"
                    input_type="password"
                    autocomplete="current-password"
                    required=true
                    error=field_error(value, Some("current_password"))
                />
                <FormField
                    label="New password"
                    name="new_password"
                    input_type="password"
                    autocomplete="new-password"
                    required=true
                    hint=format!("At least {PASSWORD_MIN} characters, and not a common one: a few unusual words work well.")
                    error=field_error(value, Some("new_password"))
                />
                <Notice when=Signal::derive(move || changed.get() == "changed") text="Password changed. Every other session was signed out." />
                <Button kind="submit" busy=change.pending()>"Change password"</Button>
            </ActionForm>
        </Card>
        <Card>
            <div class="flex flex-wrap items-start justify-between gap-3">
                <div>
                    <h2 class="text-lg font-semibold" id="sessions-heading">"Where you're signed in"</h2>
                    <p class="mt-1 text-sm text-slate-600">"Sign out a device you don't recognise or no longer use."</p>
                </div>
                <ActionForm action=end_others>
                    <Button kind="submit" variant=Variant::Secondary busy=end_others.pending()>"Sign out everywhere else"</Button>
                </ActionForm>
            </div>
            <FormAlert message=field_error(end_one.value(), None) />
            <Suspense fallback=|| view! { <Skeleton /> }>
                {move || Suspend::new(async move {
                    match sessions.await {
                        Ok(list) => view! {
                            <ul class="mt-4 divide-y divide-slate-100" aria-labelledby="sessions-heading" data-testid="sessions">
                                {list.into_iter().map(|s| view! { <SessionLine session=s end_one /> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <p class="mt-4 text-sm text-red-700" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </Card>
    }
}

#[component]
fn SessionLine(session: SessionView, end_one: ServerAction<EndSession>) -> impl IntoView {
    let SessionView {
        handle,
        device,
        signed_in_label,
        last_seen_label,
        current,
        ..
    } = session;
    view! {
        <li class="flex flex-wrap items-center justify-between gap-3 py-3" data-testid="session">
            <div class="min-w-0">
                <p class="font-medium">
                    {device}
                    {current.then(|| view! {
                        <span class="ml-2 rounded-full bg-emerald-50 px-2 py-0.5 text-xs font-semibold text-emerald-700 ring-1 ring-emerald-200">"This device"</span>
                    })}
                </p>
                <p class="text-xs text-slate-500">
                    {format!("Signed in {signed_in_label} · last active {last_seen_label}")}
                </p>
            </div>
            {(!current).then(|| view! {
                <ActionForm action=end_one>
                    <input type="hidden" name="handle" value=handle />
                    <Button kind="submit" variant=Variant::Ghost busy=end_one.pending()>"Sign out"</Button>
                </ActionForm>
            })}
        </li>
    }
}
