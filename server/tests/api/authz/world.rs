//! The people and things the matrix's calls name: made through the API as
//! their owners would, each only when a row's path or body names it.

use std::sync::Mutex;

use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::OnceCell;

use super::policy::{Actor, Body, Row};
use crate::helpers::{TestApp, app_code, send_json};

pub const PASSWORD: &str = "correct horse battery";

/// Limits high enough that a thousand calls by six people are not abuse.
pub fn generous(config: &mut app::config::Config) {
    config.auth_limits = app::rate_limit::AuthLimits {
        per_ip_per_minute: 100_000,
        per_account_per_minute: 100_000,
    };
    config.chat_limits = app::rate_limit::ChatLimits {
        per_minute: 100_000,
        burst: 100_000,
    };
    config.ticketing.max_active_holds = 100_000;
    config.services.max_open_requests = 100_000;
}

pub struct Person {
    pub email: String,
    pub token: String,
    pub id: i64,
    /// Recovery codes, for those with two-factor sign-in on (admins).
    pub recovery: Mutex<Vec<String>>,
}

/// The callers, and two guests who are only ever named (added to a room,
/// paid, signed in as).
pub struct Cast<'a> {
    app: &'a TestApp,
    people: [OnceCell<Person>; 8],
}

const GUEST: usize = 6;
const STRANGER: usize = 7;

impl<'a> Cast<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            people: Default::default(),
        }
    }

    pub async fn person(&self, actor: Actor) -> Option<&Person> {
        let (index, role) = match actor {
            Actor::Anonymous => return None,
            Actor::Buyer => (0, "attendee"),
            Actor::OtherBuyer => (1, "attendee"),
            Actor::Seller => (2, "organizer"),
            Actor::OtherSeller => (3, "organizer"),
            Actor::Admin => (4, "admin"),
        };
        Some(self.nth(index, role).await)
    }

    pub async fn guest(&self) -> &Person {
        self.nth(GUEST, "attendee").await
    }

    /// Someone in nothing: to be invited.
    pub async fn stranger(&self) -> &Person {
        self.nth(STRANGER, "attendee").await
    }

    async fn nth(&self, index: usize, role: &str) -> &Person {
        self.people[index]
            .get_or_init(|| sign_up(self.app, role))
            .await
    }
}

/// A new person of `role` with money in their wallet (admins promoted and
/// enrolled in two-factor sign-in, as the test helpers do).
async fn sign_up(app: &TestApp, role: &str) -> Person {
    let email = crate::helpers::unique_email();
    let (status, body) = send_json(
        app,
        Method::POST,
        "/api/auth/register",
        None,
        Some(json!({
            "username": email,
            "password": PASSWORD,
            "role": if role == "admin" { "attendee" } else { role },
        })),
    )
    .await;
    assert_eq!(status, 201, "sign-up: {body}");
    let id = body["user"]["id"].as_i64().expect("an id");
    let token = body["access_token"].as_str().expect("a token").to_string();
    let mut recovery = Vec::new();
    if role == "admin" {
        crate::helpers::promote_to_admin(app, id).await;
        recovery = crate::helpers::turn_on_two_factor(app, &token).await.1;
    }
    crate::helpers::deposit(app, &token, 1_000_000).await;
    Person {
        email,
        token,
        id,
        recovery: Mutex::new(recovery),
    }
}

/// What a call answered.
pub struct Answer {
    pub status: u16,
    pub body: String,
}

/// The things rows name, each made once per world when first named.
pub struct World<'a> {
    app: &'a TestApp,
    cast: &'a Cast<'a>,
    event: OnceCell<(i64, i64)>,
    draft_event: OnceCell<i64>,
    hold: OnceCell<String>,
    order: OnceCell<i64>,
    ticket: OnceCell<String>,
    service: OnceCell<i64>,
    booking: OnceCell<i64>,
    booking_in_progress: OnceCell<i64>,
    review: OnceCell<i64>,
    room: OnceCell<(i64, i64)>,
    stream: OnceCell<i64>,
}

