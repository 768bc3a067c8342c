//! Processors: the trait, descriptors, the type registry and the built-ins.

pub mod builtin;
mod descriptor;
mod processor;
mod registry;

pub use descriptor::{ExecutionMode, PortDescriptor, Ports, ProcessorDescriptor};
pub use processor::{Flow, Period, ProcessInput, Processor, Schedule, Tick};
pub use registry::{
    ProcessorFactory, ProcessorInstance, ProcessorRegistry, ProcessorType, parse_config,
};
