//! A stream's video in the browser (WebRTC). The host's camera goes from
//! the host's browser straight to each viewer's, one connection per viewer
//! up to the stream's limit; the server only relays how they connect (a
//! viewer's request, the host's offer, the viewer's answer, as `rtc`
//! messages on `/ws`). Offers and answers carry their network candidates,
//! so each side sends one message. On the server every call does nothing.

use leptos::prelude::*;

use crate::live::client::Live;
use crate::live::protocol::{ClientMessage, RtcSignal};
use crate::streams::model::VideoSettings;

/// What the video area shows.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub enum VideoState {
    /// The host's camera is off (for the host: not started yet).
    Off,
    /// Asking for the camera, or connecting to the host.
    Starting,
    /// Sending (host) or playing (viewer).
    On,
    /// Every place for the video is taken; asking again soon.
    Full,
    Failed(String),
}

/// The video of the stream on this page: its state for the page to show,
/// and the engine behind it (one per tab: one stream page at a time).
#[derive(Clone, Copy)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub struct Video {
    pub state: RwSignal<VideoState>,
    /// Host: viewers receiving the video now.
    pub peers: RwSignal<usize>,
    /// Viewer: the sound is off (browsers only autoplay muted video).
    pub muted: RwSignal<bool>,
    topic: StoredValue<String>,
    settings: StoredValue<VideoSettings>,
    live: Option<Live>,
    /// Bumped when the viewer asks the host again, so a late timer from an
    /// earlier request does nothing.
    attempt: StoredValue<u32>,
}

impl Video {
    pub fn new(stream_id: i64, settings: VideoSettings) -> Self {
        let video = Self {
            state: RwSignal::new(VideoState::Off),
            peers: RwSignal::new(0),
            muted: RwSignal::new(true),
            topic: StoredValue::new(format!("stream:{stream_id}")),
            settings: StoredValue::new(settings),
            live: crate::live::client::use_live(),
            attempt: StoredValue::new(0),
        };
        on_cleanup(move || video.dispose());
        video
    }

    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn send(self, to: &str, signal: RtcSignal) {
        if let (Some(live), Some(topic)) = (self.live, self.topic.try_get_value()) {
            live.send(ClientMessage::Rtc {
                topic,
                to: to.to_string(),
                signal,
            });
        }
    }

