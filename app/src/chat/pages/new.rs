//! Starting conversations: a new group room (and public rooms to join),
//! and a direct message to someone found by name.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::accounts::api::search_users;
use crate::accounts::context::{field_error, use_auth};
use crate::accounts::pages::{Avatar, FormAlert, RequireSignIn};
use crate::chat::api::{CreateRoom, JoinRoom, OpenDirect, public_rooms};
use crate::components::{Button, Card, FormField};
use crate::components::{INPUT, Skeleton, query_param};

/// `/chat/new`: create a room; below, the public rooms to join.
#[component]
pub fn NewRoomPage() -> impl IntoView {
    view! {
        <RequireSignIn>
            <Title text="New room" />
            <div class="mx-auto max-w-3xl space-y-6">
                <a href="/chat" class="text-sm font-medium text-brand-700 hover:underline">"← Chats"</a>
                <NewRoomForm />
                <PublicRooms />
            </div>
        </RequireSignIn>
    }
}

#[component]
fn NewRoomForm() -> impl IntoView {
    let create = ServerAction::<CreateRoom>::new();
    let value = create.value();
    let error = move |field: &'static str| field_error(value, Some(field));
    let general = field_error(value, None);
    view! {
        <Card>
            <h1 class="text-2xl font-bold tracking-tight">"New room"</h1>
            <p class="mt-1 text-sm text-slate-600">"A place for a group. Public rooms can be found and joined by anyone; private ones only by the people you add."</p>
            <ActionForm action=create attr:class="mt-6 space-y-4">
                <FormAlert message=general />
                <FormField label="Name" name="name" required=true error=error("name") />
                <FormField label="Topic" name="topic" hint="Optional: what the room is for." error=error("topic") />
                <fieldset class="space-y-2">
                    <legend class="text-sm font-medium text-slate-800">"Who can join"</legend>
                    <label class="flex items-start gap-2 text-sm">
                        <input type="radio" name="visibility" value="public" checked class="mt-1" />
                        <span><span class="font-medium">"Public"</span>" — listed, anyone signed in can join."</span>
                    </label>
                    <label class="flex items-start gap-2 text-sm">
                        <input type="radio" name="visibility" value="private" class="mt-1" />
                        <span><span class="font-medium">"Private"</span>" — only people you add."</span>
                    </label>
                </fieldset>
                <Button kind="submit" busy=create.pending()>"Create room"</Button>
            </ActionForm>
        </Card>
    }
}

