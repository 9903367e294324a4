//! `/ws` with a real websocket client: snapshots, numbered updates caused
//! by other people's holds, refusals, resuming, origin checks, merging.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use reqwest::Method;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use app::live::protocol::{ClientMessage, ErrorCode, Payload, ServerMessage};

use crate::helpers::{TestApp, new_user, send_json, spawn_app, spawn_instance_of, user};
use crate::ticketing::{create_event, tier_id};

pub(crate) type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub(crate) async fn connect(app: &TestApp, token: Option<&str>) -> Ws {
    let url = match token {
        Some(t) => format!("ws://{}/ws?token={t}", app.address),
        None => format!("ws://{}/ws", app.address),
    };
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("the socket opens");
    let hello = next(&mut ws).await;
    assert!(
        matches!(hello, ServerMessage::Hello { version: 1, .. }),
        "{hello:?}"
    );
    ws
}

/// The next protocol message (a test failure after 10 s without one).
pub(crate) async fn next(ws: &mut Ws) -> ServerMessage {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a message within 10 s")
            .expect("the socket stays open")
            .expect("a frame");
        if let Message::Text(text) = frame {
            return serde_json::from_str(text.as_str()).expect("a protocol message");
        }
    }
}

pub(crate) async fn send(ws: &mut Ws, message: ClientMessage) {
    let text = serde_json::to_string(&message).unwrap();
    ws.send(Message::Text(text.into())).await.unwrap();
}

pub(crate) fn subscribe(topic: String, since: Option<u64>) -> ClientMessage {
    ClientMessage::Subscribe { topic, since }
}

fn available(message: &ServerMessage) -> (u64, i64) {
    match message {
        ServerMessage::Snapshot { seq, payload, .. }
        | ServerMessage::Update { seq, payload, .. } => {
            let Payload::Availability { tiers, .. } = payload else {
                panic!("not availability: {payload:?}");
            };
            (*seq, tiers[0].available)
        }
        other => panic!("not availability: {other:?}"),
    }
}

/// The next protocol message the connection handler wrote into `sent`.
async fn receive(
    sent: &mut futures::channel::mpsc::Receiver<axum::extract::ws::Message>,
) -> ServerMessage {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), sent.next())
            .await
            .expect("a message within 10 s")
            .expect("still open");
        if let axum::extract::ws::Message::Text(text) = frame {
            return serde_json::from_str(text.as_str()).unwrap();
        }
    }
}

