use axum::Json;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, ObjectBuilder, Ref, Required, ResponseBuilder, Type};
use utoipa::{Modify, OpenApi};

use super::auth;

#[derive(OpenApi)]
#[openapi(
    info(title = "Marquee API", description = "Events, services and community. Authenticate with `Authorization: Bearer <access_token>`."),
    components(schemas(auth::ErrorBody, app::system::Health)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Accounts and sessions"),
        (name = "sessions", description = "Your own sessions and password: where you are signed in, signing a device out, changing the password (which signs out every other session)"),
        (name = "two-factor", description = "Two-factor sign-in with an authenticator app (TOTP). With it on, `POST /api/auth/login` answers 401 `second_factor_required` with a `ticket`, which `POST /api/auth/login/second-factor` trades with a code for the tokens. Admin powers need a session signed in this way."),
        (name = "users", description = "Profiles and search"),
        (name = "events", description = "Events and their ticket categories (seed 001)"),
        (name = "tickets", description = "Seat locks (holds) and check-in"),
        (name = "orders", description = "Orders: idempotent creation, confirmation, cancellation. For an event paid from the wallet (`paymentMethod: wallet`), creating an order reserves its total on your wallet and confirming pays it; for one paid at the door (`door`), creating an order confirms it at once and no money moves."),
        (name = "services", description = "Services (seed 000): what providers offer and their free slots"),
        (name = "bookings", description = "Bookings (seed 000): one booking per provider time range, the status flow, live location"),
        (name = "reviews", description = "Reviews (seed 000): only after a completed booking or an attended event, once"),
        (name = "chat", description = "Chat (seed 002, and seed 000's chat per booking): rooms, members, messages. Members only; live over /ws on room:{id}."),
        (name = "wallet", description = "Wallet (seed 003): balance, history, deposit, withdraw, transfer. Money-moving calls need an Idempotency-Key."),
        (name = "admin", description = "Admins only: freezing and releasing an event's payouts."),
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
            let mut doc = operations_document();
            complete(&mut doc);
            super::families::document(&mut doc);
            doc
        });
    Json(&DOCUMENT)
}

