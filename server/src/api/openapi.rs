use axum::Json;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, ObjectBuilder, Ref, Required, ResponseBuilder, Type};
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
    components(schemas(auth::ErrorBody, app::system::Health)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Accounts and sessions"),
        (name = "users", description = "Profiles and search"),
        (name = "events", description = "Events and their ticket categories (seed 001)"),
        (name = "tickets", description = "Seat locks (holds) and check-in"),
        (name = "orders", description = "Orders: idempotent creation, confirmation, cancellation. For an event paid from the wallet (`paymentMethod: wallet`), creating an order reserves its total on your wallet and confirming pays it; for one paid at the door (`door`), creating an order confirms it at once and no money moves."),
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

/// The whole document: `/api`, its aliases and the seeds' families. Built
/// once, served as it was built.
pub async fn document() -> Json<&'static utoipa::openapi::OpenApi> {
    static DOCUMENT: std::sync::LazyLock<utoipa::openapi::OpenApi> =
        std::sync::LazyLock::new(|| {
            let mut doc = ApiDoc::openapi();
            super::families::document(&mut doc);
            doc
        });
    Json(&DOCUMENT)
}

/// A health check's path: 200 when the database answers, 503 when not.
pub fn health_item(id: &str, tag: &str) -> PathItem {
    let health = |description: &str| {
        ResponseBuilder::new().description(description).content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Health")))
                .build(),
        )
    };
    PathItem::new(
        HttpMethod::Get,
        OperationBuilder::new()
            .operation_id(Some(id))
            .tag(tag)
            .summary(Some("Whether Marquee and its database answer"))
            .response("200", health("Up"))
            .response("503", health("The database does not answer")),
    )
}

/// A seed path Marquee does not serve yet: 501 with the usual error body.
/// `wildcard` names the path parameter that stands for the rest of the path.
pub fn not_implemented_item(id: &str, tag: &str, wildcard: Option<&str>) -> PathItem {
    let operation = |method: &str| {
        let mut op = OperationBuilder::new()
            .operation_id(Some(format!("{id}_{method}")))
            .tag(tag)
            .summary(Some("Not in Marquee yet"))
            .response(
                "501",
                ResponseBuilder::new()
                    .description("What is missing")
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ErrorBody")))
                            .build(),
                    ),
            );
        if let Some(name) = wildcard {
            op = op.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True)
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
            );
        }
        op.build()
    };
    let mut item = PathItem::default();
    item.get = Some(operation("get"));
    item.post = Some(operation("post"));
    item
}
