//! Event reads served from memory (`events::cache`) stay exact: every hold,
//! release, order and edit shows at once, a hold that lapses frees its seats
//! the moment it lapses (no sweep, no change announced), and a change made
//! through another instance on PostgreSQL shows once its bus news arrives.
//! Listings too: every new, edited, published, cancelled or deleted event
//! and every seat shows in the next page, and an event leaves the upcoming
//! ones the moment it ends.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, send_json, spawn_app_with, spawn_instance_of, until, user};
use crate::ticketing::{create_draft, create_event, edit, reserve, tier_id, time_passes};

async fn available(app: &TestApp, event_id: i64) -> i64 {
    let (status, body) = send_json(
        app,
        Method::GET,
        &format!("/api/events/{event_id}"),
        None,
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["ticketCategories"][0]["availableSeats"]
        .as_i64()
        .expect("availableSeats")
}

#[tokio::test]
async fn every_change_and_every_lapse_shows_in_the_next_read() {
    let app = spawn_app_with(|c| {
        c.ticketing.hold_ttl = Duration::from_millis(1_500);
        // No sweep during the test: a lapse must show without one.
        c.ticketing.sweep_interval = Duration::from_secs(3_600);
    })
    .await;
    let (organizer, _) = user(&app, "organizer").await;
    let (buyer, _) = user(&app, "attendee").await;
    let event = create_event(&app, &organizer, &[("GA", 10.0, 10)]).await;
    let event_id = event["idEvent"].as_i64().unwrap();
    let tier = tier_id(&event, 0);

    assert_eq!(available(&app, event_id).await, 10);
    assert_eq!(available(&app, event_id).await, 10, "read twice, the same");
    let (status, hold) = reserve(&app, &buyer, tier, 3).await;
    assert_eq!(status, 201, "{hold}");
    assert_eq!(available(&app, event_id).await, 7, "a hold shows at once");
    let (status, _) = send_json(
        &app,
        Method::POST,
        "/api/events/tickets/release",
        Some(&buyer),
        Some(json!({ "lockId": hold["lockId"] })),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        available(&app, event_id).await,
        10,
        "a release shows at once"
    );

    // An edit shows at once too.
    edit(
        &app,
        &organizer,
        event_id,
        json!({ "eventName": "Renamed Night" }),
    )
    .await;
    let (_, read) = send_json(
        &app,
        Method::GET,
        &format!("/api/events/{event_id}"),
        None,
        None,
    )
    .await;
    assert_eq!(read["eventName"], "Renamed Night");

    // A hold lapses with nothing announced: once its time is up, the next
    // read has the seats back.
    let (status, hold) = reserve(&app, &buyer, tier, 2).await;
    assert_eq!(status, 201, "{hold}");
    assert_eq!(available(&app, event_id).await, 8);
    let expires_at = app::kernel::time::parse_iso("expiresAt", hold["expiresAt"].as_str().unwrap())
        .expect("an ISO expiry");
    let wait = expires_at - app::kernel::time::now_millis() + 5;
    if wait > 0 {
        // Waiting for the clock, not for the server.
        tokio::time::sleep(Duration::from_millis(wait as u64)).await;
    }
    assert_eq!(
        available(&app, event_id).await,
        10,
        "a lapsed hold counts no more"
    );
    let (active,): (i64,) =
        sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT) FROM holds WHERE status = 'active'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(active, 1, "not swept: the lapse was seen without the sweep");
}

/// Each listed event's id, name and first tier's seats, as `path` lists them.
async fn listed(app: &TestApp, path: &str) -> Vec<(i64, String, i64)> {
    let (status, body) = send_json(app, Method::GET, path, None, None).await;
    assert_eq!(status, 200, "{body}");
    body.as_array()
        .expect("a list")
        .iter()
        .map(|e| {
            (
                e["idEvent"].as_i64().expect("idEvent"),
                e["eventName"].as_str().expect("eventName").to_string(),
                e["ticketCategories"][0]["availableSeats"]
                    .as_i64()
                    .expect("availableSeats"),
            )
        })
        .collect()
}

