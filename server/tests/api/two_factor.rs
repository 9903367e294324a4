//! Two-factor sign-in (the trust issue): admin powers wait for it, a right
//! password alone no longer signs in, a code works once, a ticket dies
//! after five wrong codes, recovery codes work once each; the hammers send
//! one code many times at once. On whichever database the run uses.

use futures::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, app_code, new_user, send_json, spawn_app, spawn_app_with, turn_on_two_factor,
};

const PASSWORD: &str = "correct horse battery";

async fn register(app: &TestApp) -> (String, String) {
    let email = format!("tf{:x}@example.com", rand::random::<u64>());
    let (status, body) = send_json(
        app,
        Method::POST,
        "/api/auth/register",
        None,
        Some(json!({ "username": email, "password": PASSWORD })),
    )
    .await;
    assert_eq!(status, 201);
    (email, body["access_token"].as_str().unwrap().to_string())
}

async fn login(app: &TestApp, email: &str) -> (u16, Value) {
    send_json(
        app,
        Method::POST,
        "/api/auth/login",
        None,
        Some(json!({ "username": email, "password": PASSWORD })),
    )
    .await
}

/// Signs in with the password: the ticket of the second step.
async fn ticket(app: &TestApp, email: &str) -> String {
    let (status, body) = login(app, email).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], "second_factor_required");
    assert!(body["access_token"].is_null(), "no tokens before the code");
    body["ticket"].as_str().expect("a ticket").to_string()
}

async fn second_step(app: &TestApp, ticket: &str, code: &str) -> (u16, Value) {
    send_json(
        app,
        Method::POST,
        "/api/auth/login/second-factor",
        None,
        Some(json!({ "ticket": ticket, "code": code })),
    )
    .await
}

/// A server whose sign-in limits stay out of the way of many guesses.
async fn unlimited() -> TestApp {
    spawn_app_with(|c| {
        c.auth_limits = app::rate_limit::AuthLimits {
            per_ip_per_minute: 10_000,
            per_account_per_minute: 10_000,
        }
    })
    .await
}

fn token(body: &Value) -> String {
    body["access_token"].as_str().expect("a token").to_string()
}

#[tokio::test]
async fn an_admin_acts_as_an_attendee_until_a_session_proves_the_second_factor() {
    let app = spawn_app().await;
    let (email, before) = register(&app).await;
    sqlx::query("UPDATE users SET role = 'admin' WHERE email = $1")
        .bind(&email)
        .execute(app.db.pool())
        .await
        .unwrap();
    let (status, signed_in) = login(&app, &email).await;
    assert_eq!(status, 200, "no two-factor yet: the password signs in");
    let password_only = token(&signed_in);
    assert_eq!(signed_in["user"]["role"], "attendee", "powers wait");
    for t in [&before, &password_only] {
        let (status, _) = app.get_json("/api/admin/users", t).await;
        assert_eq!(status, 403, "no admin tools without the second factor");
    }

    let (secret, _) = turn_on_two_factor(&app, &password_only).await;

    let (status, _) = app.get_json("/api/admin/users", &password_only).await;
    assert_eq!(status, 200, "the session that proved a code has them");
    let (status, _) = app.get_json("/api/admin/users", &before).await;
    assert_eq!(status, 403, "a session from before has not proved it");
    let ticket = ticket(&app, &email).await;
    let (status, body) = second_step(&app, &ticket, &app_code(&secret, 1)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["role"], "admin");
    let (status, _) = app.get_json("/api/admin/users", &token(&body)).await;
    assert_eq!(status, 200);
    app.stop().await;
}

