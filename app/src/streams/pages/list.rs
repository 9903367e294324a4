//! `/live`: the streams live now (their counts follow them), the ones that
//! ended lately, and going live for organizers.

use leptos::prelude::*;
use leptos_meta::Title;

use super::StreamCard;
use crate::accounts::context::use_auth;
use crate::accounts::model::Role;
use crate::components::Skeleton;
use crate::components::{ButtonLink, EmptyState, ErrorView, IconName, Variant};
use crate::streams::api::live_streams;
use crate::streams::model::duration_label;

#[component]
pub fn LivePage() -> impl IntoView {
    let lists = Resource::new(|| (), |_| live_streams());
    let auth = use_auth();
    let organizer = Memo::new(move |_| {
        auth.me
            .read()
            .as_ref()
            .is_some_and(|m| matches!(m.role, Role::Organizer | Role::Admin))
    });
    view! {
        <Title text="Live" />
        <div class="space-y-8">
            <div class="flex flex-wrap items-end justify-between gap-4">
                <div>
                    <h1 class="text-3xl font-bold tracking-tight">"Live"</h1>
                    <p class="mt-1 text-slate-600">"Concerts, classes and talks streaming now, with their chat."</p>
                </div>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let mine = lists.await.ok().and_then(|l| l.mine);
                        match (mine, organizer.get()) {
                            (Some(id), _) => view! { <ButtonLink href=format!("/live/{id}")>"Back to your stream"</ButtonLink> }.into_any(),
                            (None, true) => view! { <ButtonLink href="/live/new">"Go live"</ButtonLink> }.into_any(),
                            (None, false) => ().into_any(),
                        }
                    })}
                </Suspense>
            </div>
            <Suspense fallback=|| view! { <Skeleton height="h-64" /> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorView errors /> }>
                    {move || Suspend::new(async move {
                        lists.await.map(|lists| {
                            let recent = lists.recent.clone();
                            view! {
                                <section aria-labelledby="live-now" class="space-y-4">
                                    <h2 id="live-now" class="sr-only">"Live now"</h2>
                                    {if lists.live.is_empty() {
                                        view! {
                                            // Organizers have "Go live" above.
                                            <EmptyState title="Nobody is live right now" message="When an organizer goes live, their stream appears here." icon=IconName::Video>
                                                <ButtonLink href="/events" variant=Variant::Secondary>"Browse events"</ButtonLink>
                                            </EmptyState>
                                        }.into_any()
                                    } else {
                                        view! {
                                            <div class="grid gap-5 sm:grid-cols-2 lg:grid-cols-3">
                                                {lists.live.into_iter().map(|stream| view! { <StreamCard stream /> }).collect_view()}
                                            </div>
                                        }.into_any()
                                    }}
                                </section>
                                {(!recent.is_empty()).then(|| view! {
                                    <section aria-labelledby="ended" class="space-y-3">
                                        <h2 id="ended" class="text-lg font-semibold">"Ended lately"</h2>
                                        <ul class="divide-y divide-slate-200 overflow-hidden rounded-2xl border border-slate-200 bg-white">
                                            {recent.into_iter().map(|s| {
                                                let length = duration_label(s.started_at, s.ended_at.unwrap_or(s.started_at));
                                                view! {
                                                    <li>
                                                        <a href=format!("/live/{}", s.id) class="flex flex-wrap items-center justify-between gap-2 px-4 py-3 hover:bg-slate-50">
                                                            <span class="min-w-0">
                                                                <span class="block truncate font-medium">{s.title.clone()}</span>
                                                                <span class="text-sm text-slate-600">{format!("{} · {length}", s.host_name)}</span>
                                                            </span>
                                                            <span class="text-sm text-slate-500">{format!("{} watched at most", s.peak_viewers)}</span>
                                                        </a>
                                                    </li>
                                                }
                                            }).collect_view()}
                                        </ul>
                                    </section>
                                })}
                            }
                        })
                    })}
                </ErrorBoundary>
            </Suspense>
        </div>
    }
}
