//! The wallet through its JSON API: deposits, withdrawals, transfers with
//! idempotency keys; checkout's two-phase payment; refunds, payouts; and
//! the database refusing what the ledger forbids. SQLite, and PostgreSQL
//! when TEST_POSTGRES_URL is set.

use reqwest::Method;
use serde_json::{Value, json};

use server::api::events::ApiEvent;
use server::api::orders::ApiOrder;
use server::api::wallet::ApiBalance;

use crate::client::{Answer, Role, card};
use crate::helpers::{TestApp, deposit, new_user, send_json, spawn_app};
use crate::ticketing::{create_event, tier_id, time_passes};

pub const CARD: &str = "4242 4242 4242 4242";

/// A keyed money call: status and body.
pub async fn keyed(app: &TestApp, path: &str, token: &str, key: &str, body: Value) -> (u16, Value) {
    let response = app
        .bearer(Method::POST, path, token)
        .header("Idempotency-Key", key)
        .json(&body)
        .send()
        .await
        .expect("the server answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub async fn balance(app: &TestApp, token: &str) -> (i64, i64, i64) {
    let (status, b) = app.get_json("/api/wallet/balance", token).await;
    assert_eq!(status, 200, "{b}");
    (
        b["balanceCents"].as_i64().unwrap(),
        b["pendingCents"].as_i64().unwrap(),
        b["availableCents"].as_i64().unwrap(),
    )
}

pub async fn assert_ledger_holds(app: &TestApp) {
    let audit = app::wallet::audit::audit(&app.db).await.expect("audit");
    assert!(audit.holds(), "ledger invariants broken: {audit:?}");
}

#[tokio::test]
async fn deposits_transfers_and_withdrawals_move_money_once_per_key() {
    let app = spawn_app().await;
    let ann = app.person(Role::Attendee).await;
    let bob = app.person(Role::Attendee).await;

    let first = app.deposit(&ann, "dep-1", card(5000)).await.expect(201);
    assert_eq!(first.balance.balance_cents, 5000);
    assert_eq!(first.transaction.kind, "deposit");
    assert_eq!(first.transaction.amount_cents, 5000);
    // The same key and request: the first result, no second deposit.
    let again = app.deposit(&ann, "dep-1", card(5000)).await.expect(201);
    assert_eq!(again.transaction.id, first.transaction.id);
    assert_eq!(money(&app.balance(&ann).await), (5000, 0, 5000));
    // The same key for another request: refused.
    app.deposit(&ann, "dep-1", card(7000)).await.refused(409);
    // No key, a declined card, an expired card, a bad amount: 400, nothing moves.
    let unkeyed: Answer<Value> = app
        .call(
            Method::POST,
            "/api/wallet/deposit",
            Some(&ann),
            None,
            Some(card(100)),
        )
        .await;
    unkeyed.refused(400);
    let declined = json!({ "amountCents": 100, "cardNumber": "4000 0000 0000 0002", "cardExpiry": "12/40", "cardCvc": "123" });
    let refusal = app.deposit(&ann, "dep-2", declined).await.refused(400);
    assert_eq!(refusal.field.as_deref(), Some("card_number"));
    let expired =
        json!({ "amountCents": 100, "cardNumber": CARD, "cardExpiry": "01/20", "cardCvc": "123" });
    let refusal = app.deposit(&ann, "dep-3", expired).await.refused(400);
    assert_eq!(refusal.field.as_deref(), Some("card_expiry"));
    app.deposit(&ann, "dep-4", card(0)).await.refused(400);
    app.deposit(&ann, "dep-5", card(1_000_001))
        .await
        .refused(400);

    // Transfer to Bob; to oneself, to nobody and beyond the balance are refused.
    let sent = app
        .transfer(&ann, "t-1", &bob.email, 2000)
        .await
        .expect(201);
    assert_eq!(sent.transaction.amount_cents, -2000);
    assert_eq!(money(&app.balance(&bob).await), (2000, 0, 2000));
    app.transfer(&ann, "t-2", &ann.email, 1).await.refused(400);
    app.transfer(&ann, "t-3", "nobody@example.com", 1)
        .await
        .refused(400);
    let short = app
        .transfer(&ann, "t-4", &bob.email, 3001)
        .await
        .refused(409);
    assert!(short.message.contains("Not enough money"), "{short:?}");

    // Withdraw; more than there is is refused.
    app.withdraw(&ann, "w-1", 1000).await.expect(201);
    app.withdraw(&ann, "w-2", 2001).await.refused(409);
    assert_eq!(money(&app.balance(&ann).await), (2000, 0, 2000));

    // History: newest first, signed from Ann's side, filterable.
    let history = app.transactions(&ann, "").await.expect(200);
    let amounts: Vec<i64> = history
        .transactions
        .iter()
        .map(|t| t.amount_cents)
        .collect();
    assert_eq!(amounts, vec![-1000, -2000, 5000]);
    let deposits = app.transactions(&ann, "?type=deposit").await.ok();
    assert_eq!(deposits.transactions.len(), 1);
    let incoming = app.transactions(&bob, "?direction=in").await.ok();
    let from = &incoming.transactions[0].description;
    assert!(from.starts_with("From "), "{from}");
    app.transactions(&ann, "?type=gift").await.refused(400);
    // Not signed in: 401.
    let anonymous: Answer<Value> = app
        .call(Method::GET, "/api/wallet/balance", None, None, None)
        .await;
    anonymous.refused(401);
    assert_ledger_holds(&app).await;
}

#[tokio::test]
async fn concurrent_retries_with_one_key_deposit_once() {
    let app = std::sync::Arc::new(spawn_app().await);
    let ann = app.person(Role::Attendee).await;
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let (app, ann) = (app.clone(), ann.clone());
            tokio::spawn(async move { app.deposit(&ann, "same-key", card(1500)).await })
        })
        .collect();
    let mut ids = Vec::new();
    for task in tasks {
        let answer = task.await.unwrap();
        assert!(answer.status == 201 || answer.status == 409, "{answer:?}");
        if answer.status == 201 {
            ids.push(answer.ok().transaction.id);
        }
    }
    assert!(!ids.is_empty());
    assert!(
        ids.iter().all(|id| *id == ids[0]),
        "one transaction: {ids:?}"
    );
    assert_eq!(money(&app.balance(&ann).await), (1500, 0, 1500));
    assert_ledger_holds(&app).await;
}

