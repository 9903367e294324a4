use leptos::form::ActionForm;
use leptos::prelude::*;

use super::{AuthFormPage, FormAlert, next_param};
use crate::accounts::api::{SignIn, SignInCode};
use crate::accounts::context::{field_error, use_auth};
use crate::components::{Button, FormField};
use crate::error::AppError;
use crate::kernel::text::url_encode;

#[component]
pub fn SignInPage() -> impl IntoView {
    let auth = use_auth();
    let next = next_param();
    let action = ServerAction::<SignIn>::new();
    let value = action.value();
    // `None` means the code page comes next (the server sends the browser there).
    auth.follow(Signal::derive(move || {
        value.get().and_then(Result::transpose)
    }));
    view! {
        <AuthFormPage
            heading="Sign in"
            other_prompt="New to Marquee?"
            other_label="Create an account"
            other_path="/sign-up"
            next
        >
                <ActionForm action attr:class="space-y-5" attr:novalidate="true">
                    <FormAlert message=field_error(value, None) />
                    <input type="hidden" name="next" value=next />
                    <FormField label="Email" name="email" input_type="email" autocomplete="email" required=true />
                    <FormField
                        label="Password"
                        name="password"
                        input_type="password"
                        autocomplete="current-password"
                        required=true
                    />
                    <Button kind="submit" busy=action.pending()>"Sign in"</Button>
                </ActionForm>
        </AuthFormPage>
    }
}

/// The second step of signing in, for people with two-factor sign-in on:
/// the code from their app, or one of their recovery codes.
#[component]
pub fn SignInCodePage() -> impl IntoView {
    let auth = use_auth();
    let next = next_param();
    let action = ServerAction::<SignInCode>::new();
    let value = action.value();
    auth.follow(value);
    // A lapsed or spent ticket: the password step again.
    let expired = move || matches!(value.get(), Some(Err(AppError::Unauthorized)));
    let again = move || format!("/sign-in?next={}", url_encode(&next.get()));
    view! {
        <AuthFormPage
            heading="Enter your code"
            other_prompt="Not you, or took too long?"
            other_label="Start again"
            other_path="/sign-in"
            next
        >
            <Show
                when=expired
                fallback=move || view! {
                    <ActionForm action attr:class="space-y-5" attr:novalidate="true">
                        <FormAlert message=field_error(value, None) />
                        <input type="hidden" name="next" value=next />
                        <FormField
                            label="Code"
                            name="code"
                            autocomplete="one-time-code"
                            required=true
                            hint="The 6 digits your authenticator app shows for Marquee, or one of your recovery codes."
                            error=field_error(value, Some("code"))
                        />
                        <Button kind="submit" busy=action.pending()>"Sign in"</Button>
                    </ActionForm>
                }
            >
                <div role="alert" class="space-y-3 text-sm">
                    <p>"This sign-in expired (codes wait five minutes, and five wrong ones end it)."</p>
                    <a href=again class="font-semibold text-brand-700 hover:underline">"Sign in again"</a>
                </div>
            </Show>
        </AuthFormPage>
    }
}
