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
        services: app::config::ServiceSettings::default(),
        chat_limits: app::rate_limit::ChatLimits::default(),
    }
}

/// A server started in this process.
pub struct Served {
    pub address: std::net::SocketAddr,
    /// `http://address`.
    pub base: String,
    pub db: app::db::Db,
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
}

/// Starts the server in this process on `config`.
pub async fn serve(config: Config) -> Served {
    let app = server::startup::Application::build(config)
        .await
        .expect("the app starts");
    let address = app.address();
    let served = Served {
        address,
        base: format!("http://{address}"),
        db: app.state().db.clone(),
        backend: app.state().db.backend().name(),
    };
    tokio::spawn(app.run_until(std::future::pending()));
    served
}

/// Creates a one-tier event a month from now; returns its id and the tier's.
pub async fn create_event(
    client: &reqwest::Client,
    base: &str,
    organizer: &str,
    name: &str,
    seats: i64,
) -> (i64, i64) {
    let starts = app::events::time::iso(app::db::now_millis() + 30 * 86_400_000);
    let event: serde_json::Value = client
        .post(format!("{base}/api/events"))
        .bearer_auth(organizer)
        .json(&serde_json::json!({
            "eventName": name, "eventCategory": "Music", "eventDate": starts,
            "ticketCategories": [{ "categoryName": "Hot", "price": 10, "totalSeats": seats }],
        }))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    let id = event["idEvent"].as_i64().expect("event id");
    let tier = event["ticketCategories"][0]["id"]
        .as_i64()
        .expect("tier id");
    (id, tier)
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

/// This process's resident memory, in KB (Linux).
pub fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