/// Holds seats; returns the hold's id (its `lockId`).
async fn hold(app: &TestApp, token: &str, tier: i64, quantity: i64) -> String {
    let (status, body) = send_json(
        app,
        Method::POST,
        "/api/events/tickets/reserve",
        Some(token),
        Some(json!({ "categoryId": tier, "quantity": quantity })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["lockId"].as_str().expect("a lock id").to_string()
}

#[tokio::test]
async fn a_watcher_gets_a_snapshot_then_each_change_made_by_someone_else() {
    let app = spawn_app().await;
    let (organizer, _) = user(&app, "organizer").await;
    let (buyer, _) = user(&app, "attendee").await;
    let event = create_event(&app, &organizer, &[("GA", 10.0, 20)]).await;
    let event_id = event["idEvent"].as_i64().unwrap();
    let tier = tier_id(&event, 0);

    // Anonymous: events are public.
    let mut ws = connect(&app, None).await;
    send(&mut ws, subscribe(format!("event:{event_id}"), None)).await;
    let first = next(&mut ws).await;
    assert!(matches!(first, ServerMessage::Snapshot { .. }), "{first:?}");
    let (seq, seats) = available(&first);
    assert_eq!(seats, 20);

    hold(&app, &buyer, tier, 3).await;
    let update = next(&mut ws).await;
    assert!(matches!(update, ServerMessage::Update { .. }), "{update:?}");
    assert_eq!(available(&update), (seq + 1, 17));

    // Releasing shows too, with the next number.
    let (_, locks) = send_json(
        &app,
        Method::GET,
        "/api/events/tickets/locks",
        Some(&buyer),
        None,
    )
    .await;
    send_json(
        &app,
        Method::POST,
        "/api/events/tickets/release",
        Some(&buyer),
        Some(json!({ "lockId": locks[0]["lockId"] })),
    )
    .await;
    assert_eq!(available(&next(&mut ws).await), (seq + 2, 20));

    // Ping is answered.
    send(&mut ws, ClientMessage::Ping { nonce: 7 }).await;
    assert_eq!(next(&mut ws).await, ServerMessage::Pong { nonce: 7 });
}

#[tokio::test]
async fn topics_one_may_not_see_are_refused_with_a_reason() {
    let app = spawn_app().await;
    let (organizer, _) = user(&app, "organizer").await;
    let (someone, someone_id) = user(&app, "attendee").await;
    let (_, other_id) = user(&app, "attendee").await;
    let draft_id = crate::ticketing::create_draft(&app, &organizer).await;

    let mut sockets = [
        connect(&app, None).await,
        connect(&app, Some(&someone)).await,
    ];
    let refusals = [
        (0, format!("user:{other_id}"), ErrorCode::Forbidden),
        (0, format!("user:{someone_id}"), ErrorCode::Forbidden),
        (1, format!("user:{other_id}"), ErrorCode::Forbidden),
        (1, format!("event:{draft_id}"), ErrorCode::NotFound),
        (1, "event:999999".to_string(), ErrorCode::NotFound),
        (1, "party:1".to_string(), ErrorCode::UnknownTopic),
    ];
    for (which, topic, expected) in refusals {
        let ws = &mut sockets[which];
        send(ws, subscribe(topic.clone(), None)).await;
        match next(ws).await {
            ServerMessage::Error {
                topic: Some(t),
                code,
                ..
            } => {
                assert_eq!((t, code), (topic, expected));
            }
            other => panic!("{topic}: {other:?}"),
        }
    }
    let [_, mut signed_in] = sockets;
    // The organizer may watch their own draft.
    let mut owner = connect(&app, Some(&organizer)).await;
    send(&mut owner, subscribe(format!("event:{draft_id}"), None)).await;
    assert!(matches!(
        next(&mut owner).await,
        ServerMessage::Snapshot { .. }
    ));
    // Nonsense is answered, not ignored, and the connection stays usable.
    signed_in
        .send(Message::Text("{\"type\":\"hold\"}".into()))
        .await
        .unwrap();
    assert!(matches!(
        next(&mut signed_in).await,
        ServerMessage::Error {
            code: ErrorCode::BadMessage,
            ..
        }
    ));
    send(&mut signed_in, ClientMessage::Ping { nonce: 1 }).await;
    assert_eq!(next(&mut signed_in).await, ServerMessage::Pong { nonce: 1 });
    // A bad token is refused before the upgrade.
    let refused =
        tokio_tungstenite::connect_async(format!("ws://{}/ws?token=nope", app.address)).await;
    assert!(refused.is_err());
}

#[tokio::test]
async fn a_reconnecting_client_resumes_or_gets_a_fresh_snapshot() {
    let app = spawn_app().await;
    let (organizer, _) = user(&app, "organizer").await;
    let (buyer, _) = user(&app, "attendee").await;
    let event = create_event(&app, &organizer, &[("GA", 10.0, 20)]).await;
    let topic = format!("event:{}", event["idEvent"]);
    let tier = tier_id(&event, 0);

    let mut ws = connect(&app, None).await;
    send(&mut ws, subscribe(topic.clone(), None)).await;
    let (seen, _) = available(&next(&mut ws).await);
    drop(ws);

    // Missed while away: resuming from the old number brings the new state.
    hold(&app, &buyer, tier, 2).await;
    let mut again = connect(&app, None).await;
    let mut state = (seen, 20);
    while state.1 != 18 {
        send(&mut again, subscribe(topic.clone(), Some(seen))).await;
        state = available(&next(&mut again).await);
    }
    assert!(state.0 > seen);

    // Already up to date: no snapshot, the next message is the pong.
    let mut current = connect(&app, None).await;
    send(&mut current, subscribe(topic.clone(), Some(state.0))).await;
    send(&mut current, ClientMessage::Ping { nonce: 3 }).await;
    assert_eq!(next(&mut current).await, ServerMessage::Pong { nonce: 3 });
}

#[tokio::test]
async fn a_burst_of_holds_reaches_watchers_merged_with_the_final_count() {
    let app = spawn_app().await;
    let (organizer, _) = user(&app, "organizer").await;
    let (buyer, _) = user(&app, "attendee").await;
    let event = create_event(&app, &organizer, &[("GA", 10.0, 100)]).await;
    let tier = tier_id(&event, 0);
    let mut ws = connect(&app, None).await;
    send(
        &mut ws,
        subscribe(format!("event:{}", event["idEvent"]), None),
    )
    .await;
    let (mut seq, _) = available(&next(&mut ws).await);

    // Five holds at once (the hold limit per person), twice.
    for _ in 0..2 {
        futures::future::join_all((0..5).map(|_| hold(&app, &buyer, tier, 1))).await;
        let (_, locks) = send_json(
            &app,
            Method::GET,
            "/api/events/tickets/locks",
            Some(&buyer),
            None,
        )
        .await;
        for lock in locks.as_array().unwrap() {
            send_json(
                &app,
                Method::POST,
                "/api/events/tickets/release",
                Some(&buyer),
                Some(json!({ "lockId": lock["lockId"] })),
            )
            .await;
        }
    }
    hold(&app, &buyer, tier, 7).await;
    // Twenty-one changes; the watcher sees them in order, merged, ending at 93.
    let mut updates = 0;
    loop {
        let (next_seq, seats) = available(&next(&mut ws).await);
        assert!(next_seq > seq, "in order");
        seq = next_seq;
        updates += 1;
        if seats == 93 {
            break;
        }
    }
    assert!(
        updates < 21,
        "bursts are merged ({updates} updates for 21 changes)"
    );
}

#[tokio::test]
async fn a_socket_from_another_site_is_refused() {
    let app = spawn_app().await;
    let mut request = format!("ws://{}/ws", app.address)
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("origin", "http://evil.example".parse().unwrap());
    let refused = tokio_tungstenite::connect_async(request).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403);
        }
        other => panic!("expected a 403, got {:?}", other.map(|_| ())),
    }
    // Its own origin is fine.
    let mut own = format!("ws://{}/ws", app.address)
        .into_client_request()
        .unwrap();
    let origin = format!("http://{}", app.address);
    own.headers_mut().insert("origin", origin.parse().unwrap());
    assert!(tokio_tungstenite::connect_async(own).await.is_ok());
}