/// Balance, reserved and available, in cents.
fn money(balance: &ApiBalance) -> (i64, i64, i64) {
    (
        balance.balance_cents,
        balance.pending_cents,
        balance.available_cents,
    )
}

async fn order(app: &TestApp, token: &str, tier: i64, quantity: i64) -> (u16, Value) {
    send_json(
        app,
        Method::POST,
        "/api/orders",
        Some(token),
        Some(json!({ "categoryId": tier, "quantity": quantity })),
    )
    .await
}

async fn post(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    send_json(app, Method::POST, path, Some(token), None).await
}

async fn earnings(app: &TestApp, organizer: &str) -> app::wallet::model::Earnings {
    let state = &app.state;
    let user = app::accounts::service::authenticate(state, organizer)
        .await
        .expect("the organizer");
    app::wallet::payments::earnings(state, &user)
        .await
        .expect("earnings")
}

#[tokio::test]
async fn checkout_reserves_then_pays_and_a_buyer_cancel_refunds_less_the_fee() {
    let app = spawn_app().await;
    let organizer = app.person(Role::Organizer).await;
    let event = app.event(&organizer, &[("General", 25.0, 50)]).await;
    let path = format!("/api/events/{}", event.id_event);
    let fee = Some(json!({ "cancellationFeePct": 20 }));
    let updated: ApiEvent = app
        .call(Method::PUT, &path, Some(&organizer), None, fee)
        .await
        .expect(200);
    assert_eq!(updated.cancellation_fee_pct, 20);
    let too_much = Some(json!({ "cancellationFeePct": 101 }));
    let refused: Answer<Value> = app
        .call(Method::PUT, &path, Some(&organizer), None, too_much)
        .await;
    refused.refused(400);
    let tier = event.ticket_categories[0].id;
    let buyer = app.person(Role::Attendee).await;

    // An empty wallet can't order: 409, and nothing is held.
    let short = app.order(&buyer, tier, 2).await.refused(409);
    assert!(short.message.contains("Top up $50"), "{short:?}");
    let mine: Vec<ApiOrder> = app
        .call(Method::GET, "/api/orders", Some(&buyer), None, None)
        .await
        .ok();
    assert_eq!(mine.len(), 0);

    deposit(&app, &buyer.token, 6000).await;
    let created = app.order(&buyer, tier, 2).await.expect(201);
    // Reserved, not moved.
    assert_eq!(money(&app.balance(&buyer).await), (6000, 5000, 1000));
    // What is left can't pay for another two seats.
    app.order(&buyer, tier, 2).await.refused(409);
    assert_ledger_holds(&app).await;

    let confirmed = app
        .act_on_order(&buyer, created.id, "confirm")
        .await
        .expect(200);
    assert_eq!(confirmed.status, "confirmed");
    assert_eq!(money(&app.balance(&buyer).await), (1000, 0, 1000));
    assert_eq!(earnings(&app, &organizer.token).await.in_escrow_cents, 5000);
    // Confirming again changes nothing.
    app.act_on_order(&buyer, created.id, "confirm")
        .await
        .expect(200);
    assert_eq!(money(&app.balance(&buyer).await), (1000, 0, 1000));

    // The buyer cancels: the organizer keeps 20%.
    let cancelled = app
        .act_on_order(&buyer, created.id, "cancel")
        .await
        .expect(200);
    assert_eq!(cancelled.status, "cancelled");
    assert_eq!(money(&app.balance(&buyer).await), (5000, 0, 5000));
    let takings = earnings(&app, &organizer.token).await;
    assert_eq!(
        (
            takings.events[0].sales_cents,
            takings.events[0].refunded_cents
        ),
        (5000, 4000)
    );
    assert_eq!(takings.in_escrow_cents, 1000);
    let history = app.transactions(&buyer, "").await.ok();
    let kinds: Vec<&str> = history
        .transactions
        .iter()
        .map(|t| t.kind.as_str())
        .collect();
    assert_eq!(kinds, vec!["refund", "payment", "deposit"]);
    assert_ledger_holds(&app).await;
}

