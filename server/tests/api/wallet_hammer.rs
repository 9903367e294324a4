//! The bank test (after Jepsen's): many concurrent clients deposit,
//! withdraw, transfer among a few accounts, buy tickets, confirm, cancel,
//! and make failing attempts, while a monitor reads the whole ledger in one
//! statement the whole time: money is never created or lost (all balances
//! sum to zero) and no person's account is ever below what it reserved.
//! Afterwards every cached balance equals the sum of its entries, and no
//! order is confirmed without its payment posted. SQLite, and PostgreSQL
//! when TEST_POSTGRES_URL is set.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, deposit, new_user, send_json, spawn_app_with};
use crate::ticketing::{create_event, tier_id};
use crate::wallet::{CARD, assert_ledger_holds, keyed};

const PEOPLE: usize = 12;
const WORKERS: usize = 24;
const OPS_PER_WORKER: usize = 25;

/// Sum of all balances and the lowest spendable amount of any person, in
/// one statement (one snapshot).
async fn ledger_now(app: &TestApp) -> (i64, i64) {
    sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(balance_cents), 0) AS BIGINT), \
         CAST(COALESCE(MIN(CASE WHEN user_id IS NULL THEN 0 ELSE balance_cents - pending_cents END), 0) AS BIGINT) \
         FROM wallet_accounts",
    )
    .fetch_one(app.db.pool())
    .await
    .expect("the ledger")
}

#[derive(Default)]
struct Tally {
    ok: AtomicUsize,
    refused: AtomicUsize,
    confirmed: AtomicUsize,
}

impl Tally {
    fn count(&self, status: u16, ok: &[u16], body: &serde_json::Value, what: &str) -> bool {
        if ok.contains(&status) {
            self.ok.fetch_add(1, Ordering::Relaxed);
            true
        } else {
            assert!(
                status == 409 || status == 400,
                "{what}: unexpected {status} {body}"
            );
            self.refused.fetch_add(1, Ordering::Relaxed);
            false
        }
    }
}

struct World {
    app: Arc<TestApp>,
    tokens: Vec<String>,
    emails: Vec<String>,
    tier: i64,
    tally: Tally,
}

async fn worker(world: Arc<World>, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let app = &world.app;
    for op in 0..OPS_PER_WORKER {
        let me = rng.random_range(0..PEOPLE);
        let token = &world.tokens[me];
        let key = format!("w{seed}-{op}");
        match rng.random_range(0..6) {
            0 | 1 => {
                let mut to = rng.random_range(0..PEOPLE);
                if to == me {
                    to = (to + 1) % PEOPLE;
                }
                let body = json!({ "toEmail": world.emails[to], "amountCents": rng.random_range(1..=6000) });
                let (status, answer) = keyed(app, "/api/wallet/transfer", token, &key, body).await;
                world.tally.count(status, &[201], &answer, "transfer");
            }
            2 => {
                let body = json!({ "amountCents": rng.random_range(1..=3000), "bankAccount": "GB33BUKB20201555555555" });
                let (status, answer) = keyed(app, "/api/wallet/withdraw", token, &key, body).await;
                world.tally.count(status, &[201], &answer, "withdraw");
            }
            3 => {
                let good = rng.random_bool(0.7);
                let body = json!({
                    "amountCents": rng.random_range(1..=2000),
                    "cardNumber": if good { CARD } else { "4000 0000 0000 0002" },
                    "cardExpiry": "12/40",
                    "cardCvc": "123",
                });
                let (status, answer) = keyed(app, "/api/wallet/deposit", token, &key, body).await;
                let done = world.tally.count(status, &[201], &answer, "deposit");
                assert_eq!(done, good, "{answer}");
                if done {
                    // A replay with another amount is refused and moves nothing.
                    let replay = json!({ "amountCents": 1, "cardNumber": CARD, "cardExpiry": "12/40", "cardCvc": "123" });
                    let (status, _) = keyed(app, "/api/wallet/deposit", token, &key, replay).await;
                    assert_eq!(status, 409);
                }
            }
            _ => {
                let quantity = rng.random_range(1..=3);
                let (status, order) = send_json(
                    app,
                    Method::POST,
                    "/api/orders",
                    Some(token),
                    Some(json!({ "categoryId": world.tier, "quantity": quantity })),
                )
                .await;
                if !world.tally.count(status, &[201], &order, "order") {
                    continue;
                }
                let id = order["id"].as_i64().expect("an order id");
                let action = rng.random_range(0..6);
                if action == 0 {
                    let path = format!("/api/orders/{id}/cancel");
                    let (status, body) =
                        send_json(app, Method::POST, &path, Some(token), None).await;
                    world.tally.count(status, &[200], &body, "cancel pending");
                    continue;
                }
                let path = format!("/api/orders/{id}/confirm");
                let (status, body) = send_json(app, Method::POST, &path, Some(token), None).await;
                if world.tally.count(status, &[200], &body, "confirm") {
                    world.tally.confirmed.fetch_add(1, Ordering::Relaxed);
                    if action == 1 {
                        let path = format!("/api/orders/{id}/cancel");
                        let (status, body) =
                            send_json(app, Method::POST, &path, Some(token), None).await;
                        world.tally.count(status, &[200], &body, "cancel confirmed");
                    }
                }
            }
        }
    }
}

