use leptos::prelude::*;

/// A labelled input with its error shown inline beneath it. Plain HTML form
/// semantics, so it works inside an `ActionForm` before the wasm has loaded.
#[component]
pub fn FormField(
    #[prop(into)] label: String,
    #[prop(into)] name: String,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional, into)] value: Signal<String>,
    #[prop(optional, into)] error: Signal<Option<String>>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional, into)] autocomplete: Option<String>,
    /// The keyboard a phone shows (`numeric` for digits only).
    #[prop(optional)]
    inputmode: Option<&'static str>,
    #[prop(optional)] required: bool,
    /// The input's id, where a page has two fields of one name.
    #[prop(optional, into)]
    id: Option<String>,
) -> impl IntoView {
    let id = id.unwrap_or_else(|| format!("field-{name}"));
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described_by = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        let has_hint = hint.is_some();
        move || {
            let mut ids = Vec::new();
            if error.get().is_some() {
                ids.push(error_id.clone());
            }
            if has_hint {
                ids.push(hint_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="space-y-1.5">
            <label for=id.clone() class="block text-sm font-medium text-slate-800">
                {label}
            </label>
            <input
                id=id
                name=name
                type=input_type
                value=move || value.get()
                autocomplete=autocomplete
                inputmode=inputmode
                required=required
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=described_by
                class=move || {
                    format!(
                        "block w-full rounded-lg border-0 px-3 py-2 text-slate-900 shadow-sm ring-1 ring-inset placeholder:text-slate-400 focus:ring-2 focus:ring-inset sm:text-sm {}",
                        if error.get().is_some() {
                            "ring-red-400 focus:ring-red-500"
                        } else {
                            "ring-slate-300 focus:ring-brand-600"
                        },
                    )
                }
            />
            {hint.map(|h| view! { <p id=hint_id class="text-xs text-slate-500">{h}</p> })}
            {move || {
                error
                    .get()
                    .map(|e| {
                        view! {
                            <p id=error_id.clone() class="text-sm text-red-600" role="alert">
                                {e}
                            </p>
                        }
                    })
            }}
        </div>
    }
}
