use leptos::prelude::*;

use crate::accounts::context::use_auth;
use crate::accounts::model::Role;
use crate::components::{ToastKind, use_toasts};
use crate::live::client::use_topic;
use crate::live::protocol::{Notice, Payload};

/// For organizers, on every page: a toast when one of their events gets a
/// confirmed order, or one of their services a booking request (their own
/// topic, live).
#[component]
pub fn OrderToasts() -> impl IntoView {
    let auth = use_auth();
    let organizer = Memo::new(move |_| {
        auth.me
            .read()
            .as_ref()
            .filter(|m| matches!(m.role, Role::Organizer | Role::Admin))
            .map(|m| m.id)
    });
    move || organizer.get().map(|id| view! { <Listen user_id=id /> })
}

#[component]
fn Listen(user_id: i64) -> impl IntoView {
    let toasts = use_toasts();
    let feed = use_topic(format!("user:{user_id}"));
    Effect::new(move |_| {
        if let Some(Payload::Notice {
            notice:
                Notice::NewBooking {
                    service_title,
                    customer_name,
                    when_label,
                    ..
                },
        }) = feed.get()
        {
            toasts.push(
                ToastKind::Success,
                format!(
                    "New booking request: {service_title}, {when_label}, from {customer_name}."
                ),
            );
        }
    });
    Effect::new(move |_| {
        if let Some(Payload::Notice {
            notice:
                Notice::NewOrder {
                    event_name,
                    quantity,
                    ..
                },
        }) = feed.get()
        {
            let seats = if quantity == 1 {
                "1 seat".to_string()
            } else {
                format!("{quantity} seats")
            };
            toasts.push(
                ToastKind::Success,
                format!("New order: {seats} for {event_name}."),
            );
        }
    });
}
