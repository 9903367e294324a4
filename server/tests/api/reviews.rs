//! Reviews: only the customer of a completed booking, or someone who was at
//! the event, may write one, once; the provider replies once; admins hide.

use reqwest::Method;
use serde_json::json;

use crate::bookings::{book, provider, set_status, slot_in};
use crate::helpers::{new_user, send_json, spawn_app, user};
use crate::ticketing::{create_event, tier_id};

#[tokio::test]
async fn only_customers_of_completed_bookings_review_them_once() {
    let app = spawn_app().await;
    let (provider_token, provider_id, service) = provider(&app).await;
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
    let review = |token: String, rating: i64| {
        let app = &app;
        async move {
            send_json(
                app,
                Method::POST,
                "/api/reviews",
                Some(&token),
                Some(json!({ "bookingId": id, "rating": rating, "comment": "Spotless, on time." })),
            )
            .await
        }
    };
    let (status, body) = review(customer.clone(), 4).await;
    assert_eq!(status, 403, "not completed yet: {body}");
    for step in ["confirmed", "in_progress", "completed"] {
        set_status(&app, &provider_token, id, step, "").await;
    }
    let (status, body) = review(customer.clone(), 0).await;
    assert_eq!((status, body["field"].as_str()), (400, Some("rating")));
    let (status, _) = review(stranger.clone(), 5).await;
    assert_eq!(status, 404, "not their booking: to them, no booking");
    let (status, _) = review(provider_token.clone(), 5).await;
    assert_eq!(status, 403, "not their own");
    let (status, written) = review(customer.clone(), 4).await;
    assert_eq!(status, 201, "{written}");
    let (status, _) = review(customer.clone(), 5).await;
    assert_eq!(status, 409, "once");

    let (_, svc) = send_json(
        &app,
        Method::GET,
        &format!("/api/services/{service}"),
        None,
        None,
    )
    .await;
    assert_eq!(
        (svc["rating"].as_f64(), svc["reviewCount"].as_i64()),
        (Some(4.0), Some(1))
    );
    let (_, list) = send_json(
        &app,
        Method::GET,
        &format!("/api/reviews?providerId={provider_id}"),
        None,
        None,
    )
    .await;
    assert_eq!(list["count"], 1);

    let review_id = written["id"].as_i64().unwrap();
    let reply = |token: String| {
        let app = &app;
        async move {
            send_json(
                app,
                Method::POST,
                &format!("/api/reviews/{review_id}/reply"),
                Some(&token),
                Some(json!({ "reply": "Thank you!" })),
            )
            .await
        }
    };
    let (status, _) = reply(customer.clone()).await;
    assert_eq!(status, 403);
    let (status, replied) = reply(provider_token.clone()).await;
    assert_eq!(
        (status, replied["reply"].as_str()),
        (200, Some("Thank you!"))
    );
    let (status, _) = reply(provider_token.clone()).await;
    assert_eq!(status, 409, "one reply");

    let hide = json!({ "hidden": true });
    let path = format!("/api/reviews/{review_id}/hidden");
    let (status, _) = send_json(
        &app,
        Method::PUT,
        &path,
        Some(&provider_token),
        Some(hide.clone()),
    )
    .await;
    assert_eq!(status, 403, "only admins moderate");
    let (status, _) = send_json(&app, Method::PUT, &path, Some(&admin), Some(hide)).await;
    assert_eq!(status, 200);
    let (_, public) = send_json(
        &app,
        Method::GET,
        &format!("/api/reviews?serviceId={service}"),
        None,
        None,
    )
    .await;
    assert_eq!(
        (
            public["count"].as_i64(),
            public["reviews"].as_array().unwrap().len()
        ),
        (Some(0), 0)
    );
    let (_, moderated) = send_json(
        &app,
        Method::GET,
        &format!("/api/reviews?serviceId={service}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(
        moderated["reviews"][0]["hidden"], true,
        "admins still see it"
    );
    app.stop().await;
}

#[tokio::test]
async fn only_people_who_were_at_an_event_review_it() {
    let app = spawn_app().await;
    let (organizer, _) = user(&app, "organizer").await;
    let (attendee, _) = user(&app, "attendee").await;
    let (stranger, _) = user(&app, "attendee").await;
    let event = create_event(&app, &organizer, &[("GA", 10.0, 50)]).await;
    let event_id = event["idEvent"].as_i64().unwrap();
    let (status, order) = send_json(
        &app,
        Method::POST,
        "/api/orders",
        Some(&attendee),
        Some(json!({ "eventId": event_id, "categoryId": tier_id(&event, 0), "quantity": 1 })),
    )
    .await;
    assert_eq!(status, 201, "{order}");
    let (status, confirmed) = send_json(
        &app,
        Method::POST,
        &format!("/api/orders/{}/confirm", order["id"]),
        Some(&attendee),
        None,
    )
    .await;
    assert_eq!(status, 200, "{confirmed}");
    let code = confirmed["tickets"][0]["code"]
        .as_str()
        .expect("a ticket")
        .to_string();
    let review = |token: String| {
        let app = &app;
        async move {
            send_json(
                app,
                Method::POST,
                "/api/reviews",
                Some(&token),
                Some(json!({ "eventId": event_id, "rating": 5, "comment": "Great night" })),
            )
            .await
        }
    };
    let (status, body) = review(attendee.clone()).await;
    assert_eq!(status, 403, "a ticket for an event still to come: {body}");
    let (status, _) = send_json(
        &app,
        Method::POST,
        &format!("/api/events/{event_id}/check-in"),
        Some(&organizer),
        Some(json!({ "code": code })),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = review(attendee.clone()).await;
    assert_eq!(status, 201, "checked in: {body}");
    let (status, _) = review(stranger.clone()).await;
    assert_eq!(status, 403, "no ticket");
    let (_, list) = send_json(
        &app,
        Method::GET,
        &format!("/api/reviews?eventId={event_id}"),
        None,
        None,
    )
    .await;
    assert_eq!(
        (list["count"].as_i64(), list["averageRating"].as_f64()),
        (Some(1), Some(5.0))
    );
    app.stop().await;
}
