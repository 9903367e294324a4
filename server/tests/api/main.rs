//! Integration tests: the real server on port 0 with a fresh database
//! (SQLite in a temp dir, or a new PostgreSQL database when
//! `TEST_POSTGRES_URL` is set).

// Leptos view types nest deeply; the default limit is too low for whole pages.
#![recursion_limit = "256"]

mod auth_api;
mod authz;
mod binary;
mod bookings;
mod chat;
mod client;
mod contract;
mod event_reads;
mod health;
mod helpers;
mod hold_limits;
mod live;
mod page_cache;
mod pages;
mod reviews;
mod security;
mod sessions;
mod streaming;
mod ticketing;
mod ticketing_hammer;
mod trust;
mod two_factor;
mod wallet;
mod wallet_crash;
mod wallet_hammer;
