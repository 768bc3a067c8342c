//! Execution: the thread that runs one processor, and the output handle a
//! processor pushes frames through.

mod control;
mod outputs;
mod runner;

pub(crate) use control::Control;
pub use outputs::Outputs;
pub(crate) use runner::{RunnerHandle, RunnerSpec, spawn_runner};
