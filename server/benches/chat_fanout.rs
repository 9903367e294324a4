//! Chat fan-out: MEMBERS people follow one room over websockets while one
//! of them sends MESSAGES messages at RATE per second through the JSON API;
//! reports the latency from each send (the request leaving) to its arrival
//! at every member, p50/p99/p99.9, and messages delivered per second.
//!
//! The server is the release `marquee` binary in a process of its own
//! (memory per connection is the server's alone). With
//! `BENCH_DATABASE_URL=postgres://…` two instances share that database
//! and the members are split between them (the sender talks to the
//! first), so half of the deliveries cross the PostgreSQL bus. Members are
//! made directly in the database (signing up a thousand people would
//! measure argon2); their connections come from several 127.0.0.x
//! addresses.
//!
//!     cargo bench -p server --bench chat_fanout [-- MEMBERS MESSAGES RATE]
//!     (defaults 1000 200 10)
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::live::protocol::{ClientMessage, Payload, ServerMessage};
use futures::{SinkExt, StreamExt};
use serde_json::json;
use support::{Instance, ms};
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::Message;

/// Per member: when each message (by its number) arrived.
type Arrivals = Arc<Mutex<Vec<Vec<(usize, Instant)>>>>;

#[tokio::main]
async fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let members = args.first().copied().unwrap_or(1000) as usize;
    let messages = args.get(1).copied().unwrap_or(200) as usize;
    let rate = args.get(2).copied().unwrap_or(10).max(1);

    let dir = tempfile::tempdir().expect("a temp dir");
    let settings = [
        ("MARQUEE_CHAT_RATE_PER_MINUTE", "1000000"),
        ("MARQUEE_CHAT_BURST", "1000000"),
    ];
    let (instances, url) = Instance::start_all(dir.path(), &settings).await;
    let two = instances.len() == 2;
    let first_base = instances[0].base.clone();
    let client = reqwest::Client::new();
    let tag = format!("{:x}", rand::random::<u32>());
    let sender = support::register(
        &client,
        &first_base,
        &format!("sender{tag}@bench.example"),
        "attendee",
    )
    .await;
    let room: serde_json::Value = client
        .post(format!("{}/api/rooms", first_base))
        .bearer_auth(&sender)
        .json(&json!({ "name": "Fan-out", "visibility": "public" }))
        .send()
        .await
        .expect("create a room")
        .json()
        .await
        .expect("json");
    let room = room["id"].as_i64().expect("a room id");

    // Members, with their sessions and tokens, straight into the database.
    let db = app::kernel::db::Db::connect(&url)
        .await
        .expect("the database");
    let now = app::kernel::time::now_millis();
    let people = support::people(&db, members, &tag).await;
    for (id, _) in &people {
        sqlx::query(
            "INSERT INTO chat_members (room_id, user_id, role, last_read_seq, joined_at) VALUES ($1, $2, 'member', 0, $3)",
        )
        .bind(room)
        .bind(id)
        .bind(now)
        .execute(db.pool())
        .await
        .expect("a membership");
    }
    let tokens: Vec<String> = people.into_iter().map(|(_, token)| token).collect();
    sqlx::query("UPDATE chat_rooms SET member_count = member_count + $2 WHERE id = $1")
        .bind(room)
        .bind(members as i64)
        .execute(db.pool())
        .await
        .expect("count");

    let before: Vec<u64> = instances.iter().map(Instance::rss_kb).collect();
    let started = Instant::now();
    let arrivals: Arrivals = Arc::new(Mutex::new(Vec::new()));
    let addresses: Vec<_> = instances.iter().map(|i| i.address).collect();
    // Connecting yields the reader task, on purpose.
    #[allow(clippy::async_yields_async)]
    let connect = |i: usize, token: String| {
        let arrivals = arrivals.clone();
        let address = addresses[i % addresses.len()];
        async move {
            let mut ws = support::connect_ws(address, &format!("/ws?token={token}"), i).await;
            for message in [
                ClientMessage::Subscribe {
                    topic: format!("room:{room}"),
                    since: None,
                },
                // Answered after the subscription is in place.
                ClientMessage::Ping { nonce: 1 },
            ] {
                let text = serde_json::to_string(&message).expect("json");
                ws.send(Message::Text(text.into())).await.expect("send");
            }
            while let Some(Ok(frame)) = ws.next().await {
                if let Message::Text(text) = frame
                    && let Ok(ServerMessage::Pong { .. }) = serde_json::from_str(text.as_str())
                {
                    break;
                }
            }
            tokio::spawn(async move {
                let mut seen = Vec::new();
                while let Some(Ok(frame)) = ws.next().await {
                    let Message::Text(text) = frame else { continue };
                    let Ok(
                        ServerMessage::Update { payload, .. }
                        | ServerMessage::Snapshot { payload, .. },
                    ) = serde_json::from_str::<ServerMessage>(text.as_str())
                    else {
                        continue;
                    };
                    if let Payload::ChatMessage { message, .. } = payload
                        && let Some(n) = message.body.strip_prefix('m')
                        && let Ok(n) = n.parse::<usize>()
                    {
                        seen.push((n, Instant::now()));
                        if n + 1 == messages {
                            break;
                        }
                    }
                }
                arrivals.lock().await.push(seen);
            })
        }
    };
    let mut readers = Vec::new();
    let mut tokens = tokens.into_iter().enumerate().collect::<Vec<_>>();
    while !tokens.is_empty() {
        let chunk: Vec<_> = tokens.drain(..tokens.len().min(100)).collect();
        readers
            .extend(futures::future::join_all(chunk.into_iter().map(|(i, t)| connect(i, t))).await);
    }
    let connect_time = started.elapsed();
    let grown: u64 = instances
        .iter()
        .zip(&before)
        .map(|(instance, before)| instance.rss_kb().saturating_sub(*before))
        .sum();
    let per_connection = grown as f64 / members as f64;

    // Send at the fixed rate; note when each send left.
    let mut sent_at = Vec::with_capacity(messages);
    let mut answered = Vec::with_capacity(messages);
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
    let drive = Instant::now();
    for n in 0..messages {
        tick.tick().await;
        let at = Instant::now();
        let response = client
            .post(format!("{}/api/messages", first_base))
            .bearer_auth(&sender)
            .json(
                &json!({ "roomId": room, "content": format!("m{n}"), "clientId": format!("b{n}") }),
            )
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), 201);
        answered.push(at.elapsed());
        sent_at.push(at);
    }
    let finished =
        tokio::time::timeout(Duration::from_secs(60), futures::future::join_all(readers)).await;
    let wall = drive.elapsed();
    assert!(
        finished.is_ok(),
        "every member saw the last message within 60 s"
    );

    let arrivals = arrivals.lock().await;
    let mut latencies = Vec::new();
    let mut delivered = 0usize;
    for seen in arrivals.iter() {
        delivered += seen.len();
        for (n, arrived) in seen {
            latencies.push(arrived.saturating_duration_since(sent_at[*n]));
        }
    }
    latencies.sort();
    answered.sort();
    let expected = members * messages;
    println!(
        "chat fan-out ({}, {}): {members} members connected in {:.1} s, ~{per_connection:.1} KB server RSS per connection, \
         {messages} messages at {rate}/s → {delivered} of {expected} deliveries ({:.0}/s; any missing were skipped for slow readers, who catch up from history), \
         send→receive {}; send answered p50={:.1} ms p99={:.1} ms",
        if two { "postgres" } else { "sqlite" },
        if two { "two instances" } else { "one instance" },
        connect_time.as_secs_f64(),
        delivered as f64 / wall.as_secs_f64(),
        support::latency_line(&latencies),
        ms(support::percentile(&answered, 0.50)),
        ms(support::percentile(&answered, 0.99)),
    );
}
