//! Facts about a request that the auth flows need, resolved once by the
//! server's auth middleware.

use std::net::IpAddr;

use super::device::Device;

#[derive(Debug, Clone, Copy, Default)]
pub struct RequestMeta {
    pub ip: Option<IpAddr>,
    /// Served over HTTPS (directly or behind a proxy saying so).
    pub secure: bool,
    /// What the request came from, for the list of sessions.
    pub device: Device,
}
