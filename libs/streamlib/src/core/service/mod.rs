//! The service layer: commands to the runtime's main thread and the async
//! `RuntimeProxy` that sends them.

pub(crate) mod command;
#[cfg(feature = "api-server")]
pub mod http;
pub(crate) mod main_thread;
mod runtime_proxy;

pub use main_thread::ShutdownHandle;
pub use runtime_proxy::{DEFAULT_PROXY_TIMEOUT, RuntimeProxy};
