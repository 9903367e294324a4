//! Resolved configuration. The server binary reads environment variables and
//! flags (see `server/src/cli.rs`) and turns them into a [`Config`] here, so
//! every rule about defaults and secrets lives in one place.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The shortest JWT secret accepted, in bytes.
pub const MIN_JWT_SECRET_LEN: usize = 32;
const JWT_SECRET_FILE: &str = "jwt-secret";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

impl Environment {
    pub fn parse(value: &str) -> Result<Self, ConfigError> {
        match value.trim().to_ascii_lowercase().as_str() {
            "" | "dev" | "development" => Ok(Self::Development),
            "prod" | "production" => Ok(Self::Production),
            other => Err(ConfigError(format!(
                "MARQUEE_ENV must be `development` or `production`, not `{other}`"
            ))),
        }
    }
}

/// A configuration problem, reported as one line before the process exits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// The HMAC key for session tokens. Its `Debug` never shows the key.
#[derive(Clone, PartialEq, Eq)]
pub struct JwtSecret(Vec<u8>);

impl JwtSecret {
    pub fn new(bytes: Vec<u8>) -> Result<Self, ConfigError> {
        if bytes.len() < MIN_JWT_SECRET_LEN {
            return Err(ConfigError(format!(
                "MARQUEE_JWT_SECRET must be at least {MIN_JWT_SECRET_LEN} bytes long"
            )));
        }
        Ok(Self(bytes))
    }

    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// The secret from the environment if given; otherwise, in development
    /// only, the one kept in `data_dir` (generated on first start).
    /// Returns the secret and whether it was generated just now.
    pub fn resolve(
        provided: Option<&str>,
        environment: Environment,
        data_dir: &Path,
    ) -> Result<(Self, bool), ConfigError> {
        if let Some(value) = provided.filter(|v| !v.is_empty()) {
            return Ok((Self::new(value.as_bytes().to_vec())?, false));
        }
        if environment == Environment::Production {
            return Err(ConfigError(
                "MARQUEE_JWT_SECRET is required when MARQUEE_ENV=production".into(),
            ));
        }
        let path = data_dir.join(JWT_SECRET_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok((Self::new(text.trim().as_bytes().to_vec())?, false)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let secret = generate_secret();
                write_private(&path, &secret)
                    .map_err(|e| ConfigError(format!("cannot write {}: {e}", path.display())))?;
                Ok((Self::new(secret.into_bytes())?, true))
            }
            Err(e) => Err(ConfigError(format!("cannot read {}: {e}", path.display()))),
        }
    }
}

impl fmt::Debug for JwtSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JwtSecret(..)")
    }
}

fn generate_secret() -> String {
    crate::kernel::random::hex(48)
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

/// Everything the running application needs to know.
#[derive(Debug, Clone)]
pub struct Config {
    pub environment: Environment,
    /// Where the SQLite file, the generated JWT secret and uploads live.
    pub data_dir: PathBuf,
    /// A `sqlite:` or `postgres:` URL.
    pub database_url: String,
    pub site_addr: SocketAddr,
    pub jwt_secret: JwtSecret,
    /// Longest time a request may take before it is answered with 408.
    pub request_timeout: Duration,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// How long a page rendered for a visitor who is not signed in may be
    /// sent again to the next one while nothing changed (zero: never).
    pub page_cache: Duration,
    /// Where the built site is and how its files are named.
    pub leptos_options: leptos::config::LeptosOptions,
    /// Origins besides the request's own host that may send state-changing
    /// requests with cookies (and, later, open the websocket).
    pub allowed_origins: Vec<String>,
    pub auth_limits: crate::rate_limit::AuthLimits,
    /// Behind a reverse proxy: take the client's address from the last
    /// `X-Forwarded-For` entry (the one the proxy added) instead of the peer.
    pub trust_proxy: bool,
    pub ticketing: TicketingLimits,
    pub wallet: WalletSettings,
    pub services: ServiceSettings,
    pub chat_limits: crate::rate_limit::ChatLimits,
    pub streams: StreamSettings,
    /// Whether wallets can be topped up with the test card provider (the
    /// only one Marquee ships): on in development; in production only for
    /// a demo, which every page then says.
    pub test_cards: bool,
}

impl Config {
    /// A production site that takes test cards: a demo, and it says so.
    pub fn is_demo(&self) -> bool {
        self.environment == Environment::Production && self.test_cards
    }
}

/// Live streams settings: how browsers connect for the video.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamSettings {
    /// STUN and TURN servers (`stun:host:port`, `turn:host:port`) for the
    /// browsers' video connections; none: only browsers that reach each
    /// other directly (one network) connect.
    pub ice_servers: Vec<String>,
    /// A fixed TURN user name and password, handed to every viewer of a
    /// live stream; used only without `ice_secret`.
    pub ice_username: Option<String>,
    pub ice_credential: Option<String>,
    /// The secret shared with the TURN servers (coturn's
    /// `static-auth-secret`): each viewer then gets a credential of their
    /// own that lapses after [`crate::streams::turn::TTL_SECS`].
    pub ice_secret: Option<String>,
    /// Viewers a host's browser sends the video to at once (each is an
    /// upload of its own); the others watch the chat and wait for a place.
    pub max_peers: u32,
}