#[tokio::test]
async fn a_code_signs_in_once_and_a_wrong_one_says_so() {
    let app = spawn_app().await;
    let (email, first) = register(&app).await;
    let (secret, _) = turn_on_two_factor(&app, &first).await;

    let ticket_one = ticket(&app, &email).await;
    let (status, error) = second_step(&app, &ticket_one, "000000").await;
    assert_eq!(status, 400);
    assert_eq!(error["field"], "code");
    // The code the set-up took is spent already.
    let (status, _) = second_step(&app, &ticket_one, &app_code(&secret, 0)).await;
    assert_eq!(status, 400, "a code works once");
    let code = app_code(&secret, 1);
    let (status, body) = second_step(&app, &ticket_one, &code).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = app.get_json("/api/auth/me", &token(&body)).await;
    assert_eq!(status, 200);

    let (status, _) = second_step(&app, &ticket_one, &code).await;
    assert_eq!(status, 401, "a ticket is spent by its sign-in");
    let ticket_two = ticket(&app, &email).await;
    let (status, _) = second_step(&app, &ticket_two, &code).await;
    assert_eq!(status, 400, "the same code on a new ticket: seen already");
    app.stop().await;
}

#[tokio::test]
async fn five_wrong_codes_end_a_ticket() {
    let app = unlimited().await;
    let (email, first) = register(&app).await;
    let (secret, _) = turn_on_two_factor(&app, &first).await;
    let ticket = ticket(&app, &email).await;
    for _ in 0..5 {
        let (status, _) = second_step(&app, &ticket, "123456").await;
        assert_eq!(status, 400);
    }
    let (status, _) = second_step(&app, &ticket, &app_code(&secret, 1)).await;
    assert_eq!(status, 401, "the right code comes too late");
    app.stop().await;
}

#[tokio::test]
async fn recovery_codes_sign_in_once_each_and_new_ones_replace_them() {
    let app = spawn_app().await;
    let (email, first) = register(&app).await;
    let (secret, codes) = turn_on_two_factor(&app, &first).await;
    assert_eq!(codes.len(), 10);

    let (status, body) =
        second_step(&app, &ticket(&app, &email).await, &codes[0].to_uppercase()).await;
    assert_eq!(status, 200, "typed in capitals: {body}");
    let (status, _) = second_step(&app, &ticket(&app, &email).await, &codes[0]).await;
    assert_eq!(status, 400, "used already");
    let (_, state) = app.get_json("/api/auth/two-factor", &first).await;
    assert_eq!(state, json!({ "enabled": true, "recoveryCodesLeft": 9 }));

    let (status, renewed) = send_json(
        &app,
        Method::POST,
        "/api/auth/two-factor/recovery-codes",
        Some(&first),
        Some(json!({ "code": app_code(&secret, 1) })),
    )
    .await;
    assert_eq!(status, 200, "{renewed}");
    let (status, _) = second_step(&app, &ticket(&app, &email).await, &codes[1]).await;
    assert_eq!(status, 400, "the old codes stopped working");
    let fresh = renewed["recoveryCodes"][0].as_str().unwrap();
    let (status, _) = second_step(&app, &ticket(&app, &email).await, fresh).await;
    assert_eq!(status, 200);
    app.stop().await;
}

