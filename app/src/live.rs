//! The live layer: the protocol of `/ws` (shared with the browser) and,
//! on the server, the topic hub and the publishers that feed it.

pub mod client;
pub mod protocol;

#[cfg(feature = "ssr")]
pub mod bus;
#[cfg(feature = "ssr")]
pub mod frames;
#[cfg(feature = "ssr")]
pub mod freshness;
#[cfg(feature = "ssr")]
pub mod hub;
#[cfg(feature = "ssr")]
pub mod refresher;
#[cfg(feature = "ssr")]
pub mod session_memo;
