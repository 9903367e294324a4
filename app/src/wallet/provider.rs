//! Where money comes from: a top-up provider charges a card. Marquee ships
//! a test provider only (clearly marked as such in the page); a real one
//! implements [`TopUpProvider`] and replaces it in [`top_up`].
//!
//! The test provider follows the usual test-card convention: every valid
//! card number is charged, except `4000 0000 0000 0002`, which is declined.

use super::model::Card;
use crate::error::AppError;

/// A successful charge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    /// The provider's id of the charge (unique per idempotency key).
    pub id: String,
}

pub trait TopUpProvider: Send + Sync {
    /// What the page calls it.
    fn name(&self) -> &'static str;
    /// Charges `amount_cents` to the card. The same `key` must never be
    /// charged twice.
    fn charge(&self, card: &Card, amount_cents: i64, key: &str) -> Result<Charge, AppError>;
}

/// The test provider: no money moves anywhere outside Marquee.
#[derive(Debug, Default, Clone, Copy)]
pub struct TestCards;

pub const DECLINED_TEST_CARD: &str = "4000000000000002";

impl TopUpProvider for TestCards {
    fn name(&self) -> &'static str {
        "Test card provider"
    }

    fn charge(&self, card: &Card, _amount_cents: i64, _key: &str) -> Result<Charge, AppError> {
        if card.digits == DECLINED_TEST_CARD {
            return Err(AppError::bad_request(
                "card_number",
                "Your card was declined. Try another card.",
            ));
        }
        Ok(Charge {
            id: format!("test_{}", crate::kernel::random::hex(12)),
        })
    }
}

/// The provider in use: the test cards where they are allowed
/// (development, or a production demo); none otherwise.
pub fn top_up(config: &crate::config::Config) -> Result<&'static dyn TopUpProvider, AppError> {
    if config.test_cards {
        Ok(&TestCards)
    } else {
        Err(AppError::NotImplemented(
            "Topping up is not available on this site yet.".into(),
        ))
    }
}

/// What the wallet page calls the provider ("" when there is none).
pub fn top_up_name(config: &crate::config::Config) -> String {
    top_up(config)
        .map(|p| p.name().to_string())
        .unwrap_or_default()
}

/// Today's (year, month), UTC: for card expiry.
pub fn today() -> (i32, u32) {
    use chrono::Datelike;
    let now = chrono::Utc::now();
    (now.year(), now.month())
}
