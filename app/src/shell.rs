mod nav;

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, Link, Meta, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::accounts::context::provide_auth;
use crate::accounts::pages::{
    PeoplePage, ProfilePage, PublicProfilePage, SignInCodePage, SignInPage, SignUpPage,
};
use crate::components::{ErrorPage, ToastHost, provide_toasts};
use crate::events::pages::{
    AdminOrdersPage, CheckInPage, CheckoutPage, EditEventPage, EventDashboardPage, EventPage,
    EventsPage, MyOrdersPage, MyTicketsPage, NewEventPage, OrderPage, OrganizerPage,
};
use crate::pages::{HomePage, StatusPage};
use crate::services::pages::{
    AvailabilityPage, BookingPage, EditServicePage, MyBookingsPage, NewServicePage,
    ProviderInboxPage, ProviderPage, ServicePage, ServicesPage,
};
use crate::wallet::pages::{EarningsPage, TransactionsPage, WalletPage};
use nav::TopNav;

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // A production demo takes test cards: every page says so.
    #[cfg(feature = "ssr")]
    let demo = use_context::<crate::state::AppState>().is_some_and(|s| s.config.is_demo());
    #[cfg(not(feature = "ssr"))]
    let demo = false;
    view! {
        <!DOCTYPE html>
        <html lang="en" class="h-full">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                <HashedStylesheet options=options.clone() id="leptos" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body class="h-full bg-slate-50 text-slate-900 antialiased">
                <App />
                {demo.then(|| view! {
                    <p role="note" class="fixed inset-x-0 bottom-0 z-50 bg-amber-300 px-4 py-1 text-center text-xs font-semibold text-amber-950" data-testid="demo-banner">
                        "Demo site: wallets are topped up with test cards, and no real money moves."
                    </p>
                })}
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_toasts();
    // Effects run only in the browser, after hydration: mark the page so
    // tests (and curious people) can tell the wasm is in charge.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg" />
        <Meta name="theme-color" content="#4f46e5" />
        <Meta name="description" content="Marquee: events, services and community, live." />
        <Title formatter=|page: String| {
            if page.is_empty() { "Marquee".to_string() } else { format!("{page} · Marquee") }
        } />
        <Router>
            <Layout />
            <ToastHost />
        </Router>
    }
}

/// An admin signed in without the second factor acts as an attendee: this
/// says why, on every page, and where to turn it on.
#[component]
fn SecondFactorBanner() -> impl IntoView {
    let auth = crate::accounts::context::use_auth();
    let state = move || {
        auth.me
            .read()
            .as_ref()
            .filter(|m| m.needs_second_factor)
            .map(|m| m.two_factor)
    };
    move || {
        state().map(|on| {
            let link = (!on).then(|| {
                view! { <a href="/profile#two-factor-heading" class="font-semibold underline">"Turn it on"</a> }
            });
            let text = if on {
                "This device signed in before two-factor sign-in was on: sign out and in again, with your code, to use admin tools."
            } else {
                "Admin tools need two-factor sign-in. "
            };
            view! {
                <p role="note" class="bg-amber-100 px-4 py-2 text-center text-sm text-amber-950" data-testid="second-factor-banner">
                    {text}
                    {link}
                </p>
            }
        })
    }
}

