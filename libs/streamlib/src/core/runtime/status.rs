use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Lifecycle of the whole runtime. `stopped` keeps the graph, so `start` can
/// run it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "api-server", derive(utoipa::ToSchema))]
pub enum RuntimeStatus {
    Initial,
    Starting,
    Running,
    Pausing,
    Paused,
    Stopping,
    Stopped,
}

impl RuntimeStatus {
    /// True while processor threads exist (running or paused).
    pub fn is_active(self) -> bool {
        matches!(self, RuntimeStatus::Running | RuntimeStatus::Paused)
    }
}

impl fmt::Display for RuntimeStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RuntimeStatus::Initial => "initial",
            RuntimeStatus::Starting => "starting",
            RuntimeStatus::Running => "running",
            RuntimeStatus::Pausing => "pausing",
            RuntimeStatus::Paused => "paused",
            RuntimeStatus::Stopping => "stopping",
            RuntimeStatus::Stopped => "stopped",
        })
    }
}

/// Lifecycle of one processor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "api-server", derive(utoipa::ToSchema))]
pub enum ProcessorState {
    /// Added, not started.
    Idle,
    Running,
    Paused,
    /// Its end of stream has been handled and sent downstream.
    Finished,
    /// Setup, processing or teardown failed or panicked; the thread has ended.
    Error,
    Stopped,
}

impl fmt::Display for ProcessorState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = serde_json::to_value(self)
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_default();
        f.write_str(&text)
    }
}
