//! Account types shared by the server and the browser, and the rules for
//! the values people type in (checked in the browser for quick feedback,
//! and again on the server, which is the one that counts).

use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::kernel::text_enum::text_enum;

pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 128;
pub const DISPLAY_NAME_MAX: usize = 60;
pub const BIO_MAX: usize = 500;
pub const EMAIL_MAX: usize = 254;

text_enum! {
    #[derive(Default)]
    pub enum Role {
        #[default] Attendee = "attendee",
        Organizer = "organizer",
        Admin = "admin",
    }
}

impl Role {
    /// What people call the role.
    pub fn label(self) -> &'static str {
        match self {
            Self::Attendee => "Attendee",
            Self::Organizer => "Organizer",
            Self::Admin => "Admin",
        }
    }

    /// A role a person may choose when signing up. `assistant` is seed 001's
    /// name for an attendee. Nobody signs up as an admin.
    pub fn parse_sign_up(value: &str) -> Result<Self, AppError> {
        match value.trim().to_ascii_lowercase().as_str() {
            "" | "attendee" | "assistant" => Ok(Self::Attendee),
            "organizer" => Ok(Self::Organizer),
            _ => Err(AppError::bad_request(
                "role",
                "Choose attendee or organizer.",
            )),
        }
    }
}

/// A person as others may see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicProfile {
    pub id: i64,
    pub display_name: String,
    pub role: Role,
    pub bio: String,
    pub avatar_url: Option<String>,
    /// Milliseconds since the Unix epoch.
    pub member_since: i64,
}

/// The signed-in person, as they see themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub bio: String,
    pub avatar_url: Option<String>,
    /// Two-factor sign-in is on.
    #[serde(default)]
    pub two_factor: bool,
    /// An admin account whose session has not proved a second factor: it
    /// acts as an attendee until it does (`role` says so).
    #[serde(default)]
    pub needs_second_factor: bool,
}

/// One of a person's open sessions (a sign-in on a device), as their
/// security page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    /// Names the session to end it; not the session's id (which the
    /// session's tokens carry).
    pub handle: String,
    /// "Firefox on Linux".
    pub device: String,
    pub signed_in_at: i64,
    pub last_seen_at: i64,
    pub signed_in_label: String,
    pub last_seen_label: String,
    /// The session this request came with.
    pub current: bool,
}

/// Whether two-factor sign-in is on, for the person's security page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TwoFactorStatus {
    pub enabled: bool,
    pub recovery_codes_left: i64,
}

/// A set-up under way: the key to put into an authenticator app, as text,
/// as an `otpauth://` link and as a QR code of that link (SVG markup).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TwoFactorSetup {
    pub secret: String,
    pub url: String,
    pub qr_svg: String,
}

/// New recovery codes (shown once), and the person as the session now
/// sees them when that changed (turning two-factor on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryCodes {
    pub codes: Vec<String>,
    pub me: Option<Me>,
}

/// One page of user search results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserPage {
    pub users: Vec<UserSummary>,
    pub page: u32,
    pub has_more: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserSummary {
    pub id: i64,
    pub display_name: String,
    pub role: Role,
    pub avatar_url: Option<String>,
}

/// Trims and lower-cases an email address and checks its shape.
pub fn parse_email(raw: &str) -> Result<String, AppError> {
    let email = raw.trim().to_lowercase();
    let invalid = || AppError::bad_request("email", "Enter a valid email address.");
    if email.is_empty() {
        return Err(AppError::bad_request("email", "Enter your email address."));
    }
    if email.len() > EMAIL_MAX || email.chars().any(char::is_whitespace) {
        return Err(invalid());
    }
    let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !domain.contains('@');
    if local.is_empty() || !domain_ok {
        return Err(invalid());
    }
    Ok(email)
}

/// Checks a new password's length (in characters, as people count them).
pub fn check_password(password: &str) -> Result<(), AppError> {
    let len = password.chars().count();
    if len < PASSWORD_MIN {
        return Err(AppError::bad_request(
            "password",
            format!("Use at least {PASSWORD_MIN} characters."),
        ));
    }
    if len > PASSWORD_MAX {
        return Err(AppError::bad_request(
            "password",
            format!("Use at most {PASSWORD_MAX} characters."),
        ));
    }
    Ok(())
}

