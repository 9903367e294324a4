//! Database failures as the client sees them, in one place.
//!
//! `?` turns any `sqlx::Error` into an [`AppError`]: a busy SQLite database,
//! a PostgreSQL deadlock or serialization failure is a 409 worth retrying;
//! anything else is an opaque 500. Either way the cause and the line of the
//! `?` that met it are logged (inside the request's span), never sent.
//! A constraint a caller expects to be broken (a taken key, a duplicate) is
//! told apart by its name with [`Constraint`], not by reading messages.

use crate::error::AppError;

/// The words of every "try again" conflict.
const RETRY: &str = "Too many people changed this at once. Try again.";

impl From<sqlx::Error> for AppError {
    #[track_caller]
    fn from(e: sqlx::Error) -> Self {
        let at = std::panic::Location::caller();
        if is_transient(&e) {
            tracing::warn!(error = %e, %at, "transaction conflict");
            return AppError::Conflict(RETRY.into());
        }
        if matches!(e, sqlx::Error::PoolTimedOut) {
            tracing::error!(error = %e, %at, "no database connection free");
            return AppError::Unavailable;
        }
        tracing::error!(error = %e, %at, "database error");
        AppError::Internal
    }
}

/// A failure that the same request may not meet again: PostgreSQL's
/// deadlock (40P01) and serialization failure (40001), SQLite's busy (5)
/// and busy-snapshot (517).
fn is_transient(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db)
        if matches!(db.code().as_deref(), Some("40P01" | "40001" | "5" | "517")))
}

/// A named unique or check constraint of the schema. PostgreSQL reports
/// the name; SQLite reports the columns of a unique index (`UNIQUE
/// constraint failed: orders.user_id, orders.client_key`) or the name of a
/// check, so both are given.
#[derive(Debug, Clone, Copy)]
pub struct Constraint {
    /// Its name in PostgreSQL (and a check's name in SQLite).
    pub name: &'static str,
    /// `table.column, table.column`, as SQLite names a unique index.
    pub columns: &'static str,
}

impl Constraint {
    pub const fn unique(name: &'static str, columns: &'static str) -> Self {
        Self { name, columns }
    }

    /// Whether `e` is this constraint refusing a row.
    pub fn broken_by(&self, e: &sqlx::Error) -> bool {
        let sqlx::Error::Database(db) = e else {
            return false;
        };
        if let Some(name) = db.constraint() {
            return name == self.name;
        }
        let message = db.message();
        message
            .strip_prefix("UNIQUE constraint failed: ")
            .is_some_and(|columns| columns == self.columns)
            || message
                .strip_prefix("CHECK constraint failed: ")
                .is_some_and(|name| name == self.name)
    }
}

/// `on_constraint` for database results: the expected refusal becomes the
/// caller's error; every other failure goes the usual way.
pub trait DbResultExt<T> {
    fn on_constraint(
        self,
        constraint: Constraint,
        error: impl FnOnce() -> AppError,
    ) -> Result<T, AppError>;
}

impl<T> DbResultExt<T> for Result<T, sqlx::Error> {
    #[track_caller]
    fn on_constraint(
        self,
        constraint: Constraint,
        error: impl FnOnce() -> AppError,
    ) -> Result<T, AppError> {
        match self {
            Ok(value) => Ok(value),
            Err(e) if constraint.broken_by(&e) => Err(error()),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::db::Db;

    const EMAIL: Constraint = Constraint::unique("users_email_key", "users.email");

    #[tokio::test]
    async fn a_broken_constraint_is_told_apart_by_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let db = Db::connect(&url).await.unwrap();
        sqlx::query("CREATE TABLE users (email TEXT NOT NULL UNIQUE, age INTEGER CONSTRAINT adult CHECK (age >= 18))")
            .execute(db.pool())
            .await
            .unwrap();
        let insert = |email: &'static str, age: i64| {
            let db = db.clone();
            async move {
                sqlx::query("INSERT INTO users (email, age) VALUES ($1, $2)")
                    .bind(email)
                    .bind(age)
                    .execute(db.pool())
                    .await
                    .map(|_| ())
            }
        };
        insert("a@example.com", 30).await.unwrap();
        let taken = insert("a@example.com", 30).await;
        assert!(EMAIL.broken_by(taken.as_ref().unwrap_err()));
        let refused = taken.on_constraint(EMAIL, || AppError::Conflict("taken".into()));
        assert_eq!(refused, Err(AppError::Conflict("taken".into())));

        let young = insert("b@example.com", 12).await.unwrap_err();
        assert!(!EMAIL.broken_by(&young));
        assert!(Constraint::unique("adult", "").broken_by(&young));
        // Any other failure is an opaque 500.
        let other: Result<(), AppError> =
            Err::<(), _>(young).on_constraint(EMAIL, || AppError::Conflict("taken".into()));
        assert_eq!(other, Err(AppError::Internal));
    }

    #[test]
    fn a_pool_that_has_no_connection_free_is_unavailable() {
        assert_eq!(
            AppError::from(sqlx::Error::PoolTimedOut),
            AppError::Unavailable
        );
        assert_eq!(AppError::from(sqlx::Error::RowNotFound), AppError::Internal);
    }
}
