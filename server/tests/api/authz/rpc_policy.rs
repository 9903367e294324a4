//! Who may call which server function (the pages' commands and queries,
//! under /rpc), by the same rules and columns as `policy.rs`: anonymous,
//! buyer, other buyer, seller, other seller, admin. A server function
//! answers 200 where its API twin answers 201 or 204.
//!
//! Pages only organizers use (their events, services, schedule, earnings)
//! answer 403 to attendees; an event's or a service's management pages
//! answer 403 to other organizers.

use super::policy::Body::Form;
use super::policy::Setup::{Fresh, FreshCast, Shared};
use super::policy::{Row, row};

/// A server function's row: POSTed to its path with `form` as arguments.
macro_rules! rpc {
    ($setup:expr, $path:literal, $form:expr, $expect:expr $(,)?) => {
        row($setup, concat!("POST ", $path), $path, Form($form), $expect)
    };
}

const EVENT_DRAFT: &str = "event_id=&draft[name]=Gig&draft[category]=Music&draft[description]=&draft[starts_at]={in_a_month_local}&draft[ends_at]=&draft[timezone]=UTC&draft[venue]=Hall&draft[cover_url]=&draft[status]=published&draft[cancellation_fee]=0&draft[payment_method]=wallet&draft[tiers][0][id]=&draft[tiers][0][name]=GA&draft[tiers][0][description]=&draft[tiers][0][price]=10&draft[tiers][0][capacity]=50&draft[tiers][0][active]=on&draft[tiers][0][remove]=&draft[tiers][0][sales_start]=&draft[tiers][0][sales_end]=";
const SERVICE_DRAFT: &str = "draft[title]=Clean&draft[description]=&draft[category]=Cleaning&draft[price]=45&draft[duration_min]=60&draft[location_kind]=customer&draft[address]=&draft[cover_url]=&draft[active]=on";
const SCHEDULE_DRAFT: &str = "draft[timezone]=UTC&draft[buffer_min]=0&draft[min_notice_min]=0&draft[horizon_days]=30&draft[cancel_window_hours]=24&draft[mon]=00:00-24:00&draft[tue]=00:00-24:00&draft[wed]=00:00-24:00&draft[thu]=00:00-24:00&draft[fri]=00:00-24:00&draft[sat]=00:00-24:00&draft[sun]=00:00-24:00&draft[overrides]=";

