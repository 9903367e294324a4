//! Who may call what: the expected answer of every operation to each kind
//! of caller. Written from the product's rules (DESIGN.md, the seeds, the
//! trust issue), reviewed row by row; a change here is a change of policy.
//!
//! Columns: anonymous, the buyer (owner of the orders, holds, bookings,
//! rooms and messages named), another buyer, the seller (owner of the
//! events, services and streams named), another seller, an admin (signed
//! in with two factors).
//!
//! The rules in short:
//! - 401 for anything private without a token.
//! - Someone else's private things (orders, holds, bookings, sessions,
//!   private rooms and their messages) answer 404: they might as well not
//!   exist. Admins see orders and bookings (support) but not private
//!   conversations, other people's sessions, or holds.
//! - Public things that are not yours to change (events, services,
//!   streams, reviews) answer 403: you can see them, you may not.
//! - Organizer-only and admin-only powers answer 403 to the others.
//! - Money moves only by its owner: nobody confirms (pays) an order but
//!   its buyer, not even an admin; a seller or an admin who can see the
//!   order is told 403, others 404.
//! - A seller cannot book their own service (409: not an authorization
//!   matter, a rule of the booking).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Anonymous,
    Buyer,
    OtherBuyer,
    Seller,
    OtherSeller,
    Admin,
}

pub const ACTORS: [Actor; 6] = [
    Actor::Anonymous,
    Actor::Buyer,
    Actor::OtherBuyer,
    Actor::Seller,
    Actor::OtherSeller,
    Actor::Admin,
];

/// What a call starts from.
#[derive(Debug, Clone, Copy)]
pub enum Setup {
    /// The things named are shared with the other rows that only read or
    /// repeat harmlessly.
    Shared,
    /// Each call gets things of its own (the call changes or ends them).
    Fresh,
    /// Each call gets new people too (the call changes the caller's
    /// account: signs it out, changes its password or second factor).
    FreshCast,
}