#[tokio::test]
async fn an_organizer_cancelling_the_event_refunds_every_buyer_in_full() {
    let app = spawn_app().await;
    let (organizer, _) = new_user(&app, "organizer").await;
    let event = create_event(&app, &organizer, &[("General", 10.0, 50)]).await;
    let event_id = event["idEvent"].as_i64().unwrap();
    send_json(
        &app,
        Method::PUT,
        &format!("/api/events/{event_id}"),
        Some(&organizer),
        Some(json!({ "cancellationFeePct": 50 })),
    )
    .await;
    let tier = tier_id(&event, 0);
    let (paid, _) = new_user(&app, "attendee").await;
    let (reserved, _) = new_user(&app, "attendee").await;
    for token in [&paid, &reserved] {
        deposit(&app, token, 3000).await;
    }
    let (_, a) = order(&app, &paid, tier, 3).await;
    post(&app, &paid, &format!("/api/orders/{}/confirm", a["id"])).await;
    order(&app, &reserved, tier, 1).await;
    assert_eq!(balance(&app, &paid).await, (0, 0, 0));
    assert_eq!(balance(&app, &reserved).await, (3000, 1000, 2000));
    let (status, _) = post(&app, &organizer, &format!("/api/events/{event_id}/cancel")).await;
    assert_eq!(status, 200);
    assert_eq!(balance(&app, &paid).await, (3000, 0, 3000));
    assert_eq!(balance(&app, &reserved).await, (3000, 0, 3000));
    // An event with payments can't be deleted (its ledger history stays).
    let (status, _) = send_json(
        &app,
        Method::DELETE,
        &format!("/api/events/{event_id}"),
        Some(&organizer),
        None,
    )
    .await;
    assert_eq!(status, 409);
    assert_ledger_holds(&app).await;
}

