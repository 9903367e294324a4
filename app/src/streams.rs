//! Live streams (seed 003's Streaming Service): an organizer goes live
//! with their camera, viewers watch and chat, and everyone sees how many
//! watch. The video goes from the host's browser to each viewer's
//! (WebRTC); the server relays only how they connect, over `/ws`, and
//! keeps the stream, its viewers and its chat.

pub mod api;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod live;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod turn;
#[cfg(feature = "ssr")]
pub mod viewers;
