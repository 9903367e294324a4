//! The Marquee server: configuration, the axum router around the Leptos app,
//! middleware, and start-up. `main.rs` is a thin shim over
//! [`startup::Application`].

pub mod cli;
pub mod health;
pub mod middleware;
pub mod startup;
pub mod telemetry;
