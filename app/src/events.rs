//! Ticketing (seed 001): events, ticket tiers, seat holds with expiry,
//! orders, tickets with QR codes and check-in — never oversold.

pub mod api;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod availability;
#[cfg(feature = "ssr")]
pub mod cache;
#[cfg(feature = "ssr")]
pub mod catalog;
#[cfg(feature = "ssr")]
pub mod dashboard;
#[cfg(feature = "ssr")]
pub mod hold_batch;
#[cfg(feature = "ssr")]
pub mod hold_insert;
#[cfg(feature = "ssr")]
pub mod holds;
#[cfg(feature = "ssr")]
pub mod orders;
#[cfg(feature = "ssr")]
pub mod rows;
#[cfg(feature = "ssr")]
pub mod sweeper;
#[cfg(feature = "ssr")]
pub mod tickets;
