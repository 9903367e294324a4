//! The auth JSON API (seed 001's shape), on whichever database the run uses.

use futures::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

fn email() -> String {
    format!("user{:x}@example.com", rand::random::<u64>())
}

async fn post(app: &TestApp, path: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn register(app: &TestApp, email: &str, role: Option<&str>) -> Value {
    let mut body = json!({ "username": email, "password": "correct horse battery" });
    if let Some(role) = role {
        body["role"] = json!(role);
    }
    let response = post(app, "/api/auth/register", body).await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

async fn me(app: &TestApp, token: &str) -> reqwest::Response {
    app.bearer(Method::GET, "/api/auth/me", token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn register_returns_tokens_and_the_user_and_me_answers_with_the_token() {
    let app = spawn_app().await;
    let email = email();

    let body = register(&app, &email.to_uppercase(), Some("organizer")).await;

    assert_eq!(body["user"]["username"], email);
    assert_eq!(body["user"]["role"], "organizer");
    assert_eq!(body["token_type"], "Bearer");
    let token = body["access_token"].as_str().unwrap();
    let response = me(&app, token).await;
    assert_eq!(response.status(), 200);
    let user: Value = response.json().await.unwrap();
    assert_eq!(user["username"], email);
    assert_eq!(user["id"], body["user"]["id"]);

    // seed 001's GET /api/user answers the same.
    let seed = app
        .client
        .get(app.url("/api/user"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(seed.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn assistant_is_accepted_as_an_attendee_and_admin_is_refused() {
    let app = spawn_app().await;
    let body = register(&app, &email(), Some("assistant")).await;
    assert_eq!(body["user"]["role"], "attendee");

    let response = post(
        &app,
        "/api/auth/register",
        json!({ "username": email(), "password": "correct horse", "role": "admin" }),
    )
    .await;
    assert_eq!(response.status(), 400);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["field"], "role");
    app.stop().await;
}

#[tokio::test]
async fn a_duplicate_email_is_a_409() {
    let app = spawn_app().await;
    let email = email();
    register(&app, &email, None).await;

    let response = post(
        &app,
        "/api/auth/register",
        json!({ "username": format!(" {email} "), "password": "another password" }),
    )
    .await;

    assert_eq!(response.status(), 409);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["statusCode"], 409);
    assert_eq!(error["error"], "Conflict");
    app.stop().await;
}

#[tokio::test]
async fn bad_input_is_a_400_naming_the_field() {
    let app = spawn_app().await;
    for (body, field) in [
        (
            json!({ "username": "not-an-email", "password": "long enough" }),
            "email",
        ),
        (
            json!({ "username": email(), "password": "short" }),
            "password",
        ),
        (json!({ "username": email() }), "password"),
    ] {
        let response = post(&app, "/api/auth/register", body.clone()).await;
        assert_eq!(response.status(), 400, "{body}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["field"], field, "{body} → {error}");
        assert_eq!(error["statusCode"], 400);
    }
    app.stop().await;
}

#[tokio::test]
async fn login_with_a_wrong_password_or_unknown_email_says_the_same() {
    let app = spawn_app().await;
    let email = email();
    register(&app, &email, None).await;

    let wrong = post(
        &app,
        "/api/auth/login",
        json!({ "username": email, "password": "wrong password" }),
    )
    .await;
    let unknown = post(
        &app,
        "/api/auth/login",
        json!({ "username": "nobody@example.com", "password": "wrong password" }),
    )
    .await;

    // As seed 001's passport answers: 401, and the same words either way.
    assert_eq!(wrong.status(), 401);
    assert_eq!(unknown.status(), 401);
    let (wrong, unknown): (Value, Value) =
        (wrong.json().await.unwrap(), unknown.json().await.unwrap());
    assert_eq!(wrong, unknown);
    assert_eq!(wrong["statusCode"], 401);
    assert_eq!(wrong["error"], "Unauthorized");

    let ok = post(
        &app,
        "/api/auth/login",
        json!({ "username": email, "password": "correct horse battery" }),
    )
    .await;
    assert_eq!(ok.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn me_without_a_token_or_with_a_bad_one_is_a_401_in_the_seed_shape() {
    let app = spawn_app().await;
    let body = register(&app, &email(), None).await;
    let token = body["access_token"].as_str().unwrap().to_string();

    let none = app
        .client
        .get(app.url("/api/auth/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 401);
    let error: Value = none.json().await.unwrap();
    assert_eq!(error["statusCode"], 401);
    assert_eq!(error["error"], "Unauthorized");

    // Tampered: one character of the payload changed.
    let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
    let flipped = if parts[1].ends_with('A') { 'B' } else { 'A' };
    parts[1].pop();
    parts[1].push(flipped);
    assert_eq!(me(&app, &parts.join(".")).await.status(), 401);

    // alg none with the same claims.
    let none_token = format!(
        "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.",
        token.split('.').nth(1).unwrap()
    );
    assert_eq!(me(&app, &none_token).await.status(), 401);

    // Expired: signed with the right key, an hour old.
    let claims_user = body["user"]["id"].as_i64().unwrap();
    let sid = verify_sid(&app, &token).await;
    let hour_ago = app::kernel::time::now_millis() - 3_600_000;
    let (expired, _) = app::accounts::tokens::issue_access(
        &app::config::JwtSecret::new(vec![7u8; 32]).unwrap(),
        claims_user,
        &sid,
        "attendee",
        hour_ago,
    )
    .unwrap();
    assert_eq!(me(&app, &expired).await.status(), 401);
    app.stop().await;
}

async fn verify_sid(app: &TestApp, token: &str) -> String {
    let response = post(app, "/api/auth/verify", json!({ "token": token })).await;
    assert_eq!(response.status(), 200);
    let claims: Value = response.json().await.unwrap();
    assert_eq!(claims["valid"], true);
    claims["sid"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn refresh_rotates_and_reusing_an_old_token_revokes_the_session() {
    let app = spawn_app().await;
    let body = register(&app, &email(), None).await;
    let first = body["refresh_token"].as_str().unwrap().to_string();

    let rotated = post(&app, "/api/auth/refresh", json!({ "refresh_token": first })).await;
    assert_eq!(rotated.status(), 200);
    let rotated: Value = rotated.json().await.unwrap();
    let second = rotated["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(first, second);
    let access = rotated["access_token"].as_str().unwrap().to_string();
    assert_eq!(me(&app, &access).await.status(), 200);

    // Push the first use out of the grace window, then present it again: theft.
    sqlx::query("UPDATE refresh_tokens SET used_at = used_at - 60000")
        .execute(app.db.pool())
        .await
        .unwrap();
    let reuse = post(&app, "/api/auth/refresh", json!({ "refresh_token": first })).await;
    assert_eq!(reuse.status(), 401);

    // The whole family is dead: the newest refresh token and the access token too.
    let after = post(
        &app,
        "/api/auth/refresh",
        json!({ "refresh_token": second }),
    )
    .await;
    assert_eq!(after.status(), 401);
    assert_eq!(me(&app, &access).await.status(), 401);
    app.stop().await;
}

#[tokio::test]
async fn concurrent_refreshes_with_one_token_rotate_it_exactly_once_and_keep_the_session() {
    let app = spawn_app().await;
    let body = register(&app, &email(), None).await;
    let token = body["refresh_token"].as_str().unwrap().to_string();

    let attempts =
        // 8 stays under the per-session refresh limit of 10 a minute.
        (0..8).map(|_| post(&app, "/api/auth/refresh", json!({ "refresh_token": token })));
    let responses = join_all(attempts).await;

    let mut successors = Vec::new();
    for response in responses {
        assert_eq!(response.status(), 200, "a race between tabs is not theft");
        let body: Value = response.json().await.unwrap();
        if let Some(next) = body["refresh_token"].as_str() {
            successors.push(next.to_string());
        }
    }
    assert_eq!(successors.len(), 1, "exactly one request rotated the token");
    let next = post(
        &app,
        "/api/auth/refresh",
        json!({ "refresh_token": successors[0] }),
    )
    .await;
    assert_eq!(next.status(), 200, "the session survived");
    app.stop().await;
}

#[tokio::test]
async fn concurrent_sign_ups_with_one_email_create_exactly_one_account() {
    let app = spawn_app().await;
    let email = email();

    // 8 stays under the per-account limit of 10 a minute.
    let attempts = (0..8).map(|i| {
        post(
            &app,
            "/api/auth/register",
            json!({ "username": email, "password": format!("password number {i}") }),
        )
    });
    let statuses: Vec<u16> = join_all(attempts)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();

    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        7,
        "{statuses:?}"
    );
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users WHERE email = $1")
        .bind(&email)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(count, 1);
    app.stop().await;
}

#[tokio::test]
async fn logout_refuses_the_old_access_token_at_once() {
    let app = spawn_app().await;
    let body = register(&app, &email(), None).await;
    let access = body["access_token"].as_str().unwrap();

    let response = app
        .bearer(Method::POST, "/api/auth/logout", access)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);

    assert_eq!(me(&app, access).await.status(), 401);
    let verify = post(&app, "/api/auth/verify", json!({ "token": access })).await;
    assert_eq!(verify.status(), 401);
    let refresh = post(
        &app,
        "/api/auth/refresh",
        json!({ "refresh_token": body["refresh_token"] }),
    )
    .await;
    assert_eq!(refresh.status(), 401);
    app.stop().await;
}

#[tokio::test]
async fn revoke_without_a_token_ends_every_session_of_the_caller() {
    let app = spawn_app().await;
    let email = email();
    let first = register(&app, &email, None).await;
    let second: Value = post(
        &app,
        "/api/auth/login",
        json!({ "username": email, "password": "correct horse battery" }),
    )
    .await
    .json()
    .await
    .unwrap();
    let a = first["access_token"].as_str().unwrap();
    let b = second["access_token"].as_str().unwrap();

    let response = app
        .bearer(Method::POST, "/api/auth/revoke", a)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);

    assert_eq!(me(&app, a).await.status(), 401);
    assert_eq!(me(&app, b).await.status(), 401);
    app.stop().await;
}

#[tokio::test]
async fn profile_update_and_search_work_with_a_bearer_token() {
    let app = spawn_app().await;
    let body = register(&app, &email(), None).await;
    let token = body["access_token"].as_str().unwrap();

    let updated = app
        .client
        .put(app.url("/api/users/me"))
        .bearer_auth(token)
        .json(&json!({ "displayName": "Ada Lovelace", "bio": "Analytical." }))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.status(), 200);
    let updated: Value = updated.json().await.unwrap();
    assert_eq!(updated["displayName"], "Ada Lovelace");

    for q in ["ada", "love", "LOVE"] {
        let (_, found) = app
            .get_json(&format!("/api/users/search?q={q}"), token)
            .await;
        assert_eq!(
            found["users"][0]["displayName"], "Ada Lovelace",
            "{q}: {found}"
        );
    }
    let (_, wildcard) = app.get_json("/api/users/search?q=%25%25", token).await;
    assert_eq!(
        wildcard["users"].as_array().unwrap().len(),
        0,
        "% is a character, not a wildcard"
    );

    let anonymous = app
        .client
        .get(app.url("/api/users/search?q=ada"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    app.stop().await;
}

#[tokio::test]
async fn search_pages_through_many_results() {
    let app = spawn_app().await;
    let mut token = String::new();
    for i in 0..23 {
        let body = register(
            &app,
            &format!("pager{i:02}-{:x}@example.com", rand::random::<u32>()),
            None,
        )
        .await;
        token = body["access_token"].as_str().unwrap().to_string();
    }
    // Nobody gave a name: all 23 are "New member".
    let (_, one) = app
        .get_json("/api/users/search?q=member&page=1", &token)
        .await;
    let (_, two) = app
        .get_json("/api/users/search?q=member&page=2", &token)
        .await;
    assert_eq!(one["users"].as_array().unwrap().len(), 20);
    assert_eq!(one["hasMore"], true);
    assert_eq!(two["users"].as_array().unwrap().len(), 3);
    assert_eq!(two["hasMore"], false);
    app.stop().await;
}

#[tokio::test]
async fn sign_in_attempts_over_the_limit_get_429_with_retry_after() {
    let app = spawn_app_with(|c| {
        c.auth_limits = app::rate_limit::AuthLimits {
            per_ip_per_minute: 100,
            per_account_per_minute: 3,
        }
    })
    .await;
    let body = json!({ "username": "target@example.com", "password": "guess guess" });
    for _ in 0..3 {
        assert_eq!(
            post(&app, "/api/auth/login", body.clone()).await.status(),
            401
        );
    }

    let limited = post(&app, "/api/auth/login", body).await;

    assert_eq!(limited.status(), 429);
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1);
    app.stop().await;
}

/// Behind a load balancer, guesses spread over instances count as one:
/// each instance alone has seen too few to refuse.
#[tokio::test]
async fn instances_on_one_database_share_the_sign_in_allowance() {
    let limits = |c: &mut app::config::Config| {
        c.auth_limits = app::rate_limit::AuthLimits {
            per_ip_per_minute: 100,
            per_account_per_minute: 4,
        }
    };
    let first = spawn_app_with(limits).await;
    let second = crate::helpers::spawn_instance_with(&first, limits).await;
    let body = json!({ "username": "target@example.com", "password": "guess guess" });
    for app in [&first, &second, &first, &second] {
        assert_eq!(
            post(app, "/api/auth/login", body.clone()).await.status(),
            401
        );
    }

    for app in [&first, &second] {
        let limited = post(app, "/api/auth/login", body.clone()).await;
        assert_eq!(limited.status(), 429, "the fifth guess, on either instance");
        assert!(limited.headers().contains_key("retry-after"));
    }
    // Another account is not punished for the first one's guesses.
    let other = json!({ "username": "someone@example.com", "password": "guess guess" });
    assert_eq!(post(&second, "/api/auth/login", other).await.status(), 401);
    second.stop().await;
    first.stop().await;
}

#[tokio::test]
async fn the_openapi_document_lists_the_auth_endpoints() {
    let app = spawn_app().await;
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    for path in [
        "/api/auth/register",
        "/api/auth/login",
        "/api/auth/refresh",
        "/api/auth/me",
        "/api/users/search",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is documented");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    app.stop().await;
}

#[tokio::test]
async fn unknown_api_paths_answer_404_in_json() {
    let app = spawn_app().await;
    let response = app.get("/api/nope").await;
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["statusCode"], 404);
    app.stop().await;
}

#[tokio::test]
async fn only_admins_may_list_every_account() {
    let app = spawn_app().await;
    let attendee = register(&app, &email(), None).await;
    let organizer = register(&app, &email(), Some("organizer")).await;
    let (admin, _) = crate::helpers::new_user(&app, "admin").await;
    let token = |who: &Value| who["access_token"].as_str().unwrap().to_string();

    assert_eq!(app.get("/api/admin/users").await.status(), 401);
    for who in [&attendee, &organizer] {
        let (status, error) = app.get_json("/api/admin/users", &token(who)).await;
        assert_eq!(status, 403);
        assert_eq!(error["statusCode"], 403);
        assert_eq!(error["error"], "Forbidden");
    }
    let (status, users) = app.get_json("/api/admin/users", &admin).await;
    assert_eq!(status, 200);
    assert_eq!(users.as_array().unwrap().len(), 3);
    let (_, me) = app.get_json("/api/auth/me", &admin).await;
    assert_eq!(me["role"], "admin");
    app.stop().await;
}

#[tokio::test]
async fn refreshing_one_session_too_often_is_limited() {
    let app = spawn_app_with(|c| {
        c.auth_limits = app::rate_limit::AuthLimits {
            per_ip_per_minute: 1000,
            per_account_per_minute: 3,
        }
    })
    .await;
    let body = register(&app, &email(), None).await;
    let mut token = body["refresh_token"].as_str().unwrap().to_string();
    for _ in 0..3 {
        let response = post(&app, "/api/auth/refresh", json!({ "refresh_token": token })).await;
        assert_eq!(response.status(), 200);
        let next: Value = response.json().await.unwrap();
        token = next["refresh_token"].as_str().unwrap().to_string();
    }

    let limited = post(&app, "/api/auth/refresh", json!({ "refresh_token": token })).await;

    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
    app.stop().await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_allowance() {
    let app = spawn_app_with(|c| {
        c.trust_proxy = true;
        c.auth_limits = app::rate_limit::AuthLimits {
            per_ip_per_minute: 2,
            per_account_per_minute: 100,
        };
    })
    .await;
    let login = |client_ip: &'static str| {
        app.client
            .post(app.url("/api/auth/login"))
            .header("x-forwarded-for", format!("10.9.8.7, {client_ip}"))
            .json(&json!({ "username": "someone@example.com", "password": "wrong password" }))
            .send()
    };

    for _ in 0..2 {
        assert_eq!(login("192.0.2.1").await.unwrap().status(), 401);
    }
    assert_eq!(login("192.0.2.1").await.unwrap().status(), 429);
    // Another client behind the same proxy is not punished for the first one.
    assert_eq!(login("192.0.2.2").await.unwrap().status(), 401);
    app.stop().await;
}
