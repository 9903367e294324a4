//! Services, availability and bookings through the JSON API: free slots,
//! idempotent booking, the status flow and who may move it, the
//! cancellation window, rescheduling, live location and its privacy, and
//! the live notices. Runs on whichever database the run uses.

use reqwest::Method;
use serde_json::{Value, json};

use app::live::protocol::{ClientMessage, ErrorCode, Notice, Payload, ServerMessage};

use crate::helpers::{TestApp, new_user, send_json, spawn_app, spawn_app_with};
use crate::live::{connect, next, send, subscribe};

/// An organizer offering a 60-minute service, bookable every day around
/// the clock (UTC), with no notice and a 24-hour cancellation window:
/// (token, provider id, service id).
pub async fn provider(app: &TestApp) -> (String, i64, i64) {
    let (token, id) = new_user(app, "organizer").await;
    set_availability(app, &token, json!({})).await;
    let (status, service) = send_json(
        app,
        Method::POST,
        "/api/services",
        Some(&token),
        Some(json!({
            "title": "Deep clean",
            "category": "Cleaning",
            "description": "Two hours of scrubbing, in one.",
            "priceCents": 4500,
            "duration": 60,
            "locationKind": "customer",
        })),
    )
    .await;
    assert_eq!(status, 201, "{service}");
    (token, id, service["id"].as_i64().unwrap())
}

/// Replaces the provider's availability: every day 00:00–24:00 UTC unless
/// `changes` say otherwise.
pub async fn set_availability(app: &TestApp, token: &str, changes: Value) {
    let mut body = json!({
        "timezone": "UTC",
        "bufferMin": 0,
        "minNoticeMin": 0,
        "horizonDays": 30,
        "cancelWindowHours": 24,
        "weekly": vec!["00:00-24:00"; 7],
    });
    for (k, v) in changes.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (status, saved) = send_json(
        app,
        Method::PUT,
        "/api/availability",
        Some(token),
        Some(body),
    )
    .await;
    assert_eq!(status, 200, "{saved}");
}

/// The service's free starts (ISO) over the next `days` days.
pub async fn free(app: &TestApp, service: i64, days: i64) -> Vec<String> {
    let now = app::kernel::time::now_millis();
    let (status, body) = send_json(
        app,
        Method::GET,
        &format!(
            "/api/services/{service}/slots?from={}&to={}",
            app::kernel::time::iso(now),
            app::kernel::time::iso(now + days * 86_400_000)
        ),
        None,
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["startsAt"].as_str().unwrap().to_string())
        .collect()
}

/// A free start about `hours` from now.
pub async fn slot_in(app: &TestApp, service: i64, hours: i64) -> String {
    let after = app::kernel::time::now_millis() + hours * 3_600_000;
    free(app, service, hours / 24 + 2)
        .await
        .into_iter()
        .find(|s| app::kernel::time::parse_iso("s", s).unwrap() >= after)
        .expect("a free slot then")
}

