//! Whether a state read from the database is still current, without asking
//! the database: every change of a topic kept there (an event's seats, its
//! details) is touched on the hub, here or, through the PostgreSQL bus, on
//! another instance. A reader takes a stamp before it reads; what it read is
//! current for as long as the stamp stays the same.
//!
//! With other instances on the database, stamps are only given while the bus
//! is listening: a change announced while it was not would go unseen. When
//! it comes back (or goes down) every earlier stamp stops matching.
//!
//! States read this way are kept here, by topic, with their stamp and the
//! time they stop being true by themselves (a hold that lapses); what they
//! are is up to their domain (`events::cache`).

use std::any::Any;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::kernel::sync::lock;

use super::protocol::Topic;

// The bus state starts at 0: no other instance can change the database
// (SQLite, or no bus).
/// Other instances may, and the bus is not listening now.
const DEAF: u8 = 1;
/// Other instances may, and the bus hears them.
const LISTENING: u8 = 2;

#[derive(Debug, Default)]
pub struct Freshness {
    clock: AtomicU64,
    /// The clock when each topic last changed.
    changed: Mutex<HashMap<Topic, u64>>,
    /// The clock when the catalog (which events there are, and their
    /// details: what a listing shows) last changed.
    catalog: AtomicU64,
    /// The clock when the bus last came up or went down: no stamp older
    /// than that matches.
    floor: AtomicU64,
    bus: AtomicU8,
    kept: Mutex<HashMap<Topic, Kept>>,
}

/// Kept states before the store starts over (a bound on memory).
const KEPT_MAX: usize = 4_096;

#[derive(Debug)]
struct Kept {
    stamp: u64,
    /// Used while `now < until`.
    until: i64,
    state: Arc<dyn Any + Send + Sync>,
}

impl Freshness {
    /// Notes that `topic` changed (call it after the change committed).
    pub fn changed(&self, topic: Topic) {
        let now = self.clock.fetch_add(1, Ordering::AcqRel) + 1;
        lock(&self.changed).insert(topic, now);
    }

    /// How many changes of any topic came before `topic`'s last one (0 if
    /// it never changed here): a state read after taking it reflects at
    /// least that change. It only grows.
    pub fn version(&self, topic: Topic) -> u64 {
        lock(&self.changed).get(&topic).copied().unwrap_or(0)
    }

    /// The stamp to keep with a state of `topic` read from now on; `None`
    /// when nothing read now may be kept (the bus is not listening).
    pub fn stamp(&self, topic: Topic) -> Option<u64> {
        self.floored(self.version(topic))
    }

    /// Notes that the catalog changed: an event was created, edited,
    /// cancelled or deleted (call it after the change committed).
    pub fn catalog_changed(&self) {
        let now = self.clock.fetch_add(1, Ordering::AcqRel) + 1;
        self.catalog.fetch_max(now, Ordering::AcqRel);
    }

    /// Like [`Self::stamp`], for a state read from the catalog (a listing).
    pub fn catalog_stamp(&self) -> Option<u64> {
        self.floored(self.catalog.load(Ordering::Acquire))
    }

    /// The stamp of everything kept here: it changes with any change of any
    /// topic and of the catalog (a rendered page, which may show any of
    /// them). `None` as for [`Self::stamp`].
    pub fn all_stamp(&self) -> Option<u64> {
        self.floored(self.clock.load(Ordering::Acquire))
    }

    fn floored(&self, version: u64) -> Option<u64> {
        if self.bus.load(Ordering::Acquire) == DEAF {
            return None;
        }
        Some(version.max(self.floor.load(Ordering::Acquire)))
    }

    /// Other instances share the database from now on; nothing is kept
    /// until the bus listens.
    pub fn shared(&self) {
        self.set_bus(DEAF);
    }

    /// The bus started or stopped listening.
    pub fn listening(&self, up: bool) {
        self.set_bus(if up { LISTENING } else { DEAF });
    }

    /// The state kept for `topic` if it was read under `stamp`, is still
    /// true at `now`, and is a `T`.
    pub fn kept<T: Any + Send + Sync>(&self, topic: Topic, stamp: u64, now: i64) -> Option<Arc<T>> {
        let kept = lock(&self.kept);
        let entry = kept
            .get(&topic)
            .filter(|e| e.stamp == stamp && now < e.until)?;
        Arc::clone(&entry.state).downcast::<T>().ok()
    }

