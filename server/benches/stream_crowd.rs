//! A crowd arriving at a live stream: VIEWERS signed-in people, each on a
//! websocket following `stream:{id}`, say they watch at the same moment.
//! Reports how long until every one of them sees the whole crowd counted,
//! how many count updates each received on the way (bursts are merged),
//! that the database counts exactly VIEWERS, the server's memory per
//! viewer, and the same for half of them leaving at once.
//!
//! The server is the release `marquee` binary in its own process; with
//! `BENCH_DATABASE_URL=postgres://…` two instances share that database and
//! the viewers are split between them.
//!
//!     cargo bench -p server --bench stream_crowd [-- VIEWERS]   (default 1000)
mod support;

use std::time::{Duration, Instant};

use app::live::protocol::{ClientMessage, Payload, ServerMessage};
use futures::{SinkExt, StreamExt};
use serde_json::json;
use support::Instance;
use tokio_tungstenite::tungstenite::Message;

type Ws = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// Reads `ws` until its stream's count is `want`: how many counts it saw,
/// and when it saw the one it waited for.
async fn until_count(ws: &mut Ws, want: i64) -> (usize, Instant) {
    let mut seen = 0;
    while let Some(Ok(frame)) = ws.next().await {
        let Message::Text(text) = frame else { continue };
        if let Ok(
            ServerMessage::Update {
                payload: Payload::Stream { viewers, .. },
                ..
            }
            | ServerMessage::Snapshot {
                payload: Payload::Stream { viewers, .. },
                ..
            },
        ) = serde_json::from_str::<ServerMessage>(text.as_str())
        {
            seen += 1;
            if viewers == want {
                return (seen, Instant::now());
            }
        }
    }
    panic!("the socket closed before the count reached {want}");
}

async fn stream_count(client: &reqwest::Client, base: &str, id: i64) -> i64 {
    let body: serde_json::Value = client
        .get(format!("{base}/api/streaming/{id}"))
        .send()
        .await
        .expect("the stream")
        .json()
        .await
        .expect("json");
    body["viewerCount"].as_i64().expect("a count")
}

fn report(what: &str, started: Instant, results: &[(usize, Instant)]) {
    let mut waits: Vec<Duration> = results
        .iter()
        .map(|(_, at)| at.saturating_duration_since(started))
        .collect();
    waits.sort();
    let updates: usize = results.iter().map(|(n, _)| n).sum();
    println!(
        "  {what}: everyone saw the final count after {}; {:.1} count updates per viewer (merged)",
        support::latency_line(&waits),
        updates as f64 / results.len().max(1) as f64,
    );
}

#[tokio::main]
async fn main() {
    let viewers = std::env::args()
        .skip(1)
        .find_map(|a| a.parse::<usize>().ok())
        .unwrap_or(1000);
    let dir = tempfile::tempdir().expect("a temp dir");
    let (instances, url) = Instance::start_all(dir.path(), &[]).await;
    let two = instances.len() == 2;
    let base = instances[0].base.clone();
    let client = reqwest::Client::new();
    let tag = format!("{:x}", rand::random::<u32>());
    let host = support::register(
        &client,
        &base,
        &format!("host{tag}@bench.example"),
        "organizer",
    )
    .await;
    let stream: serde_json::Value = client
        .post(format!("{base}/api/streaming/start"))
        .bearer_auth(&host)
        .json(&json!({ "title": "Crowd" }))
        .send()
        .await
        .expect("go live")
        .json()
        .await
        .expect("json");
    let id = stream["id"].as_i64().expect("a stream id");
    let topic = format!("stream:{id}");

    let db = app::kernel::db::Db::connect(&url)
        .await
        .expect("the database");
    let people = support::people(&db, viewers, &tag).await;
    let before: Vec<u64> = instances.iter().map(Instance::rss_kb).collect();
    // Everyone follows the stream first (its page is open), a hundred at a time.
    let subscribe = serde_json::to_string(&ClientMessage::Subscribe {
        topic: topic.clone(),
        since: None,
    })
    .expect("json");
    let mut sockets = Vec::with_capacity(viewers);
    for chunk in people.chunks(100) {
        let offset = sockets.len();
        let opened = futures::future::join_all(chunk.iter().enumerate().map(|(j, (_, token))| {
            let address = instances[(offset + j) % instances.len()].address;
            let subscribe = subscribe.clone();
            async move {
                let mut ws =
                    support::connect_ws(address, &format!("/ws?token={token}"), offset + j).await;
                ws.send(Message::Text(subscribe.into()))
                    .await
                    .expect("subscribe");
                until_count(&mut ws, 0).await;
                ws
            }
        }))
        .await;
        sockets.extend(opened);
    }
    let memory: Vec<String> = instances
        .iter()
        .zip(&before)
        .map(|(instance, before)| {
            let per = instance.rss_kb().saturating_sub(*before) as f64
                / (viewers / instances.len()).max(1) as f64;
            format!("~{per:.1} KB per viewer")
        })
        .collect();

    // All of them say they watch at once.
    let watch = serde_json::to_string(&ClientMessage::Watch {
        topic: topic.clone(),
    })
    .expect("json");
    let started = Instant::now();
    let want = viewers as i64;
    let arrived = futures::future::join_all(sockets.iter_mut().map(|ws| {
        let watch = watch.clone();
        async move {
            ws.send(Message::Text(watch.into())).await.expect("watch");
            until_count(ws, want).await
        }
    }));
    let arrived = tokio::time::timeout(Duration::from_secs(120), arrived)
        .await
        .expect("everyone saw the whole crowd within 120 s");
    let counted = stream_count(&client, &base, id).await;
    assert_eq!(counted, want, "the database counts everyone, once");

    // Half of them leave at once (their sockets close).
    let stay = viewers - viewers / 2;
    let leaving: Vec<Ws> = sockets.drain(stay..).collect();
    let left_at = Instant::now();
    for mut ws in leaving {
        let _ = ws.close(None).await;
    }
    let stayed =
        futures::future::join_all(sockets.iter_mut().map(|ws| until_count(ws, stay as i64)));
    let stayed = tokio::time::timeout(Duration::from_secs(120), stayed)
        .await
        .expect("the others saw them go within 120 s");
    assert_eq!(stream_count(&client, &base, id).await, stay as i64);

    println!(
        "stream crowd ({}, {}): {viewers} viewers; server memory {}",
        if two { "postgres" } else { "sqlite" },
        if two { "two instances" } else { "one instance" },
        memory.join(", "),
    );
    report(&format!("{viewers} arriving at once"), started, &arrived);
    report(
        &format!("{} leaving at once", viewers / 2),
        left_at,
        &stayed,
    );
}
