//! Services and bookings (seed 000): what providers offer, their weekly
//! availability, slot booking that never double-books, the booking status
//! flow, and live location while a provider is on the way.

pub mod api;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod bookings;
#[cfg(feature = "ssr")]
pub mod catalog;
#[cfg(feature = "ssr")]
pub mod schedule;
#[cfg(feature = "ssr")]
pub mod slots;
#[cfg(feature = "ssr")]
pub mod sweeper;
