//! `/api/events`: one JSON text message per runtime event.
//!
//! Each client runs in its own task with its own filter, and runtime events
//! reach it through the event log. A client that falls behind gets
//! `{"type": "events_dropped", "count": N}` and stays connected. A client
//! whose socket blocks delays only itself. On server shutdown every client
//! is closed with code 1001.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use serde::Deserialize;
use tokio::sync::{broadcast, watch};

use crate::core::runtime::EventKind;
use crate::core::service::http::ApiState;
use crate::core::service::http::error::{ApiError, ApiQuery};
use crate::core::service::http::event_log::{LogItem, LoggedEvent, Subscription};

/// Event types that are only sent to clients that ask for them by name.
pub const HIGH_VOLUME_TYPES: [&str; 1] = ["processor_metrics"];

/// Notices the server itself sends, which clients may also filter on.
const NOTICE_TYPES: [&str; 2] = ["events_dropped", "sequence_reset"];

/// Names in `types` that no message of this API carries.
fn unknown_types<'a>(types: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    types
        .into_iter()
        .filter(|name| {
            !EventKind::TYPE_NAMES.contains(&name.as_str())
                && !HIGH_VOLUME_TYPES.contains(&name.as_str())
                && !NOTICE_TYPES.contains(&name.as_str())
        })
        .cloned()
        .collect()
}

fn unknown_types_message(unknown: &[String]) -> String {
    format!(
        "unknown event type(s) {}; known types: {}, {}",
        unknown.join(", "),
        EventKind::TYPE_NAMES.join(", "),
        HIGH_VOLUME_TYPES.join(", ")
    )
}

/// Close code for "going away", sent when the server shuts down.
const CLOSE_GOING_AWAY: u16 = 1001;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Comma-separated event types to receive, like `processor_added,processor_error`.
    pub types: Option<String>,
    /// Only events about this processor id (comma-separated for several).
    pub processor: Option<String>,
    /// Replays kept events with a higher `seq` before the live stream.
    pub since_seq: Option<u64>,
    /// The bearer token, for clients that cannot set headers.
    pub token: Option<String>,
}

/// `{"subscribe": {"types": [...], "processors": [...]}}` replaces the filter.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientMessage {
    subscribe: SubscribeRequest,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubscribeRequest {
    #[serde(default)]
    types: Option<Vec<String>>,
    #[serde(default)]
    processors: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default)]
struct Filter {
    types: Option<HashSet<String>>,
    processors: Option<HashSet<String>>,
}

impl Filter {
    fn from_query(query: &EventsQuery) -> Self {
        let split = |text: &Option<String>| {
            text.as_ref().map(|text| {
                text.split(',')
                    .map(str::trim)
                    .filter(|part| !part.is_empty())
                    .map(str::to_owned)
                    .collect::<HashSet<_>>()
            })
        };
        Self {
            types: split(&query.types),
            processors: split(&query.processor),
        }
    }

    fn matches(&self, type_name: &str, processor_id: Option<&str>) -> bool {
        let type_ok = match &self.types {
            Some(types) => types.contains(type_name),
            None => !HIGH_VOLUME_TYPES.contains(&type_name),
        };
        let processor_ok = match &self.processors {
            Some(processors) => processor_id.is_some_and(|id| processors.contains(id)),
            None => true,
        };
        type_ok && processor_ok
    }

    fn wants_metrics(&self) -> bool {
        self.types
            .as_ref()
            .is_some_and(|types| types.contains("processor_metrics"))
    }
}

