//! Seed 001's guide against Marquee: its sign-up and sign-in bodies, its
//! errors, its REST calls, and its order flow with no wallet step, for an
//! event whose organizer takes the money at the door.

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};

use server::api::auth::{ErrorBody, TokenResponse};
use server::api::events::{ApiEvent, ApiPaymentMethod, ApiTier};
use server::api::orders::ApiOrder;
use server::api::users::ApiUser;
use server::api::wallet::ApiBalance;

use super::{Client, PASSWORD};
use crate::helpers::{TestApp, spawn_app, spawn_app_with};

/// `POST /api/auth/register` as the guide writes it: username, password, role.
async fn register(api: &Client<'_>, role: &str) -> String {
    api.sign_up(json!({ "role": role }), "username").await.0
}

/// The guide's event, paid at the door.
async fn door_event(api: &Client<'_>, organizer: &str, seats: i64) -> ApiEvent {
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
    api.post("/events", Some(organizer), body, 201).await
}

async fn ledger_rows(app: &TestApp) -> i64 {
    let (rows,): (i64,) =
        sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT) FROM wallet_transactions")
            .fetch_one(app.db.pool())
            .await
            .expect("the ledger");
    rows
}

/// What the organizer's dashboard says is owed at the door: (cents, orders).
async fn owed_at_door(app: &TestApp, organizer: &str, event: i64) -> (i64, i64) {
    let organizer = app::accounts::service::authenticate(&app.state, organizer)
        .await
        .expect("a session");
    let event = app::kernel::ids::EventId::new(event);
    let dashboard = app::events::dashboard::dashboard(&app.state, &organizer, event)
        .await
        .expect("the dashboard");
    (dashboard.owed_at_door_cents, dashboard.orders_at_door)
}

#[tokio::test]
async fn the_guides_sign_in_and_errors_answer_as_it_shows() {
    let app = spawn_app().await;
    let api = Client::new(&app, "/api");
    let (token, email) = api
        .sign_up(json!({ "role": "assistant" }), "username")
        .await;
    let login = json!({ "username": email, "password": PASSWORD });
    let tokens: TokenResponse = api.post("/auth/login", None, login, 200).await;
    assert_eq!(tokens.user.username, email);
    // GET /api/user: the profile, as the guide shows it.
    let me: ApiUser = api.get("/user", Some(&token), 200).await;
    assert_eq!(
        (me.username.as_str(), me.role.as_str()),
        (email.as_str(), "attendee")
    );
    // A wrong password: 401, as passport answers.
    let wrong = json!({ "username": email, "password": "password124" });
    let error: ErrorBody = api.post("/auth/login", None, wrong, 401).await;
    assert_eq!(
        (error.status_code, error.error.as_str()),
        (401, "Unauthorized")
    );
    // No token, a bad one: 401; an attendee creating an event: 403; a missing event: 404.
    let error: ErrorBody = api.get("/orders", None, 401).await;
    assert_eq!(error.status_code, 401);
    let error: ErrorBody = api.get("/orders", Some("not.a.token"), 401).await;
    assert_eq!(error.status_code, 401);
    let body = json!({ "eventName": "x", "eventCategory": "Music", "eventDate": "2030-01-01T00:00:00Z", "ticketCategories": [] });
    let error: ErrorBody = api.post("/events", Some(&token), body, 403).await;
    assert_eq!(error.error, "Forbidden");
    let error: ErrorBody = api.get("/events/999999", None, 404).await;
    assert_eq!(error.error, "Not Found");
    app.stop().await;
}

