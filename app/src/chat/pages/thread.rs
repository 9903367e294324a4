//! The thread of a booking or an order, embedded in its page for its two
//! parties (customer and provider, buyer and organizer), and a live
//! stream's chat, embedded in the stream's page. The page loads the thread
//! (its domain opens it) before any of its other resources made inside a
//! `Suspense`: resources are matched between the server's render and
//! hydration in the order they are made.

use leptos::prelude::*;

use super::room::RoomChat;
use crate::chat::model::OpenedRoom;
use crate::components::Skeleton;
use crate::error::AppError;

#[component]
pub fn ChatThread(
    thread: Resource<Result<OpenedRoom, AppError>>,
    /// The page the thread is on (where forms without JavaScript return).
    #[prop(into)]
    back: Signal<String>,
    #[prop(default = "Messages")] title: &'static str,
    /// Why no one may write any more (a stream that ended), if so.
    #[prop(optional, into)]
    closed: Signal<Option<String>>,
) -> impl IntoView {
    let login = crate::accounts::pages::sign_in_href();
    view! {
        <section class="space-y-3" aria-labelledby="thread-title">
            <h2 id="thread-title" class="text-lg font-semibold">{title}</h2>
            <Transition fallback=|| view! { <Skeleton height="h-96" /> }>
                {move || Suspend::new(async move {
                    match thread.await {
                        Ok(open) => view! { <RoomChat open back=back.get_untracked() compact=true closed /> }.into_any(),
                        Err(AppError::Unauthorized) => view! {
                            <p class="rounded-2xl border border-slate-200 bg-white px-4 py-6 text-center text-sm text-slate-600">
                                <a href=move || login.get() class="font-semibold text-brand-700 hover:underline">"Sign in"</a>
                                " to join the conversation."
                            </p>
                        }.into_any(),
                        Err(e) => view! { <p class="text-sm text-slate-600">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
