use leptos::prelude::*;

/// The icons the app uses, drawn inline (24×24, stroke) so they render the
/// same everywhere, with no emoji font or icon font needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IconName {
    Ticket,
    Calendar,
    Chat,
    Sparkles,
    Lock,
    Video,
}

impl IconName {
    fn path(self) -> &'static str {
        match self {
            Self::Ticket => {
                "M3 8a2 2 0 0 0 2-2h14a2 2 0 0 0 2 2v2a2 2 0 0 0 0 4v2a2 2 0 0 0-2 2H5a2 2 0 0 0-2-2v-2a2 2 0 0 0 0-4zM14 6v12"
            }
            Self::Calendar => {
                "M7 3v3M17 3v3M4 9h16M5 5h14a1 1 0 0 1 1 1v13a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1z"
            }
            Self::Chat => {
                "M5 5h14a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1h-8l-5 4v-4H5a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1z"
            }
            Self::Lock => {
                "M8 11V8a4 4 0 0 1 8 0v3M6 11h12a1 1 0 0 1 1 1v8a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1v-8a1 1 0 0 1 1-1z"
            }
            Self::Video => {
                "M4 7h11a1 1 0 0 1 1 1v8a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V8a1 1 0 0 1 1-1zM16 10.5l5-3v9l-5-3z"
            }
            Self::Sparkles => {
                "M12 3l1.8 5.2L19 10l-5.2 1.8L12 17l-1.8-5.2L5 10l5.2-1.8zM19 15l.8 2.2L22 18l-2.2.8L19 21l-.8-2.2L16 18l2.2-.8z"
            }
        }
    }
}

#[component]
pub fn Icon(name: IconName, #[prop(default = "size-5")] class: &'static str) -> impl IntoView {
    view! {
        <svg
            class=class
            viewBox="0 0 24 24"
            fill="none"
            stroke="currentColor"
            stroke-width="1.75"
            stroke-linecap="round"
            stroke-linejoin="round"
            aria-hidden="true"
        >
            <path d=name.path() />
        </svg>
    }
}
