//! Kill -9 in the middle of a payment run: the real `marquee` binary takes
//! deposits, orders, confirmations and transfers from several clients, is
//! killed without warning, and started again on the same database. The
//! ledger's invariants hold, no order is confirmed without its money, and
//! the restarted server goes on taking payments. SQLite, and PostgreSQL
//! when TEST_POSTGRES_URL is set.

use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use reqwest::Client;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Child;
use tokio::sync::Notify;

use crate::helpers::PostgresDatabase;

/// Rounds of order, confirm and transfer done before the kill.
const KILL_AFTER: usize = 30;

/// Starts the binary in `dir` on `database_url` (SQLite under `dir` when
/// `None`); returns it and its address once it listens.
async fn start(dir: &std::path::Path, database_url: Option<&str>) -> (Child, String) {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_marquee"));
    command
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("MARQUEE_JWT_SECRET")
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("MARQUEE_AUTH_RATE_PER_IP", "1000")
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    if let Some(url) = database_url {
        command.env("DATABASE_URL", url);
    }
    let mut child = command.spawn().expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let (found, address) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let mut lines = BufReader::new(stdout).lines();
        let mut found = Some(found);
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(rest) = line.split("listening on http://").nth(1)
                && let Some(tx) = found.take()
            {
                let _ = tx.send(rest.split_whitespace().next().unwrap_or("").to_string());
            }
        }
    });
    let address = address.await.expect("the server announces its address");
    (child, address)
}

async fn call(
    client: &Client,
    base: &str,
    path: &str,
    token: Option<&str>,
    key: Option<&str>,
    body: Value,
) -> (u16, Value) {
    let mut request = client.post(format!("http://{base}{path}")).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            (status, response.json().await.unwrap_or(Value::Null))
        }
        // The server was killed under us.
        Err(_) => (0, Value::Null),
    }
}

async fn sign_up(client: &Client, base: &str, role: &str) -> (String, String) {
    let email = format!("{role}{:x}@example.com", rand::random::<u64>());
    let (status, body) = call(client, base, "/api/auth/register", None, None, json!({
        "username": email, "password": "correct horse battery", "role": role, "displayName": "Crash test",
    }))
    .await;
    assert_eq!(status, 201, "{body}");
    (body["access_token"].as_str().unwrap().to_string(), email)
}

fn deposit_body(cents: i64) -> Value {
    json!({ "amountCents": cents, "cardNumber": "4242424242424242", "cardExpiry": "12/40", "cardCvc": "123" })
}

/// One buyer's loop: order, confirm, now and then a transfer, until the
/// server goes away.
async fn buyer(
    client: Client,
    base: String,
    token: String,
    friend: String,
    tier: i64,
    done: Arc<(AtomicUsize, Notify)>,
) {
    for i in 0.. {
        let (status, order) = call(
            &client,
            &base,
            "/api/orders",
            Some(&token),
            None,
            json!({ "categoryId": tier, "quantity": 1 }),
        )
        .await;
        if status == 0 {
            return;
        }
        if status == 201 {
            let path = format!("/api/orders/{}/confirm", order["id"]);
            if call(&client, &base, &path, Some(&token), None, Value::Null)
                .await
                .0
                == 0
            {
                return;
            }
        }
        let key = format!("crash-{i}");
        let body = json!({ "toEmail": friend, "amountCents": 100 });
        if call(
            &client,
            &base,
            "/api/wallet/transfer",
            Some(&token),
            Some(&key),
            body,
        )
        .await
        .0 == 0
        {
            return;
        }
        // Enough payments are under way: time to pull the plug.
        if done.0.fetch_add(1, Ordering::Relaxed) + 1 == KILL_AFTER {
            done.1.notify_one();
        }
    }
}

async fn check(database_url: &str) {
    let db = app::kernel::db::Db::connect(database_url)
        .await
        .expect("the database");
    let audit = app::wallet::audit::audit(&db).await.expect("audit");
    assert!(audit.holds(), "after the crash: {audit:?}");
    let (unpaid,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM orders o WHERE o.status IN ('confirmed', 'completed') AND o.total_cents > 0 \
         AND NOT EXISTS (SELECT 1 FROM wallet_transactions t WHERE t.order_id = o.id \
         AND t.kind = 'payment' AND t.status = 'posted' AND t.amount_cents = o.total_cents)",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(unpaid, 0, "orders confirmed without their money");
    let (tickets_without_money,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM tickets k JOIN orders o ON o.id = k.order_id WHERE o.status = 'pending'",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(tickets_without_money, 0);
    db.close().await;
}

async fn crash_and_restart(database_url: Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let url = database_url.clone().unwrap_or_else(|| {
        format!(
            "sqlite:{}?mode=rwc",
            dir.path().join("data/marquee.db").display()
        )
    });
    let (mut child, base) = start(dir.path(), database_url.as_deref()).await;
    let client = Client::new();
    let (organizer, _) = sign_up(&client, &base, "organizer").await;
    let (status, event) = call(
        &client,
        &base,
        "/api/events",
        Some(&organizer),
        None,
        json!({
            "eventName": "Crash gig", "eventCategory": "Music", "eventDate": "2035-06-01T20:00:00Z",
            "ticketCategories": [{ "categoryName": "General", "price": 3.0, "totalSeats": 5000 }],
        }),
    )
    .await;
    assert_eq!(status, 201, "{event}");
    let tier = event["ticketCategories"][0]["id"].as_i64().unwrap();
    let done = Arc::new((AtomicUsize::new(0), Notify::new()));
    let mut buyers = Vec::new();
    let mut people = Vec::new();
    for i in 0..6 {
        let (token, email) = sign_up(&client, &base, "attendee").await;
        let (status, body) = call(
            &client,
            &base,
            "/api/wallet/deposit",
            Some(&token),
            Some(&format!("fund-{i}")),
            deposit_body(50_000),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        people.push((token, email));
    }
    for i in 0..people.len() {
        let friend = people[(i + 1) % people.len()].1.clone();
        buyers.push(tokio::spawn(buyer(
            client.clone(),
            base.clone(),
            people[i].0.clone(),
            friend,
            tier,
            done.clone(),
        )));
    }
    // Let the run get going, then kill it mid-flight.
    done.1.notified().await;
    child.start_kill().expect("kill -9");
    child.wait().await.expect("it died");
    for b in buyers {
        b.await.unwrap();
    }
    check(&url).await;

    // Started again, it takes payments as before.
    let (mut child, base) = start(dir.path(), database_url.as_deref()).await;
    let (token, _) = &people[0];
    let (status, body) = call(
        &client,
        &base,
        "/api/wallet/deposit",
        Some(token),
        Some("after-crash"),
        deposit_body(1000),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, order) = call(
        &client,
        &base,
        "/api/orders",
        Some(token),
        None,
        json!({ "categoryId": tier, "quantity": 2 }),
    )
    .await;
    assert_eq!(status, 201, "{order}");
    let (status, confirmed) = call(
        &client,
        &base,
        &format!("/api/orders/{}/confirm", order["id"]),
        Some(token),
        None,
        Value::Null,
    )
    .await;
    assert_eq!(
        (status, confirmed["status"].as_str()),
        (200, Some("confirmed")),
        "{confirmed}"
    );
    check(&url).await;
    child.start_kill().ok();
    child.wait().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_loses_no_money_and_confirms_nothing_unpaid() {
    match std::env::var("TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        Some(admin) => {
            let (database, url) = PostgresDatabase::create(&admin).await;
            crash_and_restart(Some(url)).await;
            database.drop_blocking();
        }
        None => crash_and_restart(None).await,
    }
}
