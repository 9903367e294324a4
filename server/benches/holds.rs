//! Seat-hold throughput on one hot tier, end to end over loopback HTTP
//! against the real server (release build): CLIENTS concurrent clients
//! reserve one seat at a time until ATTEMPTS reserves were made on a tier of
//! CAPACITY seats. Prints latency percentiles and holds per second, and
//! checks that exactly CAPACITY seats were held (zero oversells).
//!
//!     cargo bench -p server --bench holds                  # SQLite in a temp dir
//!     HOLDS_BENCH_DATABASE_URL=postgres://…/empty_db cargo bench -p server --bench holds
//!
//! Arguments (optional, in order): CAPACITY ATTEMPTS CLIENTS (2000 2500 16).
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use app::config::{Config, TicketingLimits};
use serde_json::json;
use support::{percentile, register};

#[tokio::main]
async fn main() {
    let args: Vec<i64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let capacity = args.first().copied().unwrap_or(2000);
    let attempts = args.get(1).copied().unwrap_or(2500) as usize;
    let clients = args.get(2).copied().unwrap_or(16) as usize;

    let dir = tempfile::tempdir().expect("a temp dir");
    let database_url = std::env::var("HOLDS_BENCH_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| Config::default_database_url(dir.path()));
    let config = support::config(
        dir.path(),
        database_url,
        TicketingLimits {
            max_active_holds: 1_000_000,
            ..Default::default()
        },
    );
    let support::Served {
        base, db, backend, ..
    } = support::serve(config).await;
    let client = reqwest::Client::new();

    let organizer = register(&client, &base, "organizer@bench.example", "organizer").await;
    let mut buyers = Vec::new();
    for i in 0..clients {
        buyers.push(
            register(
                &client,
                &base,
                &format!("buyer{i}@bench.example"),
                "attendee",
            )
            .await,
        );
    }
    let (_, tier) = support::create_event(&client, &base, &organizer, "Bench rush", capacity).await;

    let next = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicUsize::new(0));
    let wall = Instant::now();
    let mut tasks = Vec::new();
    for token in buyers {
        let (client, base, next, refused) =
            (client.clone(), base.clone(), next.clone(), refused.clone());
        tasks.push(tokio::spawn(async move {
            let mut won = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < attempts {
                let start = Instant::now();
                let response = client
                    .post(format!("{base}/api/events/tickets/reserve"))
                    .bearer_auth(&token)
                    .json(&json!({ "categoryId": tier, "quantity": 1 }))
                    .send()
                    .await
                    .expect("reserve");
                let status = response.status().as_u16();
                response.bytes().await.expect("a body");
                match status {
                    201 => won.push(start.elapsed()),
                    409 => {
                        refused.fetch_add(1, Ordering::Relaxed);
                    }
                    other => panic!("unexpected status {other}"),
                }
            }
            won
        }));
    }
    let mut samples = Vec::new();
    for task in tasks {
        samples.extend(task.await.expect("a client"));
    }
    let elapsed = wall.elapsed();
    samples.sort();
    let (held,): (i64,) = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) FROM holds WHERE tier_id = $1 AND status = 'active'",
    )
    .bind(tier)
    .fetch_one(db.pool())
    .await
    .expect("count");
    println!(
        "holds on one tier ({backend}, {clients} clients): {} held of {capacity} seats, {} refused, \
         p50={:.1} ms p90={:.1} ms p99={:.1} ms, {:.0} holds/s ({:.0} requests/s)",
        samples.len(),
        refused.load(Ordering::Relaxed),
        percentile(&samples, 0.50).as_secs_f64() * 1e3,
        percentile(&samples, 0.90).as_secs_f64() * 1e3,
        percentile(&samples, 0.99).as_secs_f64() * 1e3,
        samples.len() as f64 / elapsed.as_secs_f64(),
        attempts as f64 / elapsed.as_secs_f64(),
    );
    let oversold = held - capacity;
    println!("oversold seats: {}", oversold.max(0));
    assert_eq!(held, capacity, "exactly the capacity is held");
    assert_eq!(samples.len() as i64, capacity, "one success per seat");
}
