use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use super::BookingStatusBadge;
use super::map::{LocationMap, stop_watching, watch};
use super::picker::SlotPicker;
use crate::accounts::context::field_error;
use crate::accounts::pages::{FormAlert, RequireSignIn};
use crate::components::{Button, Card, Variant};
use crate::components::{FailedPage, INPUT, Notice, Skeleton, id_param, query_param};
use crate::dates::date_time;
use crate::kernel::money::Cents;
use crate::live::client::{LiveStatus, Refusal, use_live, use_topic_signals};
use crate::live::protocol::{ClientMessage, ErrorCode, Payload};
use crate::reviews::api::WriteReview;
use crate::reviews::pages::ReviewForm;
use crate::services::api::{ActOnBooking, RescheduleBooking, get_booking, share_location};
use crate::services::model::{BookingStatus, BookingView, Place, Position};

/// One booking: status and timeline, what the viewer may do next, the
/// provider's live position while under way, and the review afterwards.
#[component]
pub fn BookingPage() -> impl IntoView {
    let id = id_param("id");
    view! {
        <RequireSignIn>
            {move || view! { <Booking id=id.get() /> }}
        </RequireSignIn>
    }
}

#[component]
fn Booking(id: i64) -> impl IntoView {
    // The booking's chat, made first (see `ChatThread`).
    let thread = Resource::new(move || id, crate::services::api::booking_chat);
    let act = ServerAction::<ActOnBooking>::new();
    let moved = ServerAction::<RescheduleBooking>::new();
    let review = ServerAction::<WriteReview>::new();
    // Live: the booking's own topic. A status change reloads the page's
    // data; a new position moves the map without reloading.
    let topic = use_topic_signals(format!("booking:{id}"));
    let live = topic.state;
    let live_state = Memo::new(move |_| {
        live.with(|p| match p {
            Some(Payload::Booking {
                status, en_route, ..
            }) => Some((status.clone(), *en_route)),
            _ => None,
        })
    });
    let live_position = Memo::new(move |_| {
        live.with(|p| match p {
            Some(Payload::Booking { position, .. }) => Some(position.map(|p| Position {
                lat: p.lat_e6 as f64 / 1e6,
                lng: p.lng_e6 as f64 / 1e6,
                accuracy_m: p.accuracy_m,
                at: p.at,
            })),
            _ => None,
        })
    });
    let sharing = Sharing::new(topic.refusals);
    // The provider's own position coming back on the topic: it was shared.
    Effect::new(move |_| {
        if let Some(Some(p)) = live_position.get()
            && sharing.on.get_untracked()
        {
            sharing.sent.set(Some(p.at));
        }
    });
    let booking = Resource::new(
        move || {
            (
                act.version().get(),
                moved.version().get(),
                review.version().get(),
                live_state.get(),
            )
        },
        move |_| get_booking(id),
    );
    view! {
        <Title text="Booking" />
        <div class="mx-auto max-w-3xl space-y-6">
            // A Transition: a reload keeps showing the booking until the new
            // one is there.
            <Transition fallback=|| view! { <Skeleton height="h-96" /> }>
                {move || Suspend::new(async move {
                    match booking.await {
                        Ok(b) => view! { <Detail booking=b act moved review live_position sharing /> }.into_any(),
                        Err(error) => view! { <FailedPage error /> }.into_any(),
                    }
                })}
            </Transition>
            <crate::chat::pages::ChatThread thread back=format!("/bookings/{id}") />
        </div>
    }
}