/// Everything inside the router. The account actions are created here, not
/// in `App`: only inside the router can they pick up an error that a form
/// posted without JavaScript brought back in the URL.
#[component]
fn Layout() -> impl IntoView {
    provide_auth();
    crate::live::client::provide_live();
    crate::chat::pages::provide_unread();
    view! {
            <div class="flex min-h-full flex-col">
                <TopNav />
                <SecondFactorBanner />
                <crate::events::pages::OrderToasts />
                <main class="mx-auto w-full max-w-6xl flex-1 px-4 py-8 sm:px-6 sm:py-12">
                    <Routes fallback=|| {
                        view! {
                            <Title text="Page not found" />
                            <ErrorPage
                                status=404
                                title="Page not found"
                                message="There is nothing at this address. It may have moved, or the link may be mistyped."
                            />
                        }
                    }>
                        <Route path=path!("") view=HomePage ssr=SsrMode::Async />
                        // Pages that load data render it fully before sending (SsrMode::Async),
                        // so they read the same with JavaScript off.
                        <Route path=path!("status") view=StatusPage ssr=SsrMode::Async />
                        <Route path=path!("sign-in") view=SignInPage />
                        <Route path=path!("sign-in/code") view=SignInCodePage />
                        <Route path=path!("sign-up") view=SignUpPage />
                        <Route path=path!("profile") view=ProfilePage ssr=SsrMode::Async />
                        <Route path=path!("people") view=PeoplePage ssr=SsrMode::Async />
                        <Route path=path!("users/:id") view=|| view! { <PublicProfilePage actions=profile_actions /> } ssr=SsrMode::Async />
                        <Route path=path!("events") view=EventsPage ssr=SsrMode::Async />
                        <Route path=path!("events/:id") view=EventPage ssr=SsrMode::Async />
                        <Route path=path!("checkout/:hold") view=CheckoutPage ssr=SsrMode::Async />
                        <Route path=path!("orders") view=MyOrdersPage ssr=SsrMode::Async />
                        <Route path=path!("orders/:id") view=OrderPage ssr=SsrMode::Async />
                        <Route path=path!("tickets") view=MyTicketsPage ssr=SsrMode::Async />
                        <Route path=path!("organizer") view=OrganizerPage ssr=SsrMode::Async />
                        <Route path=path!("organizer/events/new") view=NewEventPage ssr=SsrMode::Async />
                        <Route path=path!("organizer/events/:id") view=EventDashboardPage ssr=SsrMode::Async />
                        <Route path=path!("organizer/events/:id/edit") view=EditEventPage ssr=SsrMode::Async />
                        <Route path=path!("organizer/events/:id/check-in") view=CheckInPage ssr=SsrMode::Async />
                        <Route path=path!("admin/orders") view=AdminOrdersPage ssr=SsrMode::Async />
                        <Route path=path!("wallet") view=WalletPage ssr=SsrMode::Async />
                        <Route path=path!("wallet/transactions") view=TransactionsPage ssr=SsrMode::Async />
                        <Route path=path!("organizer/earnings") view=EarningsPage ssr=SsrMode::Async />
                        <Route path=path!("services") view=ServicesPage ssr=SsrMode::Async />
                        <Route path=path!("services/new") view=NewServicePage ssr=SsrMode::Async />
                        <Route path=path!("services/:id") view=ServicePage ssr=SsrMode::Async />
                        <Route path=path!("services/:id/edit") view=EditServicePage ssr=SsrMode::Async />
                        <Route path=path!("providers/:id") view=ProviderPage ssr=SsrMode::Async />
                        <Route path=path!("bookings") view=MyBookingsPage ssr=SsrMode::Async />
                        <Route path=path!("bookings/:id") view=BookingPage ssr=SsrMode::Async />
                        <Route path=path!("provider") view=ProviderInboxPage ssr=SsrMode::Async />
                        <Route path=path!("provider/availability") view=AvailabilityPage ssr=SsrMode::Async />
                        <Route path=path!("chat") view=crate::chat::pages::ChatPage ssr=SsrMode::Async />
                        <Route path=path!("chat/new") view=crate::chat::pages::NewRoomPage ssr=SsrMode::Async />
                        <Route path=path!("chat/direct") view=crate::chat::pages::NewDirectPage ssr=SsrMode::Async />
                        <Route path=path!("chat/:id") view=crate::chat::pages::RoomPage ssr=SsrMode::Async />
                        <Route path=path!("live") view=crate::streams::pages::LivePage ssr=SsrMode::Async />
                        <Route path=path!("live/new") view=crate::streams::pages::GoLivePage ssr=SsrMode::Async />
                        <Route path=path!("live/:id") view=crate::streams::pages::StreamPage ssr=SsrMode::Async />
                    </Routes>
                </main>
                <footer class="border-t border-slate-200 bg-white">
                    <div class="mx-auto flex max-w-6xl flex-col gap-2 px-4 py-6 text-sm text-slate-500 sm:flex-row sm:justify-between sm:px-6">
                        <p>"Marquee — events, services and community, live."</p>
                        <p class="flex gap-4">
                            <a href="/status" class="hover:text-slate-900">"Status"</a>
                            <a href="/api/openapi.json" class="hover:text-slate-900">"API"</a>
                            <span>"v" {env!("CARGO_PKG_VERSION")}</span>
                        </p>
                    </div>
                </footer>
            </div>
    }
}

/// What a person's profile offers besides who they are: a message.
fn profile_actions(user_id: i64) -> AnyView {
    view! { <crate::chat::pages::MessageButton user_id /> }.into_any()
}
