use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use super::{FormAlert, next_param};
use crate::accounts::api::SignIn;
use crate::accounts::context::{field_error, use_auth};
use crate::components::{Button, Card, FormField};

#[component]
pub fn SignInPage() -> impl IntoView {
    let auth = use_auth();
    let next = next_param();
    let action = ServerAction::<SignIn>::new();
    let value = action.value();
    auth.follow(value);
    // Signed in already (or just now, without JavaScript): go on.
    let signed_in = move || auth.me.read().is_some();
    view! {
        <Show when=signed_in>
            <leptos_router::components::Redirect path=next.get_untracked() />
        </Show>
        <Title text="Sign in" />
        <div class="mx-auto max-w-md">
            <h1 class="text-3xl font-bold tracking-tight">"Sign in"</h1>
            <p class="mt-2 text-sm text-slate-600">
                "New to Marquee? "
                <a href=move || format!("/sign-up?next={}", super::url_encode(&next.get())) class="font-semibold text-brand-700 hover:underline">
                    "Create an account"
                </a>
            </p>
            <Card class="mt-6">
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
            </Card>
        </div>
    }
}