pub async fn book(
    app: &TestApp,
    token: &str,
    service: i64,
    start: &str,
    key: Option<&str>,
) -> (u16, Value) {
    let mut request = app
        .bearer(Method::POST, "/api/bookings", token)
        .json(&json!({ "serviceId": service, "startsAt": start, "address": "1 Rue de la Paix" }));
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.unwrap();
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

pub async fn set_status(
    app: &TestApp,
    token: &str,
    id: i64,
    status: &str,
    reason: &str,
) -> (u16, Value) {
    send_json(
        app,
        Method::PUT,
        &format!("/api/bookings/{id}"),
        Some(token),
        Some(json!({ "status": status, "reason": reason })),
    )
    .await
}

#[tokio::test]
async fn a_customer_books_a_free_slot_once_per_key_and_it_leaves_the_free_list() {
    let app = spawn_app().await;
    let (provider_token, _, service) = provider(&app).await;
    let (customer, _) = new_user(&app, "attendee").await;
    let start = slot_in(&app, service, 30).await;
    assert!(free(&app, service, 3).await.contains(&start));

    let (status, booking) = book(&app, &customer, service, &start, Some("bk-1")).await;
    assert_eq!(status, 201, "{booking}");
    assert_eq!(booking["status"], "requested");
    assert_eq!(booking["startsAt"], start.as_str());
    assert_eq!(booking["priceCents"], 4500);
    assert_eq!(booking["history"][0]["status"], "requested");
    assert!(!free(&app, service, 3).await.contains(&start), "taken now");

    // A retry with the same key is the same booking; the key for another time is a 409.
    let (status, again) = book(&app, &customer, service, &start, Some("bk-1")).await;
    assert_eq!((status, &again["id"]), (200, &booking["id"]));
    let other = slot_in(&app, service, 40).await;
    let (status, reused) = book(&app, &customer, service, &other, Some("bk-1")).await;
    assert_eq!(status, 409, "{reused}");

    // Someone else asking for the same time gets a 409 with fresh slots.
    let (rival, _) = new_user(&app, "attendee").await;
    let (status, taken) = book(&app, &rival, service, &start, None).await;
    assert_eq!(status, 409, "{taken}");
    let fresh: Vec<&str> = taken["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["startsAt"].as_str().unwrap())
        .collect();
    assert!(
        !fresh.is_empty() && !fresh.contains(&start.as_str()),
        "{taken}"
    );

    // Not a start of the schedule, your own service, no address, signed out.
    let odd = app::kernel::time::iso(app::kernel::time::parse_iso("s", &other).unwrap() + 600_000);
    let (status, body) = book(&app, &rival, service, &odd, None).await;
    assert_eq!(status, 409, "{body}");
    let (status, _) = book(&app, &provider_token, service, &other, None).await;
    assert_eq!(status, 409);
    let (status, body) = send_json(
        &app,
        Method::POST,
        "/api/bookings",
        Some(&rival),
        Some(json!({ "serviceId": service, "startsAt": other })),
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("address")),
        "{body}"
    );
    let (status, _) = send_json(
        &app,
        Method::POST,
        "/api/bookings",
        None,
        Some(json!({ "serviceId": service, "startsAt": other })),
    )
    .await;
    assert_eq!(status, 401);

    // Lists: the customer's and the provider's.
    let (_, mine) = send_json(
        &app,
        Method::GET,
        "/api/bookings?as=customer",
        Some(&customer),
        None,
    )
    .await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
    let (_, theirs) = send_json(
        &app,
        Method::GET,
        "/api/bookings?as=provider",
        Some(&provider_token),
        None,
    )
    .await;
    assert_eq!(theirs[0]["id"], booking["id"]);
    let (status, _) = send_json(
        &app,
        Method::GET,
        &format!("/api/bookings/{}", booking["id"]),
        Some(&rival),
        None,
    )
    .await;
    assert_eq!(status, 404, "not the rival's to see");
    app.stop().await;
}

#[tokio::test]
async fn fifty_customers_racing_for_one_time_make_exactly_one_booking() {
    // Fifty sign-ups from one address: lift the sign-up rate limit.
    let app = spawn_app_with(|c| c.auth_limits.per_ip_per_minute = 1_000).await;
    let (_, provider_id, service) = provider(&app).await;
    let start = slot_in(&app, service, 50).await;
    let overlapping =
        app::kernel::time::iso(app::kernel::time::parse_iso("s", &start).unwrap() + 1_800_000);
    let mut customers = Vec::new();
    for _ in 0..50 {
        customers.push(new_user(&app, "attendee").await.0);
    }
    // Half ask for the start, half for a start 30 minutes later that
    // overlaps it: one booking in all can win.
    let attempts = customers.iter().enumerate().map(|(i, token)| {
        let when = if i % 2 == 0 {
            start.clone()
        } else {
            overlapping.clone()
        };
        // Most send a key, as the booking form does.
        let key = (i % 3 != 0).then(|| format!("race-{i}"));
        let app = &app;
        async move { book(app, token, service, &when, key.as_deref()).await }
    });
    let results = futures::future::join_all(attempts).await;
    let won: Vec<&(u16, Value)> = results.iter().filter(|(s, _)| *s == 201).collect();
    assert_eq!(won.len(), 1, "exactly one winner");
    for (status, body) in &results {
        assert!(*status == 201 || *status == 409, "{status} {body}");
    }
    let (active,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM bookings WHERE provider_id = $1 AND status IN ('requested', 'confirmed', 'in_progress')",
    )
    .bind(provider_id)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(active, 1);
    app.stop().await;
}

#[tokio::test]
async fn concurrent_retries_with_one_key_make_one_booking() {
    let app = spawn_app().await;
    let (_, _, service) = provider(&app).await;
    let (customer, customer_id) = new_user(&app, "attendee").await;
    let start = slot_in(&app, service, 30).await;
    let tries = (0..8).map(|_| book(&app, &customer, service, &start, Some("same-key")));
    let results = futures::future::join_all(tries).await;
    let ids: Vec<i64> = results
        .iter()
        .map(|(status, body)| {
            assert!(*status == 201 || *status == 200, "{status} {body}");
            body["id"].as_i64().unwrap()
        })
        .collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_eq!(results.iter().filter(|(s, _)| *s == 201).count(), 1);
    let (rows,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM bookings WHERE customer_id = $1")
        .bind(customer_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(rows, 1);
    app.stop().await;
}

#[tokio::test]
async fn the_sweep_declines_unanswered_requests_and_closes_past_appointments() {
    let app = spawn_app().await;
    let (provider_token, _, service) = provider(&app).await;
    let (customer, _) = new_user(&app, "attendee").await;
    let (_, unanswered) = book(
        &app,
        &customer,
        service,
        &slot_in(&app, service, 30).await,
        None,
    )
    .await;
    let (_, done) = book(
        &app,
        &customer,
        service,
        &slot_in(&app, service, 40).await,
        None,
    )
    .await;
    let (unanswered, done) = (
        unanswered["id"].as_i64().unwrap(),
        done["id"].as_i64().unwrap(),
    );
    set_status(&app, &provider_token, done, "confirmed", "").await;
    // Both appointments are now ten days in the past.
    sqlx::query(
        "UPDATE bookings SET starts_at = starts_at - 864000000, ends_at = ends_at - 864000000, \
         blocked_until = blocked_until - 864000000",
    )
    .execute(app.db.pool())
    .await
    .unwrap();
    let swept = app::services::sweeper::sweep_bookings(&app.db)
        .await
        .unwrap();
    assert_eq!(swept.len(), 2);
    assert!(
        app::services::sweeper::sweep_bookings(&app.db)
            .await
            .unwrap()
            .is_empty(),
        "once"
    );

    let (_, a) = send_json(
        &app,
        Method::GET,
        &format!("/api/bookings/{unanswered}"),
        Some(&customer),
        None,
    )
    .await;
    assert_eq!(a["status"], "declined");
    assert_eq!(a["cancelReason"], "Not confirmed before the start.");
    assert!(a["history"].as_array().unwrap().last().unwrap()["actorName"].is_null());
    let (_, b) = send_json(
        &app,
        Method::GET,
        &format!("/api/bookings/{done}"),
        Some(&customer),
        None,
    )
    .await;
    assert_eq!(b["status"], "completed");
    let (status, _) = send_json(
        &app,
        Method::POST,
        "/api/reviews",
        Some(&customer),
        Some(json!({ "bookingId": done, "rating": 5 })),
    )
    .await;
    assert_eq!(status, 201, "a closed booking can be reviewed");
    app.stop().await;
}

#[tokio::test]
async fn only_the_documented_status_moves_happen_and_only_by_the_right_side() {
    let app = spawn_app().await;
    let (provider_token, _, service) = provider(&app).await;
    let (customer, _) = new_user(&app, "attendee").await;
    let (_, b) = book(
        &app,
        &customer,
        service,
        &slot_in(&app, service, 30).await,
        None,
    )
    .await;
    let id = b["id"].as_i64().unwrap();

    for illegal in ["in_progress", "completed", "on_my_way"] {
        let (status, body) = set_status(&app, &provider_token, id, illegal, "").await;
        assert_eq!(status, 409, "requested → {illegal}: {body}");
    }
    let (status, _) = set_status(&app, &customer, id, "confirmed", "").await;
    assert_eq!(status, 403, "customers don't confirm");
    let (status, body) = set_status(&app, &provider_token, id, "dancing", "").await;
    assert_eq!((status, body["field"].as_str()), (400, Some("status")));
    let (status, body) = set_status(&app, &provider_token, id, "confirmed", "").await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("confirmed")),
        "{body}"
    );
    let (status, _) = set_status(&app, &provider_token, id, "confirmed", "").await;
    assert_eq!(status, 409, "twice");
    let (status, _) = set_status(&app, &provider_token, id, "declined", "").await;
    assert_eq!(status, 409, "confirmed → declined");
    let (status, _) = set_status(&app, &customer, id, "on_my_way", "").await;
    assert_eq!(status, 403);
    let (status, body) = set_status(&app, &provider_token, id, "on_my_way", "").await;
    assert_eq!(
        (status, body["enRoute"].as_bool()),
        (200, Some(true)),
        "{body}"
    );
    let (status, _) = set_status(&app, &customer, id, "in_progress", "").await;
    assert_eq!(status, 403);
    let (status, _) = set_status(&app, &provider_token, id, "in_progress", "").await;
    assert_eq!(status, 200);
    let (status, _) = set_status(&app, &provider_token, id, "cancelled", "too late").await;
    assert_eq!(status, 409, "in progress → cancelled");
    let (status, done) = set_status(&app, &provider_token, id, "completed", "").await;
    assert_eq!((status, done["status"].as_str()), (200, Some("completed")));
    for after in [
        "requested",
        "confirmed",
        "declined",
        "in_progress",
        "cancelled",
    ] {
        let (status, _) = set_status(&app, &provider_token, id, after, "x").await;
        assert!(
            status == 409 || status == 400,
            "completed → {after}: {status}"
        );
    }
    let steps: Vec<&str> = done["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "requested",
            "confirmed",
            "on_my_way",
            "in_progress",
            "completed"
        ]
    );

    // A declined request stays declined and frees its time.
    let start = slot_in(&app, service, 60).await;
    let (_, b) = book(&app, &customer, service, &start, None).await;
    let id = b["id"].as_i64().unwrap();
    let (status, _) = set_status(&app, &provider_token, id, "declined", "").await;
    assert_eq!(status, 200);
    let (status, _) = set_status(&app, &provider_token, id, "confirmed", "").await;
    assert_eq!(status, 409);
    assert!(free(&app, service, 4).await.contains(&start));
    app.stop().await;
}

