//! Live fan-out: SUBSCRIBERS websocket connections follow one event while
//! holds land on it at RATE per second; reports connections held, messages
//! delivered per second, and the latency from each hold's commit (its HTTP
//! answer) to the first update showing it at each subscriber, p50/p99/p99.9.
//! Connections come from several 127.0.0.x addresses (the server allows 256
//! per address). Server and clients share this process, so the memory per
//! connection printed is an upper bound for the server alone.
//!
//!     cargo bench -p server --bench live_fanout [-- SUBSCRIBERS HOLDS RATE]
//!     (defaults 1000 100 20; needs `ulimit -n` above twice SUBSCRIBERS)
mod support;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::config::{Config, TicketingLimits};
use app::live::protocol::{ClientMessage, Payload, ServerMessage};
use futures::{SinkExt, StreamExt};
use serde_json::json;
use tokio::net::TcpSocket;
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::Message;

/// Per subscriber: when each update arrived and the seats it showed.
type Arrivals = Arc<Mutex<Vec<Vec<(Instant, i64)>>>>;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1e3
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
    let config = support::config(
        dir.path(),
        Config::default_database_url(dir.path()),
        TicketingLimits {
            max_active_holds: 1_000_000,
            ..Default::default()
        },
    );
    let support::Served {
        address: addr,
        base,
        ..
    } = support::serve(config).await;
    let client = reqwest::Client::new();
    let organizer = support::register(&client, &base, "organizer@bench.example", "organizer").await;
    let buyer = support::register(&client, &base, "buyer@bench.example", "attendee").await;
    let capacity = 1_000_000i64;
    let (event_id, tier) =
        support::create_event(&client, &base, &organizer, "Fan-out", capacity).await;

    // Connect and subscribe everyone.
    let before = support::rss_kb();
    let started = Instant::now();
    let subscribe = serde_json::to_string(&ClientMessage::Subscribe {
        topic: format!("event:{event_id}"),
        since: None,
    })
    .expect("json");
    // Per subscriber: (arrival time, available) of each update.
    let arrivals: Arrivals = Arc::new(Mutex::new(Vec::new()));
    // Connecting yields the reader task, on purpose.
    #[allow(clippy::async_yields_async)]
    let connect = |i: usize| {
        let (subscribe, arrivals) = (subscribe.clone(), arrivals.clone());
        async move {
            let source = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2 + (i / 200) as u8));
            let socket = TcpSocket::new_v4().expect("a socket");
            socket
                .bind(SocketAddr::new(source, 0))
                .expect("bind a source address");
            let stream = socket.connect(addr).await.expect("connect");
            let (mut ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}/ws"), stream)
                .await
                .expect("upgrade");
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
                        && let Ok(ServerMessage::Update {
                            payload: Payload::Availability { tiers, .. },
                            ..
                        }) = serde_json::from_str::<ServerMessage>(text.as_str())
                    {
                        seen.push((Instant::now(), tiers[0].available));
                        if tiers[0].available == capacity - holds {
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
    let per_connection = (support::rss_kb().saturating_sub(before)) as f64 / subscribers as f64;

    // Drive holds at the fixed rate; note when each committed.
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
    let deadline =
        tokio::time::timeout(Duration::from_secs(60), futures::future::join_all(readers)).await;
    let wall = drive.elapsed();
    assert!(
        deadline.is_ok(),
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
        "live fan-out: {subscribers} subscribers connected in {:.1} s, ~{per_connection:.0} KB RSS per connection (clients + server), \
         {holds} holds at {rate}/s → {delivered} updates delivered ({:.0}/s, {:.1} per subscriber: merged), \
         hold→delivery p50={:.1} ms p99={:.1} ms p99.9={:.1} ms max={:.1} ms",
        connect_time.as_secs_f64(),
        delivered as f64 / wall.as_secs_f64(),
        delivered as f64 / subscribers as f64,
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        percentile(&latencies, 0.999),
        latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1e3),
    );
}
