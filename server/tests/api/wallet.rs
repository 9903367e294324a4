//! The wallet through its JSON API: deposits, withdrawals, transfers with
//! idempotency keys; checkout's two-phase payment; refunds, payouts; and
//! the database refusing what the ledger forbids. SQLite, and PostgreSQL
//! when TEST_POSTGRES_URL is set.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, deposit, new_user, send_json, spawn_app};
use crate::ticketing::{create_event, tier_id};

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

fn card(cents: i64) -> Value {
    json!({ "amountCents": cents, "cardNumber": CARD, "cardExpiry": "12/40", "cardCvc": "123" })
}

#[tokio::test]
async fn deposits_transfers_and_withdrawals_move_money_once_per_key() {
    let app = spawn_app().await;
    let (ann, _) = new_user(&app, "attendee").await;
    let (bob, _) = new_user(&app, "attendee").await;
    let bob_email = app.get_json("/api/auth/me", &bob).await.1["username"]
        .as_str()
        .unwrap()
        .to_string();

    let (status, first) = keyed(&app, "/api/wallet/deposit", &ann, "dep-1", card(5000)).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["balance"]["balanceCents"], 5000);
    assert_eq!(first["transaction"]["type"], "deposit");
    assert_eq!(first["transaction"]["amountCents"], 5000);
    // The same key and request: the first result, no second deposit.
    let (status, again) = keyed(&app, "/api/wallet/deposit", &ann, "dep-1", card(5000)).await;
    assert_eq!(status, 201);
    assert_eq!(again["transaction"]["id"], first["transaction"]["id"]);
    assert_eq!(balance(&app, &ann).await, (5000, 0, 5000));
    // The same key for another request: refused.
    let (status, body) = keyed(&app, "/api/wallet/deposit", &ann, "dep-1", card(7000)).await;
    assert_eq!(status, 409, "{body}");
    // No key, a declined card, an expired card, a bad amount: 400, nothing moves.
    let (status, _) = send_json(
        &app,
        Method::POST,
        "/api/wallet/deposit",
        Some(&ann),
        Some(card(100)),
    )
    .await;
    assert_eq!(status, 400);
    let declined = json!({ "amountCents": 100, "cardNumber": "4000 0000 0000 0002", "cardExpiry": "12/40", "cardCvc": "123" });
    let (status, body) = keyed(&app, "/api/wallet/deposit", &ann, "dep-2", declined).await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("card_number")),
        "{body}"
    );
    let expired =
        json!({ "amountCents": 100, "cardNumber": CARD, "cardExpiry": "01/20", "cardCvc": "123" });
    let (status, body) = keyed(&app, "/api/wallet/deposit", &ann, "dep-3", expired).await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("card_expiry")),
        "{body}"
    );
    let (status, _) = keyed(&app, "/api/wallet/deposit", &ann, "dep-4", card(0)).await;
    assert_eq!(status, 400);
    let (status, _) = keyed(&app, "/api/wallet/deposit", &ann, "dep-5", card(1_000_001)).await;
    assert_eq!(status, 400);

    // Transfer to Bob; to oneself, to nobody and beyond the balance are refused.
    let send =
        |to: &str, cents: i64| json!({ "toEmail": to, "amountCents": cents, "memo": "pizza" });
    let (status, sent) = keyed(
        &app,
        "/api/wallet/transfer",
        &ann,
        "t-1",
        send(&bob_email, 2000),
    )
    .await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(sent["transaction"]["amountCents"], -2000);
    assert_eq!(balance(&app, &bob).await, (2000, 0, 2000));
    let ann_email = app.get_json("/api/auth/me", &ann).await.1["username"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _) = keyed(
        &app,
        "/api/wallet/transfer",
        &ann,
        "t-2",
        send(&ann_email, 1),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = keyed(
        &app,
        "/api/wallet/transfer",
        &ann,
        "t-3",
        send("nobody@example.com", 1),
    )
    .await;
    assert_eq!(status, 400);
    let (status, body) = keyed(
        &app,
        "/api/wallet/transfer",
        &ann,
        "t-4",
        send(&bob_email, 3001),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("Not enough money"),
        "{body}"
    );

    // Withdraw; more than there is is refused.
    let bank =
        |cents: i64| json!({ "amountCents": cents, "bankAccount": "DE89 3704 0044 0532 0130 00" });
    let (status, body) = keyed(&app, "/api/wallet/withdraw", &ann, "w-1", bank(1000)).await;
    assert_eq!(status, 201, "{body}");
    let (status, _) = keyed(&app, "/api/wallet/withdraw", &ann, "w-2", bank(2001)).await;
    assert_eq!(status, 409);
    assert_eq!(balance(&app, &ann).await, (2000, 0, 2000));

    // History: newest first, signed from Ann's side, filterable.
    let (status, history) = app.get_json("/api/wallet/transactions", &ann).await;
    assert_eq!(status, 200);
    let amounts: Vec<i64> = history["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["amountCents"].as_i64().unwrap())
        .collect();
    assert_eq!(amounts, vec![-1000, -2000, 5000]);
    let (_, deposits) = app
        .get_json("/api/wallet/transactions?type=deposit", &ann)
        .await;
    assert_eq!(deposits["transactions"].as_array().unwrap().len(), 1);
    let (_, incoming) = app
        .get_json("/api/wallet/transactions?direction=in", &bob)
        .await;
    let from = incoming["transactions"][0]["description"].as_str().unwrap();
    assert!(from.starts_with("From "), "{from}");
    let (status, _) = app
        .get_json("/api/wallet/transactions?type=gift", &ann)
        .await;
    assert_eq!(status, 400);
    // Not signed in: 401.
    let (status, _) = send_json(&app, Method::GET, "/api/wallet/balance", None, None).await;
    assert_eq!(status, 401);
    assert_ledger_holds(&app).await;
}

#[tokio::test]
async fn concurrent_retries_with_one_key_deposit_once() {
    let app = std::sync::Arc::new(spawn_app().await);
    let (ann, _) = new_user(&app, "attendee").await;
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let (app, ann) = (app.clone(), ann.clone());
            tokio::spawn(async move {
                keyed(&app, "/api/wallet/deposit", &ann, "same-key", card(1500)).await
            })
        })
        .collect();
    let mut ids = Vec::new();
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert!(status == 201 || status == 409, "{status} {body}");
        if status == 201 {
            ids.push(body["transaction"]["id"].as_i64().unwrap());
        }
    }
    assert!(!ids.is_empty());
    assert!(
        ids.iter().all(|id| *id == ids[0]),
        "one transaction: {ids:?}"
    );
    assert_eq!(balance(&app, &ann).await, (1500, 0, 1500));
    assert_ledger_holds(&app).await;
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
    let (organizer, _) = new_user(&app, "organizer").await;
    let event = create_event(&app, &organizer, &[("General", 25.0, 50)]).await;
    let event_id = event["idEvent"].as_i64().unwrap();
    let (status, updated) = send_json(
        &app,
        Method::PUT,
        &format!("/api/events/{event_id}"),
        Some(&organizer),
        Some(json!({ "cancellationFeePct": 20 })),
    )
    .await;
    assert_eq!(
        (status, updated["cancellationFeePct"].as_i64()),
        (200, Some(20)),
        "{updated}"
    );
    let (status, _) = send_json(
        &app,
        Method::PUT,
        &format!("/api/events/{event_id}"),
        Some(&organizer),
        Some(json!({ "cancellationFeePct": 101 })),
    )
    .await;
    assert_eq!(status, 400);
    let tier = tier_id(&event, 0);
    let (buyer, _) = new_user(&app, "attendee").await;

    // An empty wallet can't order: 409, and nothing is held.
    let (status, body) = order(&app, &buyer, tier, 2).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("Top up $50"),
        "{body}"
    );
    let (_, mine) = app.get_json("/api/orders", &buyer).await;
    assert_eq!(mine.as_array().unwrap().len(), 0);

    deposit(&app, &buyer, 6000).await;
    let (status, created) = order(&app, &buyer, tier, 2).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    // Reserved, not moved.
    assert_eq!(balance(&app, &buyer).await, (6000, 5000, 1000));
    // What is left can't pay for another two seats.
    let (status, _) = order(&app, &buyer, tier, 2).await;
    assert_eq!(status, 409);
    assert_ledger_holds(&app).await;

    let (status, confirmed) = post(&app, &buyer, &format!("/api/orders/{id}/confirm")).await;
    assert_eq!(
        (status, confirmed["status"].as_str()),
        (200, Some("confirmed")),
        "{confirmed}"
    );
    assert_eq!(balance(&app, &buyer).await, (1000, 0, 1000));
    assert_eq!(earnings(&app, &organizer).await.in_escrow_cents, 5000);
    // Confirming again changes nothing.
    let (status, _) = post(&app, &buyer, &format!("/api/orders/{id}/confirm")).await;
    assert_eq!(status, 200);
    assert_eq!(balance(&app, &buyer).await, (1000, 0, 1000));

    // The buyer cancels: the organizer keeps 20%.
    let (status, cancelled) = post(&app, &buyer, &format!("/api/orders/{id}/cancel")).await;
    assert_eq!(
        (status, cancelled["status"].as_str()),
        (200, Some("cancelled")),
        "{cancelled}"
    );
    assert_eq!(balance(&app, &buyer).await, (5000, 0, 5000));
    let takings = earnings(&app, &organizer).await;
    assert_eq!(
        (
            takings.events[0].sales_cents,
            takings.events[0].refunded_cents
        ),
        (5000, 4000)
    );
    assert_eq!(takings.in_escrow_cents, 1000);
    let (_, history) = app.get_json("/api/wallet/transactions", &buyer).await;
    let kinds: Vec<&str> = history["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["type"].as_str().unwrap())
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
    let (organizer, _) = new_user(&app, "organizer").await;
    let event = create_event(&app, &organizer, &[("General", 12.5, 10)]).await;
    let (buyer, _) = new_user(&app, "attendee").await;
    deposit(&app, &buyer, 2500).await;
    let (status, created) = order(&app, &buyer, tier_id(&event, 0), 2).await;
    assert_eq!(status, 201);
    let id = created["id"].as_i64().unwrap();
    assert_eq!(balance(&app, &buyer).await, (2500, 2500, 0));
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
    assert_eq!(balance(&app, &buyer).await, (2500, 0, 2500));
    let (status, body) = post(&app, &buyer, &format!("/api/orders/{id}/confirm")).await;
    assert_eq!(status, 409, "{body}");
    let (_, order) = app.get_json(&format!("/api/orders/{id}"), &buyer).await;
    assert_eq!(order["status"], "cancelled");
    assert_eq!(order["tickets"].as_array().unwrap().len(), 0);
    let (status, payment): (String, i64) = sqlx::query_as(
        "SELECT status, amount_cents FROM wallet_transactions WHERE order_id = $1 AND kind = 'payment'",
    )
    .bind(id)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!((status.as_str(), payment), ("voided", 2500));
    assert_eq!(balance(&app, &buyer).await, (2500, 0, 2500));
    assert_ledger_holds(&app).await;
}

