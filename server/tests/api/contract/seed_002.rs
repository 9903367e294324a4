//! Seed 002's chat client: base URL `/api/v1`, every endpoint its README lists.

use reqwest::Method;
use serde_json::{Value, json};

use server::api::auth::{ErrorBody, TokenResponse};
use server::api::chat::{ApiMember, ApiMessage, ApiMessagePage, ApiRoom, ApiRooms};
use server::api::users::{ApiUser, SearchResponse};

use crate::helpers::{TestApp, send_json, spawn_app, unique_email};

async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    send_json(app, method, &format!("/api/v1{path}"), token, body).await
}

fn read<T: serde::de::DeserializeOwned>((status, body): (u16, Value), expected: u16) -> T {
    assert_eq!(status, expected, "{body}");
    serde_json::from_value(body.clone())
        .unwrap_or_else(|e| panic!("not the documented shape: {e}: {body}"))
}

/// Signs up as seed 002's client does (email, username, password).
async fn register(app: &TestApp, name: &str) -> (String, String) {
    let email = unique_email();
    let body = json!({ "email": email, "username": name, "password": "correct horse battery" });
    let tokens: TokenResponse = read(
        call(app, Method::POST, "/auth/register", None, Some(body)).await,
        201,
    );
    assert_eq!(tokens.user.username, email);
    assert_eq!(tokens.user.display_name, name);
    (tokens.access_token, email)
}

#[tokio::test]
async fn every_call_of_seed_002s_readme_answers_under_api_v1() {
    let app = spawn_app().await;
    let (ann, ann_email) = register(&app, "Ann Chat").await;
    let (bob, _) = register(&app, "Bob Chat").await;

    // Authentication: login by email, a wrong password is a 401.
    let login = json!({ "email": ann_email, "password": "correct horse battery" });
    let tokens: TokenResponse = read(
        call(&app, Method::POST, "/auth/login", None, Some(login)).await,
        200,
    );
    assert_eq!(tokens.token_type, "Bearer");
    let wrong = json!({ "email": ann_email, "password": "not it at all" });
    let refused: ErrorBody = read(
        call(&app, Method::POST, "/auth/login", None, Some(wrong)).await,
        401,
    );
    assert_eq!(refused.status_code, 401);

    // Users: me, update me, search.
    let me: ApiUser = read(
        call(&app, Method::GET, "/users/me", Some(&ann), None).await,
        200,
    );
    assert_eq!(me.username, ann_email);
    let renamed: ApiUser = read(
        call(
            &app,
            Method::PUT,
            "/users/me",
            Some(&ann),
            Some(json!({ "displayName": "Ann Renamed" })),
        )
        .await,
        200,
    );
    assert_eq!(renamed.display_name, "Ann Renamed");
    let found: SearchResponse = read(
        call(&app, Method::GET, "/users/search?q=Bob", Some(&ann), None).await,
        200,
    );
    assert!(found.users.iter().any(|u| u.display_name == "Bob Chat"));

    // Rooms: create, list, join, members.
    let room: ApiRoom = read(
        call(
            &app,
            Method::POST,
            "/rooms",
            Some(&ann),
            Some(json!({ "name": "General", "visibility": "public" })),
        )
        .await,
        201,
    );
    let rooms: ApiRooms = read(
        call(&app, Method::GET, "/rooms", Some(&ann), None).await,
        200,
    );
    assert!(rooms.rooms.iter().any(|r| r.id == room.id));
    let joined: ApiRoom = read(
        call(
            &app,
            Method::POST,
            &format!("/rooms/{}/join", room.id),
            Some(&bob),
            None,
        )
        .await,
        200,
    );
    assert_eq!(joined.role.as_deref(), Some("member"));
    let members: Vec<ApiMember> = read(
        call(
            &app,
            Method::GET,
            &format!("/rooms/{}/members", room.id),
            Some(&ann),
            None,
        )
        .await,
        200,
    );
    assert_eq!(members.len(), 2);

    // Messages: send, history by room, edit, delete.
    let sent: ApiMessage = read(
        call(
            &app,
            Method::POST,
            "/messages",
            Some(&bob),
            Some(json!({ "roomId": room.id, "content": "hello" })),
        )
        .await,
        201,
    );
    let page: ApiMessagePage = read(
        call(
            &app,
            Method::GET,
            &format!("/messages/{}", room.id),
            Some(&ann),
            None,
        )
        .await,
        200,
    );
    assert_eq!(page.messages[0].content, "hello");
    let edited: ApiMessage = read(
        call(
            &app,
            Method::PUT,
            &format!("/messages/{}", sent.id),
            Some(&bob),
            Some(json!({ "content": "hello, all" })),
        )
        .await,
        200,
    );
    assert_eq!(edited.content, "hello, all");
    // Only its sender edits a message.
    let (status, _) = call(
        &app,
        Method::PUT,
        &format!("/messages/{}", sent.id),
        Some(&ann),
        Some(json!({ "content": "not mine" })),
    )
    .await;
    assert_eq!(status, 403);
    let deleted: ApiMessage = read(
        call(
            &app,
            Method::DELETE,
            &format!("/messages/{}", sent.id),
            Some(&bob),
            None,
        )
        .await,
        200,
    );
    assert!(deleted.deleted);

    // Without a token: 401 in the usual error shape; an unknown path: a JSON 404.
    let unsigned: ErrorBody = read(call(&app, Method::GET, "/rooms", None, None).await, 401);
    assert_eq!(unsigned.error, "Unauthorized");
    let missing: ErrorBody = read(
        call(&app, Method::GET, "/nothing-here", Some(&ann), None).await,
        404,
    );
    assert_eq!(missing.status_code, 404);
    app.stop().await;
}