#[tokio::test]
async fn a_lapsed_hold_voids_its_payment_and_confirming_moves_no_money() {
    let app = spawn_app().await;
    let organizer = app.person(Role::Organizer).await;
    let event = app.event(&organizer, &[("General", 12.5, 10)]).await;
    let buyer = app.person(Role::Attendee).await;
    deposit(&app, &buyer.token, 2500).await;
    let id = app
        .order(&buyer, event.ticket_categories[0].id, 2)
        .await
        .expect(201)
        .id;
    assert_eq!(money(&app.balance(&buyer).await), (2500, 2500, 0));
    // Time passes: the hold and its payment lapse together.
    let past = app::kernel::time::now_millis() - 1000;
    sqlx::query(
        "UPDATE holds SET expires_at = $1 WHERE id = (SELECT hold_id FROM orders WHERE id = $2)",
    )
    .bind(past)
    .bind(id)
    .execute(app.db.pool())
    .await
    .unwrap();
    sqlx::query("UPDATE wallet_transactions SET expires_at = $1 WHERE order_id = $2")
        .bind(past)
        .bind(id)
        .execute(app.db.pool())
        .await
        .unwrap();
    // A lapsed reservation stops counting at once.
    assert_eq!(money(&app.balance(&buyer).await), (2500, 0, 2500));
    app.act_on_order(&buyer, id, "confirm").await.refused(409);
    let order: ApiOrder = app
        .call(
            Method::GET,
            &format!("/api/orders/{id}"),
            Some(&buyer),
            None,
            None,
        )
        .await
        .ok();
    assert_eq!(order.status, "cancelled");
    assert_eq!(order.tickets.len(), 0);
    let (status, payment): (String, i64) = sqlx::query_as(
        "SELECT status, amount_cents FROM wallet_transactions WHERE order_id = $1 AND kind = 'payment'",
    )
    .bind(id)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!((status.as_str(), payment), ("voided", 2500));
    assert_eq!(money(&app.balance(&buyer).await), (2500, 0, 2500));
    assert_ledger_holds(&app).await;
}

