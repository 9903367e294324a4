//! The profile's two-factor part: set it up with an authenticator app (a
//! QR code or the key as text, then a code to prove it), see how many
//! recovery codes are left, get new ones, or turn it off.

use leptos::form::ActionForm;
use leptos::prelude::*;

use super::FormAlert;
use crate::accounts::api::{
    StartTwoFactor, TwoFactorDisable, TwoFactorEnable, TwoFactorRecoveryCodes, get_two_factor,
};
use crate::accounts::context::{field_error, use_auth};
use crate::accounts::model::RecoveryCodes;
use crate::components::{Button, Card, FormField, Notice, Skeleton, Variant, query_param};

#[component]
pub fn TwoFactorSection() -> impl IntoView {
    let auth = use_auth();
    let setup = ServerAction::<StartTwoFactor>::new();
    let enable = ServerAction::<TwoFactorEnable>::new();
    let renew = ServerAction::<TwoFactorRecoveryCodes>::new();
    let disable = ServerAction::<TwoFactorDisable>::new();
    let turned_off = query_param("two_factor");
    // Reloaded only when something changed: a refused form keeps what was
    // typed into it (a reload would draw the forms anew).
    let changed = RwSignal::new(0u32);
    let status = Resource::new(move || changed.get(), |_| get_two_factor());
    // The session's view of the person changes when two-factor goes on or
    // off (an admin's powers follow it).
    Effect::new(move |_| {
        if let Some(Ok(RecoveryCodes { me: Some(me), .. })) = enable.value().get() {
            auth.me.set(Some(me));
            changed.update(|n| *n += 1);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = renew.value().get() {
            changed.update(|n| *n += 1);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(me)) = disable.value().get() {
            auth.me.set(Some(me));
            setup.value().set(None);
            enable.value().set(None);
            changed.update(|n| *n += 1);
        }
    });
    let fresh_codes = Signal::derive(move || {
        renew
            .value()
            .get()
            .or_else(|| enable.value().get())
            .and_then(Result::ok)
            .map(|r| r.codes)
    });
    let needs = move || {
        auth.me
            .read()
            .as_ref()
            .is_some_and(|m| m.needs_second_factor)
    };
    view! {
        <Card>
            <h2 class="text-lg font-semibold" id="two-factor-heading">"Two-factor sign-in"</h2>
            <p class="mt-1 text-sm text-slate-600">
                "After your password, a code from an authenticator app on your phone: a stolen password alone no longer gets in."
            </p>
            <Show when=needs>
                <p class="mt-3 rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900" role="status">
                    "Your account is an admin's. Admin tools open once this session has signed in with two-factor: turn it on below."
                </p>
            </Show>
            <Notice when=Signal::derive(move || turned_off.get() == "off") text="Two-factor sign-in is off." />
            <Suspense fallback=|| view! { <Skeleton /> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(s) if s.enabled => view! {
                            <p class="mt-4 text-sm" data-testid="two-factor-status">
                                <span class="font-semibold text-emerald-700">"On."</span>
                                {format!(" {} of 10 recovery codes left.", s.recovery_codes_left)}
                            </p>
                            <CodesList codes=fresh_codes />
                            <div class="mt-4 grid gap-6 md:grid-cols-2">
                                <ActionForm action=renew attr:class="space-y-4" attr:novalidate="true">
                                    <h3 class="font-medium">"New recovery codes"</h3>
                                    <FormAlert message=field_error(renew.value(), None) />
                                    <FormField label="Code from your app" name="code" id="renew-code" autocomplete="one-time-code" required=true error=field_error(renew.value(), Some("code")) />
                                    <Button kind="submit" variant=Variant::Secondary busy=renew.pending()>"Make new codes"</Button>
                                </ActionForm>
                                <ActionForm action=disable attr:class="space-y-4" attr:novalidate="true">
                                    <h3 class="font-medium">"Turn off"</h3>
                                    <FormAlert message=field_error(disable.value(), None) />
                                    <FormField label="Password" name="password" id="off-password" input_type="password" autocomplete="current-password" required=true error=field_error(disable.value(), Some("password")) />
                                    <FormField label="Code from your app" name="code" id="off-code" autocomplete="one-time-code" required=true error=field_error(disable.value(), Some("code")) />
                                    <Button kind="submit" variant=Variant::Danger busy=disable.pending()>"Turn off two-factor"</Button>
                                </ActionForm>
                            </div>
                        }.into_any(),
                        Ok(_) => view! { <SetUp setup enable /> }.into_any(),
                        Err(e) => view! { <p class="mt-4 text-sm text-red-700" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </Card>
    }
}

/// Off: a button for a new key; then the key (QR and text) and the form
/// that proves the app has it.
#[component]
fn SetUp(
    setup: ServerAction<StartTwoFactor>,
    enable: ServerAction<TwoFactorEnable>,
) -> impl IntoView {
    let key = move || setup.value().get().and_then(Result::ok);
    view! {
        <FormAlert message=field_error(setup.value(), None) />
        <Show
            when=move || key().is_some()
            fallback=move || view! {
                <div class="mt-4">
                    <Button busy=setup.pending() on_click=Callback::new(move |()| { setup.dispatch(StartTwoFactor {}); })>
                        "Set up two-factor sign-in"
                    </Button>
                    <noscript><p class="mt-2 text-sm text-slate-600">"Setting it up needs JavaScript."</p></noscript>
                </div>
            }
        >
            {move || key().map(|k| view! {
                <ol class="mt-4 list-decimal space-y-4 pl-5 text-sm">
                    <li>
                        "Scan this with your authenticator app (or "
                        <a href=k.url.clone() class="font-semibold text-brand-700 hover:underline">"open it in the app"</a>
                        " on this phone):"
                        <div class="mt-2 w-40" role="img" aria-label="QR code of your two-factor key" inner_html=k.qr_svg.clone()></div>
                        <p class="mt-2">"Or type this key:"</p>
                        <code class="mt-1 block break-all rounded bg-slate-100 px-2 py-1 font-mono text-sm" data-testid="two-factor-key">{group(&k.secret)}</code>
                    </li>
                    <li>
                        <ActionForm action=enable attr:class="space-y-4" attr:novalidate="true">
                            <FormAlert message=field_error(enable.value(), None) />
                            <FormField label="The 6-digit code it shows" name="code" id="enable-code" autocomplete="one-time-code" inputmode="numeric" required=true error=field_error(enable.value(), Some("code")) />
                            <FormField label="Your password" name="password" id="enable-password" input_type="password" autocomplete="current-password" required=true error=field_error(enable.value(), Some("password")) />
                            <Button kind="submit" busy=enable.pending()>"Turn on"</Button>
                        </ActionForm>
                    </li>
                </ol>
            })}
        </Show>
    }
}

/// Recovery codes just made: shown once, to be kept somewhere safe.
#[component]
fn CodesList(codes: Signal<Option<Vec<String>>>) -> impl IntoView {
    move || {
        codes.get().map(|list| view! {
            <div class="mt-4 rounded-lg border border-amber-200 bg-amber-50 p-4" role="status">
                <p class="text-sm font-semibold text-amber-900">"Your recovery codes: keep them somewhere safe. They are shown only now."</p>
                <p class="mt-1 text-xs text-amber-900">"Each one signs you in once if your phone is lost."</p>
                <ul class="mt-3 grid grid-cols-2 gap-2 font-mono text-sm" data-testid="recovery-codes">
                    {list.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}
                </ul>
            </div>
        })
    }
}

/// A key in groups of four, easier to type.
fn group(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}
