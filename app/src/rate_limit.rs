//! In-memory rate limits for sign-in, sign-up and refresh: per client IP and
//! per account, so neither one address nor one target can be hammered.
//! Each instance counts on its own; behind N instances the effective limit
//! is up to N times higher.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::error::AppError;

/// Attempts allowed per minute, each with a burst of the same size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthLimits {
    pub per_ip_per_minute: u32,
    pub per_account_per_minute: u32,
}

impl Default for AuthLimits {
    fn default() -> Self {
        Self {
            per_ip_per_minute: 30,
            per_account_per_minute: 10,
        }
    }
}

pub struct AuthLimiter {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    per_account: DefaultKeyedRateLimiter<String>,
}

impl std::fmt::Debug for AuthLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthLimiter")
    }
}

fn quota(per_minute: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN))
}

impl AuthLimiter {
    pub fn new(limits: AuthLimits) -> Self {
        Self {
            per_ip: DefaultKeyedRateLimiter::keyed(quota(limits.per_ip_per_minute)),
            per_account: DefaultKeyedRateLimiter::keyed(quota(limits.per_account_per_minute)),
        }
    }

    /// Counts one attempt from `ip` (and on `account`, when known).
    pub fn check(&self, ip: Option<IpAddr>, account: Option<&str>) -> Result<(), AppError> {
        if let Some(ip) = ip {
            check_key(&self.per_ip, &ip)?;
        }
        if let Some(account) = account {
            check_key(&self.per_account, &account.to_string())?;
        }
        Ok(())
    }

    /// Forgets keys that are back to a full allowance (call now and then).
    pub fn shrink(&self) {
        self.per_ip.retain_recent();
        self.per_account.retain_recent();
    }
}

/// Chat messages per person: `per_minute` on average, in bursts of up to
/// `burst`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChatLimits {
    pub per_minute: u32,
    pub burst: u32,
}

impl Default for ChatLimits {
    fn default() -> Self {
        Self {
            per_minute: 120,
            burst: 30,
        }
    }
}

pub struct ChatLimiter {
    per_user: DefaultKeyedRateLimiter<i64>,
}

impl std::fmt::Debug for ChatLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChatLimiter")
    }
}

impl ChatLimiter {
    pub fn new(limits: ChatLimits) -> Self {
        let burst = NonZeroU32::new(limits.burst).unwrap_or(NonZeroU32::MIN);
        Self {
            per_user: DefaultKeyedRateLimiter::keyed(quota(limits.per_minute).allow_burst(burst)),
        }
    }

    /// Counts one message of `user_id`.
    pub fn check(&self, user_id: i64) -> Result<(), AppError> {
        check_key(&self.per_user, &user_id)
    }

    pub fn shrink(&self) {
        self.per_user.retain_recent();
    }
}

fn check_key<K: Hash + Eq + Clone>(
    limiter: &DefaultKeyedRateLimiter<K>,
    key: &K,
) -> Result<(), AppError> {
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        AppError::TooManyRequests {
            retry_after_secs: wait.as_secs().max(1),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_attempt_over_the_limit_is_refused_with_a_wait_time() {
        let limiter = AuthLimiter::new(AuthLimits {
            per_ip_per_minute: 100,
            per_account_per_minute: 3,
        });
        let ip = Some("127.0.0.1".parse().unwrap());
        for _ in 0..3 {
            limiter.check(ip, Some("ada@example.com")).unwrap();
        }
        let err = limiter.check(ip, Some("ada@example.com")).unwrap_err();
        assert!(
            matches!(err, AppError::TooManyRequests { retry_after_secs } if retry_after_secs >= 1)
        );
        // Another account from the same address is still fine.
        limiter.check(ip, Some("bob@example.com")).unwrap();
    }
}
