use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use super::{Avatar, RequireSignIn, RoleBadge};
use crate::accounts::api::search_users;
use crate::components::{Button, EmptyState, ErrorView, IconName};

/// Find people by name or email prefix (used to start chats later).
#[component]
pub fn PeoplePage() -> impl IntoView {
    view! {
        <RequireSignIn>
            <PeopleSearch />
        </RequireSignIn>
    }
}

#[component]
fn PeopleSearch() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let page = move || {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(1)
            .max(1)
    };
    let results = Resource::new(
        move || (q(), page()),
        |(q, page)| async move {
            if q.trim().is_empty() {
                Ok(None)
            } else {
                search_users(q, page).await.map(Some)
            }
        },
    );
    view! {
        <Title text="People" />
        <div class="mx-auto max-w-2xl">
            <h1 class="text-3xl font-bold tracking-tight">"People"</h1>
            <Form method="GET" action="" attr:class="mt-6 flex gap-2" attr:role="search">
                <label for="people-q" class="sr-only">"Name or email"</label>
                <input
                    id="people-q"
                    type="search"
                    name="q"
                    value=q
                    placeholder="Search by name or email"
                    class="block w-full rounded-lg border-0 px-3 py-2 text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-brand-600 sm:text-sm"
                />
                <Button kind="submit">"Search"</Button>
            </Form>
            <div class="mt-6">
                <Transition fallback=|| view! { <div class="h-24 animate-pulse rounded-2xl bg-slate-200/70" aria-busy="true"></div> }>
                    <ErrorBoundary fallback=|errors| view! { <ErrorView errors /> }>
                        {move || Suspend::new(async move {
                            results.await.map(|found| match found {
                                None => view! {
                                    <EmptyState icon=IconName::Chat title="Find people" message="Type at least two letters of a name or an email address." />
                                }
                                .into_any(),
                                Some(found) if found.users.is_empty() => view! {
                                    <EmptyState icon=IconName::Chat title="Nobody found" message="No one's name or email starts with that. Check the spelling or try fewer letters." />
                                }
                                .into_any(),
                                Some(found) => {
                                    let q = q();
                                    let page = found.page;
                                    let prev = (found.page > 1).then(|| format!("?q={}&page={}", crate::kernel::text::url_encode(&q), found.page - 1));
                                    let next = found.has_more.then(|| format!("?q={}&page={}", crate::kernel::text::url_encode(&q), found.page + 1));
                                    view! {
                                        <ul class="divide-y divide-slate-200 overflow-hidden rounded-2xl border border-slate-200 bg-white" aria-label="Results">
                                            {found.users.into_iter().map(|u| view! {
                                                <li>
                                                    <a href=format!("/users/{}", u.id) class="flex items-center gap-3 px-4 py-3 hover:bg-slate-50">
                                                        <Avatar name=u.display_name.clone() url=u.avatar_url.clone() />
                                                        <span class="min-w-0 flex-1 truncate font-medium">{u.display_name.clone()}</span>
                                                        <RoleBadge role=u.role />
                                                    </a>
                                                </li>
                                            }).collect_view()}
                                        </ul>
                                        <Show when={
                                            let many = prev.is_some() || next.is_some();
                                            move || many
                                        }>
                                            <nav class="mt-4 flex items-center justify-between text-sm" aria-label="Pages">
                                                <span>{prev.clone().map(|href| view! { <a href=href class="font-semibold text-brand-700 hover:underline">"← Previous"</a> })}</span>
                                                <span class="text-slate-500">{format!("Page {page}")}</span>
                                                <span>{next.clone().map(|href| view! { <a href=href class="font-semibold text-brand-700 hover:underline">"Next →"</a> })}</span>
                                            </nav>
                                        </Show>
                                    }
                                    .into_any()
                                }
                            })
                        })}
                    </ErrorBoundary>
                </Transition>
            </div>
        </div>
    }
}
