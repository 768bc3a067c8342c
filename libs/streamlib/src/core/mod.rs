//! The runtime core, in the order data flows: frames travel over links
//! between processors; the graph says what is linked; execution runs each
//! processor on its thread; the runtime owns it all and publishes events.

pub mod context;
pub mod error;
pub mod execution;
pub mod frames;
pub mod graph;
pub mod links;
pub mod processors;
pub mod runtime;
pub mod service;
