use leptos::prelude::*;
use leptos_meta::Title;

use super::room::RoomChat;
use super::{PresenceDot, now_ms, time_label, use_hydrated};
use crate::accounts::pages::RequireSignIn;
use crate::chat::api::{chat_rooms, open_room};
use crate::chat::model::{RoomKind, RoomList, RoomSummary, Visibility};
use crate::components::{ButtonLink, EmptyState, Icon, IconName, Variant};
use crate::components::{FailedPage, Notice, Skeleton, id_param, query_param};
use crate::error::AppError;
use crate::live::protocol::Notice as LiveNotice;

/// `/chat`: the room list; on wide screens, beside it, a prompt to pick one.
#[component]
pub fn ChatPage() -> impl IntoView {
    view! {
        <RequireSignIn>
            <Title text="Chat" />
            <ChatLayout room=None />
        </RequireSignIn>
    }
}

/// `/chat/{id}`: one room (on phones alone, with a way back to the list).
#[component]
pub fn RoomPage() -> impl IntoView {
    let id = id_param("id");
    view! {
        <RequireSignIn>
            {move || view! { <ChatLayout room=Some(id.get()) /> }}
        </RequireSignIn>
    }
}

#[component]
fn ChatLayout(room: Option<i64>) -> impl IntoView {
    let left = query_param("left");
    let deleted = query_param("deleted");
    let (list_class, main_class) = if room.is_some() {
        ("hidden lg:block", "")
    } else {
        ("", "hidden lg:flex")
    };
    view! {
        <div class="mx-auto max-w-6xl space-y-4">
            <Notice when=Signal::derive(move || left.get() == "1") text="You left the room." />
            <Notice when=Signal::derive(move || deleted.get() == "1") text="The room was deleted." />
            <div class="grid gap-4 lg:grid-cols-[20rem_minmax(0,1fr)]">
                <aside class=list_class aria-label="Conversations">
                    <RoomListPanel active=room />
                </aside>
                <section class=format!("{main_class} min-w-0 flex-col")>
                    {match room {
                        Some(id) => view! { <OpenRoomPane id /> }.into_any(),
                        None => view! {
                            <EmptyState icon=IconName::Chat title="Pick a conversation" message="Open a room or a direct message from the list, or start a new one.">
                                <ButtonLink href="/chat/new">"New room"</ButtonLink>
                                <ButtonLink href="/chat/direct" variant=Variant::Secondary>"New message"</ButtonLink>
                            </EmptyState>
                        }
                        .into_any(),
                    }}
                </section>
            </div>
        </div>
    }
}

/// Counts chat notices on the person's topic; the list reloads on each.
fn chat_news() -> Memo<u64> {
    crate::accounts::context::notices_matching(|notice| {
        matches!(
            notice,
            LiveNotice::ChatMessage { .. } | LiveNotice::ChatRead { .. }
        )
    })
}

