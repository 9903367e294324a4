//! Chat through the JSON API and `/ws`: who may read, write and follow
//! what; sending (idempotent), editing (15 minutes), deleting; history
//! pages while messages arrive; 20 concurrent senders; typing, presence,
//! unread counts; booking threads. On SQLite and on PostgreSQL.

use std::collections::{BTreeMap, HashSet};

use reqwest::Method;
use serde_json::{Value, json};

use app::live::protocol::{ClientMessage, ErrorCode, Notice, Payload, ServerMessage};

use crate::bookings::{book, provider, slot_in};
use crate::client::{Person, Role};
use crate::helpers::{TestApp, new_user, send_json, spawn_app, spawn_app_with};
use crate::live::{Ws, connect, next, send, subscribe};
use app::rate_limit::ChatLimits;

async fn create_room(app: &TestApp, token: &str, name: &str, visibility: &str) -> i64 {
    let (status, room) = send_json(
        app,
        Method::POST,
        "/api/rooms",
        Some(token),
        Some(json!({ "name": name, "visibility": visibility })),
    )
    .await;
    assert_eq!(status, 201, "{room}");
    room["id"].as_i64().unwrap()
}

async fn post(app: &TestApp, token: &str, room: i64, content: &str) -> (u16, Value) {
    send_json(
        app,
        Method::POST,
        "/api/messages",
        Some(token),
        Some(json!({ "roomId": room, "content": content })),
    )
    .await
}

