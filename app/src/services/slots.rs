//! Free slots: a provider's weekly hours (in their own time zone), with
//! date overrides and days off, minus the bookings they have, cut into
//! starts for one service. Pure: no database, no clock, so the rules are
//! tested here, daylight-saving changes included.
//!
//! Times inside a day are wall-clock minutes in the provider's zone; a slot
//! is an absolute instant plus the service's duration, so a 60-minute
//! booking lasts 60 minutes even across a clock change.

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate, TimeZone};
use chrono_tz::Tz;

const MINUTE: i64 = 60_000;

/// A working interval of one local day, in minutes after midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub start_min: i64,
    pub end_min: i64,
}

/// What the computation needs to know about a provider and a service.
#[derive(Debug, Clone)]
pub struct Rules {
    pub zone: Tz,
    /// Index 0 = Monday … 6 = Sunday.
    pub weekly: [Vec<Interval>; 7],
    /// Dates whose hours replace the weekday's; an empty list is a day off.
    pub overrides: HashMap<NaiveDate, Vec<Interval>>,
    pub duration_min: i64,
    pub buffer_min: i64,
    pub min_notice_min: i64,
    pub horizon_days: i64,
}

/// A time someone already has: `[start, blocked_until)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy {
    pub start: i64,
    pub blocked_until: i64,
}

/// Minutes between two offered starts: the duration, at most every 30
/// minutes, so long services still offer half-hour starts.
pub fn step_min(duration_min: i64) -> i64 {
    duration_min.clamp(5, 30)
}

impl Rules {
    /// The intervals of one local date.
    pub fn hours_on(&self, day: NaiveDate) -> &[Interval] {
        match self.overrides.get(&day) {
            Some(list) => list,
            None => &self.weekly[day.weekday().num_days_from_monday() as usize],
        }
    }

