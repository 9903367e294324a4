use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::accounts::context::use_auth;
use crate::accounts::model::Role;
use crate::accounts::pages::{Avatar, RoleBadge, sign_in_href};

/// Sections for everyone, and those for signed-in people. Later domains add theirs.
const PUBLIC_SECTIONS: &[(&str, &str)] = &[
    ("/", "Home"),
    ("/events", "Events"),
    ("/services", "Services"),
    ("/live", "Live"),
];
const MEMBER_SECTIONS: &[(&str, &str)] = &[
    ("/tickets", "My tickets"),
    ("/orders", "Orders"),
    ("/bookings", "Bookings"),
    ("/wallet", "Wallet"),
    ("/people", "People"),
];
const ORGANIZER_SECTIONS: &[(&str, &str)] =
    &[("/organizer", "Organizer"), ("/provider", "Provider")];
const ADMIN_SECTIONS: &[(&str, &str)] = &[("/admin/orders", "All orders")];

/// The top bar: brand, sections, the account area, and on phones a menu
/// button (which works once the page has hydrated).
#[component]
pub fn TopNav() -> impl IntoView {
    let open = RwSignal::new(false);
    let location = use_location();
    let auth = use_auth();
    // Close the mobile menu whenever the route changes.
    Effect::new(move |_| {
        location.pathname.track();
        open.set(false);
    });
    let sections = move || {
        let mut all = PUBLIC_SECTIONS.to_vec();
        if let Some(me) = auth.me.read().as_ref() {
            all.extend_from_slice(MEMBER_SECTIONS);
            if matches!(me.role, Role::Organizer | Role::Admin) {
                all.extend_from_slice(ORGANIZER_SECTIONS);
            }
            if me.role == Role::Admin {
                all.extend_from_slice(ADMIN_SECTIONS);
            }
        }
        all
    };
    let links = move |class: &'static str| {
        move || {
            sections()
                .into_iter()
                .map(|(href, label)| {
                    view! {
                        <li>
                            <a
                                href=href
                                aria-current=move || {
                                    let path = location.pathname.get();
                                    let here = path == href || (href != "/" && path.starts_with(&format!("{href}/")));
                                    here.then_some("page")
                                }
                                class=class
                            >
                                {label}
                            </a>
                        </li>
                    }
                })
                .collect_view()
        }
    };

    view! {
        <header class="sticky top-0 z-40 border-b border-slate-200 bg-white/90 backdrop-blur">
            <nav class="mx-auto flex h-16 max-w-6xl items-center gap-4 px-4 sm:px-6" aria-label="Main">
                <a href="/" class="flex items-center gap-2 text-lg font-bold tracking-tight text-slate-900">
                    <span class="flex size-8 items-center justify-center rounded-lg bg-brand-600 text-white" aria-hidden="true">
                        "M"
                    </span>
                    "Marquee"
                </a>
                // Every section (an admin's too) fits in a row from 1280 px;
                // narrower screens use the menu.
                <ul class="hidden items-center xl:flex 2xl:gap-0.5">
                    {links("whitespace-nowrap rounded-md px-1.5 py-2 text-sm font-medium text-slate-600 hover:bg-slate-100 hover:text-slate-900 aria-[current=page]:text-brand-700 2xl:px-2")}
                </ul>
                <div class="ml-auto flex items-center gap-2 2xl:gap-3">
                    <crate::live::client::LiveIndicator />
                    <crate::chat::pages::ChatLink />
                    <div class="hidden items-center gap-3 lg:flex" data-testid="account-area">
                        <AccountArea />
                    </div>
                    // A link to the menu, so that without JavaScript it still opens
                    // (CSS shows #mobile-menu when it is the URL's target); once
                    // hydrated, a click toggles it instead.
                    <a
                        href="#mobile-menu"
                        role="button"
                        class="inline-flex size-10 items-center justify-center rounded-lg text-slate-700 hover:bg-slate-100 xl:hidden"
                        aria-controls="mobile-menu"
                        aria-expanded=move || open.get().to_string()
                        aria-label=move || if open.get() { "Close menu" } else { "Open menu" }
                        on:click=move |ev| {
                            ev.prevent_default();
                            open.update(|o| *o = !*o);
                        }
                    >
                        <svg class="size-6" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true">
                            <Show
                                when=move || open.get()
                                fallback=|| view! { <path stroke-linecap="round" d="M4 7h16M4 12h16M4 17h16" /> }
                            >
                                <path stroke-linecap="round" d="M6 6l12 12M18 6L6 18" />
                            </Show>
                        </svg>
                    </a>
                </div>
            </nav>
            <div id="mobile-menu" class="border-t border-slate-200 xl:hidden" hidden=move || !open.get()>
                <ul class="space-y-1 px-4 py-3">
                    {links("block rounded-md px-3 py-2 text-base font-medium text-slate-700 hover:bg-slate-100 aria-[current=page]:text-brand-700")}
                </ul>
                <div class="flex flex-wrap items-center gap-3 border-t border-slate-200 px-4 py-3">
                    <AccountArea />
                </div>
            </div>
        </header>
    }
}

/// Who is signed in (name, role, sign out), or the ways to sign in.
#[component]
fn AccountArea() -> impl IntoView {
    let auth = use_auth();
    let login = sign_in_href();
    move || {
        match auth.me.get() {
        Some(me) => view! {
            <a href="/profile" class="flex items-center gap-2 rounded-lg px-2 py-1 hover:bg-slate-100">
                <Avatar name=me.display_name.clone() url=me.avatar_url.clone() class="size-8 text-xs" />
                // The name and role shown where there is room (always in the
                // phone menu); beside the full row of sections, read out only.
                <span class="max-w-40 truncate text-sm font-medium text-slate-800 xl:sr-only 2xl:not-sr-only">{me.display_name.clone()}</span>
                <span class="xl:sr-only 2xl:not-sr-only"><RoleBadge role=me.role /></span>
            </a>
            <ActionForm action=auth.sign_out>
                <button type="submit" class="whitespace-nowrap rounded-md px-3 py-2 text-sm font-medium text-slate-600 hover:bg-slate-100 hover:text-slate-900">
                    "Sign out"
                </button>
            </ActionForm>
        }
        .into_any(),
        None => view! {
            <a href=move || login.get() class="rounded-md px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-100">
                "Sign in"
            </a>
            <a href="/sign-up" class="rounded-lg bg-brand-600 px-3 py-2 text-sm font-semibold text-white shadow-sm hover:bg-brand-700">
                "Sign up"
            </a>
        }
        .into_any(),
    }
    }
}
