use leptos::form::ActionForm;
use leptos::prelude::*;

use super::{AuthFormPage, FormAlert, next_param};
use crate::accounts::api::SignIn;
use crate::accounts::context::{field_error, use_auth};
use crate::components::{Button, FormField};

#[component]
pub fn SignInPage() -> impl IntoView {
    let auth = use_auth();
    let next = next_param();
    let action = ServerAction::<SignIn>::new();
    let value = action.value();
    auth.follow(value);
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