/// Trims a display name; empty means "derive one from the email".
pub fn parse_display_name(raw: &str) -> Result<String, AppError> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.chars().count() > DISPLAY_NAME_MAX {
        return Err(AppError::bad_request(
            "display_name",
            format!("Use at most {DISPLAY_NAME_MAX} characters."),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(AppError::bad_request(
            "display_name",
            "The name contains characters that cannot be shown.",
        ));
    }
    Ok(name)
}

pub fn parse_bio(raw: &str) -> Result<String, AppError> {
    let bio = raw.trim().to_string();
    if bio.chars().count() > BIO_MAX {
        return Err(AppError::bad_request(
            "bio",
            format!("Use at most {BIO_MAX} characters."),
        ));
    }
    Ok(bio)
}

/// A display name from the part of the email before the `@`.
/// The name shown for someone who gave none. Not taken from the email
/// address: that would show everyone the first half of it.
pub fn default_display_name() -> String {
    "New member".to_string()
}

/// Only local paths are followed after signing in, so a link cannot send
/// someone to another site. Browsers drop tabs and newlines from a URL and
/// read `\\` as `/`, so `/<TAB>/evil.example` is `//evil.example` to
/// them: only printable ASCII without backslashes is a local path.
pub fn safe_next(next: &str) -> String {
    let printable = next
        .bytes()
        .all(|b| (0x21..0x7f).contains(&b) && b != b'\\');
    let local = printable && next.starts_with('/') && !next.starts_with("//");
    // Back to the sign-in form after signing in would be a loop.
    let loops = ["/sign-in", "/sign-up"].iter().any(|p| next.starts_with(p));
    if local && !loops {
        next.to_string()
    } else {
        "/".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(err: AppError) -> Option<String> {
        match err {
            AppError::BadRequest { field, .. } => field,
            _ => None,
        }
    }

    #[test]
    fn emails_are_normalised() {
        assert_eq!(
            parse_email("  Ada@Example.COM ").unwrap(),
            "ada@example.com"
        );
    }

    #[test]
    fn malformed_emails_are_refused_naming_the_field() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "ada@.com",
            "ada@example..com",
        ] {
            assert_eq!(
                field(parse_email(bad).unwrap_err()).as_deref(),
                Some("email"),
                "{bad}"
            );
        }
    }

    #[test]
    fn passwords_must_be_8_to_128_characters() {
        assert!(check_password("1234567").is_err());
        assert!(check_password("12345678").is_ok());
        assert!(check_password(&"x".repeat(128)).is_ok());
        assert!(check_password(&"x".repeat(129)).is_err());
        // Characters, not bytes.
        assert!(check_password("ééééééé").is_err());
    }

    #[test]
    fn assistant_is_an_attendee_and_nobody_signs_up_as_admin() {
        assert_eq!(Role::parse_sign_up("assistant").unwrap(), Role::Attendee);
        assert_eq!(Role::parse_sign_up("ORGANIZER").unwrap(), Role::Organizer);
        assert_eq!(Role::parse_sign_up("").unwrap(), Role::Attendee);
        assert!(Role::parse_sign_up("admin").is_err());
    }

    #[test]
    fn display_names_are_tidied_and_bounded() {
        assert_eq!(
            parse_display_name("  Ada   Lovelace ").unwrap(),
            "Ada Lovelace"
        );
        assert!(parse_display_name(&"x".repeat(61)).is_err());
        assert!(!default_display_name().contains('@'));
    }

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next("/profile"), "/profile");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/\\evil"), "/");
        // What browsers strip or fold would make these off-site.
        for sneaky in [
            "/\t/evil.example/x",
            "/\n/evil.example",
            "/\r//evil",
            " //evil",
            "/ /evil",
            "/\u{3000}/evil",
        ] {
            assert_eq!(safe_next(sneaky), "/", "{sneaky:?}");
        }
        assert_eq!(
            safe_next("/events/12?tab=orders#top"),
            "/events/12?tab=orders#top"
        );
        assert_eq!(safe_next("/sign-in?next=/x"), "/");
    }
}
