//! The trust findings, tried as an attacker would: an organizer bending the
//! money rules after a sale, sockets that outlive their session, a sign-in
//! link that sends people off-site. Each test failed before its fix.

use std::time::{Duration, Instant};

use futures::StreamExt;
use reqwest::Method;
use reqwest::header::LOCATION;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use app::live::protocol::{ErrorCode, ServerMessage};
use server::api::orders::ApiOrder;

use crate::client::{Person, Role, card};
use crate::helpers::{TestApp, new_user, spawn_app, spawn_instance_of};
use crate::live::{Ws, connect, next, send, subscribe};

/// A person who bought two $20 seats of a new event; the organizer, the
/// buyer, the event and its tier.
async fn sold_event(app: &TestApp) -> (Person, Person, i64, i64) {
    let organizer = app.person(Role::Organizer).await;
    let event = app.event(&organizer, &[("General", 20.0, 10)]).await;
    let tier = event.ticket_categories[0].id;
    let buyer = app.person(Role::Attendee).await;
    app.deposit(&buyer, "top-up", card(10_000)).await.ok();
    let order = app.order(&buyer, tier, 2).await.expect(201);
    app.act_on_order(&buyer, order.id, "confirm")
        .await
        .expect(200);
    (organizer, buyer, event.id_event, tier)
}

/// Every test account's password (see `helpers::new_user`).
const PASSWORD: &str = "correct horse battery";

fn iso_in_days(days: i64) -> String {
    app::kernel::time::iso(app::kernel::time::now_millis() + days * 86_400_000)
}

