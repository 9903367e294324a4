//! Money: integer minor units (cents), never floats. [`Cents`] is the one
//! amount type; [`Cents::parse`] the one reader of decimal amounts (a form's
//! text, or a JSON number in major units), [`Cents::format`] the one writer.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The currency Marquee's wallets hold and its prices are in.
pub const CURRENCY: &str = "USD";

/// An amount in minor units (cents) of a currency. Serialized as the bare
/// integer, so it crosses the wire and the API unchanged.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type), sqlx(transparent))]
pub struct Cents(i64);

/// The amounts a field accepts, with the words that explain them.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub min: Cents,
    pub max: Cents,
    /// What the field holds, for the error messages: "The price".
    pub noun: &'static str,
}

impl Limits {
    /// Prices of tickets and services: free up to $1,000,000.
    pub const PRICE: Self = Self {
        min: Cents(0),
        max: Cents(100_000_000),
        noun: "The price",
    };

    /// Refuses an amount outside these limits, naming the field.
    pub fn check(self, field: &str, amount: Cents) -> Result<Cents, AppError> {
        if amount < self.min || amount > self.max {
            let message = if self.min == Cents(0) {
                format!("{} must be between 0 and {}.", self.noun, self.max.plain())
            } else if amount < self.min {
                format!("{} must be at least {}.", self.noun, self.min.plain())
            } else {
                format!(
                    "{} can be at most {}.",
                    self.noun,
                    self.max.format(CURRENCY)
                )
            };
            return Err(AppError::bad_request(field, message));
        }
        Ok(amount)
    }
}

impl Cents {
    pub const ZERO: Self = Self(0);

    pub const fn new(minor_units: i64) -> Self {
        Self(minor_units)
    }

    /// The amount in minor units.
    pub const fn get(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Self) -> Option<Self> {
        self.0.checked_add(other.0).map(Self)
    }

    pub fn checked_sub(self, other: Self) -> Option<Self> {
        self.0.checked_sub(other.0).map(Self)
    }

    pub fn checked_mul(self, times: i64) -> Option<Self> {
        self.0.checked_mul(times).map(Self)
    }

    /// `basis_points` / 10,000 of the amount, rounded down (fees).
    pub fn share(self, basis_points: i64) -> Option<Self> {
        let share = i128::from(self.0) * i128::from(basis_points) / 10_000;
        i64::try_from(share).ok().map(Self)
    }

