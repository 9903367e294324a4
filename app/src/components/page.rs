//! What most pages are made of: their parameters, a skeleton while they
//! load, the page shown when they can't, a status line, a pager, and the
//! class of a text input.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::ErrorPage;
use crate::error::AppError;
use crate::kernel::text::url_encode;

/// A path parameter as a number (0 when it is not one: the page then 404s).
pub fn id_param(name: &'static str) -> Memo<i64> {
    let params = use_params_map();
    Memo::new(move |_| {
        params
            .read()
            .get(name)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    })
}

/// A query parameter, or empty.
pub fn query_param(name: &'static str) -> Signal<String> {
    let query = use_query_map();
    Signal::derive(move || query.read().get(name).unwrap_or_default())
}

/// A page that could not load: the error's status and words.
#[component]
pub fn FailedPage(error: AppError) -> impl IntoView {
    let status = error.status().as_u16();
    let title = match &error {
        AppError::NotFound(_) => "Not found".to_string(),
        AppError::Forbidden => "Not yours to see".to_string(),
        _ => "Something went wrong".to_string(),
    };
    view! { <ErrorPage status title message=error.to_string() /> }
}

/// A grey block while a page loads.
#[component]
pub fn Skeleton(#[prop(default = "h-40")] height: &'static str) -> impl IntoView {
    view! { <div class=format!("{height} animate-pulse rounded-2xl bg-slate-200/70") aria-busy="true"></div> }
}

/// "← Previous · Page N · Next →" under a paged list at `path`, keeping
/// the page's other query parameters; hidden when there is one page.
#[component]
pub fn Pager(path: &'static str, page: i64, has_more: bool) -> impl IntoView {
    let query = use_query_map();
    let link = move |to: i64| {
        let pairs: Vec<String> = query
            .read_untracked()
            .clone()
            .into_iter()
            .filter(|(k, _)| k != "page")
            .map(|(k, v)| format!("{k}={}", url_encode(&v)))
            .chain(std::iter::once(format!("page={to}")))
            .collect();
        format!("{path}?{}", pairs.join("&"))
    };
    let prev = (page > 1).then(|| link(page - 1));
    let next = has_more.then(|| link(page + 1));
    let single = prev.is_none() && next.is_none();
    view! {
        <nav class="mt-6 flex items-center justify-between text-sm" aria-label="Pages" hidden=single>
            <span>{prev.map(|href| view! { <a href=href class="font-semibold text-brand-700 hover:underline">"← Previous"</a> })}</span>
            <span class="text-slate-500">{format!("Page {page}")}</span>
            <span>{next.map(|href| view! { <a href=href class="font-semibold text-brand-700 hover:underline">"Next →"</a> })}</span>
        </nav>
    }
}

/// Status line for "saved", "placed" and similar one-off confirmations.
#[component]
pub fn Notice(#[prop(into)] when: Signal<bool>, #[prop(into)] text: String) -> impl IntoView {
    view! {
        <Show when=move || when.get()>
            <div role="status" class="rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-800">
                {text.clone()}
            </div>
        </Show>
    }
}

pub const INPUT: &str = "block w-full rounded-lg border-0 px-3 py-2 text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-brand-600 sm:text-sm";