    /// Every start inside the working hours between `from` and `to`
    /// (epoch ms), ignoring bookings and notice: the schedule alone.
    pub fn starts_in_schedule(&self, from: i64, to: i64) -> Vec<i64> {
        let duration = self.duration_min * MINUTE;
        let step = step_min(self.duration_min);
        let mut out = Vec::new();
        let (Some(first), Some(last)) = (self.local_date(from), self.local_date(to)) else {
            return out;
        };
        // A day before and after: a local day can reach into the UTC range.
        let mut day = first - Duration::days(1);
        while day <= last + Duration::days(1) {
            for interval in self.hours_on(day) {
                let Some(end) = self.instant_at_or_after(day, interval.end_min) else {
                    continue;
                };
                let mut minute = interval.start_min;
                while minute < interval.end_min {
                    // A start in a clock-change gap does not exist: skip it.
                    if let Some(start) = self.instant(day, minute)
                        && start + duration <= end
                        && start >= from
                        && start < to
                    {
                        out.push(start);
                    }
                    minute += step;
                }
            }
            day += Duration::days(1);
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The free starts between `from` and `to`: inside the schedule, after
    /// the minimum notice, within the horizon, and clear of every busy time
    /// with this provider's buffer after the new booking too.
    pub fn free_starts(&self, from: i64, to: i64, now: i64, busy: &[Busy]) -> Vec<i64> {
        let earliest = now + self.min_notice_min * MINUTE;
        let latest = now + self.horizon_days * 24 * 60 * MINUTE;
        let keeps = (self.duration_min + self.buffer_min) * MINUTE;
        self.starts_in_schedule(from.max(earliest), to.min(latest))
            .into_iter()
            .filter(|start| {
                busy.iter()
                    .all(|b| !(*start < b.blocked_until && b.start < start + keeps))
            })
            .collect()
    }

    /// Is `start` one of the schedule's starts (notice and horizon aside)?
    pub fn in_schedule(&self, start: i64) -> bool {
        self.starts_in_schedule(start, start + 1).contains(&start)
    }

    /// Like [`Self::instant`], but a time in a gap becomes the first
    /// instant after it (an interval ending at a skipped midnight ends when
    /// the clocks resume).
    pub fn instant_at_or_after(&self, day: NaiveDate, minute: i64) -> Option<i64> {
        (0..=12).find_map(|step| self.instant(day, minute + step * 15))
    }

    pub fn local_date(&self, ms: i64) -> Option<NaiveDate> {
        self.zone
            .timestamp_millis_opt(ms)
            .single()
            .map(|t| t.date_naive())
    }

    /// The instant of `minute` after local midnight of `day`; `None` in a
    /// gap (clocks going forward). An ambiguous time (clocks going back)
    /// is its first occurrence. Minute 1440 is the next midnight.
    pub fn instant(&self, day: NaiveDate, minute: i64) -> Option<i64> {
        let (day, minute) = if minute >= 1440 {
            (day + Duration::days(1), minute - 1440)
        } else {
            (day, minute)
        };
        let naive = day.and_hms_opt(
            u32::try_from(minute / 60).ok()?,
            u32::try_from(minute % 60).ok()?,
            0,
        )?;
        self.zone
            .from_local_datetime(&naive)
            .earliest()
            .map(|t| t.timestamp_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(start_h: i64, end_h: i64) -> Interval {
        Interval {
            start_min: start_h * 60,
            end_min: end_h * 60,
        }
    }

    fn rules(zone: Tz, duration_min: i64) -> Rules {
        let mut weekly: [Vec<Interval>; 7] = Default::default();
        for day in weekly.iter_mut().take(5) {
            *day = vec![iv(9, 12), iv(13, 17)];
        }
        Rules {
            zone,
            weekly,
            overrides: HashMap::new(),
            duration_min,
            buffer_min: 0,
            min_notice_min: 0,
            horizon_days: 365,
        }
    }

    fn at(zone: Tz, y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
        zone.with_ymd_and_hms(y, m, d, h, min, 0)
            .earliest()
            .unwrap()
            .timestamp_millis()
    }

    fn local(zone: Tz, ms: i64) -> String {
        zone.timestamp_millis_opt(ms)
            .unwrap()
            .format("%a %H:%M")
            .to_string()
    }

    const DAY: i64 = 24 * 60 * MINUTE;

    #[test]
    fn a_weekday_is_cut_into_starts_inside_each_interval() {
        let zone = chrono_tz::Europe::Paris;
        let r = rules(zone, 60);
        // Monday 2031-06-02.
        let from = at(zone, 2031, 6, 2, 0, 0);
        let starts = r.starts_in_schedule(from, from + DAY);
        let labels: Vec<String> = starts.iter().map(|s| local(zone, *s)).collect();
        assert_eq!(
            labels,
            [
                "Mon 09:00",
                "Mon 09:30",
                "Mon 10:00",
                "Mon 10:30",
                "Mon 11:00",
                "Mon 13:00",
                "Mon 13:30",
                "Mon 14:00",
                "Mon 14:30",
                "Mon 15:00",
                "Mon 15:30",
                "Mon 16:00"
            ]
        );
        // Saturday has no hours.
        let sat = at(zone, 2031, 6, 7, 0, 0);
        assert!(r.starts_in_schedule(sat, sat + DAY).is_empty());
    }

    #[test]
    fn bookings_and_the_buffer_take_their_time_out() {
        let zone = chrono_tz::UTC;
        let mut r = rules(zone, 60);
        r.buffer_min = 30;
        let from = at(zone, 2031, 6, 2, 0, 0);
        let busy = [Busy {
            start: at(zone, 2031, 6, 2, 10, 0),
            blocked_until: at(zone, 2031, 6, 2, 11, 30),
        }];
        let labels: Vec<String> = r
            .free_starts(from, from + DAY, from - DAY, &busy)
            .iter()
            .take(4)
            .map(|s| local(zone, *s))
            .collect();
        // 09:00 would end at 10:00 and keep 10:00–10:30: it collides; 08:30 is
        // outside the hours. After the booking: 11:30 would run past noon.
        assert_eq!(labels, ["Mon 13:00", "Mon 13:30", "Mon 14:00", "Mon 14:30"]);
    }

    #[test]
    fn notice_and_horizon_bound_what_is_offered() {
        let zone = chrono_tz::UTC;
        let mut r = rules(zone, 60);
        r.min_notice_min = 120;
        r.horizon_days = 2;
        let now = at(zone, 2031, 6, 2, 9, 10);
        let starts = r.free_starts(now - DAY, now + 10 * DAY, now, &[]);
        // Two hours' notice from 09:10: the morning's last start (11:00) is too
        // soon, so the first is after lunch.
        assert_eq!(local(zone, starts[0]), "Mon 13:00");
        assert!(starts.iter().all(|s| *s < now + 2 * DAY));
        assert_eq!(local(zone, *starts.last().unwrap()), "Wed 09:00");
    }

    #[test]
    fn an_override_replaces_the_weekday_and_an_empty_one_is_a_day_off() {
        let zone = chrono_tz::UTC;
        let mut r = rules(zone, 60);
        let monday = NaiveDate::from_ymd_opt(2031, 6, 2).unwrap();
        let tuesday = NaiveDate::from_ymd_opt(2031, 6, 3).unwrap();
        let saturday = NaiveDate::from_ymd_opt(2031, 6, 7).unwrap();
        r.overrides.insert(monday, vec![]);
        r.overrides.insert(tuesday, vec![iv(18, 20)]);
        r.overrides.insert(saturday, vec![iv(10, 11)]);
        let from = at(zone, 2031, 6, 2, 0, 0);
        let labels: Vec<String> = r
            .starts_in_schedule(from, from + 2 * DAY)
            .iter()
            .map(|s| local(zone, *s))
            .collect();
        assert_eq!(labels, ["Tue 18:00", "Tue 18:30", "Tue 19:00"]);
        let sat = at(zone, 2031, 6, 7, 0, 0);
        assert_eq!(r.starts_in_schedule(sat, sat + DAY).len(), 1);
    }

    #[test]
    fn hours_follow_the_providers_wall_clock_across_a_daylight_saving_change() {
        let zone = chrono_tz::America::New_York;
        let mut r = rules(zone, 60);
        r.weekly = Default::default();
        r.weekly[6] = vec![iv(1, 4)]; // Sundays 01:00–04:00
        // 2031-03-09: clocks go from 02:00 to 03:00 in New York.
        let from = at(zone, 2031, 3, 9, 0, 0);
        let starts = r.starts_in_schedule(from, from + DAY);
        let labels: Vec<String> = starts.iter().map(|s| local(zone, *s)).collect();
        // 02:00 and 02:30 don't exist that night; 04:00 local is only 2 hours
        // of real time after 01:00, so 01:30 + 60 min = 03:30 still fits.
        assert_eq!(labels, ["Sun 01:00", "Sun 01:30", "Sun 03:00"]);
        // A week later the same hours give the usual five starts, an hour
        // earlier in UTC.
        let later = at(zone, 2031, 3, 16, 0, 0);
        let after = r.starts_in_schedule(later, later + DAY);
        assert_eq!(after.len(), 5);
        assert_eq!(after[0] - starts[0], 7 * DAY - 60 * MINUTE);
    }

    #[test]
    fn the_autumn_change_repeats_no_start() {
        let zone = chrono_tz::Europe::Paris;
        let mut r = rules(zone, 30);
        r.weekly = Default::default();
        r.weekly[6] = vec![iv(1, 4)];
        // 2031-10-26: 03:00 CEST becomes 02:00 CET in Paris.
        let from = at(zone, 2031, 10, 26, 0, 0);
        let starts = r.starts_in_schedule(from, from + DAY);
        let mut unique = starts.clone();
        unique.dedup();
        assert_eq!(starts, unique);
        assert_eq!(local(zone, starts[0]), "Sun 01:00");
        // Until 04:00 CET, the last 30-minute start is 03:30.
        assert_eq!(local(zone, *starts.last().unwrap()), "Sun 03:30");
    }

    #[test]
    fn a_day_whose_midnight_does_not_exist_still_has_its_hours() {
        // Santiago skips from 2031-09-07 00:00 to 01:00 (clocks go forward
        // at midnight); an interval ending at 24:00 the evening before ends
        // when the clocks resume.
        let zone = chrono_tz::America::Santiago;
        let mut r = rules(zone, 60);
        r.weekly = Default::default();
        r.weekly[5] = vec![iv(22, 24)]; // Saturday 22:00–24:00
        let from = at(zone, 2031, 9, 6, 0, 0);
        let labels: Vec<String> = r
            .starts_in_schedule(from, from + DAY)
            .iter()
            .map(|s| local(zone, *s))
            .collect();
        assert_eq!(labels, ["Sat 22:00", "Sat 22:30", "Sat 23:00"]);
    }

    #[test]
    fn a_customer_far_away_sees_the_same_instants() {
        let paris = chrono_tz::Europe::Paris;
        let r = rules(paris, 60);
        let from = at(paris, 2031, 6, 2, 0, 0);
        let first = r.starts_in_schedule(from, from + DAY)[0];
        assert_eq!(local(chrono_tz::Asia::Tokyo, first), "Mon 16:00");
        assert_eq!(local(chrono_tz::America::Los_Angeles, first), "Mon 00:00");
        assert!(r.in_schedule(first));
        assert!(!r.in_schedule(first + 5 * MINUTE));
    }
}
