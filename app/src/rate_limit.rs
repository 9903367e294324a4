//! Rate limits for sign-in, sign-up, refresh and second-factor codes: per
//! client IP and per account, so neither one address nor one target can be
//! hammered; and chat messages per person. Each attempt is counted twice:
//! in memory (a rolling allowance that turns floods away without touching
//! the database) and in the database, over a sliding minute every instance
//! shares, so N instances behind a load balancer allow what one does.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::error::AppError;
use crate::kernel::db::Db;
use sqlx::AnyConnection;

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
    limits: AuthLimits,
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
            limits,
            per_ip: DefaultKeyedRateLimiter::keyed(quota(limits.per_ip_per_minute)),
            per_account: DefaultKeyedRateLimiter::keyed(quota(limits.per_account_per_minute)),
        }
    }

    /// Counts one attempt from `ip` (and on `account`, when known), here
    /// and in the window all instances share.
    pub async fn check(
        &self,
        db: &Db,
        ip: Option<IpAddr>,
        account: Option<&str>,
    ) -> Result<(), AppError> {
        self.check_here(ip, account)?;
        let now = crate::kernel::time::now_millis();
        let mut conn = db.pool().acquire().await.map_err(AppError::internal)?;
        if let Some(ip) = ip {
            let key = format!("ip:{ip}");
            shared_window(&mut conn, &key, self.limits.per_ip_per_minute, now).await?;
        }
        if let Some(account) = account {
            let key = format!("account:{}", account.to_lowercase());
            shared_window(&mut conn, &key, self.limits.per_account_per_minute, now).await?;
        }
        Ok(())
    }

    /// Counts one attempt in this instance's memory only.
    pub fn check_here(&self, ip: Option<IpAddr>, account: Option<&str>) -> Result<(), AppError> {
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
    per_minute: u32,
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
            per_minute: limits.per_minute,
            per_user: DefaultKeyedRateLimiter::keyed(quota(limits.per_minute).allow_burst(burst)),
        }
    }

    /// Counts one message of `user_id`, here (bursts) and on every
    /// instance (a minute's worth), on `conn`: the sending transaction's,
    /// so a message that is not stored is not counted either.
    pub async fn check(&self, conn: &mut AnyConnection, user_id: i64) -> Result<(), AppError> {
        check_key(&self.per_user, &user_id)?;
        let now = crate::kernel::time::now_millis();
        shared_window(conn, &format!("chat:{user_id}"), self.per_minute, now).await
    }

    pub fn shrink(&self) {
        self.per_user.retain_recent();
    }
}

/// Counts one hit on `key`, in the database every instance shares (one
/// upsert; the key is stored hashed). The allowance is per sliding minute:
/// this minute's hits plus the last minute's, weighted by how much of it
/// the sliding minute still covers. Past `limit`, refused.
async fn shared_window(
    conn: &mut AnyConnection,
    key: &str,
    limit: u32,
    now: i64,
) -> Result<(), AppError> {
    let minute = now / 60_000;
    let (hits, previous): (i64, i64) = sqlx::query_as(
        "INSERT INTO rate_limits (bucket, minute, hits, prev_hits) VALUES ($1, $2, 1, 0) \
         ON CONFLICT (bucket) DO UPDATE SET \
         prev_hits = CASE WHEN rate_limits.minute = excluded.minute THEN rate_limits.prev_hits \
                          WHEN rate_limits.minute = excluded.minute - 1 THEN rate_limits.hits \
                          ELSE 0 END, \
         hits = CASE WHEN rate_limits.minute = excluded.minute THEN rate_limits.hits + 1 ELSE 1 END, \
         minute = excluded.minute \
         RETURNING hits, prev_hits",
    )
    .bind(hex::encode(<sha2::Sha256 as sha2::Digest>::digest(key.as_bytes())))
    .bind(minute)
    .fetch_one(conn)
    .await
    .map_err(AppError::internal)?;
    if over_limit(hits, previous, now % 60_000, limit) {
        let left = 60 - (now / 1000) % 60;
        return Err(AppError::TooManyRequests {
            retry_after_secs: u64::try_from(left).unwrap_or(60).max(1),
        });
    }
    Ok(())
}

/// Whether `hits` this minute and `previous` the minute before, at
/// `into_minute` ms into this one, exceed `limit` per sliding minute.
fn over_limit(hits: i64, previous: i64, into_minute: i64, limit: u32) -> bool {
    let still_counted = previous * (60_000 - into_minute);
    hits * 60_000 + still_counted > i64::from(limit.max(1)) * 60_000
}

/// Forgets the shared counts no sliding minute covers any more.
pub async fn sweep_shared(db: &Db, now: i64) -> Result<(), AppError> {
    sqlx::query("DELETE FROM rate_limits WHERE minute < $1")
        .bind(now / 60_000 - 1)
        .execute(db.pool())
        .await
        .map_err(AppError::internal)?;
    Ok(())
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
    fn the_last_minute_counts_for_the_part_the_sliding_minute_still_covers() {
        // 3 a minute: 3 hits now are fine, a 4th is not.
        assert!(!over_limit(3, 0, 30_000, 3));
        assert!(over_limit(4, 0, 30_000, 3));
        // Just after the minute turned, the last minute's 3 still count.
        assert!(over_limit(1, 3, 1, 3));
        // Half way through, half of them do.
        assert!(!over_limit(1, 3, 30_000, 3));
        assert!(over_limit(2, 3, 30_000, 3));
    }

    #[test]
    fn the_attempt_over_the_limit_is_refused_with_a_wait_time() {
        let limiter = AuthLimiter::new(AuthLimits {
            per_ip_per_minute: 100,
            per_account_per_minute: 3,
        });
        let ip = Some("127.0.0.1".parse().unwrap());
        for _ in 0..3 {
            limiter.check_here(ip, Some("ada@example.com")).unwrap();
        }
        let err = limiter.check_here(ip, Some("ada@example.com")).unwrap_err();
        assert!(
            matches!(err, AppError::TooManyRequests { retry_after_secs } if retry_after_secs >= 1)
        );
        // Another account from the same address is still fine.
        limiter.check_here(ip, Some("bob@example.com")).unwrap();
    }
}
