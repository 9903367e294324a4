//! Building and running the application. Tests call [`Application::build`]
//! with port 0 and talk to the real server.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::routing::get;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower::util::option_layer;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use app::config::Config;
use app::kernel::db::{Db, DbError};
use app::rate_limit::AuthLimiter;
use app::state::{AppState, Shared};
use app::{App, shell};

use crate::middleware::{self, REQUEST_ID, RandomRequestId};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Database(#[from] DbError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
}

impl Application {
    /// Connects and migrates the database, binds the listener and builds the
    /// router. The server does not accept connections until [`Self::run_until`].
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        let db = Db::connect(&config.database_url).await?;
        db.migrate().await?;
        tracing::info!(backend = db.backend().name(), "database ready");

        let listener = TcpListener::bind(config.site_addr)
            .await
            .map_err(|source| StartupError::Bind {
                addr: config.site_addr,
                source,
            })?;
        let address = listener.local_addr().map_err(|source| StartupError::Bind {
            addr: config.site_addr,
            source,
        })?;

        let mut leptos_options = config.leptos_options.clone();
        leptos_options.site_addr = address;
        let state = AppState::new(Shared {
            leptos_options,
            db,
            auth_limiter: Arc::new(AuthLimiter::new(config.auth_limits)),
            chat_limiter: Arc::new(app::rate_limit::ChatLimiter::new(config.chat_limits)),
            live: Arc::new(app::live::hub::Hub::new()),
            singletons: Arc::default(),
            config: Arc::new(config),
            started_at: Instant::now(),
        });
        if state.db.backend() == app::kernel::db::Backend::Postgres {
            // Other instances may change this database: nothing read from it
            // is kept until the bus (started with the jobs) listens.
            state.live.freshness().shared();
        }
        let router = router(state.clone());
        Ok(Self {
            listener,
            router,
            state,
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn address(&self) -> SocketAddr {
        self.state.leptos_options.site_addr
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests
    /// and closes the database pool.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let jobs = crate::jobs::start(&self.state);
        let result = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        jobs.iter().for_each(tokio::task::JoinHandle::abort);
        self.state.db.close().await;
        tracing::info!("Marquee stopped");
        result
    }
}

/// The whole HTTP surface: health, the JSON API (under /api), server
/// functions (under /rpc), pages, static files and avatars, with the
/// middleware stack around them.
pub fn router(state: AppState) -> Router {
    let pages = generate_route_list(App);
    let context = page_context(state.clone());
    let timeout = state.config.request_timeout;
    let body_limit = state.config.body_limit;
    let cors = cross_origin(&state.config);

    let pkg_dir = std::path::Path::new(state.leptos_options.site_root.as_ref())
        .join(state.leptos_options.site_pkg_dir.as_ref());
    let hashed = crate::assets::this_build(&state.leptos_options.output_name);

    let routes = Router::new()
        .merge(crate::assets::router(&pkg_dir, hashed))
        .route("/health", get(crate::health::health))
        .route("/ws", get(crate::live::upgrade))
        .route("/avatars/{file}", get(crate::avatars::serve))
        .route("/events/{id}/calendar.ics", get(crate::downloads::calendar))
        .route("/tickets/{code}/qr.svg", get(crate::downloads::ticket_qr))
        .route(
            "/organizer/events/{id}/orders.csv",
            get(crate::downloads::orders_csv),
        )
        .route(
            "/organizer/events/{id}/attendees.csv",
            get(crate::downloads::attendees_csv),
        )
        .nest(
            "/api",
            crate::api::router().layer(option_layer(cors.clone())),
        )
        .merge(crate::api::families::router().layer(option_layer(cors)))
        .leptos_routes_with_context(&state, pages, context.clone(), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, shell))
        .with_state(state.clone());

    // The middleware wraps the router once, outside the routing, rather
    // than each route through `Router::layer` (a boxed service and a moved
    // response per layer and route level: about a tenth of a cached read's
    // time went to moving futures and responses between them).
    let stack = ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(REQUEST_ID, RandomRequestId))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(middleware::request_span)
                .on_response(middleware::AccessLine),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(RequestBodyLimitLayer::new(body_limit))
        .layer(compression())
        .map_response({
            let headers = middleware::SecurityHeaders {
                // Production is served over HTTPS only (its cookies are Secure).
                hsts: state.config.environment == app::config::Environment::Production,
            };
            move |response| headers.apply(response)
        })
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        // The body limit's wrapper back in axum's body for the middleware below.
        .map_request(plain_body)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::auth::resolve_user,
        ))
        .layer(axum::middleware::from_fn_with_state(
            crate::page_cache::PageCache::new(state),
            crate::page_cache::pages,
        ))
        .service(routes);
    // A router of its own around the stack, for the connection's address
    // (`ConnectInfo`) that `axum::serve` hands to a router.
    Router::new().fallback_service(stack)
}