impl Default for StreamSettings {
    fn default() -> Self {
        Self {
            ice_servers: Vec::new(),
            ice_username: None,
            ice_credential: None,
            ice_secret: None,
            max_peers: 10,
        }
    }
}

/// Bookings settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSettings {
    /// Map tiles for a provider's live position, with `{z}`, `{x}`, `{y}`;
    /// empty: no map, the position shows as text.
    pub map_tiles: String,
    /// Requests one customer may have waiting for one provider's answer.
    pub max_open_requests: i64,
}

impl Default for ServiceSettings {
    fn default() -> Self {
        Self {
            map_tiles: "https://tile.openstreetmap.org/{z}/{x}/{y}.png".into(),
            max_open_requests: 3,
        }
    }
}

/// Money settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalletSettings {
    /// The platform's fee on organizer payouts, in basis points (500 = 5%).
    pub platform_fee_bps: i64,
    /// How long after an event's end (as it stood when each order was
    /// made) its money stays in escrow before it is paid out: time for
    /// buyers to report an event that did not happen.
    pub payout_holdback: Duration,
}

impl Default for WalletSettings {
    fn default() -> Self {
        Self {
            platform_fee_bps: 500,
            payout_holdback: Duration::from_secs(72 * 3600),
        }
    }
}

/// How long seats stay held and how many one person may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketingLimits {
    /// How long a hold keeps its seats (seed 001's lock time).
    pub hold_ttl: Duration,
    /// Most seats in one hold (and one order).
    pub max_seats_per_hold: i64,
    /// Most holds one user may have active at once.
    pub max_active_holds: i64,
    /// Most seats one user may hold at once in one event (over all its
    /// tiers): sign-ups are free, so this is what keeps a handful of
    /// accounts from holding a whole tier.
    pub max_held_per_event: i64,
    /// How often expired holds are swept (their seats already stopped
    /// counting the moment they expired).
    pub sweep_interval: Duration,
}

impl Default for TicketingLimits {
    fn default() -> Self {
        Self {
            hold_ttl: Duration::from_secs(600),
            max_seats_per_hold: 10,
            max_active_holds: 5,
            max_held_per_event: 10,
            sweep_interval: Duration::from_secs(5),
        }
    }
}

impl Config {
    /// The SQLite URL used when `DATABASE_URL` is unset.
    pub fn default_database_url(data_dir: &Path) -> String {
        format!(
            "sqlite://{}?mode=rwc",
            data_dir.join("marquee.db").display()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_refuses_to_start_without_a_secret() {
        let dir = tempfile::tempdir().unwrap();
        let err = JwtSecret::resolve(None, Environment::Production, dir.path()).unwrap_err();
        assert!(err.0.contains("MARQUEE_JWT_SECRET is required"), "{err}");
    }

    #[test]
    fn development_generates_a_secret_once_and_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let (first, generated) =
            JwtSecret::resolve(None, Environment::Development, dir.path()).unwrap();
        assert!(generated);
        let (second, generated_again) =
            JwtSecret::resolve(None, Environment::Development, dir.path()).unwrap();
        assert!(!generated_again);
        assert_eq!(first, second);
        assert!(first.expose().len() >= MIN_JWT_SECRET_LEN);
    }

    #[test]
    fn a_short_secret_is_rejected_with_the_variable_name() {
        let dir = tempfile::tempdir().unwrap();
        let err =
            JwtSecret::resolve(Some("short"), Environment::Production, dir.path()).unwrap_err();
        assert!(err.0.contains("at least 32 bytes"), "{err}");
    }

    #[test]
    fn the_secret_never_shows_in_debug_output() {
        let secret = JwtSecret::new(vec![b'x'; 40]).unwrap();
        assert_eq!(format!("{secret:?}"), "JwtSecret(..)");
    }

    #[test]
    fn environment_names_are_parsed_leniently_and_unknown_ones_refused() {
        assert_eq!(
            Environment::parse("PRODUCTION").unwrap(),
            Environment::Production
        );
        assert_eq!(Environment::parse("").unwrap(), Environment::Development);
        assert!(Environment::parse("staging").is_err());
    }
}
