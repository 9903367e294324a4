use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::accounts::context::field_error;
use crate::accounts::pages::FormAlert;
use crate::accounts::pages::RequireOrganizer;
use crate::components::{Button, Card};
use crate::components::{INPUT, id_param};
use crate::events::api::{CheckIn, door_status};
use crate::events::model::CheckInOutcome;

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
    // The answer is looked up on the server from the code; the address only
    // says whether the last post admitted it (so a crafted link can't show
    // "let them in" for a ticket nobody checked in).
    let asked = Memo::new(move |_| {
        let q = query.read();
        (
            id.get(),
            q.get("code").unwrap_or_default(),
            q.get("r").unwrap_or_default(),
        )
    });
    let status = Resource::new(
        move || asked.get(),
        |(id, code, r)| async move {
            if code.is_empty() {
                Ok(None)
            } else {
                door_status(id, code, r).await.map(Some)
            }
        },
    );
    let result = move || {
        Suspend::new(async move {
            let code = asked.get_untracked().1;
            let outcome = match status.await {
            Ok(Some(outcome)) => outcome,
            Ok(None) => return None,
            Err(e) => return Some(view! { <div role="alert" class="rounded-xl border border-red-200 bg-red-50 p-4 text-sm text-red-800">{e.to_string()}</div> }.into_any()),
        };
            let kind = outcome.kind();
            let (tone, title, detail) = match outcome {
                CheckInOutcome::Valid { holder, tier } => (
                    "border-emerald-300 bg-emerald-50 text-emerald-900",
                    "Valid: let them in",
                    format!("{holder} · {tier}"),
                ),
                CheckInOutcome::AlreadyCheckedIn {
                    holder,
                    tier,
                    at_label,
                    ..
                } => (
                    "border-amber-300 bg-amber-50 text-amber-900",
                    "Already checked in",
                    format!("{holder} · {tier} · at {at_label}"),
                ),
                CheckInOutcome::NotCheckedIn { holder, tier } => (
                    "border-slate-300 bg-white text-slate-900",
                    "Not checked in yet",
                    format!("{holder} · {tier}"),
                ),
                CheckInOutcome::OtherEvent { event_name } => (
                    "border-red-300 bg-red-50 text-red-900",
                    "Not for this event",
                    format!("This ticket is for {event_name}."),
                ),
                CheckInOutcome::Void => (
                    "border-red-300 bg-red-50 text-red-900",
                    "Cancelled ticket",
                    "Its order was cancelled.".to_string(),
                ),
                CheckInOutcome::Invalid => (
                    "border-red-300 bg-red-50 text-red-900",
                    "Invalid code",
                    "No ticket has this code.".to_string(),
                ),
            };
            Some(view! {
            <div role="status" data-testid="check-in-result" data-result=kind class=format!("rounded-2xl border-2 p-6 {tone}")>
                <p class="text-2xl font-bold">{title}</p>
                <p class="mt-1">{detail}</p>
                <p class="mt-2 break-all font-mono text-xs opacity-70">{code}</p>
            </div>
        }.into_any())
        })
    };
    view! {
        <Title text="Check in" />
        <div class="mx-auto max-w-xl space-y-6">
            <a href=move || format!("/organizer/events/{}", id.get()) class="text-sm font-medium text-brand-700 hover:underline">"← Dashboard"</a>
            <h1 class="text-3xl font-bold tracking-tight">"Check in"</h1>
            <Suspense fallback=|| ()>{result}</Suspense>
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