#[tokio::test]
async fn at_the_door_an_order_is_completed_at_once_and_no_money_moves() {
    let app = spawn_app().await;
    let api = Client::new(&app, "/api");
    let organizer = register(&api, "organizer").await;
    let buyer = register(&api, "assistant").await;
    let (organizer, buyer) = (organizer.as_str(), Some(buyer.as_str()));
    let event = door_event(&api, organizer, 100).await;
    assert_eq!(event.payment_method, ApiPaymentMethod::Door);
    let (id, vip) = (event.id_event, event.ticket_categories[0].id);

    // The event says so to buyers, on its page too.
    let page = app
        .get(&format!("/events/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Pay at the door"),
        "the event page names the payment"
    );

    // POST /api/orders with an empty wallet: confirmed at once, with tickets.
    let body = json!({ "eventId": id, "categoryId": vip, "quantity": 2, "notes": "Special seating request" });
    let order: ApiOrder = api.post("/orders", buyer, body, 201).await;
    assert_eq!(order.status, "confirmed");
    assert_eq!(order.payment_method, ApiPaymentMethod::Door);
    assert_eq!((order.unit_price, order.total_price), (150.0, 300.0));
    assert_eq!(order.tickets.len(), 2);

    // Reserve, then order with the lock: confirmed too.
    let body = json!({ "eventId": id, "categoryId": vip, "quantity": 1 });
    let reserved: Value = api.post("/events/tickets/reserve", buyer, body, 201).await;
    let lock = reserved["lockId"].as_str().expect("a lock id");
    let body = json!({ "eventId": id, "categoryId": vip, "quantity": 1, "lockId": lock });
    let locked: ApiOrder = api
        .post("/orders/with-lock", buyer, body.clone(), 201)
        .await;
    assert_eq!(
        (locked.status.as_str(), locked.tickets.len()),
        ("confirmed", 1)
    );
    // The same lock again: the same order, with the same tickets, which are
    // the ones kept.
    let codes = |order: &ApiOrder| -> Vec<String> {
        order.tickets.iter().map(|t| t.code.clone()).collect()
    };
    let again: ApiOrder = api.post("/orders/with-lock", buyer, body, 201).await;
    assert_eq!((again.id, codes(&again)), (locked.id, codes(&locked)));
    let kept: ApiOrder = api.get(&format!("/orders/{}", locked.id), buyer, 200).await;
    assert_eq!(codes(&kept), codes(&locked));

    // Nobody pays up front, so one person's door seats of an event are
    // capped like one hold (10): 3 taken, 7 more fit, then no more.
    let body = json!({ "eventId": id, "categoryId": vip, "quantity": 8 });
    let capped: ErrorBody = api.post("/orders", buyer, body, 409).await;
    assert!(
        capped.message.contains("at most 10 seats"),
        "{}",
        capped.message
    );

    // The seats are sold (the refused order took none); nobody's wallet moved.
    let tiers: Vec<ApiTier> = api.get(&format!("/events/{id}/tickets"), None, 200).await;
    assert_eq!((tiers[0].reserved_seats, tiers[0].available_seats), (3, 97));
    for who in [buyer, Some(organizer)] {
        let balance: ApiBalance = api.get("/wallet/balance", who, 200).await;
        assert_eq!((balance.balance_cents, balance.pending_cents), (0, 0));
    }
    assert_eq!(ledger_rows(&app).await, 0, "no money moves at the door");
    // The organizer's dashboard says what is owed at the door.
    assert_eq!(owed_at_door(&app, organizer, id).await, (45_000, 2));

    // Cancelling gives the seats back and refunds nothing (nothing was paid).
    let cancel = format!("/orders/{}/cancel", order.id);
    let cancelled: ApiOrder = api.call(Method::POST, &cancel, buyer, None, 200).await;
    assert_eq!(cancelled.status, "cancelled");
    assert_eq!(ledger_rows(&app).await, 0);
    assert_eq!(owed_at_door(&app, organizer, id).await, (15_000, 1));

    // A wallet event still takes the two steps: pending, and 409 with an empty wallet.
    let event_path = format!("/events/{id}");
    let wallet = json!({ "paymentMethod": "wallet" });
    let changed: ApiEvent = api.put(&event_path, Some(organizer), wallet, 200).await;
    assert_eq!(changed.payment_method, ApiPaymentMethod::Wallet);
    let body = json!({ "eventId": id, "categoryId": vip, "quantity": 1 });
    let _: ErrorBody = api.post("/orders", buyer, body, 409).await;
    // An unknown method is a 400 naming the field.
    let cheque = json!({ "paymentMethod": "cheque" });
    let error: ErrorBody = api.put(&event_path, Some(organizer), cheque, 400).await;
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
    let api = Client::new(&app, "/api");
    let organizer = register(&api, "organizer").await;
    let vip = door_event(&api, &organizer, SEATS).await.ticket_categories[0].id;
    let mut buyers = Vec::new();
    for _ in 0..BUYERS {
        buyers.push(register(&api, "attendee").await);
    }
    let rush = buyers.into_iter().map(|buyer| {
        let app = app.clone();
        tokio::spawn(async move {
            let body = json!({ "categoryId": vip, "quantity": 1 });
            Client::new(&app, "/api")
                .raw(Method::POST, "/orders", Some(&buyer), Some(body))
                .await
        })
    });
    let mut confirmed = 0;
    for answer in futures::future::join_all(rush).await {
        match answer.expect("a buyer") {
            (201, body) => {
                assert_eq!(body["status"], "confirmed", "{body}");
                confirmed += 1;
            }
            (409, _) => {}
            (other, body) => panic!("a buyer got {other}: {body}"),
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

/// One person ordering many held seats of a door event at once: no more
/// than the cap (10) of their seats is ever confirmed, whichever orders
/// win the race.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_person_rushing_a_door_event_gets_at_most_the_cap() {
    const CAP: i64 = 10;
    const ORDERS: usize = 30;
    let app = Arc::new(
        spawn_app_with(|c| {
            // Holding is not what is tested here: only the door's cap.
            c.ticketing.max_active_holds = 1_000;
            c.ticketing.max_held_per_event = 1_000;
            c.ticketing.max_seats_per_hold = CAP;
        })
        .await,
    );
    let api = Client::new(&app, "/api");
    let organizer = register(&api, "organizer").await;
    let event = door_event(&api, &organizer, 100).await;
    let tiers = [event.ticket_categories[0].id, event.ticket_categories[1].id];
    let buyer = Arc::new(register(&api, "attendee").await);
    // Seats held one by one (holding takes the buyer's lock)...
    let mut locks = Vec::new();
    for i in 0..ORDERS {
        let body = json!({ "categoryId": tiers[i % 2], "quantity": 1 });
        let held: Value = api
            .post("/events/tickets/reserve", Some(&buyer), body, 201)
            .await;
        locks.push((
            tiers[i % 2],
            held["lockId"].as_str().expect("a lock").to_string(),
        ));
    }
    // ...then all ordered at once.
    let event_id = event.id_event;
    let rush = locks.into_iter().map(|(tier, lock)| {
        let (app, buyer) = (app.clone(), buyer.clone());
        tokio::spawn(async move {
            let body =
                json!({ "eventId": event_id, "categoryId": tier, "quantity": 1, "lockId": lock });
            Client::new(&app, "/api")
                .raw(Method::POST, "/orders/with-lock", Some(&buyer), Some(body))
                .await
        })
    });
    let mut confirmed = 0;
    for answer in futures::future::join_all(rush).await {
        match answer.expect("an order") {
            (201, _) => confirmed += 1,
            (409, _) => {}
            (other, body) => panic!("an order got {other}: {body}"),
        }
    }
    let (seats,): (i64,) = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) FROM orders \
         WHERE event_id = $1 AND status <> 'cancelled'",
    )
    .bind(event.id_event)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!((confirmed, seats), (CAP, CAP), "exactly the cap, no more");
    if let Ok(app) = Arc::try_unwrap(app) {
        app.stop().await;
    }
}