#[tokio::test]
async fn two_instances_on_one_postgresql_deliver_each_others_changes() {
    let a = spawn_app().await;
    if a.db.backend() != app::kernel::db::Backend::Postgres {
        eprintln!("two_instances_on_one_postgresql: needs TEST_POSTGRES_URL; skipped on SQLite");
        return;
    }
    let b = spawn_instance_of(&a).await;
    let (organizer, _) = user(&a, "organizer").await;
    let (buyer, _) = user(&a, "attendee").await;
    let event = create_event(&a, &organizer, &[("GA", 10.0, 50)]).await;
    let tier = tier_id(&event, 0);

    // Watching on B, holding through A.
    let mut on_b = connect(&b, None).await;
    send(
        &mut on_b,
        subscribe(format!("event:{}", event["idEvent"]), None),
    )
    .await;
    let (_, seats) = available(&next(&mut on_b).await);
    assert_eq!(seats, 50);
    hold(&a, &buyer, tier, 6).await;
    let mut seen = 50;
    while seen != 44 {
        let (_, now) = available(&next(&mut on_b).await);
        seen = now;
    }
    // And the other way round.
    let mut on_a = connect(&a, None).await;
    send(
        &mut on_a,
        subscribe(format!("event:{}", event["idEvent"]), None),
    )
    .await;
    assert_eq!(available(&next(&mut on_a).await).1, 44);
    hold(&b, &buyer, tier, 4).await;
    while seen != 40 {
        let (_, now) = available(&next(&mut on_a).await);
        seen = now;
    }
    b.stop().await;
}

