//! A real API server on an ephemeral 127.0.0.1 port, driven by real
//! HTTP and WebSocket clients.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::net::TcpListener;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};
use streamlib::{ProcessorRegistry, ProcessorSpec, StreamRuntime};
use tokio_tungstenite::tungstenite::Message;

pub type WsClient =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How long a client waits for a message that should come at once.
pub const WS_PATIENCE: Duration = Duration::from_secs(10);

/// Asks the OS for a free port. Another process could take it before the
/// server binds it, which on a test machine does not happen in practice.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port on 127.0.0.1")
}

pub struct TestServer {
    pub runtime: Arc<StreamRuntime>,
    pub port: u16,
    main_loop: Option<JoinHandle<streamlib::Result<()>>>,
}

impl TestServer {
    /// Creates a runtime with a host-owned `ApiServerProcessor` (id `api`)
    /// whose config is `config` plus host and port, and runs its main loop
    /// on a thread. The graph itself is not started.
    pub fn start(registry: Arc<ProcessorRegistry>, config: Value) -> Self {
        let port = free_port();
        let runtime = Arc::new(StreamRuntime::with_registry(registry));
        let mut config = config;
        config["host"] = json!("127.0.0.1");
        config["port"] = json!(port);
        runtime
            .add_host_processor(
                ProcessorSpec::new("ApiServerProcessor")
                    .with_id("api")
                    .with_config(config),
            )
            .expect("api server starts");
        let looping = runtime.clone();
        let main_loop = std::thread::spawn(move || looping.run());
        Self {
            runtime,
            port,
            main_loop: Some(main_loop),
        }
    }

    pub fn with_defaults() -> Self {
        Self::start(Arc::new(ProcessorRegistry::with_builtins()), json!({}))
    }

    /// The folder relative config paths resolve against: the media root,
    /// which is the working directory of the test process.
    pub fn runtime_dir(&self) -> std::path::PathBuf {
        std::env::current_dir().expect("a working directory")
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn ws_url(&self, path_and_query: &str) -> String {
        format!("ws://127.0.0.1:{}{path_and_query}", self.port)
    }

    pub async fn ws(&self, path_and_query: &str) -> WsClient {
        let (client, _response) = tokio_tungstenite::connect_async(self.ws_url(path_and_query))
            .await
            .expect("websocket handshake succeeds");
        client
    }

    /// Requests shutdown of the main loop, which stops the graph and the
    /// server, and waits for it.
    pub fn shut_down(mut self) -> Arc<StreamRuntime> {
        self.runtime.shutdown_handle().request();
        if let Some(main_loop) = self.main_loop.take() {
            main_loop
                .join()
                .expect("main loop does not panic")
                .expect("run returns Ok");
        }
        self.runtime.clone()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(main_loop) = self.main_loop.take() {
            self.runtime.shutdown_handle().request();
            let _ = main_loop.join();
        }
    }
}

/// The next JSON text message, skipping pings and pongs.
pub async fn next_json(client: &mut WsClient) -> Value {
    loop {
        let message = tokio::time::timeout(WS_PATIENCE, client.next())
            .await
            .expect("a websocket message within the patience window")
            .expect("the websocket is still open")
            .expect("the websocket message is valid");
        match message {
            Message::Text(text) => {
                return serde_json::from_str(text.as_str()).expect("messages are JSON");
            }
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected websocket message {other:?}"),
        }
    }
}

/// Reads messages until one has `type` equal to `event_type`.
pub async fn next_of_type(client: &mut WsClient, event_type: &str) -> Value {
    loop {
        let message = next_json(client).await;
        if message["type"] == event_type {
            return message;
        }
    }
}

/// Sends a request and returns the status and the JSON body (Null for an
/// empty body). Panics when a non-empty body is not JSON.
pub async fn call(request: reqwest::RequestBuilder) -> (reqwest::StatusCode, Value) {
    let response = request.send().await.expect("the server answers");
    let status = response.status();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .map(|value| value.to_str().unwrap_or_default().to_owned());
    let bytes = response.bytes().await.expect("the body arrives");
    if bytes.is_empty() {
        return (status, Value::Null);
    }
    assert!(
        content_type
            .as_deref()
            .is_some_and(|ct| ct.starts_with("application/json")),
        "status {status}: body is not JSON ({content_type:?}): {}",
        String::from_utf8_lossy(&bytes)
    );
    let body = serde_json::from_slice(&bytes).expect("the body parses as JSON");
    (status, body)
}
