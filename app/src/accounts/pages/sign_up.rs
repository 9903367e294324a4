use leptos::form::ActionForm;
use leptos::prelude::*;

use super::{AuthFormPage, FormAlert, next_param};
use crate::accounts::api::SignUp;
use crate::accounts::context::{field_error, use_auth};
use crate::accounts::model::{PASSWORD_MAX, PASSWORD_MIN};
use crate::components::{Button, FormField};

#[component]
pub fn SignUpPage() -> impl IntoView {
    let auth = use_auth();
    let next = next_param();
    let action = ServerAction::<SignUp>::new();
    let value = action.value();
    auth.follow(value);
    let role_error = field_error(value, Some("role"));
    view! {
        <AuthFormPage
            heading="Create your account"
            other_prompt="Already have one?"
            other_label="Sign in"
            other_path="/sign-in"
            next
        >
                <ActionForm action attr:class="space-y-5" attr:novalidate="true">
                    <FormAlert message=field_error(value, None) />
                    <input type="hidden" name="next" value=next />
                    <FormField
                        label="Email"
                        name="email"
                        input_type="email"
                        autocomplete="email"
                        required=true
                        error=field_error(value, Some("email"))
                    />
                    <FormField
                        label="Your name"
                        name="display_name"
                        autocomplete="name"
                        hint="How others see you. Leave empty to use the start of your email."
                        error=field_error(value, Some("display_name"))
                    />
                    <FormField
                        label="Password"
                        name="password"
                        input_type="password"
                        autocomplete="new-password"
                        required=true
                        hint=format!("{PASSWORD_MIN} to {PASSWORD_MAX} characters.")
                        error=field_error(value, Some("password"))
                    />
                    <fieldset>
                        <legend class="text-sm font-medium text-slate-800">"I am here to"</legend>
                        <div class="mt-2 grid gap-3 sm:grid-cols-2">
                            <RoleChoice value="attendee" title="Attend and book" text="Buy tickets, book services, chat." checked=true />
                            <RoleChoice value="organizer" title="Organize and provide" text="Publish events and offer services." checked=false />
                        </div>
                        {move || role_error.get().map(|e| view! { <p class="mt-1 text-sm text-red-600" role="alert">{e}</p> })}
                    </fieldset>
                    <Button kind="submit" busy=action.pending()>"Create account"</Button>
                </ActionForm>
        </AuthFormPage>
    }
}

#[component]
fn RoleChoice(
    value: &'static str,
    title: &'static str,
    text: &'static str,
    checked: bool,
) -> impl IntoView {
    view! {
        <label class="flex cursor-pointer gap-3 rounded-xl border border-slate-200 p-3 has-[:checked]:border-brand-600 has-[:checked]:bg-brand-50">
            <input type="radio" name="role" value=value checked=checked class="mt-1 accent-brand-600" />
            <span>
                <span class="block text-sm font-semibold text-slate-900">{title}</span>
                <span class="block text-xs text-slate-600">{text}</span>
            </span>
        </label>
    }
}
