//! The `marquee` binary: read configuration, start logging, serve until told
//! to stop (or run an admin command). Everything else lives in the library
//! so tests start the same thing.

// Leptos view types nest deeply; the default limit is too low for whole pages.
#![recursion_limit = "256"]
// A panic on a request path drops the answer: errors are mapped to status
// codes instead. Tests may unwrap.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use std::process::ExitCode;

use server::cli::{AdminAction, Command, Settings, fail};

/// mimalloc rather than glibc's malloc: a request allocates and frees many
/// small, short-lived buffers, often on another thread than the one that
/// made them, where glibc's arenas spent a quarter of a page's time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(e) => return fail(&e),
    };
    let _log = server::telemetry::init(settings.log_format);
    let config = match settings.resolve() {
        Ok(config) => config,
        Err(e) => return fail(&e),
    };
    match settings.command {
        None | Some(Command::Serve) => serve(config).await,
        Some(Command::Admin {
            action:
                AdminAction::Create {
                    email,
                    password_stdin,
                },
        }) => match server::admin::create(&config, &email, password_stdin).await {
            Ok(message) => {
                println!("{message}");
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
        Some(Command::Admin {
            action: AdminAction::Audit,
        }) => match server::admin::audit(&config).await {
            Ok((report, true)) => {
                println!("{report}");
                ExitCode::SUCCESS
            }
            Ok((report, false)) => {
                eprintln!("{report}");
                ExitCode::FAILURE
            }
            Err(e) => fail(&e),
        },
    }
}

async fn serve(config: app::config::Config) -> ExitCode {
    let app = match server::startup::Application::build(config).await {
        Ok(app) => app,
        Err(e) => return fail(&e),
    };
    tracing::info!(address = %app.address(), "Marquee is listening on http://{}", app.address());
    match app.run_until(server::startup::shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}