#[tokio::test]
async fn once_tickets_are_sold_an_event_may_move_later_but_never_earlier() {
    let app = spawn_app().await;
    let (organizer, _, event, _) = sold_event(&app).await;
    let path = format!("/api/events/{event}");
    // Into the past (the sweeper would complete the orders and pay out).
    for date in [iso_in_days(-1), iso_in_days(29)] {
        let refused = app
            .call::<ApiOrder>(
                Method::PUT,
                &path,
                Some(&organizer),
                None,
                Some(json!({ "eventDate": date })),
            )
            .await
            .refused(400);
        assert_eq!(refused.field.as_deref(), Some("eventDate"), "{date}");
        assert!(
            refused.message.contains("can't move earlier"),
            "{refused:?}"
        );
    }
    // Later is fine.
    let moved = app
        .call::<serde_json::Value>(
            Method::PUT,
            &path,
            Some(&organizer),
            None,
            Some(json!({ "eventDate": iso_in_days(40) })),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    // An event with nothing sold may still move earlier.
    let other = app.event(&organizer, &[("General", 20.0, 10)]).await;
    let free = app
        .call::<serde_json::Value>(
            Method::PUT,
            &format!("/api/events/{}", other.id_event),
            Some(&organizer),
            None,
            Some(json!({ "eventDate": iso_in_days(2) })),
        )
        .await;
    assert_eq!(free.status, 200, "{}", free.body);
    app.stop().await;
}

#[tokio::test]
async fn the_cancellation_fee_is_the_one_agreed_when_ordering() {
    let app = spawn_app().await;
    let (organizer, buyer, event, tier) = sold_event(&app).await;
    // A second order, not yet confirmed, must keep its terms too.
    let _ = tier;
    // The organizer raises the fee to 100% after the sale.
    let raised = app
        .call::<serde_json::Value>(
            Method::PUT,
            &format!("/api/events/{event}"),
            Some(&organizer),
            None,
            Some(json!({ "cancellationFeePct": 100 })),
        )
        .await;
    assert_eq!(raised.status, 200, "{}", raised.body);
    // The buyer cancels: the fee of the order (0%), so all of it comes back.
    let orders: Vec<ApiOrder> = app
        .call(Method::GET, "/api/orders", Some(&buyer), None, None)
        .await
        .ok();
    let cancelled = app
        .act_on_order(&buyer, orders[0].id, "cancel")
        .await
        .expect(200);
    assert_eq!(cancelled.status, "cancelled");
    assert_eq!(app.balance(&buyer).await.balance_cents, 10_000);
    app.stop().await;
}

#[tokio::test]
async fn a_price_change_between_hold_and_order_asks_the_buyer_again() {
    let app = spawn_app().await;
    let organizer = app.person(Role::Organizer).await;
    let event = app.event(&organizer, &[("General", 20.0, 10)]).await;
    let tier = event.ticket_categories[0].id;
    let buyer = app.person(Role::Attendee).await;
    app.deposit(&buyer, "top-up", card(10_000)).await.ok();
    let reserved = app
        .call::<serde_json::Value>(
            Method::POST,
            "/api/events/tickets/reserve",
            Some(&buyer),
            None,
            Some(json!({ "categoryId": tier, "quantity": 2 })),
        )
        .await;
    assert_eq!(reserved.status, 201, "{}", reserved.body);
    let lock = reserved.body["lockId"]
        .as_str()
        .expect("a lock")
        .to_string();
    // The organizer doubles the price while the seats are held.
    let doubled = json!({ "ticketCategories": [{ "id": tier, "categoryName": "General", "price": 40.0, "totalSeats": 10 }] });
    let path = format!("/api/events/{}", event.id_event);
    let changed = app
        .call::<serde_json::Value>(Method::PUT, &path, Some(&organizer), None, Some(doubled))
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    // Ordering with the lock: asked again, nothing reserved.
    let body =
        json!({ "eventId": event.id_event, "categoryId": tier, "quantity": 2, "lockId": lock });
    let asked = app
        .call::<ApiOrder>(
            Method::POST,
            "/api/orders/with-lock",
            Some(&buyer),
            None,
            Some(body.clone()),
        )
        .await
        .refused(409);
    assert!(
        asked.message.contains("changed from $20 to $40"),
        "{asked:?}"
    );
    assert_eq!(app.balance(&buyer).await.pending_cents, 0);
    // Ordering again accepts the new price.
    let order = app
        .call::<ApiOrder>(
            Method::POST,
            "/api/orders/with-lock",
            Some(&buyer),
            None,
            Some(body),
        )
        .await
        .expect(201);
    assert_eq!((order.unit_price, order.total_price), (40.0, 80.0));
    app.stop().await;
}

#[tokio::test]
async fn an_admin_freezes_an_events_payouts_and_nobody_else_may() {
    let app = spawn_app().await;
    let (organizer, buyer, event, _) = sold_event(&app).await;
    let (token, id) = new_user(&app, "admin").await;
    let admin = Person {
        token,
        id,
        email: String::new(),
    };
    let freeze = format!("/api/admin/events/{event}/payouts/freeze");
    for who in [&organizer, &buyer] {
        let answer = app
            .call::<serde_json::Value>(Method::POST, &freeze, Some(who), None, None)
            .await;
        assert_eq!(answer.status, 403, "{}", answer.body);
    }
    let frozen = app
        .call::<serde_json::Value>(Method::POST, &freeze, Some(&admin), None, None)
        .await;
    assert_eq!(frozen.status, 200, "{}", frozen.body);
    assert_eq!(frozen.body["frozen"], true);
    let release = format!("/api/admin/events/{event}/payouts/release");
    let released = app
        .call::<serde_json::Value>(Method::POST, &release, Some(&admin), None, None)
        .await;
    assert_eq!(
        (
            released.body["frozen"].clone(),
            released.body["frozenAt"].clone()
        ),
        (json!(false), serde_json::Value::Null)
    );
    let missing = app
        .call::<serde_json::Value>(
            Method::POST,
            "/api/admin/events/999999/payouts/freeze",
            Some(&admin),
            None,
            None,
        )
        .await;
    assert_eq!(missing.status, 404);
    app.stop().await;
}

/// Waits for the server to close `ws` for an ended session; returns how
/// long that took.
async fn closed_for_session(ws: &mut Ws) -> Duration {
    let started = Instant::now();
    match next(ws).await {
        ServerMessage::Error { code, .. } => assert_eq!(code, ErrorCode::SessionEnded),
        other => panic!("expected the session's end, got {other:?}"),
    }
    // Then the socket closes: nothing more is delivered.
    loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.next()).await {
            Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) => break,
            Ok(Some(Ok(Message::Text(text)))) => panic!("delivered after the end: {text}"),
            Ok(Some(Ok(_))) => {}
            Err(_) => panic!("the socket stayed open"),
        }
    }
    started.elapsed()
}

