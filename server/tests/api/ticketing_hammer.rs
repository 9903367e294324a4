//! No oversell under a rush: hundreds of concurrent clients hold and buy on
//! one tier while a monitor checks `sold + held <= capacity` the whole time.
//! Runs on SQLite, and on PostgreSQL when TEST_POSTGRES_URL is set.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, send_json, spawn_app_with, user};
use crate::ticketing::{create_event, tier_id};

const CAPACITY: i64 = 100;
const CLIENTS: usize = 200;
const BUYERS: usize = 20;

/// `(capacity, sold, held now)` of the tier, read in one statement.
async fn seats(app: &TestApp, tier: i64) -> (i64, i64, i64) {
    sqlx::query_as(
        "SELECT t.capacity, t.sold, CAST((SELECT COALESCE(SUM(h.quantity), 0) FROM holds h \
         WHERE h.tier_id = t.id AND h.status = 'active' AND h.expires_at > $2) AS BIGINT) \
         FROM ticket_tiers t WHERE t.id = $1",
    )
    .bind(tier)
    .bind(app::kernel::time::now_millis())
    .fetch_one(app.db.pool())
    .await
    .expect("the tier")
}

/// `(counter, sum)`: the tier's `held` counter (kept by triggers) and the
/// seats of its active holds summed, lapsed or not, read in one statement.
async fn held_counter(app: &TestApp, tier: i64) -> (i64, i64) {
    sqlx::query_as(
        "SELECT t.held, CAST((SELECT COALESCE(SUM(h.quantity), 0) FROM holds h \
         WHERE h.tier_id = t.id AND h.status = 'active') AS BIGINT) \
         FROM ticket_tiers t WHERE t.id = $1",
    )
    .bind(tier)
    .fetch_one(app.db.pool())
    .await
    .expect("the tier")
}

/// How far the per-person counters (`person_holds`, kept by triggers) are
/// from the active holds they count: the (person, event) pairs whose count
/// or seats differ, and the rows left with no hold, read in one statement.
/// Zero when they agree.
async fn person_counters_drift(app: &TestApp) -> i64 {
    let (drift,): (i64,) = sqlx::query_as(
        "SELECT CAST((SELECT COUNT(*) FROM (SELECT user_id, event_id FROM ( \
             SELECT user_id, event_id, holds AS n, seats AS s FROM person_holds \
             UNION ALL SELECT user_id, event_id, -COUNT(*), -SUM(quantity) FROM holds \
             WHERE status = 'active' GROUP BY user_id, event_id) d \
           GROUP BY user_id, event_id HAVING SUM(n) <> 0 OR SUM(s) <> 0) drifted) \
         + (SELECT COUNT(*) FROM person_holds WHERE holds <= 0) AS BIGINT)",
    )
    .fetch_one(app.db.pool())
    .await
    .expect("the counters");
    drift
}

/// Samples the invariant until told to stop; returns the number of samples.
fn monitor(app: Arc<TestApp>, tier: i64, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<usize> {
    tokio::spawn(async move {
        let mut samples = 0;
        while !stop.load(Ordering::Relaxed) {
            let (capacity, sold, held) = seats(&app, tier).await;
            assert!(
                sold + held <= capacity,
                "oversold: {sold} sold + {held} held > {capacity}"
            );
            assert!(sold >= 0 && held >= 0);
            let (counter, sum) = held_counter(&app, tier).await;
            assert_eq!(counter, sum, "the held counter drifted from the holds");
            assert_eq!(
                person_counters_drift(&app).await,
                0,
                "a person's counters drifted from their holds"
            );
            samples += 1;
            tokio::task::yield_now().await;
        }
        samples
    })
}

#[derive(Default)]
struct Tally {
    seats_won: AtomicUsize,
    refused: AtomicUsize,
}

/// One client: holds a seat (one of three ways) and reports the outcome.
/// Anything but success or 409 fails the test.
async fn client(app: &TestApp, token: &str, tier: i64, way: usize, tally: &Tally) {
    let won = match way % 3 {
        // A lock, kept.
        0 => {
            let (status, body) = send_json(
                app,
                Method::POST,
                "/api/events/tickets/reserve",
                Some(token),
                Some(json!({ "categoryId": tier, "quantity": 1 })),
            )
            .await;
            assert!(status == 201 || status == 409, "reserve: {status} {body}");
            status == 201
        }
        // A direct order, confirmed.
        1 => {
            let (status, order) = send_json(
                app,
                Method::POST,
                "/api/orders",
                Some(token),
                Some(json!({ "categoryId": tier, "quantity": 1 })),
            )
            .await;
            assert!(status == 201 || status == 409, "order: {status} {order}");
            if status == 201 {
                let id = order["id"].as_i64().expect("an order id");
                let (status, body) = send_json(
                    app,
                    Method::POST,
                    &format!("/api/orders/{id}/confirm"),
                    Some(token),
                    None,
                )
                .await;
                assert!(status == 200 || status == 409, "confirm: {status} {body}");
            }
            status == 201
        }
        // A lock, then an order from it, confirmed.
        _ => {
            let (status, lock) = send_json(
                app,
                Method::POST,
                "/api/events/tickets/reserve",
                Some(token),
                Some(json!({ "categoryId": tier, "quantity": 1 })),
            )
            .await;
            assert!(status == 201 || status == 409, "reserve: {status} {lock}");
            if status == 201 {
                let (status, order) = send_json(
                    app,
                    Method::POST,
                    "/api/orders/with-lock",
                    Some(token),
                    Some(json!({ "lockId": lock["lockId"] })),
                )
                .await;
                assert!(
                    status == 201 || status == 409,
                    "with-lock: {status} {order}"
                );
                if let Some(id) = order["id"].as_i64() {
                    let (status, body) = send_json(
                        app,
                        Method::POST,
                        &format!("/api/orders/{id}/confirm"),
                        Some(token),
                        None,
                    )
                    .await;
                    assert!(status == 200 || status == 409, "confirm: {status} {body}");
                }
            }
            status == 201
        }
    };
    let counter = if won {
        &tally.seats_won
    } else {
        &tally.refused
    };
    counter.fetch_add(1, Ordering::Relaxed);
}

/// A fresh app with an event of one hot tier: the app, the organizer's
/// token, the buyers' tokens and the tier id.
async fn setup(hold_ttl: Duration) -> (Arc<TestApp>, String, Vec<String>, i64) {
    setup_paid(hold_ttl, Paid::FromWallet).await
}

/// How the hot event's buyers pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Paid {
    FromWallet,
    /// An order is sold at once, in the transaction that makes it.
    AtTheDoor,
}