#[derive(Debug, Clone, Copy)]
pub enum Body {
    None,
    /// JSON with `{placeholders}` (see `world.rs`).
    Json(&'static str),
    /// A form (`a=1&b={placeholder}`), sent as a server function's
    /// arguments; values are filled, then encoded.
    Form(&'static str),
    /// A small PNG as `multipart/form-data`, part `avatar`.
    Avatar,
}

#[derive(Debug)]
pub struct Row {
    /// `METHOD /documented/path`.
    pub operation: &'static str,
    /// The path called, with `{placeholders}` for the things it names.
    pub path: &'static str,
    pub body: Body,
    pub setup: Setup,
    /// Anonymous, buyer, other buyer, seller, other seller, admin.
    pub expect: [u16; 6],
}

pub const fn row(
    setup: Setup,
    operation: &'static str,
    path: &'static str,
    body: Body,
    expect: [u16; 6],
) -> Row {
    Row {
        operation,
        path,
        body,
        setup,
        expect,
    }
}

use Body::{Avatar, Json, None as NoBody};
use Setup::{Fresh, FreshCast, Shared};

const EVENT: &str = r#"{"eventName":"Concert","eventCategory":"Music","eventDate":"{in_a_month}","location":"Hall","ticketCategories":[{"categoryName":"GA","price":10.0,"totalSeats":50}]}"#;
const SERVICE: &str = r#"{"title":"Deeper clean","category":"Cleaning","priceCents":5000,"duration":60,"locationKind":"customer"}"#;
const AVAILABILITY: &str = r#"{"timezone":"UTC","bufferMin":0,"minNoticeMin":0,"horizonDays":30,"cancelWindowHours":24,"weekly":["00:00-24:00","00:00-24:00","00:00-24:00","00:00-24:00","00:00-24:00","00:00-24:00","00:00-24:00"]}"#;
const CARD: &str = r#"{"amountCents":500,"cardNumber":"4242 4242 4242 4242","cardExpiry":"12/40","cardCvc":"123"}"#;

#[rustfmt::skip]
pub const POLICY: &[Row] = &[
    // Accounts: anyone may sign up or in; the tokens are what matter.
    row(Shared, "POST /api/auth/register", "/api/auth/register",
        Json(r#"{"username":"{new_email}","password":"correct horse battery","role":"attendee"}"#),
        [201, 201, 201, 201, 201, 201]),
    row(Shared, "POST /api/auth/login", "/api/auth/login",
        Json(r#"{"username":"{guest_email}","password":"correct horse battery"}"#),
        [200, 200, 200, 200, 200, 200]),
    row(Shared, "POST /api/auth/refresh", "/api/auth/refresh",
        Json(r#"{"refresh_token":"{guest_refresh}"}"#),
        [200, 200, 200, 200, 200, 200]),
    row(Shared, "POST /api/auth/verify", "/api/auth/verify",
        Json(r#"{"token":"{guest_token}"}"#),
        [200, 200, 200, 200, 200, 200]),
    row(FreshCast, "POST /api/auth/logout", "/api/auth/logout", NoBody,
        [401, 204, 204, 204, 204, 204]),
    row(FreshCast, "POST /api/auth/revoke", "/api/auth/revoke", Json("{}"),
        [401, 204, 204, 204, 204, 204]),
    row(Shared, "POST /api/auth/login/second-factor", "/api/auth/login/second-factor",
        Json(r#"{"ticket":"{admin_ticket}","code":"{admin_recovery}"}"#),
        [200, 200, 200, 200, 200, 200]),

    // Your own sessions, password and second factor: yours alone.
    row(Shared, "GET /api/auth/sessions", "/api/auth/sessions", NoBody,
        [401, 200, 200, 200, 200, 200]),
    row(Fresh, "DELETE /api/auth/sessions/{handle}", "/api/auth/sessions/{session}", NoBody,
        [401, 204, 404, 404, 404, 404]),
    row(FreshCast, "POST /api/auth/password", "/api/auth/password",
        Json(r#"{"currentPassword":"correct horse battery","newPassword":"plum-tractor-quietly-79"}"#),
        [401, 200, 200, 200, 200, 200]),
    row(Shared, "GET /api/auth/two-factor", "/api/auth/two-factor", NoBody,
        [401, 200, 200, 200, 200, 200]),
    // The admin has it on already: 409.
    row(Shared, "POST /api/auth/two-factor/setup", "/api/auth/two-factor/setup", NoBody,
        [401, 200, 200, 200, 200, 409]),
    row(FreshCast, "POST /api/auth/two-factor/enable", "/api/auth/two-factor/enable",
        Json(r#"{"password":"correct horse battery","code":"{pending_code}"}"#),
        [401, 200, 200, 200, 200, 409]),
    // Only the admin has it on; the others have nothing to turn off.
    row(FreshCast, "POST /api/auth/two-factor/disable", "/api/auth/two-factor/disable",
        Json(r#"{"password":"correct horse battery","code":"{my_code}"}"#),
        [401, 409, 409, 409, 409, 204]),
    row(FreshCast, "POST /api/auth/two-factor/recovery-codes", "/api/auth/two-factor/recovery-codes",
        Json(r#"{"code":"{my_code}"}"#),
        [401, 409, 409, 409, 409, 200]),

    // People: profiles are public (never the email, never "admin"); the
    // list of everyone is the admins'.
    row(Shared, "GET /api/auth/me", "/api/auth/me", NoBody,
        [401, 200, 200, 200, 200, 200]),
    row(Shared, "PUT /api/users/me", "/api/users/me", Json(r#"{"displayName":"Renamed"}"#),
        [401, 200, 200, 200, 200, 200]),
    row(Shared, "POST /api/users/me/avatar", "/api/users/me/avatar", Avatar,
        [401, 200, 200, 200, 200, 200]),
    row(Shared, "PUT /api/users/me/status", "/api/users/me/status", Json(r#"{"status":"In a meeting"}"#),
        [401, 200, 200, 200, 200, 200]),
    row(Shared, "GET /api/users/search", "/api/users/search?q=user", NoBody,
        [401, 200, 200, 200, 200, 200]),
    row(Shared, "GET /api/users/{id}", "/api/users/{buyer}", NoBody,
        [200, 200, 200, 200, 200, 200]),
    row(Shared, "GET /api/admin/users", "/api/admin/users", NoBody,
        [401, 403, 403, 403, 403, 200]),

    // Events: public to read; changed by their organizer or an admin.
    row(Shared, "GET /api/events", "/api/events", NoBody, [200, 200, 200, 200, 200, 200]),
    row(Shared, "GET /api/events/upcoming", "/api/events/upcoming", NoBody, [200, 200, 200, 200, 200, 200]),
    row(Shared, "GET /api/events/category/{category}", "/api/events/category/Music", NoBody,
        [200, 200, 200, 200, 200, 200]),
    row(Shared, "GET /api/events/{id}", "/api/events/{event}", NoBody, [200, 200, 200, 200, 200, 200]),
    row(Shared, "GET /api/events/{id}/tickets", "/api/events/{event}/tickets", NoBody,
        [200, 200, 200, 200, 200, 200]),
    row(Shared, "POST /api/events", "/api/events", Json(EVENT),
        [401, 403, 403, 201, 201, 201]),
    row(Shared, "PUT /api/events/{id}", "/api/events/{event}", Json(r#"{"eventName":"Renamed"}"#),
        [401, 403, 403, 200, 403, 200]),
    row(Fresh, "DELETE /api/events/{id}", "/api/events/{event}", NoBody,
        [401, 403, 403, 204, 403, 204]),
    row(Fresh, "POST /api/events/{id}/cancel", "/api/events/{event}/cancel", NoBody,
        [401, 403, 403, 200, 403, 200]),
    row(Shared, "POST /api/events/{id}/check-in", "/api/events/{event}/check-in",
        Json(r#"{"code":"{ticket}"}"#),
        [401, 403, 403, 200, 403, 200]),

    // Seat holds: anyone signed in may hold seats (organizers too); a hold
    // is its holder's alone.
    row(Shared, "POST /api/events/tickets/reserve", "/api/events/tickets/reserve",
        Json(r#"{"eventId":{event},"categoryId":{tier},"quantity":1}"#),
        [401, 201, 201, 201, 201, 201]),
    row(Fresh, "POST /api/events/tickets/release", "/api/events/tickets/release",
        Json(r#"{"lockId":"{hold}"}"#),
        [401, 200, 404, 404, 404, 404]),
    row(Shared, "GET /api/events/tickets/locks", "/api/events/tickets/locks", NoBody,
        [401, 200, 200, 200, 200, 200]),

    // Orders: the buyer's; the event's organizer and admins may see and
    // cancel (refund) them; only the buyer pays.
    row(Shared, "POST /api/orders", "/api/orders",
        Json(r#"{"eventId":{event},"categoryId":{tier},"quantity":1}"#),
        [401, 201, 201, 201, 201, 201]),
    row(Fresh, "POST /api/orders/with-lock", "/api/orders/with-lock", Json(r#"{"lockId":"{hold}"}"#),
        [401, 201, 404, 404, 404, 404]),
    row(Fresh, "POST /api/orders/{id}/confirm", "/api/orders/{order}/confirm", NoBody,
        [401, 200, 404, 403, 404, 403]),
    row(Fresh, "POST /api/orders/{id}/cancel", "/api/orders/{order}/cancel", NoBody,
        [401, 200, 404, 200, 404, 200]),
    row(Shared, "GET /api/orders", "/api/orders", NoBody, [401, 200, 200, 200, 200, 200]),
    row(Shared, "GET /api/orders/all", "/api/orders/all", NoBody, [401, 403, 403, 403, 403, 200]),
    row(Shared, "GET /api/orders/event/{eventId}", "/api/orders/event/{event}", NoBody,
        [401, 403, 403, 200, 403, 200]),
    row(Shared, "GET /api/orders/{id}", "/api/orders/{order}", NoBody,
        [401, 200, 404, 200, 404, 200]),

    // Wallet: your own money only; the admin's payout freeze is theirs.
    row(Shared, "GET /api/wallet/balance", "/api/wallet/balance", NoBody, [401, 200, 200, 200, 200, 200]),
    row(Shared, "GET /api/wallet/transactions", "/api/wallet/transactions", NoBody,
        [401, 200, 200, 200, 200, 200]),
    row(Shared, "POST /api/wallet/deposit", "/api/wallet/deposit", Json(CARD),
        [401, 201, 201, 201, 201, 201]),
    row(Shared, "POST /api/wallet/withdraw", "/api/wallet/withdraw",
        Json(r#"{"amountCents":100,"bankAccount":"DE89 3704 0044 0532 0130 00"}"#),
        [401, 201, 201, 201, 201, 201]),
    row(Shared, "POST /api/wallet/transfer", "/api/wallet/transfer",
        Json(r#"{"toEmail":"{guest_email}","amountCents":100}"#),
        [401, 201, 201, 201, 201, 201]),
    row(Shared, "POST /api/admin/events/{id}/payouts/freeze", "/api/admin/events/{event}/payouts/freeze", NoBody,
        [401, 403, 403, 403, 403, 200]),
    row(Shared, "POST /api/admin/events/{id}/payouts/release", "/api/admin/events/{event}/payouts/release", NoBody,
        [401, 403, 403, 403, 403, 200]),

    // Services: public to read; offered and changed by their provider (or
    // an admin); availability is a provider's own.
    row(Shared, "GET /api/services", "/api/services", NoBody, [200, 200, 200, 200, 200, 200]),
    row(Shared, "GET /api/services/{id}", "/api/services/{service}", NoBody, [200, 200, 200, 200, 200, 200]),
    row(Shared, "GET /api/services/{id}/slots", "/api/services/{service}/slots", NoBody,
        [200, 200, 200, 200, 200, 200]),
    row(Shared, "POST /api/services", "/api/services", Json(SERVICE), [401, 403, 403, 201, 201, 201]),
    row(Shared, "PUT /api/services/{id}", "/api/services/{service}", Json(SERVICE),
        [401, 403, 403, 200, 403, 200]),
    row(Fresh, "DELETE /api/services/{id}", "/api/services/{service}", NoBody,
        [401, 403, 403, 204, 403, 204]),
    row(Shared, "GET /api/availability", "/api/availability", NoBody, [401, 403, 403, 200, 200, 200]),
    row(Shared, "PUT /api/availability", "/api/availability", Json(AVAILABILITY),
        [401, 403, 403, 200, 200, 200]),

    // Bookings: the customer's and the provider's; admins for support. The
    // provider moves it along, the customer reschedules; only the provider
    // shares a location.
    row(Shared, "GET /api/bookings", "/api/bookings", NoBody, [401, 200, 200, 200, 200, 200]),
    row(Shared, "GET /api/bookings/{id}", "/api/bookings/{booking}", NoBody,
        [401, 200, 404, 200, 404, 200]),
    row(Shared, "POST /api/bookings", "/api/bookings",
        Json(r#"{"serviceId":{service},"startsAt":"{slot}","address":"1 Rue de la Paix"}"#),
        [401, 201, 201, 409, 201, 201]),
    row(Fresh, "PUT /api/bookings/{id}", "/api/bookings/{booking}", Json(r#"{"status":"confirmed"}"#),
        [401, 403, 404, 200, 404, 200]),
    row(Fresh, "DELETE /api/bookings/{id}", "/api/bookings/{booking}?reason=Sick", NoBody,
        [401, 200, 404, 200, 404, 200]),
    row(Shared, "PUT /api/bookings/{id}/location", "/api/bookings/{booking_in_progress}/location",
        Json(r#"{"lat":48.85,"lng":2.35,"accuracy":10}"#),
        [401, 403, 404, 200, 404, 403]),
    // A booking's chat is between its two parties.
    row(Shared, "GET /api/chat/{bookingId}", "/api/chat/{booking}", NoBody,
        [401, 200, 404, 200, 404, 404]),

    // Reviews: public to read; written by whom was served, answered by
    // whom was reviewed, hidden by admins.
    row(Shared, "GET /api/reviews", "/api/reviews?serviceId={service}", NoBody, [200, 200, 200, 200, 200, 200]),
    row(Fresh, "POST /api/reviews", "/api/reviews",
        Json(r#"{"bookingId":{completed_booking},"rating":4,"comment":"On time."}"#),
        [401, 201, 404, 403, 404, 403]),
    row(Fresh, "POST /api/reviews/{id}/reply", "/api/reviews/{review}/reply", Json(r#"{"reply":"Thank you!"}"#),
        [401, 403, 403, 200, 403, 403]),
    row(Shared, "PUT /api/reviews/{id}/hidden", "/api/reviews/{review}/hidden", Json(r#"{"hidden":true}"#),
        [401, 403, 403, 403, 403, 200]),

    // Chat: a private room is its members' (the buyer owns it, a guest is
    // in it); to everyone else, admins included, it does not exist.
    row(Shared, "GET /api/rooms", "/api/rooms", NoBody, [401, 200, 200, 200, 200, 200]),
    row(Shared, "POST /api/rooms", "/api/rooms", Json(r#"{"name":"Book club","visibility":"private"}"#),
        [401, 201, 201, 201, 201, 201]),
    row(Shared, "PUT /api/rooms/{id}", "/api/rooms/{room}", Json(r#"{"name":"Renamed"}"#),
        [401, 200, 404, 404, 404, 404]),
    row(Fresh, "DELETE /api/rooms/{id}", "/api/rooms/{room}", NoBody,
        [401, 204, 404, 404, 404, 404]),
    row(Shared, "POST /api/rooms/{id}/join", "/api/rooms/{room}/join", NoBody,
        [401, 200, 404, 404, 404, 404]),
    row(Fresh, "POST /api/rooms/{id}/leave", "/api/rooms/{room}/leave", NoBody,
        [401, 204, 404, 404, 404, 404]),
    row(Shared, "GET /api/rooms/{id}/members", "/api/rooms/{room}/members", NoBody,
        [401, 200, 404, 404, 404, 404]),
    row(Shared, "POST /api/rooms/{id}/members", "/api/rooms/{room}/members", Json(r#"{"userId":{guest}}"#),
        [401, 200, 404, 404, 404, 404]),
    row(Fresh, "PUT /api/rooms/{id}/members/{userId}", "/api/rooms/{room}/members/{guest}",
        Json(r#"{"role":"moderator"}"#),
        [401, 200, 404, 404, 404, 404]),
    row(Fresh, "DELETE /api/rooms/{id}/members/{userId}", "/api/rooms/{room}/members/{guest}", NoBody,
        [401, 200, 404, 404, 404, 404]),
    row(Shared, "POST /api/rooms/{id}/read", "/api/rooms/{room}/read", Json(r#"{"seq":1}"#),
        [401, 200, 404, 404, 404, 404]),
    row(Shared, "GET /api/messages/{id}", "/api/messages/{room}", NoBody,
        [401, 200, 404, 404, 404, 404]),
    row(Shared, "GET /api/messages/{id}/changes", "/api/messages/{room}/changes?after=0", NoBody,
        [401, 200, 404, 404, 404, 404]),
    row(Shared, "POST /api/messages", "/api/messages", Json(r#"{"roomId":{room},"content":"hello"}"#),
        [401, 201, 404, 404, 404, 404]),
    row(Shared, "PUT /api/messages/{id}", "/api/messages/{message}", Json(r#"{"content":"edited"}"#),
        [401, 200, 404, 404, 404, 404]),
    row(Fresh, "DELETE /api/messages/{id}", "/api/messages/{message}", NoBody,
        [401, 200, 404, 404, 404, 404]),

    // Streams: public to watch; organizers go live; the host (or an admin)
    // ends it.
    row(FreshCast, "POST /api/streaming/start", "/api/streaming/start", Json(r#"{"title":"Live"}"#),
        [401, 403, 403, 201, 201, 201]),
    row(FreshCast, "POST /api/streaming/end", "/api/streaming/end", Json(r#"{"streamId":{stream}}"#),
        [401, 403, 403, 200, 403, 200]),
    row(Shared, "GET /api/streaming/live", "/api/streaming/live", NoBody, [200, 200, 200, 200, 200, 200]),
    row(Shared, "GET /api/streaming/{id}", "/api/streaming/{stream}", NoBody, [200, 200, 200, 200, 200, 200]),
    row(Shared, "POST /api/streaming/join", "/api/streaming/join", Json(r#"{"streamId":{stream}}"#),
        [401, 200, 200, 200, 200, 200]),
    row(Shared, "POST /api/streaming/leave", "/api/streaming/leave", Json(r#"{"streamId":{stream}}"#),
        [401, 200, 200, 200, 200, 200]),

    // The seeds' families' own paths.
    row(Shared, "GET /gateway/health", "/gateway/health", NoBody, [200, 200, 200, 200, 200, 200]),
    row(Shared, "GET /realtime/health", "/realtime/health", NoBody, [200, 200, 200, 200, 200, 200]),
    row(Shared, "GET /gateway/social/{path}", "/gateway/social/feed", NoBody, [501, 501, 501, 501, 501, 501]),
    row(Shared, "POST /gateway/social/{path}", "/gateway/social/posts", Json("{}"), [501, 501, 501, 501, 501, 501]),
    row(Shared, "GET /gateway/commerce/{path}", "/gateway/commerce/products", NoBody, [501, 501, 501, 501, 501, 501]),
    row(Shared, "POST /gateway/commerce/{path}", "/gateway/commerce/orders", Json("{}"), [501, 501, 501, 501, 501, 501]),
    row(Shared, "GET /realtime/notifications", "/realtime/notifications", NoBody, [501, 501, 501, 501, 501, 501]),
    row(Shared, "POST /realtime/notifications", "/realtime/notifications", Json("{}"), [501, 501, 501, 501, 501, 501]),
];
