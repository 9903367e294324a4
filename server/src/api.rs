//! The JSON API under /api, for integrators (seed 001's shape): Bearer
//! tokens, `{statusCode, message, error}` errors, documented at
//! /api/openapi.json.

pub(crate) mod auth;
pub(crate) mod bookings;
mod chat;
pub(crate) mod events;
mod extract;
mod openapi;
pub(crate) mod orders;
pub(crate) mod reviews;
pub(crate) mod services;
mod streaming;
pub(crate) mod users;
pub(crate) mod wallet;

use axum::Router;
use axum::routing::{get, post, put};

use app::state::AppState;

pub use extract::{ApiJson, ClientIp, CurrentUser, IdempotencyKey};

/// Mounted at /api.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/register", post(auth::register))
        .route("/auth/login", post(auth::login))
        .route("/auth/refresh", post(auth::refresh))
        .route("/auth/verify", post(auth::verify))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/revoke", post(auth::revoke))
        .route("/auth/me", get(users::me))
        .route("/user", get(users::me))
        .route("/users/me", put(users::update_me))
        .route("/users/me/avatar", post(crate::avatars::upload))
        .route("/users/search", get(users::search))
        .route("/users/{id}", get(users::profile))
        .route("/admin/users", get(users::list_all))
        .route(
            "/events",
            get(events::list_events).post(events::create_event),
        )
        .route("/events/upcoming", get(events::upcoming))
        .route("/events/category/{category}", get(events::by_category))
        .route("/events/tickets/reserve", post(events::reserve))
        .route("/events/tickets/release", post(events::release))
        .route("/events/tickets/locks", get(events::locks))
        .route(
            "/events/{id}",
            get(events::get_event)
                .put(events::update_event)
                .delete(events::delete_event),
        )
        .route("/events/{id}/tickets", get(events::event_tickets))
        .route("/events/{id}/cancel", post(events::cancel_event))
        .route("/events/{id}/check-in", post(events::check_in))
        .route("/orders", get(orders::mine).post(orders::create))
        .route("/orders/with-lock", post(orders::create_with_lock))
        .route("/orders/all", get(orders::all))
        .route("/orders/event/{event_id}", get(orders::by_event))
        .route("/orders/{id}", get(orders::get_one))
        .route("/orders/{id}/confirm", post(orders::confirm))
        .route("/orders/{id}/cancel", post(orders::cancel))
        .route("/wallet/balance", get(wallet::balance))
        .route("/wallet/transactions", get(wallet::transactions))
        .route("/wallet/deposit", post(wallet::deposit))
        .route("/wallet/withdraw", post(wallet::withdraw))
        .route("/wallet/transfer", post(wallet::transfer))
        .route("/services", get(services::list).post(services::create))
        .route(
            "/services/{id}",
            get(services::get_one)
                .put(services::update)
                .delete(services::delete),
        )
        .route("/services/{id}/slots", get(services::slots))
        .route(
            "/availability",
            get(services::my_availability).put(services::set_availability),
        )
        .route("/bookings", get(bookings::list).post(bookings::create))
        .route(
            "/bookings/{id}",
            get(bookings::get_one)
                .put(bookings::update)
                .delete(bookings::cancel),
        )
        .route("/bookings/{id}/location", put(bookings::location))
        .route("/reviews", get(reviews::list).post(reviews::create))
        .route("/reviews/{id}/reply", post(reviews::reply))
        .route("/reviews/{id}/hidden", put(reviews::hide))
        .route("/rooms", get(chat::list_rooms).post(chat::create_room))
        .route(
            "/rooms/{id}",
            put(chat::update_room).delete(chat::delete_room),
        )
        .route("/rooms/{id}/join", post(chat::join))
        .route("/rooms/{id}/leave", post(chat::leave))
        .route("/rooms/{id}/read", post(chat::mark_read))
        .route(
            "/rooms/{id}/members",
            get(chat::members).post(chat::add_member),
        )
        .route(
            "/rooms/{id}/members/{user_id}",
            put(chat::set_role).delete(chat::remove_member),
        )
        .route("/messages", post(chat::send))
        // GET takes a room's id (its history); PUT and DELETE a message's.
        .route(
            "/messages/{id}",
            get(chat::history).put(chat::edit).delete(chat::delete),
        )
        .route("/messages/{id}/changes", get(chat::changes))
        .route("/chat/{booking_id}", get(chat::booking_chat))
        .route("/users/me/status", put(chat::set_status))
        .route("/streaming/start", post(streaming::start))
        .route("/streaming/end", post(streaming::end))
        .route("/streaming/live", get(streaming::live))
        .route("/streaming/join", post(streaming::join))
        .route("/streaming/leave", post(streaming::leave))
        .route("/streaming/{id}", get(streaming::get_one))
        .route("/openapi.json", get(openapi::document))
        .fallback(not_found)
}

/// Unknown API paths answer in JSON, not with the HTML 404 page.
async fn not_found() -> app::error::AppError {
    app::error::AppError::NotFound("This API endpoint".into())
}