#[tokio::test]
async fn payouts_move_escrow_to_the_organizer_once_after_the_event_less_the_fee() {
    let app = spawn_app().await;
    let (organizer, organizer_id) = new_user(&app, "organizer").await;
    let event = create_event(&app, &organizer, &[("General", 20.0, 10)]).await;
    let event_id = event["idEvent"].as_i64().unwrap();
    let (buyer, _) = new_user(&app, "attendee").await;
    deposit(&app, &buyer, 10_000).await;
    let (_, created) = order(&app, &buyer, tier_id(&event, 0), 5).await;
    let (status, _) = post(
        &app,
        &buyer,
        &format!("/api/orders/{}/confirm", created["id"]),
    )
    .await;
    assert_eq!(status, 200);
    // Before the event nothing is paid out.
    app::events::sweeper::sweep_money(&app.db, 500)
        .await
        .unwrap();
    assert_eq!(balance(&app, &organizer).await.0, 0);
    // The event is over.
    let past = app::kernel::time::now_millis() - 3_600_000;
    sqlx::query("UPDATE events SET starts_at = $1, ends_at = $2 WHERE id = $3")
        .bind(past - 3_600_000)
        .bind(past)
        .bind(event_id)
        .execute(app.db.pool())
        .await
        .unwrap();
    app::events::sweeper::sweep(&app.db).await.unwrap();
    let paid = app::events::sweeper::sweep_money(&app.db, 500)
        .await
        .unwrap();
    assert_eq!(paid, vec![organizer_id]);
    // $100 of sales, 5% platform fee.
    assert_eq!(balance(&app, &organizer).await, (9500, 0, 9500));
    app::events::sweeper::sweep_money(&app.db, 500)
        .await
        .unwrap();
    assert_eq!(balance(&app, &organizer).await.0, 9500, "paid out once");
    let takings = earnings(&app, &organizer).await;
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
