//! streamlib: a real-time stream-processing runtime.
//!
//! A program builds a graph of processors whose typed ports are joined by
//! bounded links carrying video, audio and data frames. Each processor runs
//! on its own OS thread, and the graph can be edited while frames flow.
//!
//! - [`core::frames`]: `VideoFrame`, `AudioFrame`, `DataFrame`.
//! - [`core::links`]: bounded queues and overflow policies.
//! - [`core::processors`]: the `Processor` trait, descriptors, the registry, built-ins.
//! - [`core::graph`]: ids, port references, topology checks.
//! - [`core::execution`]: the per-processor thread and its `Outputs`.
//! - [`core::runtime`]: `StreamRuntime`, its status, state snapshots and events.
//! - [`core::service`]: `RuntimeProxy`, the async handle that drives a runtime
//!   from other threads and tasks.

#![warn(clippy::unwrap_used)]

pub mod core;

pub use crate::core::context::RuntimeContext;
pub use crate::core::error::{Result, StreamError};
pub use crate::core::execution::Outputs;
pub use crate::core::frames::{AudioFrame, DataFrame, Frame, FrameKind, PixelFormat, VideoFrame};
pub use crate::core::graph::{
    ConnectionSpec, LinkId, PipelineDocument, PipelineProblem, PipelineProcessor, PortDirection,
    PortRef, ProcessorId,
};
pub use crate::core::links::{LinkOptions, OverflowPolicy, PushStatus};
pub use crate::core::processors::{
    ExecutionMode, Flow, Period, PortDescriptor, Ports, ProcessInput, Processor,
    ProcessorDescriptor, ProcessorFactory, ProcessorInstance, ProcessorRegistry, ProcessorType,
    Schedule, Tick, parse_config,
};
pub use crate::core::runtime::{
    EventKind, LinkInfo, PortInfo, ProcessorInfo, ProcessorMetrics, ProcessorSpec, ProcessorState,
    RuntimeEvent, RuntimeState, RuntimeStatus, StreamRuntime,
};
pub use crate::core::service::{DEFAULT_PROXY_TIMEOUT, RuntimeProxy, ShutdownHandle};