#[tokio::test]
async fn payouts_move_escrow_to_the_organizer_once_after_the_event_less_the_fee() {
    let app = spawn_app().await;
    let organizer = app.person(Role::Organizer).await;
    let event = app.event(&organizer, &[("General", 20.0, 10)]).await;
    let event_id = event.id_event;
    let buyer = app.person(Role::Attendee).await;
    deposit(&app, &buyer.token, 10_000).await;
    let tier = event.ticket_categories[0].id;
    let created = app.order(&buyer, tier, 5).await.expect(201);
    app.act_on_order(&buyer, created.id, "confirm")
        .await
        .expect(200);
    // Before the event nothing is paid out.
    app::events::sweeper::sweep_money(&app.db, &app.state.config.wallet)
        .await
        .unwrap();
    assert_eq!(app.balance(&organizer).await.balance_cents, 0);
    // The event ended an hour ago: the order is completed, but its money
    // stays in escrow for the hold-back period (72 h).
    let hour = 3_600_000;
    time_passes(&app, event_id, hour).await;
    app::events::sweeper::sweep(&app.db).await.unwrap();
    let paid = app::events::sweeper::sweep_money(&app.db, &app.state.config.wallet)
        .await
        .unwrap();
    assert!(paid.is_empty(), "held back");
    assert_eq!(app.balance(&organizer).await.balance_cents, 0);
    // An admin freezes the event's payouts: the hold-back passes, nothing moves.
    sqlx::query("UPDATE events SET payouts_frozen_at = 1 WHERE id = $1")
        .bind(event_id)
        .execute(app.db.pool())
        .await
        .unwrap();
    time_passes(&app, event_id, 73 * hour).await;
    let paid = app::events::sweeper::sweep_money(&app.db, &app.state.config.wallet)
        .await
        .unwrap();
    assert!(paid.is_empty(), "frozen");
    // Unfrozen: paid out.
    sqlx::query("UPDATE events SET payouts_frozen_at = NULL WHERE id = $1")
        .bind(event_id)
        .execute(app.db.pool())
        .await
        .unwrap();
    let paid = app::events::sweeper::sweep_money(&app.db, &app.state.config.wallet)
        .await
        .unwrap();
    assert_eq!(paid, vec![organizer.id]);
    // $100 of sales, 5% platform fee.
    assert_eq!(money(&app.balance(&organizer).await), (9500, 0, 9500));
    app::events::sweeper::sweep_money(&app.db, &app.state.config.wallet)
        .await
        .unwrap();
    assert_eq!(
        app.balance(&organizer).await.balance_cents,
        9500,
        "paid out once"
    );
    let takings = earnings(&app, &organizer.token).await;
    assert_eq!(
        (
            takings.in_escrow_cents,
            takings.paid_out_cents,
            takings.fees_cents
        ),
        (0, 9500, 500)
    );
    let (fees,): (i64,) =
        sqlx::query_as("SELECT balance_cents FROM wallet_accounts WHERE kind = 'fees'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(fees, 500);
    assert_ledger_holds(&app).await;
}

#[tokio::test]
async fn the_database_refuses_negative_balances_and_edited_entries() {
    let app = spawn_app().await;
    let (ann, ann_id) = new_user(&app, "attendee").await;
    deposit(&app, &ann, 1000).await;
    let overdraw = sqlx::query("UPDATE wallet_accounts SET balance_cents = -1 WHERE user_id = $1")
        .bind(ann_id)
        .execute(app.db.pool())
        .await;
    assert!(overdraw.is_err(), "a negative balance is refused");
    let over_reserve =
        sqlx::query("UPDATE wallet_accounts SET pending_cents = 1001 WHERE user_id = $1")
            .bind(ann_id)
            .execute(app.db.pool())
            .await;
    assert!(
        over_reserve.is_err(),
        "reserving more than the balance is refused"
    );
    let edit = sqlx::query("UPDATE wallet_entries SET amount_cents = amount_cents + 1")
        .execute(app.db.pool())
        .await;
    assert!(edit.is_err(), "entries are immutable");
    let delete = sqlx::query("DELETE FROM wallet_entries")
        .execute(app.db.pool())
        .await;
    assert!(delete.is_err(), "entries can't be deleted");
    assert_ledger_holds(&app).await;
}

#[tokio::test]
async fn top_up_and_pay_says_so_when_the_shortfall_is_beyond_one_top_up() {
    let app = spawn_app().await;
    let (organizer, _) = new_user(&app, "organizer").await;
    let event = create_event(&app, &organizer, &[("Box", 6000.0, 10)]).await;
    let (buyer, _) = new_user(&app, "attendee").await;
    let (status, held) = send_json(
        &app,
        Method::POST,
        "/api/events/tickets/reserve",
        Some(&buyer),
        Some(json!({ "categoryId": tier_id(&event, 0), "quantity": 2 })),
    )
    .await;
    assert_eq!(status, 201, "{held}");
    let response = app
        .bearer(Method::POST, "/rpc/wallet/top_up_and_pay", &buyer)
        .form(&[
            ("hold_id", held["lockId"].as_str().unwrap()),
            ("notes", ""),
            ("card_number", CARD),
            ("card_expiry", "12/40"),
            ("card_cvc", "123"),
            ("key", "big-checkout"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 409);
    let body = response.text().await.unwrap();
    assert!(body.contains("more than one top-up allows"), "{body}");
    // Nothing was charged.
    assert_eq!(balance(&app, &buyer).await, (0, 0, 0));
    assert_ledger_holds(&app).await;
}

#[tokio::test]
async fn a_key_reused_after_a_day_moves_no_money_again() {
    let app = spawn_app().await;
    let ann = app.person(Role::Attendee).await;
    let first = app.deposit(&ann, "dep-old", card(2500)).await.expect(201);
    // A day later the kernel has forgotten the key…
    sqlx::query("UPDATE idempotency_keys SET created_at = created_at - $1")
        .bind(app::kernel::idempotency::TTL_MS + 1)
        .execute(app.db.pool())
        .await
        .unwrap();
    // …but the ledger keeps it: the same key is refused, whatever it asks.
    let again = app.deposit(&ann, "dep-old", card(2500)).await.refused(409);
    assert!(again.message.contains("recorded already"), "{again:?}");
    app.deposit(&ann, "dep-old", card(100)).await.refused(409);
    assert_eq!(money(&app.balance(&ann).await), (2500, 0, 2500));
    // A new key is a new deposit.
    let next = app.deposit(&ann, "dep-new", card(100)).await.expect(201);
    assert_ne!(next.transaction.id, first.transaction.id);
    assert_eq!(money(&app.balance(&ann).await), (2600, 0, 2600));
    assert_ledger_holds(&app).await;
}
