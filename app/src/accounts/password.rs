//! Password hashing: argon2id with OWASP's parameters (m = 19 MiB, t = 2,
//! p = 1). Hashing runs on the blocking pool so it never stalls the runtime,
//! at most one hash per core at a time: each takes 19 MiB, and a burst of
//! sign-ups on a pool of hundreds of threads would otherwise take a
//! gigabyte (it costs no throughput: hashing is all processor).

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use std::sync::LazyLock;

use tokio::sync::Semaphore;

use crate::error::AppError;

/// One permit per core: the hashes running at once.
static HASHING: LazyLock<Semaphore> = LazyLock::new(|| {
    Semaphore::new(std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get))
});

/// Runs `work` on the blocking pool once a core is free for it.
async fn on_a_core<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    let _permit = HASHING.acquire().await.map_err(AppError::internal)?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(AppError::internal)?
}

pub const MEMORY_KIB: u32 = 19 * 1024;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;

fn argon2() -> Result<Argon2<'static>, AppError> {
    let params =
        Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).map_err(AppError::internal)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

pub async fn hash(password: String) -> Result<String, AppError> {
    on_a_core(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()?
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(AppError::internal)
    })
    .await
}

/// Checks `password` against `stored`. With no stored hash (unknown email)
/// a dummy hash is checked instead, so the answer takes as long either way
/// and does not tell whether the account exists.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, AppError> {
    on_a_core(move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.to_string());
        let parsed = PasswordHash::new(&stored).map_err(AppError::internal)?;
        let matches = argon2()?
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(known && matches)
    })
    .await
}

/// Refuses the most common passwords and those close to them (zxcvbn's
/// list of 30,000 breached passwords with case, l33t and reversed variants,
/// plus keyboard walks, repeats, dates and the person's own email and
/// name): anything guessed within a million tries. Runs in the process; the
/// password goes nowhere.
pub fn check_not_common(password: &str, own: &[&str]) -> Result<(), AppError> {
    // zxcvbn's cost grows with length; a long password is not a common one.
    if password.chars().count() > 64 {
        return Ok(());
    }
    if zxcvbn::zxcvbn(password, own).score() < zxcvbn::Score::Two {
        return Err(AppError::bad_request(
            "password",
            "This password is one of the most common ones (or close to one). Choose another: a few unusual words work well.",
        ));
    }
    Ok(())
}

/// argon2id (same parameters) of a random password nobody knows.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$3Z5h3k1e0mHCRgQ3s2nC0A$Jr0dVQ3yEo8XGmIeP0m7W7h2bH6w7cJxgqkI7F9yN5Y";

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_no_other() {
        let hash = hash("correct horse".into()).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            verify("correct horse".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(!verify("wrong horse".into(), Some(hash)).await.unwrap());
    }

    #[test]
    fn common_passwords_and_their_variants_are_refused() {
        for common in [
            "password123",
            "P@ssw0rd123",
            "qwertyuiop",
            "iloveyou12",
            "1234567890",
            "ada@example.com",
        ] {
            assert!(
                check_not_common(common, &["ada@example.com"]).is_err(),
                "{common}"
            );
        }
        for fine in [
            "correct horse battery",
            "plum-tractor-quietly-79",
            "Vq8#kL2m!zR4",
        ] {
            assert!(
                check_not_common(fine, &["ada@example.com"]).is_ok(),
                "{fine}"
            );
        }
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        assert!(!verify("anything".into(), None).await.unwrap());
    }
}
