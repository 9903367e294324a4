//! Session tokens. Access tokens are short-lived JWTs signed with HS256 (the
//! only algorithm accepted: `none` and every other one are refused). Refresh
//! tokens are opaque random strings, stored only as SHA-256 hashes.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::JwtSecret;
use crate::error::AppError;

/// Access tokens live 15 minutes; the browser refreshes them transparently.
pub const ACCESS_TTL_MS: i64 = 15 * 60 * 1000;
/// A session (its refresh tokens) lives 30 days from sign-in.
pub const SESSION_TTL_MS: i64 = 30 * 24 * 60 * 60 * 1000;
const ISSUER: &str = "marquee";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// The session id: revoking the session refuses the token at once.
    pub sid: String,
    pub role: String,
    pub iss: String,
    /// Seconds since the Unix epoch.
    pub iat: i64,
    pub exp: i64,
}

pub fn issue_access(
    secret: &JwtSecret,
    user_id: i64,
    session_id: &str,
    role: &str,
    now_ms: i64,
) -> Result<(String, Claims), AppError> {
    let claims = Claims {
        sub: user_id.to_string(),
        sid: session_id.to_string(),
        role: role.to_string(),
        iss: ISSUER.to_string(),
        iat: now_ms / 1000,
        exp: (now_ms + ACCESS_TTL_MS) / 1000,
    };
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.expose()),
    )
    .map_err(AppError::internal)?;
    Ok((token, claims))
}

/// Checks signature, algorithm, issuer and expiry.
pub fn verify_access(secret: &JwtSecret, token: &str) -> Result<Claims, AppError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 5;
    validation.set_issuer(&[ISSUER]);
    validation.set_required_spec_claims(&["exp", "sub", "iss"]);
    jsonwebtoken::decode::<Claims>(
        token,
        &DecodingKey::from_secret(secret.expose()),
        &validation,
    )
    .map(|data| data.claims)
    .map_err(|_| AppError::Unauthorized)
}

pub fn new_session_id() -> String {
    crate::kernel::random::hex(16)
}

/// A new refresh token and the hash under which it is stored.
pub fn new_refresh_token() -> (String, String) {
    let token = crate::kernel::random::hex(32);
    let hash = hash_token(&token);
    (token, hash)
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> JwtSecret {
        JwtSecret::new(b"a-test-secret-that-is-long-enough!!".to_vec()).unwrap()
    }

    fn now() -> i64 {
        crate::kernel::time::now_millis()
    }

    #[test]
    fn a_fresh_token_verifies_to_its_claims() {
        let (token, claims) = issue_access(&secret(), 7, "s1", "organizer", now()).unwrap();
        assert_eq!(verify_access(&secret(), &token).unwrap(), claims);
    }

    #[test]
    fn an_expired_token_is_refused() {
        let an_hour_ago = now() - 60 * 60 * 1000;
        let (token, _) = issue_access(&secret(), 7, "s1", "attendee", an_hour_ago).unwrap();
        assert_eq!(
            verify_access(&secret(), &token),
            Err(AppError::Unauthorized)
        );
    }

    #[test]
    fn a_token_signed_with_another_key_is_refused() {
        let other = JwtSecret::new(b"another-secret-that-is-long-enough!".to_vec()).unwrap();
        let (token, _) = issue_access(&other, 7, "s1", "attendee", now()).unwrap();
        assert_eq!(
            verify_access(&secret(), &token),
            Err(AppError::Unauthorized)
        );
    }

    #[test]
    fn an_unsigned_alg_none_token_is_refused() {
        let (token, _) = issue_access(&secret(), 7, "s1", "admin", now()).unwrap();
        let payload = token.split('.').nth(1).unwrap();
        // {"alg":"none","typ":"JWT"}
        let forged = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
        assert_eq!(
            verify_access(&secret(), &forged),
            Err(AppError::Unauthorized)
        );
    }

    #[test]
    fn refresh_tokens_are_stored_only_as_hashes() {
        let (token, hash) = new_refresh_token();
        assert_eq!(token.len(), 64);
        assert_eq!(hash, hash_token(&token));
        assert_ne!(hash, token);
    }
}
