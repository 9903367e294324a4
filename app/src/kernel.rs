//! The shared kernel: the plumbing every domain uses, so that no domain
//! reaches into another for it. It imports no domain.
//!
//! - [`money`]: [`money::Cents`], the one parser and formatter of amounts;
//! - [`idempotency`]: keys, fingerprints, the first response and its replay;
//! - [`db`]: the pool, `?` on database errors, named constraints;
//! - [`time`]: stored times (UTC milliseconds), zones, parsing and labels;
//! - [`ids`]: typed ids, so an event's id is never passed as a user's;
//! - [`text`]: trimmed, bounded text fields and links;
//! - [`random`]: codes, tokens and keys;
//! - [`qr`]: QR codes as SVG;
//! - [`singletons`]: a domain's in-memory machinery, one per application;
//! - [`sync`]: locks that outlive a panic;
//! - [`text_enum`]: statuses and kinds, stored and sent by name.

pub mod idempotency;
pub mod ids;
pub mod money;
pub mod random;
pub mod sync;
pub mod text;
pub mod text_enum;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod qr;
#[cfg(feature = "ssr")]
pub mod singletons;
#[cfg(feature = "ssr")]
pub mod time;
