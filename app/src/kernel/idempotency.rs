//! Idempotency: a client names a request with a key, and a retry of it
//! (a double click, a dropped answer, a reconnecting app) gets the first
//! answer back instead of booking, ordering, paying or sending twice.
//!
//! A key belongs to one person and one [`Scope`]. The request it was first
//! used for is remembered by its [`Fingerprint`]; the same key with another
//! request is a 409. The key is claimed, and the first response stored, in
//! the same transaction as the work itself ([`begin`], [`commit`]), so a request either
//! happened with its key recorded or did not happen at all; two attempts at
//! once are serialized by the key's row, and the later one replays the
//! first. Keys are forgotten after [`TTL_MS`].

use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// How long a key is remembered: a day, like the payment APIs clients know.
pub const TTL_MS: i64 = 24 * 3_600_000;

/// What a key was used for; the same key may serve once in each.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Booking,
    Order,
    /// Deposits, withdrawals and transfers share one scope.
    Wallet,
    ChatMessage,
}

#[cfg(feature = "ssr")]
impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Booking => "booking",
            Self::Order => "order",
            Self::Wallet => "wallet",
            Self::ChatMessage => "chat_message",
        }
    }

    /// "a different booking": what the key was already used for.
    fn what(self) -> &'static str {
        match self {
            Self::Booking => "booking",
            Self::Order => "order",
            Self::Wallet => "request",
            Self::ChatMessage => "message",
        }
    }
}

/// A client's idempotency key: 1 to 100 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Key(String);

impl Key {
    /// The field errors name, as the JSON API and the forms call it.
    pub const FIELD: &'static str = "idempotencyKey";

