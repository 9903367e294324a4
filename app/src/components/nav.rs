use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// The sections reachable from the navigation. Later domains add theirs here.
const SECTIONS: &[(&str, &str)] = &[("/", "Home"), ("/status", "Status")];

/// The top bar: brand, sections, the account area, and on phones a menu
/// button (which works once the page has hydrated).
#[component]
pub fn TopNav() -> impl IntoView {
    let open = RwSignal::new(false);
    let location = use_location();
    // Close the mobile menu whenever the route changes.
    Effect::new(move |_| {
        location.pathname.track();
        open.set(false);
    });
    let is_current = move |href: &str| location.pathname.get() == href;

    view! {
        <header class="sticky top-0 z-40 border-b border-slate-200 bg-white/90 backdrop-blur">
            <nav class="mx-auto flex h-16 max-w-6xl items-center gap-6 px-4 sm:px-6" aria-label="Main">
                <a href="/" class="flex items-center gap-2 text-lg font-bold tracking-tight text-slate-900">
                    <span class="flex size-8 items-center justify-center rounded-lg bg-brand-600 text-white" aria-hidden="true">
                        "M"
                    </span>
                    "Marquee"
                </a>
                <ul class="hidden items-center gap-1 md:flex">
                    {SECTIONS
                        .iter()
                        .map(|(href, label)| {
                            view! {
                                <li>
                                    <a
                                        href=*href
                                        aria-current=move || is_current(href).then_some("page")
                                        class="rounded-md px-3 py-2 text-sm font-medium text-slate-600 hover:bg-slate-100 hover:text-slate-900 aria-[current=page]:text-brand-700"
                                    >
                                        {*label}
                                    </a>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
                <div class="ml-auto flex items-center gap-3">
                    <span class="hidden text-sm text-slate-500 sm:inline" data-testid="account-area">
                        "Browsing as guest"
                    </span>
                    <button
                        type="button"
                        class="inline-flex size-10 items-center justify-center rounded-lg text-slate-700 hover:bg-slate-100 md:hidden"
                        aria-controls="mobile-menu"
                        aria-expanded=move || open.get().to_string()
                        aria-label=move || if open.get() { "Close menu" } else { "Open menu" }
                        on:click=move |_| open.update(|o| *o = !*o)
                    >
                        <svg class="size-6" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true">
                            <Show
                                when=move || open.get()
                                fallback=|| view! { <path stroke-linecap="round" d="M4 7h16M4 12h16M4 17h16" /> }
                            >
                                <path stroke-linecap="round" d="M6 6l12 12M18 6L6 18" />
                            </Show>
                        </svg>
                    </button>
                </div>
            </nav>
            <div id="mobile-menu" class="border-t border-slate-200 md:hidden" hidden=move || !open.get()>
                <ul class="space-y-1 px-4 py-3">
                    {SECTIONS
                        .iter()
                        .map(|(href, label)| {
                            view! {
                                <li>
                                    <a
                                        href=*href
                                        aria-current=move || is_current(href).then_some("page")
                                        class="block rounded-md px-3 py-2 text-base font-medium text-slate-700 hover:bg-slate-100 aria-[current=page]:text-brand-700"
                                    >
                                        {*label}
                                    </a>
                                </li>
                            }
                        })
                        .collect_view()}
                    <li class="px-3 pt-2 text-sm text-slate-500">"Browsing as guest"</li>
                </ul>
            </div>
        </header>
    }
}