#[tokio::test]
async fn customers_cancel_only_inside_the_window_and_providers_say_why() {
    let app = spawn_app().await;
    let (provider_token, _, service) = provider(&app).await;
    let (customer, _) = new_user(&app, "attendee").await;
    // Within 24 hours of the start: too late for the customer.
    let (_, soon) = book(
        &app,
        &customer,
        service,
        &slot_in(&app, service, 3).await,
        None,
    )
    .await;
    let soon = soon["id"].as_i64().unwrap();
    let (status, body) = send_json(
        &app,
        Method::DELETE,
        &format!("/api/bookings/{soon}"),
        Some(&customer),
        None,
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("24 hours"),
        "{body}"
    );
    let (status, body) = send_json(
        &app,
        Method::DELETE,
        &format!("/api/bookings/{soon}"),
        Some(&provider_token),
        None,
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("reason")),
        "{body}"
    );
    let (status, body) = send_json(
        &app,
        Method::DELETE,
        &format!("/api/bookings/{soon}?reason=Van%20broke%20down"),
        Some(&provider_token),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["status"].as_str(), body["cancelReason"].as_str()),
        (Some("cancelled"), Some("Van broke down"))
    );

    // Two days ahead: the customer may.
    let (_, later) = book(
        &app,
        &customer,
        service,
        &slot_in(&app, service, 50).await,
        None,
    )
    .await;
    let (status, body) = send_json(
        &app,
        Method::DELETE,
        &format!("/api/bookings/{}", later["id"]),
        Some(&customer),
        None,
    )
    .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("cancelled")),
        "{body}"
    );
    app.stop().await;
}