    pub fn parse(field: &str, text: &str) -> Result<Self, AppError> {
        let text = text.trim();
        if text.is_empty() || text.len() > 100 || !text.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(AppError::bad_request(
                field,
                "An Idempotency-Key of 1 to 100 visible characters is required.",
            ));
        }
        Ok(Self(text.to_string()))
    }

    /// No key (absent or empty) is `None`; a bad one is an error.
    pub fn optional(field: &str, text: Option<&str>) -> Result<Option<Self>, AppError> {
        match text.map(str::trim) {
            None | Some("") => Ok(None),
            Some(text) => Self::parse(field, text).map(Some),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Key {
    type Error = AppError;

    fn try_from(value: String) -> Result<Self, AppError> {
        Self::parse(Self::FIELD, &value)
    }
}

impl From<Key> for String {
    fn from(key: Key) -> Self {
        key.0
    }
}

/// A fresh key for a form or a message about to be sent: made once per form
/// shown (or message typed), so that a double submit or a retry reuses it.
pub fn fresh_key() -> String {
    #[cfg(feature = "ssr")]
    {
        super::random::hex(12)
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        let word = || (js_sys::Math::random() * 4_294_967_296.0) as u64;
        format!(
            "{:08x}{:08x}{:08x}",
            js_sys::Date::now() as u64 & 0xffff_ffff,
            word(),
            word()
        )
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        String::new()
    }
}

#[cfg(feature = "ssr")]
pub use store::{Begun, Fingerprint, Request, begin, commit, resume, sweep};

#[cfg(feature = "ssr")]
mod store {
    use serde::Serialize;
    use serde::de::DeserializeOwned;
    use sha2::{Digest, Sha256};
    use sqlx::{Any, AnyConnection, AnyPool, Transaction};

    use super::{Key, Scope, TTL_MS};
    use crate::error::AppError;
    use crate::kernel::time::now_millis;

    /// What a request asked for, to tell a retry from another request
    /// under the same key: a hash of its parts.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Fingerprint(String);

    impl Fingerprint {
        pub fn of(parts: &[&str]) -> Self {
            let mut hash = Sha256::new();
            for part in parts {
                hash.update(part.as_bytes());
                // A separator no part contains, so ("ab", "c") ≠ ("a", "bc").
                hash.update([0x1f]);
            }
            Self(hex::encode(&hash.finalize()[..16]))
        }
    }

    /// One keyed request of one person.
    #[derive(Debug, Clone)]
    pub struct Request {
        user_id: i64,
        scope: Scope,
        key: Key,
        fingerprint: Fingerprint,
    }

    impl Request {
        pub fn new(user_id: i64, scope: Scope, key: Key, fingerprint: Fingerprint) -> Self {
            Self {
                user_id,
                scope,
                key,
                fingerprint,
            }
        }

        /// The first response to this key, if it has one; a 409 if the key
        /// was used for another request, or its request is still under way.
        pub async fn replay<T: DeserializeOwned>(
            &self,
            conn: &mut AnyConnection,
        ) -> Result<Option<T>, AppError> {
            let row: Option<(String, Option<String>)> = sqlx::query_as(
                "SELECT fingerprint, response FROM idempotency_keys \
                 WHERE user_id = $1 AND scope = $2 AND key = $3 AND created_at >= $4",
            )
            .bind(self.user_id)
            .bind(self.scope.as_str())
            .bind(self.key.as_str())
            .bind(now_millis() - TTL_MS)
            .fetch_optional(conn)
            .await?;
            let Some((fingerprint, response)) = row else {
                return Ok(None);
            };
            if fingerprint != self.fingerprint.0 {
                return Err(AppError::Conflict(format!(
                    "This Idempotency-Key was already used for a different {}.",
                    self.scope.what()
                )));
            }
            let response = response.ok_or_else(|| {
                AppError::Conflict("This request is being processed already.".into())
            })?;
            // A response kept by an older release may not read as today's
            // type: the request was made all the same, so never redo it.
            serde_json::from_str(&response).map(Some).map_err(|e| {
                tracing::warn!(error = %e, "a kept response no longer reads");
                AppError::Conflict(format!(
                    "This {} was made already with this Idempotency-Key.",
                    self.scope.what()
                ))
            })
        }

        /// [`Request::replay`] on a connection of the pool's own.
        pub async fn replay_on<T: DeserializeOwned>(
            &self,
            pool: &AnyPool,
        ) -> Result<Option<T>, AppError> {
            self.replay(&mut *pool.acquire().await?).await
        }

        /// Claims the key inside the transaction that does the work, as its
        /// first write (SQLite can't upgrade a transaction that read first
        /// once another writer committed). `false`: another request holds
        /// it; PostgreSQL makes this wait until that one commits or rolls
        /// back, SQLite's single writer does the same.
        pub async fn claim(&self, conn: &mut AnyConnection) -> Result<bool, AppError> {
            let now = now_millis();
            // An expired key is taken over; a live one is left alone.
            let claimed: Option<(i64,)> = sqlx::query_as(
                "INSERT INTO idempotency_keys (user_id, scope, key, fingerprint, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $5) \
                 ON CONFLICT (user_id, scope, key) DO UPDATE SET fingerprint = excluded.fingerprint, \
                 response = NULL, created_at = excluded.created_at, updated_at = excluded.updated_at \
                 WHERE idempotency_keys.created_at < $6 \
                 RETURNING user_id",
            )
            .bind(self.user_id)
            .bind(self.scope.as_str())
            .bind(self.key.as_str())
            .bind(&self.fingerprint.0)
            .bind(now)
            .bind(now - TTL_MS)
            .fetch_optional(conn)
            .await?;
            Ok(claimed.is_some())
        }

        /// Keeps the response with the key, in the work's transaction.
        pub async fn save<T: Serialize>(
            &self,
            conn: &mut AnyConnection,
            response: &T,
        ) -> Result<(), AppError> {
            let json = serde_json::to_string(response).map_err(AppError::internal)?;
            sqlx::query(
                "UPDATE idempotency_keys SET response = $4, updated_at = $5 \
                 WHERE user_id = $1 AND scope = $2 AND key = $3",
            )
            .bind(self.user_id)
            .bind(self.scope.as_str())
            .bind(self.key.as_str())
            .bind(json)
            .bind(now_millis())
            .execute(conn)
            .await?;
            Ok(())
        }
    }

    /// How a keyed piece of work starts: with the first response to give
    /// back, or with the transaction to do it in.
    pub enum Begun<T> {
        Replayed(T),
        Fresh(Transaction<'static, Any>),
    }

    /// Starts a piece of work that happens once per key: the first
    /// response if this is a retry (also of an attempt that was under way
    /// at the same moment: the key's row makes it wait for that one), else
    /// a transaction in which the key is claimed. Do the work in it, then
    /// [`commit`]; returning early rolls back and keeps no key. Without a
    /// key it is simply a transaction.
    pub async fn begin<T: DeserializeOwned>(
        pool: &AnyPool,
        request: Option<&Request>,
    ) -> Result<Begun<T>, AppError> {
        if let Some(request) = request
            && let Some(first) = request.replay_on(pool).await?
        {
            return Ok(Begun::Replayed(first));
        }
        resume(pool, request).await
    }

    /// [`begin`] for a caller that replayed already, before work a retry
    /// must not do again (charging a card, checking what may have changed
    /// since): claims the key, or replays an attempt that got there
    /// meanwhile.
    pub async fn resume<T: DeserializeOwned>(
        pool: &AnyPool,
        request: Option<&Request>,
    ) -> Result<Begun<T>, AppError> {
        let Some(request) = request else {
            return Ok(Begun::Fresh(pool.begin().await?));
        };
        let mut tx = pool.begin().await?;
        if request.claim(&mut tx).await? {
            return Ok(Begun::Fresh(tx));
        }
        drop(tx);
        // The other attempt has committed by now: its response is there.
        match request.replay_on(pool).await? {
            Some(first) => Ok(Begun::Replayed(first)),
            None => Err(AppError::Conflict(
                "This request is being processed already.".into(),
            )),
        }
    }

    /// Keeps `response` as the key's first response and commits the work.
    pub async fn commit<T: Serialize>(
        mut tx: Transaction<'static, Any>,
        request: Option<&Request>,
        response: &T,
    ) -> Result<(), AppError> {
        if let Some(request) = request {
            request.save(&mut tx, response).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Forgets keys past their time; returns how many.
    pub async fn sweep(pool: &AnyPool, now: i64) -> Result<u64, AppError> {
        let done = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(now - TTL_MS)
            .execute(pool)
            .await?;
        Ok(done.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_short_visible_text() {
        assert_eq!(Key::parse("k", " abc-1 ").unwrap().as_str(), "abc-1");
        for bad in ["", "   ", "with space", "é", &"a".repeat(101)] {
            let err = Key::parse("idempotencyKey", bad).unwrap_err();
            assert_eq!(err.status(), 400, "{bad:?}");
        }
        assert_eq!(Key::optional("k", None).unwrap(), None);
        assert_eq!(Key::optional("k", Some(" ")).unwrap(), None);
        assert!(Key::optional("k", Some("a b")).is_err());
        let key: Key = serde_json::from_str("\"k-1\"").unwrap();
        assert_eq!(serde_json::to_string(&key).unwrap(), "\"k-1\"");
        assert!(serde_json::from_str::<Key>("\"\"").is_err());
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn fingerprints_tell_requests_apart() {
        assert_eq!(Fingerprint::of(&["a", "b"]), Fingerprint::of(&["a", "b"]));
        assert_ne!(Fingerprint::of(&["ab", "c"]), Fingerprint::of(&["a", "bc"]));
        assert_eq!(fresh_key().len(), 24);
        assert_ne!(fresh_key(), fresh_key());
    }

    #[cfg(feature = "ssr")]
    mod store {
        use super::*;
        use crate::kernel::db::Db;

        async fn db() -> (tempfile::TempDir, Db) {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
            let db = Db::connect(&url).await.unwrap();
            db.migrate().await.unwrap();
            sqlx::query(
                "INSERT INTO users (email, display_name, password_hash, role, bio, created_at, updated_at) \
                 VALUES ('a@example.com', 'A', 'x', 'attendee', '', 0, 0)",
            )
            .execute(db.pool())
            .await
            .unwrap();
            sqlx::query("CREATE TABLE work (n BIGINT NOT NULL)")
                .execute(db.pool())
                .await
                .unwrap();
            (dir, db)
        }

        fn request(key: &str, what: &str) -> Request {
            Request::new(
                1,
                Scope::Wallet,
                Key::parse("k", key).unwrap(),
                Fingerprint::of(&[what]),
            )
        }

        async fn work_done(db: &Db) -> i64 {
            let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM work")
                .fetch_one(db.pool())
                .await
                .unwrap();
            n
        }

        /// Some keyed work: `(response, replayed)`.
        async fn deposit(
            db: &Db,
            request: Option<&Request>,
            n: i64,
        ) -> Result<(i64, bool), AppError> {
            let mut tx = match begin(db.pool(), request).await? {
                Begun::Replayed(first) => return Ok((first, true)),
                Begun::Fresh(tx) => tx,
            };
            sqlx::query("INSERT INTO work (n) VALUES ($1)")
                .bind(n)
                .execute(&mut *tx)
                .await?;
            commit(tx, request, &(n * 10)).await?;
            Ok((n * 10, false))
        }

        #[tokio::test]
        async fn a_retry_gets_the_first_response_and_does_no_work() {
            let (_dir, db) = db().await;
            let first = deposit(&db, Some(&request("k-1", "deposit 5")), 5)
                .await
                .unwrap();
            assert_eq!(first, (50, false));
            // The retry carries other work, which must not run.
            let again = deposit(&db, Some(&request("k-1", "deposit 5")), 6)
                .await
                .unwrap();
            assert_eq!(again, (50, true));
            assert_eq!(work_done(&db).await, 1);
            // The same key for another request is refused; nothing runs.
            let other = deposit(&db, Some(&request("k-1", "deposit 7")), 7).await;
            assert!(matches!(other, Err(AppError::Conflict(m)) if m.contains("different request")));
            // Without a key every call is new.
            deposit(&db, None, 8).await.unwrap();
            deposit(&db, None, 8).await.unwrap();
            assert_eq!(work_done(&db).await, 3);
        }

        #[tokio::test]
        async fn failed_work_keeps_no_key_and_can_be_retried() {
            let (_dir, db) = db().await;
            let Begun::<i64>::Fresh(mut tx) =
                begin(db.pool(), Some(&request("k-2", "x"))).await.unwrap()
            else {
                panic!("a new key is fresh");
            };
            sqlx::query("INSERT INTO work (n) VALUES (1)")
                .execute(&mut *tx)
                .await
                .unwrap();
            // The work fails (sold out, say): the transaction goes, key and all.
            drop(tx);
            assert_eq!(work_done(&db).await, 0, "rolled back");
            let retried = deposit(&db, Some(&request("k-2", "x")), 2).await.unwrap();
            assert!(!retried.1);
            assert_eq!(work_done(&db).await, 1);
        }

        #[tokio::test]
        async fn concurrent_attempts_with_one_key_work_once() {
            let (_dir, db) = db().await;
            let attempts = (0..12).map(|_| {
                let db = db.clone();
                tokio::spawn(async move { deposit(&db, Some(&request("k-3", "x")), 3).await })
            });
            let outcomes: Vec<_> = futures::future::join_all(attempts).await;
            let mut fresh = 0;
            for outcome in outcomes {
                let (response, replayed) = outcome.unwrap().unwrap();
                assert_eq!(response, 30);
                fresh += usize::from(!replayed);
            }
            assert_eq!(fresh, 1);
            assert_eq!(work_done(&db).await, 1);
        }

        #[tokio::test]
        async fn keys_are_forgotten_after_a_day() {
            let (_dir, db) = db().await;
            deposit(&db, Some(&request("k-4", "x")), 4).await.unwrap();
            sqlx::query("UPDATE idempotency_keys SET created_at = created_at - $1")
                .bind(TTL_MS + 1)
                .execute(db.pool())
                .await
                .unwrap();
            // A key past its day is a new request (even another one)...
            let later = deposit(&db, Some(&request("k-4", "y")), 5).await.unwrap();
            assert!(!later.1);
            assert_eq!(work_done(&db).await, 2);
            // ...and the sweep removes what is old.
            sqlx::query("UPDATE idempotency_keys SET created_at = created_at - $1")
                .bind(TTL_MS + 1)
                .execute(db.pool())
                .await
                .unwrap();
            assert_eq!(
                sweep(db.pool(), crate::kernel::time::now_millis())
                    .await
                    .unwrap(),
                1
            );
        }
    }
}
