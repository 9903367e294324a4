//! One value of each type per running application, made on first use: the
//! in-memory machinery a domain keeps for itself (the hold desk of
//! `events::hold_batch`), carried by the application state without the
//! state knowing the domain's types. Tests run several applications in one
//! process; each has its own.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Debug, Default)]
pub struct Singletons(Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>);

impl Singletons {
    /// This application's `T`, made with `T::default()` the first time.
    pub fn get<T: Any + Send + Sync + Default>(&self) -> Arc<T> {
        let mut map = super::sync::lock(&self.0);
        let value = map
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Arc::new(T::default()));
        match Arc::clone(value).downcast::<T>() {
            Ok(value) => value,
            // Unreachable: the entry of `T`'s id is always a `T`.
            Err(_) => Arc::new(T::default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_type_has_one_value_per_application() {
        let a = Singletons::default();
        let b = Singletons::default();
        a.get::<Mutex<i64>>().lock().map(|mut v| *v = 7).unwrap();
        assert_eq!(*a.get::<Mutex<i64>>().lock().unwrap(), 7);
        assert_eq!(*b.get::<Mutex<i64>>().lock().unwrap(), 0);
        assert_eq!(*a.get::<Mutex<u8>>().lock().unwrap(), 0);
    }
}
