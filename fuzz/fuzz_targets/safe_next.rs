//! `safe_next`, which guards every `next=` and `back=`: whatever comes in,
//! what goes out is a path on this site (never `//host`, `/\host` or a
//! scheme), printable ASCII, and the same when guarded twice.
#![no_main]

use app::accounts::model::safe_next;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let next = safe_next(text);
    assert!(next.starts_with('/'), "{text:?} → {next:?}");
    assert!(!next.starts_with("//") && !next.starts_with("/\\"), "{text:?} → {next:?}");
    assert!(next.bytes().all(|b| (0x21..0x7f).contains(&b)), "{text:?} → {next:?}");
    assert!(!next.contains('\\'));
    assert_eq!(safe_next(&next), next);
});
