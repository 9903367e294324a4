//! Pages kept for visitors who are not signed in (`page_cache`): a kept page
//! is sent with `Age` and a nonce of its own; every change the hub hears of
//! (an edit, a hold, here or on another instance) and the end of its time
//! make the next visitor's page a fresh render; nobody with a cookie or a
//! token, and no error page, is ever sent a kept one.

use std::time::Duration;

use serde_json::json;

use crate::helpers::{TestApp, spawn_app_with, spawn_instance_with, until, user};
use crate::ticketing::{create_event, edit, reserve, tier_id};

/// One answer as a browser gets it.
struct Page {
    status: u16,
    /// Whether it was a kept page (it carries `Age`).
    kept: bool,
    nonce: String,
    body: String,
}

async fn page(app: &TestApp, path: &str, header: Option<(&str, &str)>) -> Page {
    let mut request = app.client.get(app.url(path));
    if let Some((name, value)) = header {
        request = request.header(name, value);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    let kept = response.headers().contains_key("age");
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let nonce = nonce_of(&policy);
    let body = response.text().await.unwrap();
    Page {
        status,
        kept,
        nonce,
        body,
    }
}

/// The nonce a page policy allows (empty if none).
fn nonce_of(policy: &str) -> String {
    policy
        .split_once("'nonce-")
        .and_then(|(_, rest)| rest.split_once('\''))
        .map(|(nonce, _)| nonce.to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_kept_page_is_sent_again_with_a_nonce_of_its_own_until_something_changes() {
    let app = spawn_app_with(|c| c.page_cache = Duration::from_secs(600)).await;
    listening(&app).await;
    let (organizer, _) = user(&app, "organizer").await;
    let (buyer, _) = user(&app, "attendee").await;
    let event = create_event(&app, &organizer, &[("GA", 10.0, 10)]).await;
    let event_id = event["idEvent"].as_i64().unwrap();

    let (first, second) = rendered_then_kept(&app, "/events").await;
    assert_eq!(first.status, 200);
    assert!(!first.kept, "the first visitor's page is rendered");
    assert!(first.body.contains("Summer Music Festival"));
    assert!(first.nonce.len() >= 16, "a page policy with a nonce");
    assert!(first.body.contains(&format!("nonce=\"{}\"", first.nonce)));

    assert!(second.kept, "the next one is sent the kept page");
    assert_ne!(second.nonce, first.nonce, "never the same nonce twice");
    assert!(!second.body.contains(&first.nonce));
    assert_eq!(
        second.body,
        first.body.replace(&first.nonce, &second.nonce),
        "the same page, with its own nonce in the body as in the policy"
    );

    // Anyone with a cookie or a token gets a page of their own.
    assert!(
        !page(&app, "/events", Some(("cookie", "lang=en")))
            .await
            .kept
    );
    let bearer = format!("Bearer {buyer}");
    assert!(
        !page(&app, "/events", Some(("authorization", &bearer)))
            .await
            .kept
    );
    // Another address is another page; an error page is never kept.
    let (summer, _) = rendered_then_kept(&app, "/events?q=summer").await;
    assert!(summer.body.contains("Summer Music Festival"));
    for _ in 0..2 {
        let missing = page(&app, "/no/such/page", None).await;
        assert_eq!(missing.status, 404);
        assert!(!missing.kept);
    }

    // An edit shows to the very next visitor.
    edit(
        &app,
        &organizer,
        event_id,
        json!({ "eventName": "Renamed Night" }),
    )
    .await;
    let edited = page(&app, "/events", None).await;
    assert!(!edited.kept, "rendered again after the edit");
    assert!(edited.body.contains("Renamed Night"));
    assert!(!edited.body.contains("Summer Music Festival"));

    // So does a hold on the event's page.
    let path = format!("/events/{event_id}");
    rendered_then_kept(&app, &path).await;
    assert_eq!(reserve(&app, &buyer, tier_id(&event, 0), 3).await.0, 201);
    assert!(
        !page(&app, &path, None).await.kept,
        "rendered again after the hold"
    );
}

#[tokio::test]
async fn a_page_is_kept_no_longer_than_its_time_and_not_at_all_when_turned_off() {
    let app = spawn_app_with(|c| c.page_cache = Duration::from_millis(300)).await;
    listening(&app).await;
    until_kept(&app, "/events").await;
    // Nothing changes here: only the time that passes ends the kept page.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(!page(&app, "/events", None).await.kept, "its time is over");

    let off = spawn_app_with(|c| c.page_cache = Duration::ZERO).await;
    for _ in 0..3 {
        assert!(!page(&off, "/events", None).await.kept);
    }
}

#[tokio::test]
async fn another_instance_s_edit_shows_in_the_next_page_once_its_news_arrives() {
    let a = spawn_app_with(|c| c.page_cache = Duration::from_secs(600)).await;
    if a.db.backend() != app::kernel::db::Backend::Postgres {
        eprintln!("another_instance_s_edit: needs TEST_POSTGRES_URL; skipped on SQLite");
        return;
    }
    let b = spawn_instance_with(&a, |c| c.page_cache = Duration::from_secs(600)).await;
    let (organizer, _) = user(&a, "organizer").await;
    let event = create_event(&a, &organizer, &[("GA", 10.0, 10)]).await;
    let event_id = event["idEvent"].as_i64().unwrap();
    listening(&b).await;
    // B keeps its page (it may have to render twice if A's news of the new
    // event arrives in between).
    until_kept(&b, "/events").await;
    let before = b.state.live.freshness().all_stamp();

    edit(
        &a,
        &organizer,
        event_id,
        json!({ "eventName": "Renamed Elsewhere" }),
    )
    .await;
    until("B never heard of A's edit", || {
        b.state.live.freshness().all_stamp() != before
    })
    .await;
    let after = page(&b, "/events", None).await;
    assert!(!after.kept, "B renders again");
    assert!(after.body.contains("Renamed Elsewhere"));
}

/// Waits until pages may be kept: at once on SQLite, once the bus listens
/// on PostgreSQL.
async fn listening(app: &TestApp) {
    until("the bus never listened", || {
        app.state.live.freshness().all_stamp().is_some()
    })
    .await;
}

/// A rendered page and the kept one sent right after it. On PostgreSQL an
/// instance hears its own changes back from the bus a moment later (each
/// moves the stamps once more), so a change made just before may make the
/// next page a fresh render too: asks until a render is followed by a kept
/// page (at most ten times).
async fn rendered_then_kept(app: &TestApp, path: &str) -> (Page, Page) {
    let mut previous = page(app, path, None).await;
    for _ in 0..10 {
        let next = page(app, path, None).await;
        if !previous.kept && next.kept {
            return (previous, next);
        }
        previous = next;
    }
    panic!("{path} was never kept");
}

/// Asks for `path` until it comes back kept (at most ten times).
async fn until_kept(app: &TestApp, path: &str) {
    for _ in 0..10 {
        if page(app, path, None).await.kept {
            return;
        }
    }
    panic!("{path} was never kept");
}

#[tokio::test]
async fn a_kept_page_goes_to_a_browser_gzipped_once_with_its_own_nonce_spliced_in() {
    use std::io::Read;

    let app = spawn_app_with(|c| c.page_cache = Duration::from_secs(600)).await;
    listening(&app).await;
    let plain = page(&app, "/events", None).await;
    assert!(!plain.kept);

    for round in 0..2 {
        let response = app
            .client
            .get(app.url("/events"))
            .header("accept-encoding", "gzip, deflate, br, zstd")
            .send()
            .await
            .expect("the server answers");
        assert_eq!(response.status(), 200);
        let headers = response.headers().clone();
        assert!(headers.contains_key("age"), "round {round}: a kept page");
        assert_eq!(headers["content-encoding"], "gzip");
        let nonce = nonce_of(headers["content-security-policy"].to_str().unwrap());
        assert!(nonce.len() >= 16, "a page policy with a nonce");
        assert_ne!(nonce, plain.nonce);
        let bytes = response.bytes().await.unwrap();
        let mut body = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut body)
            .expect("a whole gzip stream");
        assert_eq!(
            body,
            plain.body.replace(&plain.nonce, &nonce),
            "the kept page with this answer's nonce in every place"
        );
        assert!(
            bytes.len() * 2 < body.len(),
            "compressed: {} of {}",
            bytes.len(),
            body.len()
        );
    }

    // A client that takes no gzip gets the page as it is.
    let identity = page(&app, "/events", Some(("accept-encoding", "identity"))).await;
    assert!(identity.kept);
    assert_eq!(
        identity.body,
        plain.body.replace(&plain.nonce, &identity.nonce)
    );
}
