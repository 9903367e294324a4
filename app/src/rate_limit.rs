//! Rate limits for sign-in, sign-up, refresh, second-factor codes and
//! look-ups of people by email: per client IP and per account, so neither
//! one address nor one target can be hammered; and chat messages per person. Each attempt is counted twice:
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

/// The client an address stands for: an IPv4 address as itself (also
/// when written as IPv6), an IPv6 address by its /64 (one host gets a
/// whole /64; counting each address would give it billions of allowances).
fn client(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
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
            let key = format!("ip:{}", client(ip));
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
            check_key(&self.per_ip, &client(ip))?;
        }
        if let Some(account) = account {
            check_key(&self.per_account, &account.to_lowercase())?;
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
/// the sliding minute still covers. Past `limit`, refused, and the refused
/// hit is taken back (one who waits as told is let in). A row whose minute
/// is ahead of this instance's clock is counted in, never reset.
async fn shared_window(
    conn: &mut AnyConnection,
    key: &str,
    limit: u32,
    now: i64,
) -> Result<(), AppError> {
    let bucket = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(key.as_bytes()));
    let minute = now / 60_000;
    let (hits, previous, counted_in): (i64, i64, i64) = sqlx::query_as(
        "INSERT INTO rate_limits (bucket, minute, hits, prev_hits) VALUES ($1, $2, 1, 0) \
         ON CONFLICT (bucket) DO UPDATE SET \
         prev_hits = CASE WHEN rate_limits.minute >= excluded.minute THEN rate_limits.prev_hits \
                          WHEN rate_limits.minute = excluded.minute - 1 THEN rate_limits.hits \
                          ELSE 0 END, \
         hits = CASE WHEN rate_limits.minute >= excluded.minute THEN rate_limits.hits + 1 ELSE 1 END, \
         minute = CASE WHEN rate_limits.minute > excluded.minute THEN rate_limits.minute \
                       ELSE excluded.minute END \
         RETURNING hits, prev_hits, minute",
    )
    .bind(&bucket)
    .bind(minute)
    .fetch_one(&mut *conn)
    .await
    .map_err(AppError::internal)?;
    let into_minute = (now - counted_in * 60_000).clamp(0, 59_999);
    let limit = i64::from(limit.max(1));
    if over_limit(hits, previous, into_minute, limit) {
        sqlx::query("UPDATE rate_limits SET hits = hits - 1 WHERE bucket = $1 AND minute = $2")
            .bind(&bucket)
            .bind(counted_in)
            .execute(&mut *conn)
            .await
            .map_err(AppError::internal)?;
        let wait = wait_ms(hits - 1, previous, into_minute, limit);
        return Err(AppError::TooManyRequests {
            retry_after_secs: u64::try_from((wait + 999) / 1000).unwrap_or(60).max(1),
        });
    }
    Ok(())
}

/// Whether `hits` this minute and `previous` the minute before, at
/// `into_minute` ms into this one, exceed `limit` per sliding minute.
fn over_limit(hits: i64, previous: i64, into_minute: i64, limit: i64) -> bool {
    let still_counted = previous * (60_000 - into_minute);
    hits * 60_000 + still_counted > limit * 60_000
}

/// How long until one more hit fits, with `hits` counted this minute and
/// `previous` the minute before, `into_minute` ms into this one.
fn wait_ms(hits: i64, previous: i64, into_minute: i64, limit: i64) -> i64 {
    // This minute, as the last one's hits fade out.
    if hits < limit {
        if previous == 0 {
            return 0;
        }
        // previous × (60 000 − t) ≤ (limit − hits − 1) × 60 000
        let t = 60_000 - (limit - hits - 1) * 60_000 / previous;
        return (t - into_minute).max(0);
    }
    // Next minute, as this minute's hits fade out in their turn.
    let t = if limit > 1 {
        60_000 - (limit - 1) * 60_000 / hits.max(1)
    } else {
        60_000
    };
    60_000 - into_minute + t.max(0)
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
    fn an_ipv6_host_counts_as_its_64_and_a_mapped_ipv4_as_itself() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client(a), client(b));
        assert_ne!(client(a), client(other));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(client(mapped), "192.0.2.7".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn the_wait_told_is_when_one_more_hit_fits() {
        for (hits, previous, at) in [(3, 0, 10_000), (1, 3, 1), (0, 5, 20_000), (2, 7, 59_000)] {
            let limit = 3;
            let wait = wait_ms(hits, previous, at, limit);
            // Waiting that long lets one more in...
            let (h, p, t) = if at + wait < 60_000 {
                (hits, previous, at + wait)
            } else {
                (0, hits, at + wait - 60_000)
            };
            assert!(
                !over_limit(h + 1, p, t, limit),
                "{hits} {previous} {at}: {wait}"
            );
            // ...and a second less would not have.
            if wait >= 1_000 {
                let (h, p, t) = if at + wait - 1_000 < 60_000 {
                    (hits, previous, at + wait - 1_000)
                } else {
                    (0, hits, at + wait - 61_000)
                };
                assert!(
                    over_limit(h + 1, p, t, limit),
                    "{hits} {previous} {at}: {wait}"
                );
            }
        }
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