#[tokio::test]
async fn turning_it_off_asks_for_the_password_and_a_code_and_closes_admin_tools() {
    let app = spawn_app().await;
    let (admin, _) = new_user(&app, "admin").await;
    let (status, _) = app.get_json("/api/admin/users", &admin).await;
    assert_eq!(status, 200);
    let (_, key) = app.get_json("/api/auth/two-factor", &admin).await;
    assert_eq!(key["enabled"], true);
    let off = |password: &str, code: &str| {
        send_json(
            &app,
            Method::POST,
            "/api/auth/two-factor/disable",
            Some(&admin),
            Some(json!({ "password": password, "code": code })),
        )
    };
    let (status, error) = off("not my password", "123456").await;
    assert_eq!((status, error["field"].as_str()), (400, Some("password")));
    let (status, error) = off(PASSWORD, "123456").await;
    assert_eq!((status, error["field"].as_str()), (400, Some("code")));

    // The helper's set-up used this step's code; a recovery code works too.
    let row: (String,) = sqlx::query_as("SELECT totp_secret FROM users WHERE role = 'admin'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let (status, _) = off(PASSWORD, &app_code(&row.0, 1)).await;
    assert_eq!(status, 204);
    let (status, _) = app.get_json("/api/admin/users", &admin).await;
    assert_eq!(status, 403, "admin tools close with it");
    let (_, key) = app.get_json("/api/auth/two-factor", &admin).await;
    assert_eq!(key, json!({ "enabled": false, "recoveryCodesLeft": 0 }));
    app.stop().await;
}

#[tokio::test]
async fn setting_up_needs_a_code_from_the_new_key_and_not_from_an_old_one() {
    let app = spawn_app().await;
    let (_, token) = register(&app).await;
    let enable_with = |password: &'static str, code: String| {
        send_json(
            &app,
            Method::POST,
            "/api/auth/two-factor/enable",
            Some(&token),
            Some(json!({ "code": code, "password": password })),
        )
    };
    let enable = |code: String| enable_with(PASSWORD, code);
    let (status, error) = enable("123456".into()).await;
    assert_eq!(
        (status, error["field"].as_str()),
        (400, Some("code")),
        "no set-up yet"
    );
    let (_, old) = send_json(
        &app,
        Method::POST,
        "/api/auth/two-factor/setup",
        Some(&token),
        None,
    )
    .await;
    let (_, new) = send_json(
        &app,
        Method::POST,
        "/api/auth/two-factor/setup",
        Some(&token),
        None,
    )
    .await;
    assert_ne!(old["secret"], new["secret"]);
    assert!(
        new["otpauthUrl"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/Marquee:")
    );
    let (status, _) = enable(app_code(old["secret"].as_str().unwrap(), 0)).await;
    assert_eq!(status, 400, "a set-up started again replaces the key");
    // Someone with the session but not the password cannot lock its owner
    // out with an app of theirs.
    let (status, error) = enable_with(
        "not the password",
        app_code(new["secret"].as_str().unwrap(), 0),
    )
    .await;
    assert_eq!((status, error["field"].as_str()), (400, Some("password")));
    let (status, _) = enable(app_code(new["secret"].as_str().unwrap(), 0)).await;
    assert_eq!(status, 200);
    let (status, _) = send_json(
        &app,
        Method::POST,
        "/api/auth/two-factor/setup",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 409, "on already");
    app.stop().await;
}

/// Hammer: one code sent on many tickets at once signs in exactly once.
#[tokio::test]
async fn one_code_on_many_tickets_at_once_signs_in_exactly_once() {
    let app = unlimited().await;
    let (email, first) = register(&app).await;
    let (secret, codes) = turn_on_two_factor(&app, &first).await;
    let mut tickets = Vec::new();
    for _ in 0..24 {
        tickets.push(ticket(&app, &email).await);
    }
    let code = app_code(&secret, 1);
    let answers = join_all(tickets.iter().map(|t| second_step(&app, t, &code))).await;
    let signed_in = answers.iter().filter(|(s, _)| *s == 200).count();
    assert_eq!(signed_in, 1, "{answers:?}");
    assert!(answers.iter().all(|(s, _)| *s == 200 || *s == 400));

    // And one recovery code, at once on fresh tickets: once.
    let mut tickets = Vec::new();
    for _ in 0..24 {
        tickets.push(ticket(&app, &email).await);
    }
    let answers = join_all(tickets.iter().map(|t| second_step(&app, t, &codes[3]))).await;
    assert_eq!(answers.iter().filter(|(s, _)| *s == 200).count(), 1);
    app.stop().await;
}

/// Hammer: one ticket with the right code many times at once: one session.
#[tokio::test]
async fn one_ticket_spent_many_times_at_once_starts_one_session() {
    let app = unlimited().await;
    let (email, first) = register(&app).await;
    let (_, codes) = turn_on_two_factor(&app, &first).await;
    let ticket = ticket(&app, &email).await;
    // Different recovery codes, so only the ticket can stop them.
    let answers = join_all(codes.iter().take(5).map(|c| second_step(&app, &ticket, c))).await;
    assert_eq!(
        answers.iter().filter(|(s, _)| *s == 200).count(),
        1,
        "{answers:?}"
    );
    let (sessions,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE u.email = $1 AND s.second_factor_at IS NOT NULL",
    )
    .bind(&email)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(sessions, 2, "the set-up's session and one sign-in");
    app.stop().await;
}
