//! Seed 002's chat client: base URL `/api/v1`, every endpoint its README lists.

use reqwest::Method;
use serde_json::json;

use server::api::auth::{ErrorBody, TokenResponse};
use server::api::chat::{ApiMember, ApiMessage, ApiMessagePage, ApiRoom, ApiRooms};
use server::api::users::{ApiUser, SearchResponse};

use super::{Client, PASSWORD};
use crate::helpers::spawn_app;

#[tokio::test]
async fn every_call_of_seed_002s_readme_answers_under_api_v1() {
    let app = spawn_app().await;
    let v1 = Client::new(&app, "/api/v1");
    // Signs up as seed 002's client does: email, username (the name shown), password.
    let (ann, ann_email) = v1.sign_up(json!({ "username": "Ann Chat" }), "email").await;
    let (bob, _) = v1.sign_up(json!({ "username": "Bob Chat" }), "email").await;
    let (ann, bob) = (Some(ann.as_str()), Some(bob.as_str()));

    // Authentication: login by email; a wrong password is a 401.
    let login = json!({ "email": ann_email, "password": PASSWORD });
    let tokens: TokenResponse = v1.post("/auth/login", None, login, 200).await;
    assert_eq!(tokens.token_type, "Bearer");
    let wrong = json!({ "email": ann_email, "password": "not it at all" });
    let refused: ErrorBody = v1.post("/auth/login", None, wrong, 401).await;
    assert_eq!(refused.status_code, 401);

    // Users: me, update me, search.
    let me: ApiUser = v1.get("/users/me", ann, 200).await;
    assert_eq!(
        (me.username.as_str(), me.display_name.as_str()),
        (ann_email.as_str(), "Ann Chat")
    );
    let renamed: ApiUser = v1
        .put(
            "/users/me",
            ann,
            json!({ "displayName": "Ann Renamed" }),
            200,
        )
        .await;
    assert_eq!(renamed.display_name, "Ann Renamed");
    let found: SearchResponse = v1.get("/users/search?q=Bob", ann, 200).await;
    assert!(found.users.iter().any(|u| u.display_name == "Bob Chat"));

    // Rooms: create, list, join, members.
    let room: ApiRoom = v1
        .post(
            "/rooms",
            ann,
            json!({ "name": "General", "visibility": "public" }),
            201,
        )
        .await;
    let rooms: ApiRooms = v1.get("/rooms", ann, 200).await;
    assert!(rooms.rooms.iter().any(|r| r.id == room.id));
    let join = format!("/rooms/{}/join", room.id);
    let joined: ApiRoom = v1.call(Method::POST, &join, bob, None, 200).await;
    assert_eq!(joined.role.as_deref(), Some("member"));
    let members: Vec<ApiMember> = v1
        .get(&format!("/rooms/{}/members", room.id), ann, 200)
        .await;
    assert_eq!(members.len(), 2);

    // Messages: send, history by room, edit (its sender only), delete.
    let sent: ApiMessage = v1
        .post(
            "/messages",
            bob,
            json!({ "roomId": room.id, "content": "hello" }),
            201,
        )
        .await;
    let page: ApiMessagePage = v1.get(&format!("/messages/{}", room.id), ann, 200).await;
    assert_eq!(page.messages[0].content, "hello");
    let message = format!("/messages/{}", sent.id);
    let edited: ApiMessage = v1
        .put(&message, bob, json!({ "content": "hello, all" }), 200)
        .await;
    assert_eq!(edited.content, "hello, all");
    let _: ErrorBody = v1
        .put(&message, ann, json!({ "content": "not mine" }), 403)
        .await;
    let deleted: ApiMessage = v1.call(Method::DELETE, &message, bob, None, 200).await;
    assert!(deleted.deleted);

    // Without a token: 401 in the usual error shape; an unknown path: a JSON 404.
    let unsigned: ErrorBody = v1.get("/rooms", None, 401).await;
    assert_eq!(unsigned.error, "Unauthorized");
    let missing: ErrorBody = v1.get("/nothing-here", ann, 404).await;
    assert_eq!(missing.status_code, 404);
    app.stop().await;
}