async fn setup_paid(hold_ttl: Duration, paid: Paid) -> (Arc<TestApp>, String, Vec<String>, i64) {
    let app = spawn_app_with(|c| {
        c.ticketing.max_active_holds = 1_000;
        c.ticketing.hold_ttl = hold_ttl;
        c.ticketing.sweep_interval = Duration::from_millis(50);
        // A person's door seats are capped like one hold: not what is tested.
        c.ticketing.max_seats_per_hold = 1_000;
    })
    .await;
    let (organizer, _) = user(&app, "organizer").await;
    let event = create_event(&app, &organizer, &[("Hot", 49.0, CAPACITY)]).await;
    let tier = tier_id(&event, 0);
    if paid == Paid::AtTheDoor {
        let path = format!("/api/events/{}", event["idEvent"]);
        let body = json!({ "paymentMethod": "door" });
        let (status, body) =
            send_json(&app, Method::PUT, &path, Some(&organizer), Some(body)).await;
        assert_eq!(status, 200, "{body}");
    }
    let buyers = futures::future::join_all((0..BUYERS).map(|_| user(&app, "attendee"))).await;
    (
        Arc::new(app),
        organizer,
        buyers.into_iter().map(|(t, _)| t).collect(),
        tier,
    )
}

async fn rush(app: &TestApp, buyers: &[String], tier: i64, tally: &Tally) {
    futures::future::join_all(
        (0..CLIENTS).map(|i| client(app, &buyers[i % buyers.len()], tier, i, tally)),
    )
    .await;
}

/// Moves the expiry of up to `limit` active holds (oldest first) a minute
/// into the past, one row per statement: a multi-row update here could
/// deadlock with the sweeper's on PostgreSQL. (Not to "now": the monitor
/// reads the clock before its query runs, and would count as held a hold
/// that lapsed after that, whose seats the server may already have sold.)
async fn expire_active_holds(app: &TestApp, limit: i64) {
    let oldest: Vec<(String,)> = sqlx::query_as(&format!(
        "SELECT id FROM holds WHERE status = 'active' ORDER BY created_at LIMIT {limit}"
    ))
    .fetch_all(app.db.pool())
    .await
    .expect("read holds");
    for (id,) in oldest {
        sqlx::query("UPDATE holds SET expires_at = $1 WHERE id = $2 AND status = 'active'")
            .bind(app::kernel::time::now_millis() - 60_000)
            .bind(id)
            .execute(app.db.pool())
            .await
            .expect("expire a hold");
    }
}

