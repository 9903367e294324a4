//! Command line and environment. Every setting is a flag and an environment
//! variable (an optional `.env` file is read first); `marquee --help` lists them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use app::config::{Config, ConfigError, Environment, JwtSecret};
use clap::{Parser, Subcommand, ValueEnum};
use leptos::config::{Env, LeptosOptions};

use crate::telemetry::LogFormat;

const AFTER_HELP: &str = "\
Logging is filtered by RUST_LOG (default: info), e.g. RUST_LOG=debug or RUST_LOG=info,sqlx=debug.
Every option can also be set in a .env file in the working directory.";

#[derive(Debug, Clone, Parser)]
#[command(
    name = "marquee",
    version,
    about = "Marquee: events, services and community, live. Serves the web app and its API.",
    after_help = AFTER_HELP
)]
pub struct Settings {
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB.
    /// Unset: a SQLite file data/marquee.db under the data directory.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Directory for the SQLite file, the generated development JWT secret and uploads.
    #[arg(long, env = "MARQUEE_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// Address and port to listen on.
    #[arg(long, env = "LEPTOS_SITE_ADDR", default_value = "127.0.0.1:3000")]
    pub site_addr: SocketAddr,

    /// Secret for signing session tokens (32 bytes or more). Required in production;
    /// in development one is generated and kept in the data directory.
    #[arg(long, env = "MARQUEE_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// `development` or `production`.
    #[arg(long = "env", env = "MARQUEE_ENV", default_value = "development")]
    pub environment: String,

    /// A demo site in production: wallets are topped up with test cards
    /// (anyone can add money), and every page says so. Without it,
    /// production has no top-ups (Marquee ships no real card provider).
    #[arg(long, env = "MARQUEE_DEMO", default_value_t = false)]
    pub demo: bool,

    /// Log format.
    #[arg(long, env = "MARQUEE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Seconds a request may take before it is answered with 408.
    #[arg(long, env = "MARQUEE_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "MARQUEE_BODY_LIMIT_BYTES", default_value_t = 8 * 1024 * 1024)]
    pub body_limit_bytes: usize,

    /// Milliseconds a page rendered for a visitor who is not signed in may
    /// be sent again while nothing changed (0: never; at most 10000).
    #[arg(long, env = "MARQUEE_PAGE_CACHE_MS", default_value_t = 1000)]
    pub page_cache_ms: u64,

    /// The built site (pkg/ with the wasm, js and css, and the public assets).
    /// Unset: `site/` next to the binary if it exists, else target/site.
    #[arg(long, env = "LEPTOS_SITE_ROOT")]
    pub site_root: Option<PathBuf>,

    /// Folder of the compiled assets under the site root.
    #[arg(long, env = "LEPTOS_SITE_PKG_DIR", default_value = "pkg")]
    pub site_pkg_dir: String,

    /// Base name of the wasm, js and css files.
    #[arg(long, env = "LEPTOS_OUTPUT_NAME", default_value = "marquee")]
    pub output_name: String,

    /// Leptos environment: DEV or PROD (set by cargo-leptos).
    #[arg(long, env = "LEPTOS_ENV", value_enum, default_value_t = LeptosEnv::Prod, ignore_case = true)]
    pub leptos_env: LeptosEnv,

    /// Port of the live-reload websocket used by `cargo leptos watch`.
    #[arg(long, env = "LEPTOS_RELOAD_PORT", default_value_t = 3001)]
    pub reload_port: u32,

    /// Other origins allowed to send state-changing requests with cookies,
    /// comma-separated (e.g. https://marquee.example). The site's own host always is.
    #[arg(long, env = "MARQUEE_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,

    /// Sign-in, sign-up and refresh attempts allowed per client IP per minute.
    #[arg(long, env = "MARQUEE_AUTH_RATE_PER_IP", default_value_t = 30)]
    pub auth_rate_per_ip: u32,

    /// Sign-in and sign-up attempts per email, and refreshes per session, allowed per minute.
    #[arg(long, env = "MARQUEE_AUTH_RATE_PER_ACCOUNT", default_value_t = 10)]
    pub auth_rate_per_account: u32,

    /// Set when a reverse proxy sits in front: the client address is then
    /// read from the last X-Forwarded-For entry (for rate limits and logs).
    #[arg(long, env = "MARQUEE_TRUST_PROXY", default_value_t = false)]
    pub trust_proxy: bool,

    /// Seconds a seat hold lasts before its seats are released.
    #[arg(long, env = "MARQUEE_HOLD_TTL_SECS", default_value_t = 600)]
    pub hold_ttl_secs: u64,

    /// Most seats one hold (or order) may take.
    #[arg(long, env = "MARQUEE_HOLD_MAX_SEATS", default_value_t = 10)]
    pub hold_max_seats: u32,