#[tokio::test]
async fn rescheduling_moves_to_a_free_time_or_not_at_all() {
    let app = spawn_app().await;
    let (provider_token, _, service) = provider(&app).await;
    let (alice, _) = new_user(&app, "attendee").await;
    let (bob, _) = new_user(&app, "attendee").await;
    let first = slot_in(&app, service, 40).await;
    let second = slot_in(&app, service, 45).await;
    let third = slot_in(&app, service, 50).await;
    let (_, a) = book(&app, &alice, service, &first, None).await;
    let (_, _) = book(&app, &bob, service, &second, None).await;
    let id = a["id"].as_i64().unwrap();
    let (status, _) = set_status(&app, &provider_token, id, "confirmed", "").await;
    assert_eq!(status, 200);
    let move_to = |to: String| {
        let app = &app;
        let alice = alice.clone();
        async move {
            send_json(
                app,
                Method::PUT,
                &format!("/api/bookings/{id}"),
                Some(&alice),
                Some(json!({ "startsAt": to })),
            )
            .await
        }
    };
    let (status, body) = move_to(second.clone()).await;
    assert_eq!(status, 409, "Bob has it: {body}");
    let (status, _) = send_json(
        &app,
        Method::PUT,
        &format!("/api/bookings/{id}"),
        Some(&bob),
        Some(json!({ "startsAt": third })),
    )
    .await;
    assert_eq!(status, 404, "not Bob's booking");
    let (status, body) = move_to(third.clone()).await;
    assert_eq!(
        (status, body["startsAt"].as_str()),
        (200, Some(third.as_str())),
        "{body}"
    );
    let slots = free(&app, service, 4).await;
    assert!(slots.contains(&first) && !slots.contains(&third));
    assert_eq!(
        body["history"].as_array().unwrap().last().unwrap()["status"],
        "rescheduled"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_position_is_for_the_two_parties_and_only_while_under_way() {
    let app = spawn_app().await;
    let (provider_token, _, service) = provider(&app).await;
    let (customer, _) = new_user(&app, "attendee").await;
    let (stranger, _) = new_user(&app, "attendee").await;
    let (admin, _) = new_user(&app, "admin").await;
    let (_, b) = book(
        &app,
        &customer,
        service,
        &slot_in(&app, service, 30).await,
        None,
    )
    .await;
    let id = b["id"].as_i64().unwrap();
    let share = |token: String| {
        let app = &app;
        async move {
            send_json(
                app,
                Method::PUT,
                &format!("/api/bookings/{id}/location"),
                Some(&token),
                Some(json!({ "lat": 48.8584, "lng": 2.2945, "accuracy": 12.4 })),
            )
            .await
        }
    };
    let (status, _) = share(provider_token.clone()).await;
    assert_eq!(status, 409, "not under way while requested");
    set_status(&app, &provider_token, id, "confirmed", "").await;
    let (status, _) = share(provider_token.clone()).await;
    assert_eq!(status, 409, "confirmed but not on the way");
    set_status(&app, &provider_token, id, "on_my_way", "").await;
    let (status, _) = share(customer.clone()).await;
    assert_eq!(status, 403, "customers don't share");
    let (status, _) = share(stranger.clone()).await;
    assert_eq!(status, 404);
    let (status, body) = send_json(
        &app,
        Method::PUT,
        &format!("/api/bookings/{id}/location"),
        Some(&provider_token),
        Some(json!({ "lat": 91.0, "lng": 2.0 })),
    )
    .await;
    assert_eq!((status, body["field"].as_str()), (400, Some("lat")));
    let (status, _) = share(provider_token.clone()).await;
    assert_eq!(status, 200);

    let (_, seen) = send_json(
        &app,
        Method::GET,
        &format!("/api/bookings/{id}"),
        Some(&customer),
        None,
    )
    .await;
    assert_eq!(seen["location"]["lat"], 48.8584);
    assert_eq!(seen["location"]["accuracy"], 12);
    let (status, _) = send_json(
        &app,
        Method::GET,
        &format!("/api/bookings/{id}"),
        Some(&stranger),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, as_admin) = send_json(
        &app,
        Method::GET,
        &format!("/api/bookings/{id}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(as_admin["location"].is_null(), "not even admins see it");

    set_status(&app, &provider_token, id, "in_progress", "").await;
    let (_, done) = set_status(&app, &provider_token, id, "completed", "").await;
    assert!(done["location"].is_null(), "forgotten once done");
    let (status, _) = share(provider_token.clone()).await;
    assert_eq!(status, 409, "sharing stops with the booking");
    let (lat,): (Option<i64>,) = sqlx::query_as("SELECT location_lat FROM bookings WHERE id = $1")
        .bind(id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(lat, None, "not kept in the database either");
    app.stop().await;
}

#[tokio::test]
async fn providers_hear_of_requests_and_both_sides_follow_the_booking_live() {
    let app = spawn_app().await;
    let (provider_token, provider_id, service) = provider(&app).await;
    let (customer, _) = new_user(&app, "attendee").await;
    let (stranger, _) = new_user(&app, "attendee").await;
    let mut desk = connect(&app, Some(&provider_token)).await;
    send(&mut desk, subscribe(format!("user:{provider_id}"), None)).await;
    let mut slots = connect(&app, None).await;
    send(
        &mut slots,
        subscribe(format!("provider:{provider_id}"), None),
    )
    .await;
    let first = next(&mut slots).await;
    assert!(matches!(first, ServerMessage::Snapshot { .. }), "{first:?}");

    let (_, b) = book(
        &app,
        &customer,
        service,
        &slot_in(&app, service, 30).await,
        None,
    )
    .await;
    let id = b["id"].as_i64().unwrap();
    // The provider's own topic: the new request (seed 000's booking:new).
    let mut heard_new = false;
    while !heard_new {
        if let ServerMessage::Update {
            payload: Payload::Notice { notice },
            ..
        }
        | ServerMessage::Snapshot {
            payload: Payload::Notice { notice },
            ..
        } = next(&mut desk).await
        {
            heard_new = matches!(notice, Notice::NewBooking { booking_id, .. } if booking_id == id);
        }
    }
    // The provider's schedule topic: free times changed (availability:changed).
    let changed = next(&mut slots).await;
    assert!(
        matches!(changed, ServerMessage::Update { payload: Payload::Schedule { provider_id: p, .. }, .. } if p == provider_id),
        "{changed:?}"
    );

    // The booking's topic: the customer follows it, a stranger can't.
    let mut watcher = connect(&app, Some(&customer)).await;
    send(&mut watcher, subscribe(format!("booking:{id}"), None)).await;
    let snap = next(&mut watcher).await;
    assert!(
        matches!(&snap, ServerMessage::Snapshot { payload: Payload::Booking { status, .. }, .. } if status == "requested"),
        "{snap:?}"
    );
    let mut nosy = connect(&app, Some(&stranger)).await;
    send(&mut nosy, subscribe(format!("booking:{id}"), None)).await;
    assert!(matches!(next(&mut nosy).await, ServerMessage::Error { .. }));

    set_status(&app, &provider_token, id, "confirmed", "").await;
    let update = next(&mut watcher).await;
    assert!(
        matches!(&update, ServerMessage::Update { payload: Payload::Booking { status, .. }, .. } if status == "confirmed"),
        "{update:?}"
    );
    set_status(&app, &provider_token, id, "on_my_way", "").await;
    next(&mut watcher).await;
    send_json(
        &app,
        Method::PUT,
        &format!("/api/bookings/{id}/location"),
        Some(&provider_token),
        Some(json!({ "lat": 52.52, "lng": 13.405 })),
    )
    .await;
    let moved = next(&mut watcher).await;
    let ServerMessage::Update {
        payload: Payload::Booking {
            position: Some(p), ..
        },
        ..
    } = moved
    else {
        panic!("a position: {moved:?}");
    };
    assert_eq!((p.lat_e6, p.lng_e6), (52_520_000, 13_405_000));
    app.stop().await;
}

/// A position ping up the socket, and the refusal it gets (if any).
async fn ping_position(
    ws: &mut crate::live::Ws,
    topic: String,
    lat_e6: i64,
) -> Option<ServerMessage> {
    send(
        ws,
        ClientMessage::Location {
            topic,
            lat_e6,
            lng_e6: 13_405_000,
            accuracy_m: 8,
        },
    )
    .await;
    // A position is answered only when refused (the sender's own
    // subscription may show it coming back); a pong after it says it's done.
    send(ws, ClientMessage::Ping { nonce: 77 }).await;
    let mut refusal = None;
    loop {
        match next(ws).await {
            ServerMessage::Pong { nonce: 77 } => return refusal,
            error @ ServerMessage::Error { .. } => refusal = Some(error),
            _ => {}
        }
    }
}

fn refused(message: Option<ServerMessage>) -> ErrorCode {
    match message {
        Some(ServerMessage::Error { code, .. }) => code,
        other => panic!("a refusal: {other:?}"),
    }
}

#[tokio::test]
async fn the_provider_s_position_goes_up_the_socket_to_the_customer_and_nowhere_else() {
    let app = spawn_app().await;
    let (provider_token, _, service) = provider(&app).await;
    let (customer, _) = new_user(&app, "attendee").await;
    let (_, b) = book(
        &app,
        &customer,
        service,
        &slot_in(&app, service, 30).await,
        None,
    )
    .await;
    let id = b["id"].as_i64().unwrap();
    let topic = format!("booking:{id}");
    set_status(&app, &provider_token, id, "confirmed", "").await;

    let mut watcher = connect(&app, Some(&customer)).await;
    send(&mut watcher, subscribe(topic.clone(), None)).await;
    assert!(matches!(
        next(&mut watcher).await,
        ServerMessage::Snapshot { .. }
    ));
    let mut van = connect(&app, Some(&provider_token)).await;
    assert_eq!(
        refused(ping_position(&mut van, topic.clone(), 52_520_000).await),
        ErrorCode::Forbidden,
        "only on a booking the connection follows"
    );
    send(&mut van, subscribe(topic.clone(), None)).await;
    assert!(matches!(
        next(&mut van).await,
        ServerMessage::Snapshot { .. }
    ));
    assert_eq!(
        refused(ping_position(&mut van, topic.clone(), 52_520_000).await),
        ErrorCode::Conflict,
        "confirmed, but not on the way yet"
    );

    set_status(&app, &provider_token, id, "on_my_way", "").await;
    next(&mut watcher).await;
    next(&mut van).await;
    // A fresh connection: the last one just sent a position.
    let mut van = connect(&app, Some(&provider_token)).await;
    send(&mut van, subscribe(topic.clone(), None)).await;
    next(&mut van).await;
    assert_eq!(
        ping_position(&mut van, topic.clone(), 52_520_000).await,
        None
    );
    let moved = next(&mut watcher).await;
    let ServerMessage::Update {
        payload:
            Payload::Booking {
                position: Some(p),
                status,
                en_route,
                ..
            },
        ..
    } = moved
    else {
        panic!("a position: {moved:?}");
    };
    assert_eq!(
        (p.lat_e6, p.lng_e6, p.accuracy_m, status.as_str(), en_route),
        (52_520_000, 13_405_000, 8, "confirmed", true)
    );
    let (_, seen) = send_json(
        &app,
        Method::GET,
        &format!("/api/bookings/{id}"),
        Some(&customer),
        None,
    )
    .await;
    assert_eq!(
        seen["location"]["lat"], 52.52,
        "kept for whoever opens the page next"
    );
    assert_eq!(
        refused(ping_position(&mut van, topic.clone(), 52_530_000).await),
        ErrorCode::RateLimited,
        "one every 2 s"
    );

    // The customer may follow the booking but not move the van.
    assert_eq!(
        refused(ping_position(&mut watcher, topic.clone(), 1_000_000).await),
        ErrorCode::Forbidden
    );
    let mut other_van = connect(&app, Some(&provider_token)).await;
    send(&mut other_van, subscribe(topic.clone(), None)).await;
    next(&mut other_van).await;
    assert_eq!(
        refused(ping_position(&mut other_van, topic.clone(), 91_000_000).await),
        ErrorCode::BadMessage,
        "not a latitude"
    );

    // Once done, positions are refused and the last one is gone.
    set_status(&app, &provider_token, id, "in_progress", "").await;
    set_status(&app, &provider_token, id, "completed", "").await;
    let mut late = connect(&app, Some(&provider_token)).await;
    send(&mut late, subscribe(topic.clone(), None)).await;
    next(&mut late).await;
    assert_eq!(
        refused(ping_position(&mut late, topic.clone(), 52_520_000).await),
        ErrorCode::Conflict
    );
    let (lat,): (Option<i64>,) = sqlx::query_as("SELECT location_lat FROM bookings WHERE id = $1")
        .bind(id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(lat, None);
    // What the customer heard: the position once, then statuses, no other position.
    let mut positions = 0;
    loop {
        match next(&mut watcher).await {
            ServerMessage::Update {
                payload:
                    Payload::Booking {
                        position, status, ..
                    },
                ..
            } => {
                positions += usize::from(position.is_some());
                if status == "completed" {
                    break;
                }
            }
            ServerMessage::Pong { .. } | ServerMessage::Error { .. } => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(
        positions, 1,
        "the in-progress update still carries the one position"
    );
    app.stop().await;
}

#[tokio::test]
async fn services_are_listed_filtered_edited_and_retired_by_their_provider() {
    let app = spawn_app().await;
    let (token, provider_id, service) = provider(&app).await;
    let (other, _) = new_user(&app, "organizer").await;
    let (attendee, _) = new_user(&app, "attendee").await;
    let (status, _) = send_json(&app, Method::POST, "/api/services", Some(&attendee),
        Some(json!({ "title": "X", "category": "Y", "priceCents": 1, "duration": 30, "locationKind": "online" }))).await;
    assert_eq!(status, 403, "attendees don't offer services");
    let (status, body) = send_json(
        &app,
        Method::POST,
        "/api/services",
        Some(&token),
        Some(
            json!({ "title": "Haircut", "category": "Beauty", "priceCents": 2500, "duration": 3 }),
        ),
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("duration_min")),
        "{body}"
    );
    let (status, body) = send_json(
        &app,
        Method::POST,
        "/api/services",
        Some(&token),
        Some(
            json!({ "title": "Haircut", "category": "Beauty", "priceCents": 2500, "duration": 45 }),
        ),
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("address")),
        "{body}"
    );
    let (status, cut) = send_json(&app, Method::POST, "/api/services", Some(&token),
        Some(json!({ "title": "Haircut", "category": "Beauty", "price": 25, "duration": 45, "address": "3 High St" }))).await;
    assert_eq!(
        (status, cut["priceCents"].as_i64()),
        (201, Some(2500)),
        "{cut}"
    );

    let (_, cheap) = send_json(&app, Method::GET, "/api/services?maxPrice=30", None, None).await;
    assert_eq!(cheap.as_array().unwrap().len(), 1);
    let (_, found) = send_json(&app, Method::GET, "/api/services?q=scrub", None, None).await;
    assert_eq!(found[0]["id"], service);
    let (_, beauty) = send_json(
        &app,
        Method::GET,
        &format!("/api/services?category=beauty&providerId={provider_id}"),
        None,
        None,
    )
    .await;
    assert_eq!(beauty[0]["title"], "Haircut");

    let cut_id = cut["id"].as_i64().unwrap();
    let edit = json!({ "title": "Haircut & beard", "category": "Beauty", "priceCents": 3000, "duration": 60, "address": "3 High St" });
    let (status, _) = send_json(
        &app,
        Method::PUT,
        &format!("/api/services/{cut_id}"),
        Some(&other),
        Some(edit.clone()),
    )
    .await;
    assert_eq!(status, 403);
    let (status, edited) = send_json(
        &app,
        Method::PUT,
        &format!("/api/services/{cut_id}"),
        Some(&token),
        Some(edit),
    )
    .await;
    assert_eq!(
        (status, edited["title"].as_str()),
        (200, Some("Haircut & beard"))
    );
    let (status, _) = send_json(
        &app,
        Method::DELETE,
        &format!("/api/services/{cut_id}"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = send_json(
        &app,
        Method::GET,
        &format!("/api/services/{cut_id}"),
        None,
        None,
    )
    .await;
    assert_eq!(status, 404, "retired");
    let (status, body) = send_json(
        &app,
        Method::GET,
        &format!("/api/services/{service}/slots?from=2020-01-01&to=2020-03-01"),
        None,
        None,
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("to")),
        "{body}"
    );

    // Availability input is checked field by field.
    let (status, body) = send_json(
        &app,
        Method::PUT,
        "/api/availability",
        Some(&token),
        Some(json!({
        "timezone": "UTC", "weekly": ["09:00-12:00, 11:00-13:00", "", "", "", "", "", ""] })),
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("mon")),
        "{body}"
    );
    let (status, body) = send_json(
        &app,
        Method::PUT,
        "/api/availability",
        Some(&token),
        Some(json!({
        "timezone": "Mars/Olympus", "weekly": vec![""; 7] })),
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("timezone")),
        "{body}"
    );
    app.stop().await;
}
