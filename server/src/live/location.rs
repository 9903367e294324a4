//! A provider's position, sent up `/ws` while they are on the way or at
//! work: accepted on a booking the connection follows (so the person is one
//! of its two parties), at most every [`EVERY`]; the booking's own rules
//! (the provider, under way) are checked where it is stored, in one
//! statement, and a refusal says which failed.

use std::time::{Duration, Instant};

use app::accounts::service::AuthUser;
use app::error::AppError;
use app::kernel::ids::BookingId;
use app::live::protocol::{ErrorCode, LivePosition, Topic};
use app::state::AppState;

/// At most one position per connection this often.
const EVERY: Duration = Duration::from_secs(2);

/// One connection's positions.
pub struct Positions {
    last: Option<Instant>,
}

impl Positions {
    pub fn new() -> Self {
        Self { last: None }
    }

    /// Stores and publishes a position, or says why not.
    pub async fn report(
        &mut self,
        state: &AppState,
        connection: &str,
        user: Option<&AuthUser>,
        topic: Result<Topic, ()>,
        (lat_e6, lng_e6, accuracy_m): (i64, i64, i64),
    ) -> Option<(ErrorCode, String)> {
        let (Ok(topic @ Topic::Booking(id)), Some(user)) = (topic, user) else {
            return Some(not_followed());
        };
        if !state.live.follows(connection, topic) {
            return Some(not_followed());
        }
        if self.last.is_some_and(|at| at.elapsed() < EVERY) {
            return Some((
                ErrorCode::RateLimited,
                "One position every 2 seconds at most.".to_string(),
            ));
        }
        self.last = Some(Instant::now());
        let at = LivePosition {
            lat_e6,
            lng_e6,
            accuracy_m,
            at: app::kernel::time::now_millis(),
        };
        app::services::bookings::report_position(state, user, BookingId::new(id), at)
            .await
            .err()
            .map(|e| refusal(&e))
    }
}

fn not_followed() -> (ErrorCode, String) {
    (
        ErrorCode::Forbidden,
        "Follow a booking of yours to share your position on it.".to_string(),
    )
}

/// Why a position was refused, in the protocol's terms.
fn refusal(e: &AppError) -> (ErrorCode, String) {
    let code = match e {
        AppError::BadRequest { .. } => ErrorCode::BadMessage,
        AppError::Forbidden | AppError::NotAllowed(_) | AppError::Unauthorized => {
            ErrorCode::Forbidden
        }
        AppError::NotFound(_) => ErrorCode::NotFound,
        AppError::Conflict(_) => ErrorCode::Conflict,
        _ => ErrorCode::Unavailable,
    };
    let message = match e {
        AppError::Forbidden => "Only the provider shares their position.".to_string(),
        other => other.to_string(),
    };
    (code, message)
}