/// The connection handler over channels instead of a socket: a client that
/// stops reading is not sent a backlog; when it reads again it gets the
/// latest state, in order.
#[tokio::test]
async fn a_slow_consumer_gets_the_latest_state_instead_of_a_backlog() {
    use axum::extract::ws::Message as AxumMessage;
    use futures::channel::mpsc;

    let app = spawn_app().await;
    let (organizer, _) = user(&app, "organizer").await;
    let event = create_event(&app, &organizer, &[("GA", 10.0, 100)]).await;
    let event_id = event["idEvent"].as_i64().unwrap();
    let topic = app::live::protocol::Topic::Event(event_id);

    // The "socket": what the server sends lands in `sent` (room for one).
    let (sink, mut sent) = mpsc::channel::<AxumMessage>(0);
    let (client, incoming) = mpsc::unbounded::<Result<AxumMessage, axum::Error>>();
    let connection = tokio::spawn(server::live::serve(
        app.state.clone(),
        None,
        sink.sink_map_err(|_| ()),
        incoming,
    ));
    assert!(matches!(
        receive(&mut sent).await,
        ServerMessage::Hello { .. }
    ));
    let subscribe = serde_json::to_string(&subscribe(topic.to_string(), None)).unwrap();
    client
        .unbounded_send(Ok(AxumMessage::Text(subscribe.into())))
        .unwrap();
    let (first, _) = available(&receive(&mut sent).await);

    // 300 changes while the client reads nothing.
    let payload = |available: i64| Payload::Availability {
        event_id,
        tiers: vec![app::live::protocol::TierSeats {
            tier_id: tier_id(&event, 0),
            capacity: 1000,
            sold: 1000 - available,
            held: 0,
            available,
        }],
    };
    let mut last = first;
    for n in 0..300 {
        last = app.state.live.publish(topic, payload(n)).unwrap();
    }
    // Reading again: in order, far fewer than 300, ending with the latest.
    let mut received = 0;
    let mut seq = first;
    loop {
        let (next_seq, seats) = available(&receive(&mut sent).await);
        assert!(next_seq > seq, "in order, no repeats");
        seq = next_seq;
        received += 1;
        if next_seq == last {
            assert_eq!(seats, 299);
            break;
        }
    }
    assert!(
        received < 300,
        "no backlog: {received} messages for 300 changes"
    );
    drop(client);
    connection.await.unwrap();
}

