//! The SQL of accounts: users, sessions and refresh tokens. Portable across
//! SQLite and PostgreSQL; every write that must be atomic takes a transaction.

use sqlx::{Any, AnyPool, Transaction};

use super::model::{Me, PublicProfile, Role, UserSummary};
use crate::error::AppError;
use crate::kernel::db::{Constraint, DbResultExt};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub bio: String,
    pub avatar_path: Option<String>,
    pub created_at: i64,
    /// The authenticator's shared secret (base32), once two-factor sign-in is on.
    pub totp_secret: Option<String>,
}

const USER_COLUMNS: &str =
    "id, email, display_name, password_hash, role, bio, avatar_path, created_at, totp_secret";

impl UserRow {
    pub fn role(&self) -> Role {
        self.role
    }

    pub fn avatar_url(&self) -> Option<String> {
        self.avatar_path
            .as_ref()
            .map(|file| format!("/avatars/{file}"))
    }

    pub fn two_factor(&self) -> bool {
        self.totp_secret.is_some()
    }

    /// The person as a session sees them. An admin's powers need a session
    /// that proved the second factor: until then they act as an attendee,
    /// and `needs_second_factor` tells the pages why.
    pub fn me_in_session(&self, second_factor: bool) -> Me {
        let locked = self.role == Role::Admin && !second_factor;
        Me {
            id: self.id,
            email: self.email.clone(),
            display_name: self.display_name.clone(),
            role: if locked { Role::Attendee } else { self.role() },
            bio: self.bio.clone(),
            avatar_url: self.avatar_url(),
            two_factor: self.two_factor(),
            needs_second_factor: locked,
        }
    }

    /// The person outside any session (admin tools, the CLI): their account's role.
    pub fn me(&self) -> Me {
        self.me_in_session(true)
    }

    /// The role others see: an admin shows as an attendee, so that nobody
    /// can list the admins (whose accounts are the ones worth attacking).
    fn public_role(&self) -> Role {
        match self.role {
            Role::Admin => Role::Attendee,
            role => role,
        }
    }

    pub fn public(&self) -> PublicProfile {
        PublicProfile {
            id: self.id,
            display_name: self.display_name.clone(),
            role: self.public_role(),
            bio: self.bio.clone(),
            avatar_url: self.avatar_url(),
            member_since: self.created_at,
        }
    }

    pub fn summary(&self) -> UserSummary {
        UserSummary {
            id: self.id,
            display_name: self.display_name.clone(),
            role: self.public_role(),
            avatar_url: self.avatar_url(),
        }
    }
}

/// One account per email.
const EMAIL_TAKEN: Constraint = Constraint::unique("users_email_key", "users.email");

pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
}

/// Inserts a user; a taken email is a 409.
pub async fn insert_user(
    tx: &mut Transaction<'_, Any>,
    user: NewUser<'_>,
    now: i64,
) -> Result<UserRow, AppError> {
    let sql = format!(
        "INSERT INTO users (email, display_name, password_hash, role, bio, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, '', $5, $5) RETURNING {USER_COLUMNS}"
    );
    sqlx::query_as::<_, UserRow>(&sql)
        .bind(user.email)
        .bind(user.display_name)
        .bind(user.password_hash)
        .bind(user.role.as_str())
        .bind(now)
        .fetch_one(&mut **tx)
        .await
        .on_constraint(EMAIL_TAKEN, || {
            AppError::Conflict("An account with this email already exists.".into())
        })
}

pub async fn user_by_email(pool: &AnyPool, email: &str) -> Result<Option<UserRow>, AppError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
    Ok(sqlx::query_as(&sql)
        .bind(email)
        .fetch_optional(pool)
        .await?)
}

pub async fn user_by_id(pool: &AnyPool, id: i64) -> Result<Option<UserRow>, AppError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?)
}

