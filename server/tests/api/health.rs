use crate::helpers::spawn_app;

#[tokio::test]
async fn health_answers_200_with_status_version_database_and_uptime() {
    let app = spawn_app().await;

    let response = app.get("/health").await;

    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert!(body["uptimeSeconds"].is_u64(), "{body}");
    let expected_backend = if std::env::var("TEST_POSTGRES_URL").is_ok_and(|u| !u.is_empty()) {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(body["backend"], expected_backend);
    app.stop().await;
}

#[tokio::test]
async fn health_answers_503_when_the_database_is_gone() {
    let app = spawn_app().await;
    app.db.close().await;

    let response = app.get("/health").await;

    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["database"], "unavailable");
}

#[tokio::test]
async fn the_status_server_function_answers_under_rpc() {
    let app = spawn_app().await;

    let response = app
        .client
        .post(app.url("/rpc/system/status"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["database"], "ok");
    app.stop().await;
}

#[tokio::test]
async fn a_second_start_on_the_same_database_applies_no_migration_twice() {
    let app = spawn_app().await;

    let db = app::kernel::db::Db::connect(&app.database_url)
        .await
        .unwrap();
    db.migrate().await.unwrap();

    let (applied,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations/sqlite"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "sql")
        })
        .count();
    assert_eq!(applied, i64::try_from(files).unwrap());
    db.close().await;
    app.stop().await;
}
