use std::net::SocketAddr;
use std::time::Duration;

use app::config::{Config, Environment, JwtSecret};
use app::kernel::db::Db;
use leptos::config::LeptosOptions;
use sqlx::{Connection, Executor, PgConnection};
use tokio::sync::oneshot;

pub struct TestApp {
    pub address: SocketAddr,
    pub state: app::state::AppState,
    pub client: reqwest::Client,
    pub db: Db,
    pub database_url: String,
    pub _data_dir: tempfile::TempDir,
    postgres: Option<PostgresDatabase>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("the server answers")
    }

    /// A request with `Authorization: Bearer`.
    pub fn bearer(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
    ) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(token)
    }

    /// `GET` with a Bearer token: the status and the JSON body.
    pub async fn get_json(&self, path: &str, token: &str) -> (u16, serde_json::Value) {
        let response = self
            .bearer(reqwest::Method::GET, path, token)
            .send()
            .await
            .expect("the server answers");
        let status = response.status().as_u16();
        (
            status,
            response.json().await.unwrap_or(serde_json::Value::Null),
        )
    }

    /// Stops the server gracefully and waits until it has finished.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server
                .await
                .expect("server task completes")
                .expect("server stops cleanly");
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(pg) = self.postgres.take() {
            pg.drop_blocking();
        }
    }
}

/// A throwaway PostgreSQL database, dropped with the test app.
pub struct PostgresDatabase {
    admin_url: String,
    name: String,
}

