use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tone {
    #[default]
    Neutral,
    Brand,
    Success,
    Warning,
    Danger,
}

impl Tone {
    fn classes(self) -> &'static str {
        match self {
            Self::Neutral => "bg-slate-100 text-slate-700 ring-slate-500/20",
            Self::Brand => "bg-brand-50 text-brand-700 ring-brand-600/20",
            Self::Success => "bg-emerald-50 text-emerald-700 ring-emerald-600/20",
            Self::Warning => "bg-amber-50 text-amber-800 ring-amber-600/20",
            Self::Danger => "bg-red-50 text-red-700 ring-red-600/20",
        }
    }
}

/// A small pill for statuses and counts.
#[component]
pub fn Badge(children: Children, #[prop(optional)] tone: Tone) -> impl IntoView {
    view! {
        <span class=format!(
            "inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset {}",
            tone.classes(),
        )>{children()}</span>
    }
}