#[tokio::test]
async fn signing_out_closes_that_sessions_sockets_and_only_them() {
    let app = spawn_app().await;
    let ann = app.person(Role::Attendee).await;
    // A second session of Ann's (another device).
    let login = json!({ "username": ann.email, "password": PASSWORD });
    let other: serde_json::Value = app
        .call(Method::POST, "/api/auth/login", None, None, Some(login))
        .await
        .ok();
    let other_token = other["access_token"].as_str().expect("a token").to_string();
    let mut this_device = connect(&app, Some(&ann.token)).await;
    let mut other_device = connect(&app, Some(&other_token)).await;
    for ws in [&mut this_device, &mut other_device] {
        send(ws, subscribe(format!("user:{}", ann.id), None)).await;
    }
    let signed_out = app
        .call::<serde_json::Value>(Method::POST, "/api/auth/logout", Some(&ann), None, None)
        .await;
    assert_eq!(signed_out.status, 204);
    let took = closed_for_session(&mut this_device).await;
    assert!(took < Duration::from_secs(1), "{took:?}");
    // The other device stays connected, and still hears Ann's news.
    send(
        &mut other_device,
        app::live::protocol::ClientMessage::Ping { nonce: 7 },
    )
    .await;
    assert_eq!(
        next(&mut other_device).await,
        ServerMessage::Pong { nonce: 7 }
    );
    app.stop().await;
}

#[tokio::test]
async fn an_expiring_token_closes_its_socket() {
    let app = spawn_app().await;
    let ann = app.person(Role::Attendee).await;
    let claims =
        app::accounts::tokens::verify_access(&app.state.config.jwt_secret, &ann.token).unwrap();
    // A token of the same session that expires two seconds from now.
    let issued_at = app::kernel::time::now_millis() - app::accounts::tokens::ACCESS_TTL_MS + 2_000;
    let (short, _) = app::accounts::tokens::issue_access(
        &app.state.config.jwt_secret,
        ann.id,
        &claims.sid,
        "attendee",
        issued_at,
    )
    .unwrap();
    let mut ws = connect(&app, Some(&short)).await;
    send(&mut ws, subscribe(format!("user:{}", ann.id), None)).await;
    closed_for_session(&mut ws).await;
    app.stop().await;
}

#[tokio::test]
async fn signing_out_everywhere_closes_sockets_on_every_instance() {
    let a = spawn_app().await;
    if a.db.backend() != app::kernel::db::Backend::Postgres {
        eprintln!("every instance: needs TEST_POSTGRES_URL; skipped on SQLite");
        // One instance: its sockets close all the same.
        let ann = a.person(Role::Attendee).await;
        let mut ws = connect(&a, Some(&ann.token)).await;
        let revoked = a
            .call::<serde_json::Value>(Method::POST, "/api/auth/revoke", Some(&ann), None, None)
            .await;
        assert!(revoked.status < 300, "{} {}", revoked.status, revoked.body);
        closed_for_session(&mut ws).await;
        a.stop().await;
        return;
    }
    let b = spawn_instance_of(&a).await;
    let ann = a.person(Role::Attendee).await;
    let mut on_b = connect(&b, Some(&ann.token)).await;
    send(&mut on_b, subscribe(format!("user:{}", ann.id), None)).await;
    let revoked = a
        .call::<serde_json::Value>(Method::POST, "/api/auth/revoke", Some(&ann), None, None)
        .await;
    assert!(revoked.status < 300, "{} {}", revoked.status, revoked.body);
    let took = closed_for_session(&mut on_b).await;
    assert!(took < Duration::from_secs(1), "{took:?}");
    b.stop().await;
    a.stop().await;
}

