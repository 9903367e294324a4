use leptos::prelude::*;

use super::{Icon, IconName};

/// A white panel with a border; the base of most page sections.
#[component]
pub fn Card(children: Children, #[prop(optional, into)] class: String) -> impl IntoView {
    view! {
        <section class=format!(
            "rounded-2xl border border-slate-200 bg-white p-5 shadow-sm sm:p-6 {class}",
        )>{children()}</section>
    }
}

/// What a list shows when it has nothing in it: an icon, a title, a sentence
/// and optionally what to do next.
#[component]
pub fn EmptyState(
    #[prop(into)] title: String,
    #[prop(into)] message: String,
    #[prop(default = IconName::Sparkles)] icon: IconName,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="flex flex-col items-center rounded-2xl border border-dashed border-slate-300 bg-white/60 px-6 py-12 text-center">
            <div
                class="mb-4 flex size-12 items-center justify-center rounded-full bg-brand-50 text-brand-600"
            >
                <Icon name=icon class="size-6" />
            </div>
            <h2 class="text-lg font-semibold text-slate-900">{title}</h2>
            <p class="mt-2 max-w-md text-sm text-slate-600">{message}</p>
            {children.map(|c| view! { <div class="mt-6 flex flex-wrap justify-center gap-3">{c()}</div> })}
        </div>
    }
}