#[component]
fn RoomListPanel(active: Option<i64>) -> impl IntoView {
    let news = chat_news();
    let sent = super::use_unread().map(|u| u.activity);
    let rooms = Resource::new(
        move || (news.get(), sent.map(|s| s.get())),
        |_| chat_rooms(),
    );
    view! {
        <div class="overflow-hidden rounded-2xl border border-slate-200 bg-white">
            <div class="flex items-center justify-between gap-2 border-b border-slate-200 px-4 py-3">
                <h1 class="text-lg font-bold tracking-tight">"Chat"</h1>
                <div class="flex gap-2">
                    <a href="/chat/direct" class="rounded-md px-2 py-1 text-sm font-medium text-brand-700 hover:bg-brand-50">"New message"</a>
                    <a href="/chat/new" class="rounded-md px-2 py-1 text-sm font-medium text-brand-700 hover:bg-brand-50">"New room"</a>
                </div>
            </div>
            <Transition fallback=|| view! { <div class="p-4"><Skeleton height="h-64" /></div> }>
                {move || Suspend::new(async move {
                    match rooms.await {
                        Ok(list) => room_list(list, active).into_any(),
                        Err(e) => view! { <p class="p-4 text-sm text-red-700" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

fn room_list(list: RoomList, active: Option<i64>) -> impl IntoView {
    if list.rooms.is_empty() {
        return view! {
            <div class="px-4 py-10 text-center text-sm text-slate-600">
                <p class="font-medium text-slate-900">"No conversations yet"</p>
                <p class="mt-1">"Start one with someone, or join a public room."</p>
                <div class="mt-4 flex justify-center gap-2">
                    <ButtonLink href="/chat/direct">"New message"</ButtonLink>
                    <ButtonLink href="/chat/new" variant=Variant::Secondary>"Rooms"</ButtonLink>
                </div>
            </div>
        }
        .into_any();
    }
    let hydrated = use_hydrated();
    view! {
        <ul class="max-h-[70vh] divide-y divide-slate-100 overflow-y-auto" data-testid="room-list">
            {list
                .rooms
                .into_iter()
                .map(|room| view! { <RoomItem room active=active hydrated /> })
                .collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn RoomItem(room: RoomSummary, active: Option<i64>, hydrated: Signal<bool>) -> impl IntoView {
    let here = active == Some(room.id);
    let unread = room.unread;
    let initial = room
        .name
        .chars()
        .next()
        .map(|c| c.to_uppercase().to_string())
        .unwrap_or_else(|| "#".into());
    let icon = match room.kind {
        RoomKind::Group if room.visibility == Visibility::Private => {
            view! { <Icon name=IconName::Lock class="size-4" /> }.into_any()
        }
        RoomKind::Group => "#".into_any(),
        _ => initial.into_any(),
    };
    let presence = room.other.map(|(_, p)| p);
    let last = room.last.clone();
    let when = last.as_ref().map(|l| l.at);
    view! {
        <li>
            <a
                href=format!("/chat/{}", room.id)
                aria-current=here.then_some("page")
                class="flex items-center gap-3 px-4 py-3 hover:bg-slate-50 aria-[current=page]:bg-brand-50"
                data-testid="room-item"
                data-room=room.id
            >
                <span class="relative flex size-10 shrink-0 items-center justify-center rounded-full bg-slate-100 font-semibold text-slate-700" aria-hidden="true">
                    {icon}
                    {presence.map(|p| view! {
                        <span class="absolute -bottom-0.5 -right-0.5"><PresenceDot presence=p /></span>
                    })}
                </span>
                <span class="min-w-0 flex-1">
                    <span class="flex items-baseline justify-between gap-2">
                        <span class=move || format!("truncate text-sm {}", if unread > 0 { "font-bold text-slate-900" } else { "font-medium text-slate-800" })>
                            {room.name.clone()}
                        </span>
                        {when.map(|at| view! {
                            <span class="shrink-0 text-xs text-slate-500">{move || time_label(at, now_ms(), hydrated.get())}</span>
                        })}
                    </span>
                    <span class="flex items-center justify-between gap-2">
                        <span class="truncate text-xs text-slate-600">
                            {match last {
                                Some(l) if l.deleted => "Message deleted".to_string(),
                                Some(l) => format!("{}: {}", l.author_name, l.text),
                                None => super::kind_label(room.kind).to_string(),
                            }}
                        </span>
                        {(unread > 0).then(|| view! {
                            <span class="shrink-0 rounded-full bg-brand-600 px-2 text-xs font-semibold leading-5 text-white" data-testid="unread-badge" aria-label=format!("{unread} unread")>
                                {unread}
                            </span>
                        })}
                    </span>
                </span>
            </a>
        </li>
    }
}

#[component]
fn OpenRoomPane(id: i64) -> impl IntoView {
    let before = query_param("before");
    let data = Resource::new(
        move || before.get().parse::<i64>().ok(),
        move |before| open_room(id, before),
    );
    view! {
        <Transition fallback=|| view! { <Skeleton height="h-[70vh]" /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(open) => view! {
                        <Title text=open.room.name.clone() />
                        <RoomChat open back=format!("/chat/{id}") />
                    }
                    .into_any(),
                    Err(AppError::NotAllowed(message)) => view! { <JoinPrompt id message /> }.into_any(),
                    Err(e) => view! { <FailedPage error=e /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A public room the person hasn't joined: join it to read.
#[component]
fn JoinPrompt(id: i64, message: String) -> impl IntoView {
    let join = ServerAction::<crate::chat::api::JoinRoom>::new();
    view! {
        <EmptyState icon=IconName::Chat title="Join this room" message=message>
            <leptos::form::ActionForm action=join>
                <input type="hidden" name="room_id" value=id />
                <button type="submit" class="rounded-lg bg-brand-600 px-4 py-2 text-sm font-semibold text-white hover:bg-brand-700">"Join"</button>
            </leptos::form::ActionForm>
            <ButtonLink href="/chat" variant=Variant::Secondary>"Back to chats"</ButtonLink>
        </EmptyState>
    }
}
