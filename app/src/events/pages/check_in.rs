use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::my_events::RequireOrganizer;
use super::{INPUT, id_param};
use crate::accounts::context::field_error;
use crate::accounts::pages::FormAlert;
use crate::components::{Button, Card};
use crate::events::api::CheckIn;

/// The door: type or paste a ticket code, see at once whether to let them in.
#[component]
pub fn CheckInPage() -> impl IntoView {
    view! {
        <RequireOrganizer>
            <CheckInView />
        </RequireOrganizer>
    }
}

#[component]
fn CheckInView() -> impl IntoView {
    let id = id_param("id");
    let action = ServerAction::<CheckIn>::new();
    let query = use_query_map();
    let q = move |name: &str| query.read().get(name).unwrap_or_default();
    let result = move || {
        let (tone, title, detail) = match q("r").as_str() {
            "valid" => (
                "border-emerald-300 bg-emerald-50 text-emerald-900",
                "Valid: let them in".to_string(),
                format!("{} · {}", q("holder"), q("tier")),
            ),
            "already" => (
                "border-amber-300 bg-amber-50 text-amber-900",
                "Already checked in".to_string(),
                format!("{} · {} · at {}", q("holder"), q("tier"), q("at")),
            ),
            "other" => (
                "border-red-300 bg-red-50 text-red-900",
                "Not for this event".to_string(),
                format!("This ticket is for {}.", q("event")),
            ),
            "void" => (
                "border-red-300 bg-red-50 text-red-900",
                "Cancelled ticket".to_string(),
                "Its order was cancelled.".to_string(),
            ),
            "invalid" => (
                "border-red-300 bg-red-50 text-red-900",
                "Invalid code".to_string(),
                "No ticket has this code.".to_string(),
            ),
            _ => return None,
        };
        Some(view! {
            <div role="status" data-testid="check-in-result" data-result=q("r") class=format!("rounded-2xl border-2 p-6 {tone}")>
                <p class="text-2xl font-bold">{title}</p>
                <p class="mt-1">{detail}</p>
                <p class="mt-2 break-all font-mono text-xs opacity-70">{q("code")}</p>
            </div>
        })
    };
    view! {
        <Title text="Check in" />
        <div class="mx-auto max-w-xl space-y-6">
            <a href=move || format!("/organizer/events/{}", id.get()) class="text-sm font-medium text-brand-700 hover:underline">"← Dashboard"</a>
            <h1 class="text-3xl font-bold tracking-tight">"Check in"</h1>
            {result}
            <Card>
                <ActionForm action attr:class="space-y-3">
                    <FormAlert message=field_error(action.value(), None) />
                    <input type="hidden" name="event_id" value=move || id.get().to_string() />
                    <label for="code" class="block text-sm font-medium text-slate-800">"Ticket code"</label>
                    <input id="code" name="code" autocomplete="off" autofocus required class=format!("{INPUT} font-mono") placeholder="Type or paste the code under the QR" />
                    <Button kind="submit" busy=action.pending()>"Check in"</Button>
                </ActionForm>
            </Card>
        </div>
    }
}
