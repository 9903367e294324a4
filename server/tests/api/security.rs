use crate::helpers::{spawn_app, spawn_app_with};

#[tokio::test]
async fn pages_carry_a_csp_whose_nonce_matches_the_inline_scripts() {
    let app = spawn_app().await;

    let response = app.get("/").await;

    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("the policy has a nonce")
        .to_string();
    assert!(nonce.len() >= 16);
    let html = response.text().await.unwrap();
    assert!(
        html.contains(&format!(r#"nonce="{nonce}""#)),
        "the hydration script carries the header's nonce"
    );

    // A fresh nonce for every response.
    let again = app.get("/").await;
    let csp_again = again.headers()["content-security-policy"].to_str().unwrap();
    assert!(!csp_again.contains(&nonce));
    app.stop().await;
}

#[tokio::test]
async fn every_response_has_the_security_headers_and_a_request_id() {
    let app = spawn_app().await;

    for path in [
        "/",
        "/health",
        "/missing",
        "/api/events",
        "/api/events/999999",
    ] {
        let response = app.get(path).await;
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert!(
            headers["permissions-policy"]
                .to_str()
                .unwrap()
                .contains("geolocation=(self)"),
            "{path}"
        );
        if path.starts_with("/api/") {
            assert_eq!(
                headers["content-security-policy"],
                server::middleware::DEFAULT_CSP,
                "{path}"
            );
        }
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'"),
            "{path}"
        );
        assert_eq!(headers["x-request-id"].len(), 16, "{path}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413() {
    let app = spawn_app_with(|config| config.body_limit = 1024).await;

    let response = app
        .client
        .post(app.url("/rpc/system/status"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![b'a'; 4096])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 413);
    app.stop().await;
}

#[tokio::test]
async fn html_is_compressed_for_clients_that_accept_it() {
    let app = spawn_app().await;

    let response = app
        .client
        .get(app.url("/"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();

    assert_eq!(response.headers()["content-encoding"], "gzip");
    app.stop().await;
}
