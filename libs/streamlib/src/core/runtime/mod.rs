//! `StreamRuntime`: owns the graph, runs each processor on its own thread,
//! applies live edits and publishes events.

pub(crate) mod event;
mod inner;
mod main_loop;
pub(crate) mod shared;
mod snapshot;
mod spec;
mod state;
mod status;
mod stream_runtime;

pub use event::{EVENT_CHANNEL_CAPACITY, EventKind, RuntimeEvent};
pub use spec::ProcessorSpec;
pub use state::{LinkInfo, PortInfo, ProcessorInfo, ProcessorMetrics, RuntimeState};
pub use status::{ProcessorState, RuntimeStatus};
pub use stream_runtime::StreamRuntime;
