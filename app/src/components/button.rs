use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Variant {
    #[default]
    Primary,
    Secondary,
    Ghost,
    Danger,
}

impl Variant {
    fn classes(self) -> &'static str {
        match self {
            Self::Primary => {
                "bg-brand-600 text-white hover:bg-brand-700 focus-visible:outline-brand-600"
            }
            Self::Secondary => {
                "bg-white text-slate-900 ring-1 ring-inset ring-slate-300 hover:bg-slate-50 focus-visible:outline-slate-400"
            }
            Self::Ghost => "text-slate-700 hover:bg-slate-100 focus-visible:outline-slate-400",
            Self::Danger => "bg-red-600 text-white hover:bg-red-700 focus-visible:outline-red-600",
        }
    }
}

const BASE: &str = "inline-flex items-center justify-center gap-2 rounded-lg px-4 py-2 text-sm font-semibold shadow-sm transition focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 disabled:cursor-not-allowed disabled:opacity-60";

/// A button. `busy` disables it and shows a spinner while an action runs.
#[component]
pub fn Button(
    children: Children,
    #[prop(optional)] variant: Variant,
    #[prop(default = "button")] kind: &'static str,
    #[prop(optional, into)] busy: Signal<bool>,
    #[prop(optional, into)] disabled: Signal<bool>,
    #[prop(optional, into)] on_click: Option<Callback<()>>,
) -> impl IntoView {
    view! {
        <button
            type=kind
            class=format!("{BASE} {}", variant.classes())
            disabled=move || busy.get() || disabled.get()
            aria-busy=move || busy.get().to_string()
            on:click=move |_| {
                if let Some(cb) = on_click {
                    cb.run(());
                }
            }
        >
            <Show when=move || busy.get()>
                <span
                    class="size-4 animate-spin rounded-full border-2 border-current border-t-transparent"
                    aria-hidden="true"
                ></span>
            </Show>
            {children()}
        </button>
    }
}

/// A link that looks like a button.
#[component]
pub fn ButtonLink(
    children: Children,
    #[prop(into)] href: String,
    #[prop(optional)] variant: Variant,
) -> impl IntoView {
    view! {
        <a href=href class=format!("{BASE} {}", variant.classes())>
            {children()}
        </a>
    }
}
