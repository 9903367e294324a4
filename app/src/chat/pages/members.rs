//! The members panel of a room: who is in it with their presence and
//! status, and for the owner and moderators: invite, roles, remove,
//! rename; for everyone: their own status, leave, and (owner) delete.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use super::PresenceDot;
use crate::accounts::pages::Avatar;
use crate::chat::api::{
    DeleteRoom, InviteMember, LeaveRoom, RemoveMember, RenameRoom, SetMemberRole, SetStatusText,
    invite_member, remove_member, rename_room, room_members, set_member_role, set_status_text,
};
use crate::chat::model::{MemberRole, MemberView, RoomView};
use crate::components::INPUT;
use crate::live::protocol::Presence;

#[component]
pub fn MembersPanel(
    chat_id: i64,
    room: RwSignal<RoomView>,
    presence: RwSignal<HashMap<i64, (Presence, String)>>,
    version: RwSignal<u64>,
) -> impl IntoView {
    let members = Resource::new(move || version.get(), move |_| room_members(chat_id));
    let error = RwSignal::new(None::<String>);
    let count = move || room.with(|r| r.member_count);
    let back = format!("/chat/{chat_id}");
    view! {
        <details class="relative">
            <summary class="flex cursor-pointer list-none items-center gap-1 rounded-lg px-3 py-1.5 text-sm font-medium text-slate-700 ring-1 ring-slate-200 hover:bg-slate-50" data-testid="members-toggle">
                {move || format!("Members · {}", count())}
            </summary>
            <div class="absolute right-0 z-20 mt-2 max-h-[70vh] w-[min(22rem,calc(100vw-2rem))] space-y-4 overflow-y-auto rounded-xl border border-slate-200 bg-white p-4 shadow-lg" data-testid="members-panel">
                {move || error.get().map(|e| view! { <p class="text-sm text-red-700" role="alert">{e}</p> })}
                <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading members…"</p> }>
                    {
                        let back = back.clone();
                        move || {
                            let back = back.clone();
                            Suspend::new(async move {
                                match members.await {
                                    Ok(list) => member_list(list, chat_id, room, presence, version, error, back).into_any(),
                                    Err(e) => view! { <p class="text-sm text-red-700">{e.to_string()}</p> }.into_any(),
                                }
                            })
                        }
                    }
                </Suspense>
                <RoomSettings chat_id room version error back=format!("/chat/{chat_id}") />
            </div>
        </details>
    }
}

