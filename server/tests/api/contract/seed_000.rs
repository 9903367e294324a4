//! Seed 000's two halves against one Marquee: its Next.js API routes under
//! `/api` (auth, services, bookings, reviews) and its realtime service's
//! HTTP side under `/realtime` (health, a booking's chat).

use reqwest::Method;
use serde_json::json;

use app::system::Health;
use server::api::auth::{ErrorBody, TokenResponse};
use server::api::bookings::ApiBooking;
use server::api::chat::{ApiMessage, ApiThread};
use server::api::reviews::ApiReviews;
use server::api::services::ApiService;
use server::api::users::ApiUser;

use super::{Client, PASSWORD};
use crate::bookings::{set_availability, slot_in};
use crate::helpers::spawn_app;

#[tokio::test]
async fn seed_000s_api_routes_and_realtime_endpoints_answer() {
    let app = spawn_app().await;
    let (api, realtime) = (Client::new(&app, "/api"), Client::new(&app, "/realtime"));
    // Signs up the way seed 000's Next.js routes do: email, password, name.
    let provider_body = json!({ "username": "Sam Provider", "role": "organizer" });
    let (provider, _) = api.sign_up(provider_body, "email").await;
    let (customer, customer_email) = api.sign_up(json!({ "username": "Cy" }), "email").await;
    let (stranger, _) = api.sign_up(json!({ "username": "Stan" }), "email").await;
    let (provider, customer) = (Some(provider.as_str()), Some(customer.as_str()));

    // POST /api/auth/login, GET /api/auth/me.
    let login = json!({ "email": customer_email, "password": PASSWORD });
    let tokens: TokenResponse = api.post("/auth/login", None, login, 200).await;
    let session = Some(tokens.access_token.as_str());
    let me: ApiUser = api.get("/auth/me", session, 200).await;
    assert_eq!(me.username, customer_email);

    // Services: create, list, update (delete at the end).
    set_availability(&app, provider.unwrap_or_default(), json!({})).await;
    let offer = |title: &str, price: f64| json!({ "title": title, "category": "Cleaning", "price": price, "duration": 60, "locationKind": "customer" });
    let service: ApiService = api
        .post("/services", provider, offer("Deep clean", 45.0), 201)
        .await;
    let listed: Vec<ApiService> = api.get("/services", None, 200).await;
    assert!(listed.iter().any(|s| s.id == service.id));
    let path = format!("/services/{}", service.id);
    let updated: ApiService = api
        .put(&path, provider, offer("Deeper clean", 50.0), 200)
        .await;
    assert_eq!(
        (updated.title.as_str(), updated.price_cents),
        ("Deeper clean", 5000)
    );

    // Bookings: create, list, update (the provider confirms), cancel at the end.
    let start = slot_in(&app, service.id, 30).await;
    let request =
        json!({ "serviceId": service.id, "startsAt": start, "address": "1 Rue de la Paix" });
    let booking: ApiBooking = api.post("/bookings", customer, request, 201).await;
    let mine: Vec<ApiBooking> = api.get("/bookings", customer, 200).await;
    assert_eq!(mine.len(), 1);
    let booking_path = format!("/bookings/{}", booking.id);
    let confirmed: ApiBooking = api
        .put(
            &booking_path,
            provider,
            json!({ "status": "confirmed" }),
            200,
        )
        .await;
    assert_eq!(confirmed.status, "confirmed");

    // GET /realtime/chat/:bookingId: the booking's thread, for its two parties only.
    let chat = format!("/chat/{}", booking.id);
    let thread: ApiThread = realtime.get(&chat, customer, 200).await;
    let hello = json!({ "roomId": thread.room.id, "content": "On my way soon" });
    let _: ApiMessage = api.post("/messages", provider, hello, 201).await;
    let thread: ApiThread = realtime.get(&chat, customer, 200).await;
    assert_eq!(thread.messages[0].content, "On my way soon");
    let hidden: ErrorBody = realtime.get(&chat, Some(stranger.as_str()), 404).await;
    assert_eq!(hidden.status_code, 404);

    // Reviews: the list, and a review refused before the booking is completed.
    let reviews: ApiReviews = api
        .get(&format!("/reviews?serviceId={}", service.id), None, 200)
        .await;
    assert_eq!(reviews.count, 0);
    let early = json!({ "bookingId": booking.id, "rating": 5 });
    let (status, refused) = api
        .raw(Method::POST, "/reviews", customer, Some(early))
        .await;
    assert!(matches!(status, 403 | 409), "{status} {refused}");

    let cancelled: ApiBooking = api
        .call(Method::DELETE, &booking_path, customer, None, 200)
        .await;
    assert_eq!(cancelled.status, "cancelled");
    assert_eq!(api.status(Method::DELETE, &path, provider).await, 204);

    // GET /realtime/health; POST /realtime/notifications says it is not there yet.
    let health: Health = realtime.get("/health", None, 200).await;
    assert_eq!(health.status, "ok");
    let note = json!({ "userId": 1, "message": "hi" });
    let missing: ErrorBody = realtime.post("/notifications", provider, note, 501).await;
    assert_eq!(missing.error, "Not Implemented");

    // POST /api/auth/logout: the token stops working.
    assert_eq!(api.status(Method::POST, "/auth/logout", session).await, 204);
    assert_eq!(api.status(Method::GET, "/auth/me", session).await, 401);
    app.stop().await;
}
