//! `StreamRuntime`, the public face of the runtime. Each method takes the
//! graph lock and delegates to `RuntimeInner`.

use std::fmt;
use std::sync::Arc;

use tokio::sync::broadcast;

use crate::core::error::Result;
use crate::core::graph::{LinkId, PipelineDocument, PortRef, ProcessorId};
use crate::core::links::LinkOptions;
use crate::core::processors::ProcessorRegistry;
use crate::core::runtime::inner::RuntimeInner;
use crate::core::runtime::{
    LinkInfo, ProcessorInfo, ProcessorSpec, RuntimeEvent, RuntimeState, RuntimeStatus, snapshot,
};
use crate::core::service::{RuntimeProxy, ShutdownHandle};

/// A graph of processors and the threads that run it. Every method takes
/// `&self`, so the runtime can be shared as `Arc<StreamRuntime>`. Dropping
/// it stops and joins every processor thread.
pub struct StreamRuntime {
    pub(super) inner: Arc<RuntimeInner>,
}

impl fmt::Debug for StreamRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamRuntime")
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}

impl Default for StreamRuntime {
    fn default() -> Self {
        Self::new()
    }
}

impl StreamRuntime {
    /// Creates a runtime whose registry contains the built-in processor types.
    pub fn new() -> Self {
        Self::with_registry(Arc::new(ProcessorRegistry::with_builtins()))
    }

    pub fn with_registry(registry: Arc<ProcessorRegistry>) -> Self {
        Self {
            inner: Arc::new(RuntimeInner::new(registry)),
        }
    }

    /// Returns the registry. Types registered there can be added at once.
    pub fn registry(&self) -> &Arc<ProcessorRegistry> {
        &self.inner.registry
    }

    /// Returns an async handle that sends commands to the thread running `run` (or
    /// calling `poll_commands`).
    pub fn proxy(&self) -> RuntimeProxy {
        self.inner.proxy()
    }

    /// A handle that makes `run` return, for signal handlers.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle::new(self.inner.dispatch.tx.clone())
    }

    /// Receives every event from now on, in `seq` order.
    pub fn subscribe_events(&self) -> broadcast::Receiver<RuntimeEvent> {
        self.inner.shared.events.subscribe()
    }

    pub fn status(&self) -> RuntimeStatus {
        self.inner.graph.lock().status
    }

    /// Processor threads alive right now; 0 after `stop` returns.
    pub fn runner_threads(&self) -> usize {
        self.inner.shared.runner_threads()
    }

    /// Adds a processor. On a running runtime it is set up and started at
    /// once, and a setup failure leaves the graph unchanged.
    pub fn add_processor(&self, spec: ProcessorSpec) -> Result<ProcessorId> {
        let mut graph = self.inner.graph.lock();
        self.inner.add_processor(&mut graph, spec, false)
    }

    /// Adds a processor that belongs to the host program rather than to the
    /// graph (an API server). It is set up and started at once and keeps
    /// running through `start`, `stop` and `pause` of the graph, until it is
    /// removed or the main loop ends. It is listed, but `graph()` leaves it
    /// out and `replace_graph` keeps it.
    pub fn add_host_processor(&self, spec: ProcessorSpec) -> Result<ProcessorId> {
        let mut graph = self.inner.graph.lock();
        self.inner.add_processor(&mut graph, spec, true)
    }

    /// Removes a processor and its links. On a running runtime its
    /// neighbours are unlinked first, then its thread is stopped and joined.
    pub fn remove_processor(&self, id: impl AsRef<str>) -> Result<()> {
        let mut graph = self.inner.graph.lock();
        self.inner
            .remove_processor(&mut graph, &ProcessorId::from(id.as_ref()))
    }

    /// Links output `from` to input `to` with the default options (capacity
    /// 4, `block`).
    pub fn connect(&self, from: impl Into<PortRef>, to: impl Into<PortRef>) -> Result<LinkId> {
        self.connect_with(from, to, LinkOptions::default())
    }

    /// Links output `from` to input `to`; a running graph is wired at once.
    pub fn connect_with(
        &self,
        from: impl Into<PortRef>,
        to: impl Into<PortRef>,
        options: LinkOptions,
    ) -> Result<LinkId> {
        let mut graph = self.inner.graph.lock();
        self.inner
            .connect(&mut graph, from.into(), to.into(), options)
    }

    /// Removes a link; frames still queued on it are counted as dropped.
    pub fn disconnect(&self, link: impl AsRef<str>) -> Result<()> {
        let mut graph = self.inner.graph.lock();
        self.inner
            .disconnect(&mut graph, &LinkId::from(link.as_ref()))
    }

    /// Sets up every processor on its own thread and starts them together
    /// once all setups succeeded. A failed setup stops the others again and
    /// returns the failure.
    pub fn start(&self) -> Result<()> {
        let mut graph = self.inner.graph.lock();
        self.inner.start(&mut graph)
    }

    /// Stops every processor and joins its thread. The graph stays, so
    /// `start` runs it again.
    pub fn stop(&self) -> Result<()> {
        let mut graph = self.inner.graph.lock();
        self.inner.stop(&mut graph)
    }

    /// Holds every processor: sources stop ticking and no frame is processed
    /// until `resume`. Queued frames stay queued.
    pub fn pause(&self) -> Result<()> {
        let mut graph = self.inner.graph.lock();
        self.inner.pause(&mut graph)
    }

    pub fn resume(&self) -> Result<()> {
        let mut graph = self.inner.graph.lock();
        self.inner.resume(&mut graph)
    }

    /// Merges `patch` into the processor's config (JSON merge patch: keys
    /// replace, `null` removes), validates the result and applies it; a
    /// running processor applies it live or rejects it.
    pub fn update_config(
        &self,
        id: impl AsRef<str>,
        patch: serde_json::Value,
    ) -> Result<ProcessorInfo> {
        let mut graph = self.inner.graph.lock();
        self.inner
            .update_config(&mut graph, &ProcessorId::from(id.as_ref()), patch)
    }

    /// Returns a snapshot of the status, every processor and every link.
    pub fn state(&self) -> RuntimeState {
        snapshot::state(&self.inner.graph.lock())
    }

    /// Details of one processor.
    pub fn processor(&self, id: impl AsRef<str>) -> Result<ProcessorInfo> {
        snapshot::processor_info(&self.inner.graph.lock(), &ProcessorId::from(id.as_ref()))
    }

    /// Details of one link.
    pub fn link(&self, id: impl AsRef<str>) -> Result<LinkInfo> {
        let graph = self.inner.graph.lock();
        let id = LinkId::from(id.as_ref());
        let link = graph.topology.link(&id)?;
        snapshot::link_info(&graph, &id, link)
            .ok_or(crate::core::error::StreamError::LinkNotFound(id))
    }

    /// Returns the graph as a pipeline document, without host-owned processors.
    pub fn graph(&self) -> PipelineDocument {
        snapshot::document(&self.inner.graph.lock())
    }

    /// Validates `document` whole and replaces every processor and link
    /// that is not host-owned with its contents; nothing changes when the
    /// document has any problem.
    pub fn replace_graph(&self, document: &PipelineDocument) -> Result<()> {
        let mut graph = self.inner.graph.lock();
        self.inner.replace_graph(&mut graph, document)
    }

    /// Checks `document` against this runtime's registry without applying
    /// it, reporting every problem at once.
    pub fn validate_pipeline(&self, document: &PipelineDocument) -> Result<()> {
        document
            .validate(&self.inner.registry, &Default::default())
            .map(drop)
    }
}
