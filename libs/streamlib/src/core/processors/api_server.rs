//! `ApiServerProcessor`: serves the HTTP and WebSocket API of the runtime it
//! belongs to. Manual mode: `setup` binds the address and starts a thread
//! that owns a multi-threaded tokio runtime; `teardown` signals graceful
//! shutdown and joins that thread, so the port is free when it returns.

use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::path::PathBuf;
use std::thread::JoinHandle;
use std::time::Duration;

use axum::http::HeaderValue;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::core::context::RuntimeContext;
use crate::core::error::{Result, StreamError};
use crate::core::execution::Outputs;
use crate::core::processors::{ExecutionMode, Flow, Ports, ProcessInput, Processor, ProcessorType};
use crate::core::service::http::{self, ApiSettings, ApiState};

/// Smallest request body limit, enough for a small pipeline document.
const MIN_BODY_LIMIT_BYTES: usize = 1024;
/// Worker threads of the server's tokio runtime.
const SERVER_WORKER_THREADS: usize = 2;
/// How long in-flight requests may take to finish after shutdown begins.
const GRACEFUL_SHUTDOWN_LIMIT: Duration = Duration::from_secs(5);
/// How long WebSocket sessions may take to send their close frames.
const SESSION_CLOSE_LIMIT: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ApiServerConfig {
    /// Address to listen on; 127.0.0.1 keeps the API on this machine.
    pub host: String,
    /// TCP port; 0 picks a free one.
    pub port: u16,
    /// Bearer token clients must send; no authentication when absent.
    pub token: Option<String>,
    /// Origins allowed by CORS, like `http://localhost:3000`; CORS is off when empty.
    pub cors_origins: Vec<String>,
    /// Largest request body in bytes, at least 1024.
    #[schemars(range(min = 1024))]
    pub body_limit_bytes: usize,
    /// Requests per second per client address; 0 turns the limit off.
    pub rate_limit_per_second: u32,
    /// Requests a client may send at once before the rate applies.
    pub rate_limit_burst: u32,
    /// Maximum time a request may take, in milliseconds.
    pub request_timeout_ms: u64,
    /// Folder that file paths in client configs must stay inside; the working directory when absent.
    pub media_root: Option<String>,
    /// Period of `processor_metrics` WebSocket messages, in milliseconds.
    pub metrics_interval_ms: u64,
    /// Period of WebSocket pings, in milliseconds.
    pub ping_interval_ms: u64,
    /// Events kept for replay with `since_seq`.
    pub event_history: usize,
    /// How long a request waits for the runtime before it fails with 503, in milliseconds.
    pub runtime_timeout_ms: u64,
}

impl Default for ApiServerConfig {
    fn default() -> Self {
        let settings = ApiSettings::default();
        Self {
            host: "127.0.0.1".to_owned(),
            port: 9000,
            token: None,
            cors_origins: Vec::new(),
            body_limit_bytes: settings.body_limit_bytes,
            rate_limit_per_second: settings.rate_limit_per_second,
            rate_limit_burst: settings.rate_limit_burst,
            request_timeout_ms: settings.request_timeout.as_millis() as u64,
            media_root: None,
            metrics_interval_ms: settings.metrics_interval.as_millis() as u64,
            ping_interval_ms: settings.ping_interval.as_millis() as u64,
            event_history: settings.event_history,
            runtime_timeout_ms: crate::core::service::DEFAULT_PROXY_TIMEOUT.as_millis() as u64,
        }
    }
}

/// The running server: exists between `setup` and `teardown`.
#[derive(Debug)]
struct RunningServer {
    address: SocketAddr,
    shutdown_tx: watch::Sender<bool>,
    thread: JoinHandle<()>,
}

#[derive(Debug)]
pub struct ApiServerProcessor {
    config: ApiServerConfig,
    settings: ApiSettings,
    running: Option<RunningServer>,
}

