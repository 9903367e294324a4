//! Toasts: short messages that confirm an action or report a failure.
//! `provide_toasts()` once in the app, `use_toasts().push(..)` anywhere,
//! `<ToastHost/>` renders them in a live region.

use std::time::Duration;

use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToastKind {
    Success,
    Error,
    Info,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Toast {
    id: u64,
    kind: ToastKind,
    message: String,
}

/// The toast queue. Copy, so it moves freely into closures.
#[derive(Debug, Clone, Copy)]
pub struct Toasts {
    items: RwSignal<Vec<Toast>>,
    next_id: StoredValue<u64>,
}

/// How long a toast stays before it goes by itself.
const TOAST_LIFETIME: Duration = Duration::from_secs(6);
/// At most this many are shown; older ones make room.
const MAX_TOASTS: usize = 4;

impl Toasts {
    pub fn push(&self, kind: ToastKind, message: impl Into<String>) {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        self.items.update(|items| {
            items.push(Toast {
                id,
                kind,
                message: message.into(),
            });
            let overflow = items.len().saturating_sub(MAX_TOASTS);
            items.drain(..overflow);
        });
        let this = *self;
        set_timeout(move || this.dismiss(id), TOAST_LIFETIME);
    }

    pub fn dismiss(&self, id: u64) {
        self.items.update(|items| items.retain(|t| t.id != id));
    }
}

pub fn provide_toasts() -> Toasts {
    let toasts = Toasts {
        items: RwSignal::new(Vec::new()),
        next_id: StoredValue::new(0),
    };
    provide_context(toasts);
    toasts
}

pub fn use_toasts() -> Toasts {
    use_context::<Toasts>().unwrap_or_else(provide_toasts)
}

#[component]
pub fn ToastHost() -> impl IntoView {
    let toasts = use_toasts();
    view! {
        <div
            aria-live="polite"
            class="pointer-events-none fixed inset-x-0 bottom-0 z-50 flex flex-col items-center gap-2 p-4 sm:items-end"
        >
            <For each=move || toasts.items.get() key=|t| t.id let:toast>
                <div
                    role="status"
                    class=format!(
                        "pointer-events-auto flex w-full max-w-sm items-start gap-3 rounded-xl px-4 py-3 text-sm shadow-lg ring-1 {}",
                        match toast.kind {
                            ToastKind::Success => "bg-emerald-50 text-emerald-900 ring-emerald-200",
                            ToastKind::Error => "bg-red-50 text-red-900 ring-red-200",
                            ToastKind::Info => "bg-white text-slate-900 ring-slate-200",
                        },
                    )
                >
                    <p class="flex-1">{toast.message.clone()}</p>
                    <button
                        type="button"
                        class="rounded px-1 text-slate-500 hover:text-slate-900"
                        aria-label="Dismiss"
                        on:click=move |_| toasts.dismiss(toast.id)
                    >
                        "×"
                    </button>
                </div>
            </For>
        </div>
    }
}
