//! `streamlib serve`: the HTTP and WebSocket API on a runtime whose main
//! loop runs on the main thread until Ctrl-C, SIGTERM or the removal of the
//! API server.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use serde_json::json;
use streamlib::{EventKind, ProcessorSpec, StreamError, StreamRuntime};
use tokio::sync::broadcast::error::TryRecvError;

use crate::{pipeline_file, problems, shutdown};

/// Id of the API server processor that `serve` adds to the runtime.
const API_SERVER_ID: &str = "api-server";

/// How often the watcher thread checks for the API server's removal.
const WATCH_INTERVAL: Duration = Duration::from_millis(100);

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; anything but a loopback address exposes the API
    /// to the network.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// TCP port; 0 lets the system choose a free one.
    #[arg(long, default_value_t = 9000)]
    port: u16,
    /// Bearer token that clients must send; no authentication when absent.
    #[arg(long, env = "STREAMLIB_API_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Origin allowed by CORS, like http://localhost:3000; repeat for more.
    /// CORS stays off without one.
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    cors_origins: Vec<String>,
    /// Folder that file paths in configs sent through the API must stay
    /// inside [default: the working directory].
    #[arg(long, value_name = "DIR")]
    media_root: Option<PathBuf>,
    /// Pipeline file (JSON or TOML) to load before serving.
    #[arg(long, value_name = "FILE")]
    pipeline: Option<PathBuf>,
    /// Start the loaded pipeline at once.
    #[arg(long, requires = "pipeline")]
    start: bool,
}

pub fn serve(args: &ServeArgs) -> anyhow::Result<()> {
    let runtime = Arc::new(StreamRuntime::new());

    // A bad pipeline file fails before the port is taken.
    if let Some(path) = &args.pipeline {
        let document = pipeline_file::load(path)?;
        runtime
            .replace_graph(&document)
            .map_err(|error| problems::describe(path, error))?;
        tracing::info!(
            file = %path.display(),
            processors = document.processors.len(),
            connections = document.connections.len(),
            "pipeline loaded"
        );
    }

    shutdown::on_signal_request(runtime.shutdown_handle())?;
    add_api_server(&runtime, args)?;
    announce_address(&runtime, args);

    if args.start {
        runtime.start().context("cannot start the pipeline")?;
    }

    let watcher = ApiServerWatcher::spawn(&runtime)?;
    let outcome = runtime.run().context("the runtime main loop failed");
    watcher.join();
    tracing::info!("stopped");
    outcome
}

/// Adds the API server as a host processor, which binds the port at once.
/// A bind failure comes back as the server's own one-line message, like
/// `cannot listen on 127.0.0.1:9000: Address already in use (os error 98)`.
fn add_api_server(runtime: &StreamRuntime, args: &ServeArgs) -> anyhow::Result<()> {
    let mut config = json!({
        "host": args.host,
        "port": args.port,
        "cors_origins": args.cors_origins,
    });
    if let Some(token) = &args.token {
        config["token"] = json!(token);
    }
    if let Some(media_root) = &args.media_root {
        config["media_root"] = json!(media_root);
    }
    let spec = ProcessorSpec::new("ApiServerProcessor")
        .with_id(API_SERVER_ID)
        .with_config(config);
    match runtime.add_host_processor(spec) {
        Ok(_) => Ok(()),
        Err(StreamError::ProcessorFailed { message, .. }) => Err(anyhow::Error::msg(message)),
        Err(error) => Err(anyhow::Error::new(error).context("cannot start the API server")),
    }
}

/// Prints the address the server bound, which differs from `--port` when
/// that is 0.
fn announce_address(runtime: &StreamRuntime, args: &ServeArgs) {
    let bound = runtime
        .processor(API_SERVER_ID)
        .ok()
        .and_then(|info| info.status)
        .and_then(|status| status["address"].as_str().map(str::to_owned))
        .and_then(|address| address.parse::<std::net::SocketAddr>().ok());
    match bound {
        Some(address) => println!(
            "streamlib API listening on http://{}:{}/api",
            host_for_url(&address.ip().to_string()),
            address.port()
        ),
        None => println!(
            "streamlib API listening on http://{}:{}/api",
            host_for_url(&args.host),
            args.port
        ),
    }
}

/// Brackets an IPv6 address for use in a URL.
fn host_for_url(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

/// Ends the main loop when a client deletes the API server, because a
/// `serve` without its server cannot be reached any more.
struct ApiServerWatcher {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl ApiServerWatcher {
    fn spawn(runtime: &StreamRuntime) -> anyhow::Result<Self> {
        let mut events = runtime.subscribe_events();
        let shutdown = runtime.shutdown_handle();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::Builder::new()
            .name("api-server-watcher".to_owned())
            .spawn(move || {
                while !stopped.load(Ordering::SeqCst) {
                    match events.try_recv() {
                        Ok(event) => {
                            if let EventKind::ProcessorRemoved { processor_id } = &event.kind
                                && processor_id.as_str() == API_SERVER_ID
                            {
                                tracing::info!("API server removed through the API; shutting down");
                                shutdown.request();
                                return;
                            }
                        }
                        Err(TryRecvError::Empty) => std::thread::sleep(WATCH_INTERVAL),
                        Err(TryRecvError::Lagged(_)) => {}
                        Err(TryRecvError::Closed) => return,
                    }
                }
            })
            .context("cannot start the API server watcher thread")?;
        Ok(Self { stop, thread })
    }

    fn join(self) {
        self.stop.store(true, Ordering::SeqCst);
        if self.thread.join().is_err() {
            tracing::error!("the API server watcher thread panicked");
        }
    }
}