/// The session check is remembered for under a second (no database read per
/// request), yet a revoked token stops working at once on the instance that
/// revoked it, and within that second on every other.
#[tokio::test]
async fn a_revoked_token_stops_working_at_once_here_and_within_a_second_elsewhere() {
    let a = spawn_app().await;
    let ann = a.person(Role::Attendee).await;
    let other = a.person(Role::Attendee).await;
    let b = if a.db.backend() == app::kernel::db::Backend::Postgres {
        Some(spawn_instance_of(&a).await)
    } else {
        None
    };
    for app in std::iter::once(&a).chain(b.as_ref()) {
        let (status, _) = app.get_json("/api/auth/me", &ann.token).await;
        assert_eq!(status, 200, "remembered as open");
    }
    let revoked = a
        .call::<serde_json::Value>(Method::POST, "/api/auth/revoke", Some(&ann), None, None)
        .await;
    assert!(revoked.status < 300, "{} {}", revoked.status, revoked.body);
    let (status, _) = a.get_json("/api/auth/me", &ann.token).await;
    assert_eq!(status, 401, "at once on the instance that revoked it");
    let (status, _) = a.get_json("/api/auth/me", &other.token).await;
    assert_eq!(status, 200, "someone else's session is untouched");
    if let Some(b) = b {
        let began = Instant::now();
        loop {
            let (status, _) = b.get_json("/api/auth/me", &ann.token).await;
            if status == 401 {
                break;
            }
            assert_eq!(status, 200);
            let took = began.elapsed();
            assert!(
                took < Duration::from_millis(1_500),
                "still open after {took:?}"
            );
            tokio::task::yield_now().await;
        }
        b.stop().await;
    }
    a.stop().await;
}

/// A changed profile shows in the very next answer, though the session
/// behind it is remembered.
#[tokio::test]
async fn a_changed_name_shows_at_once_through_a_remembered_session() {
    let app = spawn_app().await;
    let ann = app.person(Role::Attendee).await;
    let (status, _) = app.get_json("/api/auth/me", &ann.token).await;
    assert_eq!(status, 200);
    let changed = app
        .call::<serde_json::Value>(
            Method::PUT,
            "/api/users/me",
            Some(&ann),
            None,
            Some(json!({ "displayName": "Ann Renamed" })),
        )
        .await;
    assert!(changed.status < 300, "{} {}", changed.status, changed.body);
    let (status, me) = app.get_json("/api/auth/me", &ann.token).await;
    assert_eq!(status, 200);
    assert_eq!(me["displayName"], "Ann Renamed", "{me}");
    app.stop().await;
}

