//! The seeds' clients against Marquee: every call each seed's README or
//! guide shows, as written (paths, bodies, headers), with the answers it
//! documents; the API document against the server; CORS.

mod cross_origin;
mod document;
mod seed_000;
mod seed_001;
mod seed_002;
mod seed_003;
