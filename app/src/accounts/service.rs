//! Account flows shared by the pages (server functions) and the JSON API:
//! register, sign in, refresh, sign out, authenticate.

use super::model::{self, Me, Role};
use super::request::RequestMeta;
use super::store::{self, NewUser, TokenUse, UserRow};
use super::{password, tokens};
use crate::error::AppError;
use crate::kernel::ids::UserId;
use crate::kernel::time::now_millis;
use crate::live::hub::Ended;
use crate::state::AppState;

/// A refresh token presented again within this window after its first use
/// is taken for a race between two tabs or requests, not theft: the session
/// stays, and the late request gets an access token but no new refresh token.
const REUSE_GRACE_MS: i64 = 10_000;

/// The signed-in user of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser {
    pub id: i64,
    pub role: Role,
    pub session_id: String,
    pub me: Me,
    /// When the access token this request came with expires (seconds since
    /// the Unix epoch): a websocket opened with it closes then.
    pub token_expires_at: i64,
}

impl AuthUser {
    /// 403 unless the user has `role` (admins pass every role check).
    pub fn require_role(&self, role: Role) -> Result<(), AppError> {
        if self.role == role || self.role == Role::Admin {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// 403 unless the user owns the thing (`owner_id`) or is an admin.
    /// Callers that must not reveal whether the thing exists answer 404 instead.
    pub fn require_owner(&self, owner_id: i64) -> Result<(), AppError> {
        if self.id == owner_id || self.role == Role::Admin {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// What signing in (or refreshing) hands to the client.
#[derive(Debug, Clone)]
pub struct IssuedSession {
    pub user: AuthUser,
    pub access_token: String,
    /// Seconds since the Unix epoch.
    pub access_expires_at: i64,
    /// `None` when a concurrent refresh already rotated the token.
    pub refresh_token: Option<String>,
}

pub struct Registration {
    pub email: String,
    pub password: String,
    pub display_name: String,
    pub role: String,
}

fn auth_user(
    row: &UserRow,
    second_factor: bool,
    session_id: &str,
    token_expires_at: i64,
) -> AuthUser {
    let me = row.me_in_session(second_factor);
    AuthUser {
        id: row.id,
        role: me.role,
        session_id: session_id.to_string(),
        me,
        token_expires_at,
    }
}

/// A session's access token (and refresh token, when there is a new one).
pub(super) fn issue(
    state: &AppState,
    row: &UserRow,
    second_factor: bool,
    session_id: &str,
    refresh: Option<String>,
    now: i64,
) -> Result<IssuedSession, AppError> {
    let user = auth_user(row, second_factor, session_id, 0);
    let (access_token, claims) = tokens::issue_access(
        &state.config.jwt_secret,
        row.id,
        session_id,
        user.role.as_str(),
        now,
    )?;
    Ok(IssuedSession {
        user: AuthUser {
            token_expires_at: claims.exp,
            ..user
        },
        access_token,
        access_expires_at: claims.exp,
        refresh_token: refresh,
    })
}

/// Starts a session for `row` in `tx`: the session row and its first
/// refresh token. `device` is its label ("Firefox on Linux").
pub(super) async fn start_session(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: i64,
    device: &str,
    second_factor: bool,
    now: i64,
) -> Result<(String, String), AppError> {
    let session_id = tokens::new_session_id();
    let new = store::NewSession {
        id: &session_id,
        user_id,
        device,
        expires_at: now + tokens::SESSION_TTL_MS,
        second_factor,
    };
    store::insert_session(tx, new, now).await?;
    let (refresh, hash) = tokens::new_refresh_token();
    store::insert_refresh_token(tx, &hash, &session_id, now).await?;
    Ok((session_id, refresh))
}

/// (No email in the span: logs are not a list of addresses.)
#[tracing::instrument(skip_all, err)]
pub async fn register(
    state: &AppState,
    input: Registration,
    meta: RequestMeta,
) -> Result<IssuedSession, AppError> {
    let email = model::parse_email(&input.email)?;
    state
        .auth_limiter
        .check(&state.db, meta.ip, Some(&email))
        .await?;
    model::check_password(&input.password)?;
    password::check_not_common(&input.password, &[&email, &input.display_name])?;
    let role = Role::parse_sign_up(&input.role)?;
    let display_name = match model::parse_display_name(&input.display_name)? {
        name if name.is_empty() => model::default_display_name(),
        name => name,
    };
    let password_hash = password::hash(input.password).await?;
    let now = now_millis();
    let pool = state.db.pool();
    let mut tx = pool.begin().await.map_err(AppError::internal)?;
    let row = store::insert_user(
        &mut tx,
        NewUser {
            email: &email,
            display_name: &display_name,
            password_hash: &password_hash,
            role,
        },
        now,
    )
    .await?;
    let (session_id, refresh) =
        start_session(&mut tx, row.id, &meta.device.label(), false, now).await?;
    tx.commit().await.map_err(AppError::internal)?;
    tracing::info!(user_id = row.id, role = role.as_str(), "account created");
    issue(state, &row, false, &session_id, Some(refresh), now)
}

/// Who is refreshing, as stored with the token's use: a hash of the
/// client's address and device (the address itself is not kept).
fn client_mark(meta: &RequestMeta) -> String {
    let ip = meta.ip.map(|ip| ip.to_string()).unwrap_or_default();
    tokens::hash_token(&format!("{ip}|{}", meta.device.label()))
}

/// Rotates a refresh token. A token used twice revokes its whole session:
/// someone has a copy. The one exception is the same client presenting it
/// again within a short grace window (two tabs refreshing at once): that
/// request gets an access token, and no new refresh token.
#[tracing::instrument(skip_all, err)]
pub async fn refresh(
    state: &AppState,
    refresh_token: &str,
    meta: RequestMeta,
) -> Result<IssuedSession, AppError> {
    let ip = meta.ip;
    let mark = client_mark(&meta);
    let hash = tokens::hash_token(refresh_token.trim());
    let now = now_millis();
    let pool = state.db.pool();
    // Per address, and per session (the account's side of refreshing).
    let session_key = store::session_of_token(pool, &hash)
        .await?
        .map(|session| format!("session:{session}"));
    state
        .auth_limiter
        .check(&state.db, ip, session_key.as_deref())
        .await?;
    let mut tx = pool.begin().await.map_err(AppError::internal)?;
    let (session_id, successor) = match store::use_refresh_token(&mut tx, &hash, &mark, now).await?
    {
        TokenUse::Fresh(session_id) => {
            let (token, hash) = tokens::new_refresh_token();
            store::insert_refresh_token(&mut tx, &hash, &session_id, now).await?;
            store::touch_session(&mut tx, &session_id, now).await?;
            (session_id, Some(token))
        }
        TokenUse::Reused {
            session_id,
            used_at,
            used_by,
        } if now - used_at <= REUSE_GRACE_MS && used_by.as_deref() == Some(mark.as_str()) => {
            (session_id, None)
        }
        TokenUse::Reused { session_id, .. } => {
            store::revoke_session(&mut *tx, &session_id, now).await?;
            tx.commit().await.map_err(AppError::internal)?;
            state.live.end_sessions(Ended::Session(session_id.clone()));
            tracing::warn!(session_id, "refresh token reused: session revoked");
            return Err(AppError::Unauthorized);
        }
        TokenUse::Unknown => return Err(AppError::Unauthorized),
    };
    tx.commit().await.map_err(AppError::internal)?;
    let found = store::session_user(pool, &session_id, now)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let proved = found.second_factor_at.is_some();
    issue(state, &found.user, proved, &session_id, successor, now)
}

/// The user behind an access token, if the token is valid and its session
/// is still open.
pub async fn authenticate(state: &AppState, access_token: &str) -> Result<AuthUser, AppError> {
    let claims = tokens::verify_access(&state.config.jwt_secret, access_token)?;
    let now = now_millis();
    let memo = state.live.sessions();
    let found = match memo.get::<store::SessionUser>(&claims.sid, now) {
        Some(found) => found,
        None => {
            let ticket = memo.ticket();
            let found = store::session_user(state.db.pool(), &claims.sid, now)
                .await?
                .ok_or(AppError::Unauthorized)?;
            let found = std::sync::Arc::new(found);
            memo.keep(&claims.sid, found.user.id, ticket, now, found.clone());
            found
        }
    };
    if found.user.id.to_string() != claims.sub {
        return Err(AppError::Unauthorized);
    }
    let proved = found.second_factor_at.is_some();
    Ok(auth_user(&found.user, proved, &claims.sid, claims.exp))
}

/// Ends a session: its tokens stop working and its sockets close, on every
/// instance.
pub async fn logout(state: &AppState, session_id: &str) -> Result<(), AppError> {
    store::revoke_session(state.db.pool(), session_id, now_millis()).await?;
    state
        .live
        .end_sessions(Ended::Session(session_id.to_string()));
    Ok(())
}

/// Revokes the session a refresh token belongs to, if it is the user's.
pub async fn revoke_refresh_token(
    state: &AppState,
    user: &AuthUser,
    refresh_token: &str,
) -> Result<(), AppError> {
    let hash = tokens::hash_token(refresh_token.trim());
    let pool = state.db.pool();
    let session_id = store::session_of_token(pool, &hash)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let owner = store::session_user(pool, &session_id, now_millis()).await?;
    match owner {
        Some(found) if found.user.id == user.id => logout(state, &session_id).await,
        // Revoked already, or someone else's: nothing to do, nothing to tell.
        _ => Ok(()),
    }
}

/// Signs a person out everywhere: every session, every socket.
pub async fn revoke_all(state: &AppState, user: &AuthUser) -> Result<u64, AppError> {
    let revoked = store::revoke_user_sessions(state.db.pool(), user.id, now_millis()).await?;
    state.live.end_sessions(Ended::AllOf {
        user_id: user.id,
        except: None,
    });
    Ok(revoked)
}

/// The handle that names a session on its owner's list: a hash of its id,
/// so the list never hands out what the session's tokens carry.
fn session_handle(session_id: &str) -> String {
    tokens::hash_token(session_id)[..16].to_string()
}

/// A person's open sessions, the current one marked.
pub async fn sessions(
    state: &AppState,
    user: &AuthUser,
) -> Result<Vec<model::SessionView>, AppError> {
    let now = now_millis();
    let rows = store::open_sessions(state.db.pool(), user.id, now).await?;
    Ok(rows
        .into_iter()
        .map(|(id, device, created_at, seen)| model::SessionView {
            handle: session_handle(&id),
            device: if device.is_empty() {
                "An unknown device".into()
            } else {
                device
            },
            signed_in_at: created_at,
            last_seen_at: seen,
            signed_in_label: crate::kernel::time::label(created_at, "UTC"),
            last_seen_label: crate::kernel::time::label(seen, "UTC"),
            current: id == user.session_id,
        })
        .collect())
}

/// Ends one of a person's own sessions, named by its handle (404 for any
/// other: someone else's is no different from none).
pub async fn end_session(state: &AppState, user: &AuthUser, handle: &str) -> Result<(), AppError> {
    let rows = store::open_sessions(state.db.pool(), user.id, now_millis()).await?;
    let (id, ..) = rows
        .into_iter()
        .find(|(id, ..)| session_handle(id) == handle)
        .ok_or_else(|| AppError::NotFound("This session".into()))?;
    logout(state, &id).await
}

/// Ends every session of a person but this one; returns how many ended.
pub async fn end_other_sessions(state: &AppState, user: &AuthUser) -> Result<u64, AppError> {
    let ended =
        store::revoke_other_sessions(state.db.pool(), user.id, &user.session_id, now_millis())
            .await?;
    state.live.end_sessions(Ended::AllOf {
        user_id: user.id,
        except: Some(user.session_id.clone()),
    });
    Ok(ended)
}

/// The person's row, once `given` is their current password (a 400 on
/// `field` when it is not). Callers rate-limit first.
pub(super) async fn current_password(
    state: &AppState,
    user: &AuthUser,
    given: String,
    field: &str,
) -> Result<UserRow, AppError> {
    let row = store::user_by_id(state.db.pool(), user.id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    if !password::verify(given, Some(row.password_hash.clone())).await? {
        return Err(AppError::bad_request(
            field,
            "That is not your current password.",
        ));
    }
    Ok(row)
}

/// Changes a person's password: the current one first (rate-limited like a
/// sign-in), a new one that is long enough and not a common one. Every
/// other session is signed out; this one stays. Returns how many ended.
pub async fn change_password(
    state: &AppState,
    user: &AuthUser,
    current: String,
    new: String,
) -> Result<u64, AppError> {
    state
        .auth_limiter
        .check(&state.db, None, Some(&user.me.email))
        .await?;
    let row = current_password(state, user, current.clone(), "current_password").await?;
    let field = |e: AppError| match e {
        AppError::BadRequest { message, .. } => AppError::bad_request("new_password", message),
        other => other,
    };
    model::check_password(&new).map_err(field)?;
    password::check_not_common(&new, &[&row.email, &row.display_name]).map_err(field)?;
    if new == current {
        return Err(AppError::bad_request(
            "new_password",
            "The new password is the one you have now.",
        ));
    }
    let hash = password::hash(new).await?;
    store::set_password_hash(state.db.pool(), user.id, &hash, now_millis()).await?;
    state.live.sessions().forget_user(user.id);
    let ended = end_other_sessions(state, user).await?;
    tracing::info!(user_id = user.id, ended, "password changed");
    Ok(ended)
}

pub async fn update_profile(
    state: &AppState,
    user: &AuthUser,
    display_name: &str,
    bio: &str,
) -> Result<Me, AppError> {
    let display_name = model::parse_display_name(display_name)?;
    if display_name.is_empty() {
        return Err(AppError::bad_request("display_name", "Enter a name."));
    }
    let bio = model::parse_bio(bio)?;
    let row =
        store::update_profile(state.db.pool(), user.id, &display_name, &bio, now_millis()).await?;
    state.live.sessions().forget_user(user.id);
    Ok(row.me())
}

pub const SEARCH_PAGE_SIZE: i64 = 20;

pub async fn search(
    state: &AppState,
    asking: &AuthUser,
    query: &str,
    page: u32,
) -> Result<model::UserPage, AppError> {
    let query = query.trim();
    // A whole address finds its person: a look-up, counted as one.
    if query.contains('@') {
        count_look_up(state, asking).await?;
    }
    if query.chars().count() < 2 {
        return Err(AppError::bad_request("q", "Type at least 2 characters."));
    }
    if query.chars().count() > 100 {
        return Err(AppError::bad_request("q", "Type at most 100 characters."));
    }
    let page = page.max(1);
    let offset = i64::from(page - 1) * SEARCH_PAGE_SIZE;
    // One extra row tells whether there is a next page.
    let mut rows =
        store::search_users(state.db.pool(), query, SEARCH_PAGE_SIZE + 1, offset).await?;
    let has_more = rows.len() as i64 > SEARCH_PAGE_SIZE;
    rows.truncate(SEARCH_PAGE_SIZE as usize);
    Ok(model::UserPage {
        users: rows.iter().map(UserRow::summary).collect(),
        page,
        has_more,
    })
}

pub const ADMIN_PAGE_SIZE: i64 = 50;

/// Every account, newest first, for admins.
pub async fn list_users(
    state: &AppState,
    admin: &AuthUser,
    page: u32,
) -> Result<Vec<Me>, AppError> {
    admin.require_role(Role::Admin)?;
    let offset = i64::from(page.max(1) - 1) * ADMIN_PAGE_SIZE;
    let rows = store::list_users(state.db.pool(), ADMIN_PAGE_SIZE, offset).await?;
    Ok(rows.iter().map(UserRow::me).collect())
}

pub async fn public_profile(
    state: &AppState,
    id: UserId,
) -> Result<model::PublicProfile, AppError> {
    store::user_by_id(state.db.pool(), id.get())
        .await?
        .map(|row| row.public())
        .ok_or_else(|| AppError::NotFound("This person".into()))
}

/// Creates an admin, or promotes an existing account (`marquee admin create`).
/// Returns the user id and whether the account is new.
pub async fn create_or_promote_admin(
    db: &crate::kernel::db::Db,
    email: &str,
    password: Option<String>,
) -> Result<(i64, bool), AppError> {
    let email = model::parse_email(email)?;
    let now = now_millis();
    if let Some(row) = store::user_by_email(db.pool(), &email).await? {
        store::set_role(db.pool(), row.id, Role::Admin, now).await?;
        return Ok((row.id, false));
    }
    let password = password
        .ok_or_else(|| AppError::bad_request("password", "A new admin needs a password."))?;
    model::check_password(&password)?;
    let password_hash = password::hash(password).await?;
    let mut tx = db.pool().begin().await.map_err(AppError::internal)?;
    let row = store::insert_user(
        &mut tx,
        NewUser {
            email: &email,
            display_name: &model::default_display_name(),
            password_hash: &password_hash,
            role: Role::Admin,
        },
        now,
    )
    .await?;
    tx.commit().await.map_err(AppError::internal)?;
    Ok((row.id, true))
}

/// The person with this email address, for paying or inviting them. Every
/// look-up counts like a sign-in attempt of the one asking (found or not:
/// a limit that counted only misses would itself tell members apart), so
/// nobody can sort addresses into members and not in bulk.
pub async fn look_up_by_email(
    state: &AppState,
    asking: &AuthUser,
    email: &str,
) -> Result<Option<UserRow>, AppError> {
    count_look_up(state, asking).await?;
    store::user_by_email(state.db.pool(), email).await
}

/// Counts one look-up of someone by email address, like a sign-in attempt
/// of the one asking.
async fn count_look_up(state: &AppState, asking: &AuthUser) -> Result<(), AppError> {
    state
        .auth_limiter
        .check(&state.db, None, Some(&format!("lookup:{}", asking.id)))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: i64, role: Role) -> AuthUser {
        AuthUser {
            id,
            role,
            session_id: "s".into(),
            token_expires_at: i64::MAX,
            me: Me {
                id,
                email: format!("u{id}@example.com"),
                display_name: "U".into(),
                role,
                bio: String::new(),
                avatar_url: None,
                two_factor: false,
                needs_second_factor: false,
            },
        }
    }

    #[test]
    fn roles_are_checked_and_admins_pass_every_check() {
        assert_eq!(
            user(1, Role::Attendee).require_role(Role::Organizer),
            Err(AppError::Forbidden)
        );
        assert_eq!(
            user(1, Role::Organizer).require_role(Role::Organizer),
            Ok(())
        );
        assert_eq!(user(1, Role::Admin).require_role(Role::Organizer), Ok(()));
        assert_eq!(
            user(1, Role::Organizer).require_role(Role::Admin),
            Err(AppError::Forbidden)
        );
    }

    #[test]
    fn only_the_owner_or_an_admin_may_touch_a_thing() {
        assert_eq!(user(1, Role::Organizer).require_owner(1), Ok(()));
        assert_eq!(
            user(2, Role::Organizer).require_owner(1),
            Err(AppError::Forbidden)
        );
        assert_eq!(user(3, Role::Admin).require_owner(1), Ok(()));
    }
}
