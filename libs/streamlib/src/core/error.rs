//! `StreamError`: every failure a person has to see, each carrying the id or
//! value involved. Data-path outcomes (a frame dropped, a link gone) are not
//! errors; see `PushStatus`.

use crate::core::frames::FrameKind;
use crate::core::graph::{LinkId, PipelineProblem, PortDirection, PortRef, ProcessorId};
use crate::core::runtime::RuntimeStatus;

pub type Result<T, E = StreamError> = std::result::Result<T, E>;

#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum StreamError {
    #[error("processor '{0}' not found")]
    ProcessorNotFound(ProcessorId),

    #[error("link '{0}' not found")]
    LinkNotFound(LinkId),

    #[error("unknown processor type '{name}'; known types: {}", known.join(", "))]
    UnknownProcessorType { name: String, known: Vec<String> },

    #[error("processor type '{0}' is already registered")]
    DuplicateProcessorType(String),

    #[error("processor id '{0}' is already in use; choose another id or leave it out")]
    DuplicateProcessorId(ProcessorId),

    #[error("invalid processor id '{0}': use 1 to 64 letters, digits, '-', '_' or '.'")]
    InvalidProcessorId(String),

    #[error("invalid config for {processor_type} at '{field}': {message}")]
    InvalidConfig {
        processor_type: String,
        field: String,
        message: String,
    },

    #[error("processor '{processor}' has no {direction} port '{port}'; its {direction} ports: {}", available.join(", "))]
    PortNotFound {
        processor: ProcessorId,
        port: String,
        direction: PortDirection,
        available: Vec<String>,
    },

    #[error("cannot link {from} ({from_kind}) to {to} ({to_kind}): the frame kinds differ")]
    IncompatiblePorts {
        from: PortRef,
        from_kind: FrameKind,
        to: PortRef,
        to_kind: FrameKind,
    },

    #[error("input {port} is already linked by '{link}'; disconnect it first")]
    InputAlreadyLinked { port: PortRef, link: LinkId },

    #[error("linking {from} to {to} would close a cycle")]
    Cycle { from: PortRef, to: PortRef },

    #[error("processor '{0}' cannot be linked to itself")]
    SelfLink(ProcessorId),

    #[error(
        "the runtime already has {limit} processors, its limit; remove some before adding more"
    )]
    ProcessorLimit { limit: usize },

    #[error("invalid link capacity {0}: use a value from 1 to 65536")]
    InvalidCapacity(usize),

    #[error("cannot {operation} while the runtime is {status}")]
    InvalidState {
        operation: &'static str,
        status: RuntimeStatus,
    },

    #[error("processor '{processor}' failed: {message}")]
    ProcessorFailed {
        processor: ProcessorId,
        message: String,
    },

    /// Returned by a processor's own code; the runner turns it into
    /// `ProcessorFailed` with the processor's id.
    #[error("{0}")]
    Processing(String),

    #[error("processor '{processor}' cannot change its config while running: {reason}")]
    ConfigUpdateRejected {
        processor: ProcessorId,
        reason: String,
    },

    #[error("invalid pipeline, {} problem(s): {}", problems.len(), problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    InvalidPipeline { problems: Vec<PipelineProblem> },

    #[error("the runtime is gone: {0}")]
    RuntimeUnavailable(&'static str),

    #[error(
        "the runtime did not answer {operation} within {timeout_ms} ms; is a thread running StreamRuntime::run or poll_commands?"
    )]
    RuntimeTimeout {
        operation: &'static str,
        timeout_ms: u64,
    },

    #[error("StreamRuntime::run is already running on another thread")]
    MainLoopAlreadyRunning,

    #[error("processor '{processor}' did not answer {operation} within {timeout_ms} ms")]
    ProcessorTimeout {
        processor: ProcessorId,
        operation: &'static str,
        timeout_ms: u64,
    },
}

impl StreamError {
    /// Builds the error a processor returns from its own code.
    pub fn processing(message: impl Into<String>) -> Self {
        StreamError::Processing(message.into())
    }

    /// Builds a config error for `field` of `processor_type`.
    pub fn invalid_config(
        processor_type: impl Into<String>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        StreamError::InvalidConfig {
            processor_type: processor_type.into(),
            field: field.into(),
            message: message.into(),
        }
    }

    /// Returns a stable snake_case name of the condition, for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            StreamError::ProcessorNotFound(_) => "processor_not_found",
            StreamError::LinkNotFound(_) => "link_not_found",
            StreamError::UnknownProcessorType { .. } => "unknown_processor_type",
            StreamError::DuplicateProcessorType(_) => "duplicate_processor_type",
            StreamError::DuplicateProcessorId(_) => "duplicate_processor_id",
            StreamError::InvalidProcessorId(_) => "invalid_processor_id",
            StreamError::InvalidConfig { .. } => "invalid_config",
            StreamError::PortNotFound { .. } => "port_not_found",
            StreamError::IncompatiblePorts { .. } => "incompatible_ports",
            StreamError::InputAlreadyLinked { .. } => "input_already_linked",
            StreamError::Cycle { .. } => "cycle",
            StreamError::SelfLink(_) => "self_link",
            StreamError::InvalidCapacity(_) => "invalid_capacity",
            StreamError::ProcessorLimit { .. } => "processor_limit",
            StreamError::InvalidState { .. } => "invalid_state",
            StreamError::ProcessorFailed { .. } => "processor_failed",
            StreamError::Processing(_) => "processing_failed",
            StreamError::ConfigUpdateRejected { .. } => "config_update_rejected",
            StreamError::ProcessorTimeout { .. } => "processor_timeout",
            StreamError::InvalidPipeline { .. } => "invalid_pipeline",
            StreamError::RuntimeUnavailable(_) => "runtime_unavailable",
            StreamError::RuntimeTimeout { .. } => "runtime_timeout",
            StreamError::MainLoopAlreadyRunning => "main_loop_already_running",
        }
    }
}
