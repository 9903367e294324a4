//! Account pages: sign up, sign in, profile, public profiles, people search.

mod people;
mod profile;
mod public_profile;
mod security;
mod sign_in;
mod sign_up;
mod two_factor;

pub use people::PeoplePage;
pub use profile::ProfilePage;
pub use public_profile::PublicProfilePage;
pub use sign_in::{SignInCodePage, SignInPage};
pub use sign_up::SignUpPage;

use crate::components::ErrorPage;
use crate::kernel::text::url_encode;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::{use_location, use_query_map};

use super::model::{Role, safe_next};
use crate::components::{Badge, Tone};

/// The `next` query parameter, made safe to follow.
fn next_param() -> Signal<String> {
    let query = use_query_map();
    Signal::derive(move || safe_next(&query.read().get("next").unwrap_or_default()))
}

/// `/sign-in?next=<this page>` (just `/sign-in` from the account forms).
pub fn sign_in_href() -> Signal<String> {
    let location = use_location();
    Signal::derive(move || {
        let path = location.pathname.get();
        if path.starts_with("/sign-in") || path.starts_with("/sign-up") {
            return "/sign-in".to_string();
        }
        let here = format!("{path}{}", location.search.get());
        format!("/sign-in?next={}", url_encode(&here))
    })
}

/// Shows its children to organizers and admins; others get a 403 page.
#[component]
pub fn RequireOrganizer(
    children: ChildrenFn,
    #[prop(default = "Only organizer accounts can publish and manage events.")]
    message: &'static str,
) -> impl IntoView {
    let auth = super::context::use_auth();
    let allowed = Memo::new(move |_| {
        auth.me
            .read()
            .as_ref()
            .is_some_and(|m| matches!(m.role, Role::Organizer | Role::Admin))
    });
    view! {
        <RequireSignIn>
            {
                let children = children.clone();
                move || if allowed.get() {
                    children().into_any()
                } else {
                    view! { <ErrorPage status=403 title="For organizers" message=message /> }.into_any()
                }
            }
        </RequireSignIn>
    }
}

/// Shows its children to signed-in people and sends everyone else to the
/// sign-in page, with a way back here.
#[component]
pub fn RequireSignIn(children: ChildrenFn) -> impl IntoView {
    let auth = super::context::use_auth();
    let login = sign_in_href();
    // Re-render only when signing in or out, not when the user's details change.
    let signed_in = Memo::new(move |_| auth.me.read().is_some());
    move || {
        if signed_in.get() {
            children().into_any()
        } else {
            // Untracked: the redirect must not re-run as the location changes under it.
            view! { <Redirect path=login.get_untracked() /> }.into_any()
        }
    }
}

/// The frame of the sign-in and sign-up pages: the heading, a link to the
/// other one (keeping `next`) and the form's card. Once signed in, it goes
/// straight on to `next`.
#[component]
fn AuthFormPage(
    heading: &'static str,
    other_prompt: &'static str,
    other_label: &'static str,
    other_path: &'static str,
    next: Signal<String>,
    children: Children,
) -> impl IntoView {
    let auth = super::context::use_auth();
    let signed_in = move || auth.me.read().is_some();
    view! {
        <Show when=signed_in>
            <Redirect path=next.get_untracked() />
        </Show>
        <leptos_meta::Title text=heading />
        <div class="mx-auto max-w-md">
            <h1 class="text-3xl font-bold tracking-tight">{heading}</h1>
            <p class="mt-2 text-sm text-slate-600">
                {other_prompt} " "
                <a
                    href=move || format!("{other_path}?next={}", url_encode(&next.get()))
                    class="font-semibold text-brand-700 hover:underline"
                >
                    {other_label}
                </a>
            </p>
            <crate::components::Card class="mt-6">{children()}</crate::components::Card>
        </div>
    }
}

#[component]
pub fn RoleBadge(role: Role) -> impl IntoView {
    let tone = match role {
        Role::Attendee => Tone::Neutral,
        Role::Organizer => Tone::Brand,
        Role::Admin => Tone::Warning,
    };
    view! { <Badge tone>{role.label()}</Badge> }
}

/// A round avatar: the uploaded picture, or the initials.
#[component]
pub fn Avatar(
    #[prop(into)] name: String,
    #[prop(into)] url: Option<String>,
    #[prop(default = "size-10 text-sm")] class: &'static str,
) -> impl IntoView {
    let initials: String = name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect();
    match url {
        Some(url) => view! {
            <img src=url alt="" class=format!("{class} shrink-0 rounded-full object-cover ring-1 ring-slate-200") />
        }
        .into_any(),
        None => view! {
            <span
                class=format!("{class} inline-flex shrink-0 items-center justify-center rounded-full bg-brand-100 font-semibold text-brand-700")
                aria-hidden="true"
            >
                {initials}
            </span>
        }
        .into_any(),
    }
}

/// A page-level message for errors that name no field.
#[component]
pub fn FormAlert(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    move || {
        message.get().map(|m| {
            view! {
                <div role="alert" class="rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800">
                    {m}
                </div>
            }
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_links_are_percent_encoded() {
        assert_eq!(
            super::url_encode("/people?q=a b&page=2"),
            "/people%3Fq%3Da%20b%26page%3D2"
        );
    }
}