#[component]
fn PublicRooms() -> impl IntoView {
    let q = query_param("q");
    let rooms = Resource::new(move || q.get(), public_rooms);
    let join = ServerAction::<JoinRoom>::new();
    view! {
        <Card>
            <h2 class="text-lg font-semibold">"Public rooms"</h2>
            <form method="get" class="mt-3 flex gap-2" role="search">
                <label for="room-search" class="sr-only">"Search rooms"</label>
                <input id="room-search" name="q" type="search" placeholder="Search rooms" class=INPUT value=move || q.get() />
                <button type="submit" class="rounded-lg px-4 text-sm font-medium ring-1 ring-slate-300 hover:bg-slate-50">"Search"</button>
            </form>
            <Transition fallback=|| view! { <div class="mt-4"><Skeleton /></div> }>
                {move || Suspend::new(async move {
                    match rooms.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="mt-4 text-sm text-slate-600">"No public rooms match. Create the first one above."</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <ul class="mt-4 divide-y divide-slate-100" data-testid="public-rooms">
                                {list.into_iter().map(|room| view! {
                                    <li class="flex items-center justify-between gap-3 py-3">
                                        <div class="min-w-0">
                                            <p class="truncate font-medium text-slate-900">"# "{room.name.clone()}</p>
                                            <p class="truncate text-xs text-slate-500">
                                                {format!("{} member{}", room.member_count, if room.member_count == 1 { "" } else { "s" })}
                                                {(!room.topic.is_empty()).then(|| format!(" · {}", room.topic))}
                                            </p>
                                        </div>
                                        {if room.joined {
                                            view! { <a href=format!("/chat/{}", room.id) class="text-sm font-medium text-brand-700 hover:underline">"Open"</a> }.into_any()
                                        } else {
                                            view! {
                                                <ActionForm action=join>
                                                    <input type="hidden" name="room_id" value=room.id />
                                                    <button type="submit" class="rounded-lg bg-brand-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-brand-700">"Join"</button>
                                                </ActionForm>
                                            }.into_any()
                                        }}
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <p class="mt-4 text-sm text-red-700" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </Card>
    }
}

/// `/chat/direct`: find someone by name and message them.
#[component]
pub fn NewDirectPage() -> impl IntoView {
    let q = query_param("q");
    let auth = use_auth();
    let people = Resource::new(
        move || q.get(),
        |q| async move {
            if q.trim().is_empty() {
                Ok(None)
            } else {
                search_users(q, 1).await.map(Some)
            }
        },
    );
    let open = ServerAction::<OpenDirect>::new();
    let me = move || auth.me.get().map(|m| m.id);
    view! {
        <RequireSignIn>
            <Title text="New message" />
            <div class="mx-auto max-w-2xl space-y-6">
                <a href="/chat" class="text-sm font-medium text-brand-700 hover:underline">"← Chats"</a>
                <Card>
                    <h1 class="text-2xl font-bold tracking-tight">"New message"</h1>
                    <form method="get" class="mt-4 flex gap-2" role="search">
                        <label for="people-search" class="sr-only">"Search people"</label>
                        <input id="people-search" name="q" type="search" placeholder="Search people by name" class=INPUT value=move || q.get() autofocus />
                        <button type="submit" class="rounded-lg bg-brand-600 px-4 text-sm font-semibold text-white hover:bg-brand-700">"Search"</button>
                    </form>
                    <Transition fallback=|| view! { <div class="mt-4"><Skeleton /></div> }>
                        {move || Suspend::new(async move {
                            match people.await {
                                Ok(None) => view! { <p class="mt-4 text-sm text-slate-600">"Type a name to find someone."</p> }.into_any(),
                                Ok(Some(page)) if page.users.is_empty() => view! { <p class="mt-4 text-sm text-slate-600">"Nobody by that name."</p> }.into_any(),
                                Ok(Some(page)) => view! {
                                    <ul class="mt-4 divide-y divide-slate-100" data-testid="people">
                                        {page.users.into_iter().filter(|u| Some(u.id) != me()).map(|u| view! {
                                            <li class="flex items-center justify-between gap-3 py-3">
                                                <a href=format!("/users/{}", u.id) class="flex min-w-0 items-center gap-3">
                                                    <Avatar name=u.display_name.clone() url=u.avatar_url.clone() class="size-9 text-xs" />
                                                    <span class="truncate font-medium text-slate-900">{u.display_name.clone()}</span>
                                                </a>
                                                <ActionForm action=open>
                                                    <input type="hidden" name="user_id" value=u.id />
                                                    <button type="submit" class="rounded-lg bg-brand-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-brand-700">"Message"</button>
                                                </ActionForm>
                                            </li>
                                        }).collect_view()}
                                    </ul>
                                }.into_any(),
                                Err(e) => view! { <p class="mt-4 text-sm text-red-700" role="alert">{e.to_string()}</p> }.into_any(),
                            }
                        })}
                    </Transition>
                </Card>
            </div>
        </RequireSignIn>
    }
}

/// "Message" on a person's profile (signed in, not yourself).
#[component]
pub fn MessageButton(user_id: i64) -> impl IntoView {
    let auth = use_auth();
    let open = ServerAction::<OpenDirect>::new();
    move || {
        let me = auth.me.get().map(|m| m.id);
        (me.is_some() && me != Some(user_id)).then(|| view! {
            <ActionForm action=open>
                <input type="hidden" name="user_id" value=user_id />
                <button type="submit" class="rounded-lg bg-brand-600 px-4 py-2 text-sm font-semibold text-white hover:bg-brand-700" data-testid="message-button">"Message"</button>
            </ActionForm>
        })
    }
}
