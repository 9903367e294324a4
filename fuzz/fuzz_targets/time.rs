//! The time parsers: instants, local times in a zone, days and zone names.
//! What parses prints back as the same instant.
#![no_main]

use app::kernel::time::{iso, parse_day, parse_iso, parse_local, parse_zone};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(ms) = parse_iso("at", text) {
        assert_eq!(parse_iso("at", &iso(ms)), Ok(ms), "{text:?}");
    }
    let _ = parse_day("day", text);
    let _ = parse_zone("zone", text);
    // A zone and a local time, split at the first '|'.
    if let Some((zone, local)) = text.split_once('|')
        && let Ok(zone) = parse_zone("zone", zone)
    {
        let _ = parse_local("at", local, zone);
    }
});