impl PostgresDatabase {
    pub async fn create(admin_url: &str) -> (Self, String) {
        let name = format!("marquee_test_{:016x}", rand::random::<u64>());
        let mut conn = PgConnection::connect(admin_url)
            .await
            .expect("TEST_POSTGRES_URL is reachable");
        conn.execute(format!(r#"CREATE DATABASE "{name}""#).as_str())
            .await
            .expect("can create a test database");
        let url = replace_database(admin_url, &name);
        (
            Self {
                admin_url: admin_url.to_string(),
                name,
            },
            url,
        )
    }

    pub fn drop_blocking(self) {
        // Drop runs outside any async context we may block: use a thread
        // with its own runtime.
        let handle = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for cleanup");
            runtime.block_on(async {
                if let Ok(mut conn) = PgConnection::connect(&self.admin_url).await {
                    let sql = format!(r#"DROP DATABASE IF EXISTS "{}" WITH (FORCE)"#, self.name);
                    let _ = conn.execute(sql.as_str()).await;
                }
            });
        });
        let _ = handle.join();
    }
}

/// `postgres://u@h:5432/db?x` with the database name swapped.
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

pub fn test_config(data_dir: &std::path::Path, database_url: String) -> Config {
    Config {
        environment: Environment::Development,
        data_dir: data_dir.to_path_buf(),
        database_url,
        site_addr: "127.0.0.1:0".parse().expect("a valid address"),
        jwt_secret: JwtSecret::new(vec![7u8; 32]).expect("a long enough secret"),
        request_timeout: Duration::from_secs(10),
        body_limit: 64 * 1024,
        page_cache: Duration::from_secs(1),
        leptos_options: LeptosOptions::builder()
            .output_name("marquee")
            .site_root(data_dir.join("site").to_string_lossy().into_owned())
            .build(),
        allowed_origins: Vec::new(),
        auth_limits: app::rate_limit::AuthLimits::default(),
        trust_proxy: false,
        ticketing: app::config::TicketingLimits::default(),
        wallet: app::config::WalletSettings::default(),
        services: app::config::ServiceSettings::default(),
        chat_limits: app::rate_limit::ChatLimits::default(),
        streams: app::config::StreamSettings::default(),
        test_cards: true,
    }
}

/// Starts Marquee on a free port with a fresh database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// A second instance on the same database as `first` (as behind a load
/// balancer). It does not own the database: dropping it drops nothing.
pub async fn spawn_instance_of(first: &TestApp) -> TestApp {
    spawn_instance_with(first, |_| {}).await
}

/// [`spawn_instance_of`] with its configuration changed first.
pub async fn spawn_instance_with(first: &TestApp, customise: impl FnOnce(&mut Config)) -> TestApp {
    let data_dir = tempfile::tempdir().expect("a temp dir");
    let mut config = test_config(data_dir.path(), first.database_url.clone());
    customise(&mut config);
    start(config, data_dir, None).await
}

pub async fn spawn_app_with(customise: impl FnOnce(&mut Config)) -> TestApp {
    if let Some(writer) = server::telemetry::init(server::telemetry::LogFormat::Text) {
        // The log writer serves every test of this process.
        std::mem::forget(writer);
    }
    let data_dir = tempfile::tempdir().expect("a temp dir");
    let (postgres, database_url) = match std::env::var("TEST_POSTGRES_URL") {
        Ok(admin) if !admin.is_empty() => {
            let (db, url) = PostgresDatabase::create(&admin).await;
            (Some(db), url)
        }
        _ => (None, Config::default_database_url(data_dir.path())),
    };
    let mut config = test_config(data_dir.path(), database_url);
    customise(&mut config);
    start(config, data_dir, postgres).await
}

/// Builds and runs the application until the `TestApp` is stopped or dropped.
async fn start(
    config: Config,
    data_dir: tempfile::TempDir,
    postgres: Option<PostgresDatabase>,
) -> TestApp {
    let database_url = config.database_url.clone();
    let app = server::startup::Application::build(config)
        .await
        .expect("the application starts");
    let address = app.address();
    let state = app.state().clone();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    TestApp {
        address,
        db: state.db.clone(),
        state,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client"),
        database_url,
        _data_dir: data_dir,
        postgres,
        stop: Some(stop),
        server: Some(server),
    }
}

#[test]
fn the_database_name_is_replaced_keeping_host_and_query() {
    assert_eq!(
        replace_database("postgres://u@h:5432/test?sslmode=disable", "x"),
        "postgres://u@h:5432/x?sslmode=disable"
    );
    assert_eq!(
        replace_database("postgres://localhost", "x"),
        "postgres://localhost/x"
    );
}

/// A signed-up user: its access token and id. `role` is `attendee`,
/// `organizer` or `admin` (admins are promoted in the database).
/// A new person of `role` with $1,000 in their wallet (topped up from the
/// test card): their access token and id.
pub async fn user(app: &TestApp, role: &str) -> (String, i64) {
    let (token, id) = new_user(app, role).await;
    deposit(app, &token, 100_000).await;
    (token, id)
}

/// Tops a wallet up from the test card by `cents`.
pub async fn deposit(app: &TestApp, token: &str, cents: i64) {
    let response = app
        .bearer(reqwest::Method::POST, "/api/wallet/deposit", token)
        .header(
            "Idempotency-Key",
            format!("fund-{:x}", rand::random::<u64>()),
        )
        .json(&serde_json::json!({
            "amountCents": cents,
            "cardNumber": "4242 4242 4242 4242",
            "cardExpiry": "12/40",
            "cardCvc": "123",
        }))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(response.status(), 201, "the top-up works");
}

/// A new person of `role` with an empty wallet.
pub async fn new_user(app: &TestApp, role: &str) -> (String, i64) {
    let email = format!("{role}{:x}@example.com", rand::random::<u64>());
    let sign_up_role = if role == "admin" { "attendee" } else { role };
    let response = app
        .client
        .post(app.url("/api/auth/register"))
        .json(&serde_json::json!({
            "username": email,
            "password": "correct horse battery",
            "role": sign_up_role,
            "displayName": format!("{role} {}", &email[..12]),
        }))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(response.status(), 201, "sign-up works");
    let body: serde_json::Value = response.json().await.expect("JSON");
    let id = body["user"]["id"].as_i64().expect("an id");
    if role == "admin" {
        promote_to_admin(app, id).await;
    }
    let token = body["access_token"].as_str().expect("a token").to_string();
    if role == "admin" {
        // Admin powers need a session that proved a second factor: set it
        // up as a person would, with the code their app would show.
        turn_on_two_factor(app, &token).await;
    }
    (token, id)
}

/// Makes a person an admin (there is no sign-up as one).
pub async fn promote_to_admin(app: &TestApp, id: i64) {
    sqlx::query("UPDATE users SET role = 'admin' WHERE id = $1")
        .bind(id)
        .execute(app.db.pool())
        .await
        .expect("promote");
}

/// Turns two-factor sign-in on for the token's person (this session
/// proves it); returns the key and the recovery codes.
pub async fn turn_on_two_factor(app: &TestApp, token: &str) -> (String, Vec<String>) {
    let (status, key) = send_json(
        app,
        reqwest::Method::POST,
        "/api/auth/two-factor/setup",
        Some(token),
        None,
    )
    .await;
    assert_eq!(status, 200, "set-up starts: {key}");
    let secret = key["secret"].as_str().expect("a key").to_string();
    let code = app_code(&secret, 0);
    let (status, codes) = send_json(
        app,
        reqwest::Method::POST,
        "/api/auth/two-factor/enable",
        Some(token),
        Some(serde_json::json!({ "code": code, "password": "correct horse battery" })),
    )
    .await;
    assert_eq!(status, 200, "two-factor turns on: {codes}");
    let codes = codes["recoveryCodes"]
        .as_array()
        .expect("recovery codes")
        .iter()
        .map(|c| c.as_str().expect("a code").to_string())
        .collect();
    (secret, codes)
}

/// The code an authenticator app with `secret` shows `steps_ahead` time
/// steps (of 30 s) from now.
pub fn app_code(secret: &str, steps_ahead: u64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    app::accounts::second_factor::Authenticator::from_base32(secret, "test@example.com")
        .expect("a valid key")
        .code_at(now + 30 * steps_ahead)
}

/// A request with a JSON body and a Bearer token: status and JSON answer.
pub async fn send_json(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let mut request = app.client.request(method, app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    (
        status,
        response.json().await.unwrap_or(serde_json::Value::Null),
    )
}

/// An email address nobody has used yet.
pub fn unique_email() -> String {
    format!("user{:x}@example.com", rand::random::<u64>())
}

/// Waits until `done` (a state of this process) holds; fails with `what`
/// after 10 s.
pub async fn until(what: &str, done: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
