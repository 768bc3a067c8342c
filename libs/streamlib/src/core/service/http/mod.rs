//! The HTTP and WebSocket control plane, on axum.
//!
//! `router` builds the whole API from a `RuntimeProxy`, so it can be tested
//! without a socket. `serve` runs it on a listener until shutdown is
//! signalled. `ApiServerProcessor` owns both on a thread of its own.

pub mod error;
pub mod event_log;
pub mod handlers;
pub mod media_root;
pub mod openapi;
pub mod redact;
pub mod security;
pub mod websocket;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, patch, post};
use tokio::sync::{broadcast, watch};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::timeout::TimeoutLayer;

use crate::core::graph::ProcessorId;
use crate::core::runtime::RuntimeEvent;
use crate::core::service::RuntimeProxy;
use event_log::EventLog;
use security::ClientRateLimiter;

/// Server settings that handlers read.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    /// Required bearer token; no authentication when `None`.
    pub token: Option<String>,
    /// File paths in configs sent by clients must lie inside this folder.
    pub media_root: PathBuf,
    /// Origins allowed by CORS; CORS is off when empty.
    pub cors_origins: Vec<HeaderValue>,
    /// Largest request body in bytes.
    pub body_limit_bytes: usize,
    /// Requests per second per client address; 0 turns the limit off.
    pub rate_limit_per_second: u32,
    /// Requests a client may send at once before the rate applies.
    pub rate_limit_burst: u32,
    pub request_timeout: Duration,
    /// Period of `processor_metrics` messages to clients that ask for them.
    pub metrics_interval: Duration,
    /// Period of WebSocket pings.
    pub ping_interval: Duration,
    /// Events kept for replay with `since_seq`.
    pub event_history: usize,
}

impl Default for ApiSettings {
    fn default() -> Self {
        Self {
            token: None,
            media_root: PathBuf::from("."),
            cors_origins: Vec::new(),
            body_limit_bytes: 1 << 20,
            rate_limit_per_second: 50,
            rate_limit_burst: 100,
            request_timeout: Duration::from_secs(30),
            metrics_interval: Duration::from_secs(1),
            ping_interval: Duration::from_secs(20),
            event_history: 4096,
        }
    }
}

/// Shared by every handler.
#[derive(Debug, Clone)]
pub struct ApiState {
    pub proxy: RuntimeProxy,
    pub settings: Arc<ApiSettings>,
    pub events: Arc<EventLog>,
    /// Turns true once when the server shuts down.
    pub shutdown: watch::Receiver<bool>,
    /// The id of the processor serving this API, if any; deleting it is
    /// deferred until the response is sent.
    pub server_id: Option<ProcessorId>,
    pub rate_limiter: Option<Arc<ClientRateLimiter>>,
    pub sessions: websocket::SessionCount,
}

impl ApiState {
    pub fn new(
        proxy: RuntimeProxy,
        settings: ApiSettings,
        shutdown: watch::Receiver<bool>,
        server_id: Option<ProcessorId>,
    ) -> Self {
        let rate_limiter =
            ClientRateLimiter::new(settings.rate_limit_per_second, settings.rate_limit_burst)
                .map(Arc::new);
        Self {
            proxy,
            events: Arc::new(EventLog::new(settings.event_history)),
            settings: Arc::new(settings),
            shutdown,
            server_id,
            rate_limiter,
            sessions: websocket::SessionCount::default(),
        }
    }
}

/// Builds the API with every route and middleware.
pub fn router(state: ApiState) -> Router {
    let settings = state.settings.clone();
    let router = Router::new()
        .route(
            "/api/processors",
            post(handlers::create_processor).get(handlers::list_processors),
        )
        .route(
            "/api/processors/{id}",
            get(handlers::get_processor).delete(handlers::delete_processor),
        )
        .route(
            "/api/processors/{id}/config",
            patch(handlers::update_config),
        )
        .route(
            "/api/connections",
            post(handlers::create_connection).get(handlers::list_connections),
        )
        .route(
            "/api/connections/{id}",
            axum::routing::delete(handlers::delete_connection),
        )
        .route("/api/runtime/start", post(handlers::start))
        .route("/api/runtime/stop", post(handlers::stop))
        .route("/api/runtime/pause", post(handlers::pause))
        .route("/api/runtime/resume", post(handlers::resume))
        .route("/api/runtime/state", get(handlers::runtime_state))
        .route("/api/processor-types", get(handlers::processor_types))
        .route(
            "/api/graph",
            get(handlers::get_graph).put(handlers::put_graph),
        )
        .route("/api/health", get(handlers::health))
        .route("/api/openapi.json", get(openapi::openapi_json))
        .route("/api/events", get(websocket::events))
        .fallback(handlers::not_found)
        .method_not_allowed_fallback(handlers::method_not_allowed)
        .layer(DefaultBodyLimit::max(settings.body_limit_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            settings.request_timeout,
        ))
        .layer(from_fn_with_state(state.clone(), security::require_token))
        .layer(from_fn_with_state(state.clone(), security::rate_limit));
    let router = if settings.cors_origins.is_empty() {
        router
    } else {
        let cors = CorsLayer::new()
            .allow_origin(AllowOrigin::list(settings.cors_origins.clone()))
            .allow_methods(tower_http::cors::Any)
            // Listed by name: browsers do not let the `*` wildcard cover
            // the Authorization header that a token needs.
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE]);
        router.layer(cors)
    };
    router
        .layer(from_fn(security::json_errors))
        .with_state(state)
}

/// Copies runtime events into the event log until shutdown.
pub async fn pump_events(
    mut events: broadcast::Receiver<RuntimeEvent>,
    log: Arc<EventLog>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = shutdown.wait_for(|stopping| *stopping) => return,
            received = events.recv() => match received {
                Ok(event) => log.append(&event),
                Err(broadcast::error::RecvError::Lagged(count)) => log.note_dropped(count),
                Err(broadcast::error::RecvError::Closed) => return,
            },
        }
    }
}

/// Interval at which the rate limiter drops clients that have gone quiet.
const RATE_LIMITER_SWEEP: Duration = Duration::from_secs(60);

/// Periodically drops idle clients from the rate limiter until shutdown.
pub async fn sweep_rate_limiter(
    limiter: Arc<ClientRateLimiter>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut sweep = tokio::time::interval(RATE_LIMITER_SWEEP);
    loop {
        tokio::select! {
            _ = shutdown.wait_for(|stopping| *stopping) => return,
            _ = sweep.tick() => limiter.forget_idle_clients(),
        }
    }
}

/// Serves `router` on `listener` until `shutdown` turns true, then lets
/// in-flight requests finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(async move {
            let _ = shutdown.wait_for(|stopping| *stopping).await;
        })
        .await
}