/// The user of a session, and whether the session proved a second factor.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionUser {
    #[sqlx(flatten)]
    pub user: UserRow,
    pub second_factor_at: Option<i64>,
}

impl SessionUser {
    pub fn me(&self) -> Me {
        self.user.me_in_session(self.second_factor_at.is_some())
    }
}

/// The user of a session that is neither revoked nor expired.
pub async fn session_user(
    pool: &AnyPool,
    session_id: &str,
    now: i64,
) -> Result<Option<SessionUser>, AppError> {
    let columns = USER_COLUMNS
        .split(", ")
        .map(|c| format!("u.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {columns}, s.second_factor_at FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.id = $1 AND s.revoked_at IS NULL AND s.expires_at > $2"
    );
    Ok(sqlx::query_as(&sql)
        .bind(session_id)
        .bind(now)
        .fetch_optional(pool)
        .await?)
}

/// A session about to start.
pub struct NewSession<'a> {
    pub id: &'a str,
    pub user_id: i64,
    /// "Firefox on Linux".
    pub device: &'a str,
    pub expires_at: i64,
    /// Signed in with a second factor.
    pub second_factor: bool,
}

pub async fn insert_session(
    tx: &mut Transaction<'_, Any>,
    new: NewSession<'_>,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO sessions (id, user_id, device, created_at, last_seen_at, expires_at, \
         second_factor_at) VALUES ($1, $2, $3, $4, $4, $5, $6)",
    )
    .bind(new.id)
    .bind(new.user_id)
    .bind(new.device)
    .bind(now)
    .bind(new.expires_at)
    .bind(new.second_factor.then_some(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Notes that a session was just used (refreshed).
pub async fn touch_session(
    tx: &mut Transaction<'_, Any>,
    session_id: &str,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
        .bind(now)
        .bind(session_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A person's open sessions: (id, device, created_at, last_seen_at), the
/// most recently used first.
pub async fn open_sessions(
    pool: &AnyPool,
    user_id: i64,
    now: i64,
) -> Result<Vec<(String, String, i64, i64)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, device, created_at, COALESCE(last_seen_at, created_at) AS seen FROM sessions \
         WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 \
         ORDER BY seen DESC, created_at DESC",
    )
    .bind(user_id)
    .bind(now)
    .fetch_all(pool)
    .await?)
}

/// Revokes every open session of a person but `keep`.
pub async fn revoke_other_sessions(
    pool: &AnyPool,
    user_id: i64,
    keep: &str,
    now: i64,
) -> Result<u64, AppError> {
    Ok(sqlx::query(
        "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND id <> $3 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .bind(keep)
    .execute(pool)
    .await?
    .rows_affected())
}

pub async fn set_password_hash(
    pool: &AnyPool,
    user_id: i64,
    hash: &str,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(now)
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn insert_refresh_token(
    tx: &mut Transaction<'_, Any>,
    token_hash: &str,
    session_id: &str,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO refresh_tokens (token_hash, session_id, created_at) VALUES ($1, $2, $3)",
    )
    .bind(token_hash)
    .bind(session_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What presenting a refresh token found.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenUse {
    /// First use: it is now marked used. Carries the session id.
    Fresh(String),
    /// Used before, at `used_at`, by the client `used_by` names.
    Reused {
        session_id: String,
        used_at: i64,
        used_by: Option<String>,
    },
    Unknown,
}

/// Marks a refresh token used, atomically: of two concurrent uses exactly
/// one sees `Fresh`.
pub async fn use_refresh_token(
    tx: &mut Transaction<'_, Any>,
    token_hash: &str,
    used_by: &str,
    now: i64,
) -> Result<TokenUse, AppError> {
    let fresh: Option<(String,)> = sqlx::query_as(
        "UPDATE refresh_tokens SET used_at = $1, used_by = $3 WHERE token_hash = $2 AND used_at IS NULL \
         RETURNING session_id",
    )
    .bind(now)
    .bind(token_hash)
    .bind(used_by)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some((session_id,)) = fresh {
        return Ok(TokenUse::Fresh(session_id));
    }
    let used: Option<(String, Option<i64>, Option<String>)> = sqlx::query_as(
        "SELECT session_id, used_at, used_by FROM refresh_tokens WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(match used {
        Some((session_id, Some(used_at), used_by)) => TokenUse::Reused {
            session_id,
            used_at,
            used_by,
        },
        _ => TokenUse::Unknown,
    })
}

pub async fn session_of_token(
    pool: &AnyPool,
    token_hash: &str,
) -> Result<Option<String>, AppError> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT session_id FROM refresh_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(pool)
            .await?;
    Ok(row.map(|(s,)| s))
}

pub async fn revoke_session<'e, E>(executor: E, session_id: &str, now: i64) -> Result<(), AppError>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(session_id)
        .execute(executor)
        .await?;
    Ok(())
}

pub async fn revoke_user_sessions(pool: &AnyPool, user_id: i64, now: i64) -> Result<u64, AppError> {
    Ok(
        sqlx::query(
            "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(user_id)
        .execute(pool)
        .await
        .map(|r| r.rows_affected())?,
    )
}

pub async fn update_profile(
    pool: &AnyPool,
    user_id: i64,
    display_name: &str,
    bio: &str,
    now: i64,
) -> Result<UserRow, AppError> {
    let sql = format!(
        "UPDATE users SET display_name = $1, bio = $2, updated_at = $3 WHERE id = $4 RETURNING {USER_COLUMNS}"
    );
    sqlx::query_as(&sql)
        .bind(display_name)
        .bind(bio)
        .bind(now)
        .bind(user_id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| AppError::NotFound("The account".into()))
}

/// Sets the avatar file and returns the one it replaces.
pub async fn set_avatar(
    pool: &AnyPool,
    user_id: i64,
    file: &str,
    now: i64,
) -> Result<Option<String>, AppError> {
    let mut tx = pool.begin().await?;
    let old: Option<(Option<String>,)> =
        sqlx::query_as("SELECT avatar_path FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((old,)) = old else {
        return Err(AppError::NotFound("The account".into()));
    };
    sqlx::query("UPDATE users SET avatar_path = $1, updated_at = $2 WHERE id = $3")
        .bind(file)
        .bind(now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(old)
}

pub async fn set_role(pool: &AnyPool, user_id: i64, role: Role, now: i64) -> Result<(), AppError> {
    sqlx::query("UPDATE users SET role = $1, updated_at = $2 WHERE id = $3")
        .bind(role.as_str())
        .bind(now)
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Escapes LIKE wildcards so a search for `50%` means the characters.
fn like_prefix(query: &str) -> String {
    let escaped = query
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("{escaped}%")
}

/// Users whose name (any word of it) starts with `query`, or whose email
/// is exactly `query`, by name. (An email prefix would let anyone spell out
/// other people's addresses letter by letter.)
pub async fn search_users(
    pool: &AnyPool,
    query: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<UserRow>, AppError> {
    let q = query.trim().to_lowercase();
    let prefix = like_prefix(&q);
    let word = format!("% {prefix}");
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM users \
         WHERE lower(display_name) LIKE $1 ESCAPE '\\' OR lower(display_name) LIKE $2 ESCAPE '\\' \
            OR email = $5 \
         ORDER BY lower(display_name), id LIMIT $3 OFFSET $4"
    );
    Ok(sqlx::query_as(&sql)
        .bind(&prefix)
        .bind(&word)
        .bind(limit)
        .bind(offset)
        .bind(&q)
        .fetch_all(pool)
        .await?)
}

pub async fn list_users(pool: &AnyPool, limit: i64, offset: i64) -> Result<Vec<UserRow>, AppError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY id DESC LIMIT $1 OFFSET $2");
    Ok(sqlx::query_as(&sql)
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await?)
}
