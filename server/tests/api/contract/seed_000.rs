//! Seed 000's two halves against one Marquee: its Next.js API routes under
//! `/api` (auth, services, bookings, reviews) and its realtime service's
//! HTTP side under `/realtime` (health, a booking's chat).

use reqwest::Method;
use serde_json::{Value, json};

use server::api::auth::{ErrorBody, TokenResponse};
use server::api::bookings::ApiBooking;
use server::api::chat::ApiThread;
use server::api::reviews::ApiReviews;
use server::api::services::ApiService;
use server::api::users::ApiUser;

use crate::bookings::{set_availability, slot_in};
use crate::helpers::{TestApp, send_json, spawn_app, unique_email};

fn read<T: serde::de::DeserializeOwned>((status, body): (u16, Value), expected: u16) -> T {
    assert_eq!(status, expected, "{body}");
    serde_json::from_value(body.clone())
        .unwrap_or_else(|e| panic!("not the documented shape: {e}: {body}"))
}

/// Signs up the way seed 000's Next.js routes do: email, password, name.
async fn register(app: &TestApp, role: &str) -> (String, String) {
    let email = unique_email();
    let body = json!({ "email": email, "password": "correct horse battery", "username": "Sam", "role": role });
    let tokens: TokenResponse = read(
        send_json(app, Method::POST, "/api/auth/register", None, Some(body)).await,
        201,
    );
    (tokens.access_token, email)
}

#[tokio::test]
async fn seed_000s_api_routes_and_realtime_endpoints_answer() {
    let app = spawn_app().await;
    let (provider, _) = register(&app, "organizer").await;
    let (customer, customer_email) = register(&app, "attendee").await;
    let (stranger, _) = register(&app, "attendee").await;

    // POST /api/auth/login, GET /api/auth/me.
    let login = json!({ "email": customer_email, "password": "correct horse battery" });
    let tokens: TokenResponse = read(
        send_json(&app, Method::POST, "/api/auth/login", None, Some(login)).await,
        200,
    );
    let me: ApiUser = read(
        send_json(
            &app,
            Method::GET,
            "/api/auth/me",
            Some(&tokens.access_token),
            None,
        )
        .await,
        200,
    );
    assert_eq!(me.username, customer_email);

    // Services: create, list, update, (delete at the end).
    set_availability(&app, &provider, json!({})).await;
    let body = json!({ "title": "Deep clean", "category": "Cleaning", "price": 45.0, "duration": 60, "locationKind": "customer" });
    let service: ApiService = read(
        send_json(
            &app,
            Method::POST,
            "/api/services",
            Some(&provider),
            Some(body),
        )
        .await,
        201,
    );
    let listed: Vec<ApiService> = read(
        send_json(&app, Method::GET, "/api/services", None, None).await,
        200,
    );
    assert!(listed.iter().any(|s| s.id == service.id));
    let body = json!({ "title": "Deeper clean", "category": "Cleaning", "price": 50.0, "duration": 60, "locationKind": "customer" });
    let updated: ApiService = read(
        send_json(
            &app,
            Method::PUT,
            &format!("/api/services/{}", service.id),
            Some(&provider),
            Some(body),
        )
        .await,
        200,
    );
    assert_eq!(
        (updated.title.as_str(), updated.price_cents),
        ("Deeper clean", 5000)
    );

    // Bookings: create, list, update (the provider confirms), cancel.
    let start = slot_in(&app, service.id, 30).await;
    let body = json!({ "serviceId": service.id, "startsAt": start, "address": "1 Rue de la Paix" });
    let booking: ApiBooking = read(
        send_json(
            &app,
            Method::POST,
            "/api/bookings",
            Some(&customer),
            Some(body),
        )
        .await,
        201,
    );
    let mine: Vec<ApiBooking> = read(
        send_json(&app, Method::GET, "/api/bookings", Some(&customer), None).await,
        200,
    );
    assert_eq!(mine.len(), 1);
    let confirmed: ApiBooking = read(
        send_json(
            &app,
            Method::PUT,
            &format!("/api/bookings/{}", booking.id),
            Some(&provider),
            Some(json!({ "status": "confirmed" })),
        )
        .await,
        200,
    );
    assert_eq!(confirmed.status, "confirmed");

    // GET /realtime/chat/:bookingId: the booking's thread, for its two parties only.
    let room = read::<ApiThread>(
        send_json(
            &app,
            Method::GET,
            &format!("/realtime/chat/{}", booking.id),
            Some(&customer),
            None,
        )
        .await,
        200,
    )
    .room;
    let (status, _) = send_json(
        &app,
        Method::POST,
        "/api/messages",
        Some(&provider),
        Some(json!({ "roomId": room.id, "content": "On my way soon" })),
    )
    .await;
    assert_eq!(status, 201);
    let thread: ApiThread = read(
        send_json(
            &app,
            Method::GET,
            &format!("/realtime/chat/{}", booking.id),
            Some(&customer),
            None,
        )
        .await,
        200,
    );
    assert_eq!(thread.messages[0].content, "On my way soon");
    let hidden: ErrorBody = read(
        send_json(
            &app,
            Method::GET,
            &format!("/realtime/chat/{}", booking.id),
            Some(&stranger),
            None,
        )
        .await,
        404,
    );
    assert_eq!(hidden.status_code, 404);

    // Reviews: the list, and a review refused before the booking is completed.
    let reviews: ApiReviews = read(
        send_json(
            &app,
            Method::GET,
            &format!("/api/reviews?serviceId={}", service.id),
            None,
            None,
        )
        .await,
        200,
    );
    assert_eq!(reviews.count, 0);
    let (status, refused) = send_json(
        &app,
        Method::POST,
        "/api/reviews",
        Some(&customer),
        Some(json!({ "bookingId": booking.id, "rating": 5 })),
    )
    .await;
    assert!(matches!(status, 403 | 409), "{status} {refused}");

    let cancelled: ApiBooking = read(
        send_json(
            &app,
            Method::DELETE,
            &format!("/api/bookings/{}", booking.id),
            Some(&customer),
            None,
        )
        .await,
        200,
    );
    assert_eq!(cancelled.status, "cancelled");
    let (status, _) = send_json(
        &app,
        Method::DELETE,
        &format!("/api/services/{}", service.id),
        Some(&provider),
        None,
    )
    .await;
    assert!(matches!(status, 200 | 204), "{status}");

    // GET /realtime/health; POST /realtime/notifications says it is not there yet.
    let (status, health) = send_json(&app, Method::GET, "/realtime/health", None, None).await;
    assert_eq!((status, health["status"].as_str()), (200, Some("ok")));
    let missing: ErrorBody = read(
        send_json(
            &app,
            Method::POST,
            "/realtime/notifications",
            Some(&provider),
            Some(json!({ "userId": 1, "message": "hi" })),
        )
        .await,
        501,
    );
    assert_eq!(missing.error, "Not Implemented");

    // POST /api/auth/logout: the token stops working.
    let (status, _) = send_json(
        &app,
        Method::POST,
        "/api/auth/logout",
        Some(&tokens.access_token),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = send_json(
        &app,
        Method::GET,
        "/api/auth/me",
        Some(&tokens.access_token),
        None,
    )
    .await;
    assert_eq!(status, 401);
    app.stop().await;
}