#[utoipa::path(
    get,
    path = "/api/events",
    tag = "events",
    params(EventsQuery),
    responses(
        (status = 101, description = "WebSocket of runtime events, one JSON text message each"),
        (status = 400, description = "Invalid query", body = crate::core::service::http::error::ErrorBody),
        (status = 401, description = "Missing or wrong token", body = crate::core::service::http::error::ErrorBody),
    )
)]
pub async fn events(
    State(state): State<ApiState>,
    ApiQuery(query): ApiQuery<EventsQuery>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let filter = Filter::from_query(&query);
    if let Some(types) = &filter.types {
        let unknown = unknown_types(types);
        if !unknown.is_empty() {
            return Err(ApiError::InvalidRequest(unknown_types_message(&unknown)));
        }
    }
    let upgrade = upgrade.map_err(|rejection| {
        ApiError::InvalidRequest(format!(
            "/api/events is a WebSocket; connect with a WebSocket client ({})",
            rejection.body_text()
        ))
    })?;
    // Subscribing before the handshake completes means a client receives
    // every event that happens after its connection is established.
    let subscription = state.events.subscribe(query.since_seq);
    Ok(upgrade.on_upgrade(move |socket| async move {
        Session::new(socket, state, filter)
            .run(subscription, query.since_seq)
            .await;
    }))
}

/// The number of open WebSocket sessions, so that shutdown can wait for
/// them to send their close frames. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SessionCount {
    open: Arc<watch::Sender<usize>>,
}

impl Default for SessionCount {
    fn default() -> Self {
        Self {
            open: Arc::new(watch::channel(0).0),
        }
    }
}

impl SessionCount {
    fn enter(&self) -> SessionGuard {
        self.open.send_modify(|open| *open += 1);
        SessionGuard {
            open: self.open.clone(),
        }
    }

    /// Waits until every session has ended, or `limit` has passed.
    pub async fn wait_closed(&self, limit: Duration) -> bool {
        let mut open = self.open.subscribe();
        tokio::time::timeout(limit, open.wait_for(|count| *count == 0))
            .await
            .is_ok()
    }
}

struct SessionGuard {
    open: Arc<watch::Sender<usize>>,
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        self.open.send_modify(|open| *open = open.saturating_sub(1));
    }
}

/// The reason a session ended.
enum Ended {
    ClientLeft,
    ServerShutdown,
}

struct Session {
    socket: WebSocket,
    state: ApiState,
    filter: Filter,
    shutdown: watch::Receiver<bool>,
    last_seq: u64,
}

impl Session {
    fn new(socket: WebSocket, state: ApiState, filter: Filter) -> Self {
        let shutdown = state.shutdown.clone();
        Self {
            socket,
            state,
            filter,
            shutdown,
            last_seq: 0,
        }
    }

    async fn run(mut self, subscription: Subscription, since_seq: Option<u64>) {
        let _open = self.state.sessions.enter();
        tracing::debug!(?since_seq, "event client connected");
        let ended = self.stream(subscription, since_seq).await;
        if let Ended::ServerShutdown = ended {
            let close = CloseFrame {
                code: CLOSE_GOING_AWAY,
                reason: Utf8Bytes::from_static("server shutting down"),
            };
            let _ = tokio::time::timeout(
                Duration::from_secs(1),
                self.socket.send(Message::Close(Some(close))),
            )
            .await;
        }
        tracing::debug!("event client disconnected");
    }

    async fn stream(&mut self, subscription: Subscription, since_seq: Option<u64>) -> Ended {
        let mut live = subscription.live;
        if subscription.missed > 0 && !self.send_dropped(subscription.missed).await {
            return self.end_reason();
        }
        self.last_seq = since_seq.unwrap_or(0);
        if let Some(newest) = subscription.reset_to {
            // The client's sequence comes from an earlier run of the server.
            self.last_seq = newest;
            let notice = serde_json::json!({
                "type": "sequence_reset",
                "since_seq": since_seq,
                "last_seq": newest,
            });
            if !self.send_text(notice.to_string()).await {
                return self.end_reason();
            }
        }
        for event in subscription.backlog {
            if !self.send_event(&event).await {
                return self.end_reason();
            }
        }

        let mut ping = tokio::time::interval(self.state.settings.ping_interval);
        ping.tick().await;
        let mut metrics = tokio::time::interval(self.state.settings.metrics_interval);
        loop {
            tokio::select! {
                _ = self.shutdown.changed() => return Ended::ServerShutdown,
                item = live.recv() => {
                    let sent = match item {
                        Ok(LogItem::Event(event)) => self.send_event(&event).await,
                        Ok(LogItem::Dropped(count)) => self.send_dropped(count).await,
                        Err(broadcast::error::RecvError::Lagged(count)) => self.send_dropped(count).await,
                        Err(broadcast::error::RecvError::Closed) => return Ended::ServerShutdown,
                    };
                    if !sent {
                        return self.end_reason();
                    }
                }
                message = self.socket.recv() => match message {
                    Some(Ok(Message::Text(text))) => {
                        if !self.handle_client_message(text.as_str()).await {
                            return self.end_reason();
                        }
                    }
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return Ended::ClientLeft,
                    Some(Ok(_)) => {}
                },
                _ = ping.tick() => {
                    if !self.send(Message::Ping(Default::default())).await {
                        return self.end_reason();
                    }
                }
                _ = metrics.tick(), if self.filter.wants_metrics() => {
                    if !self.send_metrics().await {
                        return self.end_reason();
                    }
                }
            }
        }
    }

