//! The background work of one instance: sweeps on a beat, live topics
//! re-read and published when touched, the bus between instances, and
//! housekeeping of in-memory limits. Each domain provides its own sweep or
//! refresh; this is where they are bound together and started.

use std::sync::Arc;

use futures::future::BoxFuture;
use tokio::task::JoinHandle;

use app::error::AppError;
use app::kernel::db::Db;
use app::live::hub::Hub;
use app::live::protocol::{MessageView, Topic};
use app::state::AppState;

/// Starts every background task; abort the handles to stop them.
pub fn start(state: &AppState) -> Vec<JoinHandle<()>> {
    let mut tasks = vec![
        tokio::spawn(housekeeping(state.clone())),
        tokio::spawn(sweep(state.clone())),
        // Seat counts of touched events, and viewers of touched streams, go
        // out to their subscribers, merged.
        tokio::spawn(app::live::refresher::run(
            state.db.clone(),
            state.live.clone(),
            refresh,
        )),
    ];
    // Several instances on one PostgreSQL database hear each other.
    tasks.extend(app::live::bus::start(
        &state.db,
        &state.live,
        &state.config.database_url,
        fetch_message,
    ));
    tasks
}

/// Forgets rate-limit keys whose allowance is full again, live topics
/// nobody follows (rebuilt on demand) and idempotency keys past their day.
async fn housekeeping(state: AppState) {
    let mut every_minute = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        every_minute.tick().await;
        state.auth_limiter.shrink();
        state.chat_limiter.shrink();
        state.live.prune();
        let now = app::kernel::time::now_millis();
        if let Err(e) = app::kernel::idempotency::sweep(state.db.pool(), now).await {
            tracing::warn!(error = %e, "cannot forget old idempotency keys");
        }
        if let Err(e) = app::rate_limit::sweep_shared(&state.db, now).await {
            tracing::warn!(error = %e, "cannot forget old rate-limit counts");
        }
    }
}

/// Every sweep, on one beat: lapsed holds marked expired (they stopped
/// counting when they lapsed), pending orders that needed them cancelled,
/// past orders completed and paid out; bookings nobody answered declined
/// and finished ones completed; silent stream viewers counted out.
async fn sweep(state: AppState) {
    let (db, hub) = (&state.db, &state.live);
    let mut ticker = tokio::time::interval(state.config.ticketing.sweep_interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        app::events::sweeper::sweep_and_tell(db, hub, &state.config.wallet).await;
        app::services::sweeper::sweep_and_tell(db, hub).await;
        app::streams::viewers::sweep_and_tell(db, hub).await;
    }
}

/// A chat message another instance sent, too long for a notification.
fn fetch_message(db: Db, id: i64) -> BoxFuture<'static, Result<Option<MessageView>, AppError>> {
    Box::pin(async move { app::chat::messages::view_of(&db, id).await })
}

/// The topics whose state is read from the database.
fn refresh(db: Db, hub: Arc<Hub>, topic: Topic) -> BoxFuture<'static, Result<(), sqlx::Error>> {
    Box::pin(async move {
        match topic {
            Topic::Event(id) => app::events::availability::refresh(&db, &hub, id).await,
            Topic::Stream(id) => app::streams::live::refresh(&db, &hub, id).await,
            _ => Ok(()),
        }
    })
}
