//! Group commit for holds. At an on-sale, thousands of people hold seats of
//! the same tier at once, and each hold must wait for the tier's lock: one
//! transaction per hold would make them queue for a commit each. Instead,
//! the holds asked for a tier while its previous transaction runs wait on
//! the tier's desk, and the next transaction makes all of them, checking
//! for each, in the order asked, the sales window, the seats left and the
//! person's limits (counting the holds of the batch made before it), under
//! the people's locks and the tier's; refusals are explained on the same
//! connection, and the terms every answer shows are read once.
//!
//! On SQLite (one writer, in process), each hold is its own conditional
//! insert (`hold_insert::try_insert`). On PostgreSQL, where each statement
//! is a round trip, the batch is one call of the database function
//! `make_holds`, which decides in the database under the same locks and
//! inserts the holds made with one statement: nothing is decided in Rust.
//!
//! Each desk is drained by a task of its own, so a client that goes away
//! never stops the holds of the others (its own hold is made, and lapses if
//! it never comes back for it). If a statement of the transaction fails,
//! each of its holds is tried again alone; if no connection could be had,
//! or the commit itself failed (it may or may not have committed: never
//! made twice), each is told so.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sqlx::{Any, Transaction};
use tokio::sync::oneshot;

use super::hold_insert::{Ask, explain, lock_tier, new_hold_id, try_insert};
use super::model::HoldView;
use super::rows::{HoldRow, held_now};
use crate::error::AppError;
use crate::kernel::db::Backend;
use crate::kernel::sync::lock;
use crate::kernel::time;
use crate::kernel::time::now_millis;
use crate::state::AppState;

/// The most holds made in one transaction.
const BATCH_MAX: usize = 256;

/// The holds waiting for each tier whose desk is being drained, and the
/// event of each tier seen (a tier never moves to another event).
#[derive(Debug, Default)]
pub struct HoldDesk {
    waiting: Mutex<HashMap<i64, Vec<Waiting>>>,
    tier_events: Mutex<HashMap<i64, i64>>,
}

#[derive(Debug)]
struct Waiting {
    ask: Ask,
    reply: oneshot::Sender<Result<HoldView, AppError>>,
}

impl HoldDesk {
    /// The event of a tier, if a hold on it was made before.
    pub fn tier_event(&self, tier_id: i64) -> Option<i64> {
        lock(&self.tier_events).get(&tier_id).copied()
    }

    /// Forgets the tiers of a deleted event, or a deleted tier (SQLite may
    /// give a deleted row's id to the next one).
    pub fn forget(&self, event_id: i64, tier_id: Option<i64>) {
        lock(&self.tier_events)
            .retain(|tier, event| *event != event_id || tier_id.is_some_and(|t| t != *tier));
    }
}

/// Makes the hold with whichever others are asked for its tier meanwhile.
pub async fn hold(state: &AppState, ask: Ask) -> Result<HoldView, AppError> {
    let desk = state.singletons.get::<HoldDesk>();
    let (reply, answer) = oneshot::channel();
    // A tier has a queue while its desk is drained: the first to find none
    // starts the draining.
    let first = {
        let mut waiting = lock(&desk.waiting);
        let first = !waiting.contains_key(&ask.tier_id);
        waiting
            .entry(ask.tier_id)
            .or_default()
            .push(Waiting { ask, reply });
        first
    };
    if first {
        tokio::spawn(drain(state.clone(), desk, ask.tier_id));
    }
    answer
        .await
        .map_err(|_| AppError::internal("the hold desk stopped"))?
}

/// Takes the desk's queue a batch at a time until it is empty.
async fn drain(state: AppState, desk: Arc<HoldDesk>, tier_id: i64) {
    // If this task panics, the queue goes with it: its waiters hear the
    // desk stopped, and the next hold starts it again.
    let _queue = ForgetOnPanic(&desk, tier_id);
    loop {
        let batch: Vec<Waiting> = {
            let mut waiting = lock(&desk.waiting);
            let Some(queue) = waiting.get_mut(&tier_id) else {
                return;
            };
            // Queued but not yet taken: the ones after this batch.
            if queue.is_empty() {
                waiting.remove(&tier_id);
                return;
            }
            let n = queue.len().min(BATCH_MAX);
            queue.drain(..n).collect()
        };
        serve(&state, &desk, tier_id, batch).await;
    }
}

struct ForgetOnPanic<'a>(&'a HoldDesk, i64);

impl Drop for ForgetOnPanic<'_> {
    fn drop(&mut self) {
        // Only then: after a normal end the tier's queue may already be a
        // new drainer's.
        if std::thread::panicking() {
            lock(&self.0.waiting).remove(&self.1);
        }
    }
}

/// Makes one batch and answers each of its holds.
async fn serve(state: &AppState, desk: &HoldDesk, tier_id: i64, batch: Vec<Waiting>) {
    let asks: Vec<Ask> = batch.iter().map(|w| w.ask).collect();
    tracing::debug!(tier_id, holds = asks.len(), "hold batch");
    let answers = match make(state, tier_id, &asks).await {
        Ok(answers) => answers,
        Err(failed) if failed.retry_alone && asks.len() > 1 => {
            let e = failed.error;
            tracing::warn!(tier_id, holds = asks.len(), error = %e, "hold batch failed: each alone");
            let mut answers = Vec::with_capacity(asks.len());
            for ask in &asks {
                let one = make(state, tier_id, std::slice::from_ref(ask)).await;
                answers.push(match one.map(|mut one| one.pop()) {
                    Ok(Some(answer)) => answer,
                    Ok(None) => Err(AppError::internal("a hold batch of one gave no answer")),
                    Err(failed) => Err(failed.error),
                });
            }
            answers
        }
        Err(failed) => asks.iter().map(|_| Err(failed.error.clone())).collect(),
    };
    let mut event_id = None;
    for (waiting, answer) in batch.into_iter().zip(answers) {
        if let Ok(hold) = &answer {
            event_id = Some(hold.event_id);
            let user_id = waiting.ask.user_id;
            tracing::info!(hold_id = %hold.id, tier_id, user_id, quantity = hold.quantity, "seats held");
        }
        // A waiter that went away leaves its hold to lapse.
        let _ = waiting.reply.send(answer);
    }
    if let Some(event_id) = event_id {
        lock(&desk.tier_events).insert(tier_id, event_id);
        state.live.touch_event(event_id);
    }
}

