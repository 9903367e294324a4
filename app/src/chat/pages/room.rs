//! An open conversation: its messages, kept live from `room:{id}` (gaps
//! in the room's counter are fetched, so nothing is missed or doubled),
//! typing and presence signals, read markers, and the composer.

use crate::kernel::idempotency::fresh_key;
use std::collections::HashMap;

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use super::members::MembersPanel;
use super::message::MessageItem;
use super::{PresenceDot, Unread, now_ms, use_hydrated, use_unread};
use crate::chat::api::{
    SendMessage, mark_room_read, open_room, room_changes, room_history, send_message,
};
use crate::chat::model::{OpenedRoom, RoomKind, RoomView, typing_label};
use crate::live::client::{LiveStatus, use_live, use_live_status, use_topic_with_signals};
use crate::live::protocol::{ClientMessage, Payload};
use crate::live::protocol::{MessageView, Presence};

/// Adds or updates a message, keeping the list in history order; an older
/// version of a message never replaces a newer one.
fn apply(messages: RwSignal<Vec<MessageView>>, message: MessageView) {
    messages.update(|list| match list.iter().position(|m| m.id == message.id) {
        Some(i) => {
            if list[i].change_seq < message.change_seq {
                list[i] = message;
            }
        }
        None => {
            let at = list.partition_point(|m| m.seq < message.seq);
            list.insert(at, message);
        }
    });
}

/// The live state of one open room.
#[derive(Clone, Copy)]
struct Conversation {
    id: i64,
    me: i64,
    room: RwSignal<RoomView>,
    messages: RwSignal<Vec<MessageView>>,
    next_before: RwSignal<Option<i64>>,
    /// The room's counter the page is up to.
    last_change: StoredValue<i64>,
    marked: StoredValue<i64>,
    catching_up: StoredValue<bool>,
    /// Presence and status heard live, over what the members list said.
    presence: RwSignal<HashMap<i64, (Presence, String)>>,
    members_version: RwSignal<u64>,
    ended: RwSignal<Option<String>>,
    unread: Option<Unread>,
}

impl Conversation {
    /// Reads the room up to where the page is, when the tab is visible.
    /// (Pages may be gone by the time an answer arrives: every read here
    /// tolerates that.)
    fn mark_read(self) {
        if self.room.try_with_untracked(|r| r.role.is_none()) != Some(false) || document().hidden()
        {
            return;
        }
        let (Some(upto), Some(marked)) = (
            self.last_change.try_get_value(),
            self.marked.try_get_value(),
        ) else {
            return;
        };
        if upto <= marked {
            return;
        }
        self.marked.try_set_value(upto);
        let (id, unread) = (self.id, self.unread);
        leptos::task::spawn_local(async move {
            if let (Ok(total), Some(unread)) = (mark_room_read(id, upto).await, unread) {
                unread.total.set(total);
            }
        });
    }

    /// Fetches every change after the counter the page has, in order.
    fn catch_up(self) {
        if self.catching_up.try_get_value() != Some(false) {
            return;
        }
        self.catching_up.try_set_value(true);
        leptos::task::spawn_local(async move {
            while let Some(after) = self.last_change.try_get_value()
                && let Ok(changes) = room_changes(self.id, after).await
            {
                for message in changes.messages {
                    apply(self.messages, message);
                }
                self.last_change
                    .try_update_value(|last| *last = (*last).max(changes.seq));
                if !changes.more {
                    break;
                }
            }
            self.catching_up.try_set_value(false);
            self.mark_read();
        });
    }

    /// A message heard on the topic (or sent from here).
    fn heard(self, message: MessageView) {
        let seq = message.change_seq;
        apply(self.messages, message);
        let Some(last) = self.last_change.try_get_value() else {
            return;
        };
        if seq == last + 1 {
            self.last_change.try_set_value(seq);
            self.mark_read();
        } else if seq > last + 1 {
            self.catch_up();
        }
    }

    fn reload_room(self) {
        leptos::task::spawn_local(async move {
            if let Ok(open) = open_room(self.id, None).await {
                self.room.set(open.room);
            }
        });
    }

    fn load_older(self) {
        let Some(before) = self.next_before.get_untracked() else {
            return;
        };
        leptos::task::spawn_local(async move {
            if let Ok(page) = room_history(self.id, Some(before)).await {
                for message in page.messages {
                    apply(self.messages, message);
                }
                self.next_before.set(page.next_before);
            }
        });
    }
}