#[rustfmt::skip]
pub const RPC_POLICY: &[Row] = &[
    // Accounts.
    rpc!(Shared, "/rpc/accounts/sign_up",
        "email={new_email}&password=correct horse battery&display_name=New&role=attendee&next=/",
        [200, 200, 200, 200, 200, 200]),
    rpc!(Shared, "/rpc/accounts/sign_in", "email={guest_email}&password=correct horse battery&next=/",
        [200, 200, 200, 200, 200, 200]),
    // No ticket (the password step's cookie): nothing to prove.
    rpc!(Shared, "/rpc/accounts/sign_in_code", "code=000000&next=/", [401, 401, 401, 401, 401, 401]),
    rpc!(FreshCast, "/rpc/accounts/sign_out", "", [200, 200, 200, 200, 200, 200]),
    rpc!(Shared, "/rpc/accounts/update_profile", "display_name=Renamed&bio=", [401, 200, 200, 200, 200, 200]),
    rpc!(Shared, "/rpc/accounts/search", "q=user&page=1", [401, 200, 200, 200, 200, 200]),
    rpc!(Shared, "/rpc/accounts/profile", "id={buyer}", [200, 200, 200, 200, 200, 200]),
    rpc!(Shared, "/rpc/accounts/sessions", "", [401, 200, 200, 200, 200, 200]),
    rpc!(Fresh, "/rpc/accounts/end_session", "handle={session}", [401, 200, 404, 404, 404, 404]),
    rpc!(FreshCast, "/rpc/accounts/end_other_sessions", "", [401, 200, 200, 200, 200, 200]),
    rpc!(FreshCast, "/rpc/accounts/change_password",
        "current_password=correct horse battery&new_password=plum-tractor-quietly-79",
        [401, 200, 200, 200, 200, 200]),
    rpc!(Shared, "/rpc/accounts/two_factor", "", [401, 200, 200, 200, 200, 200]),
    rpc!(Shared, "/rpc/accounts/two_factor_setup", "", [401, 200, 200, 200, 200, 409]),
    rpc!(FreshCast, "/rpc/accounts/two_factor_enable", "password=correct horse battery&code={pending_code}",
        [401, 200, 200, 200, 200, 409]),
    rpc!(FreshCast, "/rpc/accounts/two_factor_disable", "password=correct horse battery&code={my_code}",
        [401, 409, 409, 409, 409, 200]),
    rpc!(FreshCast, "/rpc/accounts/two_factor_recovery_codes", "code={my_code}",
        [401, 409, 409, 409, 409, 200]),
    rpc!(Shared, "/rpc/system/status", "", [200, 200, 200, 200, 200, 200]),

    // Events and their management.
    rpc!(Shared, "/rpc/events/list", "query[page]=1", [200, 200, 200, 200, 200, 200]),
    rpc!(Shared, "/rpc/events/get", "id={event}", [200, 200, 200, 200, 200, 200]),
    rpc!(Shared, "/rpc/events/mine", "", [401, 403, 403, 200, 200, 200]),
    rpc!(Shared, "/rpc/events/form", "id={event}", [401, 403, 403, 200, 403, 200]),
    rpc!(Shared, "/rpc/events/save", EVENT_DRAFT, [401, 403, 403, 200, 200, 200]),
    rpc!(Fresh, "/rpc/events/cancel", "id={event}", [401, 403, 403, 200, 403, 200]),
    rpc!(Fresh, "/rpc/events/delete", "id={event}", [401, 403, 403, 200, 403, 200]),
    rpc!(Shared, "/rpc/events/dashboard", "id={event}", [401, 403, 403, 200, 403, 200]),
    rpc!(Shared, "/rpc/events/freeze_payouts", "id={event}&frozen=true", [401, 403, 403, 403, 403, 200]),
    rpc!(Shared, "/rpc/events/check_in", "event_id={event}&code={ticket}", [401, 403, 403, 200, 403, 200]),
    rpc!(Shared, "/rpc/events/door_status", "event_id={event}&code={ticket}&r=", [401, 403, 403, 200, 403, 200]),
    rpc!(Shared, "/rpc/events/all_orders", "page=1", [401, 403, 403, 403, 403, 200]),

    // Holds, checkout, orders, tickets.
    rpc!(Shared, "/rpc/events/hold", "tier_id={tier}&quantity=1", [401, 200, 200, 200, 200, 200]),
    rpc!(Shared, "/rpc/events/get_hold", "id={hold}", [401, 200, 404, 404, 404, 404]),
    rpc!(Fresh, "/rpc/events/release", "hold_id={hold}", [401, 200, 404, 404, 404, 404]),
    rpc!(Fresh, "/rpc/events/checkout", "hold_id={hold}&notes=", [401, 200, 404, 404, 404, 404]),
    rpc!(Fresh, "/rpc/wallet/top_up_and_pay", "hold_id={hold}&notes=&card_number=4242 4242 4242 4242&card_expiry=12/40&card_cvc=123&key={key}",
        [401, 200, 404, 404, 404, 404]),
    rpc!(Shared, "/rpc/events/my_orders", "", [401, 200, 200, 200, 200, 200]),
    rpc!(Shared, "/rpc/events/my_tickets", "", [401, 200, 200, 200, 200, 200]),
    rpc!(Shared, "/rpc/events/get_order", "id={order}", [401, 200, 404, 200, 404, 200]),
    rpc!(Fresh, "/rpc/events/cancel_order", "id={order}&back=", [401, 200, 404, 200, 404, 200]),
    rpc!(Shared, "/rpc/events/order_chat", "order_id={order}", [401, 200, 404, 200, 404, 404]),
    // Your own wallet's entries for an order: none for a stranger, for any
    // order id, so it tells nothing.
    rpc!(Shared, "/rpc/wallet/receipt", "order_id={order}", [401, 200, 200, 200, 200, 200]),

    // Wallet.
    rpc!(Shared, "/rpc/wallet/overview", "", [401, 200, 200, 200, 200, 200]),
    rpc!(Shared, "/rpc/wallet/balance", "", [401, 200, 200, 200, 200, 200]),
    rpc!(Shared, "/rpc/wallet/history", "query[page]=1", [401, 200, 200, 200, 200, 200]),
    rpc!(Shared, "/rpc/wallet/top_up_provider", "", [401, 200, 200, 200, 200, 200]),
    rpc!(Shared, "/rpc/wallet/earnings", "", [401, 403, 403, 200, 200, 200]),
    rpc!(Shared, "/rpc/wallet/top_up", "amount=5.00&card_number=4242 4242 4242 4242&card_expiry=12/40&card_cvc=123&key={key}", [401, 200, 200, 200, 200, 200]),
    rpc!(Shared, "/rpc/wallet/withdraw", "amount=1.00&bank_account=DE89 3704 0044 0532 0130 00&key={key}",
        [401, 200, 200, 200, 200, 200]),
    rpc!(Shared, "/rpc/wallet/send", "to={guest_email}&amount=1.00&memo=&key={key}", [401, 200, 200, 200, 200, 200]),

    // Services, schedules, bookings.
    rpc!(Shared, "/rpc/services/list", "query[page]=1", [200, 200, 200, 200, 200, 200]),
    rpc!(Shared, "/rpc/services/get", "id={service}", [200, 200, 200, 200, 200, 200]),
    rpc!(Shared, "/rpc/services/provider", "id={seller}", [200, 200, 200, 200, 200, 200]),
    rpc!(Shared, "/rpc/services/slots", "id={service}&week=&tz=UTC", [200, 200, 200, 200, 200, 200]),
    // Your own services: an attendee has none (the page is the organizers').
    rpc!(Shared, "/rpc/services/mine", "", [401, 200, 200, 200, 200, 200]),
    rpc!(Shared, "/rpc/services/save", SERVICE_DRAFT, [401, 403, 403, 200, 200, 200]),
    rpc!(Fresh, "/rpc/services/delete", "id={service}", [401, 403, 403, 200, 403, 200]),
    rpc!(Shared, "/rpc/services/schedule", "", [401, 403, 403, 200, 200, 200]),
    rpc!(Shared, "/rpc/services/save_schedule", SCHEDULE_DRAFT, [401, 403, 403, 200, 200, 200]),
    rpc!(Shared, "/rpc/services/book",
        "request[service_id]={service}&request[starts_at]={slot_ms}&request[address]=1 Rue de la Paix&request[notes]=&request[key]={key}",
        [401, 200, 200, 409, 200, 200]),
    rpc!(Shared, "/rpc/services/booking", "id={booking}", [401, 200, 404, 200, 404, 200]),
    rpc!(Shared, "/rpc/services/my_bookings", "", [401, 200, 200, 200, 200, 200]),
    rpc!(Fresh, "/rpc/services/act", "id={booking}&action=confirm", [401, 403, 404, 200, 404, 200]),
    rpc!(Fresh, "/rpc/services/reschedule", "id={booking}&starts_at={slot_ms}", [401, 200, 404, 403, 404, 403]),
    rpc!(Shared, "/rpc/services/location", "id={booking_in_progress}&lat=48.85&lng=2.35&accuracy_m=10",
        [401, 403, 404, 200, 404, 403]),
    rpc!(Shared, "/rpc/services/chat", "booking_id={booking}", [401, 200, 404, 200, 404, 404]),

    // Reviews.
    rpc!(Shared, "/rpc/reviews/list", "service_id={service}", [200, 200, 200, 200, 200, 200]),
    rpc!(Fresh, "/rpc/reviews/write", "booking_id={completed_booking}&rating=4", [401, 200, 404, 403, 404, 403]),
    rpc!(Fresh, "/rpc/reviews/reply", "id={review}&reply=Thanks", [401, 403, 403, 200, 403, 403]),
    rpc!(Shared, "/rpc/reviews/hide", "id={review}&hidden=true", [401, 403, 403, 403, 403, 200]),

    // Chat: the buyer's private room (a guest in it).
    rpc!(Shared, "/rpc/chat/rooms", "", [401, 200, 200, 200, 200, 200]),
    rpc!(Shared, "/rpc/chat/public", "q=", [401, 200, 200, 200, 200, 200]),
    rpc!(Shared, "/rpc/chat/unread", "", [401, 200, 200, 200, 200, 200]),
    rpc!(Shared, "/rpc/chat/create", "name=Club&visibility=private", [401, 200, 200, 200, 200, 200]),
    rpc!(Shared, "/rpc/chat/direct", "user_id={guest}", [401, 200, 200, 200, 200, 200]),
    rpc!(Shared, "/rpc/chat/status", "status=Busy", [401, 200, 200, 200, 200, 200]),
    rpc!(Shared, "/rpc/chat/my_status", "", [401, 200, 200, 200, 200, 200]),
    rpc!(Shared, "/rpc/chat/open", "id={room}", [401, 200, 404, 404, 404, 404]),
    rpc!(Shared, "/rpc/chat/history", "room_id={room}", [401, 200, 404, 404, 404, 404]),
    rpc!(Shared, "/rpc/chat/changes", "room_id={room}&after=0", [401, 200, 404, 404, 404, 404]),
    rpc!(Shared, "/rpc/chat/members", "room_id={room}", [401, 200, 404, 404, 404, 404]),
    rpc!(Shared, "/rpc/chat/send", "room_id={room}&body=hello", [401, 200, 404, 404, 404, 404]),
    rpc!(Shared, "/rpc/chat/edit", "id={message}&body=edited", [401, 200, 404, 404, 404, 404]),
    rpc!(Fresh, "/rpc/chat/delete", "id={message}", [401, 200, 404, 404, 404, 404]),
    rpc!(Shared, "/rpc/chat/read", "room_id={room}&seq=1", [401, 200, 404, 404, 404, 404]),
    rpc!(Shared, "/rpc/chat/join", "room_id={room}", [401, 200, 404, 404, 404, 404]),
    rpc!(Fresh, "/rpc/chat/leave", "room_id={room}", [401, 200, 404, 404, 404, 404]),
    rpc!(Fresh, "/rpc/chat/delete_room", "room_id={room}", [401, 200, 404, 404, 404, 404]),
    rpc!(Fresh, "/rpc/chat/invite", "room_id={room}&email={stranger_email}", [401, 200, 404, 404, 404, 404]),
    rpc!(Fresh, "/rpc/chat/remove", "room_id={room}&user_id={guest}", [401, 200, 404, 404, 404, 404]),
    rpc!(Fresh, "/rpc/chat/role", "room_id={room}&user_id={guest}&role=moderator", [401, 200, 404, 404, 404, 404]),
    rpc!(Shared, "/rpc/chat/rename", "room_id={room}&name=Renamed", [401, 200, 404, 404, 404, 404]),
    rpc!(Shared, "/rpc/chat/stream", "stream_id={stream}", [401, 200, 200, 200, 200, 200]),

    // Streams.
    rpc!(Shared, "/rpc/streams/list", "", [200, 200, 200, 200, 200, 200]),
    rpc!(Shared, "/rpc/streams/get", "id={stream}", [200, 200, 200, 200, 200, 200]),
    rpc!(FreshCast, "/rpc/streams/start", "title=Live", [401, 403, 403, 200, 200, 200]),
    rpc!(FreshCast, "/rpc/streams/end", "id={stream}", [401, 403, 403, 200, 403, 200]),
    rpc!(Shared, "/rpc/streams/broadcast", "id={stream}", [401, 403, 403, 200, 403, 403]),
];
