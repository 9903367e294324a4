//! Marquee's shared crate: pages, components, server functions and the types
//! that cross the wire. Server-only parts sit behind the `ssr` feature, the
//! browser-only parts behind `hydrate`.

// Leptos view types nest deeply; the default limit is too low for whole pages.
#![recursion_limit = "256"]
// A panic on a request path drops the answer: errors are mapped to status
// codes instead. Tests may unwrap.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod accounts;
pub mod chat;
pub mod components;
pub mod dates;
pub mod error;
pub mod events;
pub mod kernel;
pub mod live;
pub mod pages;
pub mod reviews;
pub mod services;
mod shell;
pub mod streams;
pub mod system;
pub mod wallet;

#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod rate_limit;
#[cfg(feature = "ssr")]
pub mod state;

pub use shell::{App, shell};