/// A room, live: header, history with "load older", typing line, composer
/// and (outside threads) the members panel. `back` is the page to return
/// to after a form post without JavaScript.
#[component]
pub fn RoomChat(
    open: OpenedRoom,
    back: String,
    /// Embedded in a booking or order page: shorter, no members panel.
    #[prop(optional)]
    compact: bool,
    /// Why no one may write any more (a stream that ended), if so.
    #[prop(optional, into)]
    closed: Signal<Option<String>>,
) -> impl IntoView {
    let mut first = open.page.messages.clone();
    first.reverse();
    let chat = Conversation {
        id: open.room.id,
        me: open.room.viewer_id,
        room: RwSignal::new(open.room.clone()),
        messages: RwSignal::new(first),
        next_before: RwSignal::new(open.page.next_before),
        last_change: StoredValue::new(open.room.seq),
        marked: StoredValue::new(open.room.last_read_seq),
        catching_up: StoredValue::new(false),
        presence: RwSignal::new(HashMap::new()),
        members_version: RwSignal::new(0),
        ended: RwSignal::new(None),
        unread: use_unread(),
    };
    let typing = RwSignal::new(Vec::<(i64, String, i64)>::new());
    if let Some(unread) = chat.unread {
        unread.open_room.set(Some(chat.id));
        on_cleanup(move || unread.open_room.set(None));
    }
    let (state, signals) = use_topic_with_signals(format!("room:{}", chat.id));
    Effect::new(move |_| match state.get() {
        Some(Payload::ChatMessage { message, .. }) => {
            // An edit or a delete changes what the room list shows of the
            // room (a new message comes with a notice of its own).
            let changed = message.change_seq != message.seq;
            typing.update(|t| t.retain(|(u, ..)| *u != message.author_id));
            chat.heard(message);
            if let Some(unread) = chat.unread.filter(|_| changed) {
                unread.activity.update(|n| *n += 1);
            }
        }
        Some(Payload::RoomChanged {
            removed, deleted, ..
        }) => {
            if deleted {
                chat.ended.set(Some("This room was deleted.".into()));
            } else if removed.contains(&chat.me) {
                chat.ended
                    .set(Some("You are no longer a member of this room.".into()));
            } else {
                chat.members_version.update(|v| *v += 1);
                chat.reload_room();
            }
        }
        _ => {}
    });
    Effect::new(move |_| match signals.get() {
        Some(Payload::Typing { user_id, name, .. }) if user_id != chat.me => {
            let until = now_ms() + 6_000;
            typing.update(|t| {
                t.retain(|(u, ..)| *u != user_id);
                t.push((user_id, name, until));
            });
        }
        Some(Payload::Presence {
            user_id,
            presence,
            status_text,
            ..
        }) => chat.presence.update(|m| {
            m.insert(user_id, (presence, status_text));
        }),
        _ => {}
    });
    // Typing lines fade out on their own.
    Effect::new(move |_| {
        let handle = set_interval_with_handle(
            move || {
                if typing.with_untracked(|t| !t.is_empty()) {
                    let now = now_ms();
                    typing.update(|t| t.retain(|(_, _, until)| *until > now));
                }
            },
            std::time::Duration::from_secs(1),
        );
        on_cleanup(move || {
            if let Ok(h) = handle {
                h.clear();
            }
        });
    });
    // Anything missed between the server's render and following the topic,
    // or while the connection was down.
    let status = use_live_status();
    Effect::new(move |prev: Option<LiveStatus>| {
        let now = status.get();
        if prev.is_none() || (prev != Some(LiveStatus::Live) && now == LiveStatus::Live) {
            chat.catch_up();
        }
        now
    });
    let focus = window_event_listener(leptos::ev::focus, move |_| chat.mark_read());
    on_cleanup(move || focus.remove());

    let hydrated = use_hydrated();
    let typing_line = move || {
        let names: Vec<String> = typing.with(|t| t.iter().map(|(_, n, _)| n.clone()).collect());
        typing_label(&names)
    };
    let can_post = Signal::derive(move || chat.room.with(|r| r.can.post));
    let moderate = Signal::derive(move || chat.room.with(|r| r.can.moderate));
    // The room fits the screen: the top bar, the room's header, the typing
    // line and the composer around the history.
    let height = if compact {
        "h-96"
    } else {
        "h-[calc(100dvh-21rem)] min-h-64 sm:h-[calc(100dvh-22rem)]"
    };
    let me = chat.me;
    let back_for_items = back.clone();
    view! {
        <div class="flex min-w-0 flex-col overflow-hidden rounded-2xl border border-slate-200 bg-white" data-testid="room" data-room=chat.id>
            <RoomHeader chat compact />
            {move || chat.ended.get().map(|text| view! {
                <p role="alert" class="border-b border-amber-200 bg-amber-50 px-4 py-2 text-sm text-amber-900">{text}</p>
            })}
            <div class=format!("flex {height} flex-col-reverse overflow-y-auto") data-testid="messages">
                <div class="space-y-1 px-3 py-4 sm:px-4">
                    <Show when=move || chat.next_before.get().is_some()>
                        <div class="pb-2 text-center">
                            <a
                                href=move || format!("?before={}", chat.next_before.get().unwrap_or(0))
                                class="text-sm font-medium text-brand-700 hover:underline"
                                on:click=move |ev| {
                                    ev.prevent_default();
                                    chat.load_older();
                                }
                            >
                                "Load older messages"
                            </a>
                        </div>
                    </Show>
                    <Show when=move || chat.messages.with(Vec::is_empty)>
                        <p class="py-10 text-center text-sm text-slate-500">"No messages yet. Say hello!"</p>
                    </Show>
                    <For
                        each=move || {
                            let list = chat.messages.get();
                            let mut shown = Vec::with_capacity(list.len());
                            let mut previous: Option<(i64, i64)> = None;
                            for m in list {
                                let header = previous
                                    .is_none_or(|(author, at)| author != m.author_id || m.created_at - at > 5 * 60_000);
                                previous = Some((m.author_id, m.created_at));
                                shown.push((m, header));
                            }
                            shown
                        }
                        key=|(m, header)| (m.id, m.change_seq, *header)
                        children=move |(message, header)| {
                            view! {
                                <MessageItem
                                    message
                                    show_header=header
                                    me
                                    moderate
                                    hydrated
                                    back=back_for_items.clone()
                                    on_change=Callback::new(move |m| chat.heard(m))
                                />
                            }
                        }
                    />
                </div>
            </div>
            <p class="h-5 px-4 text-xs italic text-slate-500" aria-live="polite" data-testid="typing">
                {typing_line}
            </p>
            <Show
                when=move || can_post.get() && chat.ended.get().is_none() && closed.with(Option::is_none)
                fallback=move || view! {
                    <p class="border-t border-slate-200 px-4 py-3 text-sm text-slate-600">
                        {closed.get().unwrap_or_else(|| "You can read this conversation but not write in it.".into())}
                    </p>
                }
            >
                <Composer chat back=back.clone() />
            </Show>
        </div>
    }
}

