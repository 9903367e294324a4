//! The same matrix for `/ws` topics: who may follow which. A topic kind
//! without a row does not compile (`kind`'s match is exhaustive).

use app::live::protocol::{ClientMessage, ErrorCode, ServerMessage, Topic};

use super::policy::{ACTORS, Actor};
use super::world::{Cast, World};
use crate::helpers::spawn_app_with;
use crate::live::{connect, next, send, subscribe};

/// The topic's kind, as its rows name it.
fn kind(topic: Topic) -> &'static str {
    match topic {
        Topic::Event(_) => "event",
        Topic::User(_) => "user",
        Topic::Booking(_) => "booking",
        Topic::Room(_) => "room",
        Topic::Stream(_) => "stream",
        Topic::Provider(_) => "provider",
    }
}

/// Following is allowed (200), refused as not yours (403), or as naming
/// nothing you may know of (404). Columns as in `policy.rs`.
#[rustfmt::skip]
const TOPICS: &[(&str, [u16; 6])] = &[
    // Seats on sale are public; a draft is its organizer's (and admins').
    ("event:{event}", [200, 200, 200, 200, 200, 200]),
    ("event:{draft_event}", [404, 404, 404, 200, 404, 200]),
    // A person's own notices: theirs alone, admins included.
    ("user:{buyer}", [403, 200, 403, 403, 403, 403]),
    // A booking carries where the provider is: its two parties only.
    ("booking:{booking}", [403, 200, 404, 200, 404, 404]),
    // A private room: its members only (admins moderate public rooms).
    ("room:{room}", [403, 200, 404, 404, 404, 404]),
    // Streams and a provider's free times are public.
    ("stream:{stream}", [200, 200, 200, 200, 200, 200]),
    ("provider:{seller}", [200, 200, 200, 200, 200, 200]),
];

#[tokio::test]
async fn every_topic_is_followed_only_by_whom_the_policy_says() {
    let app = spawn_app_with(super::world::generous).await;
    let cast = Cast::new(&app);
    let world = World::new(&app, &cast);
    let mut kinds = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    let mut cells = 0;
    for (template, expect) in TOPICS {
        for (actor, expected) in ACTORS.iter().zip(expect) {
            let name = world.fill(template, Actor::Buyer).await;
            let topic: Topic = name.parse().expect("a topic");
            kinds.insert(kind(topic));
            let token = cast.person(*actor).await.map(|p| p.token.clone());
            let mut ws = connect(&app, token.as_deref()).await;
            send(&mut ws, subscribe(name.clone(), None)).await;
            send(&mut ws, ClientMessage::Ping { nonce: 7 }).await;
            let answer = match next(&mut ws).await {
                ServerMessage::Error { code, .. } => match code {
                    ErrorCode::Forbidden => 403,
                    ErrorCode::NotFound => 404,
                    _ => 400,
                },
                ServerMessage::Pong { .. }
                | ServerMessage::Snapshot { .. }
                | ServerMessage::Update { .. } => 200,
                other => panic!("{name}: {other:?}"),
            };
            cells += 1;
            if answer != *expected {
                failures.push(format!(
                    "{template} as {actor:?}: {answer} (policy: {expected})"
                ));
            }
        }
    }
    let all = ["event", "user", "booking", "room", "stream", "provider"];
    for kind in all {
        assert!(kinds.contains(kind), "no row for {kind} topics");
    }
    eprintln!(
        "topic matrix: {} rows × {} callers = {cells} cells",
        TOPICS.len(),
        ACTORS.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    app.stop().await;
}