    /// Most seat holds one user may have at once.
    #[arg(long, env = "MARQUEE_HOLD_MAX_ACTIVE", default_value_t = 5)]
    pub hold_max_active: u32,

    /// Most seats one person may hold at once in one event.
    #[arg(long, env = "MARQUEE_HOLD_MAX_SEATS_PER_EVENT", default_value_t = 10)]
    pub hold_max_per_event: u32,

    /// Booking requests one customer may have waiting for one provider.
    #[arg(long, env = "MARQUEE_BOOKING_MAX_OPEN_REQUESTS", default_value_t = 3)]
    pub booking_max_open_requests: u32,

    /// The platform's fee on organizer payouts, in basis points (500 = 5%).
    #[arg(long, env = "MARQUEE_PLATFORM_FEE_BPS", default_value_t = 500, value_parser = clap::value_parser!(u16).range(0..=10_000))]
    pub platform_fee_bps: u16,

    /// Hours an event's takings stay in escrow after the event's end (as it
    /// stood when each order was made) before they are paid out.
    #[arg(long, env = "MARQUEE_PAYOUT_HOLDBACK_HOURS", default_value_t = 72)]
    pub payout_holdback_hours: u32,

    /// Map tiles for live location (`{z}/{x}/{y}`, https); empty for none.
    #[arg(
        long,
        env = "MARQUEE_MAP_TILES",
        default_value = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    )]
    pub map_tiles: String,

    /// Chat messages one person may send per minute (on average).
    #[arg(long, env = "MARQUEE_CHAT_RATE_PER_MINUTE", default_value_t = 120)]
    pub chat_rate_per_minute: u32,

    /// Chat messages one person may send at once before the rate applies.
    #[arg(long, env = "MARQUEE_CHAT_BURST", default_value_t = 30)]
    pub chat_burst: u32,

    /// STUN/TURN servers for live streams' video (comma-separated
    /// `stun:host:port`, `turn:host:port`); none: only browsers that reach
    /// each other directly connect.
    #[arg(long, env = "MARQUEE_ICE_SERVERS", value_delimiter = ',')]
    pub ice_servers: Vec<String>,

    /// The TURN servers' user name.
    #[arg(long, env = "MARQUEE_ICE_USERNAME")]
    pub ice_username: Option<String>,

    /// The TURN servers' password (one for everyone; prefer --ice-secret).
    #[arg(long, env = "MARQUEE_ICE_CREDENTIAL", hide_env_values = true)]
    pub ice_credential: Option<String>,

    /// The secret shared with the TURN servers (coturn's
    /// `static-auth-secret`): each viewer gets a credential of their own
    /// that lapses after two hours.
    #[arg(long, env = "MARQUEE_ICE_SECRET", hide_env_values = true)]
    pub ice_secret: Option<String>,

    /// Viewers a host's browser sends a stream's video to at once.
    #[arg(long, env = "MARQUEE_STREAM_MAX_VIEWERS", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=50))]
    pub stream_max_viewers: u32,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Serve Marquee (the default).
    Serve,
    /// Manage administrators.
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum AdminAction {
    /// Create an admin account, or make an existing account an admin.
    Create {
        /// The admin's email address.
        #[arg(long)]
        email: String,
        /// Read the password from standard input instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Check the wallet ledger: nothing created or lost, no account below
    /// zero, cached balances equal to their entries. Exits 1 if broken.
    Audit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LeptosEnv {
    Dev,
    Prod,
}

impl Settings {
    /// Reads `.env` (if present), then the command line and environment.
    /// `--help` and `--version` print and exit here.
    pub fn load() -> Result<Self, ConfigError> {
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(e) if e.not_found() => {}
            Err(e) => return Err(ConfigError(format!("cannot read .env: {e}"))),
        }
        Ok(Self::parse())
    }

    /// Applies defaults and checks, creating the data directory if needed.
    pub fn resolve(&self) -> Result<Config, ConfigError> {
        let this = self.clone();
        this.into_config()
    }

    fn into_config(self) -> Result<Config, ConfigError> {
        let environment = Environment::parse(&self.environment)?;
        std::fs::create_dir_all(&self.data_dir).map_err(|e| {
            ConfigError(format!(
                "cannot create the data directory {}: {e}",
                self.data_dir.display()
            ))
        })?;
        let database_url = match self.database_url.filter(|u| !u.trim().is_empty()) {
            Some(url) => url,
            None => Config::default_database_url(&self.data_dir),
        };
        app::kernel::db::Backend::from_url(&database_url)
            .map_err(|e| ConfigError(e.to_string()))?;
        let (jwt_secret, generated) =
            JwtSecret::resolve(self.jwt_secret.as_deref(), environment, &self.data_dir)?;
        if generated {
            tracing::warn!(
                data_dir = %self.data_dir.display(),
                "MARQUEE_JWT_SECRET is not set: generated a development secret and kept it in the data directory"
            );
        }
        if self.hold_ttl_secs < 10
            || self.hold_max_seats == 0
            || self.hold_max_active == 0
            || self.hold_max_per_event == 0
            || self.booking_max_open_requests == 0
        {
            return Err(ConfigError(
                "MARQUEE_HOLD_TTL_SECS must be at least 10, and the hold limits at least 1".into(),
            ));
        }
        if self.auth_rate_per_ip == 0 || self.auth_rate_per_account == 0 {
            return Err(ConfigError(
                "auth rate limits must be at least 1 per minute".into(),
            ));
        }
        let allowed_origins = self
            .allowed_origins
            .iter()
            .map(|o| o.trim().trim_end_matches('/').to_string())
            .filter(|o| !o.is_empty())
            .collect::<Vec<_>>();
        if let Some(bad) = allowed_origins
            .iter()
            .find(|o| !(o.starts_with("http://") || o.starts_with("https://")))
        {
            return Err(ConfigError(format!(
                "MARQUEE_ALLOWED_ORIGINS: `{bad}` must start with http:// or https://"
            )));
        }
        let ice_servers = self
            .ice_servers
            .iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>();
        if let Some(bad) = ice_servers.iter().find(|s| {
            !["stun:", "stuns:", "turn:", "turns:"]
                .iter()
                .any(|p| s.starts_with(p))
        }) {
            return Err(ConfigError(format!(
                "MARQUEE_ICE_SERVERS: `{bad}` must start with stun:, stuns:, turn: or turns:"
            )));
        }
        if self.request_timeout_secs == 0 {
            return Err(ConfigError(
                "MARQUEE_REQUEST_TIMEOUT_SECS must be at least 1".into(),
            ));
        }
        if self.page_cache_ms > 10_000 {
            return Err(ConfigError(
                "MARQUEE_PAGE_CACHE_MS must be at most 10000 (ten seconds)".into(),
            ));
        }
        let site_root = self.site_root.unwrap_or_else(default_site_root);
        let leptos_options = LeptosOptions::builder()
            .output_name(self.output_name)
            .site_root(site_root.to_string_lossy().into_owned())
            .site_pkg_dir(self.site_pkg_dir)
            .site_addr(self.site_addr)
            .reload_port(self.reload_port)
            // A release build names its assets after their hashes and
            // writes them beside the binary (see `assets`).
            .hash_files(crate::assets::hash_file().is_some_and(|f| f.is_file()))
            .env(match self.leptos_env {
                LeptosEnv::Dev => Env::DEV,
                LeptosEnv::Prod => Env::PROD,
            })
            .build();
        Ok(Config {
            environment,
            data_dir: self.data_dir,
            database_url,
            site_addr: self.site_addr,
            jwt_secret,
            request_timeout: Duration::from_secs(self.request_timeout_secs),
            body_limit: self.body_limit_bytes,
            page_cache: Duration::from_millis(self.page_cache_ms),
            leptos_options,
            allowed_origins,
            auth_limits: app::rate_limit::AuthLimits {
                per_ip_per_minute: self.auth_rate_per_ip,
                per_account_per_minute: self.auth_rate_per_account,
            },
            trust_proxy: self.trust_proxy,
            ticketing: app::config::TicketingLimits {
                hold_ttl: Duration::from_secs(self.hold_ttl_secs),
                max_seats_per_hold: i64::from(self.hold_max_seats),
                max_active_holds: i64::from(self.hold_max_active),
                max_held_per_event: i64::from(self.hold_max_per_event),
                ..Default::default()
            },
            wallet: app::config::WalletSettings {
                platform_fee_bps: i64::from(self.platform_fee_bps),
                payout_holdback: Duration::from_secs(u64::from(self.payout_holdback_hours) * 3600),
            },
            services: app::config::ServiceSettings {
                map_tiles: self.map_tiles.clone(),
                max_open_requests: i64::from(self.booking_max_open_requests),
            },
            chat_limits: app::rate_limit::ChatLimits {
                per_minute: self.chat_rate_per_minute,
                burst: self.chat_burst,
            },
            streams: app::config::StreamSettings {
                ice_servers,
                ice_username: self.ice_username.filter(|u| !u.is_empty()),
                ice_credential: self.ice_credential.filter(|c| !c.is_empty()),
                ice_secret: self.ice_secret.filter(|c| !c.is_empty()),
                max_peers: self.stream_max_viewers,
            },
            // Development always takes test cards; production only as a demo.
            test_cards: environment == Environment::Development || self.demo,
        })
    }
}

/// `site/` beside the executable (the `make dist` layout), else cargo-leptos' output.
fn default_site_root() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("site")))
        .filter(|dir| dir.is_dir())
        .unwrap_or_else(|| Path::new("target/site").to_path_buf())
}

/// Prints one line and returns a failing exit code.
pub fn fail(error: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("marquee: {error}");
    ExitCode::FAILURE
}
