//! `RuntimeContext`: what a processor receives in `setup` to reach the runtime.

use std::sync::Arc;

use crate::core::error::Result;
use crate::core::graph::ProcessorId;
use crate::core::service::RuntimeProxy;
use crate::core::service::main_thread::MainDispatch;

/// Handed to `Processor::setup`. Cheap to clone; a processor may keep it.
#[derive(Debug, Clone)]
pub struct RuntimeContext {
    processor_id: ProcessorId,
    processor_type: String,
    dispatch: Arc<MainDispatch>,
    proxy: RuntimeProxy,
}

impl RuntimeContext {
    pub(crate) fn new(
        processor_id: ProcessorId,
        processor_type: String,
        dispatch: Arc<MainDispatch>,
        proxy: RuntimeProxy,
    ) -> Self {
        Self {
            processor_id,
            processor_type,
            dispatch,
            proxy,
        }
    }

    /// The id of the processor being set up.
    pub fn processor_id(&self) -> &ProcessorId {
        &self.processor_id
    }

    pub fn processor_type(&self) -> &str {
        &self.processor_type
    }

    /// An async handle to the runtime, for processors that serve clients
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
