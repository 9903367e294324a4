//! One message: author and time, text with clickable links (never HTML),
//! "edited" and "message deleted" marks, and editing and deleting it.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use super::{now_ms, time_label};
use crate::accounts::pages::Avatar;
use crate::chat::api::{DeleteMessage, EditMessage, delete_message, edit_message};
use crate::chat::model::{Segment, segments};
use crate::live::protocol::MessageView;

/// Message text: plain text nodes, and `http(s)` links that open in a new
/// tab without handing it this page.
pub fn message_text(body: &str) -> impl IntoView + use<> {
    segments(body)
        .into_iter()
        .map(|segment| match segment {
            Segment::Text(text) => text.to_string().into_any(),
            Segment::Link(link) => view! {
                <a href=link.to_string() target="_blank" rel="noopener noreferrer nofollow ugc" class="break-all text-brand-700 underline">
                    {link.to_string()}
                </a>
            }
            .into_any(),
        })
        .collect_view()
}

#[component]
pub fn MessageItem(
    message: MessageView,
    show_header: bool,
    me: i64,
    moderate: Signal<bool>,
    hydrated: Signal<bool>,
    back: String,
    on_change: Callback<MessageView>,
) -> impl IntoView {
    let id = message.id;
    let own = message.author_id == me;
    let deleted = message.deleted;
    let editable = message.editable_by(me, now_ms());
    let editing = RwSignal::new(false);
    let draft = RwSignal::new(message.body.clone());
    let error = RwSignal::new(None::<String>);
    let created = message.created_at;
    let edited = message.edited_at.is_some();
    let save = move || {
        let text = draft.get_untracked();
        leptos::task::spawn_local(async move {
            match edit_message(id, text, String::new()).await {
                Ok(m) => {
                    editing.set(false);
                    error.set(None);
                    on_change.run(m);
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let remove = move || {
        if !window()
            .confirm_with_message("Delete this message?")
            .unwrap_or(false)
        {
            return;
        }
        leptos::task::spawn_local(async move {
            match delete_message(id, String::new()).await {
                Ok(m) => on_change.run(m),
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let body = message.body.clone();
    let (back_edit, back_delete) = (back.clone(), back);
    view! {
        <article
            class=format!("group relative flex gap-3 rounded-lg px-2 py-1 hover:bg-slate-50 {}", if show_header { "mt-3" } else { "" })
            data-testid="message"
            data-message=id
            data-own=own.to_string()
        >
            <div class="w-9 shrink-0">
                {show_header.then(|| view! { <Avatar name=message.author_name.clone() url=message.author_avatar.clone() class="size-9 text-xs" /> })}
            </div>
            <div class="min-w-0 flex-1">
                {show_header.then(|| view! {
                    <p class="flex items-baseline gap-2">
                        <span class="text-sm font-semibold text-slate-900">{message.author_name.clone()}</span>
                        <time class="text-xs text-slate-500">{move || time_label(created, now_ms(), hydrated.get())}</time>
                    </p>
                })}
                {if deleted {
                    view! { <p class="text-sm italic text-slate-400" data-testid="message-deleted">"Message deleted"</p> }.into_any()
                } else {
                    view! {
                        <Show
                            when=move || editing.get()
                            fallback={
                                let body = body.clone();
                                move || view! {
                                    <p class="whitespace-pre-wrap break-words text-sm text-slate-800" data-testid="message-body">
                                        {message_text(&body)}
                                        {edited.then(|| view! { <span class="ml-1 text-xs text-slate-400" data-testid="edited">"(edited)"</span> })}
                                    </p>
                                }
                            }
                        >
                            <form
                                method="post"
                                action=EditMessage::url()
                                class="space-y-2"
                                on:submit=move |ev| {
                                    ev.prevent_default();
                                    save();
                                }
                            >
                                <label class="sr-only" for=format!("edit-{id}")>"Edit message"</label>
                                <textarea
                                    id=format!("edit-{id}")
                                    name="body"
                                    rows="2"
                                    maxlength="4000"
                                    class="block w-full rounded-lg border-0 px-3 py-2 text-sm shadow-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-brand-600"
                                    prop:value=move || draft.get()
                                    on:input=move |ev| draft.set(event_target_value(&ev))
                                ></textarea>
                                <div class="flex gap-2">
                                    <button type="submit" class="rounded-md bg-brand-600 px-3 py-1 text-xs font-semibold text-white hover:bg-brand-700">"Save"</button>
                                    <button type="button" class="rounded-md px-3 py-1 text-xs font-medium text-slate-600 hover:bg-slate-100" on:click=move |_| editing.set(false)>"Cancel"</button>
                                </div>
                            </form>
                        </Show>
                    }
                    .into_any()
                }}
                {move || error.get().map(|e| view! { <p class="text-xs text-red-700" role="alert">{e}</p> })}
            </div>
            {(!deleted).then(|| view! {
                <div class="flex shrink-0 items-start gap-1 text-xs sm:opacity-0 sm:group-hover:opacity-100 sm:group-focus-within:opacity-100">
                    {editable.then(|| {
                        let back = back_edit.clone();
                        view! {
                            // Without JavaScript, a small form; with it, editing in place.
                            <Show
                                when=move || hydrated.get()
                                fallback=move || view! {
                                    <details>
                                        <summary class="cursor-pointer rounded px-1.5 py-0.5 text-slate-500 hover:bg-slate-200">"Edit"</summary>
                                        <form method="post" action=EditMessage::url() class="absolute right-0 z-10 mt-1 w-72 space-y-2 rounded-lg border border-slate-200 bg-white p-2 shadow">
                                            <input type="hidden" name="id" value=id />
                                            <input type="hidden" name="back" value=back.clone() />
                                            <textarea name="body" rows="3" maxlength="4000" class="block w-full rounded border-slate-300 text-sm">{draft.get_untracked()}</textarea>
                                            <button type="submit" class="rounded-md bg-brand-600 px-3 py-1 text-xs font-semibold text-white">"Save"</button>
                                        </form>
                                    </details>
                                }
                            >
                                <button type="button" class="rounded px-1.5 py-0.5 text-slate-500 hover:bg-slate-200" on:click=move |_| editing.set(true) data-testid="edit-message">
                                    "Edit"
                                </button>
                            </Show>
                        }
                    })}
                    <Show when=move || own || moderate.get()>
                        <form
                            method="post"
                            action=DeleteMessage::url()
                            on:submit=move |ev| {
                                ev.prevent_default();
                                remove();
                            }
                        >
                            <input type="hidden" name="id" value=id />
                            <input type="hidden" name="back" value=back_delete.clone() />
                            <button type="submit" class="rounded px-1.5 py-0.5 text-red-600 hover:bg-red-50" data-testid="delete-message">"Delete"</button>
                        </form>
                    </Show>
                </div>
            })}
        </article>
    }
}