impl ProcessorType for ApiServerProcessor {
    type Config = ApiServerConfig;
    const TYPE_NAME: &'static str = "ApiServerProcessor";
    const DESCRIPTION: &'static str = "Serves the HTTP and WebSocket control API of this runtime";
    const EXECUTION_MODE: ExecutionMode = ExecutionMode::Manual;

    fn ports(_config: Option<&Self::Config>) -> Ports {
        Ports::default()
    }

    fn from_config(config: Self::Config) -> Result<Self> {
        let settings = settings_from(&config)?;
        Ok(Self {
            config,
            settings,
            running: None,
        })
    }
}

fn settings_from(config: &ApiServerConfig) -> Result<ApiSettings> {
    let invalid = |field: &str, message: String| {
        StreamError::invalid_config(ApiServerProcessor::TYPE_NAME, field, message)
    };
    let cors_origins = config
        .cors_origins
        .iter()
        .map(|origin| {
            let valid = origin.starts_with("http://") || origin.starts_with("https://");
            HeaderValue::from_str(origin)
                .ok()
                .filter(|_| valid)
                .ok_or_else(|| {
                    invalid(
                        "cors_origins",
                        format!("'{origin}' is not an origin; use the form https://host:port"),
                    )
                })
        })
        .collect::<Result<Vec<_>>>()?;
    if config.body_limit_bytes < MIN_BODY_LIMIT_BYTES {
        return Err(invalid(
            "body_limit_bytes",
            format!(
                "{} bytes is too small for a pipeline document; use at least {MIN_BODY_LIMIT_BYTES}",
                config.body_limit_bytes
            ),
        ));
    }
    if config.request_timeout_ms == 0 {
        return Err(invalid(
            "request_timeout_ms",
            "0 would time out every request; use at least 1000".to_owned(),
        ));
    }
    for (field, value) in [
        ("metrics_interval_ms", config.metrics_interval_ms),
        ("ping_interval_ms", config.ping_interval_ms),
        ("runtime_timeout_ms", config.runtime_timeout_ms),
    ] {
        if value < 10 {
            return Err(invalid(
                field,
                format!("{value} ms is too short; use at least 10"),
            ));
        }
    }
    if let Some(token) = &config.token
        && token.is_empty()
    {
        return Err(invalid(
            "token",
            "an empty token would accept anyone; leave it out or set a secret".to_owned(),
        ));
    }
    let media_root = match &config.media_root {
        Some(root) => PathBuf::from(root),
        None => std::env::current_dir().map_err(|error| {
            invalid(
                "media_root",
                format!("the working directory is unreadable: {error}"),
            )
        })?,
    };
    let media_root = media_root.canonicalize().map_err(|error| {
        invalid(
            "media_root",
            format!("'{}' cannot be used: {error}", media_root.display()),
        )
    })?;
    Ok(ApiSettings {
        token: config.token.clone(),
        media_root,
        cors_origins,
        body_limit_bytes: config.body_limit_bytes,
        rate_limit_per_second: config.rate_limit_per_second,
        rate_limit_burst: config.rate_limit_burst,
        request_timeout: Duration::from_millis(config.request_timeout_ms),
        metrics_interval: Duration::from_millis(config.metrics_interval_ms),
        ping_interval: Duration::from_millis(config.ping_interval_ms),
        event_history: config.event_history,
    })
}

impl ApiServerProcessor {
    fn bind(&self) -> Result<TcpListener> {
        let address = format!("{}:{}", self.config.host, self.config.port);
        let failed = |reason: String| {
            StreamError::processing(format!("cannot listen on {address}: {reason}"))
        };
        let resolved: Vec<SocketAddr> = (self.config.host.as_str(), self.config.port)
            .to_socket_addrs()
            .map_err(|error| failed(format!("the host is not an address: {error}")))?
            .collect();
        let listener =
            TcpListener::bind(resolved.as_slice()).map_err(|error| failed(error.to_string()))?;
        listener
            .set_nonblocking(true)
            .map_err(|error| failed(error.to_string()))?;
        Ok(listener)
    }
}

