//! CORS: the origins of `MARQUEE_ALLOWED_ORIGINS` may call the JSON API and
//! the seeds' families from a browser; nobody may by default.

use reqwest::Method;

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

const SEED_CLIENT: &str = "http://localhost:4200";

async fn preflight(app: &TestApp, path: &str, origin: &str) -> reqwest::Response {
    app.client
        .request(Method::OPTIONS, app.url(path))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type,idempotency-key",
        )
        .send()
        .await
        .expect("the server answers")
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn a_configured_origin_may_call_the_api_and_the_families_from_a_browser() {
    let app = spawn_app_with(|config| config.allowed_origins = vec![SEED_CLIENT.into()]).await;
    for path in [
        "/api/auth/login",
        "/api/v1/auth/login",
        "/gateway/auth/login",
        "/realtime/health",
    ] {
        let answer = preflight(&app, path, SEED_CLIENT).await;
        assert!(answer.status().is_success(), "{path}: {}", answer.status());
        assert_eq!(
            header(&answer, "access-control-allow-origin"),
            Some(SEED_CLIENT),
            "{path}"
        );
        let allowed = header(&answer, "access-control-allow-headers").unwrap_or_default();
        assert!(
            allowed.contains("authorization") && allowed.contains("idempotency-key"),
            "{allowed}"
        );
        assert_eq!(header(&answer, "access-control-max-age"), Some("600"));
        // Cookies never cross origins: Bearer tokens do.
        assert_eq!(header(&answer, "access-control-allow-credentials"), None);
    }
    // The actual request carries the origin back, and a login from there works.
    let login = app
        .client
        .post(app.url("/api/auth/login"))
        .header("origin", SEED_CLIENT)
        .json(
            &serde_json::json!({ "username": "nobody@example.com", "password": "wrong password" }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 401);
    assert_eq!(
        header(&login, "access-control-allow-origin"),
        Some(SEED_CLIENT)
    );

    // Another origin is not let in, and pages never answer CORS at all.
    let other = preflight(&app, "/api/auth/login", "http://evil.example").await;
    assert_eq!(header(&other, "access-control-allow-origin"), None);
    let page = app
        .client
        .get(app.url("/"))
        .header("origin", SEED_CLIENT)
        .send()
        .await
        .unwrap();
    assert_eq!(header(&page, "access-control-allow-origin"), None);
    app.stop().await;
}

#[tokio::test]
async fn without_configured_origins_no_browser_elsewhere_may_call() {
    let app = spawn_app().await;
    let answer = preflight(&app, "/api/auth/login", SEED_CLIENT).await;
    assert_eq!(header(&answer, "access-control-allow-origin"), None);
    // And a cross-site post with no token is refused outright.
    let post = app
        .client
        .post(app.url("/api/orders"))
        .header("origin", SEED_CLIENT)
        .json(&serde_json::json!({ "categoryId": 1, "quantity": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 403);
    app.stop().await;
}
