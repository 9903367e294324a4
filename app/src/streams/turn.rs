//! TURN credentials for a live stream's video. With a secret shared with
//! the TURN servers, each viewer gets a user name `{expiry}:{user id}` and
//! the password base64(HMAC-SHA1(secret, user name)) — the TURN REST
//! scheme that coturn's `use-auth-secret` checks — so a credential names
//! its person and lapses on its own. Without one, the fixed user name and
//! password configured (if any) are handed out.

use base64::Engine;
use hmac::{Hmac, Mac};

use crate::config::StreamSettings;

/// How long a viewer's credential works (a long stream outlasts it only
/// for new connections; a connection set up keeps going).
pub const TTL_SECS: i64 = 2 * 60 * 60;

/// The user name and password for `user_id` at `now_secs`.
pub fn credentials(
    settings: &StreamSettings,
    user_id: i64,
    now_secs: i64,
) -> (Option<String>, Option<String>) {
    let Some(secret) = &settings.ice_secret else {
        return (
            settings.ice_username.clone(),
            settings.ice_credential.clone(),
        );
    };
    let username = format!("{}:{user_id}", now_secs + TTL_SECS);
    let Ok(mut mac) = Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes()) else {
        return (None, None);
    };
    mac.update(username.as_bytes());
    let password = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    (Some(username), Some(password))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_secret_gives_each_person_a_credential_that_lapses() {
        let settings = StreamSettings {
            ice_secret: Some("north".into()),
            ice_username: Some("fixed".into()),
            ice_credential: Some("fixed-password".into()),
            ..Default::default()
        };
        let (user, password) = credentials(&settings, 42, 1_000_000);
        assert_eq!(user.as_deref(), Some("1007200:42"));
        // As coturn computes it: base64(HMAC-SHA1("north", "1007200:42")).
        assert_eq!(password.as_deref(), Some("ts/VS7f9eB0zVdzYi4IojZ0AXD8="));
        let (other, _) = credentials(&settings, 43, 1_000_000);
        assert_ne!(other, user);
    }

    #[test]
    fn without_a_secret_the_fixed_credential_is_used() {
        let settings = StreamSettings {
            ice_username: Some("fixed".into()),
            ice_credential: Some("pw".into()),
            ..Default::default()
        };
        assert_eq!(
            credentials(&settings, 1, 0),
            (Some("fixed".into()), Some("pw".into()))
        );
    }
}
