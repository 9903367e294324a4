//! The database: one pool over SQLite or PostgreSQL, chosen at run time from
//! the URL. Queries are written once in portable SQL (`$1` placeholders work
//! on both); DDL differs per dialect and lives in `migrations/{sqlite,postgres}`.
//!
//! Conventions every table follows: money is `BIGINT` minor units (cents),
//! times are `BIGINT` milliseconds since the Unix epoch, UTC.

mod errors;
mod query;

pub use errors::{Constraint, DbResultExt};
pub use query::{Arg, bind_all, like_pattern};

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self, DbError> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Self::Postgres)
        } else {
            Err(DbError::UnsupportedUrl)
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("DATABASE_URL must start with sqlite: or postgres:")]
    UnsupportedUrl,
    #[error("cannot connect to the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// A cheap-to-clone handle on the pool.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
}

impl Db {
    /// Connects (creating a SQLite file if needed) without migrating.
    pub async fn connect(url: &str) -> Result<Self, DbError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let options = AnyConnectOptions::from_str(url).map_err(DbError::Connect)?;
        let pool = AnyPoolOptions::new()
            // SQLite has one writer; a few connections serve readers in WAL mode.
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the writer; NORMAL is
                        // durable in WAL mode except on power loss of the
                        // last commit. Foreign keys and a busy timeout are
                        // already set by sqlx's SQLite defaults.
                        conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(DbError::Connect)?;
        Ok(Self { pool, backend })
    }

    /// Applies the migrations of this backend that are not applied yet.
    pub async fn migrate(&self) -> Result<(), DbError> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        // On a connection of its own, closed afterwards rather than given
        // back to the pool: a SQLite connection that changed the schema
        // through writable_schema keeps the old one in memory (every other
        // connection reads the new one).
        let mut conn = self.pool.acquire().await.map_err(DbError::Connect)?;
        let result = migrator.run(&mut *conn).await;
        if let Err(e) = conn.close().await {
            tracing::warn!(error = %e, "cannot close the migrating connection");
        }
        result?;
        Ok(())
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Answers whether the database responds to a trivial query.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backend_is_chosen_by_the_url_scheme() {
        assert_eq!(Backend::from_url("sqlite://x.db").unwrap(), Backend::Sqlite);
        assert_eq!(
            Backend::from_url("postgres://h/db").unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            Backend::from_url("postgresql://h/db").unwrap(),
            Backend::Postgres
        );
        assert!(matches!(
            Backend::from_url("mysql://h/db"),
            Err(DbError::UnsupportedUrl)
        ));
    }

    #[tokio::test]
    async fn a_fresh_sqlite_file_is_created_migrated_and_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let db = Db::connect(&url).await.unwrap();
        db.migrate().await.unwrap();
        // Migrating twice is a no-op.
        db.migrate().await.unwrap();
        db.ping().await.unwrap();
        let mode: (String,) = sqlx::query_as("PRAGMA journal_mode")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(mode.0.to_lowercase(), "wal");
        let users: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(users.0, 0);
    }
}
