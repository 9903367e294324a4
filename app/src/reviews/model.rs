//! The shared types of reviews.

use serde::{Deserialize, Serialize};

use crate::error::AppError;

pub const BODY_MAX: usize = 2000;

/// What a review is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum Target {
    Booking(i64),
    Event(i64),
}

/// Which reviews to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum About {
    Service(i64),
    Event(i64),
    Provider(i64),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewView {
    pub id: i64,
    pub author_id: i64,
    pub author_name: String,
    pub rating: i64,
    pub body: String,
    pub reply: Option<String>,
    pub replied_at: Option<i64>,
    pub booking_id: Option<i64>,
    pub service_id: Option<i64>,
    pub event_id: Option<i64>,
    /// Hidden by an admin (only admins see hidden reviews).
    pub hidden: bool,
    pub created_at: i64,
    /// The viewer is the one reviewed and hasn't replied yet.
    pub can_reply: bool,
    /// The viewer is an admin.
    pub can_hide: bool,
}

/// Reviews of one thing, with what the viewer may add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewList {
    pub reviews: Vec<ReviewView>,
    pub average_tenths: i64,
    pub count: i64,
    /// The viewer may review this (an event they attended and haven't
    /// reviewed yet); bookings say so on their own page.
    pub can_review: bool,
}

pub fn check_rating(rating: i64) -> Result<i64, AppError> {
    if !(1..=5).contains(&rating) {
        return Err(AppError::bad_request("rating", "Give 1 to 5 stars."));
    }
    Ok(rating)
}

pub fn check_body(field: &str, body: &str) -> Result<String, AppError> {
    crate::kernel::text::bounded(field, body, "The text", BODY_MAX)
}

/// `★★★★☆`.
pub fn stars(rating: i64) -> String {
    let full = rating.clamp(0, 5) as usize;
    format!("{}{}", "★".repeat(full), "☆".repeat(5 - full))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_are_one_to_five_stars() {
        assert!(check_rating(0).is_err());
        assert!(check_rating(6).is_err());
        assert_eq!(check_rating(4), Ok(4));
        assert_eq!(stars(4), "★★★★☆");
    }
}
