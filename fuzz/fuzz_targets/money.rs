//! The price parser: an amount that parses is within its limits and
//! parses back from how the form shows it.
#![no_main]

use app::kernel::money::{Cents, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let limits = Limits::PRICE;
    if let Ok(amount) = Cents::parse("price", text, limits) {
        assert!(amount >= limits.min && amount <= limits.max, "{text:?} → {amount:?}");
        assert_eq!(Cents::parse("price", &amount.input(), limits), Ok(amount));
        let _ = amount.format("USD");
    }
});