struct Failed {
    error: AppError,
    /// A statement failed, so nothing was made: each hold may be tried
    /// alone. Not when no connection could be had (each alone would wait as
    /// long again) or the commit failed (made or not: unknown).
    retry_alone: bool,
}

impl Failed {
    fn new(error: impl Into<AppError>, retry_alone: bool) -> Self {
        Self {
            error: error.into(),
            retry_alone,
        }
    }
}

/// One transaction for `asks` (all on `tier_id`): an answer for each.
async fn make(
    state: &AppState,
    tier_id: i64,
    asks: &[Ask],
) -> Result<Vec<Result<HoldView, AppError>>, Failed> {
    let now = now_millis();
    let mut tx = state
        .db
        .pool()
        .begin()
        .await
        .map_err(|e| Failed::new(e, false))?;
    let made = insert_all(&mut tx, state, tier_id, asks, now)
        .await
        .map_err(|e| Failed::new(e, true))?;
    tx.commit().await.map_err(|e| Failed::new(e, false))?;
    Ok(made)
}

async fn insert_all(
    tx: &mut Transaction<'_, Any>,
    state: &AppState,
    tier_id: i64,
    asks: &[Ask],
    now: i64,
) -> Result<Vec<Result<HoldView, AppError>>, AppError> {
    let expires_at = now + time::millis(state.config.ticketing.hold_ttl);
    let made = match state.db.backend() {
        Backend::Postgres => make_holds(tx, state, tier_id, asks, expires_at, now).await?,
        Backend::Sqlite => {
            // One writer at a time: the tier's lock is all of them, and
            // each insert is a call in process, not a round trip.
            lock_tier(tx, tier_id).await?;
            let mut made = Vec::with_capacity(asks.len());
            for ask in asks {
                made.push(try_insert(tx, state, *ask, expires_at, now).await?);
            }
            made
        }
    };
    let mut answers = Vec::with_capacity(asks.len());
    let terms = if made.iter().any(Option::is_some) {
        Some(terms(tx, tier_id, now).await?)
    } else {
        None
    };
    for (ask, id) in asks.iter().zip(made) {
        // A failed explanation fails the batch: on PostgreSQL the
        // transaction is aborted by then, and its commit would be a rollback.
        answers.push(match (id, &terms) {
            (Some(id), Some(terms)) => Ok(HoldRow {
                id,
                quantity: ask.quantity,
                expires_at,
                ..terms.clone()
            }
            .view(now)),
            _ => Err(explain(tx, state, *ask, now).await?),
        });
    }
    Ok(answers)
}

/// On PostgreSQL, the whole batch in one call of `make_holds` (see its
/// migrations, `holds_made_together` and, last, `holds_per_person`): the same locks in the same order
/// (the people's in id order, then the tier's), and the same rules as
/// [`try_insert`], ask by ask, with one insert for the holds made. The id
/// of each hold made, in the order asked.
async fn make_holds(
    tx: &mut Transaction<'_, Any>,
    state: &AppState,
    tier_id: i64,
    asks: &[Ask],
    expires_at: i64,
    now: i64,
) -> Result<Vec<Option<String>>, AppError> {
    let limits = state.config.ticketing;
    let ids: Vec<String> = asks.iter().map(|_| new_hold_id()).collect();
    // The `Any` driver binds no arrays: each list as text.
    let list = |each: fn(&Ask) -> i64| {
        asks.iter()
            .map(|a| each(a).to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    let (answer,): (String,) = sqlx::query_as("SELECT make_holds($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(tier_id)
        .bind(now)
        .bind(expires_at)
        .bind(limits.max_active_holds)
        .bind(limits.max_held_per_event)
        .bind(ids.join(","))
        .bind(list(|a| a.user_id))
        .bind(list(|a| a.quantity))
        .fetch_one(&mut **tx)
        .await?;
    if answer.len() != asks.len() {
        return Err(AppError::internal("make_holds answered for another batch"));
    }
    Ok(ids
        .into_iter()
        .zip(answer.bytes())
        .map(|(id, made)| (made == b'1').then_some(id))
        .collect())
}

/// What every hold of the batch shows, as a hold of none of them: its
/// event and tier, and the seats left after the batch.
async fn terms(tx: &mut Transaction<'_, Any>, tier_id: i64, now: i64) -> Result<HoldRow, AppError> {
    Ok(sqlx::query_as(concat!(
        "SELECT '' AS id, e.id AS event_id, e.name AS event_name, e.starts_at, e.ends_at, \
         e.timezone, e.currency, t.id AS tier_id, t.name AS tier_name, t.price_cents, \
         CAST(0 AS BIGINT) AS quantity, 'active' AS status, CAST(0 AS BIGINT) AS expires_at, \
         t.capacity - t.sold - ",
        held_now!("$2"),
        " AS available, CAST(NULL AS BIGINT) AS order_id, e.payment_method \
         FROM ticket_tiers t JOIN events e ON e.id = t.event_id WHERE t.id = $1"
    ))
    .bind(tier_id)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?)
}
