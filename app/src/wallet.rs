//! Wallet (seed 003): a double-entry ledger that pays for tickets, refunds
//! cancellations and pays organizers out — no money created or lost.

pub mod api;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod audit;
#[cfg(feature = "ssr")]
pub mod ledger;
#[cfg(feature = "ssr")]
pub mod payments;
#[cfg(feature = "ssr")]
pub mod provider;
#[cfg(feature = "ssr")]
pub mod service;
