//! What the benchmarks share: a configuration for an in-process server on
//! a free loopback port, with rate limits out of the way, and the helpers
//! to start it and sign people up. (Each benchmark uses some of them.)
#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use app::config::{Config, Environment, JwtSecret, TicketingLimits};
use app::rate_limit::AuthLimits;
use leptos::config::LeptosOptions;

pub fn config(data_dir: &Path, database_url: String, ticketing: TicketingLimits) -> Config {
    Config {
        environment: Environment::Development,
        data_dir: data_dir.to_path_buf(),
        database_url,
        site_addr: "127.0.0.1:0".parse().expect("an address"),
        jwt_secret: JwtSecret::new(vec![7u8; 32]).expect("a secret"),
        request_timeout: Duration::from_secs(30),
        body_limit: 1 << 20,
        leptos_options: LeptosOptions::builder().output_name("marquee").build(),
        allowed_origins: Vec::new(),
        auth_limits: AuthLimits {
            per_ip_per_minute: 1_000_000,
            per_account_per_minute: 1_000_000,
        },
        trust_proxy: false,
        ticketing,
        wallet: app::config::WalletSettings::default(),
    }
}

/// Starts the server in this process on `config`; returns its base URL,
/// its database and the backend's name.
pub async fn serve(config: Config) -> (String, app::db::Db, &'static str) {
    let app = server::startup::Application::build(config)
        .await
        .expect("the app starts");
    let backend = app.state().db.backend().name();
    let db = app.state().db.clone();
    let base = format!("http://{}", app.address());
    tokio::spawn(app.run_until(std::future::pending()));
    (base, db, backend)
}

/// Signs a new person up; returns their access token.
pub async fn register(client: &reqwest::Client, base: &str, email: &str, role: &str) -> String {
    let response = client
        .post(format!("{base}/api/auth/register"))
        .json(&serde_json::json!({ "username": email, "password": "correct horse battery", "role": role }))
        .send()
        .await
        .expect("register");
    assert_eq!(response.status(), 201);
    let body: serde_json::Value = response.json().await.expect("json");
    body["access_token"].as_str().expect("token").to_string()
}

/// The p-th percentile of sorted samples.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}
