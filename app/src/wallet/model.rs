//! The wallet's shared types (both sides of the wire) and the checks of what
//! people type: amounts, cards, bank accounts.

use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::kernel::money::{Cents, Limits};
use crate::kernel::text_enum::text_enum;

/// Proof that a value passed its checks: private to this module, so only
/// its `parse` functions can make a checked input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Checked;

pub use crate::kernel::money::CURRENCY;
/// The most one deposit, withdrawal or transfer may move: $10,000.
pub const MAX_AMOUNT_CENTS: i64 = 1_000_000;
/// What one deposit, withdrawal or transfer may move: a cent to $10,000.
pub const AMOUNT: Limits = Limits {
    min: Cents::new(1),
    max: Cents::new(MAX_AMOUNT_CENTS),
    noun: "The amount",
};
/// Transactions per page of the history.
pub const PAGE_SIZE: i64 = 20;

text_enum! {
    pub enum TxKind {
        Deposit = "deposit",
        Withdrawal = "withdrawal",
        Transfer = "transfer",
        Payment = "payment",
        Refund = "refund",
        Payout = "payout",
    }
}

impl TxKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Deposit => "Top-up",
            Self::Withdrawal => "Withdrawal",
            Self::Transfer => "Transfer",
            Self::Payment => "Payment",
            Self::Refund => "Refund",
            Self::Payout => "Payout",
        }
    }
}

text_enum! {
    pub enum TxStatus {
        /// Funds reserved, nothing moved yet.
        Pending = "pending",
        Posted = "posted",
        Voided = "voided",
    }
}

/// A person's wallet as they see it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balance {
    /// Posted money.
    pub balance_cents: i64,
    /// Reserved by payments waiting to be confirmed.
    pub pending_cents: i64,
    /// What can be spent now: balance less pending.
    pub available_cents: i64,
    pub currency: String,
}

/// One line of a person's history, seen from their wallet: `amount_cents`
/// is positive when money came in, negative when it went out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionView {
    pub id: i64,
    pub kind: TxKind,
    pub status: TxStatus,
    pub amount_cents: i64,
    pub currency: String,
    /// "Top-up from Visa •••• 4242", "Payment for Jazz night", "From Ann".
    pub description: String,
    pub memo: String,
    pub order_id: Option<i64>,
    pub created_at: i64,
    pub posted_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionPage {
    pub items: Vec<TransactionView>,
    pub page: i64,
    pub has_more: bool,
}

/// Filters of the history.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxQuery {
    /// A [`TxKind`] name; empty for all.
    pub kind: Option<String>,
    /// `in` or `out`; empty for both.
    pub direction: Option<String>,
    pub page: Option<i64>,
}

/// An organizer's takings for one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventEarnings {
    pub event_id: i64,
    pub event_name: String,
    pub sales_cents: i64,
    pub refunded_cents: i64,
    /// Still held until the event is over.
    pub in_escrow_cents: i64,
    /// Moved to the organizer's wallet, after the platform fee.
    pub paid_out_cents: i64,
    pub fees_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Earnings {
    pub in_escrow_cents: i64,
    pub paid_out_cents: i64,
    pub fees_cents: i64,
    /// The platform fee on payouts, in basis points (500 = 5%).
    pub fee_bps: i64,
    pub currency: String,
    pub events: Vec<EventEarnings>,
}

/// What a deposit, withdrawal or transfer answers: the transaction and the
/// balance after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub transaction: TransactionView,
    pub balance: Balance,
}

/// Wallet money for people: `$12.50`, `$0.00`.
pub fn money(cents: i64) -> String {
    Cents::new(cents).format_exact(CURRENCY)
}

/// An amount typed by a person ("12.50", "$7") in cents, within limits.
pub fn parse_amount(field: &str, text: &str) -> Result<i64, AppError> {
    Cents::parse(field, text, AMOUNT).map(Cents::get)
}

/// An amount given in cents, within [`AMOUNT`].
pub fn check_amount(field: &str, cents: i64) -> Result<i64, AppError> {
    Cents::from_minor(field, cents, AMOUNT).map(Cents::get)
}

pub fn check_memo(memo: &str) -> Result<String, AppError> {
    let memo = memo.trim();
    if memo.chars().count() > 140 {
        return Err(AppError::bad_request(
            "memo",
            "Keep the note to 140 characters.",
        ));
    }
    Ok(memo.to_string())
}

/// Card details of a top-up, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardInput {
    pub number: String,
    /// `MM/YY`.
    pub expiry: String,
    pub cvc: String,
}

