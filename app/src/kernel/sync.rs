//! Locks that outlive a panic: a thread that panicked while holding one
//! leaves plain in-memory state (maps of stamps, queues, counters) that is
//! still usable, so the lock is taken anyway rather than poisoning every
//! later request.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Takes `mutex`, poisoned or not.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
