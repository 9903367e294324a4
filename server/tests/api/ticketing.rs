//! Ticketing through seed 001's JSON API: events, locks, orders, tickets,
//! check-in, and who may do what. Runs on whichever database the run uses.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, send_json, spawn_app, user};

pub fn in_days(days: i64) -> String {
    app::kernel::time::iso(app::kernel::time::now_millis() + days * 86_400_000)
}

/// Creates an event with the given tiers (name, price, seats) as `token`.
pub async fn create_event(app: &TestApp, token: &str, tiers: &[(&str, f64, i64)]) -> Value {
    let categories: Vec<Value> = tiers
        .iter()
        .map(|(name, price, seats)| json!({ "categoryName": name, "price": price, "totalSeats": seats }))
        .collect();
    let (status, body) = send_json(
        app,
        Method::POST,
        "/api/events",
        Some(token),
        Some(json!({
            "eventName": "Summer Music Festival",
            "eventCategory": "Music",
            "description": "Annual summer music festival",
            "eventDate": in_days(30),
            "location": "Central Park",
            "timezone": "America/New_York",
            "ticketCategories": categories,
        })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body
}

/// A draft event ("Secret", one seat) of this organizer: its id.
pub async fn create_draft(app: &TestApp, token: &str) -> i64 {
    let (status, draft) = send_json(
        app,
        Method::POST,
        "/api/events",
        Some(token),
        Some(json!({
            "eventName": "Secret", "eventCategory": "Music", "eventDate": in_days(9),
            "isActive": false, "ticketCategories": [{ "categoryName": "A", "price": 1, "totalSeats": 1 }],
        })),
    )
    .await;
    assert_eq!(status, 201, "{draft}");
    draft["idEvent"].as_i64().expect("idEvent")
}

/// Time passes until `event_id` ended `ago` milliseconds ago (a negative
/// `ago`: until it ends in that long): its times and the payout times its
/// orders were given move back together. Returns when it ends.
pub async fn time_passes(app: &TestApp, event_id: i64, ago: i64) -> i64 {
    let (end,): (i64,) =
        sqlx::query_as("SELECT COALESCE(ends_at, starts_at) FROM events WHERE id = $1")
            .bind(event_id)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    let shift = end - (app::kernel::time::now_millis() - ago);
    sqlx::query(
        "UPDATE events SET starts_at = starts_at - $1, ends_at = ends_at - $1 WHERE id = $2",
    )
    .bind(shift)
    .bind(event_id)
    .execute(app.db.pool())
    .await
    .unwrap();
    sqlx::query("UPDATE orders SET payout_after = payout_after - $1 WHERE event_id = $2")
        .bind(shift)
        .bind(event_id)
        .execute(app.db.pool())
        .await
        .unwrap();
    // As an edit announces itself (reads kept in memory see the new times).
    app.state.live.touch_catalog();
    app.state.live.touch_event(event_id);
    end - shift
}

/// Edits an event as its organizer; the edit must succeed.
pub async fn edit(app: &TestApp, organizer: &str, event_id: i64, change: serde_json::Value) {
    let (status, body) = send_json(
        app,
        Method::PUT,
        &format!("/api/events/{event_id}"),
        Some(organizer),
        Some(change),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

pub fn tier_id(event: &Value, index: usize) -> i64 {
    event["ticketCategories"][index]["id"]
        .as_i64()
        .expect("a tier id")
}

pub async fn reserve(app: &TestApp, token: &str, tier: i64, quantity: i64) -> (u16, Value) {
    send_json(
        app,
        Method::POST,
        "/api/events/tickets/reserve",
        Some(token),
        Some(json!({ "categoryId": tier, "quantity": quantity })),
    )
    .await
}

async fn tiers(app: &TestApp, event_id: i64) -> Value {
    let (status, body) = send_json(
        app,
        Method::GET,
        &format!("/api/events/{event_id}/tickets"),
        None,
        None,
    )
    .await;
    assert_eq!(status, 200);
    body
}

#[tokio::test]
async fn an_event_is_created_with_tiers_and_read_back_in_the_seed_shape() {
    let app = spawn_app().await;
    let (organizer, organizer_id) = user(&app, "organizer").await;
    let event = create_event(
        &app,
        &organizer,
        &[("VIP", 150.0, 100), ("General", 75.5, 500)],
    )
    .await;

    assert_eq!(event["eventName"], "Summer Music Festival");
    assert_eq!(event["createdBy"], organizer_id);
    assert_eq!(event["isActive"], true);
    assert_eq!(event["timezone"], "America/New_York");
    let vip = &event["ticketCategories"][0];
    assert_eq!(vip["categoryName"], "VIP");
    assert_eq!(vip["price"], 150.0);
    assert_eq!(vip["priceCents"], 15000);
    assert_eq!(vip["totalSeats"], 100);
    assert_eq!(vip["availableSeats"], 100);
    assert_eq!(event["ticketCategories"][1]["priceCents"], 7550);

    let id = event["idEvent"].as_i64().unwrap();
    for path in [
        "/api/events",
        "/api/events/upcoming",
        "/api/events/category/music",
    ] {
        let (status, list) = send_json(&app, Method::GET, path, None, None).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(list.as_array().unwrap().len(), 1, "{path}: {list}");
        assert_eq!(list[0]["idEvent"], id);
    }
    let (_, none) = send_json(&app, Method::GET, "/api/events/category/Sports", None, None).await;
    assert_eq!(none, json!([]));
    let (_, found) = send_json(
        &app,
        Method::GET,
        "/api/events?q=central%20park",
        None,
        None,
    )
    .await;
    assert_eq!(found.as_array().unwrap().len(), 1);
    let (_, past) = send_json(&app, Method::GET, "/api/events?when=past", None, None).await;
    assert_eq!(past, json!([]));
    let (status, one) =
        send_json(&app, Method::GET, &format!("/api/events/{id}"), None, None).await;
    assert_eq!(status, 200);
    assert_eq!(one["ticketCategories"].as_array().unwrap().len(), 2);
    assert_eq!(tiers(&app, id).await[1]["categoryName"], "General");

    // Not found and nonsense ids are 404 in JSON.
    let (status, body) = send_json(&app, Method::GET, "/api/events/999999", None, None).await;
    assert_eq!(status, 404);
    assert_eq!(body["statusCode"], 404);
    let (status, _) = send_json(&app, Method::GET, "/api/events/abc", None, None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn bad_event_input_is_refused_with_the_field_named() {
    let app = spawn_app().await;
    let (organizer, _) = user(&app, "organizer").await;
    let cases = [
        (
            json!({ "eventName": "", "eventCategory": "Music", "eventDate": in_days(3), "ticketCategories": [{ "categoryName": "A", "price": 1, "totalSeats": 1 }] }),
            "eventName",
        ),
        (
            json!({ "eventName": "X", "eventCategory": "Music", "eventDate": "next friday", "ticketCategories": [] }),
            "eventDate",
        ),
        (
            json!({ "eventName": "X", "eventCategory": "Music", "eventDate": in_days(-1), "ticketCategories": [{ "categoryName": "A", "price": 1, "totalSeats": 1 }] }),
            "eventDate",
        ),
        (
            json!({ "eventName": "X", "eventCategory": "Music", "eventDate": in_days(3), "ticketCategories": [] }),
            "ticketCategories",
        ),
        (
            json!({ "eventName": "X", "eventCategory": "Music", "eventDate": in_days(3), "ticketCategories": [{ "categoryName": "A", "price": -1, "totalSeats": 1 }] }),
            "ticketCategories.0.price",
        ),
        (
            json!({ "eventName": "X", "eventCategory": "Music", "eventDate": in_days(3), "ticketCategories": [{ "categoryName": "A", "price": 1, "totalSeats": 0 }] }),
            "ticketCategories.0.totalSeats",
        ),
        (
            json!({ "eventName": "X", "eventCategory": "Music", "eventDate": in_days(3), "timezone": "Mars/Base", "ticketCategories": [{ "categoryName": "A", "price": 1, "totalSeats": 1 }] }),
            "timezone",
        ),
    ];
    for (body, field) in cases {
        let (status, answer) = send_json(
            &app,
            Method::POST,
            "/api/events",
            Some(&organizer),
            Some(body),
        )
        .await;
        assert_eq!(status, 400, "{answer}");
        assert_eq!(answer["field"], field, "{answer}");
    }
    let (status, _) = send_json(&app, Method::GET, "/api/events", None, None).await;
    assert_eq!(status, 200);
    let (_, list) = send_json(&app, Method::GET, "/api/events?when=all", None, None).await;
    assert_eq!(list, json!([]), "nothing was created");
}

#[tokio::test]
async fn a_lock_becomes_an_order_then_tickets_and_check_in_admits_once() {
    let app = spawn_app().await;
    let (organizer, _) = user(&app, "organizer").await;
    let (buyer, buyer_id) = user(&app, "attendee").await;
    let event = create_event(&app, &organizer, &[("VIP", 150.0, 10)]).await;
    let event_id = event["idEvent"].as_i64().unwrap();
    let vip = tier_id(&event, 0);

    let (status, lock) = reserve(&app, &buyer, vip, 2).await;
    assert_eq!(status, 201, "{lock}");
    assert_eq!(lock["success"], true);
    assert_eq!(lock["availableSeats"], 8);
    let lock_id = lock["lockId"].as_str().unwrap().to_string();
    assert!(lock_id.starts_with("hold_"));
    assert_eq!(tiers(&app, event_id).await[0]["reservedSeats"], 2);

    let (_, locks) = send_json(
        &app,
        Method::GET,
        "/api/events/tickets/locks",
        Some(&buyer),
        None,
    )
    .await;
    assert_eq!(locks[0]["lockId"], lock_id);
    assert_eq!(locks[0]["quantity"], 2);

    let (status, order) = send_json(
        &app,
        Method::POST,
        "/api/orders/with-lock",
        Some(&buyer),
        Some(json!({ "eventId": event_id, "categoryId": vip, "quantity": 2, "lockId": lock_id, "notes": "Aisle please" })),
    )
    .await;
    assert_eq!(status, 201, "{order}");
    assert_eq!(order["status"], "pending");
    assert_eq!(order["userId"], buyer_id);
    assert_eq!(order["unitPrice"], 150.0);
    assert_eq!(order["totalCents"], 30000);
    assert_eq!(order["notes"], "Aisle please");
    let order_id = order["id"].as_i64().unwrap();

    // The same lock again gives the same order.
    let (_, again) = send_json(
        &app,
        Method::POST,
        "/api/orders/with-lock",
        Some(&buyer),
        Some(json!({ "lockId": lock_id })),
    )
    .await;
    assert_eq!(again["id"], order_id);

    let (status, confirmed) = send_json(
        &app,
        Method::POST,
        &format!("/api/orders/{order_id}/confirm"),
        Some(&buyer),
        None,
    )
    .await;
    assert_eq!(status, 200, "{confirmed}");
    assert_eq!(confirmed["status"], "confirmed");
    let codes: Vec<String> = confirmed["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes.len(), 2);
    assert_ne!(codes[0], codes[1]);
    assert!(codes.iter().all(|c| c.len() == 26));
    // Confirming twice changes nothing.
    let (status, twice) = send_json(
        &app,
        Method::POST,
        &format!("/api/orders/{order_id}/confirm"),
        Some(&buyer),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(twice["tickets"].as_array().unwrap().len(), 2);
    let vip_now = &tiers(&app, event_id).await[0];
    assert_eq!(vip_now["soldSeats"], 2);
    assert_eq!(vip_now["heldSeats"], 0);
    assert_eq!(vip_now["availableSeats"], 8);

    let check = |code: String| {
        let app = &app;
        let organizer = organizer.clone();
        async move {
            send_json(
                app,
                Method::POST,
                &format!("/api/events/{event_id}/check-in"),
                Some(&organizer),
                Some(json!({ "code": code })),
            )
            .await
        }
    };
    let (status, first) = check(codes[0].clone()).await;
    assert_eq!(status, 200);
    assert_eq!(first["result"], "valid");
    let (_, second) = check(codes[0].to_uppercase()).await;
    assert_eq!(second["result"], "already_checked_in");
    assert!(second["checkedInAt"].is_string());
    let (_, bogus) = check("nope".into()).await;
    assert_eq!(bogus["result"], "invalid");

    // A ticket for another event is recognised as such.
    let other = create_event(&app, &organizer, &[("Floor", 10.0, 5)]).await;
    let other_id = other["idEvent"].as_i64().unwrap();
    let (_, wrong) = send_json(
        &app,
        Method::POST,
        &format!("/api/events/{other_id}/check-in"),
        Some(&organizer),
        Some(json!({ "code": codes[1] })),
    )
    .await;
    assert_eq!(wrong["result"], "other_event");
    // A category named with the wrong event is refused, naming the field.
    let (status, mismatch) = send_json(
        &app,
        Method::POST,
        "/api/events/tickets/reserve",
        Some(&buyer),
        Some(json!({ "eventId": other_id, "categoryId": vip, "quantity": 1 })),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(mismatch["field"], "categoryId");
    // The check-in page reads the answer from the database, not from its
    // address: a crafted "valid" link for an unused ticket says so.
    let page = app
        .client
        .get(app.url(&format!(
            "/organizer/events/{event_id}/check-in?code={}&r=valid",
            codes[1]
        )))
        .bearer_auth(&organizer)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Not checked in yet"), "{page}");
    assert!(!page.contains("Valid: let them in"));
    // The buyer can't check tickets in.
    let (status, _) = send_json(
        &app,
        Method::POST,
        &format!("/api/events/{event_id}/check-in"),
        Some(&buyer),
        Some(json!({ "code": codes[1] })),
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn two_scanners_racing_on_one_ticket_admit_it_once() {
    let app = spawn_app().await;
    let (organizer, _) = user(&app, "organizer").await;
    let (buyer, _) = user(&app, "attendee").await;
    let event = create_event(&app, &organizer, &[("GA", 0.0, 5)]).await;
    let event_id = event["idEvent"].as_i64().unwrap();
    let (_, order) = send_json(
        &app,
        Method::POST,
        "/api/orders",
        Some(&buyer),
        Some(json!({ "categoryId": tier_id(&event, 0), "quantity": 1 })),
    )
    .await;
    let id = order["id"].as_i64().unwrap();
    let (_, order) = send_json(
        &app,
        Method::POST,
        &format!("/api/orders/{id}/confirm"),
        Some(&buyer),
        None,
    )
    .await;
    let code = order["tickets"][0]["code"].as_str().unwrap().to_string();
    let path = format!("/api/events/{event_id}/check-in");
    let attempts = (0..10).map(|_| {
        send_json(
            &app,
            Method::POST,
            &path,
            Some(&organizer),
            Some(json!({ "code": code })),
        )
    });
    let results = futures::future::join_all(attempts).await;
    let admitted = results
        .iter()
        .filter(|(_, r)| r["result"] == "valid")
        .count();
    let refused = results
        .iter()
        .filter(|(_, r)| r["result"] == "already_checked_in")
        .count();
    assert_eq!((admitted, refused), (1, 9));
}

#[tokio::test]
async fn the_same_idempotency_key_gives_the_same_order_even_concurrently() {
    let app = spawn_app().await;
    let (organizer, _) = user(&app, "organizer").await;
    let (buyer, _) = user(&app, "attendee").await;
    let event = create_event(&app, &organizer, &[("GA", 20.0, 50)]).await;
    let tier = tier_id(&event, 0);
    let attempts = (0..8).map(|_| {
        app.client
            .post(app.url("/api/orders"))
            .bearer_auth(&buyer)
            .header("Idempotency-Key", "checkout-42")
            .json(&json!({ "categoryId": tier, "quantity": 3 }))
            .send()
    });
    let mut ids = Vec::new();
    for response in futures::future::join_all(attempts).await {
        let response = response.unwrap();
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.unwrap();
        ids.push(body["id"].as_i64().unwrap());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one order for one key: {ids:?}");
    let event_id = event["idEvent"].as_i64().unwrap();
    assert_eq!(
        tiers(&app, event_id).await[0]["heldSeats"],
        3,
        "seats held once"
    );
    let (_, mine) = send_json(&app, Method::GET, "/api/orders", Some(&buyer), None).await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
    // A different key is a different order.
    let (status, other) = send_json(
        &app,
        Method::POST,
        "/api/orders",
        Some(&buyer),
        Some(json!({ "categoryId": tier, "quantity": 1, "clientKey": "another" })),
    )
    .await;
    assert_eq!(status, 201);
    assert_ne!(other["id"].as_i64().unwrap(), ids[0]);
}

#[tokio::test]
async fn an_expired_hold_stops_counting_at_once_and_fails_confirmation() {
    let app = spawn_app().await;
    let (organizer, _) = user(&app, "organizer").await;
    let (buyer, _) = user(&app, "attendee").await;
    let event = create_event(&app, &organizer, &[("GA", 20.0, 4)]).await;
    let event_id = event["idEvent"].as_i64().unwrap();
    let tier = tier_id(&event, 0);
    let (_, order) = send_json(
        &app,
        Method::POST,
        "/api/orders",
        Some(&buyer),
        Some(json!({ "categoryId": tier, "quantity": 4 })),
    )
    .await;
    assert_eq!(order["status"], "pending");
    let (status, sold_out) = reserve(&app, &buyer, tier, 1).await;
    assert_eq!(status, 409);
    assert_eq!(sold_out["success"], false);
    assert_eq!(sold_out["availableSeats"], 0);

    // The hold's time runs out (moved into the past instead of waiting).
    sqlx::query("UPDATE holds SET expires_at = $1")
        .bind(app::kernel::time::now_millis() - 1)
        .execute(app.db.pool())
        .await
        .unwrap();
    assert_eq!(
        tiers(&app, event_id).await[0]["availableSeats"],
        4,
        "free before any sweep"
    );

    let id = order["id"].as_i64().unwrap();
    let (status, refused) = send_json(
        &app,
        Method::POST,
        &format!("/api/orders/{id}/confirm"),
        Some(&buyer),
        None,
    )
    .await;
    assert_eq!(status, 409);
    assert!(
        refused["message"].as_str().unwrap().contains("expired"),
        "{refused}"
    );
    let (_, after) = send_json(
        &app,
        Method::GET,
        &format!("/api/orders/{id}"),
        Some(&buyer),
        None,
    )
    .await;
    assert_eq!(after["status"], "cancelled");
    assert_eq!(after["tickets"], json!([]));

    // Another lapsed hold is marked by the sweeper, and its pending order cancelled.
    let (_, second) = send_json(
        &app,
        Method::POST,
        "/api/orders",
        Some(&buyer),
        Some(json!({ "categoryId": tier, "quantity": 2 })),
    )
    .await;
    sqlx::query("UPDATE holds SET expires_at = $1 WHERE status = 'active'")
        .bind(app::kernel::time::now_millis() - 1)
        .execute(app.db.pool())
        .await
        .unwrap();
    let swept = app::events::sweeper::sweep(&app.db).await.unwrap();
    assert_eq!(swept.holds_expired, 1);
    assert_eq!(swept.orders_lapsed, 1);
    let second_id = second["id"].as_i64().unwrap();
    let (_, lapsed) = send_json(
        &app,
        Method::GET,
        &format!("/api/orders/{second_id}"),
        Some(&buyer),
        None,
    )
    .await;
    assert_eq!(lapsed["status"], "cancelled");
    let (_, locks) = send_json(
        &app,
        Method::GET,
        "/api/events/tickets/locks",
        Some(&buyer),
        None,
    )
    .await;
    assert_eq!(locks, json!([]));
}

#[tokio::test]
async fn releasing_and_cancelling_give_the_seats_back() {
    let app = spawn_app().await;
    let (organizer, _) = user(&app, "organizer").await;
    let (buyer, _) = user(&app, "attendee").await;
    let event = create_event(&app, &organizer, &[("GA", 20.0, 5)]).await;
    let event_id = event["idEvent"].as_i64().unwrap();
    let tier = tier_id(&event, 0);

    let (_, lock) = reserve(&app, &buyer, tier, 3).await;
    assert_eq!(lock["availableSeats"], 2);
    let (status, released) = send_json(
        &app,
        Method::POST,
        "/api/events/tickets/release",
        Some(&buyer),
        Some(json!({ "lockId": lock["lockId"] })),
    )
    .await;
    assert_eq!(status, 200, "{released}");
    assert_eq!(tiers(&app, event_id).await[0]["availableSeats"], 5);
    // Releasing again is a conflict, not a silent success.
    let (status, _) = send_json(
        &app,
        Method::POST,
        "/api/events/tickets/release",
        Some(&buyer),
        Some(json!({ "lockId": lock["lockId"] })),
    )
    .await;
    assert_eq!(status, 409);

    // Release by category (seed 001's form).
    reserve(&app, &buyer, tier, 1).await;
    let (_, by_tier) = send_json(
        &app,
        Method::POST,
        "/api/events/tickets/release",
        Some(&buyer),
        Some(json!({ "categoryId": tier, "quantity": 1 })),
    )
    .await;
    assert_eq!(by_tier["released"].as_array().unwrap().len(), 1);

    let (_, order) = send_json(
        &app,
        Method::POST,
        "/api/orders",
        Some(&buyer),
        Some(json!({ "categoryId": tier, "quantity": 5 })),
    )
    .await;
    let id = order["id"].as_i64().unwrap();
    send_json(
        &app,
        Method::POST,
        &format!("/api/orders/{id}/confirm"),
        Some(&buyer),
        None,
    )
    .await;
    assert_eq!(tiers(&app, event_id).await[0]["availableSeats"], 0);
    let (status, cancelled) = send_json(
        &app,
        Method::POST,
        &format!("/api/orders/{id}/cancel"),
        Some(&buyer),
        None,
    )
    .await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");
    assert!(
        cancelled["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["status"] == "void")
    );
    let after = &tiers(&app, event_id).await[0];
    assert_eq!(after["availableSeats"], 5);
    assert_eq!(after["soldSeats"], 0);
    let (status, _) = send_json(
        &app,
        Method::POST,
        &format!("/api/orders/{id}/cancel"),
        Some(&buyer),
        None,
    )
    .await;
    assert_eq!(status, 409, "cancelling twice");
}

#[tokio::test]
async fn capacity_cannot_drop_below_sold_plus_held_and_sold_events_are_cancelled_not_deleted() {
    let app = spawn_app().await;
    let (organizer, _) = user(&app, "organizer").await;
    let (buyer, _) = user(&app, "attendee").await;
    let event = create_event(&app, &organizer, &[("GA", 20.0, 10)]).await;
    let event_id = event["idEvent"].as_i64().unwrap();
    let tier = tier_id(&event, 0);
    let (_, order) = send_json(
        &app,
        Method::POST,
        "/api/orders",
        Some(&buyer),
        Some(json!({ "categoryId": tier, "quantity": 4 })),
    )
    .await;
    let order_id = order["id"].as_i64().unwrap();
    send_json(
        &app,
        Method::POST,
        &format!("/api/orders/{order_id}/confirm"),
        Some(&buyer),
        None,
    )
    .await;
    let (_, lock) = reserve(&app, &buyer, tier, 2).await;

    let event_path = format!("/api/events/{event_id}");
    let put = |capacity: i64| {
        send_json(
            &app,
            Method::PUT,
            &event_path,
            Some(&organizer),
            Some(
                json!({ "ticketCategories": [{ "id": tier, "categoryName": "GA", "price": 20, "totalSeats": capacity }] }),
            ),
        )
    };
    let (status, refused) = put(5).await;
    assert_eq!(status, 409, "{refused}");
    assert!(
        refused["message"].as_str().unwrap().contains("6 seats"),
        "{refused}"
    );
    let (status, ok) = put(6).await;
    assert_eq!(status, 200, "{ok}");
    assert_eq!(ok["ticketCategories"][0]["availableSeats"], 0);
    // Other fields can change on their own.
    let (status, renamed) = send_json(
        &app,
        Method::PUT,
        &format!("/api/events/{event_id}"),
        Some(&organizer),
        Some(json!({ "eventName": "Renamed" })),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(renamed["eventName"], "Renamed");
    assert_eq!(renamed["ticketCategories"][0]["totalSeats"], 6);

    // A pending order placed before the cancellation can't be confirmed after it.
    let (_, pending) = send_json(
        &app,
        Method::POST,
        "/api/orders/with-lock",
        Some(&buyer),
        Some(json!({ "lockId": lock["lockId"] })),
    )
    .await;
    let pending_id = pending["id"].as_i64().unwrap();
    let (status, refused) = send_json(
        &app,
        Method::DELETE,
        &format!("/api/events/{event_id}"),
        Some(&organizer),
        None,
    )
    .await;
    assert_eq!(status, 409, "{refused}");
    let (status, cancelled) = send_json(
        &app,
        Method::POST,
        &format!("/api/events/{event_id}/cancel"),
        Some(&organizer),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        cancelled["ordersCancelled"], 2,
        "the confirmed and the pending order"
    );
    let (_, order) = send_json(
        &app,
        Method::GET,
        &format!("/api/orders/{order_id}"),
        Some(&buyer),
        None,
    )
    .await;
    assert_eq!(order["status"], "cancelled");
    let (_, event) = send_json(
        &app,
        Method::GET,
        &format!("/api/events/{event_id}"),
        None,
        None,
    )
    .await;
    assert_eq!(event["status"], "cancelled");
    let (status, _) = reserve(&app, &buyer, tier, 1).await;
    assert_eq!(status, 409, "a cancelled event sells nothing");
    let (status, _) = send_json(
        &app,
        Method::POST,
        &format!("/api/orders/{pending_id}/confirm"),
        Some(&buyer),
        None,
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(tiers(&app, event_id).await[0]["soldSeats"], 0);
    let (status, _) = send_json(
        &app,
        Method::PUT,
        &format!("/api/events/{event_id}"),
        Some(&organizer),
        Some(json!({ "isActive": true })),
    )
    .await;
    assert_eq!(
        status, 409,
        "a cancelled event can't be brought back by an edit"
    );

    // An event without sales can be deleted.
    let unsold = create_event(&app, &organizer, &[("GA", 1.0, 1)]).await;
    let unsold_id = unsold["idEvent"].as_i64().unwrap();
    let (status, _) = send_json(
        &app,
        Method::DELETE,
        &format!("/api/events/{unsold_id}"),
        Some(&organizer),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = send_json(
        &app,
        Method::GET,
        &format!("/api/events/{unsold_id}"),
        None,
        None,
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn who_may_do_what_over_the_events_and_orders_endpoints() {
    let app = spawn_app().await;
    let (owner, _) = user(&app, "organizer").await;
    let (other_organizer, _) = user(&app, "organizer").await;
    let (buyer, _) = user(&app, "attendee").await;
    let (stranger, _) = user(&app, "attendee").await;
    let (admin, _) = user(&app, "admin").await;
    let event = create_event(&app, &owner, &[("GA", 5.0, 20)]).await;
    let event_id = event["idEvent"].as_i64().unwrap();
    let tier = tier_id(&event, 0);
    let (_, order) = send_json(
        &app,
        Method::POST,
        "/api/orders",
        Some(&buyer),
        Some(json!({ "categoryId": tier, "quantity": 1 })),
    )
    .await;
    let order_id = order["id"].as_i64().unwrap();

    let create = json!({ "eventName": "X", "eventCategory": "Music", "eventDate": in_days(5), "ticketCategories": [{ "categoryName": "A", "price": 1, "totalSeats": 1 }] });
    let rename = json!({ "eventName": "Mine now" });
    let event_path = format!("/api/events/{event_id}");
    let orders_of_event = format!("/api/orders/event/{event_id}");
    let order_path = format!("/api/orders/{order_id}");
    type Case<'a> = (Method, &'a str, Option<Value>, Option<&'a str>, u16);
    let cases: Vec<Case> = vec![
        (Method::POST, "/api/events", Some(create.clone()), None, 401),
        (
            Method::POST,
            "/api/events",
            Some(create.clone()),
            Some(&buyer),
            403,
        ),
        (
            Method::POST,
            "/api/events",
            Some(create.clone()),
            Some(&other_organizer),
            201,
        ),
        (Method::PUT, &event_path, Some(rename.clone()), None, 401),
        (
            Method::PUT,
            &event_path,
            Some(rename.clone()),
            Some(&buyer),
            403,
        ),
        (
            Method::PUT,
            &event_path,
            Some(rename.clone()),
            Some(&other_organizer),
            403,
        ),
        (
            Method::PUT,
            &event_path,
            Some(rename.clone()),
            Some(&owner),
            200,
        ),
        (
            Method::PUT,
            &event_path,
            Some(rename.clone()),
            Some(&admin),
            200,
        ),
        (
            Method::DELETE,
            &event_path,
            None,
            Some(&other_organizer),
            403,
        ),
        (Method::DELETE, &event_path, None, Some(&buyer), 403),
        (Method::GET, &orders_of_event, None, Some(&buyer), 403),
        (
            Method::GET,
            &orders_of_event,
            None,
            Some(&other_organizer),
            403,
        ),
        (Method::GET, &orders_of_event, None, Some(&owner), 200),
        (Method::GET, &orders_of_event, None, Some(&admin), 200),
        (Method::GET, &order_path, None, None, 401),
        (Method::GET, &order_path, None, Some(&stranger), 404),
        (Method::GET, &order_path, None, Some(&other_organizer), 404),
        (Method::GET, &order_path, None, Some(&buyer), 200),
        (Method::GET, &order_path, None, Some(&owner), 200),
        (Method::GET, &order_path, None, Some(&admin), 200),
        (Method::GET, "/api/orders/all", None, Some(&buyer), 403),
        (Method::GET, "/api/orders/all", None, Some(&owner), 403),
        (Method::GET, "/api/orders/all", None, Some(&admin), 200),
        (Method::GET, "/api/events/tickets/locks", None, None, 401),
        (
            Method::POST,
            "/api/events/tickets/reserve",
            Some(json!({ "categoryId": tier, "quantity": 1 })),
            None,
            401,
        ),
    ];
    for (method, path, body, token, expected) in cases {
        let (status, answer) = send_json(&app, method.clone(), path, token, body).await;
        assert_eq!(status, expected, "{method} {path} as {token:?}: {answer}");
    }
    // Others can't cancel or confirm the buyer's order either.
    for token in [&stranger, &other_organizer] {
        let (status, _) = send_json(
            &app,
            Method::POST,
            &format!("{order_path}/cancel"),
            Some(token),
            None,
        )
        .await;
        assert_eq!(status, 404);
        let (status, _) = send_json(
            &app,
            Method::POST,
            &format!("{order_path}/confirm"),
            Some(token),
            None,
        )
        .await;
        assert_eq!(status, 404);
    }
    // Nobody else sees the buyer's orders in their own list.
    let (_, theirs) = send_json(&app, Method::GET, "/api/orders", Some(&stranger), None).await;
    assert_eq!(theirs, json!([]));
    // Tickets: only the holder (and the organizer) download the QR code.
    let (_, confirmed) = send_json(
        &app,
        Method::POST,
        &format!("{order_path}/confirm"),
        Some(&buyer),
        None,
    )
    .await;
    let code = confirmed["tickets"][0]["code"].as_str().unwrap();
    let qr = |token: &str| {
        app.client
            .get(app.url(&format!("/tickets/{code}/qr.svg")))
            .bearer_auth(token.to_string())
            .send()
    };
    let mine = qr(&buyer).await.unwrap();
    assert_eq!(mine.status(), 200);
    assert_eq!(mine.headers()["content-type"], "image/svg+xml");
    assert!(mine.text().await.unwrap().contains("<svg"));
    assert_eq!(qr(&stranger).await.unwrap().status(), 404);
    assert_eq!(qr(&owner).await.unwrap().status(), 200);
    // Organizer exports: the owner only.
    let csv = |token: &str, what: &str| {
        app.client
            .get(app.url(&format!("/organizer/events/{event_id}/{what}.csv")))
            .bearer_auth(token.to_string())
            .send()
    };
    let orders_csv = csv(&owner, "orders").await.unwrap();
    assert_eq!(orders_csv.status(), 200);
    let text = orders_csv.text().await.unwrap();
    assert!(text.starts_with("order,buyer,email,tier"), "{text}");
    assert_eq!(text.lines().count(), 2);
    let attendees = csv(&owner, "attendees")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(attendees.contains(code), "{attendees}");
    assert_eq!(csv(&other_organizer, "orders").await.unwrap().status(), 403);
    assert_eq!(csv(&buyer, "attendees").await.unwrap().status(), 403);
}

#[tokio::test]
async fn the_calendar_file_and_the_openapi_document_describe_ticketing() {
    let app = spawn_app().await;
    let (organizer, _) = user(&app, "organizer").await;
    let event = create_event(&app, &organizer, &[("GA", 5.0, 20)]).await;
    let id = event["idEvent"].as_i64().unwrap();
    let response = app.get(&format!("/events/{id}/calendar.ics")).await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let ics = response.text().await.unwrap();
    assert!(ics.contains("BEGIN:VEVENT"));
    assert!(ics.contains("SUMMARY:Summer Music Festival"));
    assert!(ics.contains("DTSTART:"));
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    for path in [
        "/api/events",
        "/api/events/tickets/reserve",
        "/api/orders/with-lock",
        "/api/orders/{id}/cancel",
        "/api/orders/event/{eventId}",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is documented");
    }
}

#[tokio::test]
async fn a_tier_sells_only_inside_its_sales_window() {
    let app = spawn_app().await;
    let (organizer, _) = user(&app, "organizer").await;
    let (buyer, _) = user(&app, "attendee").await;
    let (status, event) = send_json(
        &app,
        Method::POST,
        "/api/events",
        Some(&organizer),
        Some(json!({
            "eventName": "Early bird", "eventCategory": "Conference", "eventDate": in_days(20),
            "ticketCategories": [
                { "categoryName": "Later", "price": 10, "totalSeats": 5, "salesStart": in_days(2) },
                { "categoryName": "Closed", "price": 10, "totalSeats": 5, "salesEnd": in_days(-1) },
                { "categoryName": "Bad", "price": 10, "totalSeats": 5, "salesStart": in_days(3), "salesEnd": in_days(2) },
            ],
        })),
    )
    .await;
    assert_eq!(status, 400, "{event}");
    assert_eq!(event["field"], "ticketCategories.2.salesEnd");

    let (status, event) = send_json(
        &app,
        Method::POST,
        "/api/events",
        Some(&organizer),
        Some(json!({
            "eventName": "Early bird", "eventCategory": "Conference", "eventDate": in_days(20),
            "ticketCategories": [
                { "categoryName": "Later", "price": 10, "totalSeats": 5, "salesStart": in_days(2) },
                { "categoryName": "Closed", "price": 10, "totalSeats": 5, "salesEnd": in_days(-1) },
            ],
        })),
    )
    .await;
    assert_eq!(status, 201, "{event}");
    let (status, later) = send_json(
        &app,
        Method::POST,
        "/api/events/tickets/reserve",
        Some(&buyer),
        Some(json!({ "categoryId": tier_id(&event, 0), "quantity": 1 })),
    )
    .await;
    assert_eq!(status, 409);
    assert!(
        later["message"]
            .as_str()
            .unwrap()
            .starts_with("Sales open on"),
        "{later}"
    );
    let (status, closed) = send_json(
        &app,
        Method::POST,
        "/api/events/tickets/reserve",
        Some(&buyer),
        Some(json!({ "categoryId": tier_id(&event, 1), "quantity": 1 })),
    )
    .await;
    assert_eq!(status, 409);
    assert!(
        closed["message"].as_str().unwrap().contains("ended"),
        "{closed}"
    );
}