#[tokio::test]
async fn a_sign_in_link_cannot_send_anyone_off_site() {
    let app = spawn_app().await;
    let ann = app.person(Role::Attendee).await;
    for next in ["/\t/evil.example/x", "/\n/evil.example", "/\\evil.example"] {
        let response = app
            .client
            .post(app.url("/rpc/accounts/sign_in"))
            .header("origin", app.url(""))
            .header("accept", "text/html")
            .form(&[
                ("email", ann.email.as_str()),
                ("password", PASSWORD),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert!(response.status().is_redirection(), "{}", response.status());
        assert_eq!(response.headers()[LOCATION], "/", "{next:?}");
    }
    app.stop().await;
}

#[tokio::test]
async fn user_search_does_not_spell_out_other_peoples_emails() {
    let app = spawn_app().await;
    // Ann's name says nothing of her address.
    let email = format!("zq{:x}@example.com", rand::random::<u64>());
    let body = json!({ "email": email, "password": PASSWORD, "username": "Ann Example" });
    let registered: serde_json::Value = app
        .call(Method::POST, "/api/auth/register", None, None, Some(body))
        .await
        .expect(201);
    let ann = Person {
        token: String::new(),
        id: registered["user"]["id"].as_i64().expect("an id"),
        email,
    };
    let mallory = app.person(Role::Attendee).await;
    // The first letters of Ann's address find nobody...
    let prefix = &ann.email[..5];
    let found: serde_json::Value = app
        .call(
            Method::GET,
            &format!("/api/users/search?q={prefix}"),
            Some(&mallory),
            None,
            None,
        )
        .await
        .ok();
    let ids: Vec<i64> = found["users"]
        .as_array()
        .expect("users")
        .iter()
        .filter_map(|u| u["id"].as_i64())
        .collect();
    assert!(!ids.contains(&ann.id), "found by an email prefix: {found}");
    // ...her whole address (someone who knows it) does.
    let found: serde_json::Value = app
        .call(
            Method::GET,
            &format!("/api/users/search?q={}", ann.email),
            Some(&mallory),
            None,
            None,
        )
        .await
        .ok();
    assert_eq!(found["users"][0]["id"], ann.id, "{found}");
    app.stop().await;
}

#[tokio::test]
async fn production_is_https_only_and_mints_no_money() {
    let app = crate::helpers::spawn_app_with(|c| {
        c.environment = app::config::Environment::Production;
        c.test_cards = false;
    })
    .await;
    let home = app.get("/").await;
    assert_eq!(
        home.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    // Cookies are Secure whatever the request says about its scheme.
    let cookies = crate::sessions::sign_up_over_https(&app).await;
    assert!(!cookies.is_empty());
    assert!(
        cookies
            .iter()
            .all(|c| c.starts_with("__Host-") && c.contains("; Secure")),
        "{cookies:?}"
    );
    // The test cards mint nothing here.
    let ann = app.person(Role::Attendee).await;
    let refused = app.deposit(&ann, "top-up", card(10_000)).await;
    assert_eq!(refused.status, 501, "{}", refused.body);
    assert_eq!(app.balance(&ann).await.balance_cents, 0);
    // And the wallet page offers no form that cannot work.
    let wallet = app
        .client
        .get(app.url("/wallet"))
        .header("accept", "text/html")
        .bearer_auth(&ann.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(wallet.contains(r#"data-testid="no-top-ups""#), "{wallet}");
    assert!(!wallet.contains(r#"data-testid="top-up-form""#));
    // What a signed-in person sees is never cached.
    let me = app
        .client
        .get(app.url("/api/auth/me"))
        .bearer_auth(&ann.token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.headers()["cache-control"], "no-store");
    app.stop().await;
}

#[tokio::test]
async fn a_production_demo_takes_test_cards_and_every_page_says_so() {
    let app = crate::helpers::spawn_app_with(|c| {
        c.environment = app::config::Environment::Production;
        c.test_cards = true;
    })
    .await;
    for path in ["/", "/events", "/sign-in"] {
        let html = app.get(path).await.text().await.unwrap();
        assert!(html.contains(r#"data-testid="demo-banner""#), "{path}");
    }
    let ann = app.person(Role::Attendee).await;
    app.deposit(&ann, "top-up", card(2_500)).await.ok();
    assert_eq!(app.balance(&ann).await.balance_cents, 2_500);
    app.stop().await;
    // Development says nothing of the kind.
    let app = spawn_app().await;
    let html = app.get("/").await.text().await.unwrap();
    assert!(!html.contains("demo-banner"));
    app.stop().await;
}

#[tokio::test]
async fn one_person_may_hold_only_so_many_seats_of_an_event() {
    let app = spawn_app().await;
    let organizer = app.person(Role::Organizer).await;
    let event = app
        .event(&organizer, &[("Front", 20.0, 100), ("Back", 10.0, 100)])
        .await;
    let (front, back) = (event.ticket_categories[0].id, event.ticket_categories[1].id);
    let other = app.event(&organizer, &[("General", 20.0, 100)]).await;
    let hoarder = app.person(Role::Attendee).await;
    let reserve = |tier: i64, quantity: i64| {
        app.call::<serde_json::Value>(
            Method::POST,
            "/api/events/tickets/reserve",
            Some(&hoarder),
            None,
            Some(json!({ "categoryId": tier, "quantity": quantity })),
        )
    };
    // Ten seats of the event (the cap), in two holds on two tiers.
    assert_eq!(reserve(front, 6).await.status, 201);
    assert_eq!(reserve(back, 4).await.status, 201);
    // One more of the same event: refused, saying why.
    let refused = reserve(back, 1).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(
        refused.body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("10 seats of this event"),
        "{}",
        refused.body
    );
    // Another event is another cap.
    let elsewhere = reserve(other.ticket_categories[0].id, 2).await;
    assert_eq!(elsewhere.status, 201, "{}", elsewhere.body);
    // The tier still has its seats for everyone else.
    let tiers: Vec<server::api::events::ApiTier> = app
        .call(
            Method::GET,
            &format!("/api/events/{}/tickets", event.id_event),
            None,
            None,
            None,
        )
        .await
        .ok();
    assert_eq!(tiers[1].held_seats, 4);
    app.stop().await;
}

#[tokio::test]
async fn a_customer_may_keep_only_a_few_requests_open_with_one_provider() {
    use crate::bookings::{book, provider, set_status, slot_in};
    let app = spawn_app().await;
    let (provider_token, _, service) = provider(&app).await;
    let (customer, _) = new_user(&app, "attendee").await;
    let mut ids = Vec::new();
    for hours in [30, 32, 34] {
        let start = slot_in(&app, service, hours).await;
        let (status, body) = book(&app, &customer, service, &start, None).await;
        assert_eq!(status, 201, "{body}");
        ids.push(body["id"].as_i64().expect("an id"));
    }
    // A fourth request while three wait for an answer: refused.
    let start = slot_in(&app, service, 36).await;
    let (status, body) = book(&app, &customer, service, &start, None).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("3 requests"),
        "{body}"
    );
    // Answered (declined) frees a place.
    let (status, body) = set_status(&app, &provider_token, ids[0], "declined", "Booked out").await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = book(&app, &customer, service, &start, None).await;
    assert_eq!(status, 201, "{body}");
    app.stop().await;
}

/// Signs `who` in again (another device, with this User-Agent); its token.
async fn sign_in_again(app: &TestApp, who: &Person, password: &str, agent: &str) -> (u16, String) {
    let response = app
        .client
        .post(app.url("/api/auth/login"))
        .header("user-agent", agent)
        .json(&json!({ "username": who.email, "password": password }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    (
        status,
        body["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

async fn me_status(app: &TestApp, token: &str) -> u16 {
    app.client
        .get(app.url("/api/auth/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_password_change_checks_the_old_refuses_common_ones_and_signs_out_the_rest() {
    let app = spawn_app().await;
    let ann = app.person(Role::Attendee).await;
    let (_, laptop) = sign_in_again(&app, &ann, PASSWORD, FIREFOX).await;
    let mut laptop_socket = connect(&app, Some(&laptop)).await;
    let change = |current: &str, new: &str| {
        app.call::<serde_json::Value>(
            Method::POST,
            "/api/auth/password",
            Some(&ann),
            None,
            Some(json!({ "currentPassword": current, "newPassword": new })),
        )
    };
    let wrong = change("not my password", "plum-tractor-quietly-79").await;
    assert_eq!(
        (wrong.status, wrong.body["field"].clone()),
        (400, json!("currentPassword")),
        "{}",
        wrong.body
    );
    let common = change(PASSWORD, "Password123!").await;
    assert_eq!(
        (common.status, common.body["field"].clone()),
        (400, json!("newPassword")),
        "{}",
        common.body
    );
    assert!(
        common.body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("most common")
    );
    let done = change(PASSWORD, "plum-tractor-quietly-79").await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.body["signedOutSessions"], 1);
    // The laptop is signed out, its socket closed; this session goes on.
    closed_for_session(&mut laptop_socket).await;
    assert_eq!(me_status(&app, &laptop).await, 401);
    assert_eq!(me_status(&app, &ann.token).await, 200);
    // The old password no longer signs in; the new one does.
    assert_eq!(sign_in_again(&app, &ann, PASSWORD, FIREFOX).await.0, 401);
    assert_eq!(
        sign_in_again(&app, &ann, "plum-tractor-quietly-79", FIREFOX)
            .await
            .0,
        200
    );
    app.stop().await;
}

#[tokio::test]
async fn a_common_password_is_refused_at_sign_up() {
    let app = spawn_app().await;
    let body = json!({ "email": format!("common{:x}@example.com", rand::random::<u64>()), "password": "iloveyou123" });
    let refused = app
        .call::<serde_json::Value>(Method::POST, "/api/auth/register", None, None, Some(body))
        .await;
    assert_eq!(
        (refused.status, refused.body["field"].clone()),
        (400, json!("password")),
        "{}",
        refused.body
    );
    app.stop().await;
}

#[tokio::test]
async fn one_sees_where_one_is_signed_in_and_signs_a_device_out() {
    let app = spawn_app().await;
    let ann = app.person(Role::Attendee).await;
    let (_, laptop) = sign_in_again(&app, &ann, PASSWORD, FIREFOX).await;
    let sessions: Vec<server::api::sessions::ApiSession> = app
        .call(Method::GET, "/api/auth/sessions", Some(&ann), None, None)
        .await
        .ok();
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    let this: Vec<bool> = sessions.iter().map(|s| s.current).collect();
    assert_eq!(this.iter().filter(|c| **c).count(), 1);
    let other = sessions.iter().find(|s| !s.current).expect("the laptop");
    assert_eq!(other.device, "Firefox on Linux");
    // Nobody else can end it, nor see it.
    let mallory = app.person(Role::Attendee).await;
    let path = format!("/api/auth/sessions/{}", other.handle);
    let theirs = app
        .call::<serde_json::Value>(Method::DELETE, &path, Some(&mallory), None, None)
        .await;
    assert_eq!(theirs.status, 404);
    assert_eq!(me_status(&app, &laptop).await, 200);
    let ended = app
        .call::<serde_json::Value>(Method::DELETE, &path, Some(&ann), None, None)
        .await;
    assert_eq!(ended.status, 204);
    assert_eq!(me_status(&app, &laptop).await, 401);
    assert_eq!(me_status(&app, &ann.token).await, 200);
    let left: Vec<server::api::sessions::ApiSession> = app
        .call(Method::GET, "/api/auth/sessions", Some(&ann), None, None)
        .await
        .ok();
    assert_eq!(left.len(), 1);
    app.stop().await;
}

async fn refresh_as(app: &TestApp, token: &str, agent: &str) -> (u16, serde_json::Value) {
    let response = app
        .client
        .post(app.url("/api/auth/refresh"))
        .header("user-agent", agent)
        .json(&json!({ "refresh_token": token }))
        .send()
        .await
        .unwrap();
    (
        response.status().as_u16(),
        response.json().await.unwrap_or_default(),
    )
}

#[tokio::test]
async fn a_refresh_token_used_again_at_once_works_only_for_the_same_client() {
    let app = spawn_app().await;
    let body = json!({ "email": format!("grace{:x}@example.com", rand::random::<u64>()), "password": PASSWORD });
    let registered: serde_json::Value = app
        .call(Method::POST, "/api/auth/register", None, None, Some(body))
        .await
        .expect(201);
    let first = registered["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_string();
    // The same browser, two tabs at once: the second gets an access token.
    let (status, rotated) = refresh_as(&app, &first, FIREFOX).await;
    assert_eq!(status, 200);
    let (status, again) = refresh_as(&app, &first, FIREFOX).await;
    assert_eq!(status, 200, "{again}");
    assert!(
        again["refresh_token"].is_null(),
        "no second successor: {again}"
    );
    // Another client with the same token seconds later: a stolen copy. The
    // whole session ends, the rotated token with it.
    let (status, _) = refresh_as(&app, &first, "curl/8.5.0").await;
    assert_eq!(status, 401);
    let newest = rotated["refresh_token"].as_str().expect("a successor");
    assert_eq!(refresh_as(&app, newest, FIREFOX).await.0, 401);
    let access = rotated["access_token"].as_str().expect("an access token");
    assert_eq!(me_status(&app, access).await, 401);
    app.stop().await;
}

/// Low (the trust issue): an admin's public profile and search results do
/// not say admin, so nobody can list the admins by walking the ids.
#[tokio::test]
async fn nobody_can_tell_an_admin_from_their_public_profile() {
    let app = crate::helpers::spawn_app().await;
    let (admin, admin_id) = crate::helpers::new_user(&app, "admin").await;
    let (attendee, _) = crate::helpers::new_user(&app, "attendee").await;
    let (status, profile) = crate::helpers::send_json(
        &app,
        reqwest::Method::GET,
        &format!("/api/users/{admin_id}"),
        None,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(profile["role"], "attendee", "{profile}");
    let (_, found) = app.get_json("/api/users/search?q=admin", &attendee).await;
    assert!(
        found["users"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["role"] != "admin"),
        "{found}"
    );
    // The admin still knows what they are.
    let (_, me) = app.get_json("/api/auth/me", &admin).await;
    assert_eq!(me["role"], "admin");
    app.stop().await;
}

/// Low (the trust issue): someone who gives no name is not shown by the
/// first half of their email address.
#[tokio::test]
async fn a_name_left_empty_does_not_show_the_email() {
    let app = crate::helpers::spawn_app().await;
    let (status, body) = crate::helpers::send_json(
        &app,
        reqwest::Method::POST,
        "/api/auth/register",
        None,
        Some(serde_json::json!({ "username": "jane.doe.1984@example.com", "password": "correct horse battery" })),
    )
    .await;
    assert_eq!(status, 201);
    let name = body["user"]["displayName"].as_str().unwrap();
    assert!(!name.contains("jane"), "{name}");
    assert_eq!(name, "New member");
    app.stop().await;
}

/// Inviting by email: someone who may not invite to a room learns nothing
/// of who has an account (the same answer for a known and an unknown
/// address), and whoever tries addresses in bulk is stopped.
#[tokio::test]
async fn email_look_ups_tell_strangers_nothing_and_are_limited() {
    let app = spawn_app().await;
    let owner = app.person(Role::Attendee).await;
    let known = app.person(Role::Attendee).await;
    let mallory = app.person(Role::Attendee).await;
    let room: serde_json::Value = app
        .call(
            Method::POST,
            "/api/rooms",
            Some(&owner),
            None,
            Some(json!({ "name": "Inner circle", "visibility": "private" })),
        )
        .await
        .expect(201);
    let invite = |who: &Person, email: String| {
        app.client
            .post(app.url("/rpc/chat/invite"))
            .bearer_auth(&who.token)
            .header("accept", "application/json")
            .form(&[("room_id", room["id"].to_string()), ("email", email)])
            .send()
    };
    let to_known = invite(&mallory, known.email.clone()).await.unwrap();
    let to_nobody = invite(&mallory, "nobody@example.com".into()).await.unwrap();
    assert_eq!(
        (to_known.status().as_u16(), to_nobody.status().as_u16()),
        (404, 404)
    );
    assert_eq!(
        to_known.text().await.unwrap(),
        to_nobody.text().await.unwrap()
    );
    // The owner may invite: a known address works, an unknown one is said.
    assert_eq!(
        invite(&owner, known.email.clone()).await.unwrap().status(),
        200
    );
    assert_eq!(
        invite(&owner, "nobody@example.com".into())
            .await
            .unwrap()
            .status(),
        400
    );

    // Paying addresses one after another: ten look-ups a minute, then 429
    // whether the address names someone or not (were only misses counted,
    // a 429 would itself say "nobody").
    let mut statuses = Vec::new();
    for n in 0..11 {
        let to = if n == 10 {
            known.email.clone()
        } else {
            format!("guess{n}@example.com")
        };
        let answer = app
            .call::<serde_json::Value>(
                Method::POST,
                "/api/wallet/transfer",
                Some(&mallory),
                Some(&format!("probe-{n}")),
                Some(json!({ "toEmail": to, "amountCents": 100 })),
            )
            .await;
        statuses.push(answer.status);
    }
    assert_eq!(statuses[..10], [400; 10], "{statuses:?}");
    assert_eq!(statuses[10], 429, "a known address too: {statuses:?}");
    app.stop().await;
}