#[component]
fn Detail(
    booking: BookingView,
    act: ServerAction<ActOnBooking>,
    moved: ServerAction<RescheduleBooking>,
    review: ServerAction<WriteReview>,
    live_position: Memo<Option<Option<Position>>>,
    sharing: Sharing,
) -> impl IntoView {
    let booked = query_param("booked");
    let was_moved = query_param("moved");
    let id = booking.id;
    let back = format!("/bookings/{id}");
    let loaded_position = booking.position;
    let position = Signal::derive(move || live_position.get().unwrap_or(loaded_position));
    let under_way = booking.status == BookingStatus::InProgress
        || (booking.status == BookingStatus::Confirmed && booking.en_route);
    let (list_href, list_label) = if booking.as_provider {
        ("/provider", "← Provider inbox")
    } else {
        ("/bookings", "← My bookings")
    };
    let other = if booking.as_provider {
        format!("Customer: {}", booking.customer_name)
    } else {
        format!("Provider: {}", booking.provider_name)
    };
    let history = booking.history.clone();
    let still_requested = booking.status == BookingStatus::Requested;
    let for_reschedule = booking.clone();
    let thanks =
        !booking.as_provider && booking.status == BookingStatus::Completed && !booking.can.review;
    let can = booking.can;
    let (tiles, as_provider) = (booking.map_tiles.clone(), booking.as_provider);
    let (back_actions, back_review) = (back.clone(), back.clone());
    let place = match booking.place {
        Place::Online => "Online".to_string(),
        _ => booking.address.clone(),
    };
    view! {
        <a href=list_href class="text-sm font-medium text-brand-700 hover:underline">{list_label}</a>
        <Notice when=Signal::derive(move || booked.get() == "1" && still_requested) text="Booking requested. The provider will confirm it; this page updates by itself." />
        <Notice when=Signal::derive(move || was_moved.get() == "1") text="Booking moved to the new time. The provider will confirm it again." />
        <Card>
            <div class="flex flex-wrap items-start justify-between gap-3">
                <div>
                    <p class="text-sm text-slate-500">{format!("Booking #{id}")}</p>
                    <h1 class="text-2xl font-bold tracking-tight">
                        <a href=format!("/services/{}", booking.service_id) class="hover:underline">{booking.service_title.clone()}</a>
                    </h1>
                </div>
                <BookingStatusBadge status=booking.status />
            </div>
            <dl class="mt-4 grid gap-3 text-sm sm:grid-cols-2">
                <div><dt class="text-slate-500">"When"</dt><dd class="font-medium" data-testid="booking-when">{booking.when_label.clone()}</dd></div>
                <div><dt class="text-slate-500">"Where"</dt><dd class="font-medium">{place}</dd></div>
                <div><dt class="text-slate-500">"Price"</dt><dd class="font-medium">{Cents::new(booking.price_cents).format(&booking.currency)}" · paid to the provider in person"</dd></div>
                <div><dt class="text-slate-500">"With"</dt><dd class="font-medium">{other}</dd></div>
            </dl>
            {(!booking.notes.is_empty()).then(|| view! { <p class="mt-3 rounded-lg bg-slate-50 px-3 py-2 text-sm"><span class="text-slate-500">"Notes: "</span>{booking.notes.clone()}</p> })}
            {booking.cancel_reason.clone().map(|r| view! { <p class="mt-3 rounded-lg bg-slate-50 px-3 py-2 text-sm"><span class="text-slate-500">"Reason: "</span>{r}</p> })}
            <Actions booking=booking.clone() act back=back_actions />
        </Card>
        {under_way.then(move || {
            view! {
                <Card>
                    <h2 class="text-lg font-semibold">"Live location"</h2>
                    <div class="mt-3">
                        {if as_provider {
                            view! { <ShareLocation id sharing /> }.into_any()
                        } else {
                            view! { <LocationMap position tiles /> }.into_any()
                        }}
                    </div>
                </Card>
            }
        })}
        {can.reschedule.then(|| view! { <Reschedule booking=for_reschedule moved /> })}
        {can.review.then(|| view! { <ReviewForm booking_id=Some(id) event_id=None back=back_review.clone() action=review /> })}
        {thanks.then(|| view! {
            <p class="text-sm text-slate-600">"You reviewed this booking. Thank you!"</p>
        })}
        <Card>
            <h2 class="text-lg font-semibold">"Timeline"</h2>
            <ol class="mt-3 space-y-3 border-l-2 border-slate-200 pl-4" data-testid="timeline">
                {history.iter().map(|h| view! {
                    <li>
                        <p class="text-sm font-medium">{h.label.clone()}
                            {h.actor_name.clone().map(|n| view! { <span class="font-normal text-slate-600">{format!(" by {n}")}</span> })}
                        </p>
                        <p class="text-xs text-slate-500">{date_time(h.at)}</p>
                        {(!h.note.is_empty()).then(|| view! { <p class="text-sm text-slate-700">{h.note.clone()}</p> })}
                    </li>
                }).collect_view()}
            </ol>
        </Card>
    }
}

