//! Live fan-out: SUBSCRIBERS websocket connections follow one event while
//! holds land on it at RATE per second; reports connections held, messages
//! delivered per second, the latency from each hold's commit (its HTTP
//! answer) to the first update showing it at each subscriber
//! (p50/p99/p99.9), and the server's memory per connection.
//!
//! The server is the release `marquee` binary in a process of its own, so
//! the memory is the server's alone and each side has its own descriptor
//! limit (10,000 subscribers take about 10,000 on each). Connections come
//! from several 127.0.0.x addresses (the server allows 256 per address).
//!
//! With `BENCH_DATABASE_URL=postgres://…` (an existing database, migrated
//! at start; fresh names each run) two instances share it and the
//! subscribers are split between them; the holds go through the first, so
//! half of the deliveries cross the PostgreSQL bus.
//!
//!     cargo bench -p server --bench live_fanout [-- SUBSCRIBERS HOLDS RATE]
//!     (defaults 1000 100 20)
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::live::protocol::ClientMessage;
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::json;
use support::Instance;
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::Message;

/// Per subscriber: when each update arrived and the seats it showed.
type Arrivals = Arc<Mutex<Vec<Vec<(Instant, i64)>>>>;

/// The part of an update or snapshot a subscriber reads: the first tier's
/// seats. Read with a struct of its own rather than the protocol's tagged
/// enum (which serde reads through a buffer): the subscribers share the
/// server's cores, and the lighter they are, the more the figure is the
/// server's.
#[derive(Deserialize)]
struct Seen {
    payload: Option<SeenPayload>,
}

#[derive(Deserialize)]
struct SeenPayload {
    tiers: Vec<SeenTier>,
}

#[derive(Deserialize)]
struct SeenTier {
    available: i64,
}

/// The seats left in the first tier, if `text` is an availability message.
fn available(text: &str) -> Option<i64> {
    let seen: Seen = serde_json::from_str(text).ok()?;
    Some(seen.payload?.tiers.first()?.available)
}

#[tokio::main]
async fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let subscribers = args.first().copied().unwrap_or(1000) as usize;
    let holds = args.get(1).copied().unwrap_or(100) as i64;
    let rate = args.get(2).copied().unwrap_or(20).max(1);

    let dir = tempfile::tempdir().expect("a temp dir");
    // One buyer makes every hold: their limits are raised out of the way.
    let limits = [
        ("MARQUEE_HOLD_MAX_ACTIVE", "1000000"),
        ("MARQUEE_HOLD_MAX_SEATS_PER_EVENT", "1000000"),
    ];
    let (instances, _) = Instance::start_all(dir.path(), &limits).await;
    let two = instances.len() == 2;
    let base = instances[0].base.clone();
    let client = reqwest::Client::new();
    let tag = format!("{:x}", rand::random::<u32>());
    let organizer = support::register(
        &client,
        &base,
        &format!("organizer{tag}@bench.example"),
        "organizer",
    )
    .await;
    let buyer = support::register(
        &client,
        &base,
        &format!("buyer{tag}@bench.example"),
        "attendee",
    )
    .await;
    let capacity = 1_000_000i64;
    let (event_id, tier) =
        support::create_event(&client, &base, &organizer, "Fan-out", capacity).await;

    // Connect and subscribe everyone, spread over the instances.
    let before: Vec<u64> = instances.iter().map(Instance::rss_kb).collect();
    let started = Instant::now();
    let subscribe = serde_json::to_string(&ClientMessage::Subscribe {
        topic: format!("event:{event_id}"),
        since: None,
    })
    .expect("json");
    let arrivals: Arrivals = Arc::new(Mutex::new(Vec::new()));
    let addresses: Vec<_> = instances.iter().map(|i| i.address).collect();
    // Connecting yields the reader task, on purpose.
    #[allow(clippy::async_yields_async)]
    let connect = |i: usize| {
        let (subscribe, arrivals) = (subscribe.clone(), arrivals.clone());
        let address = addresses[i % addresses.len()];
        async move {
            let mut ws = support::connect_ws(address, "/ws", i).await;
            ws.send(Message::Text(subscribe.into()))
                .await
                .expect("subscribe");
            // hello, snapshot
            for _ in 0..2 {
                ws.next().await.expect("a message").expect("a frame");
            }
            tokio::spawn(async move {
                let mut seen = Vec::new();
                while let Some(Ok(frame)) = ws.next().await {
                    if let Message::Text(text) = frame
                        && let Some(available) = available(text.as_str())
                    {
                        seen.push((Instant::now(), available));
                        if available == capacity - holds {
                            break;
                        }
                    }
                }
                arrivals.lock().await.push(seen);
            })
        }
    };
    // A hundred at a time.
    let mut readers = Vec::new();
    for chunk in (0..subscribers).collect::<Vec<_>>().chunks(100) {
        readers.extend(futures::future::join_all(chunk.iter().map(|&i| connect(i))).await);
    }
    let connect_time = started.elapsed();
    let memory: Vec<String> = instances
        .iter()
        .zip(&before)
        .enumerate()
        .map(|(n, (instance, before))| {
            let connections =
                subscribers / instances.len() + usize::from(n < subscribers % instances.len());
            let grown = instance.rss_kb().saturating_sub(*before) as f64;
            format!(
                "~{:.1} KB per connection ({} MB RSS)",
                grown / connections.max(1) as f64,
                instance.rss_kb() / 1024
            )
        })
        .collect();

    // Drive holds at the fixed rate through the first instance; note when
    // each committed.
    let mut committed = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
    let drive = Instant::now();
    for _ in 0..holds {
        tick.tick().await;
        let response = client
            .post(format!("{base}/api/events/tickets/reserve"))
            .bearer_auth(&buyer)
            .json(&json!({ "categoryId": tier, "quantity": 1 }))
            .send()
            .await
            .expect("reserve");
        assert_eq!(response.status(), 201);
        committed.push(Instant::now());
    }
    let finished =
        tokio::time::timeout(Duration::from_secs(60), futures::future::join_all(readers)).await;
    let wall = drive.elapsed();
    assert!(
        finished.is_ok(),
        "every subscriber saw the last hold within 60 s"
    );

    let arrivals = arrivals.lock().await;
    let mut latencies = Vec::new();
    let mut delivered = 0usize;
    for seen in arrivals.iter() {
        delivered += seen.len();
        for (i, at) in committed.iter().enumerate() {
            let target = capacity - (i as i64 + 1);
            if let Some((arrived, _)) = seen.iter().find(|(_, available)| *available <= target) {
                latencies.push(arrived.saturating_duration_since(*at));
            }
        }
    }
    latencies.sort();
    println!(
        "live fan-out ({}, {}): {subscribers} subscribers connected in {:.1} s; server memory: {}; \
         {holds} holds at {rate}/s → {delivered} updates delivered ({:.0}/s, {:.1} per subscriber: merged); \
         hold→delivery {}",
        if two { "postgres" } else { "sqlite" },
        if two { "two instances" } else { "one instance" },
        connect_time.as_secs_f64(),
        memory.join(", "),
        delivered as f64 / wall.as_secs_f64(),
        delivered as f64 / subscribers as f64,
        support::latency_line(&latencies),
    );
}
