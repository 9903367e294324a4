//! The API document against the server: every operation it lists is served
//! (the seeds' families included), and each has a unique id.

use std::collections::HashSet;

use reqwest::Method;
use serde_json::Value;

use crate::helpers::spawn_app;

#[tokio::test]
async fn every_documented_operation_is_served_and_uniquely_named() {
    let app = spawn_app().await;
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let paths = doc["paths"].as_object().expect("paths");
    let mut ids = HashSet::new();
    let mut checked = 0;
    for (path, item) in paths {
        for (method, operation) in item.as_object().expect("a path item") {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            let id = operation["operationId"].as_str().unwrap_or_default();
            assert!(
                ids.insert(id.to_string()),
                "operation id {id} twice ({path})"
            );
            let tags = operation["tags"].as_array().map(Vec::len).unwrap_or(0);
            assert!(tags > 0, "{method} {path} has no tag");
            // Every path parameter becomes 1: enough to reach the handler.
            let concrete: String = path
                .split('/')
                .map(|part| if part.starts_with('{') { "1" } else { part })
                .collect::<Vec<_>>()
                .join("/");
            let answer = app
                .client
                .request(method.clone(), app.url(&concrete))
                .send()
                .await
                .expect("the server answers");
            let status = answer.status().as_u16();
            let body = answer.text().await.unwrap_or_default();
            assert_ne!(status, 405, "{method} {path} is documented but not served");
            assert!(
                !body.contains("This API endpoint was not found"),
                "{method} {path} is documented but not served"
            );
            checked += 1;
        }
    }
    // /api's operations, and the families beside them.
    assert!(checked > 100, "only {checked} operations");
    for path in [
        "/api/v1/rooms",
        "/gateway/wallet/balance",
        "/realtime/chat/{bookingId}",
        "/api/user",
    ] {
        assert!(paths.contains_key(path), "{path} is not documented");
    }
    app.stop().await;
}
