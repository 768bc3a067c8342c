//! `RuntimeContext`: what a processor receives in `setup` to reach the runtime.

use std::sync::Arc;

use crate::core::error::Result;
use crate::core::graph::ProcessorId;
use crate::core::runtime::shared::ProcessorShared;
use crate::core::service::RuntimeProxy;
use crate::core::service::main_thread::MainDispatch;

/// Handed to `Processor::setup`. Cheap to clone; a processor may keep it.
#[derive(Debug, Clone)]
pub struct RuntimeContext {
    processor_id: ProcessorId,
    processor_type: String,
    dispatch: Arc<MainDispatch>,
    proxy: RuntimeProxy,
    processor: Arc<ProcessorShared>,
}

impl RuntimeContext {
    pub(crate) fn new(
        processor_id: ProcessorId,
        processor_type: String,
        dispatch: Arc<MainDispatch>,
        proxy: RuntimeProxy,
        processor: Arc<ProcessorShared>,
    ) -> Self {
        Self {
            processor_id,
            processor_type,
            dispatch,
            proxy,
            processor,
        }
    }

    /// Publishes facts about the running processor (a bound address, an
    /// open device) as the `status` of its details in `state()` and the API.
    /// The status is cleared when the processor's thread ends.
    pub fn set_status(&self, status: serde_json::Value) {
        self.processor.set_status(Some(status));
    }

    /// Returns the id of the processor being set up.
    pub fn processor_id(&self) -> &ProcessorId {
        &self.processor_id
    }

    pub fn processor_type(&self) -> &str {
        &self.processor_type
    }

    /// Returns an async handle to the runtime, for processors that serve clients
    /// (like the API server).
    pub fn runtime_proxy(&self) -> RuntimeProxy {
        self.proxy.clone()
    }

    /// Runs `job` on the main thread (the one in `StreamRuntime::run`) and
    /// returns its result. Runs it inline when called on the main thread,
    /// and on the calling thread when no thread runs the main loop. Fails
    /// only when the runtime is gone before the job ran.
    pub fn run_on_main_blocking<R: Send + 'static>(
        &self,
        job: impl FnOnce() -> R + Send + 'static,
    ) -> Result<R> {
        self.dispatch.run_blocking(job)
    }
}
