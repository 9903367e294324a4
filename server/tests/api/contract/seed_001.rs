//! Seed 001's guide against Marquee: its sign-up and sign-in bodies, its
//! errors, and its order flow with no wallet step, for an event whose
//! organizer takes the money at the door.

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};

use server::api::auth::{ErrorBody, TokenResponse};
use server::api::events::{ApiEvent, ApiPaymentMethod, ApiTier};
use server::api::orders::ApiOrder;
use server::api::users::ApiUser;
use server::api::wallet::ApiBalance;

use crate::helpers::{TestApp, send_json, spawn_app, spawn_app_with, unique_email};

fn read<T: serde::de::DeserializeOwned>((status, body): (u16, Value), expected: u16) -> T {
    assert_eq!(status, expected, "{body}");
    serde_json::from_value(body.clone())
        .unwrap_or_else(|e| panic!("not the documented shape: {e}: {body}"))
}

/// `POST /api/auth/register` as the guide writes it: username, password, role.
async fn register(app: &TestApp, role: &str) -> String {
    let body = json!({ "username": unique_email(), "password": "password123", "role": role });
    let tokens: TokenResponse = read(
        send_json(app, Method::POST, "/api/auth/register", None, Some(body)).await,
        201,
    );
    tokens.access_token
}

/// The guide's event, paid at the door.
async fn door_event(app: &TestApp, organizer: &str, seats: i64) -> ApiEvent {
    let starts = app::kernel::time::iso(app::kernel::time::now_millis() + 30 * 86_400_000);
    let body = json!({
        "eventName": "Summer Music Festival",
        "eventCategory": "Music",
        "description": "Annual summer music festival",
        "eventDate": starts,
        "location": "Central Park",
        "paymentMethod": "door",
        "ticketCategories": [
            { "categoryName": "VIP", "price": 150.00, "totalSeats": seats, "description": "VIP access with backstage pass" },
            { "categoryName": "General", "price": 75.00, "totalSeats": 500, "description": "General admission" }
        ]
    });
    read(
        send_json(
            app,
            Method::POST,
            "/api/events",
            Some(organizer),
            Some(body),
        )
        .await,
        201,
    )
}

#[tokio::test]
async fn the_guides_sign_in_and_errors_answer_as_it_shows() {
    let app = spawn_app().await;
    let email = unique_email();
    let body = json!({ "username": email, "password": "password123", "role": "assistant" });
    let _: TokenResponse = read(
        send_json(&app, Method::POST, "/api/auth/register", None, Some(body)).await,
        201,
    );
    let login = json!({ "username": email, "password": "password123" });
    let tokens: TokenResponse = read(
        send_json(&app, Method::POST, "/api/auth/login", None, Some(login)).await,
        200,
    );
    assert_eq!(tokens.user.username, email);
    // GET /api/user: the profile, as the guide shows it.
    let me: ApiUser = read(
        send_json(
            &app,
            Method::GET,
            "/api/user",
            Some(&tokens.access_token),
            None,
        )
        .await,
        200,
    );
    assert_eq!(
        (me.username.as_str(), me.role.as_str()),
        (email.as_str(), "attendee")
    );
    // A wrong password: 401, as passport answers.
    let wrong = json!({ "username": email, "password": "password124" });
    let error: ErrorBody = read(
        send_json(&app, Method::POST, "/api/auth/login", None, Some(wrong)).await,
        401,
    );
    assert_eq!(
        (error.status_code, error.error.as_str()),
        (401, "Unauthorized")
    );
    // No token, a bad one: 401; an attendee creating an event: 403; a missing event: 404.
    let error: ErrorBody = read(
        send_json(&app, Method::GET, "/api/orders", None, None).await,
        401,
    );
    assert_eq!(error.status_code, 401);
    let error: ErrorBody = read(
        send_json(&app, Method::GET, "/api/orders", Some("not.a.token"), None).await,
        401,
    );
    assert_eq!(error.status_code, 401);
    let body = json!({ "eventName": "x", "eventCategory": "Music", "eventDate": "2030-01-01T00:00:00Z", "ticketCategories": [] });
    let error: ErrorBody = read(
        send_json(
            &app,
            Method::POST,
            "/api/events",
            Some(&tokens.access_token),
            Some(body),
        )
        .await,
        403,
    );
    assert_eq!(error.error, "Forbidden");
    let error: ErrorBody = read(
        send_json(&app, Method::GET, "/api/events/999999", None, None).await,
        404,
    );
    assert_eq!(error.error, "Not Found");
    app.stop().await;
}

