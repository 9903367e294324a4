//! The codes of two-factor sign-in: time-based codes from an authenticator
//! app (RFC 6238 as every app reads it: SHA-1, 6 digits, 30-second steps,
//! one step of clock drift either way) and one-use recovery codes.

use totp_rs::{Algorithm, Builder, Secret, Totp};

use crate::error::AppError;

/// The name an authenticator app shows above the codes.
pub const ISSUER: &str = "Marquee";
/// How many recovery codes a person gets at a time.
pub const RECOVERY_CODES: usize = 10;

/// A person's authenticator: their shared secret, for making and checking codes.
pub struct Authenticator(Totp);

impl Authenticator {
    /// A new shared secret (160 random bits, as RFC 4226 recommends), in base32.
    pub fn new_secret() -> String {
        use rand::RngCore;
        let mut bytes = vec![0u8; 20];
        rand::rng().fill_bytes(&mut bytes);
        Secret::from(bytes).to_base32()
    }

    /// The authenticator of a stored secret, labelled with the person's email.
    pub fn from_base32(secret: &str, account: &str) -> Result<Self, AppError> {
        let bytes = Secret::try_from_base32(secret).map_err(AppError::internal)?;
        // Apps split the label at ':'; an address never has one, but be sure.
        let account = account.replace(':', " ");
        Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(6)
            .with_skew(1)
            .with_step_duration(30)
            .with_secret(bytes)
            .with_account_name(account)
            .with_issuer(Some(ISSUER))
            .build()
            .map(Self)
            .map_err(AppError::internal)
    }

    /// The `otpauth://` link that an app scans (as a QR code) or opens.
    pub fn url(&self) -> Result<String, AppError> {
        self.0.to_url().map_err(AppError::internal)
    }

    /// The time step `code` is right for at `now_secs`, if it is right.
    /// Spaces inside the code are ignored ("123 456" as some apps show it).
    pub fn check(&self, code: &str, now_secs: u64) -> Option<u64> {
        let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() != 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        self.0.check(&digits, now_secs)
    }

    /// The code an app shows at `now_secs` (tests and the CLI use it).
    pub fn code_at(&self, now_secs: u64) -> String {
        self.0.generate(now_secs).to_string()
    }
}

/// Whether `code` looks like an app's code (6 digits) rather than a
/// recovery code.
pub fn is_app_code(code: &str) -> bool {
    let digits: Vec<char> = code.chars().filter(|c| !c.is_whitespace()).collect();
    digits.len() == 6 && digits.iter().all(char::is_ascii_digit)
}

/// New recovery codes: ten of `xxxxx-xxxxx` (50 random bits each), in an
/// alphabet without look-alike letters.
pub fn new_recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let raw = crate::kernel::random::code();
            format!("{}-{}", &raw[..5], &raw[5..10])
        })
        .collect()
}

/// A recovery code as typed, made comparable: lower case, without dashes
/// or spaces, and with the letters people mistake for digits mapped back.
pub fn normalize_recovery_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_lowercase() {
            'o' => '0',
            'i' | 'l' => '1',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the SHA-1 secret "12345678901234567890".
    fn rfc() -> Authenticator {
        let secret = Secret::from(b"12345678901234567890".to_vec()).to_base32();
        Authenticator::from_base32(&secret, "a@example.com").unwrap()
    }

    #[test]
    fn codes_match_the_rfc_test_vectors() {
        // The RFC prints 8 digits; an app shows the last 6.
        assert_eq!(rfc().code_at(59), "287082");
        assert_eq!(rfc().code_at(1_111_111_109), "081804");
        assert_eq!(rfc().code_at(2_000_000_000), "279037");
    }

    #[test]
    fn a_code_is_right_for_one_step_either_side_and_no_further() {
        let app = rfc();
        let code = app.code_at(1_111_111_109);
        let step = 1_111_111_109 / 30;
        assert_eq!(app.check(&code, 1_111_111_109), Some(step));
        assert_eq!(app.check(&code, 1_111_111_109 + 30), Some(step));
        assert_eq!(app.check(&code, 1_111_111_109 - 30), Some(step));
        assert_eq!(app.check(&code, 1_111_111_109 + 90), None);
        assert_eq!(app.check("081 804", 1_111_111_109), Some(step));
        assert_eq!(app.check("08180", 1_111_111_109), None);
        assert_eq!(app.check("abcdef", 1_111_111_109), None);
    }

    #[test]
    fn the_link_names_marquee_and_the_person() {
        let url = rfc().url().unwrap();
        assert!(
            url.starts_with("otpauth://totp/Marquee:a%40example.com?"),
            "{url}"
        );
        assert!(url.contains("issuer=Marquee"), "{url}");
    }

    #[test]
    fn new_secrets_are_160_bits_of_base32() {
        let a = Authenticator::new_secret();
        assert_eq!(a.len(), 32);
        assert_ne!(a, Authenticator::new_secret());
        assert!(Authenticator::from_base32(&a, "x@example.com").is_ok());
    }

    #[test]
    fn recovery_codes_are_distinct_and_forgiving_to_type() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert_eq!(codes[0].len(), 11);
        assert_ne!(codes[0], codes[1]);
        assert_eq!(normalize_recovery_code(" AB1O2-xy zIL "), "ab102xyz11");
        assert!(is_app_code("123 456"));
        assert!(!is_app_code("abcde-12345"));
    }
}
