//! Processors: the trait, descriptors, the type registry and the built-ins.

#[cfg(feature = "api-server")]
pub mod api_server;
pub mod builtin;
mod descriptor;
mod processor;
mod registry;

pub use descriptor::{ExecutionMode, PortDescriptor, Ports, ProcessorDescriptor};
pub use processor::{Flow, Period, ProcessInput, Processor, Schedule, Tick};
pub use registry::{
    ProcessorFactory, ProcessorInstance, ProcessorRegistry, ProcessorType, parse_config,
};
