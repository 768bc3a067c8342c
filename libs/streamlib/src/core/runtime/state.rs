//! Serializable snapshots of the runtime, its processors and links.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::core::frames::FrameKind;
use crate::core::graph::{LinkId, PortRef, ProcessorId};
use crate::core::links::OverflowPolicy;
use crate::core::processors::ExecutionMode;
use crate::core::runtime::{ProcessorState, RuntimeStatus};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "api-server", derive(utoipa::ToSchema))]
pub struct RuntimeState {
    pub status: RuntimeStatus,
    pub processors: Vec<ProcessorInfo>,
    pub connections: Vec<LinkInfo>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "api-server", derive(utoipa::ToSchema))]
pub struct ProcessorInfo {
    pub id: ProcessorId,
    pub processor_type: String,
    #[cfg_attr(feature = "api-server", schema(value_type = Object))]
    pub config: serde_json::Value,
    pub state: ProcessorState,
    pub execution_mode: ExecutionMode,
    pub inputs: Vec<PortInfo>,
    pub outputs: Vec<PortInfo>,
    pub metrics: ProcessorMetrics,
    /// Facts the running processor published about itself, like the address
    /// an API server bound; absent when it published none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "api-server", schema(value_type = Option<Object>))]
    pub status: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "api-server", derive(utoipa::ToSchema))]
pub struct PortInfo {
    pub name: String,
    pub kind: FrameKind,
    pub multi_input: bool,
    /// Links attached to this port.
    pub links: Vec<LinkId>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "api-server", derive(utoipa::ToSchema))]
pub struct ProcessorMetrics {
    /// Frames taken from input links.
    pub frames_in: u64,
    /// Frames sent on output ports, counted once per frame whatever the fan-out.
    pub frames_out: u64,
    /// Frames dropped on this processor's output links.
    pub frames_dropped: u64,
    /// Frames waiting in this processor's input links.
    pub queue_depth: usize,
    /// Calls of `process`.
    pub process_calls: u64,
    /// Mean wall time of one `process` call, in microseconds.
    pub mean_process_time_us: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "api-server", derive(utoipa::ToSchema))]
pub struct LinkInfo {
    pub id: LinkId,
    pub from: PortRef,
    pub to: PortRef,
    pub capacity: usize,
    pub overflow: OverflowPolicy,
    pub frames_passed: u64,
    pub frames_dropped: u64,
    /// Frames queued now; 0 when the runtime is not running.
    pub queue_depth: usize,
}
