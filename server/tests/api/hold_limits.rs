//! A person's hold limits (their open holds, their seats in one event) count
//! the holds open now: a hold that lapsed frees its share at once, before any
//! sweep, and the per-person counters the limits read follow every change.

use serde_json::Value;

use crate::helpers::{TestApp, spawn_app_with, user};
use crate::ticketing::{create_event, reserve, tier_id};

/// `(holds, seats)` counted for the person on the event, if a row exists.
async fn counted(app: &TestApp, user_id: i64, event_id: i64) -> Option<(i64, i64)> {
    sqlx::query_as("SELECT holds, seats FROM person_holds WHERE user_id = $1 AND event_id = $2")
        .bind(user_id)
        .bind(event_id)
        .fetch_optional(app.db.pool())
        .await
        .expect("the counters")
}

fn refusal(answer: &(u16, Value)) -> &str {
    assert_eq!(answer.0, 409, "{}", answer.1);
    answer.1["message"].as_str().expect("a message")
}

#[tokio::test]
async fn a_persons_limits_count_the_holds_open_now() {
    let app = spawn_app_with(|c| {
        c.ticketing.max_active_holds = 3;
        c.ticketing.max_held_per_event = 3;
    })
    .await;
    let (organizer, _) = user(&app, "organizer").await;
    let (buyer, buyer_id) = user(&app, "attendee").await;
    let first = create_event(&app, &organizer, &[("GA", 10.0, 50), ("VIP", 30.0, 50)]).await;
    let second = create_event(&app, &organizer, &[("GA", 10.0, 50)]).await;
    let first_id = first["idEvent"].as_i64().unwrap();
    let second_id = second["idEvent"].as_i64().unwrap();
    let (ga, vip, other) = (tier_id(&first, 0), tier_id(&first, 1), tier_id(&second, 0));

    let (status, lapsing) = reserve(&app, &buyer, ga, 2).await;
    assert_eq!(status, 201, "{lapsing}");
    assert_eq!(reserve(&app, &buyer, vip, 1).await.0, 201);
    assert_eq!(counted(&app, buyer_id, first_id).await, Some((2, 3)));
    let full = reserve(&app, &buyer, ga, 1).await;
    assert!(
        refusal(&full).contains("at most 3 seats of this event"),
        "{}",
        full.1
    );

    // The two-seat hold lapses (moved into the past instead of waiting):
    // its seats stop counting against the person at once.
    sqlx::query("UPDATE holds SET expires_at = $1 WHERE id = $2")
        .bind(app::kernel::time::now_millis() - 1)
        .bind(lapsing["lockId"].as_str().expect("a lock id"))
        .execute(app.db.pool())
        .await
        .unwrap();
    assert_eq!(reserve(&app, &buyer, ga, 2).await.0, 201, "room again");
    let full = reserve(&app, &buyer, vip, 1).await;
    assert!(refusal(&full).contains("you hold 3"), "{}", full.1);
    assert_eq!(
        counted(&app, buyer_id, first_id).await,
        Some((3, 5)),
        "the lapsed hold is counted until it is swept"
    );

    // Two holds open on the first event and one on the second: three.
    assert_eq!(reserve(&app, &buyer, other, 1).await.0, 201);
    let many = reserve(&app, &buyer, other, 1).await;
    assert!(
        refusal(&many).contains("You already have 3 seat holds open"),
        "{}",
        many.1
    );

    let swept = app::events::sweeper::sweep(&app.db).await.unwrap();
    assert_eq!(swept.holds_expired, 1);
    assert_eq!(counted(&app, buyer_id, first_id).await, Some((2, 3)));
    assert_eq!(counted(&app, buyer_id, second_id).await, Some((1, 1)));
    assert_eq!(reserve(&app, &buyer, other, 1).await.0, 409, "still three");

    // Cancelling the first event ends its holds: the person holds only the
    // second's, and may hold two more.
    let (status, body) = crate::helpers::send_json(
        &app,
        reqwest::Method::POST,
        &format!("/api/events/{first_id}/cancel"),
        Some(&organizer),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(counted(&app, buyer_id, first_id).await, None);
    assert_eq!(reserve(&app, &buyer, other, 1).await.0, 201);
    assert_eq!(reserve(&app, &buyer, other, 1).await.0, 201);
    assert_eq!(counted(&app, buyer_id, second_id).await, Some((3, 3)));
    app.stop().await;
}