fn member_list(
    list: Vec<MemberView>,
    chat_id: i64,
    room: RwSignal<RoomView>,
    presence: RwSignal<HashMap<i64, (Presence, String)>>,
    version: RwSignal<u64>,
    error: RwSignal<Option<String>>,
    back: String,
) -> impl IntoView {
    let (mine, me) = room.with_untracked(|r| (r.role, r.viewer_id));
    let owner = mine == Some(MemberRole::Owner);
    let manage = room.with_untracked(|r| r.can.manage);
    view! {
        <ul class="space-y-3" data-testid="members">
            {list.into_iter().map(|m| {
                let user_id = m.user_id;
                let heard = Signal::derive(move || presence.with(|p| p.get(&user_id).map(|x| x.0)).unwrap_or(m.presence));
                let status = {
                    let fallback = m.status_text.clone();
                    move || presence.with(|p| p.get(&user_id).map(|x| x.1.clone())).unwrap_or_else(|| fallback.clone())
                };
                let below = mine.is_some_and(|r| m.role < r);
                let can_remove = manage && below && user_id != me;
                let can_role = owner && user_id != me && m.role != MemberRole::Owner;
                let next_role = if m.role == MemberRole::Moderator { MemberRole::Member } else { MemberRole::Moderator };
                let back = back.clone();
                view! {
                    <li class="flex items-start gap-3" data-testid="member" data-user=user_id>
                        <span class="relative">
                            <Avatar name=m.name.clone() url=m.avatar_url.clone() class="size-9 text-xs" />
                            <span class="absolute -bottom-0.5 -right-0.5"><PresenceDot presence=heard /></span>
                        </span>
                        <div class="min-w-0 flex-1">
                            <p class="flex items-center gap-2 text-sm">
                                <a href=format!("/users/{user_id}") class="truncate font-medium text-slate-900 hover:underline">{m.name.clone()}</a>
                                {(m.role != MemberRole::Member).then(|| view! { <span class="rounded bg-slate-100 px-1.5 text-xs text-slate-600">{m.role.label()}</span> })}
                            </p>
                            <p class="truncate text-xs text-slate-500">
                                {move || {
                                    let s = status();
                                    let p = heard.get().label();
                                    if s.is_empty() { p.to_string() } else { format!("{p} · {s}") }
                                }}
                            </p>
                            {(can_role || can_remove).then(|| view! {
                                <div class="mt-1 flex gap-2">
                                    {can_role.then(|| {
                                        let back = back.clone();
                                        view! {
                                            <form method="post" action=SetMemberRole::url() on:submit=move |ev| {
                                                ev.prevent_default();
                                                leptos::task::spawn_local(async move {
                                                    match set_member_role(chat_id, user_id, next_role.as_str().to_string(), String::new()).await {
                                                        Ok(_) => version.update(|v| *v += 1),
                                                        Err(e) => error.set(Some(e.to_string())),
                                                    }
                                                });
                                            }>
                                                <input type="hidden" name="room_id" value=chat_id />
                                                <input type="hidden" name="user_id" value=user_id />
                                                <input type="hidden" name="role" value=next_role.as_str() />
                                                <input type="hidden" name="back" value=back />
                                                <button type="submit" class="text-xs font-medium text-brand-700 hover:underline">
                                                    {if next_role == MemberRole::Moderator { "Make moderator" } else { "Make member" }}
                                                </button>
                                            </form>
                                        }
                                    })}
                                    {can_remove.then(|| view! {
                                        <form method="post" action=RemoveMember::url() on:submit=move |ev| {
                                            ev.prevent_default();
                                            leptos::task::spawn_local(async move {
                                                match remove_member(chat_id, user_id, String::new()).await {
                                                    Ok(_) => version.update(|v| *v += 1),
                                                    Err(e) => error.set(Some(e.to_string())),
                                                }
                                            });
                                        }>
                                            <input type="hidden" name="room_id" value=chat_id />
                                            <input type="hidden" name="user_id" value=user_id />
                                            <input type="hidden" name="back" value=back.clone() />
                                            <button type="submit" class="text-xs font-medium text-red-600 hover:underline">"Remove"</button>
                                        </form>
                                    })}
                                </div>
                            })}
                        </div>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// Invite, rename, own status, leave, delete.
#[component]
fn RoomSettings(
    chat_id: i64,
    room: RwSignal<RoomView>,
    version: RwSignal<u64>,
    error: RwSignal<Option<String>>,
    back: String,
) -> impl IntoView {
    let can = room.with_untracked(|r| r.can);
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(room.with_untracked(|r| r.name.clone()));
    let topic = RwSignal::new(room.with_untracked(|r| r.topic.clone()));
    let status = RwSignal::new(String::new());
    let saved = RwSignal::new(None::<&'static str>);
    let done = move |what: &'static str| {
        error.set(None);
        saved.set(Some(what));
        version.update(|v| *v += 1);
    };
    view! {
        <div class="space-y-4 border-t border-slate-200 pt-4">
            {move || saved.get().map(|s| view! { <p class="text-sm text-emerald-700" role="status">{s}</p> })}
            {can.invite.then(|| view! {
                <form method="post" action=InviteMember::url() class="space-y-1" on:submit=move |ev| {
                    ev.prevent_default();
                    let address = email.get_untracked();
                    leptos::task::spawn_local(async move {
                        match invite_member(chat_id, address, String::new()).await {
                            Ok(_) => {
                                email.set(String::new());
                                done("Added.");
                            }
                            Err(e) => error.set(Some(e.to_string())),
                        }
                    });
                }>
                    <input type="hidden" name="room_id" value=chat_id />
                    <input type="hidden" name="back" value=back.clone() />
                    <label for=format!("invite-{chat_id}") class="block text-xs font-medium text-slate-700">"Add someone by email"</label>
                    <div class="flex gap-2">
                        <input id=format!("invite-{chat_id}") name="email" type="email" required class=INPUT prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev)) />
                        <button type="submit" class="rounded-lg bg-brand-600 px-3 text-sm font-semibold text-white hover:bg-brand-700">"Add"</button>
                    </div>
                </form>
            })}
            {can.manage.then(|| view! {
                <form method="post" action=RenameRoom::url() class="space-y-1" on:submit=move |ev| {
                    ev.prevent_default();
                    let (n, t) = (name.get_untracked(), topic.get_untracked());
                    leptos::task::spawn_local(async move {
                        match rename_room(chat_id, n, t, String::new()).await {
                            Ok(view) => {
                                room.set(view);
                                done("Saved.");
                            }
                            Err(e) => error.set(Some(e.to_string())),
                        }
                    });
                }>
                    <input type="hidden" name="room_id" value=chat_id />
                    <input type="hidden" name="back" value=back.clone() />
                    <label for=format!("rename-{chat_id}") class="block text-xs font-medium text-slate-700">"Name and topic"</label>
                    <input id=format!("rename-{chat_id}") name="name" required maxlength="80" class=INPUT prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                    <input name="topic" maxlength="300" placeholder="Topic" aria-label="Topic" class=INPUT prop:value=move || topic.get() on:input=move |ev| topic.set(event_target_value(&ev)) />
                    <button type="submit" class="rounded-lg px-3 py-1.5 text-sm font-medium text-brand-700 ring-1 ring-brand-200 hover:bg-brand-50">"Save"</button>
                </form>
            })}
            <form method="post" action=SetStatusText::url() class="space-y-1" on:submit=move |ev| {
                ev.prevent_default();
                let text = status.get_untracked();
                leptos::task::spawn_local(async move {
                    match set_status_text(text, String::new()).await {
                        Ok(_) => done("Status set."),
                        Err(e) => error.set(Some(e.to_string())),
                    }
                });
            }>
                <input type="hidden" name="back" value=back.clone() />
                <label for=format!("status-{chat_id}") class="block text-xs font-medium text-slate-700">"Your status"</label>
                <div class="flex gap-2">
                    <input id=format!("status-{chat_id}") name="status" maxlength="80" placeholder="In a meeting" class=INPUT prop:value=move || status.get() on:input=move |ev| status.set(event_target_value(&ev)) />
                    <button type="submit" class="rounded-lg px-3 text-sm font-medium text-brand-700 ring-1 ring-brand-200 hover:bg-brand-50">"Set"</button>
                </div>
            </form>
            <div class="flex flex-wrap gap-2">
                {can.leave.then(|| view! {
                    <form method="post" action=LeaveRoom::url()>
                        <input type="hidden" name="room_id" value=chat_id />
                        <button type="submit" class="rounded-lg px-3 py-1.5 text-sm font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50">"Leave room"</button>
                    </form>
                })}
                {can.delete_room.then(|| view! {
                    <form method="post" action=DeleteRoom::url() on:submit=move |ev| {
                        if !window().confirm_with_message("Delete this room and its history for everyone?").unwrap_or(false) {
                            ev.prevent_default();
                        }
                    }>
                        <input type="hidden" name="room_id" value=chat_id />
                        <button type="submit" class="rounded-lg px-3 py-1.5 text-sm font-medium text-red-700 ring-1 ring-red-200 hover:bg-red-50">"Delete room"</button>
                    </form>
                })}
            </div>
        </div>
    }
}