/// `/api`'s operations as their annotations describe them (the router is
/// made from the same list).
fn operations_document() -> utoipa::openapi::OpenApi {
    let (_, doc) = utoipa_axum::router::OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api", super::operations())
        .split_for_parts();
    doc
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

/// What every operation may answer besides what its annotation lists: a
/// secured one 401 (no token, or one that no longer works), one with a
/// path parameter 404 (an id that names nothing), one that reads a body or
/// a query 400 (a value that does not fit; `field` names it). Path
/// parameters the annotations leave out are declared too: ids are integers.
/// Only what an operation does not say already is added.
fn complete(doc: &mut utoipa::openapi::OpenApi) {
    one_of_required(doc);
    for (path, item) in doc.paths.paths.iter_mut() {
        let names: Vec<&str> = path
            .split('/')
            .filter_map(|part| part.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        for op in operations_mut(item) {
            let params = op.parameters.get_or_insert_with(Vec::new);
            for name in &names {
                let declared = params
                    .iter()
                    .any(|p| p.name == *name && p.parameter_in == ParameterIn::Path);
                if !declared {
                    params.push(path_parameter(name));
                }
            }
            // An idempotency key is 1 to 100 visible ASCII characters.
            // A chat message's key is its client id: letters, digits, - and _.
            let chat = op.operation_id.as_deref() == Some("send")
                && op.tags.iter().flatten().any(|tag| tag == "chat");
            for param in params.iter_mut() {
                if param.parameter_in == ParameterIn::Header && param.name == "Idempotency-Key" {
                    let pattern = if chat {
                        "^[A-Za-z0-9_-]{1,64}$"
                    } else {
                        "^[!-~]{1,100}$"
                    };
                    param.schema = Some(idempotency_key(pattern).into());
                }
            }
            let query = params.iter().any(|p| p.parameter_in == ParameterIn::Query);
            let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
            let reads_input = query || op.request_body.is_some();
            let responses = &mut op.responses.responses;
            for (code, description, applies) in [
                (
                    "401",
                    "Not signed in, or the token no longer works",
                    secured,
                ),
                (
                    "404",
                    "What the path names does not exist (or is not yours to see)",
                    !names.is_empty(),
                ),
                (
                    "400",
                    "A value that does not fit; `field` names it",
                    reads_input,
                ),
            ] {
                if applies && !responses.contains_key(code) {
                    responses.insert(code.to_string(), error_response(description).into());
                }
            }
        }
    }
}

/// Bodies that need one of two fields (either is optional alone): the
/// document says so with `anyOf` required lists, so a client (or a fuzzer)
/// knows a body with neither is refused.
/// An email address as Marquee takes it (ASCII here, so its length is its size).
const EMAIL: &str = "^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+$";
/// Text that is not blank.
const NOT_BLANK: &str = "[^\\s\\u0085]";

/// Bodies that need one of two fields (either is optional alone): the
/// document says so with `anyOf` required lists (`oneOf` where both at once
/// is refused too), so a client, or a fuzzer, knows what is refused.
/// Each field: its name, its type, and a pattern it must match.
type Field = (&'static str, Type, Option<&'static str>);
const ONE_OF_REQUIRED: &[(&str, [Field; 2], bool)] = &[
    (
        "LoginRequest",
        [
            ("username", Type::String, None),
            ("email", Type::String, None),
        ],
        false,
    ),
    (
        "RegisterRequest",
        [
            ("username", Type::String, Some(EMAIL)),
            ("email", Type::String, Some(EMAIL)),
        ],
        false,
    ),
    (
        "DepositBody",
        [
            ("amount", Type::Number, None),
            ("amountCents", Type::Integer, None),
        ],
        false,
    ),
    (
        "WithdrawBody",
        [
            ("amount", Type::Number, None),
            ("amountCents", Type::Integer, None),
        ],
        false,
    ),
    (
        "TransferBody",
        [
            ("amount", Type::Number, None),
            ("amountCents", Type::Integer, None),
        ],
        false,
    ),
    (
        "ServiceBody",
        [
            ("price", Type::Number, None),
            ("priceCents", Type::Integer, None),
        ],
        false,
    ),
    (
        "TierBody",
        [
            ("price", Type::Number, None),
            ("priceCents", Type::Integer, None),
        ],
        false,
    ),
    (
        "ReleaseBody",
        [
            ("lockId", Type::String, Some(NOT_BLANK)),
            ("categoryId", Type::Integer, None),
        ],
        false,
    ),
    (
        "CreateReview",
        [
            ("bookingId", Type::Integer, None),
            ("eventId", Type::Integer, None),
        ],
        true,
    ),
    (
        "CreateRoom",
        [
            ("name", Type::String, Some(NOT_BLANK)),
            ("directUserId", Type::Integer, None),
        ],
        false,
    ),
    (
        "UpdateBooking",
        [
            ("status", Type::String, None),
            ("startsAt", Type::String, None),
        ],
        true,
    ),
];

fn one_of_required(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::{AllOfBuilder, AnyOfBuilder, OneOfBuilder};
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    for (name, fields, exactly_one) in ONE_OF_REQUIRED {
        let Some(original) = components.schemas.remove(*name) else {
            tracing::error!(schema = name, "the API document has no such body");
            continue;
        };
        // Present, and not null: either field alone may be left out or null.
        let branches = fields.iter().map(|(field, kind, pattern)| {
            let value = ObjectBuilder::new()
                .schema_type(kind.clone())
                .pattern(pattern.map(str::to_string));
            ObjectBuilder::new()
                .required(*field)
                .property(*field, value)
        });
        let either = if *exactly_one {
            utoipa::openapi::Schema::OneOf(
                branches
                    .fold(OneOfBuilder::new(), OneOfBuilder::item)
                    .build(),
            )
        } else {
            utoipa::openapi::Schema::AnyOf(
                branches
                    .fold(AnyOfBuilder::new(), AnyOfBuilder::item)
                    .build(),
            )
        };
        let schema = AllOfBuilder::new().item(original).item(either).build();
        components.schemas.insert(
            (*name).to_string(),
            utoipa::openapi::Schema::AllOf(schema).into(),
        );
    }
}

fn idempotency_key(pattern: &str) -> utoipa::openapi::Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(100))
        .pattern(Some(pattern))
        .build()
}

fn path_parameter(name: &str) -> utoipa::openapi::path::Parameter {
    let id = name == "id" || name.ends_with("Id") || name.ends_with("_id");
    let schema = if id {
        ObjectBuilder::new().schema_type(Type::Integer).format(Some(
            utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Int64),
        ))
    } else {
        ObjectBuilder::new().schema_type(Type::String)
    };
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .schema(Some(schema))
        .build()
}

fn error_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
}

/// Every operation of a path.
pub(super) fn operations_mut(
    item: &mut PathItem,
) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
        &mut item.head,
        &mut item.options,
        &mut item.trace,
    ]
    .into_iter()
    .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_body_that_needs_one_of_two_fields_says_so() {
        let mut doc = operations_document();
        complete(&mut doc);
        let schemas = &doc.components.expect("components").schemas;
        for (name, fields, _) in ONE_OF_REQUIRED {
            let schema = serde_json::to_string(&schemas[*name]).expect("serializes");
            assert!(
                schema.contains("anyOf") || schema.contains("oneOf"),
                "{name}: {schema}"
            );
            for (field, _, _) in fields {
                assert!(
                    schema.contains(&format!("\"required\":[\"{field}\"]")),
                    "{name}: {schema}"
                );
            }
        }
    }
}