impl Processor for ApiServerProcessor {
    fn setup(&mut self, context: &RuntimeContext) -> Result<()> {
        let listener = self.bind()?;
        let address = listener.local_addr().map_err(|error| {
            StreamError::processing(format!("cannot read the bound address: {error}"))
        })?;
        if !address.ip().is_loopback() && self.settings.token.is_none() {
            tracing::warn!(%address, "API server listens beyond this machine without a token; anyone who can reach it controls the runtime");
        }

        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let proxy = context
            .runtime_proxy()
            .with_timeout(Duration::from_millis(self.config.runtime_timeout_ms));
        let events = proxy.subscribe_events();
        let state = ApiState::new(
            proxy,
            self.settings.clone(),
            shutdown_rx.clone(),
            Some(context.processor_id().clone()),
        );
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(SERVER_WORKER_THREADS)
            .thread_name("api-server-worker")
            .enable_all()
            .build()
            .map_err(|error| {
                StreamError::processing(format!("cannot start the server's tokio runtime: {error}"))
            })?;
        let thread = std::thread::Builder::new()
            .name("api-server".to_owned())
            .spawn(move || run_server(runtime, listener, state, events, shutdown_rx))
            .map_err(|error| {
                StreamError::processing(format!("cannot start the server thread: {error}"))
            })?;

        tracing::info!(%address, "API server listening");
        context.set_status(serde_json::json!({"address": address.to_string()}));
        self.running = Some(RunningServer {
            address,
            shutdown_tx,
            thread,
        });
        Ok(())
    }

    fn process(&mut self, _input: ProcessInput<'_>, _output: &mut Outputs) -> Result<Flow> {
        Ok(Flow::Continue)
    }

    fn teardown(&mut self) -> Result<()> {
        let Some(running) = self.running.take() else {
            return Ok(());
        };
        tracing::info!(address = %running.address, "API server shutting down");
        let _ = running.shutdown_tx.send(true);
        running
            .thread
            .join()
            .map_err(|_| StreamError::processing("the server thread panicked"))?;
        tracing::info!(address = %running.address, "API server stopped");
        Ok(())
    }
}

fn run_server(
    runtime: tokio::runtime::Runtime,
    listener: TcpListener,
    state: ApiState,
    events: tokio::sync::broadcast::Receiver<crate::core::runtime::RuntimeEvent>,
    shutdown: watch::Receiver<bool>,
) {
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::from_std(listener) {
            Ok(listener) => listener,
            Err(error) => {
                tracing::error!(%error, "API server cannot use its listener");
                return;
            }
        };
        tokio::spawn(http::pump_events(
            events,
            state.events.clone(),
            shutdown.clone(),
        ));
        if let Some(limiter) = state.rate_limiter.clone() {
            tokio::spawn(http::sweep_rate_limiter(limiter, shutdown.clone()));
        }
        let sessions = state.sessions.clone();
        let router = http::router(state);
        let server = tokio::spawn(http::serve(listener, router, shutdown.clone()));

        let mut stopping = shutdown.clone();
        let _ = stopping.wait_for(|stop| *stop).await;
        match tokio::time::timeout(GRACEFUL_SHUTDOWN_LIMIT, server).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(error))) => tracing::error!(%error, "API server failed"),
            Ok(Err(error)) => tracing::error!(%error, "API server task failed"),
            Err(_) => tracing::warn!(
                limit_s = GRACEFUL_SHUTDOWN_LIMIT.as_secs(),
                "requests still open after the shutdown limit; closing them"
            ),
        }
        // WebSocket sessions end on their own once they see the shutdown;
        // waiting lets each send its close frame before the runtime goes.
        if !sessions.wait_closed(SESSION_CLOSE_LIMIT).await {
            tracing::warn!("WebSocket sessions still open after the shutdown limit; dropping them");
        }
    });
    runtime.shutdown_timeout(Duration::from_secs(1));
}