async fn tickets_issued(app: &TestApp, tier: i64) -> i64 {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM tickets WHERE tier_id = $1 AND status = 'valid'",
    )
    .bind(tier)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_clients_on_a_hundred_seats_get_exactly_a_hundred() {
    let (app, _, buyers, tier) = setup(Duration::from_secs(600)).await;
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = monitor(app.clone(), tier, stop.clone());
    let tally = Tally::default();

    rush(&app, &buyers, tier, &tally).await;
    stop.store(true, Ordering::Relaxed);
    let samples = watcher.await.expect("the invariant held at every sample");

    let (capacity, sold, held) = seats(&app, tier).await;
    assert_eq!(sold + held, capacity, "every seat is sold or held");
    assert_eq!(tally.seats_won.load(Ordering::Relaxed), CAPACITY as usize);
    assert_eq!(
        tally.refused.load(Ordering::Relaxed),
        CLIENTS - CAPACITY as usize
    );
    assert_eq!(
        tickets_issued(&app, tier).await,
        sold,
        "one ticket per sold seat"
    );
    assert!(samples > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn holds_expiring_mid_run_never_let_a_seat_be_sold_twice() {
    expiring_mid_run(Paid::FromWallet).await;
}

/// The same at the door, where an order from a hold sells it at once: a
/// hold that lapses while its order waits for the tier is not sold.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn holds_expiring_mid_run_never_let_a_seat_be_sold_twice_at_the_door() {
    expiring_mid_run(Paid::AtTheDoor).await;
}

async fn expiring_mid_run(paid: Paid) {
    let (app, _, buyers, tier) = setup_paid(Duration::from_secs(60), paid).await;
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = monitor(app.clone(), tier, stop.clone());
    let tally = Tally::default();

    // First wave: the tier fills up.
    rush(&app, &buyers, tier, &tally).await;
    let (_, _, held) = seats(&app, tier).await;
    assert!(held > 0, "the first wave left seats on hold");
    // Time passes for every hold, then a second wave runs while holds keep
    // lapsing under it (a task moves expiries into the past as it goes).
    expire_active_holds(&app, 1_000_000).await;
    let chaos = {
        let app = app.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                // One row per statement: a multi-row update here could
                // deadlock with the sweeper's (PostgreSQL picks a victim).
                expire_active_holds(&app, 5).await;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    rush(&app, &buyers, tier, &tally).await;
    stop.store(true, Ordering::Relaxed);
    chaos.await.unwrap();
    watcher.await.expect("the invariant held at every sample");

    let (capacity, sold, held) = seats(&app, tier).await;
    assert!(sold + held <= capacity);
    assert!(
        tally.seats_won.load(Ordering::Relaxed) > CAPACITY as usize,
        "lapsed seats were sold again"
    );
    assert_eq!(
        tickets_issued(&app, tier).await,
        sold,
        "one ticket per sold seat"
    );
    // Once everything has lapsed and been swept, nothing is held and no seat is lost.
    expire_active_holds(&app, 1_000_000).await;
    app::events::sweeper::sweep(&app.db).await.unwrap();
    let (capacity, sold_after, held_after) = seats(&app, tier).await;
    assert_eq!(held_after, 0);
    assert_eq!(sold_after, sold);
    let (active,): (i64,) =
        sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT) FROM holds WHERE status = 'active'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(active, 0);
    assert_eq!(
        held_counter(&app, tier).await,
        (0, 0),
        "nothing active, nothing counted"
    );
    assert_eq!(
        person_counters_drift(&app).await,
        0,
        "each person's counters are their active holds"
    );
    assert!(sold_after <= capacity);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_event_cancelled_mid_rush_keeps_no_seat_sold_or_held() {
    let (app, organizer, buyers, tier) = setup(Duration::from_secs(60)).await;
    let (event_id,): (i64,) = sqlx::query_as("SELECT event_id FROM ticket_tiers WHERE id = $1")
        .bind(tier)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let tally = Arc::new(Tally::default());
    // The organizer cancels once the rush has sold or held 30 seats.
    let canceller = {
        let (app, tally) = (app.clone(), tally.clone());
        tokio::spawn(async move {
            while tally.seats_won.load(Ordering::Relaxed) < 30 {
                tokio::task::yield_now().await;
            }
            send_json(
                &app,
                Method::POST,
                &format!("/api/events/{event_id}/cancel"),
                Some(&organizer),
                None,
            )
            .await
        })
    };
    rush(&app, &buyers, tier, &tally).await;
    let (status, body) = canceller.await.unwrap();
    assert_eq!(status, 200, "{body}");

    let (_, sold, held) = seats(&app, tier).await;
    assert_eq!(
        (sold, held),
        (0, 0),
        "nothing sold or held after the cancel"
    );
    assert_eq!(
        tickets_issued(&app, tier).await,
        0,
        "no valid ticket survives"
    );
    let (open,): (i64,) = sqlx::query_as(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM orders WHERE event_id = $1 AND status IN ('pending', 'confirmed')",
    )
    .bind(event_id)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(open, 0, "every order is cancelled");
    let (rows,): (i64,) =
        sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT) FROM person_holds WHERE event_id = $1")
            .bind(event_id)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(rows, 0, "nobody is counted as holding seats of it");
    assert_eq!(person_counters_drift(&app).await, 0);
}

/// Holds asked for at once are made together (group commit): the seats,
/// and each person's limits, still hold hold by hold within one batch.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn holds_made_together_keep_each_persons_limit_and_the_seats() {
    const SEATS: i64 = 30;
    const GREEDY_TRIES: usize = 40;
    let app = spawn_app_with(|c| {
        c.ticketing.max_held_per_event = 3;
        c.ticketing.max_active_holds = 1_000;
    })
    .await;
    let (organizer, _) = user(&app, "organizer").await;
    let event = create_event(&app, &organizer, &[("Hot", 10.0, SEATS)]).await;
    let tier = tier_id(&event, 0);
    let (greedy, _) = user(&app, "attendee").await;
    let others = futures::future::join_all((0..20).map(|_| user(&app, "attendee"))).await;
    // One person asking forty times at once, among twenty others asking
    // twice each: 80 one-seat holds on 30 seats.
    let asks = (0..GREEDY_TRIES)
        .map(|_| greedy.as_str())
        .chain(others.iter().flat_map(|(t, _)| [t.as_str(), t.as_str()]));
    let on = &app;
    let answers =
        futures::future::join_all(asks.map(|token| async move {
            (token, crate::ticketing::reserve(on, token, tier, 1).await)
        }))
        .await;
    let mut greedy_won = 0;
    let mut won = 0;
    for (token, (status, body)) in &answers {
        match status {
            201 => {
                won += 1;
                if *token == greedy {
                    greedy_won += 1;
                }
                assert_eq!(body["success"], true, "{body}");
                assert!(
                    body["lockId"]
                        .as_str()
                        .is_some_and(|l| l.starts_with("hold_"))
                );
            }
            409 => {
                let message = body["message"].as_str().unwrap_or_default();
                assert!(
                    message.contains("at most 3 seats") || message.contains("seat"),
                    "a refusal says why: {body}"
                );
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    // Forty asks of one person, three seats at most; fewer only if the
    // others took the last seats first.
    assert!(
        greedy_won <= 3,
        "one person's limit, within a batch: {greedy_won}"
    );
    let (most_held,): (i64,) = sqlx::query_as(
        "SELECT CAST(COALESCE(MAX(n), 0) AS BIGINT) FROM (SELECT SUM(quantity) AS n FROM holds \
         WHERE tier_id = $1 AND status = 'active' GROUP BY user_id) per_person",
    )
    .bind(tier)
    .fetch_one(app.db.pool())
    .await
    .expect("the seats each person holds");
    assert!(most_held <= 3, "nobody holds more than 3: {most_held}");
    assert_eq!(won, SEATS, "every seat held once, none twice");
    let (capacity, sold, held) = seats(&app, tier).await;
    assert_eq!((capacity, sold, held), (SEATS, 0, SEATS));
    let (counter, active) = held_counter(&app, tier).await;
    assert_eq!(
        counter, active,
        "the counter is the sum of the active holds"
    );
    assert_eq!(
        person_counters_drift(&app).await,
        0,
        "each person's counters are their active holds"
    );
    app.stop().await;
}

/// A person's count of open holds, within one batch and across tiers: ten
/// asks at once, with room for two more holds, make exactly two.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn holds_made_together_keep_each_persons_count_of_open_holds() {
    const MOST: i64 = 3;
    let app = spawn_app_with(|c| {
        c.ticketing.max_active_holds = MOST;
        c.ticketing.max_held_per_event = 100;
    })
    .await;
    let (organizer, _) = user(&app, "organizer").await;
    let event = create_event(&app, &organizer, &[("Hot", 10.0, 50), ("Other", 5.0, 50)]).await;
    let (hot, other) = (tier_id(&event, 0), tier_id(&event, 1));
    let (person, _) = user(&app, "attendee").await;
    let (status, body) = crate::ticketing::reserve(&app, &person, other, 1).await;
    assert_eq!(status, 201, "{body}");
    let on = &app;
    let answers = futures::future::join_all(
        (0..10).map(|_| async { crate::ticketing::reserve(on, &person, hot, 1).await }),
    )
    .await;
    let made = answers.iter().filter(|(status, _)| *status == 201).count();
    assert_eq!(made, 2, "room for two more holds: {answers:?}");
    for (status, body) in answers.iter().filter(|(status, _)| *status != 201) {
        assert_eq!(*status, 409, "{body}");
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains("You already have 3 seat holds open")),
            "a refusal says why: {body}"
        );
    }
    let (counter, active) = held_counter(&app, hot).await;
    assert_eq!(
        (counter, active),
        (2, 2),
        "the counter is the sum of the active holds"
    );
    assert_eq!(
        person_counters_drift(&app).await,
        0,
        "each person's counters are their active holds"
    );
    app.stop().await;
}
