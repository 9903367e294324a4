//! Payments per second through the wallet, end to end over loopback HTTP
//! against the real server (release build): CLIENTS concurrent clients make
//! PAYMENTS transfers of $1, first all out of one hot account, then each out
//! of its own account. Prints latency percentiles and payments per second,
//! and checks the ledger afterwards (nothing created or lost, every cached
//! balance equal to its entries).
//!
//!     cargo bench -p server --bench payments                  # SQLite in a temp dir
//!     PAYMENTS_BENCH_DATABASE_URL=postgres://…/empty_db cargo bench -p server --bench payments
//!
//! Arguments (optional, in order): PAYMENTS CLIENTS (2000 16).
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use app::config::{Config, TicketingLimits};
use serde_json::json;
use support::{percentile, register};

async fn fund(client: &reqwest::Client, base: &str, token: &str, cents: i64) {
    let response = client
        .post(format!("{base}/api/wallet/deposit"))
        .bearer_auth(token)
        .header("Idempotency-Key", format!("fund-{}", rand::random::<u64>()))
        .json(&json!({ "amountCents": cents, "cardNumber": "4242424242424242", "cardExpiry": "12/40", "cardCvc": "123" }))
        .send()
        .await
        .expect("deposit");
    assert_eq!(response.status(), 201);
}

/// `payments` transfers of 100 cents by `clients` tasks; client `i` pays
/// from `senders[i % senders.len()]` to `emails[i]`.
async fn run(
    client: &reqwest::Client,
    base: &str,
    senders: &[String],
    emails: &[String],
    payments: usize,
) -> (Vec<Duration>, Duration) {
    let next = Arc::new(AtomicUsize::new(0));
    let wall = Instant::now();
    let mut tasks = Vec::new();
    for (i, to) in emails.iter().enumerate() {
        let token = senders[i % senders.len()].clone();
        let (client, base, next, to) = (client.clone(), base.to_string(), next.clone(), to.clone());
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= payments {
                    return samples;
                }
                let start = Instant::now();
                let response = client
                    .post(format!("{base}/api/wallet/transfer"))
                    .bearer_auth(&token)
                    .header(
                        "Idempotency-Key",
                        format!("bench-{n}-{}", rand::random::<u32>()),
                    )
                    .json(&json!({ "toEmail": to, "amountCents": 100 }))
                    .send()
                    .await
                    .expect("transfer");
                let status = response.status().as_u16();
                response.bytes().await.expect("a body");
                assert_eq!(status, 201, "a funded transfer succeeds");
                samples.push(start.elapsed());
            }
        }));
    }
    let mut samples = Vec::new();
    for task in tasks {
        samples.extend(task.await.expect("a client"));
    }
    let elapsed = wall.elapsed();
    samples.sort();
    (samples, elapsed)
}

fn report(what: &str, backend: &str, clients: usize, samples: &[Duration], elapsed: Duration) {
    println!(
        "{what} ({backend}, {clients} clients): {} payments, p50={:.1} ms p90={:.1} ms p99={:.1} ms, {:.0} payments/s",
        samples.len(),
        percentile(samples, 0.50).as_secs_f64() * 1e3,
        percentile(samples, 0.90).as_secs_f64() * 1e3,
        percentile(samples, 0.99).as_secs_f64() * 1e3,
        samples.len() as f64 / elapsed.as_secs_f64(),
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let payments = args.first().copied().unwrap_or(2000);
    let clients = args.get(1).copied().unwrap_or(16);

    let dir = tempfile::tempdir().expect("a temp dir");
    let database_url = std::env::var("PAYMENTS_BENCH_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| Config::default_database_url(dir.path()));
    let config = support::config(dir.path(), database_url, TicketingLimits::default());
    let support::Served {
        base, db, backend, ..
    } = support::serve(config).await;
    let client = reqwest::Client::new();

    let mut tokens = Vec::new();
    let mut emails = Vec::new();
    for i in 0..clients {
        let email = format!("payer{i}@bench.example");
        let token = register(&client, &base, &email, "attendee").await;
        fund(&client, &base, &token, 1_000_000).await;
        tokens.push(token);
        emails.push(email);
    }
    // Everyone pays the next person, so no one pays themselves.
    let mut payees = emails.clone();
    payees.rotate_left(1);

    let hot = register(&client, &base, "hot@bench.example", "attendee").await;
    for _ in 0..(payments / 10_000 + 1) {
        fund(&client, &base, &hot, 1_000_000).await;
    }
    let (samples, elapsed) = run(
        &client,
        &base,
        std::slice::from_ref(&hot),
        &emails,
        payments,
    )
    .await;
    report(
        "transfers out of one hot account",
        backend,
        clients,
        &samples,
        elapsed,
    );
    let (samples, elapsed) = run(&client, &base, &tokens, &payees, payments).await;
    report(
        "transfers across many accounts",
        backend,
        clients,
        &samples,
        elapsed,
    );

    let audit = app::wallet::audit::audit(&db).await.expect("audit");
    println!(
        "ledger: {} accounts, {} transactions, total {} cents, invariants {}",
        audit.accounts,
        audit.transactions,
        audit.total_cents,
        if audit.holds() { "hold" } else { "BROKEN" }
    );
    assert!(audit.holds(), "{audit:?}");
}
