//! The Marquee server: configuration, the axum router around the Leptos app,
//! middleware, and start-up. `main.rs` is a thin shim over
//! [`startup::Application`].

// Leptos view types nest deeply; the default limit is too low for whole pages.
#![recursion_limit = "256"]
// A panic on a request path drops the answer: errors are mapped to status
// codes instead. Tests may unwrap.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod admin;
pub mod api;
pub mod assets;
pub mod auth;
mod avatar_image;
pub mod avatars;
pub mod cli;
pub mod downloads;
pub mod health;
pub mod jobs;
pub mod live;
pub mod middleware;
pub mod page_cache;
mod page_gzip;
pub mod startup;
pub mod telemetry;