/// The buttons the viewer may press now; cancelling asks for a reason.
#[component]
fn Actions(booking: BookingView, act: ServerAction<ActOnBooking>, back: String) -> impl IntoView {
    let can = booking.can;
    let id = booking.id;
    let value = act.value();
    let button = move |action: &'static str, label: &'static str, variant: Variant| {
        let back = back.clone();
        view! {
            <ActionForm action=act>
                <input type="hidden" name="id" value=id.to_string() />
                <input type="hidden" name="action" value=action />
                <input type="hidden" name="back" value=back />
                <Button kind="submit" variant busy=act.pending()>{label}</Button>
            </ActionForm>
        }
    };
    let cancel_hint = if booking.as_provider {
        "Tell the customer why (required)."
    } else {
        "Optional: tell the provider why."
    };
    let back_cancel = format!("/bookings/{id}");
    view! {
        <div class="mt-5 space-y-3">
            <FormAlert message=field_error(value, None) />
            <div class="flex flex-wrap gap-2">
                {can.confirm.then(|| button("confirm", "Confirm", Variant::Primary))}
                {can.decline.then(|| button("decline", "Decline", Variant::Secondary))}
                {can.on_my_way.then(|| button("on_my_way", "I'm on my way", Variant::Secondary))}
                {can.start.then(|| button("start", "Start the job", Variant::Primary))}
                {can.complete.then(|| button("complete", "Mark completed", Variant::Primary))}
            </div>
            {can.cancel.then(|| view! {
                <details class="rounded-xl border border-slate-200 p-3">
                    <summary class="cursor-pointer text-sm font-semibold text-red-700">"Cancel this booking"</summary>
                    <ActionForm action=act attr:class="mt-3 space-y-2">
                        <input type="hidden" name="id" value=id.to_string() />
                        <input type="hidden" name="action" value="cancel" />
                        <input type="hidden" name="back" value=back_cancel.clone() />
                        <label for="bk-reason" class="block text-sm text-slate-700">{cancel_hint}</label>
                        <input id="bk-reason" name="reason" maxlength="500" class=INPUT required=booking.as_provider />
                        {move || field_error(value, Some("reason")).get().map(|e| view! { <p class="text-sm text-red-600" role="alert">{e}</p> })}
                        <Button kind="submit" variant=Variant::Danger busy=act.pending()>"Cancel booking"</Button>
                    </ActionForm>
                </details>
            })}
            {(!booking.as_provider && !can.cancel && matches!(booking.status, BookingStatus::Requested | BookingStatus::Confirmed)).then(|| view! {
                <p class="text-xs text-slate-500">{format!("Cancellations closed on {}.", date_time(booking.cancel_until))}</p>
            })}
        </div>
    }
}

/// The customer moves the booking to another free time.
#[component]
fn Reschedule(booking: BookingView, moved: ServerAction<RescheduleBooking>) -> impl IntoView {
    let value = moved.value();
    let refused = super::refusals(value);
    let frozen =
        Signal::derive(move || moved.pending().get() || matches!(value.get(), Some(Ok(_))));
    view! {
        <details class="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
            <summary class="cursor-pointer font-semibold">"Move to another time"</summary>
            <ActionForm action=moved attr:class="mt-4 space-y-4">
                <FormAlert message=field_error(value, None) />
                <input type="hidden" name="id" value=booking.id.to_string() />
                <SlotPicker service_id=booking.service_id provider_id=booking.provider_id name="starts_at" reload=refused frozen />
                <Button kind="submit" busy=moved.pending()>"Move booking"</Button>
            </ActionForm>
        </details>
    }
}

/// The provider's location sharing. It lives with the page (not with one
/// rendering of the booking, which reloads on every change), so a status
/// change doesn't stop it; leaving the page does.
#[derive(Clone, Copy)]
struct Sharing {
    on: RwSignal<bool>,
    sent: RwSignal<Option<i64>>,
    problem: RwSignal<Option<String>>,
    /// The browser's watch id while sharing.
    watch: StoredValue<Option<i32>>,
    last: StoredValue<f64>,
    /// A position that came too soon after the last one sent.
    pending: StoredValue<Option<(f64, f64, f64)>>,
    /// The tab's live connection (positions go up it when connected).
    live: Option<crate::live::client::Live>,
}

