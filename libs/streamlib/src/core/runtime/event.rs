//! Runtime events and the bus that numbers and broadcasts them.

use std::time::{SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::core::graph::{LinkId, PortRef, ProcessorId};
use crate::core::runtime::ProcessorState;

/// Events kept for subscribers that fall behind; a slower subscriber gets
/// `RecvError::Lagged` with the count it missed.
pub const EVENT_CHANNEL_CAPACITY: usize = 4096;

/// One event. Serializes flat: `{"type": "processor_added", "seq": 7,
/// "timestamp_ms": ..., "processor_id": ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuntimeEvent {
    /// Rises by one per event of this runtime, from 1.
    pub seq: u64,
    /// Wall-clock time of the event in milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
    #[serde(flatten)]
    pub kind: EventKind,
}

impl RuntimeEvent {
    /// Returns the snake_case name in the event's `type` field.
    pub fn type_name(&self) -> &'static str {
        self.kind.type_name()
    }

    /// Returns the processor the event is about, if any.
    pub fn processor_id(&self) -> Option<&ProcessorId> {
        match &self.kind {
            EventKind::ProcessorAdded { processor_id, .. }
            | EventKind::ProcessorRemoved { processor_id }
            | EventKind::ProcessorStateChanged { processor_id, .. }
            | EventKind::ProcessorConfigUpdated { processor_id, .. }
            | EventKind::ProcessorError { processor_id, .. }
            | EventKind::EndOfStream { processor_id } => Some(processor_id),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    RuntimeStarting,
    RuntimeStarted,
    RuntimePausing,
    RuntimePaused,
    RuntimeResumed,
    RuntimeStopping,
    RuntimeStopped,
    ProcessorAdded {
        processor_id: ProcessorId,
        processor_type: String,
    },
    ProcessorRemoved {
        processor_id: ProcessorId,
    },
    ProcessorStateChanged {
        processor_id: ProcessorId,
        old_state: ProcessorState,
        state: ProcessorState,
    },
    ProcessorConfigUpdated {
        processor_id: ProcessorId,
        config: serde_json::Value,
    },
    ProcessorError {
        processor_id: ProcessorId,
        message: String,
    },
    ConnectionCreated {
        link_id: LinkId,
        from: PortRef,
        to: PortRef,
    },
    ConnectionRemoved {
        link_id: LinkId,
    },
    /// A processor has sent end of stream on its outputs.
    EndOfStream {
        processor_id: ProcessorId,
    },
    /// Every processor of the running graph has finished its stream.
    PipelineFinished,
}

impl EventKind {
    /// Every value of the `type` field, in declaration order.
    pub const TYPE_NAMES: [&'static str; 16] = [
        "runtime_starting",
        "runtime_started",
        "runtime_pausing",
        "runtime_paused",
        "runtime_resumed",
        "runtime_stopping",
        "runtime_stopped",
        "processor_added",
        "processor_removed",
        "processor_state_changed",
        "processor_config_updated",
        "processor_error",
        "connection_created",
        "connection_removed",
        "end_of_stream",
        "pipeline_finished",
    ];

    pub fn type_name(&self) -> &'static str {
        match self {
            EventKind::RuntimeStarting => "runtime_starting",
            EventKind::RuntimeStarted => "runtime_started",
            EventKind::RuntimePausing => "runtime_pausing",
            EventKind::RuntimePaused => "runtime_paused",
            EventKind::RuntimeResumed => "runtime_resumed",
            EventKind::RuntimeStopping => "runtime_stopping",
            EventKind::RuntimeStopped => "runtime_stopped",
            EventKind::ProcessorAdded { .. } => "processor_added",
            EventKind::ProcessorRemoved { .. } => "processor_removed",
            EventKind::ProcessorStateChanged { .. } => "processor_state_changed",
            EventKind::ProcessorConfigUpdated { .. } => "processor_config_updated",
            EventKind::ProcessorError { .. } => "processor_error",
            EventKind::ConnectionCreated { .. } => "connection_created",
            EventKind::ConnectionRemoved { .. } => "connection_removed",
            EventKind::EndOfStream { .. } => "end_of_stream",
            EventKind::PipelineFinished => "pipeline_finished",
        }
    }
}

/// Numbers events and broadcasts them. The sequence lock is held while
/// sending, so subscribers see `seq` in rising order without gaps.
#[derive(Debug)]
pub(crate) struct EventBus {
    tx: broadcast::Sender<RuntimeEvent>,
    last_seq: Mutex<u64>,
}

impl EventBus {
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(EVENT_CHANNEL_CAPACITY);
        Self {
            tx,
            last_seq: Mutex::new(0),
        }
    }

    pub fn emit(&self, kind: EventKind) {
        let timestamp_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|elapsed| elapsed.as_millis() as u64)
            .unwrap_or(0);
        let mut last_seq = self.last_seq.lock();
        *last_seq += 1;
        let event = RuntimeEvent {
            seq: *last_seq,
            timestamp_ms,
            kind,
        };
        tracing::debug!(seq = event.seq, event = event.type_name(), "runtime event");
        // Sending with no subscriber is not an error, because observing events is optional.
        let _ = self.tx.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<RuntimeEvent> {
        self.tx.subscribe()
    }

    /// Returns a handle that subscribes without keeping the bus alive.
    pub fn downgrade(&self) -> broadcast::WeakSender<RuntimeEvent> {
        self.tx.downgrade()
    }
}