    /// A decimal amount as people and APIs write it: `12`, `12.5`, `12.50`,
    /// `.99`, with a comma for the point or a leading `$`, `€`, `£`. At most
    /// two decimals; then `limits` apply. Errors name `field`.
    pub fn parse(field: &str, text: &str, limits: Limits) -> Result<Self, AppError> {
        let bad = || {
            AppError::bad_request(
                field,
                format!(
                    "{} must be an amount like 25 or 12.50 (at most two decimals).",
                    limits.noun
                ),
            )
        };
        let text = text.trim().replace(',', ".");
        let text = text.trim_start_matches(['$', '€', '£']);
        if text.is_empty() {
            let hint = if limits.min == Cents(0) {
                " (0 for free)"
            } else {
                ""
            };
            return Err(AppError::bad_request(
                field,
                format!("{} is required{hint}.", limits.noun),
            ));
        }
        let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
        if (whole.is_empty() && frac.is_empty())
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || frac.len() > 2
        {
            return Err(bad());
        }
        // Past fifteen digits no limit is near; refuse before overflowing.
        if whole.len() > 15 {
            return limits.check(field, Cents(i64::MAX));
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| bad())?
        };
        let frac: i64 = match frac.len() {
            0 => 0,
            1 => frac.parse::<i64>().map_err(|_| bad())? * 10,
            _ => frac.parse().map_err(|_| bad())?,
        };
        limits.check(field, Cents(whole * 100 + frac))
    }

    /// A JSON number in major units (`12.5`), read through its shortest
    /// decimal form, so `12.505` is refused rather than rounded. A client's
    /// float arithmetic (`19.99 * 3` is `59.97000000000001`) is read as the
    /// cent it is a hair away from; anything further from a cent is refused.
    pub fn from_major(field: &str, amount: f64, limits: Limits) -> Result<Self, AppError> {
        if !amount.is_finite() {
            return Err(AppError::bad_request(
                field,
                format!("{} must be a number.", limits.noun),
            ));
        }
        let cents = amount * 100.0;
        let nearest = cents.round();
        let text = if (cents - nearest).abs() < 1e-6 && nearest.abs() < 1e15 {
            // Whole cents, written as the exact decimal they stand for.
            Cents(nearest as i64).input()
        } else {
            // `Display` of an f64 writes the shortest digits that read back
            // as the same number, without an exponent.
            amount.to_string()
        };
        Self::parse(field, &text, limits)
    }

    /// An amount given in minor units (`priceCents`), within `limits`.
    pub fn from_minor(field: &str, minor_units: i64, limits: Limits) -> Result<Self, AppError> {
        limits.check(field, Cents(minor_units))
    }

    /// An amount an API client gives in minor units (`priceCents`) or in
    /// major units (`price`); the minor units win when both are there.
    pub fn from_api(
        field: &str,
        minor_units: Option<i64>,
        major_units: Option<f64>,
        limits: Limits,
    ) -> Result<Self, AppError> {
        match (minor_units, major_units) {
            (Some(minor), _) => Self::from_minor(field, minor, limits),
            (None, Some(major)) => Self::from_major(field, major, limits),
            (None, None) => Err(AppError::bad_request(
                field,
                format!("{} is required.", limits.noun),
            )),
        }
    }

    /// Seed 001 and 003 show amounts in major units (`150.0`).
    pub fn major(self) -> f64 {
        self.0 as f64 / 100.0
    }

    /// `$12.50`, `€8`, `1,500 CHF`, `Free`.
    pub fn format(self, currency: &str) -> String {
        if self.0 == 0 {
            return "Free".to_string();
        }
        let symbol = match currency {
            "USD" => "$",
            "EUR" => "€",
            "GBP" => "£",
            _ => "",
        };
        let sign = if self.0 < 0 { "-" } else { "" };
        let amount = self.plain();
        let amount = amount.trim_start_matches('-');
        if symbol.is_empty() {
            format!("{sign}{amount} {currency}")
        } else {
            format!("{sign}{symbol}{amount}")
        }
    }

    /// Wallet amounts keep their cents and show zero as `$0.00`.
    pub fn format_exact(self, currency: &str) -> String {
        if self.0 == 0 {
            return match currency {
                "USD" => "$0.00".to_string(),
                _ => format!("0.00 {currency}"),
            };
        }
        self.format(currency)
    }

    /// `12.50`, `1500.00`: what a form's amount field shows, and reads back
    /// with [`Cents::parse`].
    pub fn input(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }

    /// `1,500` or `12.50`: grouped digits, cents only when there are some.
    fn plain(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let whole = group_thousands(abs / 100);
        if abs.is_multiple_of(100) {
            format!("{sign}{whole}")
        } else {
            format!("{sign}{whole}.{:02}", abs % 100)
        }
    }
}

impl fmt::Display for Cents {
    /// In the platform's currency: `$12.50`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format(CURRENCY))
    }
}

fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const AMOUNT: Limits = Limits {
        min: Cents(1),
        max: Cents(1_000_000),
        noun: "The amount",
    };

    fn price(text: &str) -> Result<i64, AppError> {
        Cents::parse("price", text, Limits::PRICE).map(Cents::get)
    }

    #[test]
    fn decimal_text_becomes_cents_without_floats() {
        assert_eq!(price("12.50").unwrap(), 1250);
        assert_eq!(price("12,5").unwrap(), 1250);
        assert_eq!(price("$7").unwrap(), 700);
        assert_eq!(price("0").unwrap(), 0);
        assert_eq!(price(".99").unwrap(), 99);
        assert_eq!(price("1000000").unwrap(), 100_000_000);
        for bad in [
            "",
            "abc",
            "1.234",
            "-5",
            "1e3",
            ".",
            "1000000.01",
            "99999999999999999999",
        ] {
            let err = price(bad).unwrap_err();
            assert!(
                matches!(&err, AppError::BadRequest { field: Some(f), .. } if f == "price"),
                "{bad}: {err:?}"
            );
        }
    }

    #[test]
    fn json_numbers_are_read_by_their_decimal_digits() {
        let read = |n: f64| Cents::from_major("amount", n, AMOUNT).map(Cents::get);
        assert_eq!(read(12.5).unwrap(), 1250);
        assert_eq!(read(0.29).unwrap(), 29);
        assert_eq!(read(10000.0).unwrap(), 1_000_000);
        // Float noise around a cent is that cent; more than a cent's noise is not.
        assert_eq!(read(0.1 + 0.2).unwrap(), 30);
        assert_eq!(read(19.99 * 3.0).unwrap(), 5997);
        assert_eq!(read(0.001).unwrap_err().status(), 400);
        assert_eq!(read(12.505).unwrap_err().status(), 400);
        assert_eq!(read(0.0).unwrap_err().status(), 400);
        assert_eq!(read(-3.0).unwrap_err().status(), 400);
        assert_eq!(read(f64::NAN).unwrap_err().status(), 400);
        assert_eq!(read(1e300).unwrap_err().status(), 400);
        assert_eq!(read(10000.01).unwrap_err().status(), 400);
    }

    #[test]
    fn apis_give_minor_or_major_units() {
        let read = |minor, major| Cents::from_api("price", minor, major, Limits::PRICE);
        assert_eq!(read(Some(1250), Some(99.0)).unwrap(), Cents(1250));
        assert_eq!(read(None, Some(12.5)).unwrap(), Cents(1250));
        let err = read(None, None).unwrap_err();
        assert_eq!(err.to_string(), "The price is required.");
        assert_eq!(read(Some(-1), None).unwrap_err().status(), 400);
    }

    #[test]
    fn limits_say_what_is_allowed() {
        let err = Cents::from_minor("amountCents", 2_000_000, AMOUNT).unwrap_err();
        assert_eq!(err.to_string(), "The amount can be at most $10,000.");
        let err = Cents::from_minor("amountCents", 0, AMOUNT).unwrap_err();
        assert_eq!(err.to_string(), "The amount must be at least 0.01.");
        let err = price("-1").unwrap_err();
        assert!(err.to_string().contains("at most two decimals"), "{err}");
    }

    #[test]
    fn money_reads_like_money() {
        assert_eq!(Cents(0).format("USD"), "Free");
        assert_eq!(Cents(1250).format("USD"), "$12.50");
        assert_eq!(Cents(150_000).format("EUR"), "€1,500");
        assert_eq!(Cents(99).format("CHF"), "0.99 CHF");
        assert_eq!(Cents(-1250).format("USD"), "-$12.50");
        assert_eq!(Cents(0).format_exact("USD"), "$0.00");
        assert_eq!(Cents(123_456_789).to_string(), "$1,234,567.89");
        assert_eq!(Cents(1250).major(), 12.5);
        assert_eq!(Cents(150_000).input(), "1500.00");
        let shown = Cents(1205).input();
        assert_eq!(
            Cents::parse("price", &shown, Limits::PRICE).unwrap(),
            Cents(1205)
        );
    }

    #[test]
    fn arithmetic_is_checked() {
        assert_eq!(Cents(i64::MAX).checked_add(Cents(1)), None);
        assert_eq!(Cents(500).checked_mul(3), Some(Cents(1500)));
        assert_eq!(Cents(10_000).share(500), Some(Cents(500)));
        assert_eq!(Cents(i64::MAX).share(10_000), Some(Cents(i64::MAX)));
    }
}