fn plain_body<B>(request: axum::http::Request<B>) -> axum::extract::Request
where
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    request.map(axum::body::Body::new)
}

/// Compression of what is made per request (pages, JSON). The static
/// assets arrive already compressed at build time and pass through. Brotli's
/// and gzip's defaults (quality 11 and 6) cost more CPU than the answer
/// itself: a kept page went from ~49,000 to ~3,800 a second with `br`.
/// Level 4 keeps most of the saving at a fraction of the cost, and answers
/// under 1 KB (most JSON) are not worth a codec's frame.
fn compression() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new()
        .quality(CompressionLevel::Precise(4))
        .compress_when(
            SizeAbove::new(1024)
                .and(NotForContentType::GRPC)
                .and(NotForContentType::IMAGES)
                .and(NotForContentType::SSE),
        )
}

/// CORS for the JSON API and the seeds' families: the origins of
/// `MARQUEE_ALLOWED_ORIGINS` (the list the CSRF check trusts) may call them
/// from a browser; none may by default. Cross-origin clients authenticate
/// with Bearer tokens: cookies are the site's own and never cross origins
/// (no `Access-Control-Allow-Credentials`). Browsers keep a preflight's
/// answer for ten minutes.
fn cross_origin(config: &Config) -> Option<CorsLayer> {
    use axum::http::Method;
    use axum::http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
    let origins: Vec<HeaderValue> = config
        .allowed_origins
        .iter()
        .filter_map(|origin| HeaderValue::from_str(origin).ok())
        .collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            .allow_headers([
                AUTHORIZATION,
                CONTENT_TYPE,
                ACCEPT,
                HeaderName::from_static("idempotency-key"),
                REQUEST_ID,
            ])
            .expose_headers([REQUEST_ID, RETRY_AFTER])
            .max_age(std::time::Duration::from_secs(600)),
    )
}

/// Runs before every page render and server function: gives them the state
/// and gives pages their Content-Security-Policy with this response's nonce.
fn page_context(state: AppState) -> impl Fn() + Clone + Send + Sync + 'static {
    // `cargo leptos watch` sets LEPTOS_WATCH; the page then opens a
    // live-reload socket, which the policy has to allow.
    let reload = std::env::var_os("LEPTOS_WATCH").map(|_| {
        format!(
            "ws://{}:{}",
            state.leptos_options.site_addr.ip(),
            state.leptos_options.reload_port
        )
    });
    move || {
        provide_context(state.clone());
        // Pages have a nonce; server functions don't (they keep the default policy).
        if let Some(nonce) = leptos::nonce::use_nonce() {
            let csp = middleware::page_csp(&nonce, reload.as_deref());
            let Ok(value) = HeaderValue::from_str(&csp) else {
                tracing::error!("the page policy is not a valid header value");
                return;
            };
            // One way to the response: the request's slot, which the
            // `page_csp_slot` middleware puts on it (the render's response
            // options once lost it under load).
            match use_context::<axum::http::request::Parts>()
                .and_then(|parts| parts.extensions.get::<middleware::PageCsp>().cloned())
            {
                Some(slot) => slot.set(value),
                None => tracing::warn!("a page rendered outside the page_csp_slot middleware"),
            }
        }
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}