async fn add(app: &TestApp, owner: &str, room: i64, user: i64) {
    let (status, body) = send_json(
        app,
        Method::POST,
        &format!("/api/rooms/{room}/members"),
        Some(owner),
        Some(json!({ "userId": user })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

/// Subscribes and waits until the server has taken it (the pong to a ping
/// sent after it: the server reads a connection's messages in order).
async fn follow(ws: &mut Ws, topic: String) {
    send(ws, subscribe(topic, None)).await;
    send(ws, ClientMessage::Ping { nonce: 77 }).await;
    while !matches!(next(ws).await, ServerMessage::Pong { nonce: 77 }) {}
}

/// The next message on the socket that isn't a presence signal.
async fn next_news(ws: &mut Ws) -> ServerMessage {
    loop {
        match next(ws).await {
            ServerMessage::Signal {
                payload: Payload::Presence { .. },
                ..
            } => continue,
            other => return other,
        }
    }
}

#[tokio::test]
async fn only_members_read_write_or_follow_a_room() {
    let app = spawn_app().await;
    let (owner, _) = new_user(&app, "attendee").await;
    let (stranger, _) = new_user(&app, "attendee").await;
    let (admin, _) = new_user(&app, "admin").await;
    let private = create_room(&app, &owner, "Inner circle", "private").await;
    let public = create_room(&app, &owner, "Town square", "public").await;
    let (_, first) = post(&app, &owner, private, "secret plans").await;
    let secret = first["id"].as_i64().unwrap();
    post(&app, &owner, public, "hello all").await;

    // A private room is not there for anyone else: read, post, members,
    // edit or delete its messages, or follow it.
    for (method, path, body) in [
        (Method::GET, format!("/api/messages/{private}"), None),
        (
            Method::GET,
            format!("/api/messages/{private}/changes?after=0"),
            None,
        ),
        (Method::GET, format!("/api/rooms/{private}/members"), None),
        (
            Method::POST,
            "/api/messages".to_string(),
            Some(json!({ "roomId": private, "content": "let me in" })),
        ),
        (
            Method::PUT,
            format!("/api/messages/{secret}"),
            Some(json!({ "content": "defaced" })),
        ),
        (Method::DELETE, format!("/api/messages/{secret}"), None),
        (Method::POST, format!("/api/rooms/{private}/join"), None),
    ] {
        for who in [&stranger, &admin] {
            let (status, body) =
                send_json(&app, method.clone(), &path, Some(who), body.clone()).await;
            assert_eq!(status, 404, "{method} {path}: {body}");
        }
    }
    // A public one says "join first"; an admin may read and moderate it.
    let (status, _) = send_json(
        &app,
        Method::GET,
        &format!("/api/messages/{public}"),
        Some(&stranger),
        None,
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = post(&app, &stranger, public, "hi").await;
    assert_eq!(status, 403);
    let (status, page) = send_json(
        &app,
        Method::GET,
        &format!("/api/messages/{public}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(page["messages"][0]["content"], "hello all");
    let (status, _) = post(&app, &admin, public, "admin speaking").await;
    assert_eq!(
        status, 403,
        "admins read public rooms, they don't post unjoined"
    );
    let (status, _) = send_json(
        &app,
        Method::GET,
        &format!("/api/messages/{public}"),
        None,
        None,
    )
    .await;
    assert_eq!(status, 401);

    // The socket refuses the same.
    let mut ws = connect(&app, Some(&stranger)).await;
    for (room, code) in [
        (private, ErrorCode::NotFound),
        (public, ErrorCode::Forbidden),
    ] {
        send(&mut ws, subscribe(format!("room:{room}"), None)).await;
        match next_news(&mut ws).await {
            ServerMessage::Error {
                code: got, topic, ..
            } => {
                assert_eq!(got, code);
                assert_eq!(topic.as_deref(), Some(format!("room:{room}").as_str()));
            }
            other => panic!("{other:?}"),
        }
    }
    let mut anonymous = connect(&app, None).await;
    send(&mut anonymous, subscribe(format!("room:{public}"), None)).await;
    assert!(matches!(
        next_news(&mut anonymous).await,
        ServerMessage::Error {
            code: ErrorCode::Forbidden,
            ..
        }
    ));
    // Typing in a room one doesn't follow is refused too.
    send(
        &mut ws,
        ClientMessage::Typing {
            topic: format!("room:{private}"),
        },
    )
    .await;
    assert!(matches!(
        next_news(&mut ws).await,
        ServerMessage::Error {
            code: ErrorCode::Forbidden,
            ..
        }
    ));

    // Joining the public room opens it.
    let (status, room) = send_json(
        &app,
        Method::POST,
        &format!("/api/rooms/{public}/join"),
        Some(&stranger),
        None,
    )
    .await;
    assert_eq!(status, 200, "{room}");
    assert_eq!(room["role"], "member");
    let (status, _) = post(&app, &stranger, public, "thanks").await;
    assert_eq!(status, 201);
    send(&mut ws, subscribe(format!("room:{public}"), None)).await;
    assert!(matches!(
        next_news(&mut ws).await,
        ServerMessage::Snapshot { .. }
    ));

    // Public rooms can be found; private ones can't.
    let (_, found) = send_json(
        &app,
        Method::GET,
        "/api/rooms?scope=public&q=town",
        Some(&stranger),
        None,
    )
    .await;
    let names: Vec<&str> = found["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Town square"]);
    let (_, found) = send_json(
        &app,
        Method::GET,
        "/api/rooms?scope=public&q=inner",
        Some(&stranger),
        None,
    )
    .await;
    assert!(found["rooms"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn sending_is_idempotent_edits_close_after_15_minutes_and_deletes_leave_a_mark() {
    let app = spawn_app().await;
    let (owner, _) = new_user(&app, "attendee").await;
    let (member, member_id) = new_user(&app, "attendee").await;
    let room = create_room(&app, &owner, "Book club", "private").await;
    add(&app, &owner, room, member_id).await;

    // Bad input names its field and stores nothing.
    for (content, field) in [("   \n ", "body"), (&"x".repeat(4001) as &str, "body")] {
        let (status, body) = post(&app, &member, room, content).await;
        assert_eq!(status, 400, "{body}");
        assert!(
            body["message"].as_str().unwrap().len() > 5,
            "{body} {field}"
        );
    }
    let (status, _) = post(&app, &member, 999_999, "anyone?").await;
    assert_eq!(status, 404);
    let (status, _) = post(&app, &member, room, &"é".repeat(4000)).await;
    assert_eq!(status, 201, "4000 characters fit");

    // A retried send (same client id) is the same message.
    let send_keyed = |content: &'static str| {
        send_json(
            &app,
            Method::POST,
            "/api/messages",
            Some(&member),
            Some(json!({ "roomId": room, "content": content, "clientId": "m-1" })),
        )
    };
    let (status, first) = send_keyed("see https://example.com <b>bold</b>").await;
    assert_eq!(status, 201);
    let (status, again) = send_keyed("see https://example.com <b>bold</b>").await;
    assert_eq!(status, 200);
    assert_eq!(again["id"], first["id"]);
    let (status, _) = send_keyed("something else").await;
    assert_eq!(status, 409, "one client id, one message");
    assert_eq!(
        first["content"], "see https://example.com <b>bold</b>",
        "stored as text"
    );
    let id = first["id"].as_i64().unwrap();

    // Only the author edits, and only for 15 minutes.
    async fn edit(app: &TestApp, id: i64, token: &str, content: &str) -> (u16, Value) {
        let path = format!("/api/messages/{id}");
        send_json(
            app,
            Method::PUT,
            &path,
            Some(token),
            Some(json!({ "content": content })),
        )
        .await
    }
    let (status, _) = edit(&app, id, &owner, "owner rewrites").await;
    assert_eq!(status, 403);
    let (status, edited) = edit(&app, id, &member, "see https://example.org").await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["content"], "see https://example.org");
    assert!(edited["editedAt"].is_string());
    assert!(edited["changeSeq"].as_i64() > first["changeSeq"].as_i64());
    sqlx::query("UPDATE chat_messages SET created_at = created_at - 901000 WHERE id = $1")
        .bind(id)
        .execute(app.db.pool())
        .await
        .unwrap();
    let (status, body) = edit(&app, id, &member, "too late").await;
    assert_eq!(status, 409, "{body}");
    assert!(body["message"].as_str().unwrap().contains("15 minutes"));

    // Deleting: not someone else's as a plain member; the owner moderates.
    let (_, owners) = post(&app, &owner, room, "owner's words").await;
    let owners = owners["id"].as_i64().unwrap();
    let (status, _) = send_json(
        &app,
        Method::DELETE,
        &format!("/api/messages/{owners}"),
        Some(&member),
        None,
    )
    .await;
    assert_eq!(status, 403);
    let (status, gone) = send_json(
        &app,
        Method::DELETE,
        &format!("/api/messages/{id}"),
        Some(&owner),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(gone["deleted"], true);
    assert_eq!(gone["content"], "");
    let (status, _) = send_json(
        &app,
        Method::DELETE,
        &format!("/api/messages/{id}"),
        Some(&member),
        None,
    )
    .await;
    assert_eq!(status, 409, "already deleted");
    let (_, page) = send_json(
        &app,
        Method::GET,
        &format!("/api/messages/{room}"),
        Some(&member),
        None,
    )
    .await;
    let shown = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(shown["deleted"], true);
    assert_eq!(
        shown["content"], "",
        "the text is gone from the history too"
    );
    let (body,): (String,) = sqlx::query_as("SELECT body FROM chat_messages WHERE id = $1")
        .bind(id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(body, "", "and from the database");

    // Changes since a number list edits and deletes in order.
    let (_, changes) = send_json(
        &app,
        Method::GET,
        &format!("/api/messages/{room}/changes?after=0"),
        Some(&member),
        None,
    )
    .await;
    let seqs: Vec<i64> = changes["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["changeSeq"].as_i64().unwrap())
        .collect();
    let mut sorted = seqs.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(seqs, sorted, "in order, once each");
    assert_eq!(changes["seq"].as_i64(), seqs.last().copied());
}

#[tokio::test]
async fn a_person_sending_too_fast_is_told_to_wait_and_nothing_is_stored() {
    let app = spawn_app_with(|c| {
        c.chat_limits = ChatLimits {
            per_minute: 6,
            burst: 5,
        }
    })
    .await;
    let (owner, _) = new_user(&app, "attendee").await;
    let room = create_room(&app, &owner, "Calm", "private").await;
    let keyed = |n: usize| json!({ "roomId": room, "content": format!("n{n}"), "clientId": format!("k{n}") });
    for n in 0..5 {
        let (status, _) = send_json(
            &app,
            Method::POST,
            "/api/messages",
            Some(&owner),
            Some(keyed(n)),
        )
        .await;
        assert_eq!(status, 201);
    }
    let response = app
        .bearer(Method::POST, "/api/messages", &owner)
        .json(&keyed(5))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    // A retry of a message already sent is not a new message: still fine.
    let (status, _) = send_json(
        &app,
        Method::POST,
        "/api/messages",
        Some(&owner),
        Some(keyed(4)),
    )
    .await;
    assert_eq!(status, 200);
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM chat_messages WHERE room_id = $1")
        .bind(room)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(count, 5);
    let (seq,): (i64,) = sqlx::query_as("SELECT seq FROM chat_rooms WHERE id = $1")
        .bind(room)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(seq, 5, "a refused send takes no number");
}

/// Two instances behind a load balancer: a person's messages count on both.
#[tokio::test]
async fn the_message_allowance_is_shared_by_every_instance() {
    let limits = |c: &mut app::config::Config| {
        c.chat_limits = ChatLimits {
            per_minute: 4,
            burst: 4,
        }
    };
    let first = spawn_app_with(limits).await;
    let second = crate::helpers::spawn_instance_with(&first, limits).await;
    let (owner, _) = new_user(&first, "attendee").await;
    let room = create_room(&first, &owner, "Busy", "private").await;
    let say = |app: &TestApp, n: usize| {
        let body = json!({ "roomId": room, "content": format!("n{n}") });
        let (app, owner) = (app.url("/api/messages"), owner.clone());
        async move {
            reqwest::Client::new()
                .post(app)
                .bearer_auth(owner)
                .json(&body)
                .send()
                .await
                .expect("an answer")
                .status()
                .as_u16()
        }
    };
    let mut statuses = Vec::new();
    for (n, app) in [&first, &second, &first, &second, &first]
        .into_iter()
        .enumerate()
    {
        statuses.push(say(app, n).await);
    }
    // Each instance alone has seen at most three.
    assert_eq!(statuses, [201, 201, 201, 201, 429]);
    second.stop().await;
    first.stop().await;
}

#[tokio::test]
async fn history_pages_have_no_gaps_or_duplicates_while_messages_arrive() {
    let app = spawn_app_with(|c| {
        c.chat_limits = ChatLimits {
            per_minute: 100_000,
            burst: 100_000,
        }
    })
    .await;
    let (owner, _) = new_user(&app, "attendee").await;
    let (writer, writer_id) = new_user(&app, "attendee").await;
    let room = create_room(&app, &owner, "Busy", "private").await;
    add(&app, &owner, room, writer_id).await;
    for n in 0..60 {
        let (status, _) = post(&app, &owner, room, &format!("before {n}")).await;
        assert_eq!(status, 201);
    }
    // New messages keep coming while the pages are read.
    let writing = {
        let (app_url, client) = (app.url("/api/messages"), app.client.clone());
        let writer = writer.clone();
        tokio::spawn(async move {
            for n in 0..25 {
                let response = client
                    .post(&app_url)
                    .bearer_auth(&writer)
                    .json(&json!({ "roomId": room, "content": format!("during {n}") }))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 201);
            }
        })
    };
    let mut seen: Vec<i64> = Vec::new();
    let mut before: Option<i64> = None;
    loop {
        let path = match before {
            Some(b) => format!("/api/messages/{room}?limit=7&before={b}"),
            None => format!("/api/messages/{room}?limit=7"),
        };
        let (status, page) = send_json(&app, Method::GET, &path, Some(&owner), None).await;
        assert_eq!(status, 200);
        seen.extend(
            page["messages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["seq"].as_i64().unwrap()),
        );
        match page["nextBefore"].as_i64() {
            Some(b) => before = Some(b),
            None => break,
        }
    }
    writing.await.unwrap();
    let top = seen[0];
    let stored: Vec<(i64,)> = sqlx::query_as(
        "SELECT seq FROM chat_messages WHERE room_id = $1 AND seq <= $2 ORDER BY seq DESC",
    )
    .bind(room)
    .bind(top)
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    let stored: Vec<i64> = stored.into_iter().map(|(s,)| s).collect();
    assert_eq!(
        seen, stored,
        "every message up to the first page's newest, once, newest first"
    );
    assert!(seen.len() >= 60);
    let (status, _) = send_json(
        &app,
        Method::GET,
        &format!("/api/messages/{room}?limit=0"),
        Some(&owner),
        None,
    )
    .await;
    assert_eq!(status, 200, "limits are clamped, not refused");
}

/// A member's view of a room from its topic: messages heard live, gaps
/// filled from `/changes` (as the browser does).
struct Listener {
    ws: Ws,
    client: reqwest::Client,
    changes_url: String,
    token: String,
    last: i64,
    messages: BTreeMap<i64, (i64, String)>,
}

impl Listener {
    async fn new(app: &TestApp, token: &str, room: i64) -> Self {
        let mut ws = connect(app, Some(token)).await;
        send(&mut ws, subscribe(format!("room:{room}"), None)).await;
        Self {
            ws,
            client: app.client.clone(),
            changes_url: app.url(&format!("/api/messages/{room}/changes")),
            token: token.to_string(),
            last: 0,
            messages: BTreeMap::new(),
        }
    }

    async fn catch_up(&mut self) {
        loop {
            let changes: Value = self
                .client
                .get(format!("{}?after={}", self.changes_url, self.last))
                .bearer_auth(&self.token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            for m in changes["messages"].as_array().unwrap() {
                self.messages.insert(
                    m["seq"].as_i64().unwrap(),
                    (
                        m["id"].as_i64().unwrap(),
                        m["content"].as_str().unwrap().to_string(),
                    ),
                );
            }
            self.last = self.last.max(changes["seq"].as_i64().unwrap());
            if changes["more"] != true {
                break;
            }
        }
    }

    /// Listens until `count` messages are known.
    async fn until(mut self, count: usize) -> Self {
        while self.messages.len() < count {
            let message = match next(&mut self.ws).await {
                ServerMessage::Update { payload, .. } | ServerMessage::Snapshot { payload, .. } => {
                    payload
                }
                _ => continue,
            };
            let Payload::ChatMessage { message, .. } = message else {
                continue;
            };
            let change = message.change_seq;
            self.messages
                .insert(message.seq, (message.id, message.body));
            if change == self.last + 1 {
                self.last = change;
            } else if change > self.last + 1 {
                self.catch_up().await;
            }
        }
        self
    }
}

#[tokio::test]
async fn twenty_concurrent_senders_every_message_stored_once_and_seen_in_one_order() {
    const SENDERS: usize = 20;
    const EACH: usize = 8;
    let app = spawn_app().await;
    let (owner, _) = new_user(&app, "attendee").await;
    let room = create_room(&app, &owner, "Rush", "public").await;
    let mut senders = Vec::new();
    for _ in 0..SENDERS {
        let (token, _) = new_user(&app, "attendee").await;
        let (status, _) = send_json(
            &app,
            Method::POST,
            &format!("/api/rooms/{room}/join"),
            Some(&token),
            None,
        )
        .await;
        assert_eq!(status, 200);
        senders.push(token);
    }
    let total = SENDERS * EACH;
    // Members listening while the messages come.
    let mut listeners = Vec::new();
    for token in [&owner, &senders[0], &senders[SENDERS - 1]] {
        let listener = Listener::new(&app, token, room).await;
        listeners.push(tokio::spawn(listener.until(total)));
    }
    let mut tasks = Vec::new();
    for (n, token) in senders.iter().enumerate() {
        let (url, client, token) = (app.url("/api/messages"), app.client.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            for k in 0..EACH {
                // Every send is made twice with one client id (a retry).
                let body = json!({ "roomId": room, "content": format!("{n}-{k}"), "clientId": format!("c{n}-{k}") });
                let mut statuses = Vec::new();
                for _ in 0..2 {
                    let response = client.post(&url).bearer_auth(&token).json(&body).send().await.unwrap();
                    statuses.push(response.status().as_u16());
                }
                assert_eq!(statuses, vec![201, 200]);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let stored: Vec<(i64, i64, String)> =
        sqlx::query_as("SELECT seq, id, body FROM chat_messages WHERE room_id = $1 ORDER BY seq")
            .bind(room)
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    assert_eq!(stored.len(), total, "each message once");
    let bodies: HashSet<&str> = stored.iter().map(|(_, _, b)| b.as_str()).collect();
    assert_eq!(bodies.len(), total);
    // Each sender's messages are in the order they were sent.
    for n in 0..SENDERS {
        let mine: Vec<usize> = stored
            .iter()
            .filter_map(|(_, _, b)| b.strip_prefix(&format!("{n}-")).map(|k| k.parse().unwrap()))
            .collect();
        assert_eq!(mine, (0..EACH).collect::<Vec<_>>());
    }
    let expected: BTreeMap<i64, (i64, String)> = stored
        .into_iter()
        .map(|(seq, id, body)| (seq, (id, body)))
        .collect();
    for listener in listeners {
        let listener = listener.await.unwrap();
        assert_eq!(
            listener.messages, expected,
            "every member sees every message, in one order"
        );
    }
}

#[tokio::test]
async fn typing_presence_unread_counts_and_removal_reach_the_right_people() {
    let app = spawn_app().await;
    let (ada, ada_id) = new_user(&app, "attendee").await;
    let (bo, bo_id) = new_user(&app, "attendee").await;
    // A direct conversation, made once.
    let (status, dm) = send_json(
        &app,
        Method::POST,
        "/api/rooms",
        Some(&ada),
        Some(json!({ "directUserId": bo_id })),
    )
    .await;
    assert_eq!(status, 201, "{dm}");
    let room = dm["id"].as_i64().unwrap();
    let (status, again) = send_json(
        &app,
        Method::POST,
        "/api/rooms",
        Some(&bo),
        Some(json!({ "directUserId": ada_id })),
    )
    .await;
    assert_eq!((status, again["id"].as_i64()), (200, Some(room)));
    assert_eq!(again["type"], "direct");
    let (status, _) = send_json(
        &app,
        Method::POST,
        "/api/rooms",
        Some(&bo),
        Some(json!({ "directUserId": bo_id })),
    )
    .await;
    assert_eq!(status, 400, "not with oneself");

    let mut ada_ws = connect(&app, Some(&ada)).await;
    follow(&mut ada_ws, format!("room:{room}")).await;
    // Bo comes online: Ada, in a room with Bo, hears it.
    let mut bo_ws = connect(&app, Some(&bo)).await;
    loop {
        if let ServerMessage::Signal {
            payload: Payload::Presence {
                user_id, presence, ..
            },
            ..
        } = next(&mut ada_ws).await
            && user_id == bo_id
        {
            assert_eq!(presence, app::live::protocol::Presence::Online);
            break;
        }
    }
    follow(&mut bo_ws, format!("user:{bo_id}")).await;
    follow(&mut bo_ws, format!("room:{room}")).await;
    // Typing reaches the other side as a signal.
    send(
        &mut ada_ws,
        ClientMessage::Typing {
            topic: format!("room:{room}"),
        },
    )
    .await;
    loop {
        if let ServerMessage::Signal {
            payload: Payload::Typing { user_id, name, .. },
            ..
        } = next(&mut bo_ws).await
        {
            assert_eq!(user_id, ada_id);
            assert!(name.starts_with("attendee"));
            break;
        }
    }
    // A message: live on the room, a notice on Bo's own topic, unread 1.
    let (_, sent) = post(&app, &ada, room, "hi Bo").await;
    let mut heard_message = false;
    let mut heard_notice = false;
    while !(heard_message && heard_notice) {
        match next(&mut bo_ws).await {
            ServerMessage::Update {
                payload: Payload::ChatMessage { message, .. },
                ..
            } => {
                assert_eq!(message.body, "hi Bo");
                heard_message = true;
            }
            ServerMessage::Update {
                payload:
                    Payload::Notice {
                        notice:
                            Notice::ChatMessage {
                                room_id, preview, ..
                            },
                    },
                ..
            } => {
                assert_eq!((room_id, preview.as_str()), (room, "hi Bo"));
                heard_notice = true;
            }
            _ => {}
        }
    }
    let (_, rooms) = send_json(&app, Method::GET, "/api/rooms", Some(&bo), None).await;
    assert_eq!(rooms["unreadTotal"], 1);
    assert_eq!(rooms["rooms"][0]["unreadCount"], 1);
    assert_eq!(rooms["rooms"][0]["type"], "direct");
    assert!(
        rooms["rooms"][0]["name"]
            .as_str()
            .unwrap()
            .starts_with("attendee"),
        "a direct conversation is named after the other person"
    );
    let (_, ada_rooms) = send_json(&app, Method::GET, "/api/rooms", Some(&ada), None).await;
    assert_eq!(ada_rooms["unreadTotal"], 0, "one's own messages are read");
    // Reading clears it, and Bo's tabs hear the new total.
    let (status, read) = send_json(
        &app,
        Method::POST,
        &format!("/api/rooms/{room}/read"),
        Some(&bo),
        Some(json!({ "seq": sent["seq"] })),
    )
    .await;
    assert_eq!((status, read["unreadTotal"].as_i64()), (200, Some(0)));
    loop {
        if let ServerMessage::Update {
            payload:
                Payload::Notice {
                    notice: Notice::ChatRead { unread_total, .. },
                },
            ..
        } = next(&mut bo_ws).await
        {
            assert_eq!(unread_total, 0);
            break;
        }
    }
    // Bo leaves: Ada hears Bo go offline.
    drop(bo_ws);
    loop {
        if let ServerMessage::Signal {
            payload: Payload::Presence {
                user_id, presence, ..
            },
            ..
        } = next(&mut ada_ws).await
            && user_id == bo_id
            && presence == app::live::protocol::Presence::Offline
        {
            break;
        }
    }
    let (_, members) = send_json(
        &app,
        Method::GET,
        &format!("/api/rooms/{room}/members"),
        Some(&ada),
        None,
    )
    .await;
    let bo_row = members
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["userId"] == bo_id)
        .unwrap()
        .clone();
    assert_eq!(bo_row["presence"], "offline");
    assert!(bo_row["lastSeenAt"].is_string());

    // In a group, a removed member's subscription ends, with the reason.
    let group = create_room(&app, &ada, "Team", "private").await;
    add(&app, &ada, group, bo_id).await;
    let mut bo_ws = connect(&app, Some(&bo)).await;
    send(&mut bo_ws, subscribe(format!("room:{group}"), None)).await;
    assert!(matches!(
        next_news(&mut bo_ws).await,
        ServerMessage::Snapshot { .. }
    ));
    let (status, _) = send_json(
        &app,
        Method::DELETE,
        &format!("/api/rooms/{group}/members/{bo_id}"),
        Some(&ada),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(matches!(
        next_news(&mut bo_ws).await,
        ServerMessage::Update { payload: Payload::RoomChanged { ref removed, .. }, .. } if removed.contains(&bo_id)
    ));
    assert!(matches!(
        next_news(&mut bo_ws).await,
        ServerMessage::Error {
            code: ErrorCode::Forbidden,
            ..
        }
    ));
    post(&app, &ada, group, "after Bo left").await;
    let (status, _) = send_json(
        &app,
        Method::GET,
        &format!("/api/messages/{group}"),
        Some(&bo),
        None,
    )
    .await;
    assert_eq!(status, 404, "a private room is closed to former members");
}

#[tokio::test]
async fn roles_leaving_and_deleting_a_room() {
    let app = spawn_app().await;
    let (owner, owner_id) = new_user(&app, "attendee").await;
    let (moderator, moderator_id) = new_user(&app, "attendee").await;
    let (member, member_id) = new_user(&app, "attendee").await;
    let room = create_room(&app, &owner, "Garden", "public").await;
    for token in [&moderator, &member] {
        send_json(
            &app,
            Method::POST,
            &format!("/api/rooms/{room}/join"),
            Some(token),
            None,
        )
        .await;
    }
    async fn role(app: &TestApp, room: i64, token: &str, user: i64, role: &str) -> u16 {
        let path = format!("/api/rooms/{room}/members/{user}");
        send_json(
            app,
            Method::PUT,
            &path,
            Some(token),
            Some(json!({ "role": role })),
        )
        .await
        .0
    }
    assert_eq!(
        role(&app, room, &member, moderator_id, "moderator").await,
        403
    );
    assert_eq!(
        role(&app, room, &owner, moderator_id, "moderator").await,
        200
    );
    assert_eq!(role(&app, room, &owner, member_id, "owner").await, 400);
    // A moderator deletes a member's message, renames, but can't remove the owner.
    let (_, message) = post(&app, &member, room, "spam").await;
    let (status, _) = send_json(
        &app,
        Method::DELETE,
        &format!("/api/messages/{}", message["id"]),
        Some(&moderator),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, renamed) = send_json(
        &app,
        Method::PUT,
        &format!("/api/rooms/{room}"),
        Some(&moderator),
        Some(json!({ "name": "Roof garden", "topic": "Plants" })),
    )
    .await;
    assert_eq!(
        (status, renamed["name"].as_str()),
        (200, Some("Roof garden"))
    );
    let (status, _) = send_json(
        &app,
        Method::PUT,
        &format!("/api/rooms/{room}"),
        Some(&member),
        Some(json!({ "name": "Mine now" })),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = send_json(
        &app,
        Method::DELETE,
        &format!("/api/rooms/{room}/members/{owner_id}"),
        Some(&moderator),
        None,
    )
    .await;
    assert_eq!(status, 403);
    // The owner leaves: the moderator owns the room now.
    let (status, _) = send_json(
        &app,
        Method::POST,
        &format!("/api/rooms/{room}/leave"),
        Some(&owner),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (_, members) = send_json(
        &app,
        Method::GET,
        &format!("/api/rooms/{room}/members"),
        Some(&member),
        None,
    )
    .await;
    let roles: Vec<(i64, &str)> = members
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["userId"].as_i64().unwrap(), m["role"].as_str().unwrap()))
        .collect();
    assert_eq!(roles, vec![(moderator_id, "owner"), (member_id, "member")]);
    // Only the owner deletes it; then it is gone for everyone.
    let (status, _) = send_json(
        &app,
        Method::DELETE,
        &format!("/api/rooms/{room}"),
        Some(&member),
        None,
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = send_json(
        &app,
        Method::DELETE,
        &format!("/api/rooms/{room}"),
        Some(&moderator),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = send_json(
        &app,
        Method::GET,
        &format!("/api/messages/{room}"),
        Some(&member),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (_, rooms) = send_json(&app, Method::GET, "/api/rooms", Some(&member), None).await;
    assert!(rooms["rooms"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_booking_has_one_thread_for_its_customer_and_provider() {
    let app = spawn_app().await;
    let (provider_token, _, service) = provider(&app).await;
    let (customer, _) = new_user(&app, "attendee").await;
    let (stranger, _) = new_user(&app, "attendee").await;
    let start = slot_in(&app, service, 30).await;
    let (status, booking) = book(&app, &customer, service, &start, None).await;
    assert_eq!(status, 201, "{booking}");
    let id = booking["id"].as_i64().unwrap();
    let (status, thread) = send_json(
        &app,
        Method::GET,
        &format!("/api/chat/{id}"),
        Some(&customer),
        None,
    )
    .await;
    assert_eq!(status, 200, "{thread}");
    assert_eq!(thread["room"]["type"], "booking");
    assert_eq!(thread["room"]["memberCount"], 2);
    let room = thread["room"]["id"].as_i64().unwrap();
    let (status, _) = post(&app, &customer, room, "Is parking easy?").await;
    assert_eq!(status, 201);
    let (status, seen) = send_json(
        &app,
        Method::GET,
        &format!("/api/chat/{id}"),
        Some(&provider_token),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(seen["room"]["id"].as_i64(), Some(room), "one thread");
    assert_eq!(seen["messages"][0]["content"], "Is parking easy?");
    let (status, _) = send_json(
        &app,
        Method::GET,
        &format!("/api/chat/{id}"),
        Some(&stranger),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = send_json(
        &app,
        Method::POST,
        &format!("/api/rooms/{room}/leave"),
        Some(&customer),
        None,
    )
    .await;
    assert_eq!(status, 409, "threads can't be left");
}

#[tokio::test]
async fn two_instances_on_one_postgresql_deliver_messages_typing_and_long_texts() {
    let a = spawn_app().await;
    if a.db.backend() != app::kernel::db::Backend::Postgres {
        eprintln!("two_instances_on_one_postgresql: needs TEST_POSTGRES_URL; skipped on SQLite");
        return;
    }
    let b = crate::helpers::spawn_instance_of(&a).await;
    let (ada, _) = new_user(&a, "attendee").await;
    let (bo, bo_id) = new_user(&a, "attendee").await;
    let room = create_room(&a, &ada, "Across", "private").await;
    add(&a, &ada, room, bo_id).await;
    // Bo follows the room on B; Ada writes and types through A.
    let mut on_b = connect(&b, Some(&bo)).await;
    follow(&mut on_b, format!("room:{room}")).await;
    follow(&mut on_b, format!("user:{bo_id}")).await;
    let mut on_a = connect(&a, Some(&ada)).await;
    follow(&mut on_a, format!("room:{room}")).await;
    let long = "é".repeat(4000);
    for text in ["short one", long.as_str()] {
        let (status, _) = post(&a, &ada, room, text).await;
        assert_eq!(status, 201);
        loop {
            if let ServerMessage::Update {
                payload: Payload::ChatMessage { message, .. },
                ..
            } = next(&mut on_b).await
                && message.body == text
            {
                break;
            }
        }
    }
    send(
        &mut on_a,
        ClientMessage::Typing {
            topic: format!("room:{room}"),
        },
    )
    .await;
    loop {
        if let ServerMessage::Signal {
            payload: Payload::Typing { .. },
            ..
        } = next(&mut on_b).await
        {
            break;
        }
    }
}

#[tokio::test]
async fn a_client_id_names_one_message_per_room_even_after_its_key_is_forgotten() {
    let app = spawn_app().await;
    let (owner, _) = new_user(&app, "attendee").await;
    let first_room = create_room(&app, &owner, "First", "public").await;
    let second_room = create_room(&app, &owner, "Second", "public").await;
    let send = |room: i64, content: &'static str| {
        send_json(
            &app,
            Method::POST,
            "/api/messages",
            Some(&owner),
            Some(json!({ "roomId": room, "content": content, "clientId": "same-id" })),
        )
    };
    // One client id may name a message in each room.
    let (status, first) = send(first_room, "hello").await;
    assert_eq!(status, 201, "{first}");
    let (status, second) = send(second_room, "hello").await;
    assert_eq!(status, 201, "{second}");
    assert_ne!(first["id"], second["id"]);
    // A day later the kernel has forgotten the keys; a retry still finds
    // its message, and the id can't name another one.
    sqlx::query("UPDATE idempotency_keys SET created_at = created_at - $1")
        .bind(app::kernel::idempotency::TTL_MS + 1)
        .execute(app.db.pool())
        .await
        .unwrap();
    let (status, again) = send(first_room, "hello").await;
    assert_eq!((status, &again["id"]), (200, &first["id"]), "{again}");
    let (status, _) = send(first_room, "something else").await;
    assert_eq!(status, 409);
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM chat_messages WHERE room_id = $1")
        .bind(first_room)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn an_order_s_chat_is_for_its_two_parties_and_looks_missing_to_anyone_else() {
    let app = spawn_app().await;
    let organizer = app.person(Role::Organizer).await;
    let buyer = app.person(Role::Attendee).await;
    let stranger = app.person(Role::Attendee).await;
    crate::helpers::deposit(&app, &buyer.token, 10_000).await;
    let event = app.event(&organizer, &[("GA", 10.0, 10)]).await;
    let order = app
        .order(&buyer, event.ticket_categories[0].id, 1)
        .await
        .expect(201);
    let open = |who: &Person, order: i64| {
        app.client
            .post(app.url("/rpc/events/order_chat"))
            .bearer_auth(&who.token)
            .form(&[("order_id", order.to_string())])
            .send()
    };
    for party in [&buyer, &organizer] {
        assert_eq!(open(party, order.id).await.unwrap().status(), 200);
    }
    let theirs = open(&stranger, order.id).await.unwrap();
    let missing = open(&stranger, order.id + 1000).await.unwrap();
    assert_eq!(
        (theirs.status().as_u16(), missing.status().as_u16()),
        (404, 404)
    );
    assert_eq!(theirs.text().await.unwrap(), missing.text().await.unwrap());
}
