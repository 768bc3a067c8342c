//! The graph: ids, port references, and the topology with its validation.
//! It describes what is linked to what; the running side lives in `runtime`.

mod ids;
mod pipeline;
mod topology;

pub use ids::{LinkId, PortDirection, PortRef, ProcessorId};
pub(crate) use pipeline::ValidatedPipeline;
pub use pipeline::{ConnectionSpec, PipelineDocument, PipelineProblem, PipelineProcessor};
pub(crate) use topology::{Topology, TopologyLink};
