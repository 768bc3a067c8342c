//! The graph: ids, port references, and the topology with its validation.
//! It describes what is linked to what; the running side lives in `runtime`.

mod ids;
mod topology;

pub use ids::{LinkId, PortDirection, PortRef, ProcessorId};
pub(crate) use topology::{Topology, TopologyLink};