    fn end_reason(&self) -> Ended {
        if *self.shutdown.borrow() {
            Ended::ServerShutdown
        } else {
            Ended::ClientLeft
        }
    }

    async fn handle_client_message(&mut self, text: &str) -> bool {
        match serde_json::from_str::<ClientMessage>(text) {
            Ok(ClientMessage { subscribe }) => {
                let unknown = unknown_types(subscribe.types.iter().flatten());
                if !unknown.is_empty() {
                    let reply = serde_json::json!({
                        "type": "error",
                        "code": "invalid_message",
                        "error": unknown_types_message(&unknown),
                    });
                    return self.send_text(reply.to_string()).await;
                }
                self.filter = Filter {
                    types: subscribe.types.map(|types| types.into_iter().collect()),
                    processors: subscribe.processors.map(|ids| ids.into_iter().collect()),
                };
                let reply = serde_json::json!({"type": "subscribed", "types": self.filter.types, "processors": self.filter.processors});
                self.send_text(reply.to_string()).await
            }
            Err(error) => {
                let reply = serde_json::json!({
                    "type": "error",
                    "code": "invalid_message",
                    "error": format!("expected {{\"subscribe\": {{\"types\": [...], \"processors\": [...]}}}}: {error}"),
                });
                self.send_text(reply.to_string()).await
            }
        }
    }

    async fn send_event(&mut self, event: &LoggedEvent) -> bool {
        if event.seq <= self.last_seq {
            return true;
        }
        self.last_seq = event.seq;
        if !self
            .filter
            .matches(event.type_name, event.processor_id.as_deref())
        {
            return true;
        }
        self.send_text(event.json.clone()).await
    }

    async fn send_dropped(&mut self, count: u64) -> bool {
        tracing::debug!(count, "event client fell behind");
        let notice = serde_json::json!({"type": "events_dropped", "count": count});
        self.send_text(notice.to_string()).await
    }

    async fn send_metrics(&mut self) -> bool {
        let Ok(processors) = self.state.proxy.processors().await else {
            return true;
        };
        for processor in processors {
            let id = processor.id.to_string();
            if !self.filter.matches("processor_metrics", Some(&id)) {
                continue;
            }
            let message = serde_json::json!({
                "type": "processor_metrics",
                "processor_id": id,
                "state": processor.state,
                "metrics": processor.metrics,
            });
            if !self.send_text(message.to_string()).await {
                return false;
            }
        }
        true
    }

    async fn send_text(&mut self, text: String) -> bool {
        self.send(Message::Text(text.into())).await
    }

    /// Sends one message; false when the client is gone or the server is
    /// shutting down, which also ends a send blocked on a full socket.
    async fn send(&mut self, message: Message) -> bool {
        if *self.shutdown.borrow() {
            return false;
        }
        let mut shutdown = self.shutdown.clone();
        tokio::select! {
            sent = self.socket.send(message) => sent.is_ok(),
            _ = shutdown.changed() => false,
        }
    }
}