    /// Host: turns the camera (and microphone) on and shows it in `element`.
    pub fn start_camera(self, element: NodeRef<leptos::html::Video>) {
        #[cfg(feature = "hydrate")]
        {
            self.state.set(VideoState::Starting);
            leptos::task::spawn_local(async move {
                match browser::open_camera(element.get_untracked()).await {
                    Ok(()) => self.state.set(VideoState::On),
                    Err(message) => self.state.set(VideoState::Failed(message)),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = element;
    }

    /// Host: hangs up on every viewer and turns the camera off.
    pub fn stop_camera(self) {
        #[cfg(feature = "hydrate")]
        for viewer in browser::close_all() {
            self.send(&viewer, RtcSignal::Bye);
        }
        self.peers.set(0);
        self.state.set(VideoState::Off);
    }

    /// Viewer: asks the host's connection `host` for the video, to show in
    /// `element`.
    pub fn watch(self, host: String, element: NodeRef<leptos::html::Video>) {
        #[cfg(feature = "hydrate")]
        {
            browser::set_viewer(host.clone(), element.get_untracked());
            self.state.set(VideoState::Starting);
            self.ask(host, 0);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (host, element);
    }

    /// Viewer: the host stopped sending (or the page is going).
    pub fn unwatch(self) {
        #[cfg(feature = "hydrate")]
        if let Some(host) = browser::clear_viewer() {
            self.send(&host, RtcSignal::Bye);
        }
        self.state.set(VideoState::Off);
    }

    /// Asks the host, then again (ever more slowly) while no offer comes.
    #[cfg(feature = "hydrate")]
    fn ask(self, host: String, tries: u32) {
        let Some(attempt) = self.attempt.try_update_value(|a| {
            *a += 1;
            *a
        }) else {
            return;
        };
        self.send(&host, RtcSignal::Request);
        let wait = (10_000u64 << tries.min(2)) + (js_sys::Math::random() * 3_000.0) as u64;
        set_timeout(
            move || {
                let waiting = self.state.try_get_untracked().is_some_and(|s| {
                    matches!(
                        s,
                        VideoState::Starting | VideoState::Full | VideoState::Failed(_)
                    )
                });
                if waiting
                    && self.attempt.try_get_value() == Some(attempt)
                    && browser::viewer_host().as_deref() == Some(host.as_str())
                {
                    self.ask(host, tries + 1);
                }
            },
            std::time::Duration::from_millis(wait),
        );
    }

    /// A set-up message from another connection.
    pub fn receive(self, from: String, signal: RtcSignal) {
        #[cfg(feature = "hydrate")]
        match signal {
            RtcSignal::Request => leptos::task::spawn_local(async move {
                let max = self.settings.with_value(|s| s.max_peers as usize);
                let ice = self.settings.get_value();
                match browser::offer_to(&from, max, &ice, self.peer_count()).await {
                    Ok(Some(sdp)) => self.send(&from, RtcSignal::Offer { sdp }),
                    Ok(None) => self.send(&from, RtcSignal::Full),
                    Err(message) => leptos::logging::warn!("video: {message}"),
                }
                self.peers.try_set(browser::peer_count());
            }),
            RtcSignal::Offer { sdp } => {
                if browser::viewer_host().as_deref() != Some(from.as_str()) {
                    return;
                }
                let ice = self.settings.get_value();
                let on_state = self.viewer_state();
                leptos::task::spawn_local(async move {
                    match browser::answer(&from, &sdp, &ice, on_state).await {
                        Ok(sdp) => self.send(&from, RtcSignal::Answer { sdp }),
                        Err(message) => {
                            self.state.try_set(VideoState::Failed(message));
                        }
                    }
                });
            }
            RtcSignal::Answer { sdp } => leptos::task::spawn_local(async move {
                if let Err(message) = browser::accept(&from, &sdp).await {
                    leptos::logging::warn!("video: {message}");
                }
            }),
            RtcSignal::Full => {
                if browser::viewer_host().as_deref() == Some(from.as_str()) {
                    self.state.set(VideoState::Full);
                }
            }
            RtcSignal::Bye => {
                browser::hang_up(&from);
                self.peers.set(browser::peer_count());
                if browser::viewer_host().as_deref() == Some(from.as_str()) {
                    self.state.set(VideoState::Off);
                }
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (from, signal);
    }

    /// Host: a connection to a viewer ended on its own (closed, failed).
    #[cfg(feature = "hydrate")]
    fn peer_count(self) -> impl Fn() + 'static {
        move || {
            self.peers.try_set(browser::peer_count());
        }
    }

    /// Viewer: how the connection to the host is doing.
    #[cfg(feature = "hydrate")]
    fn viewer_state(self) -> impl Fn(browser::Link) + 'static {
        move |link| {
            let state = match link {
                browser::Link::Playing => VideoState::On,
                browser::Link::Lost => {
                    // Ask again in a moment: the host may still be there.
                    if let Some(host) = browser::viewer_host() {
                        set_timeout(
                            move || {
                                if self.state.try_get_untracked().is_some() {
                                    self.ask(host, 0);
                                }
                            },
                            std::time::Duration::from_secs(3),
                        );
                    }
                    VideoState::Failed("The video connection dropped; reconnecting…".into())
                }
            };
            self.state.try_set(state);
        }
    }

    /// Leaving the page: hang up and let the camera go.
    fn dispose(self) {
        #[cfg(feature = "hydrate")]
        {
            if let Some(host) = browser::clear_viewer() {
                self.send(&host, RtcSignal::Bye);
            }
            for viewer in browser::close_all() {
                self.send(&viewer, RtcSignal::Bye);
            }
        }
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::cell::RefCell;
    use std::collections::HashMap;
    use std::rc::Rc;

    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{
        HtmlVideoElement, MediaStream, MediaStreamConstraints, MediaStreamTrack, RtcConfiguration,
        RtcIceGatheringState, RtcIceServer, RtcPeerConnection, RtcPeerConnectionState, RtcSdpType,
        RtcSessionDescriptionInit, RtcTrackEvent,
    };

    use crate::streams::model::VideoSettings;

    /// How a viewer's connection to the host is doing.
    pub enum Link {
        Playing,
        Lost,
    }

    /// A callback the browser calls with an event.
    type Callback = Closure<dyn FnMut(JsValue)>;

    /// One connection to another browser, and the callbacks it holds.
    struct Peer {
        pc: RtcPeerConnection,
        _on_state: Callback,
        _on_track: Option<Closure<dyn FnMut(RtcTrackEvent)>>,
    }

    impl Drop for Peer {
        fn drop(&mut self) {
            self.pc.set_onconnectionstatechange(None);
            self.pc.set_ontrack(None);
            self.pc.close();
        }
    }

    #[derive(Default)]
    struct Engine {
        /// Host: the camera, and where it previews.
        camera: Option<MediaStream>,
        preview: Option<HtmlVideoElement>,
        /// Viewer: the host's connection it watches, and where.
        host: Option<String>,
        screen: Option<HtmlVideoElement>,
        /// By the other side's connection id.
        peers: HashMap<String, Peer>,
    }

    thread_local! {
        static ENGINE: RefCell<Engine> = RefCell::new(Engine::default());
    }

    fn error_text(e: JsValue) -> String {
        e.dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .or_else(|| e.as_string())
            .unwrap_or_else(|| "the browser refused".into())
    }

    fn configuration(settings: &VideoSettings) -> RtcConfiguration {
        let config = RtcConfiguration::new();
        let servers = js_sys::Array::new();
        for url in &settings.ice_servers {
            let server = RtcIceServer::new();
            server.set_urls(&JsValue::from_str(url));
            if let Some(user) = &settings.ice_username {
                server.set_username(user);
            }
            if let Some(credential) = &settings.ice_credential {
                server.set_credential(credential);
            }
            servers.push(&server);
        }
        config.set_ice_servers(&servers);
        config
    }

    /// Shows `stream` in `element` and plays it (once per stream: each of
    /// its tracks arriving would restart it). The browser's answer to
    /// `play()` is awaited, so a refusal is handled, never left unhandled.
    fn show(element: &HtmlVideoElement, stream: &MediaStream) {
        if element
            .src_object()
            .is_some_and(|current| current.id() == stream.id())
        {
            return;
        }
        element.set_src_object(Some(stream));
        if let Ok(playing) = element.play() {
            leptos::task::spawn_local(async move {
                // Refused (autoplay rules) or interrupted: the page still
                // shows the picture once it can, with its unmute button.
                let _ = JsFuture::from(playing).await;
            });
        }
    }

    async fn sleep(ms: u32) {
        let (done, wait) = futures::channel::oneshot::channel::<()>();
        leptos::prelude::set_timeout(
            move || {
                let _ = done.send(());
            },
            std::time::Duration::from_millis(u64::from(ms)),
        );
        let _ = wait.await;
    }

    /// Waits until the connection knows its network candidates (at most
    /// 4 s: with a slow STUN server, what was found by then is sent).
    async fn gathered(pc: &RtcPeerConnection) {
        if pc.ice_gathering_state() == RtcIceGatheringState::Complete {
            return;
        }
        let (done, wait) = futures::channel::oneshot::channel::<()>();
        let done = Rc::new(RefCell::new(Some(done)));
        let watched = pc.clone();
        let on_change = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| {
            if watched.ice_gathering_state() == RtcIceGatheringState::Complete
                && let Some(done) = done.borrow_mut().take()
            {
                let _ = done.send(());
            }
        });
        pc.set_onicegatheringstatechange(Some(on_change.as_ref().unchecked_ref()));
        futures::future::select(wait, Box::pin(sleep(4_000))).await;
        pc.set_onicegatheringstatechange(None);
    }

    async fn describe(
        pc: &RtcPeerConnection,
        kind: RtcSdpType,
        sdp: &str,
        local: bool,
    ) -> Result<(), String> {
        let init = RtcSessionDescriptionInit::new(kind);
        init.set_sdp(sdp);
        let promise = if local {
            pc.set_local_description(&init)
        } else {
            pc.set_remote_description(&init)
        };
        JsFuture::from(promise)
            .await
            .map(|_| ())
            .map_err(error_text)
    }

    fn sdp_of(description: &JsValue) -> Result<String, String> {
        js_sys::Reflect::get(description, &JsValue::from_str("sdp"))
            .ok()
            .and_then(|v| v.as_string())
            .ok_or_else(|| "no session description".to_string())
    }

    /// A new connection; `on_state` hears when it is up or gone.
    fn connect(
        settings: &VideoSettings,
        on_state: impl Fn(RtcPeerConnectionState) + 'static,
    ) -> Result<(RtcPeerConnection, Callback), String> {
        let pc = RtcPeerConnection::new_with_configuration(&configuration(settings))
            .map_err(error_text)?;
        let watched = pc.clone();
        let on_change = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| {
            on_state(watched.connection_state());
        });
        pc.set_onconnectionstatechange(Some(on_change.as_ref().unchecked_ref()));
        Ok((pc, on_change))
    }

    pub async fn open_camera(preview: Option<HtmlVideoElement>) -> Result<(), String> {
        let devices = web_sys::window()
            .ok_or("no window")?
            .navigator()
            .media_devices()
            .map_err(|_| "This browser can't use a camera here (it needs https).".to_string())?;
        let constraints = MediaStreamConstraints::new();
        constraints.set_video_bool(true);
        constraints.set_audio_bool(true);
        let promise = devices
            .get_user_media_with_constraints(&constraints)
            .map_err(error_text)?;
        let stream: MediaStream = JsFuture::from(promise)
            .await
            .map_err(|e| {
                format!(
                    "The camera didn't start: {}. Allow the camera and microphone for this site, then try again.",
                    error_text(e)
                )
            })?
            .unchecked_into();
        if let Some(preview) = &preview {
            preview.set_muted(true);
            show(preview, &stream);
        }
        ENGINE.with_borrow_mut(|e| {
            e.camera = Some(stream);
            e.preview = preview;
        });
        Ok(())
    }

    /// Host: hangs up on everyone and stops the camera; returns who was
    /// watching (to say goodbye to).
    pub fn close_all() -> Vec<String> {
        let (peers, camera) = ENGINE.with_borrow_mut(|e| {
            if let Some(preview) = e.preview.take() {
                preview.set_src_object(None);
            }
            (std::mem::take(&mut e.peers), e.camera.take())
        });
        if let Some(camera) = camera {
            for track in camera.get_tracks().iter() {
                track.unchecked_into::<MediaStreamTrack>().stop();
            }
        }
        peers.into_keys().collect()
    }

    pub fn peer_count() -> usize {
        ENGINE.with_borrow(|e| if e.camera.is_some() { e.peers.len() } else { 0 })
    }

    pub fn hang_up(connection: &str) {
        let gone = ENGINE.with_borrow_mut(|e| e.peers.remove(connection));
        drop(gone);
    }

    /// Host: a connection with this viewer, offered. `None` when every
    /// place is taken (or the camera is off).
    pub async fn offer_to(
        viewer: &str,
        max: usize,
        settings: &VideoSettings,
        changed: impl Fn() + 'static,
    ) -> Result<Option<String>, String> {
        // Asking again replaces their connection (closed outside the borrow).
        let (camera, room, old) = ENGINE.with_borrow_mut(|e| {
            let old = e.peers.remove(viewer);
            (e.camera.clone(), e.peers.len() < max, old)
        });
        drop(old);
        let (Some(camera), true) = (camera, room) else {
            return Ok(None);
        };
        let key = viewer.to_string();
        let (pc, on_state) = connect(settings, move |state| {
            if matches!(
                state,
                RtcPeerConnectionState::Failed | RtcPeerConnectionState::Closed
            ) {
                hang_up(&key);
                changed();
            }
        })?;
        for track in camera.get_tracks().iter() {
            pc.add_track_0(&track.unchecked_into(), &camera);
        }
        ENGINE.with_borrow_mut(|e| {
            e.peers.insert(
                viewer.to_string(),
                Peer {
                    pc: pc.clone(),
                    _on_state: on_state,
                    _on_track: None,
                },
            )
        });
        let offer = JsFuture::from(pc.create_offer())
            .await
            .map_err(error_text)?;
        describe(&pc, RtcSdpType::Offer, &sdp_of(&offer)?, true).await?;
        gathered(&pc).await;
        let sdp = pc
            .local_description()
            .map(|d| d.sdp())
            .ok_or("no local description")?;
        Ok(Some(sdp))
    }

    /// Host: a viewer's answer to the offer made to them.
    pub async fn accept(viewer: &str, sdp: &str) -> Result<(), String> {
        let pc = ENGINE.with_borrow(|e| e.peers.get(viewer).map(|p| p.pc.clone()));
        match pc {
            Some(pc) => describe(&pc, RtcSdpType::Answer, sdp, false).await,
            None => Ok(()),
        }
    }

    pub fn set_viewer(host: String, screen: Option<HtmlVideoElement>) {
        let old = ENGINE.with_borrow_mut(|e| {
            e.host = Some(host);
            e.screen = screen;
            std::mem::take(&mut e.peers)
        });
        drop(old);
    }

    pub fn viewer_host() -> Option<String> {
        ENGINE.with_borrow(|e| e.host.clone())
    }

    /// Viewer: forgets the host; returns it (to say goodbye to).
    pub fn clear_viewer() -> Option<String> {
        let (host, old) = ENGINE.with_borrow_mut(|e| {
            if let Some(screen) = e.screen.take() {
                screen.set_src_object(None);
            }
            (e.host.take(), std::mem::take(&mut e.peers))
        });
        drop(old);
        host
    }

    /// Viewer: answers the host's offer; the video shows when it arrives.
    pub async fn answer(
        host: &str,
        sdp: &str,
        settings: &VideoSettings,
        on_link: impl Fn(Link) + 'static,
    ) -> Result<String, String> {
        let on_link = Rc::new(on_link);
        let lost = on_link.clone();
        let (pc, on_state) = connect(settings, move |state| {
            if matches!(
                state,
                RtcPeerConnectionState::Failed | RtcPeerConnectionState::Closed
            ) {
                lost(Link::Lost);
            }
        })?;
        let screen = ENGINE.with_borrow(|e| e.screen.clone());
        let on_track = Closure::<dyn FnMut(RtcTrackEvent)>::new(move |event: RtcTrackEvent| {
            if let (Some(screen), Ok(stream)) =
                (&screen, event.streams().get(0).dyn_into::<MediaStream>())
            {
                show(screen, &stream);
                on_link(Link::Playing);
            }
        });
        pc.set_ontrack(Some(on_track.as_ref().unchecked_ref()));
        let old = ENGINE.with_borrow_mut(|e| {
            e.peers.insert(
                host.to_string(),
                Peer {
                    pc: pc.clone(),
                    _on_state: on_state,
                    _on_track: Some(on_track),
                },
            )
        });
        drop(old);
        describe(&pc, RtcSdpType::Offer, sdp, false).await?;
        let answer = JsFuture::from(pc.create_answer())
            .await
            .map_err(error_text)?;
        describe(&pc, RtcSdpType::Answer, &sdp_of(&answer)?, true).await?;
        gathered(&pc).await;
        pc.local_description()
            .map(|d| d.sdp())
            .ok_or_else(|| "no local description".to_string())
    }
}
