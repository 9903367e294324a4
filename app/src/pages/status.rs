use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::{Badge, Button, Card, ErrorView, ToastKind, Tone, Variant, use_toasts};
use crate::system::{Health, system_status};

/// The instance's health for people: what `/health` says, readable.
#[component]
pub fn StatusPage() -> impl IntoView {
    let status = Resource::new(|| (), |_| system_status());
    let toasts = use_toasts();
    let refresh = Action::new(move |_: &()| async move {
        match system_status().await {
            Ok(health) => {
                toasts.push(ToastKind::Success, "Status refreshed.");
                status.set(Some(Ok(health)));
            }
            Err(e) => toasts.push(ToastKind::Error, e.to_string()),
        }
    });

    view! {
        <Title text="Status" />
        <div class="mx-auto max-w-2xl">
            <div class="flex flex-wrap items-center justify-between gap-4">
                <h1 class="text-3xl font-bold tracking-tight">"System status"</h1>
                <Button
                    variant=Variant::Secondary
                    busy=refresh.pending()
                    on_click=Callback::new(move |_| {
                        refresh.dispatch(());
                    })
                >
                    "Check again"
                </Button>
            </div>
            <div class="mt-6">
                <Transition fallback=|| view! { <StatusSkeleton /> }>
                    <ErrorBoundary fallback=|errors| view! { <ErrorView errors /> }>
                        {move || Suspend::new(async move {
                            status.await.map(|health| view! { <HealthCard health /> })
                        })}
                    </ErrorBoundary>
                </Transition>
            </div>
        </div>
    }
}

#[component]
fn HealthCard(health: Health) -> impl IntoView {
    let (tone, label) = if health.is_ok() {
        (Tone::Success, "All systems normal")
    } else {
        (Tone::Danger, "Degraded")
    };
    view! {
        <Card>
            <div class="flex items-center justify-between">
                <h2 class="text-lg font-semibold">"Marquee " {health.version.clone()}</h2>
                <Badge tone>{label}</Badge>
            </div>
            <dl class="mt-4 grid grid-cols-1 gap-4 text-sm sm:grid-cols-3">
                <Fact term="Database" value=format!("{} ({})", health.database, health.backend) />
                <Fact term="Up for" value=format_uptime(health.uptime_seconds) />
                <Fact term="Version" value=health.version />
            </dl>
        </Card>
    }
}

#[component]
fn Fact(term: &'static str, value: String) -> impl IntoView {
    view! {
        <div class="rounded-lg bg-slate-50 p-3">
            <dt class="text-slate-500">{term}</dt>
            <dd class="mt-1 font-medium text-slate-900">{value}</dd>
        </div>
    }
}

#[component]
fn StatusSkeleton() -> impl IntoView {
    view! {
        <div class="h-36 animate-pulse rounded-2xl bg-slate-200/70" aria-busy="true" aria-label="Loading status"></div>
    }
}

/// `3725` → `1 h 2 min`; seconds only under a minute.
fn format_uptime(seconds: u64) -> String {
    let (days, hours, minutes) = (seconds / 86_400, seconds / 3_600 % 24, seconds / 60 % 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{seconds} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::format_uptime;

    #[test]
    fn uptime_reads_naturally_at_every_scale() {
        assert_eq!(format_uptime(42), "42 s");
        assert_eq!(format_uptime(125), "2 min");
        assert_eq!(format_uptime(3_725), "1 h 2 min");
        assert_eq!(format_uptime(90_000), "1 d 1 h");
    }
}