impl<'a> World<'a> {
    pub fn new(app: &'a TestApp, cast: &'a Cast<'a>) -> Self {
        Self {
            app,
            cast,
            event: OnceCell::new(),
            draft_event: OnceCell::new(),
            hold: OnceCell::new(),
            order: OnceCell::new(),
            ticket: OnceCell::new(),
            service: OnceCell::new(),
            booking: OnceCell::new(),
            booking_in_progress: OnceCell::new(),
            review: OnceCell::new(),
            room: OnceCell::new(),
            stream: OnceCell::new(),
        }
    }

    /// Calls the row's operation at `path` as `actor`.
    pub async fn call(&self, row: &Row, path: &str, actor: Actor) -> Answer {
        let (method, _) = row.operation.split_once(' ').expect("METHOD path");
        let method: Method = method.parse().expect("a method");
        let path = self.fill(path, actor).await;
        let mut request = self.app.client.request(method, self.app.url(&path)).header(
            "Idempotency-Key",
            format!("authz-{:x}", rand::random::<u64>()),
        );
        if let Some(person) = self.cast.person(actor).await {
            request = request.bearer_auth(&person.token);
        }
        request = match row.body {
            Body::None => request,
            Body::Json(template) => {
                let text = self.fill(template, actor).await;
                let value: Value = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("{}: body {text}: {e}", row.operation));
                request.json(&value)
            }
            Body::Form(template) => {
                let mut pairs = Vec::new();
                for pair in template.split('&').filter(|p| !p.is_empty()) {
                    let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                    pairs.push((key.to_string(), self.fill(value, actor).await));
                }
                // As the hydrated page calls a server function.
                request.header("accept", "application/json").form(&pairs)
            }
            Body::Avatar => {
                let part = reqwest::multipart::Part::bytes(crate::sessions::PNG_1X1.to_vec())
                    .file_name("me.png")
                    .mime_str("image/png")
                    .expect("a mime type");
                request.multipart(reqwest::multipart::Form::new().part("avatar", part))
            }
        };
        let response = request.send().await.expect("the server answers");
        Answer {
            status: response.status().as_u16(),
            body: response.text().await.unwrap_or_default(),
        }
    }

    /// `text` with each `{name}` (lower case letters and `_`) replaced by
    /// what it names; other braces (JSON's) stay.
    pub async fn fill(&self, text: &str, actor: Actor) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let after = &rest[start + 1..];
            let len = after
                .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
                .unwrap_or(after.len());
            if len > 0 && after[len..].starts_with('}') {
                out.push_str(&self.resolve(&after[..len], actor).await);
                rest = &after[len + 1..];
            } else {
                out.push('{');
                rest = after;
            }
        }
        out.push_str(rest);
        out
    }

    async fn resolve(&self, name: &str, actor: Actor) -> String {
        match name {
            "event" => self.event().await.0.to_string(),
            "tier" => self.event().await.1.to_string(),
            "hold" => self.hold().await.clone(),
            "order" => self.order().await.to_string(),
            "ticket" => self.ticket().await.clone(),
            "service" => self.service().await.to_string(),
            "slot" => self.slot().await,
            "booking" => self.booking().await.to_string(),
            "booking_in_progress" => self.booking_in_progress().await.to_string(),
            "completed_booking" => self.booked_and_done().await.to_string(),
            "review" => self.review().await.to_string(),
            "room" => self.room().await.0.to_string(),
            "message" => self.room().await.1.to_string(),
            "stream" => self.stream().await.to_string(),
            "draft_event" => self.draft_event().await.to_string(),
            "buyer" => self.person(Actor::Buyer).await.id.to_string(),
            "seller" => self.person(Actor::Seller).await.id.to_string(),
            "guest" => self.cast.guest().await.id.to_string(),
            "guest_email" => self.cast.guest().await.email.clone(),
            "stranger_email" => self.cast.stranger().await.email.clone(),
            "slot_ms" => app::kernel::time::parse_iso("slot", &self.slot().await)
                .expect("a time")
                .to_string(),
            "key" => format!("authz-{:x}", rand::random::<u64>()),
            "new_email" => crate::helpers::unique_email(),
            "in_a_month" => crate::ticketing::in_days(30),
            "in_a_month_local" => app::kernel::time::local_input(
                app::kernel::time::now_millis() + 30 * 86_400_000,
                "UTC",
            ),
            "guest_token" => self.sign_in_guest().await["access_token"]
                .as_str()
                .expect("a token")
                .to_string(),
            "guest_refresh" => self.sign_in_guest().await["refresh_token"]
                .as_str()
                .expect("a token")
                .to_string(),
            "session" => self.buyer_session().await,
            "admin_ticket" => self.admin_ticket().await,
            "admin_recovery" => self.recovery_code(Actor::Admin).await,
            "my_code" => self.recovery_code(actor).await,
            "pending_code" => self.pending_code(actor).await,
            other => panic!("no fixture named {{{other}}}"),
        }
    }

    async fn person(&self, actor: Actor) -> &Person {
        self.cast.person(actor).await.expect("a signed-in person")
    }

    /// Sends `body` to `path` as `actor`, expecting `status`.
    async fn ok(
        &self,
        actor: Actor,
        method: Method,
        path: &str,
        body: Value,
        status: u16,
    ) -> Value {
        let token = &self.person(actor).await.token;
        let body = (!body.is_null()).then_some(body);
        let (got, answer) = send_json(self.app, method.clone(), path, Some(token), body).await;
        assert_eq!(got, status, "fixture {method} {path}: {answer}");
        answer
    }

    /// The seller's event (on sale, a month away) and its one tier.
    async fn event(&self) -> (i64, i64) {
        *self
            .event
            .get_or_init(|| async {
                let event = self
                    .ok(
                        Actor::Seller,
                        Method::POST,
                        "/api/events",
                        json!({
                            "eventName": "Matrix night",
                            "eventCategory": "Music",
                            "eventDate": crate::ticketing::in_days(30),
                            "location": "Hall",
                            "ticketCategories": [
                                { "categoryName": "GA", "price": 10.0, "totalSeats": 100 }
                            ],
                        }),
                        201,
                    )
                    .await;
                (
                    event["idEvent"].as_i64().expect("an event id"),
                    crate::ticketing::tier_id(&event, 0),
                )
            })
            .await
    }

    /// An event of the seller's not published yet.
    async fn draft_event(&self) -> i64 {
        *self
            .draft_event
            .get_or_init(|| async {
                self.ok(
                    Actor::Seller,
                    Method::POST,
                    "/api/events",
                    json!({
                        "eventName": "Secret gig",
                        "eventCategory": "Music",
                        "eventDate": crate::ticketing::in_days(30),
                        "location": "Cellar",
                        "isActive": false,
                        "ticketCategories": [
                            { "categoryName": "GA", "price": 10.0, "totalSeats": 10 }
                        ],
                    }),
                    201,
                )
                .await["idEvent"]
                    .as_i64()
                    .expect("an event id")
            })
            .await
    }

    /// One seat of the event, held or ordered (by `path`) by the buyer.
    async fn one_seat(&self, path: &str) -> Value {
        let (event, tier) = self.event().await;
        let seat = json!({ "eventId": event, "categoryId": tier, "quantity": 1 });
        self.ok(Actor::Buyer, Method::POST, path, seat, 201).await
    }

    /// The buyer's hold of one seat.
    async fn hold(&self) -> &String {
        self.hold
            .get_or_init(|| async {
                let hold = self.one_seat("/api/events/tickets/reserve").await;
                hold["lockId"].as_str().expect("a lock id").to_string()
            })
            .await
    }

    /// The buyer's order, not paid yet.
    async fn order(&self) -> i64 {
        *self
            .order
            .get_or_init(|| async {
                let order = self.one_seat("/api/orders").await;
                order["id"].as_i64().expect("an order id")
            })
            .await
    }

    /// The code of a ticket the buyer paid for.
    async fn ticket(&self) -> &String {
        self.ticket
            .get_or_init(|| async {
                let order = self.order().await;
                let paid = self
                    .ok(
                        Actor::Buyer,
                        Method::POST,
                        &format!("/api/orders/{order}/confirm"),
                        Value::Null,
                        200,
                    )
                    .await;
                paid["tickets"][0]["code"]
                    .as_str()
                    .expect("a ticket code")
                    .to_string()
            })
            .await
    }

    /// The seller's service (at the customer's address), bookable any hour.
    async fn service(&self) -> i64 {
        *self
            .service
            .get_or_init(|| async {
                self.ok(
                    Actor::Seller,
                    Method::PUT,
                    "/api/availability",
                    json!({
                        "timezone": "UTC", "bufferMin": 0, "minNoticeMin": 0,
                        "horizonDays": 30, "cancelWindowHours": 24,
                        "weekly": vec!["00:00-24:00"; 7],
                    }),
                    200,
                )
                .await;
                let service = self
                    .ok(
                        Actor::Seller,
                        Method::POST,
                        "/api/services",
                        json!({
                            "title": "Deep clean", "category": "Cleaning",
                            "priceCents": 4500, "duration": 60, "locationKind": "customer",
                        }),
                        201,
                    )
                    .await;
                service["id"].as_i64().expect("a service id")
            })
            .await
    }

    /// A free slot of the service beyond the cancellation window (asked
    /// each time: other worlds book the same seller's time).
    async fn slot(&self) -> String {
        let service = self.service().await;
        let now = app::kernel::time::now_millis();
        let from = app::kernel::time::iso(now + 30 * 3_600_000);
        let to = app::kernel::time::iso(now + 20 * 86_400_000);
        let (status, body) = send_json(
            self.app,
            Method::GET,
            &format!("/api/services/{service}/slots?from={from}&to={to}"),
            None,
            None,
        )
        .await;
        assert_eq!(status, 200, "slots: {body}");
        body["slots"][0]["startsAt"]
            .as_str()
            .expect("a free slot")
            .to_string()
    }

    /// A new booking of the service by the buyer.
    async fn book(&self) -> i64 {
        let service = self.service().await;
        let slot = self.slot().await;
        let booking = self
            .ok(
                Actor::Buyer,
                Method::POST,
                "/api/bookings",
                json!({ "serviceId": service, "startsAt": slot, "address": "1 Rue de la Paix" }),
                201,
            )
            .await;
        booking["id"].as_i64().expect("a booking id")
    }

    async fn booking(&self) -> i64 {
        *self.booking.get_or_init(|| self.book()).await
    }

    /// Moves a booking along as its provider.
    async fn advance(&self, booking: i64, to: &[&str]) {
        for status in to {
            self.ok(
                Actor::Seller,
                Method::PUT,
                &format!("/api/bookings/{booking}"),
                json!({ "status": status }),
                200,
            )
            .await;
        }
    }

    /// A booking the seller has started.
    async fn booking_in_progress(&self) -> i64 {
        *self
            .booking_in_progress
            .get_or_init(|| async {
                let booking = self.book().await;
                self.advance(booking, &["confirmed", "in_progress"]).await;
                booking
            })
            .await
    }

    /// A booking the seller has done (a new one each time it is named).
    async fn booked_and_done(&self) -> i64 {
        let booking = self.book().await;
        self.advance(booking, &["confirmed", "in_progress", "completed"])
            .await;
        booking
    }

    /// The buyer's review of a booking done by the seller.
    async fn review(&self) -> i64 {
        *self
            .review
            .get_or_init(|| async {
                let booking = self.booked_and_done().await;
                let review = self
                    .ok(
                        Actor::Buyer,
                        Method::POST,
                        "/api/reviews",
                        json!({ "bookingId": booking, "rating": 4, "comment": "Spotless." }),
                        201,
                    )
                    .await;
                review["id"].as_i64().expect("a review id")
            })
            .await
    }

    /// The buyer's private room, with the guest in it, and the buyer's
    /// message there.
    async fn room(&self) -> (i64, i64) {
        *self
            .room
            .get_or_init(|| async {
                let room = self
                    .ok(
                        Actor::Buyer,
                        Method::POST,
                        "/api/rooms",
                        json!({ "name": "Inner circle", "visibility": "private" }),
                        201,
                    )
                    .await["id"]
                    .as_i64()
                    .expect("a room id");
                let guest = self.cast.guest().await.id;
                self.ok(
                    Actor::Buyer,
                    Method::POST,
                    &format!("/api/rooms/{room}/members"),
                    json!({ "userId": guest }),
                    200,
                )
                .await;
                let message = self
                    .ok(
                        Actor::Buyer,
                        Method::POST,
                        "/api/messages",
                        json!({ "roomId": room, "content": "secret plans" }),
                        201,
                    )
                    .await["id"]
                    .as_i64()
                    .expect("a message id");
                (room, message)
            })
            .await
    }

    /// The seller's live stream (one a host: rows that end it have a
    /// seller of their own).
    async fn stream(&self) -> i64 {
        *self
            .stream
            .get_or_init(|| async {
                self.ok(
                    Actor::Seller,
                    Method::POST,
                    "/api/streaming/start",
                    json!({ "title": "Friday jam" }),
                    201,
                )
                .await["id"]
                    .as_i64()
                    .expect("a stream id")
            })
            .await
    }

    /// Signs `person` in with their password, expecting `status`: the answer.
    async fn sign_in(&self, person: &Person, status: u16) -> Value {
        let (got, body) = send_json(
            self.app,
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({ "username": person.email, "password": PASSWORD })),
        )
        .await;
        assert_eq!(got, status, "sign-in of {}: {body}", person.email);
        body
    }

    /// A new sign-in of the guest: its tokens.
    async fn sign_in_guest(&self) -> Value {
        self.sign_in(self.cast.guest().await, 200).await
    }

    /// The handle of a new session of the buyer's (another device).
    async fn buyer_session(&self) -> String {
        let body = self.sign_in(self.person(Actor::Buyer).await, 200).await;
        let token = body["access_token"].as_str().expect("a token");
        let (_, sessions) = self.app.get_json("/api/auth/sessions", token).await;
        sessions
            .as_array()
            .expect("sessions")
            .iter()
            .find(|s| s["current"] == true)
            .and_then(|s| s["handle"].as_str())
            .expect("the new session's handle")
            .to_string()
    }

    /// A sign-in ticket of the admin's (password right, code still due).
    async fn admin_ticket(&self) -> String {
        // The password is right; the second factor is still due.
        let body = self.sign_in(self.person(Actor::Admin).await, 401).await;
        body["ticket"].as_str().expect("a ticket").to_string()
    }

    /// One of `actor`'s recovery codes, used up; a wrong code for those
    /// without two-factor sign-in.
    async fn recovery_code(&self, actor: Actor) -> String {
        match self.cast.person(actor).await {
            Some(person) => person
                .recovery
                .lock()
                .expect("codes")
                .pop()
                .unwrap_or_else(|| "000000".into()),
            None => "000000".into(),
        }
    }

    /// Starts two-factor set-up as `actor` and gives the code their app
    /// would show (a wrong one where set-up is refused).
    async fn pending_code(&self, actor: Actor) -> String {
        let Some(person) = self.cast.person(actor).await else {
            return "000000".into();
        };
        let (status, key) = send_json(
            self.app,
            Method::POST,
            "/api/auth/two-factor/setup",
            Some(&person.token),
            None,
        )
        .await;
        match key["secret"].as_str() {
            Some(secret) if status == 200 => app_code(secret, 0),
            _ => "000000".into(),
        }
    }
}
