//! Live streams pages: what's live (`/live`), going live (`/live/new`), and
//! a stream (`/live/{id}`) with its video, who watches, its chat and the
//! host's controls. Everything renders on the server (forms post without
//! JavaScript); the video, the counts and the chat come alive once the
//! page hydrates and follows `stream:{id}`.

mod list;
mod new;
mod video;
mod watch;

pub use list::LivePage;
pub use new::GoLivePage;
pub use watch::StreamPage;

use leptos::prelude::*;

use super::model::{StreamStatus, StreamView};
use crate::live::client::use_topic;
use crate::live::protocol::Payload;

/// What a page reads of a stream's topic, over what it was rendered with:
/// live or ended, watching now, the host's broadcasting connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LiveStream {
    pub status: StreamStatus,
    pub viewers: i64,
    pub peak_viewers: i64,
    /// `None` until the topic says (the rendered page knows only whether).
    pub broadcaster: Option<Option<String>>,
    pub ended_at: Option<i64>,
}

pub(crate) fn live_stream(stream: &StreamView, state: Signal<Option<Payload>>) -> Memo<LiveStream> {
    let rendered = LiveStream {
        status: stream.status,
        viewers: stream.viewers,
        peak_viewers: stream.peak_viewers,
        broadcaster: None,
        ended_at: stream.ended_at,
    };
    Memo::new(move |_| match state.get() {
        Some(Payload::Stream {
            status,
            viewers,
            peak_viewers,
            broadcaster,
            ended_at,
            ..
        }) => LiveStream {
            status: StreamStatus::parse(&status).unwrap_or(StreamStatus::Ended),
            viewers,
            peak_viewers,
            broadcaster: Some(broadcaster),
            ended_at,
        },
        _ => rendered.clone(),
    })
}

/// The red "LIVE" mark, or a grey "Ended".
#[component]
pub(crate) fn LiveBadge(#[prop(into)] status: Signal<StreamStatus>) -> impl IntoView {
    move || {
        match status.get() {
        StreamStatus::Live => view! {
            <span class="inline-flex items-center gap-1.5 rounded-md bg-red-600 px-2 py-0.5 text-xs font-bold uppercase tracking-wide text-white" data-testid="live-badge">
                <span class="size-1.5 animate-pulse rounded-full bg-white" aria-hidden="true"></span>
                "Live"
            </span>
        }
        .into_any(),
        StreamStatus::Ended => view! {
            <span class="inline-flex items-center rounded-md bg-slate-200 px-2 py-0.5 text-xs font-semibold uppercase tracking-wide text-slate-700" data-testid="live-badge">
                "Ended"
            </span>
        }
        .into_any(),
    }
    }
}

/// A stream in a grid, following its topic (viewers, live or ended).
#[component]
pub(crate) fn StreamCard(stream: StreamView) -> impl IntoView {
    let topic = use_topic(format!("stream:{}", stream.id));
    let live = live_stream(&stream, topic);
    let status = Signal::derive(move || live.get().status);
    let hydrated = crate::chat::pages::use_hydrated();
    let started = stream.started_at;
    let when = move || {
        crate::chat::pages::time_label(started, crate::chat::pages::now_ms(), hydrated.get())
    };
    view! {
        <a href=format!("/live/{}", stream.id) class="group flex flex-col overflow-hidden rounded-2xl border border-slate-200 bg-white shadow-sm transition hover:shadow-md" data-testid="stream-card">
            <div class="relative flex aspect-video items-center justify-center bg-gradient-to-br from-slate-800 to-slate-950 text-slate-300">
                <crate::components::Icon name=crate::components::IconName::Video class="size-10" />
                <div class="absolute left-3 top-3"><LiveBadge status /></div>
                <span class="absolute bottom-3 right-3 rounded-md bg-black/60 px-2 py-0.5 text-xs font-medium text-white" data-testid="card-viewers">
                    {move || super::model::viewers_label(live.get().viewers)}
                </span>
            </div>
            <div class="flex flex-1 flex-col gap-1 p-4">
                <h3 class="font-semibold text-slate-900 group-hover:underline">{stream.title.clone()}</h3>
                <p class="text-sm text-slate-600">{format!("by {}", stream.host_name)}</p>
                <p class="text-xs text-slate-500">"Started " {when}</p>
            </div>
        </a>
    }
}
