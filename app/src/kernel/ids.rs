//! Typed ids: an event's id can't be passed where a user's is expected.
//! Each is the row's `BIGINT` id, serialized as the bare number (the wire
//! and the JSON API are unchanged) and parsed from a path with a 400 that
//! names the field.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "ssr", derive(sqlx::Type), sqlx(transparent))]
        pub struct $name(i64);

        impl $name {
            pub const fn new(id: i64) -> Self {
                Self(id)
            }

            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                text.parse().map(Self)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }
    )*};
}

ids! {
    /// A person's account.
    UserId,
    EventId,
    /// A ticket tier (seed 001's "category").
    TierId,
    OrderId,
    TicketId,
    ServiceId,
    BookingId,
    ReviewId,
    /// A chat room (group, direct, thread or a stream's).
    RoomId,
    MessageId,
    StreamId,
    /// A wallet transaction.
    TransactionId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_cross_the_wire_as_bare_numbers() {
        let id = EventId::new(42);
        assert_eq!(serde_json::to_string(&id).unwrap(), "42");
        assert_eq!(serde_json::from_str::<EventId>("42").unwrap(), id);
        assert_eq!("42".parse::<EventId>().unwrap(), id);
        assert!("4x".parse::<EventId>().is_err());
        assert_eq!(id.to_string(), "42");
        assert_eq!(i64::from(id), 42);
    }
}