#[tokio::test]
async fn every_change_of_the_catalog_and_every_passing_event_shows_in_the_next_listing() {
    let app = spawn_app_with(|c| {
        c.ticketing.sweep_interval = Duration::from_secs(3_600);
    })
    .await;
    let (organizer, _) = user(&app, "organizer").await;
    let (buyer, _) = user(&app, "attendee").await;
    assert_eq!(listed(&app, "/api/events").await, vec![]);

    let event = create_event(&app, &organizer, &[("GA", 10.0, 10)]).await;
    let a = event["idEvent"].as_i64().unwrap();
    let name = "Summer Music Festival".to_string();
    assert_eq!(
        listed(&app, "/api/events").await,
        vec![(a, name.clone(), 10)]
    );
    assert_eq!(
        listed(&app, "/api/events").await,
        vec![(a, name.clone(), 10)],
        "listed twice, the same"
    );

    let (status, hold) = reserve(&app, &buyer, tier_id(&event, 0), 3).await;
    assert_eq!(status, 201, "{hold}");
    assert_eq!(listed(&app, "/api/events").await, vec![(a, name, 7)]);
    edit(&app, &organizer, a, json!({ "eventName": "Renamed Night" })).await;
    let renamed = vec![(a, "Renamed Night".to_string(), 7)];
    assert_eq!(listed(&app, "/api/events").await, renamed);
    assert_eq!(listed(&app, "/api/events?q=renamed").await, renamed);

    let draft = create_draft(&app, &organizer).await;
    assert_eq!(
        listed(&app, "/api/events").await,
        renamed,
        "a draft is not listed"
    );
    edit(&app, &organizer, draft, json!({ "isActive": true })).await;
    let both = listed(&app, "/api/events?sort=newest").await;
    assert_eq!(both.len(), 2, "published: {both:?}");
    assert_eq!(both[0].0, draft);

    let (status, body) = send_json(
        &app,
        Method::POST,
        &format!("/api/events/{a}/cancel"),
        Some(&organizer),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let left = listed(&app, "/api/events?sort=newest").await;
    assert_eq!(
        left.iter().map(|e| e.0).collect::<Vec<_>>(),
        vec![draft],
        "cancelled"
    );
    let (status, _) = send_json(
        &app,
        Method::DELETE,
        &format!("/api/events/{draft}"),
        Some(&organizer),
        None,
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(
        listed(&app, "/api/events?sort=newest").await,
        vec![],
        "deleted"
    );

    // An event about to end: listed, then past the moment it ends, with
    // nothing announced in between.
    let event = create_event(&app, &organizer, &[("GA", 10.0, 10)]).await;
    let b = event["idEvent"].as_i64().unwrap();
    let ends_at = time_passes(&app, b, -1_500).await;
    assert_eq!(listed(&app, "/api/events").await.len(), 1, "still upcoming");
    assert_eq!(listed(&app, "/api/events?when=past").await, vec![]);
    let wait = ends_at - app::kernel::time::now_millis() + 5;
    if wait > 0 {
        // Waiting for the clock, not for the server.
        tokio::time::sleep(Duration::from_millis(wait as u64)).await;
    }
    assert_eq!(listed(&app, "/api/events").await, vec![], "ended");
    let past = listed(&app, "/api/events?when=past").await;
    assert_eq!(past.iter().map(|e| e.0).collect::<Vec<_>>(), vec![b]);
}

#[tokio::test]
async fn another_instance_s_new_event_is_listed_once_its_news_arrives() {
    let a = spawn_app_with(|_| {}).await;
    if a.db.backend() != app::kernel::db::Backend::Postgres {
        eprintln!("another_instance_s_new_event: needs TEST_POSTGRES_URL; skipped on SQLite");
        return;
    }
    let b = spawn_instance_of(&a).await;
    let (organizer, _) = user(&a, "organizer").await;
    until("B's bus never listened", || {
        b.state.live.freshness().catalog_stamp().is_some()
    })
    .await;
    assert_eq!(listed(&b, "/api/events").await, vec![], "kept by B");
    let before = b.state.live.freshness().catalog_stamp();

    let event = create_event(&a, &organizer, &[("GA", 10.0, 10)]).await;
    until("B never heard of A's event", || {
        b.state.live.freshness().catalog_stamp() != before
    })
    .await;
    let listed_by_b = listed(&b, "/api/events").await;
    assert_eq!(listed_by_b.len(), 1, "B lists A's event");
    assert_eq!(listed_by_b[0].0, event["idEvent"].as_i64().unwrap());
}

#[tokio::test]
async fn another_instance_s_hold_shows_once_its_news_arrives() {
    let a = spawn_app_with(|_| {}).await;
    if a.db.backend() != app::kernel::db::Backend::Postgres {
        eprintln!("another_instance_s_hold: needs TEST_POSTGRES_URL; skipped on SQLite");
        return;
    }
    let b = spawn_instance_of(&a).await;
    let (organizer, _) = user(&a, "organizer").await;
    let (buyer, _) = user(&a, "attendee").await;
    let event = create_event(&a, &organizer, &[("GA", 10.0, 10)]).await;
    let event_id = event["idEvent"].as_i64().unwrap();
    let tier = tier_id(&event, 0);
    let topic = app::live::protocol::Topic::Event(event_id);

    // B's bus listens (stamps are only given then), and B keeps the event.
    until("B's bus never listened", || {
        b.state.live.freshness().stamp(topic).is_some()
    })
    .await;
    assert_eq!(available(&b, event_id).await, 10);
    let before = b.state.live.freshness().stamp(topic);

    assert_eq!(reserve(&a, &buyer, tier, 4).await.0, 201);
    until("B never heard of A's hold", || {
        b.state.live.freshness().stamp(topic) != before
    })
    .await;
    assert_eq!(available(&b, event_id).await, 6, "B reads A's hold");
}

#[tokio::test]
async fn a_draft_read_by_its_organizer_stays_hidden_from_everyone_else() {
    let app = crate::helpers::spawn_app().await;
    let (organizer, _) = user(&app, "organizer").await;
    let (someone, _) = user(&app, "attendee").await;
    let draft_id = create_draft(&app, &organizer).await;
    let path = format!("/api/events/{draft_id}");

    // The organizer's read is kept (and its body encoded) ...
    for _ in 0..2 {
        let (status, body) = send_json(&app, Method::GET, &path, Some(&organizer), None).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["eventName"], "Secret");
    }
    // ... and is no one else's to see.
    for token in [None, Some(someone.as_str())] {
        let (status, body) = send_json(&app, Method::GET, &path, token, None).await;
        assert_eq!(status, 404, "{body}");
        assert!(body.get("eventName").is_none(), "{body}");
    }
}
