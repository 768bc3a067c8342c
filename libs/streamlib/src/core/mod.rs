//! The runtime core, in the order data flows. Frames travel over links
//! between processors. The graph records what is linked. Execution runs each
//! processor on its thread. The runtime owns it all and publishes events.

pub mod context;
pub mod error;
pub mod execution;
pub mod frames;
pub mod graph;
pub mod links;
pub mod processors;
pub mod runtime;
pub mod service;
