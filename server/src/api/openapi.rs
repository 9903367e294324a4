use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{auth, bookings, chat, events, orders, reviews, services, streaming, users, wallet};

#[derive(OpenApi)]
#[openapi(
    info(title = "Marquee API", description = "Events, services and community. Authenticate with `Authorization: Bearer <access_token>`."),
    paths(
        auth::register, auth::login, auth::refresh, auth::verify, auth::logout, auth::revoke,
        users::me, users::update_me, users::search, users::profile, users::list_all,
        crate::avatars::upload,
        events::list_events, events::upcoming, events::by_category, events::get_event,
        events::event_tickets, events::create_event, events::update_event, events::delete_event,
        events::cancel_event, events::reserve, events::release, events::locks, events::check_in,
        orders::create, orders::create_with_lock, orders::confirm, orders::cancel, orders::mine,
        orders::all, orders::by_event, orders::get_one,
        wallet::balance, wallet::transactions, wallet::deposit, wallet::withdraw, wallet::transfer,
        services::list, services::get_one, services::create, services::update, services::delete,
        services::slots, services::my_availability, services::set_availability,
        bookings::list, bookings::get_one, bookings::create, bookings::update, bookings::cancel,
        bookings::location,
        reviews::list, reviews::create, reviews::reply, reviews::hide,
        chat::list_rooms, chat::create_room, chat::update_room, chat::delete_room, chat::join,
        chat::leave, chat::members, chat::add_member, chat::set_role, chat::remove_member,
        chat::mark_read, chat::history, chat::changes, chat::send, chat::edit, chat::delete,
        chat::booking_chat, chat::set_status,
        streaming::start, streaming::end, streaming::live, streaming::get_one, streaming::join,
        streaming::leave,
    ),
    components(schemas(auth::ErrorBody)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Accounts and sessions"),
        (name = "users", description = "Profiles and search"),
        (name = "events", description = "Events and their ticket categories (seed 001)"),
        (name = "tickets", description = "Seat locks (holds) and check-in"),
        (name = "orders", description = "Orders: idempotent creation, confirmation, cancellation. Creating an order reserves its total on your wallet; confirming pays it."),
        (name = "services", description = "Services (seed 000): what providers offer and their free slots"),
        (name = "bookings", description = "Bookings (seed 000): one booking per provider time range, the status flow, live location"),
        (name = "reviews", description = "Reviews (seed 000): only after a completed booking or an attended event, once"),
        (name = "chat", description = "Chat (seed 002, and seed 000's chat per booking): rooms, members, messages. Members only; live over /ws on room:{id}."),
        (name = "wallet", description = "Wallet (seed 003): balance, history, deposit, withdraw, transfer. Money-moving calls need an Idempotency-Key."),
        (name = "streaming", description = "Live streams (seed 003): go live, end, what's live, join and leave as a viewer. Live over /ws on stream:{id}; the video goes browser to browser."),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
