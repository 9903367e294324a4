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
