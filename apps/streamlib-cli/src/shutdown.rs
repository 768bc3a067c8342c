//! Ctrl-C and SIGTERM: both ask the runtime's main loop to end, which stops
//! the graph and the host processors and joins their threads.

use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};

use anyhow::Context;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;
use streamlib::ShutdownHandle;

/// The first signal that arrived, so the caller can tell an interrupted run
/// from a finished one and choose the conventional exit status.
#[derive(Debug, Clone, Default)]
pub struct SignalFlag(Arc<AtomicI32>);

impl SignalFlag {
    pub fn is_set(&self) -> bool {
        self.signal().is_some()
    }

    /// Returns the number of the first signal received, if any.
    pub fn signal(&self) -> Option<i32> {
        Some(self.0.load(Ordering::SeqCst)).filter(|signal| *signal != 0)
    }
}

/// Starts a thread that turns SIGINT and SIGTERM into a shutdown request.
/// A second signal while shutdown is under way is only logged, because the
/// first request already ends the main loop.
pub fn on_signal_request(shutdown: ShutdownHandle) -> anyhow::Result<SignalFlag> {
    let mut signals =
        Signals::new([SIGINT, SIGTERM]).context("cannot install the Ctrl-C and SIGTERM handler")?;
    let flag = SignalFlag::default();
    let seen = flag.clone();
    std::thread::Builder::new()
        .name("signals".to_owned())
        .spawn(move || {
            for signal in signals.forever() {
                if seen.0.swap(signal, Ordering::SeqCst) != 0 {
                    tracing::warn!(
                        signal,
                        "shutdown already requested; waiting for processors to stop"
                    );
                    continue;
                }
                tracing::info!(signal, "signal received; shutting down");
                shutdown.request();
            }
        })
        .context("cannot start the signal thread")?;
    Ok(flag)
}
