//! Ctrl-C and SIGTERM: both ask the runtime's main loop to end, which stops
//! the graph and the host processors and joins their threads.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use streamlib::ShutdownHandle;

/// Set once a signal arrived, so the caller can tell an interrupted run
/// from a finished one.
#[derive(Debug, Clone, Default)]
pub struct SignalFlag(Arc<AtomicBool>);

impl SignalFlag {
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Installs the process-wide handler for SIGINT and SIGTERM. A second
/// signal while shutdown is under way is only logged, because the first
/// request already ends the main loop.
pub fn on_signal_request(shutdown: ShutdownHandle) -> anyhow::Result<SignalFlag> {
    let flag = SignalFlag::default();
    let seen = flag.clone();
    ctrlc::set_handler(move || {
        if seen.0.swap(true, Ordering::SeqCst) {
            tracing::warn!("shutdown already requested; waiting for processors to stop");
            return;
        }
        tracing::info!("signal received; shutting down");
        shutdown.request();
    })
    .context("cannot install the Ctrl-C and SIGTERM handler")?;
    Ok(flag)
}
