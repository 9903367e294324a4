//! The seeds' own paths. Each family is mounted once over the same handlers
//! as `/api`, so a seed's client works once its base URL is set:
//!
//! | base URL | whose client | what it carries |
//! |---|---|---|
//! | `/api/v1` | seed 002's chat client | auth, users, rooms, members, messages |
//! | `/gateway` | seed 003's Flutter app | `/auth`, `/wallet`, `/streaming`; `/social` and `/commerce` answer 501 until those domains exist |
//! | `/realtime` | seed 000's realtime service | `/health`, `/chat/{bookingId}`; `/notifications` answers 501 until notifications exist |
//!
//! The API document lists every family path beside its `/api` original
//! ([`document`]), from the same tables, so the two cannot drift apart.

use axum::Router;
use axum::routing::{any, get};
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::{OpenApi, PathsBuilder};

use app::error::AppError;
use app::state::AppState;

use super::openapi::operations_mut;
use super::{auth, chat, users, wallet};

/// A family of the seeds' paths: where it is mounted, its tag in the
/// document, and which of `/api`'s parts (by their document tags) it carries.
struct Family {
    prefix: &'static str,
    tag: &'static str,
    description: &'static str,
    api_tags: &'static [&'static str],
    /// Single `/api` paths it carries besides whole parts: (its path, `/api`'s).
    paths: &'static [(&'static str, &'static str)],
}

const CHAT_CLIENT: Family = Family {
    prefix: "/api/v1",
    tag: "seed 002: /api/v1",
    description: "Seed 002's chat client: set its base URL to https://host/api/v1. The same operations as /api's auth, users and chat.",
    api_tags: &["auth", "users", "chat"],
    paths: &[],
};

const GATEWAY: Family = Family {
    prefix: "/gateway",
    tag: "seed 003: /gateway",
    description: "Seed 003's Flutter app: set ApiConfig.baseUrl to https://host/gateway. The same operations as /api's auth, wallet and streaming; /social and /commerce answer 501 until Marquee has them.",
    api_tags: &["auth", "wallet", "streaming"],
    paths: &[],
};

const REALTIME: Family = Family {
    prefix: "/realtime",
    tag: "seed 000: /realtime",
    description: "Seed 000's realtime service's HTTP side: health and a booking's chat history. Its events come over /ws.",
    api_tags: &[],
    paths: &[("/realtime/chat/{bookingId}", "/api/chat/{bookingId}")],
};

const FAMILIES: [&Family; 3] = [&CHAT_CLIENT, &GATEWAY, &REALTIME];

/// `/api`'s own second names: (the alias, the documented path it runs).
const ALIASES: &[(&str, &str)] = &[
    ("/api/user", "/api/auth/me"),
    ("/api/users/me", "/api/auth/me"),
];

/// Every family, mounted at the root beside `/api`.
pub fn router() -> Router<AppState> {
    let chat_client = Router::from(auth::router().merge(users::router()).merge(chat::router()));
    let gateway = Router::from(
        auth::router()
            .merge(wallet::router())
            .merge(super::streaming::router()),
    )
    .route("/health", get(crate::health::health))
    .route("/social", any(not_yet_social))
    .route("/social/{*path}", any(not_yet_social))
    .route("/commerce", any(not_yet_commerce))
    .route("/commerce/{*path}", any(not_yet_commerce));
    let realtime = Router::new()
        .route("/health", get(crate::health::health))
        .route("/chat/{booking_id}", get(chat::booking_chat))
        .route("/notifications", any(not_yet_notifications));
    Router::new()
        .nest(CHAT_CLIENT.prefix, chat_client.fallback(super::not_found))
        .nest(GATEWAY.prefix, gateway.fallback(super::not_found))
        .nest(REALTIME.prefix, realtime.fallback(super::not_found))
}

async fn not_yet_social() -> AppError {
    AppError::NotImplemented(
        "Marquee has no social feed yet: posts, feed, comments and likes are coming.".into(),
    )
}

async fn not_yet_commerce() -> AppError {
    AppError::NotImplemented(
        "Marquee has no shop yet: products, orders and payments are coming.".into(),
    )
}

async fn not_yet_notifications() -> AppError {
    AppError::NotImplemented("Marquee has no notifications yet: they are coming.".into())
}

/// Adds every family's paths and `/api`'s aliases to the document, copied
/// from the operations they run; each copy is tagged by its family and its
/// operation id made unique.
pub fn document(doc: &mut OpenApi) {
    // utoipa names an operation after its function, and several parts have
    // a `create`: each id gets its part's tag in front.
    for item in doc.paths.paths.values_mut() {
        for op in operations_mut(item) {
            let tag = op.tags.iter().flatten().next().cloned().unwrap_or_default();
            op.operation_id = op.operation_id.as_ref().map(|id| format!("{tag}_{id}"));
        }
    }
    for (alias, original) in ALIASES {
        if let Some(item) = doc.paths.paths.get(*original) {
            let mut item = relabel(item, "users", alias);
            // The alias adds its operations to whatever else that path has.
            if let Some(existing) = doc.paths.paths.get(*alias) {
                item.merge_operations(existing.clone());
            }
            doc.paths.paths.insert((*alias).to_string(), item);
        }
    }
    let originals = doc.paths.paths.clone();
    let mut added = PathsBuilder::new();
    for family in FAMILIES {
        for (path, item) in &originals {
            let Some(rest) = path.strip_prefix("/api") else {
                continue;
            };
            let mut copy = item.clone();
            if operations_mut(&mut copy).any(|op| tagged(op, family.api_tags)) {
                added = added.path(
                    format!("{}{rest}", family.prefix),
                    relabel(item, family.tag, family.prefix),
                );
            }
        }
        for (path, original) in family.paths {
            if let Some(item) = originals.get(*original) {
                added = added.path(*path, relabel(item, family.tag, family.prefix));
            }
        }
    }
    added = added
        .path(
            "/realtime/health",
            super::openapi::health_item("realtime_health", REALTIME.tag),
        )
        .path(
            "/gateway/health",
            super::openapi::health_item("gateway_health", GATEWAY.tag),
        )
        .path(
            "/realtime/notifications",
            super::openapi::not_implemented_item("realtime_notifications", REALTIME.tag, None),
        )
        .path(
            "/gateway/social/{path}",
            super::openapi::not_implemented_item("gateway_social", GATEWAY.tag, Some("path")),
        )
        .path(
            "/gateway/commerce/{path}",
            super::openapi::not_implemented_item("gateway_commerce", GATEWAY.tag, Some("path")),
        );
    doc.paths.paths.extend(added.build().paths);
    let tags = doc.tags.get_or_insert_with(Vec::new);
    for family in FAMILIES {
        tags.push(
            utoipa::openapi::tag::TagBuilder::new()
                .name(family.tag)
                .description(Some(family.description))
                .build(),
        );
    }
}

fn tagged(op: &Operation, tags: &[&str]) -> bool {
    op.tags
        .iter()
        .flatten()
        .any(|tag| tags.contains(&tag.as_str()))
}

/// A copy of a path's operations under another tag, with ids that stay unique.
fn relabel(item: &PathItem, tag: &str, prefix: &str) -> PathItem {
    let mut item = item.clone();
    let id_prefix: String = prefix
        .trim_matches('/')
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    for op in operations_mut(&mut item) {
        op.tags = Some(vec![tag.to_string()]);
        op.operation_id = op
            .operation_id
            .as_ref()
            .map(|id| format!("{id_prefix}_{id}"));
    }
    item
}