/// No order holds seats without its money, and no money is taken without
/// seats: every confirmed order has its payment posted for its total, and
/// every posted payment belongs to a confirmed order or was refunded.
pub async fn assert_orders_match_payments(app: &TestApp) {
    let (unpaid,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM orders o WHERE o.status IN ('confirmed', 'completed') AND o.total_cents > 0 \
         AND NOT EXISTS (SELECT 1 FROM wallet_transactions t WHERE t.order_id = o.id \
         AND t.kind = 'payment' AND t.status = 'posted' AND t.amount_cents = o.total_cents)",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(unpaid, 0, "confirmed orders without their payment");
    let (unearned,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM wallet_transactions t JOIN orders o ON o.id = t.order_id \
         WHERE t.kind = 'payment' AND t.status = 'posted' AND o.status NOT IN ('confirmed', 'completed') \
         AND NOT EXISTS (SELECT 1 FROM wallet_transactions r WHERE r.order_id = o.id AND r.kind = 'refund')",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(unearned, 0, "payments taken for orders that hold no seats");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn money_is_never_created_or_lost_under_concurrent_payments() {
    // Many transfers a minute by one person look like probing addresses:
    // this test is about money, not limits.
    let app = Arc::new(
        spawn_app_with(|c| {
            c.auth_limits = app::rate_limit::AuthLimits {
                per_ip_per_minute: 100_000,
                per_account_per_minute: 100_000,
            }
        })
        .await,
    );
    let (organizer, _) = new_user(&app, "organizer").await;
    let event = create_event(&app, &organizer, &[("General", 7.0, 2000)]).await;
    let mut tokens = Vec::new();
    let mut emails = Vec::new();
    for _ in 0..PEOPLE {
        let (token, _) = new_user(&app, "attendee").await;
        deposit(&app, &token, 10_000).await;
        let me = app.get_json("/api/auth/me", &token).await.1;
        emails.push(me["username"].as_str().unwrap().to_string());
        tokens.push(token);
    }
    let world = Arc::new(World {
        app: app.clone(),
        tokens,
        emails,
        tier: tier_id(&event, 0),
        tally: Tally::default(),
    });

    let stop = Arc::new(AtomicBool::new(false));
    let monitor = {
        let (app, stop) = (app.clone(), stop.clone());
        tokio::spawn(async move {
            let mut samples = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let (total, lowest) = ledger_now(&app).await;
                assert_eq!(total, 0, "money was created or lost");
                assert!(lowest >= 0, "an account went below zero: {lowest}");
                samples += 1;
                tokio::task::yield_now().await;
            }
            samples
        })
    };
    let workers: Vec<_> = (0..WORKERS as u64)
        .map(|seed| tokio::spawn(worker(world.clone(), seed)))
        .collect();
    for w in workers {
        w.await
            .expect("a worker finished without a failed assertion");
    }
    stop.store(true, Ordering::Relaxed);
    let samples = monitor.await.expect("the monitor saw no broken invariant");

    let tally = &world.tally;
    let (ok, refused) = (
        tally.ok.load(Ordering::Relaxed),
        tally.refused.load(Ordering::Relaxed),
    );
    println!(
        "bank hammer: {ok} succeeded, {refused} refused, {} orders confirmed, {samples} ledger samples",
        tally.confirmed.load(Ordering::Relaxed)
    );
    assert!(samples > 10, "the monitor sampled while the clients ran");
    assert!(
        ok > WORKERS * 5 && refused > 0,
        "both outcomes happened: {ok} ok, {refused} refused"
    );
    assert!(tally.confirmed.load(Ordering::Relaxed) > 0);
    assert_ledger_holds(&app).await;
    assert_orders_match_payments(&app).await;
    // What people hold plus escrow is what came in less what went out.
    let (people, cash_in, cash_out): (i64, i64, i64) = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(CASE WHEN user_id IS NOT NULL THEN balance_cents END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN kind = 'cash_in' THEN balance_cents END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN kind = 'cash_out' THEN balance_cents END), 0) AS BIGINT) FROM wallet_accounts",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(people, -cash_in - cash_out);
}
