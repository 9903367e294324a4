use crate::helpers::spawn_app;

#[tokio::test]
async fn the_home_page_is_rendered_on_the_server_with_the_shell() {
    let app = spawn_app().await;

    let response = app.get("/").await;

    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = response.text().await.unwrap();
    assert!(html.contains("<title>Marquee</title>"), "{html}");
    assert!(html.contains("Nothing is on yet"));
    assert!(html.contains(r#"aria-label="Main""#));
    assert!(html.contains("/pkg/marquee.css"));
    app.stop().await;
}

#[tokio::test]
async fn an_unknown_path_gets_the_404_page() {
    let app = spawn_app().await;

    let response = app.get("/no/such/page").await;

    assert_eq!(response.status(), 404);
    let html = response.text().await.unwrap();
    assert!(html.contains("Page not found"));
    assert!(html.contains("Back to the home page"));
    app.stop().await;
}

#[tokio::test]
async fn error_pages_have_a_title_like_every_page() {
    let app = spawn_app().await;

    // `new` is not an event's id: the event page answers 404.
    for path in ["/events/new", "/events/999999", "/no/such/page", "/users/x"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 404, "{path}");
        let html = response.text().await.unwrap();
        let title = html
            .split_once("<title>")
            .and_then(|(_, rest)| rest.split_once("</title>"))
            .map(|(title, _)| title.trim().to_string());
        assert!(
            title.as_ref().is_some_and(|t| !t.is_empty()),
            "{path} has no title: {title:?}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn the_status_page_shows_the_database_backend() {
    let app = spawn_app().await;

    let response = app.get("/status").await;

    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains("System status"));
    assert!(html.contains("All systems normal"), "{html}");
    assert!(html.contains(&format!("ok ({})", app.db.backend().name())));
    app.stop().await;
}
