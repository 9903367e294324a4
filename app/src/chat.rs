//! Chat (seed 002, and seed 000's chat per booking): group rooms (public
//! or private), direct conversations, and threads bound to a booking or an
//! order; messages with history, edits and deletes; read markers; typing
//! and presence over `/ws`.
//!
//! Every new, edited or deleted message takes the next number of its
//! room's counter, in the same transaction that serializes the room's
//! writes, and is published on `room:{id}` with it; a client that sees a
//! gap in the numbers asks for the changes after the last one it has, so
//! nothing is missed and nothing is shown twice.

pub mod api;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod messages;
#[cfg(feature = "ssr")]
pub mod presence;
#[cfg(feature = "ssr")]
pub mod rooms;