/// A client that never reads again is disconnected (after the grace time),
/// not kept with an ever-growing backlog.
#[tokio::test]
async fn a_client_that_stays_behind_is_disconnected() {
    use axum::extract::ws::Message as AxumMessage;
    use futures::channel::mpsc;

    let app = spawn_app().await;
    let (organizer, _) = user(&app, "organizer").await;
    let event = create_event(&app, &organizer, &[("GA", 10.0, 100)]).await;
    let topic = app::live::protocol::Topic::Event(event["idEvent"].as_i64().unwrap());
    let (sink, mut sent) = mpsc::channel::<AxumMessage>(0);
    let (client, incoming) = mpsc::unbounded::<Result<AxumMessage, axum::Error>>();
    let connection = tokio::spawn(server::live::serve(
        app.state.clone(),
        None,
        sink.sink_map_err(|_| ()),
        incoming,
    ));
    assert!(matches!(
        receive(&mut sent).await,
        ServerMessage::Hello { .. }
    ));
    let subscribe = serde_json::to_string(&subscribe(topic.to_string(), None)).unwrap();
    client
        .unbounded_send(Ok(AxumMessage::Text(subscribe.into())))
        .unwrap();
    assert!(matches!(
        receive(&mut sent).await,
        ServerMessage::Snapshot { .. }
    ));
    let Payload::Availability { event_id, tiers } = app::events::availability::read(
        &app.state.db,
        match topic {
            app::live::protocol::Topic::Event(id) => id,
            _ => unreachable!(),
        },
    )
    .await
    .unwrap() else {
        unreachable!("availability is read as availability")
    };
    for n in 0..300 {
        let mut tiers = tiers.clone();
        tiers[0].available = n;
        app.state
            .live
            .publish(topic, Payload::Availability { event_id, tiers });
        // One at a time, so the connection's queue fills (a burst would
        // only lag the topic and be merged into one state).
        tokio::task::yield_now().await;
    }
    // Nobody reads `sent`: the connection must end by itself.
    tokio::time::timeout(Duration::from_secs(20), connection)
        .await
        .expect("the server hangs up on a client that stays behind")
        .unwrap();
    drop((client, sent));
}

#[tokio::test]
async fn buyers_and_organizers_hear_about_orders_on_their_own_topic() {
    let app = spawn_app().await;
    let (organizer, organizer_id) = user(&app, "organizer").await;
    let (buyer, buyer_id) = user(&app, "attendee").await;
    let event = create_event(&app, &organizer, &[("GA", 10.0, 20)]).await;
    let event_id = event["idEvent"].as_i64().unwrap();
    let mut buyer_ws = connect(&app, Some(&buyer)).await;
    send(&mut buyer_ws, subscribe(format!("user:{buyer_id}"), None)).await;
    let mut organizer_ws = connect(&app, Some(&organizer)).await;
    send(
        &mut organizer_ws,
        subscribe(format!("user:{organizer_id}"), None),
    )
    .await;
    // Both subscriptions are in place once a ping comes back (the wallet
    // top-ups of `user()` may come first, as the topics' snapshots).
    for ws in [&mut buyer_ws, &mut organizer_ws] {
        send(ws, ClientMessage::Ping { nonce: 9 }).await;
        loop {
            match next(ws).await {
                ServerMessage::Pong { nonce: 9 } => break,
                ServerMessage::Snapshot { .. } => continue,
                other => panic!("expected the pong, got {other:?}"),
            }
        }
    }

    let (_, order) = send_json(
        &app,
        Method::POST,
        "/api/orders",
        Some(&buyer),
        Some(json!({ "categoryId": tier_id(&event, 0), "quantity": 2 })),
    )
    .await;
    let order_id = order["id"].as_i64().unwrap();
    send_json(
        &app,
        Method::POST,
        &format!("/api/orders/{order_id}/confirm"),
        Some(&buyer),
        None,
    )
    .await;

    use app::live::protocol::Notice;
    // The next notice about orders (wallet notices come in between).
    async fn notice(ws: &mut Ws) -> Notice {
        loop {
            match next(ws).await {
                ServerMessage::Update {
                    payload: Payload::Notice { notice },
                    ..
                } if notice != Notice::WalletChanged => return notice,
                ServerMessage::Update { .. } => continue,
                other => panic!("not a notice: {other:?}"),
            }
        }
    }
    assert_eq!(
        notice(&mut buyer_ws).await,
        Notice::OrderChanged {
            order_id,
            event_id,
            status: "confirmed".into()
        }
    );
    assert_eq!(
        notice(&mut organizer_ws).await,
        Notice::NewOrder {
            order_id,
            event_id,
            event_name: "Summer Music Festival".into(),
            quantity: 2
        }
    );
}

