//! `/live/new`: an organizer names their stream and goes live; the stream's
//! page then starts the camera.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::accounts::context::field_error;
use crate::accounts::pages::FormAlert;
use crate::accounts::pages::RequireOrganizer;
use crate::components::INPUT;
use crate::components::{Button, ButtonLink, Card, Variant};
use crate::streams::api::GoLive;
use crate::streams::model::{DESCRIPTION_MAX, TITLE_MAX};

#[component]
pub fn GoLivePage() -> impl IntoView {
    view! {
        <RequireOrganizer message="Only organizer accounts can go live.">
            <Title text="Go live" />
            <div class="mx-auto max-w-2xl space-y-6">
                <a href="/live" class="text-sm font-medium text-brand-700 hover:underline">"← Live"</a>
                <h1 class="text-3xl font-bold tracking-tight">"Go live"</h1>
                <GoLiveForm />
            </div>
        </RequireOrganizer>
    }
}

#[component]
fn GoLiveForm() -> impl IntoView {
    let start = ServerAction::<GoLive>::new();
    let value = start.value();
    let title_error = field_error(value, Some("title"));
    let description_error = field_error(value, Some("description"));
    view! {
        <Card>
            <ActionForm action=start attr:class="space-y-4" attr:data-testid="go-live-form">
                <FormAlert message=field_error(value, None) />
                <div class="space-y-1.5">
                    <label for="st-title" class="block text-sm font-medium text-slate-800">"Title"</label>
                    <input id="st-title" name="title" required maxlength=TITLE_MAX.to_string() class=INPUT
                        placeholder="Friday night jam session"
                        aria-invalid=move || title_error.get().is_some().to_string() />
                    {move || title_error.get().map(|e| view! { <p class="text-sm text-red-600" role="alert">{e}</p> })}
                </div>
                <div class="space-y-1.5">
                    <label for="st-description" class="block text-sm font-medium text-slate-800">"What it's about (optional)"</label>
                    <textarea id="st-description" name="description" rows="4" maxlength=DESCRIPTION_MAX.to_string() class=INPUT></textarea>
                    {move || description_error.get().map(|e| view! { <p class="text-sm text-red-600" role="alert">{e}</p> })}
                </div>
                <p class="text-sm text-slate-600">
                    "Your stream is listed at once. On the next page, start your camera: your video goes from your browser straight to each viewer's (up to the site's limit at a time), and everyone can chat."
                </p>
                <div class="flex flex-wrap gap-2">
                    <Button kind="submit" busy=start.pending()>"Go live"</Button>
                    <ButtonLink href="/live" variant=Variant::Ghost>"Cancel"</ButtonLink>
                </div>
            </ActionForm>
        </Card>
    }
}