#[component]
fn RoomHeader(chat: Conversation, compact: bool) -> impl IntoView {
    let name = move || chat.room.with(|r| r.name.clone());
    let topic = move || chat.room.with(|r| r.topic.clone());
    let other = move || chat.room.with(|r| r.other.clone());
    let presence = Signal::derive(move || {
        let other = other();
        let heard = other
            .as_ref()
            .and_then(|o| chat.presence.with(|m| m.get(&o.user_id).map(|p| p.0)));
        heard
            .or(other.map(|o| o.presence))
            .unwrap_or(Presence::Offline)
    });
    let subject = move || chat.room.with(|r| r.subject.clone());
    let is_direct = move || chat.room.with(|r| r.kind == RoomKind::Direct);
    view! {
        <div class="flex items-start gap-3 border-b border-slate-200 px-4 py-3">
            {(!compact).then(|| view! {
                <a href="/chat" class="-ml-2 rounded-md px-2 py-1 text-sm font-medium text-slate-600 hover:bg-slate-100 lg:hidden" aria-label="Back to conversations">"←"</a>
            })}
            <div class="min-w-0 flex-1">
                <h2 class="flex items-center gap-2 truncate text-base font-semibold text-slate-900" data-testid="room-name">
                    <Show when=is_direct>
                        <PresenceDot presence />
                    </Show>
                    <span class="truncate">{name}</span>
                </h2>
                <p class="truncate text-xs text-slate-500">
                    {move || {
                        if is_direct() {
                            let status = other()
                                .map(|o| chat.presence.with(|m| m.get(&o.user_id).map(|p| p.1.clone())).unwrap_or(o.status_text))
                                .unwrap_or_default();
                            let label = presence.get().label().to_string();
                            if status.is_empty() { label } else { format!("{label} · {status}") }
                        } else {
                            topic()
                        }
                    }}
                    {move || subject().map(|(href, label)| view! {
                        <a href=href class="ml-1 font-medium text-brand-700 hover:underline">{label}</a>
                    })}
                </p>
            </div>
            {(!compact).then(|| view! { <MembersPanel chat_id=chat.id room=chat.room presence=chat.presence version=chat.members_version /> })}
        </div>
    }
}

