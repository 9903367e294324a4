use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{Avatar, FormAlert, RequireSignIn, RoleBadge};
use crate::accounts::api::UpdateProfile;
use crate::accounts::context::{field_error, use_auth};
use crate::accounts::model::BIO_MAX;
use crate::components::{Button, ButtonLink, Card, FormField, Variant};

/// The signed-in person's own profile: see it, edit it, change the picture.
#[component]
pub fn ProfilePage() -> impl IntoView {
    view! {
        <RequireSignIn>
            <ProfileEditor />
        </RequireSignIn>
    }
}

#[component]
fn ProfileEditor() -> impl IntoView {
    let auth = use_auth();
    let me = move || auth.me.get();
    let action = ServerAction::<UpdateProfile>::new();
    let value = action.value();
    auth.follow(value);
    let saved = move || matches!(value.get(), Some(Ok(_)));
    let display_name = Signal::derive(move || me().map(|m| m.display_name).unwrap_or_default());
    let bio = move || me().map(|m| m.bio).unwrap_or_default();
    let bio_error = field_error(value, Some("bio"));
    // The upload is a plain form post; the server sends problems back in the URL.
    let query = use_query_map();
    let avatar_error = Signal::derive(move || query.read().get("avatar_error"));

    view! {
        <Title text="Your profile" />
        <div class="mx-auto max-w-2xl space-y-6">
            <div class="flex flex-col gap-4 sm:flex-row sm:items-center">
                <div class="flex min-w-0 flex-1 items-center gap-4">
                    {move || me().map(|m| view! { <Avatar name=m.display_name.clone() url=m.avatar_url.clone() class="size-16 text-xl" /> })}
                    <div class="min-w-0 flex-1">
                        <h1 class="truncate text-2xl font-bold tracking-tight sm:text-3xl">{move || display_name.get()}</h1>
                        <p class="mt-1 flex min-w-0 items-center gap-2 text-sm text-slate-600">
                            <span class="truncate">{move || me().map(|m| m.email).unwrap_or_default()}</span>
                            {move || me().map(|m| view! { <RoleBadge role=m.role /> })}
                        </p>
                    </div>
                </div>
                {move || me().map(|m| view! {
                    <ButtonLink href=format!("/users/{}", m.id) variant=Variant::Secondary>"View public profile"</ButtonLink>
                })}
            </div>

            <Card>
                <h2 class="text-lg font-semibold">"Details"</h2>
                <ActionForm action attr:class="mt-4 space-y-5" attr:novalidate="true">
                    <FormAlert message=field_error(value, None) />
                    <FormField
                        label="Your name"
                        name="display_name"
                        value=display_name
                        autocomplete="name"
                        required=true
                        error=field_error(value, Some("display_name"))
                    />
                    <div class="space-y-1.5">
                        <label for="field-bio" class="block text-sm font-medium text-slate-800">"About you"</label>
                        <textarea
                            id="field-bio"
                            name="bio"
                            rows="4"
                            maxlength=BIO_MAX.to_string()
                            prop:value=bio
                            aria-invalid=move || bio_error.get().is_some().to_string()
                            class="block w-full rounded-lg border-0 px-3 py-2 text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-brand-600 sm:text-sm"
                        >
                            {bio}
                        </textarea>
                        <p class="text-xs text-slate-500">{format!("Up to {BIO_MAX} characters.")}</p>
                        {move || bio_error.get().map(|e| view! { <p class="text-sm text-red-600" role="alert">{e}</p> })}
                    </div>
                    <div class="flex items-center gap-3">
                        <Button kind="submit" busy=action.pending()>"Save changes"</Button>
                        <Show when=saved>
                            <span class="text-sm text-emerald-700" role="status">"Saved."</span>
                        </Show>
                    </div>
                </ActionForm>
            </Card>

            <Card>
                <h2 class="text-lg font-semibold">"Picture"</h2>
                <p class="mt-1 text-sm text-slate-600">"PNG, JPEG, WebP or GIF, up to 2 MB."</p>
                <div class="mt-3">
                    <FormAlert message=avatar_error />
                </div>
                <form
                    method="post"
                    action="/api/users/me/avatar"
                    enctype="multipart/form-data"
                    class="mt-4 flex flex-wrap items-center gap-3"
                >
                    <label for="avatar" class="sr-only">"Picture file"</label>
                    <input
                        id="avatar"
                        type="file"
                        name="avatar"
                        accept="image/png,image/jpeg,image/webp,image/gif"
                        required
                        class="block text-sm text-slate-600 file:mr-3 file:rounded-lg file:border-0 file:bg-slate-100 file:px-3 file:py-2 file:text-sm file:font-semibold hover:file:bg-slate-200"
                    />
                    <Button kind="submit" variant=Variant::Secondary>"Upload picture"</Button>
                </form>
            </Card>
            <super::security::SecuritySection />
        </div>
    }
}