/// A card that passed the checks: its digits and what may be shown of it.
/// Only [`check_card`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub digits: String,
    pub brand: &'static str,
    checked: Checked,
}

impl Card {
    pub fn last4(&self) -> &str {
        &self.digits[self.digits.len() - 4..]
    }

    /// "Visa •••• 4242".
    pub fn label(&self) -> String {
        format!("{} •••• {}", self.brand, self.last4())
    }
}

/// Checks the number (Luhn), the expiry (not past, given `year`/`month` of
/// today) and the CVC.
pub fn check_card(input: &CardInput, year: i32, month: u32) -> Result<Card, AppError> {
    let digits: String = input
        .number
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if !(12..=19).contains(&digits.len())
        || !digits.chars().all(|c| c.is_ascii_digit())
        || !luhn(&digits)
    {
        return Err(AppError::bad_request(
            "card_number",
            "Enter a valid card number.",
        ));
    }
    let (mm, yy) = input
        .expiry
        .trim()
        .split_once('/')
        .and_then(|(m, y)| Some((m.trim().parse::<u32>().ok()?, y.trim().parse::<i32>().ok()?)))
        .filter(|(m, _)| (1..=12).contains(m))
        .ok_or_else(|| AppError::bad_request("card_expiry", "Enter the expiry as MM/YY."))?;
    let yy = if yy < 100 { 2000 + yy } else { yy };
    if (yy, mm) < (year, month) {
        return Err(AppError::bad_request(
            "card_expiry",
            "This card has expired.",
        ));
    }
    let cvc = input.cvc.trim();
    if !(3..=4).contains(&cvc.len()) || !cvc.chars().all(|c| c.is_ascii_digit()) {
        return Err(AppError::bad_request(
            "card_cvc",
            "Enter the 3 or 4 digits on the back of the card.",
        ));
    }
    let brand = match digits.as_bytes()[0] {
        b'4' => "Visa",
        b'5' | b'2' => "Mastercard",
        b'3' => "Amex",
        _ => "Card",
    };
    Ok(Card {
        digits,
        brand,
        checked: Checked,
    })
}

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                let d = d * 2;
                if d > 9 { d - 9 } else { d }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A bank account to withdraw to: an IBAN or an account number, 6 to 34
/// letters and digits. Returns it without spaces.
pub fn check_bank_account(text: &str) -> Result<String, AppError> {
    let account: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if !(6..=34).contains(&account.len()) || !account.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(AppError::bad_request(
            "bank_account",
            "Enter an IBAN or account number (6 to 34 letters and digits).",
        ));
    }
    Ok(account.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(number: &str, expiry: &str) -> CardInput {
        CardInput {
            number: number.into(),
            expiry: expiry.into(),
            cvc: "123".into(),
        }
    }

    #[test]
    fn amounts_are_cents_within_limits() {
        assert_eq!(parse_amount("amount", "12.50").unwrap(), 1250);
        assert!(parse_amount("amount", "0").is_err());
        assert!(parse_amount("amount", "-3").is_err());
        assert!(parse_amount("amount", "10000.01").is_err());
        assert_eq!(parse_amount("amount", "10000").unwrap(), MAX_AMOUNT_CENTS);
    }

    #[test]
    fn cards_are_checked_by_luhn_expiry_and_cvc() {
        let ok = check_card(&card("4242 4242 4242 4242", "12/30"), 2026, 11).unwrap();
        assert_eq!(ok.label(), "Visa •••• 4242");
        assert!(check_card(&card("4242 4242 4242 4241", "12/30"), 2026, 11).is_err());
        assert!(check_card(&card("4242424242424242", "10/26"), 2026, 11).is_err());
        assert!(check_card(&card("4242424242424242", "11/26"), 2026, 11).is_ok());
        assert!(check_card(&card("4242424242424242", "13/30"), 2026, 11).is_err());
        let mut bad_cvc = card("4242424242424242", "12/30");
        bad_cvc.cvc = "12".into();
        assert!(check_card(&bad_cvc, 2026, 11).is_err());
    }

    #[test]
    fn memos_and_bank_accounts_are_bounded() {
        assert!(check_memo(&"x".repeat(141)).is_err());
        assert_eq!(
            check_bank_account("de89 3704 0044 0532 0130 00").unwrap(),
            "DE89370400440532013000"
        );
        assert!(check_bank_account("12-34").is_err());
    }

    #[test]
    fn kinds_round_trip() {
        for &kind in TxKind::ALL {
            assert_eq!(TxKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(TxKind::parse("gift"), None);
    }
}