    /// Keeps `state`, read under `stamp`, until `until` at the latest.
    pub fn keep<T: Any + Send + Sync>(&self, topic: Topic, stamp: u64, until: i64, state: Arc<T>) {
        let mut kept = lock(&self.kept);
        if kept.len() >= KEPT_MAX && !kept.contains_key(&topic) {
            kept.clear();
        }
        kept.insert(
            topic,
            Kept {
                stamp,
                until,
                state,
            },
        );
    }

    fn set_bus(&self, state: u8) {
        let now = self.clock.fetch_add(1, Ordering::AcqRel) + 1;
        self.floor.fetch_max(now, Ordering::AcqRel);
        self.bus.store(state, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_holds_until_its_topic_changes() {
        let f = Freshness::default();
        let a = f.stamp(Topic::Event(1)).unwrap();
        f.changed(Topic::Event(2));
        assert_eq!(f.stamp(Topic::Event(1)), Some(a));
        f.changed(Topic::Event(1));
        assert_ne!(f.stamp(Topic::Event(1)), Some(a));
    }

    #[test]
    fn a_catalog_stamp_holds_until_the_catalog_changes_whatever_the_topics_do() {
        let f = Freshness::default();
        let a = f.catalog_stamp().unwrap();
        f.changed(Topic::Event(1));
        assert_eq!(f.catalog_stamp(), Some(a));
        f.catalog_changed();
        let b = f.catalog_stamp().unwrap();
        assert_ne!(a, b);
        f.shared();
        assert_eq!(f.catalog_stamp(), None, "deaf");
        f.listening(true);
        assert_ne!(
            f.catalog_stamp(),
            Some(b),
            "a stamp from before the bus came back"
        );
    }

    #[test]
    fn the_stamp_of_everything_changes_with_any_topic_and_the_catalog() {
        let f = Freshness::default();
        let a = f.all_stamp().unwrap();
        assert_eq!(f.all_stamp(), Some(a), "nothing changed");
        f.changed(Topic::Event(1));
        let b = f.all_stamp().unwrap();
        assert_ne!(a, b);
        f.catalog_changed();
        assert_ne!(f.all_stamp(), Some(b));
        f.shared();
        assert_eq!(f.all_stamp(), None, "deaf");
    }

    #[test]
    fn a_topic_s_version_grows_with_its_own_changes_only() {
        let f = Freshness::default();
        assert_eq!(f.version(Topic::Event(1)), 0);
        f.changed(Topic::Event(1));
        let a = f.version(Topic::Event(1));
        f.changed(Topic::Event(2));
        assert_eq!(f.version(Topic::Event(1)), a);
        f.changed(Topic::Event(1));
        assert!(f.version(Topic::Event(1)) > a);
    }

    #[test]
    fn nothing_is_kept_while_the_bus_is_deaf_and_nothing_from_before_it_came_back() {
        let f = Freshness::default();
        f.shared();
        assert_eq!(f.stamp(Topic::Event(1)), None);
        f.listening(true);
        let a = f.stamp(Topic::Event(1)).unwrap();
        f.listening(false);
        assert_eq!(f.stamp(Topic::Event(1)), None);
        f.listening(true);
        let b = f.stamp(Topic::Event(1)).unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn a_kept_state_is_given_back_only_under_its_stamp_before_its_end_as_its_type() {
        let f = Freshness::default();
        let topic = Topic::Event(7);
        let stamp = f.stamp(topic).unwrap();
        f.keep(topic, stamp, 100, Arc::new(42_i64));
        assert_eq!(f.kept::<i64>(topic, stamp, 99).as_deref(), Some(&42));
        assert!(f.kept::<i64>(topic, stamp, 100).is_none(), "ended");
        assert!(f.kept::<String>(topic, stamp, 99).is_none(), "another type");
        f.changed(topic);
        let later = f.stamp(topic).unwrap();
        assert!(f.kept::<i64>(topic, later, 99).is_none(), "changed since");
    }
}
