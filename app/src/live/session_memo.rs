//! Sessions found open in the last second, so that a request does not ask
//! the database who its token's session belongs to every time.
//!
//! A remembered session is used for at most [`MEMO_MS`]: a session revoked
//! on another instance (or a person changed there) stops working here within
//! that. On this instance it stops at once: every session end (here, or
//! heard from another instance on the bus) and every change of a person
//! forgets what was remembered, and a read that started before a forget is
//! not remembered (see [`SessionMemo::ticket`]).
//!
//! What a session is remembered as is up to the accounts domain.

use std::any::Any;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::kernel::sync::lock;

/// How long a session found open is believed open (milliseconds).
pub const MEMO_MS: i64 = 1_000;
/// Sessions remembered before the memo starts over (a bound on memory).
const MEMO_MAX: usize = 16_384;

#[derive(Debug, Default)]
pub struct SessionMemo {
    /// Bumped by every forget: a read that began under an older ticket
    /// may have seen what was forgotten since.
    generation: AtomicU64,
    entries: Mutex<HashMap<String, Entry>>,
}

#[derive(Debug)]
struct Entry {
    user_id: i64,
    /// When it was read (milliseconds since the epoch).
    at: i64,
    value: Arc<dyn Any + Send + Sync>,
}

impl SessionMemo {
    /// What session `id` was found to be less than [`MEMO_MS`] before `now`.
    pub fn get<T: Any + Send + Sync>(&self, id: &str, now: i64) -> Option<Arc<T>> {
        let entries = lock(&self.entries);
        let entry = entries
            .get(id)
            .filter(|e| now >= e.at && now - e.at < MEMO_MS)?;
        Arc::clone(&entry.value).downcast::<T>().ok()
    }

    /// Take a ticket before reading a session; [`Self::keep`] it with it.
    pub fn ticket(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Remembers session `id` of `user_id` as read at `now` under `ticket`,
    /// unless something was forgotten since the ticket was taken.
    pub fn keep<T: Any + Send + Sync>(
        &self,
        id: &str,
        user_id: i64,
        ticket: u64,
        now: i64,
        value: Arc<T>,
    ) {
        let mut entries = lock(&self.entries);
        // Checked under the lock that forgets take too: no forget can pass
        // between the check and the insert.
        if self.generation.load(Ordering::Acquire) != ticket {
            return;
        }
        if entries.len() >= MEMO_MAX {
            entries.retain(|_, e| now - e.at < MEMO_MS);
            if entries.len() >= MEMO_MAX {
                entries.clear();
            }
        }
        entries.insert(
            id.to_string(),
            Entry {
                user_id,
                at: now,
                value,
            },
        );
    }

    /// Forgets the sessions that ended: those `ended(user_id, session_id)`
    /// is true of.
    pub fn forget(&self, ended: impl Fn(i64, &str) -> bool) {
        let mut entries = lock(&self.entries);
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.retain(|id, e| !ended(e.user_id, id));
    }

    /// Forgets every session of a person (their account changed).
    pub fn forget_user(&self, user_id: i64) {
        let mut entries = lock(&self.entries);
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.retain(|_, e| e.user_id != user_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_remembered_for_less_than_a_second_as_its_type() {
        let memo = SessionMemo::default();
        let ticket = memo.ticket();
        memo.keep("s1", 7, ticket, 1_000, Arc::new(42_i64));
        assert_eq!(memo.get::<i64>("s1", 1_999).as_deref(), Some(&42));
        assert!(memo.get::<i64>("s1", 2_000).is_none(), "a second old");
        assert!(memo.get::<i64>("s1", 999).is_none(), "from the future");
        assert!(memo.get::<String>("s1", 1_500).is_none(), "another type");
        assert!(memo.get::<i64>("s2", 1_500).is_none(), "another session");
    }

    #[test]
    fn ended_sessions_and_changed_people_are_forgotten() {
        let memo = SessionMemo::default();
        for (id, user) in [("a", 1), ("b", 1), ("c", 2)] {
            memo.keep(id, user, memo.ticket(), 0, Arc::new(()));
        }
        memo.forget(|_, session| session == "a");
        assert!(memo.get::<()>("a", 1).is_none());
        assert!(memo.get::<()>("b", 1).is_some());
        memo.forget(|user, _| user == 1);
        assert!(memo.get::<()>("b", 1).is_none());
        assert!(memo.get::<()>("c", 1).is_some());
        memo.forget_user(2);
        assert!(memo.get::<()>("c", 1).is_none());
    }

    #[test]
    fn a_read_begun_before_a_forget_is_not_remembered() {
        let memo = SessionMemo::default();
        let ticket = memo.ticket();
        memo.forget(|_, session| session == "a");
        memo.keep("a", 1, ticket, 0, Arc::new(()));
        assert!(memo.get::<()>("a", 1).is_none());
    }
}