#[tokio::test]
async fn a_holder_hears_from_the_server_when_their_hold_lapses() {
    let app = spawn_app().await;
    let (organizer, _) = user(&app, "organizer").await;
    let (buyer, buyer_id) = new_user(&app, "attendee").await;
    let event = create_event(&app, &organizer, &[("GA", 10.0, 20)]).await;
    let event_id = event["idEvent"].as_i64().unwrap();
    let hold_id = hold(&app, &buyer, tier_id(&event, 0), 2).await;
    let mut ws = connect(&app, Some(&buyer)).await;
    send(&mut ws, subscribe(format!("user:{buyer_id}"), None)).await;
    send(&mut ws, ClientMessage::Ping { nonce: 1 }).await;
    // The topic starts from its newest notice: these seats being held.
    match next(&mut ws).await {
        ServerMessage::Snapshot {
            payload: Payload::Notice { notice },
            ..
        } => assert_eq!(
            notice,
            app::live::protocol::Notice::HoldChanged {
                hold_id: hold_id.clone(),
                event_id,
                status: "active".into()
            }
        ),
        other => panic!("expected the hold's notice, got {other:?}"),
    }
    assert_eq!(next(&mut ws).await, ServerMessage::Pong { nonce: 1 });

    // A sweep before the hold lapses says nothing.
    app::events::sweeper::sweep_and_tell(&app.db, &app.state.live, &app.state.config.wallet).await;
    sqlx::query("UPDATE holds SET expires_at = $1 WHERE id = $2")
        .bind(app::kernel::time::now_millis() - 1)
        .bind(&hold_id)
        .execute(app.db.pool())
        .await
        .unwrap();
    app::events::sweeper::sweep_and_tell(&app.db, &app.state.live, &app.state.config.wallet).await;
    match next(&mut ws).await {
        ServerMessage::Update {
            payload: Payload::Notice { notice },
            ..
        } => assert_eq!(
            notice,
            app::live::protocol::Notice::HoldExpired { hold_id, event_id }
        ),
        other => panic!("expected the lapse notice, got {other:?}"),
    }
}

#[tokio::test]
async fn a_person_s_other_tabs_hear_of_the_seats_they_hold_and_release() {
    let app = spawn_app().await;
    let (organizer, _) = user(&app, "organizer").await;
    let (buyer, buyer_id) = new_user(&app, "attendee").await;
    let (other, _) = new_user(&app, "attendee").await;
    let event = create_event(&app, &organizer, &[("GA", 10.0, 20)]).await;
    let event_id = event["idEvent"].as_i64().unwrap();
    let mut tab = connect(&app, Some(&buyer)).await;
    send(&mut tab, subscribe(format!("user:{buyer_id}"), None)).await;
    send(&mut tab, ClientMessage::Ping { nonce: 1 }).await;
    assert_eq!(next(&mut tab).await, ServerMessage::Pong { nonce: 1 });

    // Someone else's hold is not this person's news.
    hold(&app, &other, tier_id(&event, 0), 1).await;
    let hold_id = hold(&app, &buyer, tier_id(&event, 0), 2).await;
    let notice = |status: &str| app::live::protocol::Notice::HoldChanged {
        hold_id: hold_id.clone(),
        event_id,
        status: status.into(),
    };
    match next(&mut tab).await {
        ServerMessage::Update {
            payload: Payload::Notice { notice: heard },
            ..
        } => assert_eq!(heard, notice("active")),
        other => panic!("expected the hold, got {other:?}"),
    }
    let (status, _) = send_json(
        &app,
        Method::POST,
        "/api/events/tickets/release",
        Some(&buyer),
        Some(json!({ "lockId": hold_id })),
    )
    .await;
    assert_eq!(status, 200);
    loop {
        match next(&mut tab).await {
            ServerMessage::Update {
                payload:
                    Payload::Notice {
                        notice: app::live::protocol::Notice::WalletChanged,
                    },
                ..
            } => continue,
            ServerMessage::Update {
                payload: Payload::Notice { notice: heard },
                ..
            } => break assert_eq!(heard, notice("released")),
            other => panic!("expected the release, got {other:?}"),
        }
    }
    app.stop().await;
}
