//! Chat pages: the room list with unread badges, an open room (history,
//! composer, members), new-room and new-message pages, the threads embedded
//! in booking and order pages, and the unread count in the top bar.

mod chat;
mod members;
mod message;
mod new;
mod room;
mod thread;

pub use chat::{ChatPage, RoomPage};
pub use new::{MessageButton, NewDirectPage, NewRoomPage};
pub use thread::ChatThread;

use leptos::prelude::*;

use super::model::RoomKind;
use crate::accounts::context::use_auth;
use crate::live::client::use_topic;
use crate::live::protocol::Presence;
use crate::live::protocol::{Notice, Payload};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_today_this_week_or_a_date() {
        // Wed 5 Mar 2025 14:05 UTC.
        let now = 1_741_183_500_000;
        assert_eq!(time_label(now - 60_000, now, false), "14:04 UTC");
        assert_eq!(time_label(now - 86_400_000, now, false), "Tue 14:05 UTC");
        assert_eq!(
            time_label(now - 10 * 86_400_000, now, false),
            "23 Feb 2025, 14:05 UTC"
        );
    }
}

/// A small dot for a presence, with its name for screen readers.
#[component]
pub fn PresenceDot(
    #[prop(into)] presence: Signal<Presence>,
    #[prop(default = "size-2.5")] class: &'static str,
) -> impl IntoView {
    view! {
        <span
            class=move || {
                let color = match presence.get() {
                    Presence::Online => "bg-emerald-500",
                    Presence::Away => "bg-amber-400",
                    Presence::Offline => "bg-slate-300",
                };
                format!("{class} inline-block shrink-0 rounded-full ring-2 ring-white {color}")
            }
            role="img"
            aria-label=move || presence.get().label()
            title=move || presence.get().label()
            data-presence=move || presence.get().as_str()
        ></span>
    }
}

/// The badge of a room kind: `#` for groups, a lock for private ones.
pub fn kind_label(kind: RoomKind) -> &'static str {
    match kind {
        RoomKind::Group => "Room",
        RoomKind::Direct => "Direct message",
        RoomKind::Booking => "Booking thread",
        RoomKind::Order => "Order thread",
        RoomKind::Stream => "Stream chat",
    }
}

/// Calendar parts of an instant: (year, month 1–12, day, weekday 0=Sun,
/// hour, minute), in UTC or (in the browser) in the reader's zone.
fn parts(ms: i64, local: bool) -> (i64, i64, i64, i64, i64, i64) {
    #[cfg(feature = "hydrate")]
    {
        let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
        if local {
            (
                i64::from(d.get_full_year()),
                i64::from(d.get_month()) + 1,
                i64::from(d.get_date()),
                i64::from(d.get_day()),
                i64::from(d.get_hours()),
                i64::from(d.get_minutes()),
            )
        } else {
            (
                i64::from(d.get_utc_full_year()),
                i64::from(d.get_utc_month()) + 1,
                i64::from(d.get_utc_date()),
                i64::from(d.get_utc_day()),
                i64::from(d.get_utc_hours()),
                i64::from(d.get_utc_minutes()),
            )
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = local;
        let days = ms.div_euclid(86_400_000);
        let minutes = ms.rem_euclid(86_400_000) / 60_000;
        let (year, month, day) = crate::dates::civil_date(days);
        let weekday = (days + 4).rem_euclid(7);
        (year, month, day, weekday, minutes / 60, minutes % 60)
    }
}

/// "14:05" today, "Mon 14:05" this week, "3 Mar 2026, 14:05" before: in
/// UTC (marked) until the page runs in a browser, then in its zone.
pub fn time_label(ms: i64, now: i64, local: bool) -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    let (y, mo, d, wd, h, mi) = parts(ms, local);
    let (ty, tmo, td, ..) = parts(now, local);
    let zone = if local { "" } else { " UTC" };
    let clock = format!("{h:02}:{mi:02}{zone}");
    let day_number = |y: i64, m: i64, d: i64| y * 372 + m * 31 + d;
    let age_days = (now - ms) / 86_400_000;
    if (y, mo, d) == (ty, tmo, td) {
        clock
    } else if age_days < 6 && day_number(y, mo, d) < day_number(ty, tmo, td) {
        format!("{} {clock}", DAYS[wd.clamp(0, 6) as usize])
    } else {
        format!(
            "{d} {} {y}, {clock}",
            crate::dates::MONTHS_SHORT[(mo - 1).clamp(0, 11) as usize]
        )
    }
}

