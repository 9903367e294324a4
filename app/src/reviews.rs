//! Reviews (seed 000): ratings and text on services and events, only from
//! people who were there — the customer of a completed booking, or a holder
//! of a checked-in or past ticket — once each, with one reply from the
//! provider or organizer. Admins hide abusive ones.

pub mod api;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod service;