#[tokio::test]
async fn at_the_door_an_order_is_completed_at_once_and_no_money_moves() {
    let app = spawn_app().await;
    let organizer = register(&app, "organizer").await;
    let buyer = register(&app, "assistant").await;
    let event = door_event(&app, &organizer, 100).await;
    assert_eq!(event.payment_method, ApiPaymentMethod::Door);
    let vip = event.ticket_categories[0].id;

    // The event says so to buyers, on its page too.
    let page = app
        .get(&format!("/events/{}", event.id_event))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Pay at the door"),
        "the event page names the payment"
    );

    // POST /api/orders with an empty wallet: confirmed at once, with tickets.
    let body = json!({ "eventId": event.id_event, "categoryId": vip, "quantity": 2, "notes": "Special seating request" });
    let order: ApiOrder = read(
        send_json(&app, Method::POST, "/api/orders", Some(&buyer), Some(body)).await,
        201,
    );
    assert_eq!(order.status, "confirmed");
    assert_eq!(order.payment_method, ApiPaymentMethod::Door);
    assert_eq!((order.unit_price, order.total_price), (150.0, 300.0));
    assert_eq!(order.tickets.len(), 2);

    // Reserve, then order with the lock: confirmed too.
    let body = json!({ "eventId": event.id_event, "categoryId": vip, "quantity": 1 });
    let (status, reserved) = send_json(
        &app,
        Method::POST,
        "/api/events/tickets/reserve",
        Some(&buyer),
        Some(body),
    )
    .await;
    assert_eq!(status, 201, "{reserved}");
    let lock = reserved["lockId"].as_str().expect("a lock id").to_string();
    let body =
        json!({ "eventId": event.id_event, "categoryId": vip, "quantity": 1, "lockId": lock });
    let locked: ApiOrder = read(
        send_json(
            &app,
            Method::POST,
            "/api/orders/with-lock",
            Some(&buyer),
            Some(body),
        )
        .await,
        201,
    );
    assert_eq!(
        (locked.status.as_str(), locked.tickets.len()),
        ("confirmed", 1)
    );

    // The seats are sold; nobody's wallet moved.
    let tiers: Vec<ApiTier> = read(
        send_json(
            &app,
            Method::GET,
            &format!("/api/events/{}/tickets", event.id_event),
            None,
            None,
        )
        .await,
        200,
    );
    assert_eq!((tiers[0].reserved_seats, tiers[0].available_seats), (3, 97));
    for who in [&buyer, &organizer] {
        let balance: ApiBalance = read(
            send_json(&app, Method::GET, "/api/wallet/balance", Some(who), None).await,
            200,
        );
        assert_eq!((balance.balance_cents, balance.pending_cents), (0, 0));
    }
    let (moved,): (i64,) =
        sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT) FROM wallet_transactions")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(moved, 0, "no money moves for orders paid at the door");

    // The organizer's dashboard says what is owed at the door.
    let organizer_user = app::accounts::service::authenticate(&app.state, &organizer)
        .await
        .unwrap();
    let dashboard = app::events::dashboard::dashboard(
        &app.state,
        &organizer_user,
        app::kernel::ids::EventId::new(event.id_event),
    )
    .await
    .unwrap();
    assert_eq!(
        (dashboard.owed_at_door_cents, dashboard.orders_at_door),
        (45_000, 2)
    );

    // Cancelling gives the seats back and refunds nothing (nothing was paid).
    let cancelled: ApiOrder = read(
        send_json(
            &app,
            Method::POST,
            &format!("/api/orders/{}/cancel", order.id),
            Some(&buyer),
            None,
        )
        .await,
        200,
    );
    assert_eq!(cancelled.status, "cancelled");
    let (moved,): (i64,) =
        sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT) FROM wallet_transactions")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(moved, 0);
    let dashboard = app::events::dashboard::dashboard(
        &app.state,
        &organizer_user,
        app::kernel::ids::EventId::new(event.id_event),
    )
    .await
    .unwrap();
    assert_eq!(
        (dashboard.owed_at_door_cents, dashboard.orders_at_door),
        (15_000, 1)
    );

    // A wallet event still takes the two steps: pending, and 409 with an empty wallet.
    let body = json!({ "paymentMethod": "wallet" });
    let changed: ApiEvent = read(
        send_json(
            &app,
            Method::PUT,
            &format!("/api/events/{}", event.id_event),
            Some(&organizer),
            Some(body),
        )
        .await,
        200,
    );
    assert_eq!(changed.payment_method, ApiPaymentMethod::Wallet);
    let body = json!({ "eventId": event.id_event, "categoryId": vip, "quantity": 1 });
    let (status, refused) =
        send_json(&app, Method::POST, "/api/orders", Some(&buyer), Some(body)).await;
    assert_eq!(status, 409, "{refused}");
    // An unknown method is a 400 naming the field.
    let body = json!({ "paymentMethod": "cheque" });
    let error: ErrorBody = read(
        send_json(
            &app,
            Method::PUT,
            &format!("/api/events/{}", event.id_event),
            Some(&organizer),
            Some(body),
        )
        .await,
        400,
    );
    assert_eq!(error.field.as_deref(), Some("paymentMethod"), "{error:?}");
    app.stop().await;
}

