//! Text fields as people type them: trimmed, bounded, refused with a
//! message that names the field.

use crate::error::AppError;

/// A non-empty text of at most `max` characters, trimmed.
pub fn required(field: &str, value: &str, label: &str, max: usize) -> Result<String, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::bad_request(
            field,
            format!("{label} is required."),
        ));
    }
    bounded(field, value, label, max)
}

/// A text of at most `max` characters, trimmed (it may be empty).
pub fn bounded(field: &str, value: &str, label: &str, max: usize) -> Result<String, AppError> {
    let value = value.trim();
    if value.chars().count() > max {
        return Err(AppError::bad_request(
            field,
            format!("{label} can be at most {max} characters."),
        ));
    }
    Ok(value.to_string())
}

/// The address of a cover image (`http(s)://`, no spaces or markup), or
/// none when empty.
pub fn parse_cover_url(value: &str) -> Result<Option<String>, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let ok = (value.starts_with("https://") || value.starts_with("http://"))
        && value.len() <= 500
        && !value
            .chars()
            .any(|c| c.is_whitespace() || c == '"' || c == '<');
    if !ok {
        return Err(AppError::bad_request(
            "cover_url",
            "Give the address of an image, starting with https://.",
        ));
    }
    Ok(Some(value.to_string()))
}

/// Percent-encodes a query value (`/` is kept: paths read better).
pub fn url_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_trimmed_and_bounded() {
        assert_eq!(required("name", "  Ada ", "The name", 5).unwrap(), "Ada");
        assert!(required("name", "   ", "The name", 5).is_err());
        assert_eq!(bounded("notes", "", "Notes", 5).unwrap(), "");
        let err = bounded("notes", "éééééé", "Notes", 5).unwrap_err();
        assert_eq!(err.to_string(), "Notes can be at most 5 characters.");
    }
}