/// The guide's other REST calls, as written, with the answers it shows.
#[tokio::test]
async fn every_other_rest_call_of_the_guide_answers() {
    let app = spawn_app().await;
    let api = Client::new(&app, "/api");
    let organizer = register(&api, "organizer").await;
    let buyer = register(&api, "assistant").await;
    let (admin, _) = crate::helpers::new_user(&app, "admin").await;
    let (organizer, buyer) = (Some(organizer.as_str()), Some(buyer.as_str()));
    let event = door_event(&api, organizer.unwrap_or_default(), 10).await;
    let (id, vip) = (event.id_event, event.ticket_categories[0].id);

    // GET /api/events, /upcoming, /category/{category}, /{id}.
    let all: Vec<ApiEvent> = api.get("/events", None, 200).await;
    assert!(all.iter().any(|e| e.id_event == id));
    let upcoming: Vec<ApiEvent> = api.get("/events/upcoming", None, 200).await;
    assert!(upcoming.iter().any(|e| e.id_event == id));
    let music: Vec<ApiEvent> = api.get("/events/category/Music", None, 200).await;
    assert!(!music.is_empty() && music.iter().all(|e| e.event_category == "Music"));
    let one: ApiEvent = api.get(&format!("/events/{id}"), None, 200).await;
    assert_eq!(one.ticket_categories.len(), 2);

    // Reserve, then release by category as the guide writes it.
    let body = json!({ "eventId": id, "categoryId": vip, "quantity": 2 });
    let reserved: Value = api.post("/events/tickets/reserve", buyer, body, 201).await;
    assert_eq!(
        (
            reserved["success"].as_bool(),
            reserved["availableSeats"].as_i64()
        ),
        (Some(true), Some(8))
    );
    let body = json!({ "categoryId": vip, "quantity": 2 });
    let released: Value = api.post("/events/tickets/release", buyer, body, 200).await;
    assert_eq!(released["success"], true);

    // An order, then: mine, one, the event's (its organizer), all (admins only).
    let body = json!({ "eventId": id, "categoryId": vip, "quantity": 1 });
    let order: ApiOrder = api.post("/orders", buyer, body, 201).await;
    let mine: Vec<ApiOrder> = api.get("/orders", buyer, 200).await;
    assert_eq!(mine.len(), 1);
    let again: ApiOrder = api.get(&format!("/orders/{}", order.id), buyer, 200).await;
    assert_eq!(again.id, order.id);
    let of_event: Vec<ApiOrder> = api
        .get(&format!("/orders/event/{id}"), organizer, 200)
        .await;
    assert_eq!(of_event.len(), 1);
    let _: ErrorBody = api.get("/orders/all", buyer, 403).await;
    let every: Vec<ApiOrder> = api.get("/orders/all", Some(&admin), 200).await;
    assert!(every.iter().any(|o| o.id == order.id));

    // DELETE /api/events/{id}: an event with orders is kept (cancel it
    // instead); one without is gone.
    let _: ErrorBody = api
        .call(
            Method::DELETE,
            &format!("/events/{id}"),
            organizer,
            None,
            409,
        )
        .await;
    let empty = door_event(&api, organizer.unwrap_or_default(), 5)
        .await
        .id_event;
    assert_eq!(
        api.status(Method::DELETE, &format!("/events/{empty}"), organizer)
            .await,
        204
    );
    assert_eq!(
        api.status(Method::GET, &format!("/events/{empty}"), None)
            .await,
        404
    );
    app.stop().await;
}
