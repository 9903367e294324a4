//! What the benchmarks share: a configuration for an in-process server on
//! a free loopback port, with rate limits out of the way.

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
    }
}
