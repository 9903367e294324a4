//! A provider's schedule: clock times, a day's hours and the dated
//! exceptions. What parses is in the day, sorted and without overlaps.
#![no_main]

use app::services::model::{parse_clock, parse_intervals, parse_overrides};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(minutes) = parse_clock(text) {
        assert!((0..=1440).contains(&minutes));
    }
    if let Ok(intervals) = parse_intervals("hours", text) {
        assert!(intervals.len() <= 8);
        for (start, end) in &intervals {
            assert!(0 <= *start && start < end && *end <= 1440, "{text:?}");
        }
        assert!(intervals.windows(2).all(|w| w[0].1 <= w[1].0));
    }
    if let Ok(days) = parse_overrides(text) {
        for (_, hours) in days {
            assert!(hours.iter().all(|(s, e)| 0 <= *s && s < e && *e <= 1440));
        }
    }
});