/// Buyers rushing a door event's last seats: exactly the capacity is sold,
/// every other buyer hears 409, and every sold seat has one ticket.
#[tokio::test]
async fn a_rush_on_a_door_event_sells_exactly_its_seats() {
    const SEATS: i64 = 25;
    const BUYERS: usize = 60;
    let app = Arc::new(
        spawn_app_with(|c| {
            c.auth_limits = app::rate_limit::AuthLimits {
                per_ip_per_minute: 1_000,
                per_account_per_minute: 10,
            }
        })
        .await,
    );
    let organizer = register(&app, "organizer").await;
    let event = door_event(&app, &organizer, SEATS).await;
    let vip = event.ticket_categories[0].id;
    let mut buyers = Vec::new();
    for _ in 0..BUYERS {
        buyers.push(register(&app, "attendee").await);
    }
    let rush = buyers.into_iter().map(|buyer| {
        let app = app.clone();
        tokio::spawn(async move {
            let body = json!({ "categoryId": vip, "quantity": 1 });
            send_json(&app, Method::POST, "/api/orders", Some(&buyer), Some(body)).await
        })
    });
    let mut confirmed = 0;
    for answer in futures::future::join_all(rush).await {
        let (status, body) = answer.expect("a buyer");
        match status {
            201 => {
                assert_eq!(body["status"], "confirmed", "{body}");
                confirmed += 1;
            }
            409 => {}
            other => panic!("a buyer got {other}: {body}"),
        }
    }
    assert_eq!(confirmed, SEATS);
    let (sold, tickets): (i64, i64) = sqlx::query_as(
        "SELECT t.sold, CAST((SELECT COUNT(*) FROM tickets k WHERE k.tier_id = t.id AND k.status = 'valid') AS BIGINT) \
         FROM ticket_tiers t WHERE t.id = $1",
    )
    .bind(vip)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!((sold, tickets), (SEATS, SEATS));
    if let Ok(app) = Arc::try_unwrap(app) {
        app.stop().await;
    }
}
