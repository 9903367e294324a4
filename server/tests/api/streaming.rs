//! Live streams through the JSON API and `/ws`: going live and ending,
//! who may do what, viewers counted while they watch (and exactly, however
//! many arrive at once), the stream's chat, and the video set-up relayed
//! between the host and one viewer only, on one instance or two.

use reqwest::Method;
use serde_json::{Value, json};

use app::live::protocol::{ClientMessage, ErrorCode, Payload, RtcSignal, ServerMessage};

use crate::helpers::{TestApp, new_user, send_json, spawn_app, spawn_app_with, spawn_instance_of};
use crate::live::{Ws, connect, next, send, subscribe};

/// An organizer live with a stream: (token, user id, stream).
async fn live_host(app: &TestApp) -> (String, i64, Value) {
    let (token, id) = new_user(app, "organizer").await;
    let (status, stream) = send_json(
        app,
        Method::POST,
        "/api/streaming/start",
        Some(&token),
        Some(json!({ "title": "Friday jam", "description": "Requests welcome" })),
    )
    .await;
    assert_eq!(status, 201, "{stream}");
    (token, id, stream)
}

async fn stream_of(app: &TestApp, id: i64) -> Value {
    let (status, body) = send_json(
        app,
        Method::GET,
        &format!("/api/streaming/{id}"),
        None,
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The viewers the stream's topic says, waiting for `want` (merged updates
/// may show the counts in between).
async fn viewers_until(ws: &mut Ws, want: i64) -> i64 {
    loop {
        if let ServerMessage::Snapshot { payload, .. } | ServerMessage::Update { payload, .. } =
            next(ws).await
            && let Payload::Stream { viewers, .. } = payload
            && viewers == want
        {
            return viewers;
        }
    }
}

/// The connection id the server gave this socket.
async fn connect_with_id(app: &TestApp, token: Option<&str>) -> (Ws, String) {
    let url = match token {
        Some(t) => format!("ws://{}/ws?token={t}", app.address),
        None => format!("ws://{}/ws", app.address),
    };
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    match next(&mut ws).await {
        ServerMessage::Hello { connection, .. } => (ws, connection),
        other => panic!("expected hello, got {other:?}"),
    }
}

/// Sends, then pings: the refusal the message got, if any.
async fn refusal_of(ws: &mut Ws, message: ClientMessage) -> Option<ErrorCode> {
    send(ws, message).await;
    send(ws, ClientMessage::Ping { nonce: 5 }).await;
    let mut refused = None;
    loop {
        match next(ws).await {
            ServerMessage::Pong { nonce: 5 } => return refused,
            ServerMessage::Error { code, .. } => refused = Some(code),
            _ => {}
        }
    }
}

/// The next video set-up message on this socket.
async fn next_rtc(ws: &mut Ws) -> (String, RtcSignal) {
    loop {
        if let ServerMessage::Rtc { from, signal, .. } = next(ws).await {
            return (from, signal);
        }
    }
}

async fn set_broadcaster(app: &TestApp, token: &str, stream: i64, connection: &str) -> u16 {
    app.client
        .post(app.url("/rpc/streams/broadcast"))
        .bearer_auth(token)
        .form(&[
            ("id", stream.to_string()),
            ("connection", connection.to_string()),
        ])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn organizers_go_live_once_at_a_time_and_only_the_host_ends_it() {
    let app = spawn_app().await;
    let (attendee, _) = new_user(&app, "attendee").await;
    let (other_host, _) = new_user(&app, "organizer").await;
    let (admin, _) = new_user(&app, "admin").await;
    let start = |token: Option<String>, body: Value| {
        let app = &app;
        async move {
            send_json(
                app,
                Method::POST,
                "/api/streaming/start",
                token.as_deref(),
                Some(body),
            )
            .await
        }
    };
    let (status, _) = start(None, json!({ "title": "Anon" })).await;
    assert_eq!(status, 401);
    let (status, body) = start(Some(attendee.clone()), json!({ "title": "Mine" })).await;
    assert_eq!(status, 403, "attendees don't go live: {body}");
    let (status, body) = start(Some(other_host.clone()), json!({ "title": "   " })).await;
    assert_eq!((status, body["field"].as_str()), (400, Some("title")));

    let (host, host_id, stream) = live_host(&app).await;
    let id = stream["id"].as_i64().unwrap();
    assert_eq!(stream["status"], "live");
    assert_eq!(
        (stream["hostId"].as_i64(), stream["viewerCount"].as_i64()),
        (Some(host_id), Some(0))
    );
    let (status, body) = start(Some(host.clone()), json!({ "title": "Second" })).await;
    assert_eq!(status, 409, "one live stream per host: {body}");

    let (_, live) = send_json(&app, Method::GET, "/api/streaming/live", None, None).await;
    assert_eq!(live.as_array().unwrap().len(), 1);
    assert_eq!(live[0]["title"], "Friday jam");

    let end = |token: String| {
        let app = &app;
        async move {
            send_json(
                app,
                Method::POST,
                "/api/streaming/end",
                Some(&token),
                Some(json!({ "streamId": id })),
            )
            .await
        }
    };
    let (status, _) = end(other_host.clone()).await;
    assert_eq!(status, 403, "another organizer can't end it");
    let (status, ended) = end(host.clone()).await;
    assert_eq!((status, ended["status"].as_str()), (200, Some("ended")));
    assert!(ended["endedAt"].is_string());
    let (status, _) = end(admin.clone()).await;
    assert_eq!(status, 409, "ended already");
    let (_, live) = send_json(&app, Method::GET, "/api/streaming/live", None, None).await;
    assert_eq!(live, json!([]));
    let (status, _) = send_json(&app, Method::GET, "/api/streaming/999", None, None).await;
    assert_eq!(status, 404);
    let (status, _) = send_json(&app, Method::GET, "/api/streaming/abc", None, None).await;
    assert_eq!(status, 404);
    // Live again, with a new stream.
    let (status, _) = start(Some(host.clone()), json!({ "title": "Encore" })).await;
    assert_eq!(status, 201);
    app.stop().await;
}

#[tokio::test]
async fn a_stream_s_chat_is_open_while_it_is_live_and_counts_no_unread_messages() {
    let app = spawn_app().await;
    let (host, _, stream) = live_host(&app).await;
    let id = stream["id"].as_i64().unwrap();
    let room = stream["roomId"].as_i64().unwrap();
    let (viewer, _) = new_user(&app, "attendee").await;
    // Opening the stream's chat joins it (what the stream page does).
    let opened = app
        .client
        .post(app.url("/rpc/chat/stream"))
        .bearer_auth(&viewer)
        .form(&[("stream_id", id.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), 200);
    let (status, body) = send_json(
        &app,
        Method::POST,
        "/api/messages",
        Some(&viewer),
        Some(json!({ "roomId": room, "content": "Hello from the back!" })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    // Not in the room list, not unread.
    let (_, rooms) = send_json(&app, Method::GET, "/api/rooms", Some(&host), None).await;
    let listed = rooms["rooms"].as_array().expect("a room list");
    assert!(listed.iter().all(|r| r["id"] != room), "{rooms}");
    let (_, history) = send_json(
        &app,
        Method::GET,
        &format!("/api/messages/{room}"),
        Some(&host),
        None,
    )
    .await;
    assert_eq!(
        history["messages"][0]["content"], "Hello from the back!",
        "{history}"
    );
    send_json(
        &app,
        Method::POST,
        "/api/streaming/end",
        Some(&host),
        Some(json!({ "streamId": id })),
    )
    .await;
    let (status, body) = send_json(
        &app,
        Method::POST,
        "/api/messages",
        Some(&viewer),
        Some(json!({ "roomId": room, "content": "Too late?" })),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("ended"),
        "{body}"
    );
    app.stop().await;
}

#[tokio::test]
async fn viewers_are_counted_while_a_connection_of_theirs_watches_the_stream() {
    let app = spawn_app().await;
    let (host, _, stream) = live_host(&app).await;
    let id = stream["id"].as_i64().unwrap();
    let topic = format!("stream:{id}");
    let (viewer, viewer_id) = new_user(&app, "attendee").await;

    // Anyone may follow it; only signed-in people who aren't the host count.
    let mut anonymous = connect(&app, None).await;
    send(&mut anonymous, subscribe(topic.clone(), None)).await;
    assert_eq!(viewers_until(&mut anonymous, 0).await, 0);
    assert_eq!(
        refusal_of(
            &mut anonymous,
            ClientMessage::Watch {
                topic: topic.clone()
            }
        )
        .await,
        Some(ErrorCode::Forbidden)
    );
    let mut host_ws = connect(&app, Some(&host)).await;
    send(&mut host_ws, subscribe(topic.clone(), None)).await;
    assert_eq!(
        refusal_of(
            &mut host_ws,
            ClientMessage::Watch {
                topic: topic.clone()
            }
        )
        .await,
        None,
        "the host may say so, and isn't counted"
    );

    // Following isn't watching (a list of streams follows their counts).
    let mut tab = connect(&app, Some(&viewer)).await;
    send(&mut tab, subscribe(topic.clone(), None)).await;
    send(&mut tab, ClientMessage::Ping { nonce: 2 }).await;
    while next(&mut tab).await != (ServerMessage::Pong { nonce: 2 }) {}
    assert_eq!(stream_of(&app, id).await["viewerCount"], 0);
    send(
        &mut tab,
        ClientMessage::Watch {
            topic: topic.clone(),
        },
    )
    .await;
    assert_eq!(viewers_until(&mut anonymous, 1).await, 1);
    let mut second_tab = connect(&app, Some(&viewer)).await;
    send(&mut second_tab, subscribe(topic.clone(), None)).await;
    send(
        &mut second_tab,
        ClientMessage::Watch {
            topic: topic.clone(),
        },
    )
    .await;
    viewers_until(&mut second_tab, 1).await;
    // One tab closes: still watching in the other.
    drop(tab);
    send(&mut host_ws, ClientMessage::Ping { nonce: 1 }).await;
    assert_eq!(stream_of(&app, id).await["viewerCount"], 1);
    // The last one leaves.
    send(
        &mut second_tab,
        ClientMessage::Unsubscribe {
            topic: topic.clone(),
        },
    )
    .await;
    assert_eq!(viewers_until(&mut anonymous, 0).await, 0);
    let details = stream_of(&app, id).await;
    assert_eq!(
        (
            details["peakViewers"].as_i64(),
            details["totalViewers"].as_i64()
        ),
        (Some(1), Some(1))
    );

    // Watching again, then silent for longer than the heartbeat allows.
    send(&mut second_tab, subscribe(topic.clone(), None)).await;
    send(
        &mut second_tab,
        ClientMessage::Watch {
            topic: topic.clone(),
        },
    )
    .await;
    viewers_until(&mut anonymous, 1).await;
    sqlx::query("UPDATE stream_viewers SET seen_at = seen_at - 100000 WHERE user_id = $1")
        .bind(viewer_id)
        .execute(app.db.pool())
        .await
        .unwrap();
    app::streams::viewers::sweep_and_tell(&app.db, &app.state.live).await;
    assert_eq!(
        viewers_until(&mut anonymous, 0).await,
        0,
        "counted out by the sweep"
    );
    // Its next heartbeat counts it back in.
    send(
        &mut second_tab,
        ClientMessage::Presence {
            state: app::live::protocol::Presence::Online,
        },
    )
    .await;
    assert_eq!(viewers_until(&mut anonymous, 1).await, 1);
    app.stop().await;
}

/// Everyone posts `{streamId}` to `path` at the same moment; all get 200.
async fn all_at_once(app: &TestApp, tokens: &[&String], path: &str, id: i64) {
    let answers = futures::future::join_all(tokens.iter().map(|token| {
        send_json(
            app,
            Method::POST,
            path,
            Some(token),
            Some(json!({ "streamId": id })),
        )
    }))
    .await;
    assert!(
        answers.iter().all(|(status, _)| *status == 200),
        "{answers:?}"
    );
}

#[tokio::test]
async fn many_people_joining_and_leaving_at_once_are_counted_exactly() {
    // Forty sign-ups from one address, past the default limit.
    let app = spawn_app_with(|c| c.auth_limits.per_ip_per_minute = 1_000).await;
    let (host, _, stream) = live_host(&app).await;
    let id = stream["id"].as_i64().unwrap();
    let mut people = Vec::new();
    for _ in 0..40 {
        people.push(new_user(&app, "attendee").await.0);
    }
    // All 40 join at once, each twice (a retry), then 15 of them leave at once.
    let twice: Vec<&String> = people.iter().chain(people.iter()).collect();
    all_at_once(&app, &twice, "/api/streaming/join", id).await;
    let some: Vec<&String> = people.iter().take(15).collect();
    all_at_once(&app, &some, "/api/streaming/leave", id).await;
    let details = stream_of(&app, id).await;
    assert_eq!(details["viewerCount"], 25);
    assert_eq!(
        details["peakViewers"], 40,
        "everyone was there at one moment"
    );
    assert_eq!(details["totalViewers"], 40);
    let (rows,): (i64,) = sqlx::query_as(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM stream_viewers WHERE stream_id = $1 AND left_at IS NULL",
    )
    .bind(id)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(rows, 25);
    // Ended: nobody watches, and joining is refused.
    let (status, _) = send_json(
        &app,
        Method::POST,
        "/api/streaming/end",
        Some(&host),
        Some(json!({ "streamId": id })),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(stream_of(&app, id).await["viewerCount"], 0);
    let (status, _) = send_json(
        &app,
        Method::POST,
        "/api/streaming/join",
        Some(&people[0]),
        Some(json!({ "streamId": id })),
    )
    .await;
    assert_eq!(status, 409);
    app.stop().await;
}

#[tokio::test]
async fn video_set_up_goes_between_the_host_and_one_viewer_and_nowhere_else() {
    let app = spawn_app().await;
    let (host, _, stream) = live_host(&app).await;
    let id = stream["id"].as_i64().unwrap();
    let topic = format!("stream:{id}");
    let (viewer, _) = new_user(&app, "attendee").await;
    let (other, _) = new_user(&app, "attendee").await;
    let (mut host_ws, host_conn) = connect_with_id(&app, Some(&host)).await;
    let (mut viewer_ws, viewer_conn) = connect_with_id(&app, Some(&viewer)).await;
    let (mut other_ws, other_conn) = connect_with_id(&app, Some(&other)).await;
    let rtc = |to: &str, signal: RtcSignal| ClientMessage::Rtc {
        topic: topic.clone(),
        to: to.to_string(),
        signal,
    };
    assert_eq!(
        refusal_of(&mut viewer_ws, rtc(&host_conn, RtcSignal::Request)).await,
        Some(ErrorCode::Forbidden),
        "only on a stream the connection follows"
    );
    for ws in [&mut host_ws, &mut viewer_ws, &mut other_ws] {
        send(ws, subscribe(topic.clone(), None)).await;
    }
    // The host's page names its connection; everyone sees it.
    assert_eq!(
        set_broadcaster(&app, &viewer, id, &viewer_conn).await,
        403,
        "only the host"
    );
    assert_eq!(set_broadcaster(&app, &host, id, &host_conn).await, 200);
    loop {
        if let ServerMessage::Update {
            payload:
                Payload::Stream {
                    broadcaster: Some(b),
                    ..
                },
            ..
        }
        | ServerMessage::Snapshot {
            payload:
                Payload::Stream {
                    broadcaster: Some(b),
                    ..
                },
            ..
        } = next(&mut viewer_ws).await
        {
            assert_eq!(b, host_conn);
            break;
        }
    }

    // Viewer → host → viewer.
    assert_eq!(
        refusal_of(&mut viewer_ws, rtc(&host_conn, RtcSignal::Request)).await,
        None
    );
    assert_eq!(
        next_rtc(&mut host_ws).await,
        (viewer_conn.clone(), RtcSignal::Request)
    );
    let offer = RtcSignal::Offer {
        sdp: format!("v=0\r\n{}", "a=x\r\n".repeat(1200)),
    };
    assert_eq!(
        refusal_of(&mut host_ws, rtc(&viewer_conn, offer.clone())).await,
        None
    );
    assert_eq!(next_rtc(&mut viewer_ws).await, (host_conn.clone(), offer));
    let answer = RtcSignal::Answer {
        sdp: "v=0 answer".into(),
    };
    assert_eq!(
        refusal_of(&mut viewer_ws, rtc(&host_conn, answer.clone())).await,
        None
    );
    assert_eq!(next_rtc(&mut host_ws).await, (viewer_conn.clone(), answer));

    // A viewer can't reach another viewer: the message goes nowhere.
    assert_eq!(
        refusal_of(
            &mut viewer_ws,
            rtc(&other_conn, RtcSignal::Offer { sdp: "v=0".into() })
        )
        .await,
        None
    );
    send(&mut other_ws, ClientMessage::Ping { nonce: 8 }).await;
    loop {
        match next(&mut other_ws).await {
            ServerMessage::Pong { nonce: 8 } => break,
            ServerMessage::Rtc { .. } => panic!("a viewer reached another viewer"),
            _ => {}
        }
    }
    assert_eq!(
        refusal_of(&mut viewer_ws, rtc("not-an-id", RtcSignal::Request)).await,
        Some(ErrorCode::BadMessage)
    );
    assert_eq!(
        refusal_of(
            &mut viewer_ws,
            rtc(&host_conn, RtcSignal::Offer { sdp: String::new() })
        )
        .await,
        Some(ErrorCode::BadMessage)
    );
    // A flood of set-up messages is refused, but the connection stays.
    let mut refused = 0;
    for _ in 0..80 {
        send(&mut viewer_ws, rtc(&host_conn, RtcSignal::Request)).await;
    }
    send(&mut viewer_ws, ClientMessage::Ping { nonce: 9 }).await;
    loop {
        match next(&mut viewer_ws).await {
            ServerMessage::Pong { nonce: 9 } => break,
            ServerMessage::Error {
                code: ErrorCode::RateLimited,
                ..
            } => refused += 1,
            _ => {}
        }
    }
    assert!(refused > 0 && refused < 80, "{refused}");

    // The host's connection closes: the stream shows no camera.
    drop(host_ws);
    loop {
        if let ServerMessage::Update {
            payload: Payload::Stream {
                broadcaster: None, ..
            },
            ..
        } = next(&mut viewer_ws).await
        {
            break;
        }
    }
    assert_eq!(stream_of(&app, id).await["broadcasting"], false);
    app.stop().await;
}

#[tokio::test]
async fn two_instances_on_one_postgresql_relay_video_set_up_and_share_the_count() {
    let first = spawn_app().await;
    if first.state.db.backend() != app::kernel::db::Backend::Postgres {
        first.stop().await;
        return;
    }
    let second = spawn_instance_of(&first).await;
    let (host, _, stream) = live_host(&first).await;
    let id = stream["id"].as_i64().unwrap();
    let topic = format!("stream:{id}");
    let (viewer, _) = new_user(&first, "attendee").await;
    let (mut host_ws, host_conn) = connect_with_id(&first, Some(&host)).await;
    let (mut viewer_ws, viewer_conn) = connect_with_id(&second, Some(&viewer)).await;
    send(&mut host_ws, subscribe(topic.clone(), None)).await;
    send(&mut viewer_ws, subscribe(topic.clone(), None)).await;
    send(
        &mut viewer_ws,
        ClientMessage::Watch {
            topic: topic.clone(),
        },
    )
    .await;
    // The viewer, on the second instance, counts on the first.
    assert_eq!(viewers_until(&mut host_ws, 1).await, 1);
    assert_eq!(set_broadcaster(&first, &host, id, &host_conn).await, 200);
    loop {
        if let ServerMessage::Update {
            payload:
                Payload::Stream {
                    broadcaster: Some(_),
                    ..
                },
            ..
        } = next(&mut viewer_ws).await
        {
            break;
        }
    }
    let rtc = |to: &str, signal: RtcSignal| ClientMessage::Rtc {
        topic: topic.clone(),
        to: to.to_string(),
        signal,
    };
    assert_eq!(
        refusal_of(&mut viewer_ws, rtc(&host_conn, RtcSignal::Request)).await,
        None
    );
    assert_eq!(
        next_rtc(&mut host_ws).await,
        (viewer_conn.clone(), RtcSignal::Request)
    );
    // An offer longer than a NOTIFY can carry goes through the database.
    let offer = RtcSignal::Offer {
        sdp: "a=candidate:1 1 udp 1 192.0.2.1 9 typ host\r\n".repeat(250),
    };
    assert_eq!(
        refusal_of(&mut host_ws, rtc(&viewer_conn, offer.clone())).await,
        None
    );
    assert_eq!(next_rtc(&mut viewer_ws).await, (host_conn.clone(), offer));
    second.stop().await;
    first.stop().await;
}

/// TURN credentials (the trust issue): only for viewers of a live stream,
/// and with a shared secret, each person's own and lapsing.
#[tokio::test]
async fn turn_credentials_go_only_to_viewers_of_a_live_stream_each_their_own() {
    let app = spawn_app_with(|c| {
        c.streams.ice_servers = vec!["turn:turn.example:3478".into()];
        c.streams.ice_secret = Some("north".into());
    })
    .await;
    let (host, _, stream) = live_host(&app).await;
    let id = stream["id"].as_i64().unwrap();
    let (a, a_id) = new_user(&app, "attendee").await;
    let (b, b_id) = new_user(&app, "attendee").await;
    let video = |token: Option<String>| {
        let app = &app;
        async move {
            let mut request = app
                .client
                .post(app.url("/rpc/streams/get"))
                .header("accept", "application/json")
                .form(&[("id", id.to_string())]);
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200);
            let page: Value = response.json().await.unwrap();
            page["video"].clone()
        }
    };

    assert!(video(None).await.is_null(), "nothing for the anonymous");
    let mine = video(Some(a.clone())).await;
    let theirs = video(Some(b.clone())).await;
    let user = mine["ice_username"].as_str().unwrap();
    let (expiry, who) = user.split_once(':').unwrap();
    assert_eq!(who, a_id.to_string());
    let now = app::kernel::time::now_millis() / 1000;
    let lapses = expiry.parse::<i64>().unwrap() - now;
    assert!(
        (7000..=7200).contains(&lapses),
        "lapses in two hours: {lapses}"
    );
    assert!(
        theirs["ice_username"]
            .as_str()
            .unwrap()
            .ends_with(&format!(":{b_id}"))
    );
    assert_ne!(mine["ice_credential"], theirs["ice_credential"]);

    let (status, _) = send_json(
        &app,
        Method::POST,
        "/api/streaming/end",
        Some(&host),
        Some(json!({ "streamId": id })),
    )
    .await;
    assert_eq!(status, 200);
    assert!(video(Some(a)).await.is_null(), "nothing once it ended");
    app.stop().await;
}
