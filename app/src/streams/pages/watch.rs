//! `/live/{id}`: a stream. The video (the host's camera, or for the host
//! a preview with the camera controls), who watches, the chat beside it,
//! and ending it. The counts, the camera and the end come live from
//! `stream:{id}`; the video connects once the page has hydrated.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use super::video::{Video, VideoState};
use super::{LiveBadge, LiveStream, live_stream};
use crate::accounts::pages::{Avatar, sign_in_href};
use crate::chat::pages::{ChatThread, now_ms, time_label, use_hydrated};
use crate::components::{Button, Card, Variant};
use crate::components::{FailedPage, Skeleton, id_param};
use crate::live::client::{TopicSignals, use_live, use_topic_signals};
use crate::live::protocol::ClientMessage;
use crate::streams::api::{EndStream, get_stream, set_broadcaster};
use crate::streams::model::{
    StreamPage as StreamData, StreamStatus, StreamView, VideoSettings, duration_label,
    viewers_label,
};

#[component]
pub fn StreamPage() -> impl IntoView {
    let id = id_param("id");
    move || view! { <Stream id=id.get() /> }
}

#[component]
fn Stream(id: i64) -> impl IntoView {
    // The chat first (see `ChatThread`).
    let thread = Resource::new(move || id, crate::streams::api::stream_chat);
    let end = ServerAction::<EndStream>::new();
    let data = Resource::new(move || end.version().get(), move |_| get_stream(id));
    let topic = use_topic_signals(format!("stream:{id}"));
    view! {
        <Title text="Live stream" />
        <Transition fallback=|| view! { <Skeleton height="h-96" /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => view! { <StreamDetail page topic end thread /> }.into_any(),
                    Err(error) => view! { <FailedPage error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn StreamDetail(
    page: StreamData,
    topic: TopicSignals,
    end: ServerAction<EndStream>,
    thread: Resource<Result<crate::chat::model::OpenedRoom, crate::error::AppError>>,
) -> impl IntoView {
    let stream = page.stream.clone();
    let live = live_stream(&stream, topic.state);
    let status = Signal::derive(move || live.get().status);
    let closed = Signal::derive(move || {
        (status.get() == StreamStatus::Ended)
            .then(|| "This stream has ended; its chat is closed.".to_string())
    });
    let back = format!("/live/{}", stream.id);
    view! {
        <Title text=stream.title.clone() />
        <div class="space-y-4">
            <a href="/live" class="text-sm font-medium text-brand-700 hover:underline">"← Live"</a>
            <div class="grid gap-6 lg:grid-cols-3">
                <div class="space-y-4 lg:col-span-2">
                    <StreamVideo stream=stream.clone() settings=page.video.clone() live topic />
                    <About stream=stream.clone() live />
                    {stream.can_end.then(|| view! { <EndForm id=stream.id end status /> })}
                </div>
                <div class="lg:col-span-1">
                    <ChatThread thread back title="Chat" closed />
                </div>
            </div>
        </div>
    }
}

/// Title, host, how many watch and for how long, what it's about.
#[component]
fn About(stream: StreamView, live: Memo<LiveStream>) -> impl IntoView {
    let hydrated = use_hydrated();
    let started = stream.started_at;
    let status = Signal::derive(move || live.get().status);
    let timing = move || {
        let l = live.get();
        match (l.status, l.ended_at) {
            (StreamStatus::Ended, Some(ended)) => format!(
                "Ended · lasted {} · {} watched at most",
                duration_label(started, ended),
                l.peak_viewers
            ),
            _ => format!(
                "Started {} · {}",
                time_label(started, now_ms(), hydrated.get()),
                viewers_label(l.viewers)
            ),
        }
    };
    view! {
        <Card>
            <div class="flex flex-wrap items-start justify-between gap-3">
                <h1 class="text-2xl font-bold tracking-tight">{stream.title.clone()}</h1>
                <LiveBadge status />
            </div>
            <p class="mt-1 text-sm text-slate-600" data-testid="stream-timing">{timing}</p>
            <a href=format!("/users/{}", stream.host_id) class="mt-4 flex items-center gap-3 rounded-lg hover:bg-slate-50">
                <Avatar name=stream.host_name.clone() url=stream.host_avatar.clone() class="size-10 text-sm" />
                <span>
                    <span class="block text-sm font-semibold text-slate-900">{stream.host_name.clone()}</span>
                    <span class="block text-xs text-slate-500">"Host"</span>
                </span>
            </a>
            {(!stream.description.is_empty()).then(|| view! {
                <p class="mt-4 whitespace-pre-line text-sm text-slate-700">{stream.description.clone()}</p>
            })}
        </Card>
    }
}

/// Ending the stream (its host, or an admin), with a second click to be sure.
#[component]
fn EndForm(id: i64, end: ServerAction<EndStream>, status: Signal<StreamStatus>) -> impl IntoView {
    let value = end.value();
    view! {
        <Show when=move || status.get() == StreamStatus::Live>
            <details class="rounded-2xl border border-slate-200 bg-white p-4">
                <summary class="cursor-pointer text-sm font-semibold text-red-700">"End the stream"</summary>
                <ActionForm action=end attr:class="mt-3 flex flex-wrap items-center gap-3">
                    <input type="hidden" name="id" value=id.to_string() />
                    <input type="hidden" name="back" value=format!("/live/{id}") />
                    <p class="text-sm text-slate-600">"Viewers see that it ended and the chat closes."</p>
                    <Button kind="submit" variant=Variant::Danger busy=end.pending()>"End stream"</Button>
                </ActionForm>
                {move || value.get().and_then(Result::err).map(|e| view! { <p class="mt-2 text-sm text-red-700" role="alert">{e.to_string()}</p> })}
            </details>
        </Show>
    }
}

const SCREEN: &str = "relative flex aspect-video w-full items-center justify-center overflow-hidden rounded-2xl bg-slate-950 text-white";
const OVERLAY: &str = "absolute inset-0 flex flex-col items-center justify-center gap-3 bg-slate-950/85 p-6 text-center";

/// The video area: the host's preview and camera controls, a viewer's
/// picture with what is going on, or a sign-in prompt.
#[component]
fn StreamVideo(
    stream: StreamView,
    settings: Option<VideoSettings>,
    live: Memo<LiveStream>,
    topic: TopicSignals,
) -> impl IntoView {
    let ended = Signal::derive(move || live.get().status == StreamStatus::Ended);
    let Some(settings) = settings else {
        let login = sign_in_href();
        return view! {
            <div class=SCREEN data-testid="video">
                <div class=OVERLAY>
                    {move || if ended.get() {
                        view! { <p class="text-lg font-semibold">"This stream has ended."</p> }.into_any()
                    } else {
                        view! {
                            <p class="text-lg font-semibold">"Sign in to watch"</p>
                            <a href=move || login.get() class="rounded-lg bg-white px-4 py-2 text-sm font-semibold text-slate-900 hover:bg-slate-100">"Sign in"</a>
                        }.into_any()
                    }}
                </div>
            </div>
        }
        .into_any();
    };
    let max_peers = settings.max_peers;
    let video = Video::new(stream.id, settings);
    // Set-up messages from the other side, in order.
    Effect::new(move |_| {
        for (from, signal) in topic.take_rtc() {
            video.receive(from, signal);
        }
    });
    let element = NodeRef::<leptos::html::Video>::new();
    if stream.is_host {
        view! { <HostScreen id=stream.id video element ended max_peers /> }.into_any()
    } else {
        view! { <ViewerScreen id=stream.id video element live /> }.into_any()
    }
}

#[component]
fn HostScreen(
    id: i64,
    video: Video,
    element: NodeRef<leptos::html::Video>,
    ended: Signal<bool>,
    max_peers: u32,
) -> impl IntoView {
    // While the camera is on, this tab's live connection is the one viewers
    // ask for the video (again after each reconnect); off, none is.
    let live = use_live();
    let named = StoredValue::new(None::<String>);
    Effect::new(move |_| {
        let connection = live.and_then(|l| l.connection.get());
        let wanted = match video.state.get() {
            VideoState::On if !ended.get() => connection,
            _ => None,
        };
        if named.get_value() != wanted {
            named.set_value(wanted.clone());
            if ended.get_untracked() {
                // Ending cleared it already.
                return;
            }
            leptos::task::spawn_local(async move {
                if let Err(e) = set_broadcaster(id, wanted).await {
                    leptos::logging::warn!("video: {e}");
                }
            });
        }
    });
    on_cleanup(move || {
        if named.try_get_value().flatten().is_some() {
            leptos::task::spawn_local(async move {
                let _ = set_broadcaster(id, None).await;
            });
        }
    });
    Effect::new(move |_| {
        if ended.get() {
            video.stop_camera();
        }
    });
    view! {
        <div class=SCREEN data-testid="video">
            <video node_ref=element class="size-full object-cover" autoplay=true playsinline=true prop:muted=true data-testid="preview"></video>
            {move || {
                let state = video.state.get();
                if ended.get() {
                    return view! { <div class=OVERLAY><p class="text-lg font-semibold">"This stream has ended."</p></div> }.into_any();
                }
                match state {
                    VideoState::On => view! {
                        <span class="absolute bottom-3 left-3 rounded-md bg-black/60 px-2 py-1 text-xs font-medium" data-testid="sending">
                            {move || match video.peers.get() {
                                0 => format!("Camera on · no viewer connected yet (up to {max_peers} at a time)"),
                                1 => format!("Sending to 1 viewer (up to {max_peers})"),
                                n => format!("Sending to {n} viewers (up to {max_peers})"),
                            }}
                        </span>
                    }.into_any(),
                    VideoState::Starting => view! {
                        <div class=OVERLAY><p class="font-medium" role="status">"Starting your camera…"</p></div>
                    }.into_any(),
                    VideoState::Failed(message) => view! {
                        <div class=OVERLAY>
                            <p class="max-w-md text-sm" role="alert">{message}</p>
                            <button type="button" class="rounded-lg bg-white px-4 py-2 text-sm font-semibold text-slate-900 hover:bg-slate-100" on:click=move |_| video.start_camera(element)>"Try again"</button>
                        </div>
                    }.into_any(),
                    _ => view! {
                        <div class=OVERLAY>
                            <p class="text-lg font-semibold">"Your camera is off"</p>
                            <p class="max-w-md text-sm text-slate-300">"Viewers see that you are about to start. Your browser will ask to use the camera and microphone."</p>
                            <button type="button" class="rounded-lg bg-red-600 px-4 py-2 text-sm font-semibold text-white hover:bg-red-700" on:click=move |_| video.start_camera(element)>"Start camera"</button>
                        </div>
                    }.into_any(),
                }
            }}
        </div>
        <Show when=move || video.state.get() == VideoState::On && !ended.get()>
            <div class="flex flex-wrap gap-2">
                <Button variant=Variant::Secondary on_click=Callback::new(move |_| video.stop_camera())>"Stop camera"</Button>
            </div>
        </Show>
    }
}

#[component]
fn ViewerScreen(
    id: i64,
    video: Video,
    element: NodeRef<leptos::html::Video>,
    live: Memo<LiveStream>,
) -> impl IntoView {
    // Count as watching, on this connection and on each after a reconnect
    // (the page follows the topic; watching is said on top).
    let connection = use_live();
    Effect::new(move |_| {
        if let Some(live) = connection
            && live.connection.get().is_some()
        {
            live.send(ClientMessage::Watch {
                topic: format!("stream:{id}"),
            });
        }
    });
    // Watch whichever connection of the host sends the video; stop when it
    // stops or the stream ends.
    let watched = StoredValue::new(None::<String>);
    Effect::new(move |_| {
        let l = live.get();
        let host = match (l.status, l.broadcaster) {
            (StreamStatus::Live, Some(Some(host))) => Some(host),
            _ => None,
        };
        if watched.get_value() == host {
            return;
        }
        watched.set_value(host.clone());
        match host {
            Some(host) => video.watch(host, element),
            None => video.unwatch(),
        }
    });
    view! {
        <div class=SCREEN data-testid="video">
            <video node_ref=element class="size-full bg-black object-contain" autoplay=true playsinline=true prop:muted=move || video.muted.get() data-testid="screen"></video>
            {move || {
                let l = live.get();
                if l.status == StreamStatus::Ended {
                    return view! { <div class=OVERLAY><p class="text-lg font-semibold">"This stream has ended."</p></div> }.into_any();
                }
                match (video.state.get(), l.broadcaster) {
                    (VideoState::On, _) => view! {
                        <Show when=move || video.muted.get()>
                            <button type="button" class="absolute bottom-3 left-3 rounded-lg bg-black/70 px-3 py-2 text-sm font-semibold hover:bg-black/80" on:click=move |_| video.muted.set(false)>"Sound is off · tap to unmute"</button>
                        </Show>
                    }.into_any(),
                    (_, None) => view! {
                        <div class=OVERLAY><p class="font-medium" role="status">"Connecting…"</p></div>
                    }.into_any(),
                    (_, Some(None)) | (VideoState::Off, _) => view! {
                        <div class=OVERLAY>
                            <p class="text-lg font-semibold">"The host's camera is off"</p>
                            <p class="max-w-md text-sm text-slate-300">"The video starts here by itself when they turn it on. The chat is open meanwhile."</p>
                        </div>
                    }.into_any(),
                    (VideoState::Starting, _) => view! {
                        <div class=OVERLAY><p class="font-medium" role="status">"Connecting to the video…"</p></div>
                    }.into_any(),
                    (VideoState::Full, _) => view! {
                        <div class=OVERLAY>
                            <p class="text-lg font-semibold">"The video is full right now"</p>
                            <p class="max-w-md text-sm text-slate-300">"The host's browser sends the video to a few viewers at a time. You can chat meanwhile; we'll try again shortly."</p>
                        </div>
                    }.into_any(),
                    (VideoState::Failed(message), _) => view! {
                        <div class=OVERLAY><p class="max-w-md text-sm" role="alert">{message}</p></div>
                    }.into_any(),
                }
            }}
        </div>
    }
}
