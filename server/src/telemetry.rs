//! Logging: text for people, JSON for log collectors; filtered by RUST_LOG.
//!
//! Lines are written to stdout by a thread of their own (`tracing-appender`'s
//! non-blocking writer): a request never waits for the terminal or the pipe.
//! Measured on `GET /api/events/{id}`, writing in the request's thread cost a
//! third of the throughput. Lines queued together are written together.
//! Nothing is dropped: when the writer is 128k lines behind, requests wait
//! for it.

use std::io::IsTerminal;

use clap::ValueEnum;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

const DEFAULT_FILTER: &str = "info,sqlx=warn,tower_http=info";

/// Installs the global subscriber and returns its writer's guard; keep it
/// until the end: dropping it writes out what is still queued and stops the
/// writer. Safe to call more than once (tests do): later calls leave the
/// first subscriber in place and return `None`.
#[must_use = "dropping the guard stops the log writer"]
pub fn init(format: LogFormat) -> Option<WorkerGuard> {
    if tracing::dispatcher::has_been_set() {
        return None;
    }
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("marquee-log")
        // Lines queued together go out in one write: the writer flushes
        // each time it has emptied its queue (a line on its own when quiet).
        .finish(std::io::BufWriter::with_capacity(
            64 * 1024,
            std::io::stdout(),
        ));
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let registry = tracing_subscriber::registry().with(filter);
    let result = match format {
        LogFormat::Text => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(writer)
                    // Colours only for a person at a terminal, not for a
                    // pipe or a file (and they cost ~2% of a small request).
                    .with_ansi(std::io::stdout().is_terminal()),
            )
            .try_init(),
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(writer)
                    .json()
                    .flatten_event(true)
                    .with_current_span(true),
            )
            .try_init(),
    };
    // An error only means a subscriber was installed meanwhile.
    result.ok().map(|()| guard)
}