/// Whether the page runs in a browser yet (false on the server and in the
/// first, hydrating render, so both render the same).
pub fn use_hydrated() -> Signal<bool> {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    hydrated.into()
}

pub fn now_ms() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        crate::kernel::time::now_millis()
    }
}

/// The signed-in person's unread total, shared by the top bar and the
/// chat pages: loaded once, then kept by their topic's notices.
#[derive(Clone, Copy)]
pub struct Unread {
    pub total: RwSignal<i64>,
    /// The room shown on this page, whose new messages are read at once.
    pub open_room: RwSignal<Option<i64>>,
    /// Bumped by each message sent from this tab, and each edit or delete
    /// seen in the open room (the room list reloads).
    pub activity: RwSignal<u64>,
}

pub fn use_unread() -> Option<Unread> {
    use_context::<Unread>()
}

/// Provides the unread total (in the layout, above the top bar and pages).
pub fn provide_unread() {
    provide_context(Unread {
        total: RwSignal::new(0),
        open_room: RwSignal::new(None),
        activity: RwSignal::new(0),
    });
}

/// The chat link of the top bar with its unread badge (signed-in people).
#[component]
pub fn ChatLink() -> impl IntoView {
    let auth = use_auth();
    let Some(unread) = use_unread() else {
        return ().into_any();
    };
    let me = Memo::new(move |_| auth.me.read().as_ref().map(|m| m.id));
    (move || me.get().map(|id| view! { <ChatBadge user_id=id unread /> })).into_any()
}

#[component]
fn ChatBadge(user_id: i64, unread: Unread) -> impl IntoView {
    // Loaded in the browser (the room list shows counts without JavaScript).
    let initial = LocalResource::new(super::api::chat_unread_total);
    Effect::new(move |_| {
        if let Some(Ok(total)) = initial.get() {
            unread.total.set(total);
        }
    });
    let feed = use_topic(format!("user:{user_id}"));
    Effect::new(move |_| match feed.get() {
        Some(Payload::Notice {
            notice: Notice::ChatMessage { room_id, .. },
        }) if unread.open_room.get_untracked() != Some(room_id) => {
            unread.total.update(|t| *t += 1);
        }
        Some(Payload::Notice {
            notice: Notice::ChatRead { unread_total, .. },
        }) => unread.total.set(unread_total),
        _ => {}
    });
    let label = move || match unread.total.get() {
        0 => "Chat".to_string(),
        1 => "Chat, 1 unread message".to_string(),
        n => format!("Chat, {n} unread messages"),
    };
    view! {
        <a
            href="/chat"
            class="relative inline-flex size-10 items-center justify-center rounded-lg text-slate-700 hover:bg-slate-100"
            aria-label=label
            title=label
            data-testid="chat-link"
        >
            <crate::components::Icon name=crate::components::IconName::Chat class="size-6" />
            <Show when=move || { unread.total.get() > 0 }>
                <span
                    class="absolute -right-0.5 -top-0.5 min-w-5 rounded-full bg-red-600 px-1.5 text-center text-xs font-semibold leading-5 text-white"
                    data-testid="nav-unread"
                >
                    {move || {
                        let n = unread.total.get();
                        if n > 99 { "99+".to_string() } else { n.to_string() }
                    }}
                </span>
            </Show>
        </a>
    }
}
