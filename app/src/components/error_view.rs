use leptos::prelude::*;
use leptos_meta::Title;

use crate::error::AppError;

/// A whole-page message for errors and missing pages, with the page's
/// title (its heading) and HTTP status.
#[component]
pub fn ErrorPage(
    status: u16,
    #[prop(into)] title: String,
    #[prop(into)] message: String,
) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(
            http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
        );
    }
    view! {
        <Title text=title.clone() />
        <div class="mx-auto flex max-w-xl flex-col items-center py-16 text-center sm:py-24">
            <p class="text-sm font-semibold tracking-wide text-brand-600">{status}</p>
            <h1 class="mt-2 text-3xl font-bold tracking-tight text-slate-900 sm:text-4xl">
                {title}
            </h1>
            <p class="mt-4 text-base text-slate-600">{message}</p>
            <a
                href="/"
                class="mt-8 inline-flex items-center rounded-lg bg-brand-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-brand-700"
            >
                "Back to the home page"
            </a>
        </div>
    }
}

/// The fallback of an `ErrorBoundary`: says what went wrong in words, never
/// a stack trace.
#[component]
pub fn ErrorView(errors: ArcRwSignal<Errors>) -> impl IntoView {
    let messages = move || {
        errors
            .get()
            .into_iter()
            .map(|(_, e)| match e.downcast_ref::<AppError>() {
                Some(app) => app.to_string(),
                None => e.to_string(),
            })
            .collect::<Vec<_>>()
    };
    view! {
        <div role="alert" class="rounded-xl border border-red-200 bg-red-50 p-4 text-sm text-red-800">
            <p class="font-semibold">"Something went wrong"</p>
            <ul class="mt-1 list-inside list-disc">
                {move || messages().into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
            </ul>
        </div>
    }
}