impl Sharing {
    fn new(refusals: Signal<Option<Refusal>>) -> Self {
        let sharing = Self {
            on: RwSignal::new(false),
            sent: RwSignal::new(None),
            problem: RwSignal::new(None),
            watch: StoredValue::new(None),
            last: StoredValue::new(0.0),
            pending: StoredValue::new(None),
            live: use_live(),
        };
        // Stopped (by the button, or by a refusal once the booking ended):
        // let go of the browser's position.
        Effect::new(move |_| {
            if !sharing.on.get() {
                sharing.stop();
            }
        });
        // The server refused a position (the booking is no longer under
        // way, say): say why and stop.
        Effect::new(move |_| {
            if let Some(refusal) = refusals.get()
                && refusal.code != ErrorCode::RateLimited
                && sharing.on.get_untracked()
            {
                sharing.problem.set(Some(refusal.message));
                sharing.on.set(false);
            }
        });
        on_cleanup(move || sharing.stop());
        sharing
    }

    fn stop(self) {
        if let Some(id) = self.watch.try_update_value(Option::take).flatten() {
            stop_watching(id);
        }
    }

    /// Watches the position and reports it at most every 5 seconds (a
    /// position that comes sooner is sent when the 5 s are up, so the last
    /// one always arrives).
    fn start(self, id: i64) {
        self.problem.set(None);
        let watcher = watch(
            move |lat, lng, accuracy| self.report(id, (lat, lng, accuracy)),
            move |message| self.problem.set(Some(message)),
        );
        match watcher {
            Some(w) => {
                self.watch.set_value(Some(w));
                self.on.set(true);
            }
            None => self
                .problem
                .set(Some("This browser can't share its position.".into())),
        }
    }

    fn report(self, id: i64, at: (f64, f64, f64)) {
        // The page may have moved on (the watch is being cleared).
        let Some(before) = self.last.try_get_value() else {
            return;
        };
        let wait = 5_000.0 - (now_ms() - before);
        if wait <= 0.0 {
            self.send(id, at);
            return;
        }
        // Too soon: keep the newest, and send it when the time is up.
        let waiting = self.pending.try_update_value(|p| p.replace(at).is_some());
        if waiting == Some(false) {
            set_timeout(
                move || {
                    let next = self.pending.try_update_value(Option::take).flatten();
                    if let Some(at) = next
                        && self.on.try_get_untracked() == Some(true)
                    {
                        self.send(id, at);
                    }
                },
                std::time::Duration::from_millis(wait as u64),
            );
        }
    }

    /// Up the live socket when it is connected, else through a server function.
    fn send(self, id: i64, (lat, lng, accuracy): (f64, f64, f64)) {
        self.last.try_set_value(now_ms());
        if let Some(live) = self
            .live
            .filter(|l| l.status.get_untracked() == LiveStatus::Live)
        {
            live.send(ClientMessage::Location {
                topic: format!("booking:{id}"),
                lat_e6: (lat * 1e6).round() as i64,
                lng_e6: (lng * 1e6).round() as i64,
                accuracy_m: accuracy.round() as i64,
            });
            return;
        }
        leptos::task::spawn_local(async move {
            match share_location(id, lat, lng, accuracy).await {
                Ok(b) => self.sent.set(b.position.map(|p| p.at)),
                Err(e) => {
                    self.problem.set(Some(e.to_string()));
                    self.on.set(false);
                }
            }
        });
    }
}

/// The provider's controls for sharing their position while under way.
#[component]
fn ShareLocation(id: i64, sharing: Sharing) -> impl IntoView {
    view! {
        <div class="space-y-2" data-testid="share-location">
            <p class="text-sm text-slate-700">"Only your customer sees where you are, and only until the job is done."</p>
            {move || if sharing.on.get() {
                view! {
                    <p class="text-sm font-medium text-emerald-700" role="status">"Sharing your location"
                        {move || sharing.sent.get().map(|at| format!(" · last sent {}", date_time(at)))}</p>
                    <Button variant=Variant::Secondary on_click=Callback::new(move |_| sharing.on.set(false))>"Stop sharing"</Button>
                }.into_any()
            } else {
                view! { <Button on_click=Callback::new(move |_| sharing.start(id))>"Share my location"</Button> }.into_any()
            }}
            {move || sharing.problem.get().map(|m| view! { <p class="text-sm text-amber-800" role="alert">{m}</p> })}
        </div>
    }
}

fn now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0.0
    }
}
