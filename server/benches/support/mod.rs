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
        page_cache: std::time::Duration::from_secs(1),
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
        streams: app::config::StreamSettings::default(),
        test_cards: true,
    }
}

/// A server started in this process.
pub struct Served {
    pub address: std::net::SocketAddr,
    /// `http://address`.
    pub base: String,
    pub db: app::kernel::db::Db,
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
    let starts = app::kernel::time::iso(app::kernel::time::now_millis() + 30 * 86_400_000);
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
    rss_kb_of("/proc/self/status")
}

fn rss_kb_of(status: &str) -> u64 {
    std::fs::read_to_string(status)
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// The session key every benchmark instance shares (so a token issued by
/// one, or by the benchmark itself, is good on all).
pub const SECRET: &str = "benchmark-only-secret-benchmark-only-secret";

/// A `marquee` server in a process of its own (its memory and file
/// descriptors apart from the benchmark's), on a free loopback port, with
/// rate limits out of the way. Killed when dropped.
pub struct Instance {
    pub address: std::net::SocketAddr,
    /// `http://address`.
    pub base: String,
    pub pid: u32,
    _child: tokio::process::Child,
}

impl Instance {
    /// Starts the release `marquee` binary (or the one `MARQUEE_BIN` names,
    /// e.g. an earlier build, for a before/after) on `database_url`,
    /// keeping its SQLite file (if any) and secret in `data_dir`;
    /// `settings` are more environment variables.
    pub async fn start(data_dir: &Path, database_url: &str, settings: &[(&str, &str)]) -> Self {
        use tokio::io::{AsyncBufReadExt, BufReader};
        let binary =
            std::env::var_os("MARQUEE_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_marquee").into());
        let mut command = tokio::process::Command::new(binary);
        command
            .current_dir(data_dir)
            .env("DATABASE_URL", database_url)
            .env("MARQUEE_DATA_DIR", data_dir)
            .env("MARQUEE_JWT_SECRET", SECRET)
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .env("MARQUEE_AUTH_RATE_PER_IP", "1000000")
            .env("MARQUEE_AUTH_RATE_PER_ACCOUNT", "1000000")
            .env("RUST_LOG", "warn,marquee=info")
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true);
        for (key, value) in settings {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("the marquee binary starts");
        let pid = child.id().expect("a pid");
        // The line announcing the address says it is ready; the rest is
        // read on so the pipe never fills.
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let address = loop {
            let line = lines
                .next_line()
                .await
                .expect("the server's output")
                .expect("the server announces its address before exiting");
            if let Some(rest) = line.split("listening on http://").nth(1) {
                let address = rest.split_whitespace().next().unwrap_or_default();
                break address.parse().expect("an address");
            }
        };
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Self {
            address,
            base: format!("http://{address}"),
            pid,
            _child: child,
        }
    }

    /// One instance on `BENCH_DATABASE_URL`, or two sharing it when it is
    /// PostgreSQL (each with a data directory of its own), or one on a new
    /// SQLite file in `dir`: the instances and the database's URL.
    pub async fn start_all(dir: &Path, settings: &[(&str, &str)]) -> (Vec<Self>, String) {
        let url = std::env::var("BENCH_DATABASE_URL")
            .unwrap_or_else(|_| Config::default_database_url(dir));
        let mut instances = vec![Self::start(dir, &url, settings).await];
        if url.starts_with("postgres") {
            let second = dir.join("second");
            std::fs::create_dir_all(&second).expect("a data dir");
            instances.push(Self::start(&second, &url, settings).await);
        }
        (instances, url)
    }

    /// The server's resident memory, in KB.
    pub fn rss_kb(&self) -> u64 {
        rss_kb_of(&format!("/proc/{}/status", self.pid))
    }
}

/// A websocket to `address` + `path`, from one of several loopback source
/// addresses (200 connections each; the server allows 256 per address, and
/// each address has its own ephemeral ports).
pub async fn connect_ws(
    address: std::net::SocketAddr,
    path: &str,
    i: usize,
) -> tokio_tungstenite::WebSocketStream<tokio::net::TcpStream> {
    use std::net::{IpAddr, Ipv4Addr, SocketAddr};
    let source = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2 + (i / 200) as u8));
    let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
    socket
        .bind(SocketAddr::new(source, 0))
        .expect("bind a source address");
    let stream = socket.connect(address).await.expect("connect");
    // Messages here are small; the library's default read buffer (128 KiB)
    // would make every read of ten thousand clients slow (and large).
    let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .read_buffer_size(4 * 1024);
    let (ws, _) = tokio_tungstenite::client_async_with_config(
        format!("ws://{address}{path}"),
        stream,
        Some(config),
    )
    .await
    .expect("upgrade");
    ws
}

/// Milliseconds, for printing.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// `p50=… p99=… p99.9=… max=…` of sorted samples.
pub fn latency_line(sorted: &[Duration]) -> String {
    if sorted.is_empty() {
        return "no samples".into();
    }
    format!(
        "p50={:.1} ms p99={:.1} ms p99.9={:.1} ms max={:.1} ms",
        ms(percentile(sorted, 0.50)),
        ms(percentile(sorted, 0.99)),
        ms(percentile(sorted, 0.999)),
        ms(sorted[sorted.len() - 1]),
    )
}

/// `count` attendees with sessions, made straight in the database (signing
/// up thousands would measure argon2): their ids and access tokens, good
/// on every instance started with [`SECRET`].
pub async fn people(db: &app::kernel::db::Db, count: usize, tag: &str) -> Vec<(i64, String)> {
    let secret = app::config::JwtSecret::new(SECRET.as_bytes().to_vec()).expect("a secret");
    let now = app::kernel::time::now_millis();
    let mut people = Vec::with_capacity(count);
    for i in 0..count {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO users (email, display_name, password_hash, role, created_at, updated_at) \
             VALUES ($1, $2, 'not-a-hash', 'attendee', $3, $3) RETURNING id",
        )
        .bind(format!("p{i}-{tag}@bench.example"))
        .bind(format!("Person {i}"))
        .bind(now)
        .fetch_one(db.pool())
        .await
        .expect("a person");
        let session = app::accounts::tokens::new_session_id();
        sqlx::query(
            "INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&session)
        .bind(id)
        .bind(now)
        .bind(now + 86_400_000)
        .execute(db.pool())
        .await
        .expect("a session");
        let (token, _) =
            app::accounts::tokens::issue_access(&secret, id, &session, "attendee", now)
                .expect("a token");
        people.push((id, token));
    }
    people
}
