//! The server's memory of recent events, for replay after a reconnect.
//!
//! One task appends every runtime event here, and appending and publishing
//! to live subscribers happen under one lock. A client that connects takes
//! the kept backlog and its live subscription under that same lock, so it
//! receives every event after its `since_seq` exactly once, with no gap.

use std::collections::VecDeque;
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::broadcast;

use crate::core::runtime::RuntimeEvent;
use crate::core::service::http::redact::redact_event;

/// Live messages a WebSocket client can fall behind by before it receives
/// a count of the messages it missed.
const LIVE_CHANNEL_CAPACITY: usize = 1024;

/// One event, serialized once for every client.
#[derive(Debug)]
pub struct LoggedEvent {
    pub seq: u64,
    pub type_name: &'static str,
    pub processor_id: Option<String>,
    pub json: String,
}

#[derive(Debug, Clone)]
pub enum LogItem {
    Event(Arc<LoggedEvent>),
    /// The log itself fell behind the runtime and lost this many events.
    Dropped(u64),
}

/// The result of subscribing to the log.
#[derive(Debug)]
pub struct Subscription {
    /// Events the client asked to replay that are no longer kept.
    pub missed: u64,
    /// Set when the client's `since_seq` is ahead of every event here, as
    /// after a server restart: the `seq` of the newest event instead.
    pub reset_to: Option<u64>,
    pub backlog: Vec<Arc<LoggedEvent>>,
    pub live: broadcast::Receiver<LogItem>,
}

#[derive(Debug)]
pub struct EventLog {
    capacity: usize,
    inner: Mutex<LogInner>,
}

#[derive(Debug)]
struct LogInner {
    recent: VecDeque<Arc<LoggedEvent>>,
    /// Highest `seq` appended so far.
    last_seq: u64,
    live_tx: broadcast::Sender<LogItem>,
}

impl EventLog {
    /// Creates a log that keeps the `capacity` most recent events.
    pub fn new(capacity: usize) -> Self {
        let (live_tx, _) = broadcast::channel(LIVE_CHANNEL_CAPACITY);
        Self {
            capacity: capacity.max(1),
            inner: Mutex::new(LogInner {
                recent: VecDeque::with_capacity(capacity.max(1)),
                last_seq: 0,
                live_tx,
            }),
        }
    }

    pub fn append(&self, event: &RuntimeEvent) {
        let mut value = serde_json::to_value(event).unwrap_or_default();
        redact_event(&mut value);
        let logged = Arc::new(LoggedEvent {
            seq: event.seq,
            type_name: event.type_name(),
            processor_id: event.processor_id().map(ToString::to_string),
            json: value.to_string(),
        });

        let mut inner = self.inner.lock();
        if inner.recent.len() == self.capacity {
            inner.recent.pop_front();
        }
        inner.recent.push_back(logged.clone());
        inner.last_seq = event.seq;
        let _ = inner.live_tx.send(LogItem::Event(logged));
    }

    /// Records that the log lost `count` events and notifies live clients.
    pub fn note_dropped(&self, count: u64) {
        tracing::warn!(
            count,
            "the event log fell behind the runtime and lost events"
        );
        let inner = self.inner.lock();
        let _ = inner.live_tx.send(LogItem::Dropped(count));
    }

    /// Subscribes to live events, first replaying kept events after
    /// `since_seq` when it is given.
    pub fn subscribe(&self, since_seq: Option<u64>) -> Subscription {
        let inner = self.inner.lock();
        let live = inner.live_tx.subscribe();
        let Some(since) = since_seq else {
            return Subscription {
                missed: 0,
                reset_to: None,
                backlog: Vec::new(),
                live,
            };
        };
        if since > inner.last_seq {
            return Subscription {
                missed: 0,
                reset_to: Some(inner.last_seq),
                backlog: Vec::new(),
                live,
            };
        }
        let oldest_kept = inner
            .recent
            .front()
            .map_or(inner.last_seq + 1, |event| event.seq);
        let missed = oldest_kept.saturating_sub(since + 1);
        let backlog = inner
            .recent
            .iter()
            .filter(|event| event.seq > since)
            .cloned()
            .collect();
        Subscription {
            missed,
            reset_to: None,
            backlog,
            live,
        }
    }
}
