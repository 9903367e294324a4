//! The `marquee` binary: read configuration, start logging, serve until told
//! to stop. Everything else lives in the library so tests start the same thing.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let settings = match server::cli::Settings::load() {
        Ok(settings) => settings,
        Err(e) => return server::cli::fail(&e),
    };
    server::telemetry::init(settings.log_format);
    let config = match settings.resolve() {
        Ok(config) => config,
        Err(e) => return server::cli::fail(&e),
    };
    let app = match server::startup::Application::build(config).await {
        Ok(app) => app,
        Err(e) => return server::cli::fail(&e),
    };
    tracing::info!(address = %app.address(), "Marquee is listening on http://{}", app.address());
    match app.run_until(server::startup::shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => server::cli::fail(&e),
    }
}