#[component]
fn Composer(chat: Conversation, back: String) -> impl IntoView {
    let body = RwSignal::new(String::new());
    let client_id = RwSignal::new(fresh_key());
    let error = RwSignal::new(None::<String>);
    let sending = RwSignal::new(false);
    let live = use_live();
    let last_typing = StoredValue::new(0i64);
    let topic = format!("room:{}", chat.id);
    let submit = move || {
        let text = body.get_untracked();
        if text.trim().is_empty() || sending.get_untracked() {
            return;
        }
        sending.set(true);
        error.set(None);
        let id = client_id.get_untracked();
        leptos::task::spawn_local(async move {
            // A retry after a failure sends the same client id: one message.
            match send_message(chat.id, text.clone(), id, String::new()).await {
                Ok(message) => {
                    // Keep anything typed meanwhile.
                    if body.try_get_untracked().as_deref() == Some(text.as_str()) {
                        body.set(String::new());
                    }
                    client_id.set(fresh_key());
                    // Others stop showing "typing" with the message; the
                    // next keystroke says so again at once.
                    last_typing.try_set_value(0);
                    chat.heard(message);
                    if let Some(unread) = chat.unread {
                        unread.activity.update(|n| *n += 1);
                    }
                }
                Err(e) => error.set(Some(e.to_string())),
            }
            sending.set(false);
        });
    };
    let field_id = format!("composer-{}", chat.id);
    view! {
        <form
            method="post"
            action=SendMessage::url()
            class="border-t border-slate-200 p-3"
            on:submit=move |ev| {
                ev.prevent_default();
                submit();
            }
        >
            <input type="hidden" name="room_id" value=chat.id />
            <input type="hidden" name="client_id" prop:value=move || client_id.get() />
            <input type="hidden" name="back" value=back />
            <label for=field_id.clone() class="sr-only">"Message"</label>
            <div class="flex items-end gap-2">
                <textarea
                    id=field_id
                    name="body"
                    rows="2"
                    maxlength="4000"
                    required
                    placeholder="Write a message…"
                    class="block max-h-40 min-h-11 w-full resize-y rounded-lg border-0 px-3 py-2 text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-brand-600 sm:text-sm"
                    prop:value=move || body.get()
                    aria-describedby="composer-help"
                    data-testid="composer"
                    on:input=move |ev| {
                        body.set(event_target_value(&ev));
                        let now = now_ms();
                        if now - last_typing.get_value() > 3_000 {
                            last_typing.set_value(now);
                            if let Some(live) = live {
                                live.send(ClientMessage::Typing { topic: topic.clone() });
                            }
                        }
                    }
                    on:keydown=move |ev| {
                        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                            ev.prevent_default();
                            submit();
                        }
                    }
                ></textarea>
                <button
                    type="submit"
                    class="inline-flex h-11 items-center gap-2 rounded-lg bg-brand-600 px-4 text-sm font-semibold text-white shadow-sm hover:bg-brand-700 disabled:opacity-60"
                    disabled=move || sending.get()
                    aria-busy=move || sending.get().to_string()
                >
                    "Send"
                </button>
            </div>
            <p id="composer-help" class="mt-1 hidden text-xs text-slate-500 sm:block">"Enter to send, Shift+Enter for a new line."</p>
            {move || error.get().map(|e| view! { <p class="mt-2 text-sm text-red-700" role="alert">{e}</p> })}
        </form>
    }
}
