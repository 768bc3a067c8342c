//! The runtime proper.
//!
//! Locking: one graph mutex serializes every edit and every lifecycle
//! operation, and is held while runner threads are set up, stopped and
//! joined. Runner threads never take it (see `shared`), so holding it while
//! joining cannot deadlock. Lock order: graph, then the locks in `shared`.
//!
//! Status moves initial -> starting -> running <-> paused -> stopping ->
//! stopped -> starting ... A failed start goes back to stopped.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::sync::broadcast;

use crate::core::context::RuntimeContext;
use crate::core::error::{Result, StreamError};
use crate::core::execution::{Control, RunnerHandle, RunnerSpec, spawn_runner};
use crate::core::graph::{LinkId, PortDirection, PortRef, ProcessorId, Topology, TopologyLink};
use crate::core::links::{self, LinkItem, LinkOptions, LinkReceiver, LinkSender, LinkStats};
use crate::core::processors::{ExecutionMode, ProcessorInstance, ProcessorRegistry};
use crate::core::runtime::event::EventKind;
use crate::core::runtime::shared::{ProcessorShared, RuntimeShared};
use crate::core::runtime::{
    LinkInfo, PortInfo, ProcessorInfo, ProcessorMetrics, ProcessorSpec, ProcessorState,
    RuntimeEvent, RuntimeState, RuntimeStatus,
};

/// How long `update_config` waits for a running processor to apply a config.
const CONFIG_REPLY_TIMEOUT: Duration = Duration::from_secs(10);

/// A graph of processors and the threads that run it. Every method takes
/// `&self`, so the runtime can be shared as `Arc<StreamRuntime>`.
pub struct StreamRuntime {
    inner: Arc<RuntimeInner>,
}

struct RuntimeInner {
    registry: Arc<ProcessorRegistry>,
    shared: Arc<RuntimeShared>,
    graph: Mutex<Graph>,
}

struct Graph {
    status: RuntimeStatus,
    topology: Topology,
    nodes: BTreeMap<ProcessorId, Node>,
    links: BTreeMap<LinkId, LinkEntry>,
}

struct Node {
    processor_type: String,
    /// The complete config, defaults filled in.
    config: serde_json::Value,
    mode: ExecutionMode,
    shared: Arc<ProcessorShared>,
    /// Built and validated ahead of the next start.
    prepared: Option<ProcessorInstance>,
    runner: Option<RunnerHandle>,
}

struct LinkEntry {
    stats: Arc<LinkStats>,
    /// A sender clone that only reads the queue depth while the link is wired.
    depth_probe: Option<flume::Sender<LinkItem>>,
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
    /// A runtime whose registry holds the built-in processor types.
    pub fn new() -> Self {
        Self::with_registry(Arc::new(ProcessorRegistry::with_builtins()))
    }

    pub fn with_registry(registry: Arc<ProcessorRegistry>) -> Self {
        Self {
            inner: Arc::new(RuntimeInner {
                registry,
                shared: Arc::new(RuntimeShared::new()),
                graph: Mutex::new(Graph {
                    status: RuntimeStatus::Initial,
                    topology: Topology::default(),
                    nodes: BTreeMap::new(),
                    links: BTreeMap::new(),
                }),
            }),
        }
    }

    /// The registry; types registered here can be added at once.
    pub fn registry(&self) -> &Arc<ProcessorRegistry> {
        &self.inner.registry
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
        let id = match &spec.id {
            Some(id) => ProcessorId::parse(id)?,
            None => Self::unused_id(&graph, &spec.processor_type),
        };
        if graph.nodes.contains_key(&id) {
            return Err(StreamError::DuplicateProcessorId(id));
        }
        let descriptor = self.inner.registry.descriptor(&spec.processor_type)?;
        let instance = self
            .inner
            .registry
            .create(&spec.processor_type, &spec.config)?;

        let ports = instance.ports.clone();
        let mut node = Node {
            processor_type: spec.processor_type.clone(),
            config: instance.config.clone(),
            mode: descriptor.execution_mode,
            shared: Arc::new(ProcessorShared::new(id.clone())),
            prepared: Some(instance),
            runner: None,
        };
        if graph.status.is_active() {
            let paused = graph.status == RuntimeStatus::Paused;
            let handle = self.launch(&id, &mut node, Vec::new(), Vec::new(), paused)?;
            if let Err(error) = handle.wait_ready() {
                handle.join();
                return Err(error);
            }
            node.runner = Some(handle);
        }

        graph.topology.insert_processor(id.clone(), ports);
        tracing::info!(processor = %id, processor_type = %spec.processor_type, "processor added");
        self.inner.shared.events.emit(EventKind::ProcessorAdded {
            processor_id: id.clone(),
            processor_type: spec.processor_type,
        });
        if let Some(runner) = &node.runner {
            if node.mode != ExecutionMode::Manual {
                self.inner.shared.join_run(node.shared.clone());
            }
            let state = if graph.status == RuntimeStatus::Paused {
                ProcessorState::Paused
            } else {
                ProcessorState::Running
            };
            self.inner.shared.set_state(&node.shared, state);
            runner.send(Control::Go);
        }
        graph.nodes.insert(id.clone(), node);
        Ok(id)
    }

    /// Removes a processor and its links. On a running runtime its
    /// neighbours are unlinked first, then its thread is stopped and joined.
    pub fn remove_processor(&self, id: impl AsRef<str>) -> Result<()> {
        let id = ProcessorId::from(id.as_ref());
        let mut graph = self.inner.graph.lock();
        if !graph.nodes.contains_key(&id) {
            return Err(StreamError::ProcessorNotFound(id));
        }

        let link_ids = graph.topology.links_of(&id);
        for link in &link_ids {
            Self::unwire(&mut graph, link);
        }
        let node = graph.nodes.remove(&id);
        if let Some(runner) = node.and_then(|node| node.runner) {
            runner.stop();
        }
        graph.topology.remove_processor(&id);
        for link in &link_ids {
            graph.links.remove(link);
            self.inner.shared.events.emit(EventKind::ConnectionRemoved {
                link_id: link.clone(),
            });
        }
        self.inner.shared.leave_run(&id);

        tracing::info!(processor = %id, links = link_ids.len(), "processor removed");
        self.inner
            .shared
            .events
            .emit(EventKind::ProcessorRemoved { processor_id: id });
        Ok(())
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
        let (from, to) = (from.into(), to.into());
        let mut graph = self.inner.graph.lock();
        graph.topology.check_link(&from, &to, &options)?;

        let id = loop {
            let candidate = LinkId::generate();
            if !graph.links.contains_key(&candidate) {
                break candidate;
            }
        };
        graph.topology.insert_link(
            id.clone(),
            TopologyLink {
                from: from.clone(),
                to: to.clone(),
                options,
            },
        );
        graph.links.insert(
            id.clone(),
            LinkEntry {
                stats: Arc::new(LinkStats::default()),
                depth_probe: None,
            },
        );
        if graph.status.is_active() {
            Self::wire(&mut graph, &id);
        }

        tracing::info!(link = %id, %from, %to, capacity = options.capacity, "connection created");
        self.inner.shared.events.emit(EventKind::ConnectionCreated {
            link_id: id.clone(),
            from,
            to,
        });
        Ok(id)
    }

    /// Removes a link; frames still queued on it are counted as dropped.
    pub fn disconnect(&self, link: impl AsRef<str>) -> Result<()> {
        let id = LinkId::from(link.as_ref());
        let mut graph = self.inner.graph.lock();
        graph.topology.link(&id)?;
        Self::unwire(&mut graph, &id);
        graph.topology.remove_link(&id)?;
        graph.links.remove(&id);

        tracing::info!(link = %id, "connection removed");
        self.inner
            .shared
            .events
            .emit(EventKind::ConnectionRemoved { link_id: id });
        Ok(())
    }

    /// Sets up every processor on its own thread and starts them together
    /// once all setups succeeded. A failed setup stops the others again and
    /// returns the failure.
    pub fn start(&self) -> Result<()> {
        let mut graph = self.inner.graph.lock();
        if !matches!(
            graph.status,
            RuntimeStatus::Initial | RuntimeStatus::Stopped
        ) {
            return Err(StreamError::InvalidState {
                operation: "start",
                status: graph.status,
            });
        }
        graph.status = RuntimeStatus::Starting;
        self.inner.shared.events.emit(EventKind::RuntimeStarting);

        if let Err(error) = self.launch_all(&mut graph) {
            tracing::warn!(%error, "start failed; stopping the processors already set up");
            self.stop_all(&mut graph);
            graph.status = RuntimeStatus::Stopped;
            self.inner.shared.events.emit(EventKind::RuntimeStopped);
            return Err(error);
        }

        graph.status = RuntimeStatus::Running;
        tracing::info!(
            processors = graph.nodes.len(),
            links = graph.links.len(),
            "runtime started"
        );
        self.inner.shared.events.emit(EventKind::RuntimeStarted);
        Ok(())
    }

    /// Stops every processor and joins its thread. The graph stays, so
    /// `start` runs it again.
    pub fn stop(&self) -> Result<()> {
        let mut graph = self.inner.graph.lock();
        if !graph.status.is_active() {
            return Err(StreamError::InvalidState {
                operation: "stop",
                status: graph.status,
            });
        }
        graph.status = RuntimeStatus::Stopping;
        self.inner.shared.events.emit(EventKind::RuntimeStopping);
        self.stop_all(&mut graph);
        graph.status = RuntimeStatus::Stopped;
        tracing::info!("runtime stopped");
        self.inner.shared.events.emit(EventKind::RuntimeStopped);
        Ok(())
    }

    /// Holds every processor: sources stop ticking and no frame is processed
    /// until `resume`. Queued frames stay queued.
    pub fn pause(&self) -> Result<()> {
        let mut graph = self.inner.graph.lock();
        if graph.status != RuntimeStatus::Running {
            return Err(StreamError::InvalidState {
                operation: "pause",
                status: graph.status,
            });
        }
        graph.status = RuntimeStatus::Pausing;
        self.inner.shared.events.emit(EventKind::RuntimePausing);
        for runner in graph.nodes.values().filter_map(|node| node.runner.as_ref()) {
            runner.send(Control::Pause);
        }
        graph.status = RuntimeStatus::Paused;
        tracing::info!("runtime paused");
        self.inner.shared.events.emit(EventKind::RuntimePaused);
        Ok(())
    }

    pub fn resume(&self) -> Result<()> {
        let mut graph = self.inner.graph.lock();
        if graph.status != RuntimeStatus::Paused {
            return Err(StreamError::InvalidState {
                operation: "resume",
                status: graph.status,
            });
        }
        for runner in graph.nodes.values().filter_map(|node| node.runner.as_ref()) {
            runner.send(Control::Resume);
        }
        graph.status = RuntimeStatus::Running;
        tracing::info!("runtime resumed");
        self.inner.shared.events.emit(EventKind::RuntimeResumed);
        Ok(())
    }

    /// Merges `patch` into the processor's config (JSON merge patch: keys
    /// replace, `null` removes), validates the result and applies it; a
    /// running processor applies it live or rejects it.
    pub fn update_config(
        &self,
        id: impl AsRef<str>,
        patch: serde_json::Value,
    ) -> Result<ProcessorInfo> {
        let id = ProcessorId::from(id.as_ref());
        let mut graph = self.inner.graph.lock();
        let node = graph
            .nodes
            .get(&id)
            .ok_or_else(|| StreamError::ProcessorNotFound(id.clone()))?;
        if !patch.is_object() {
            return Err(StreamError::invalid_config(
                &node.processor_type,
                "",
                format!("a config update must be a JSON object, not {patch}"),
            ));
        }
        let mut merged = node.config.clone();
        merge_patch(&mut merged, &patch);
        let instance = self.inner.registry.create(&node.processor_type, &merged)?;
        let ports_changed = &instance.ports != graph.topology.ports(&id)?;
        if ports_changed && (graph.status.is_active() || !graph.topology.links_of(&id).is_empty()) {
            return Err(StreamError::ConfigUpdateRejected {
                processor: id,
                reason: "the change alters its ports; stop the runtime and remove its links first"
                    .to_owned(),
            });
        }

        if let Some(runner) = &node.runner {
            Self::apply_live(&id, runner, &instance.config)?;
        }
        let config = instance.config.clone();
        let ports = instance.ports.clone();
        if let Some(node) = graph.nodes.get_mut(&id) {
            node.config = config.clone();
            if node.runner.is_none() {
                node.prepared = Some(instance);
            }
        }
        graph.topology.set_ports(&id, ports);

        tracing::info!(processor = %id, "processor config updated");
        self.inner
            .shared
            .events
            .emit(EventKind::ProcessorConfigUpdated {
                processor_id: id.clone(),
                config,
            });
        Self::processor_info(&graph, &id)
    }

    /// A snapshot of the status, every processor and every link.
    pub fn state(&self) -> RuntimeState {
        let graph = self.inner.graph.lock();
        let processors = graph
            .nodes
            .keys()
            .filter_map(|id| Self::processor_info(&graph, id).ok())
            .collect();
        let connections = graph
            .topology
            .links()
            .filter_map(|(id, link)| Self::link_info(&graph, id, link))
            .collect();
        RuntimeState {
            status: graph.status,
            processors,
            connections,
        }
    }

    /// Details of one processor.
    pub fn processor(&self, id: impl AsRef<str>) -> Result<ProcessorInfo> {
        let graph = self.inner.graph.lock();
        Self::processor_info(&graph, &ProcessorId::from(id.as_ref()))
    }

    /// Details of one link.
    pub fn link(&self, id: impl AsRef<str>) -> Result<LinkInfo> {
        let graph = self.inner.graph.lock();
        let id = LinkId::from(id.as_ref());
        let link = graph.topology.link(&id)?;
        Self::link_info(&graph, &id, link).ok_or(StreamError::LinkNotFound(id))
    }

    fn unused_id(graph: &Graph, processor_type: &str) -> ProcessorId {
        loop {
            let candidate = ProcessorId::generate(processor_type);
            if !graph.nodes.contains_key(&candidate) {
                return candidate;
            }
        }
    }

    /// Spawns the runner of one node with the given link ends; the caller
    /// waits for its setup and sends `Go`.
    fn launch(
        &self,
        id: &ProcessorId,
        node: &mut Node,
        inputs: Vec<(String, LinkReceiver)>,
        outputs: Vec<(String, LinkSender)>,
        paused: bool,
    ) -> Result<RunnerHandle> {
        let instance = match node.prepared.take() {
            Some(instance) => instance,
            None => self
                .inner
                .registry
                .create(&node.processor_type, &node.config)?,
        };
        spawn_runner(RunnerSpec {
            id: id.clone(),
            processor_type: node.processor_type.clone(),
            mode: node.mode,
            instance,
            inputs,
            outputs,
            processor: node.shared.clone(),
            runtime: self.inner.shared.clone(),
            context: RuntimeContext::new(id.clone(), node.processor_type.clone()),
            start_paused: paused,
        })
    }

    /// Wires every link, spawns every runner, waits for every setup, then
    /// sends `Go` to all.
    fn launch_all(&self, graph: &mut Graph) -> Result<()> {
        let mut inputs: HashMap<ProcessorId, Vec<(String, LinkReceiver)>> = HashMap::new();
        let mut outputs: HashMap<ProcessorId, Vec<(String, LinkSender)>> = HashMap::new();
        let wired: Vec<(LinkId, TopologyLink)> = graph
            .topology
            .links()
            .map(|(id, link)| (id.clone(), link.clone()))
            .collect();
        for (id, link) in wired {
            let Some(entry) = graph.links.get_mut(&id) else {
                continue;
            };
            let (sender, receiver, probe) = links::channel(id, link.options, entry.stats.clone());
            entry.depth_probe = Some(probe);
            inputs
                .entry(link.to.processor.clone())
                .or_default()
                .push((link.to.port, receiver));
            outputs
                .entry(link.from.processor.clone())
                .or_default()
                .push((link.from.port, sender));
        }

        let ids: Vec<ProcessorId> = graph.nodes.keys().cloned().collect();
        for id in &ids {
            let node_inputs = inputs.remove(id).unwrap_or_default();
            let node_outputs = outputs.remove(id).unwrap_or_default();
            let Some(node) = graph.nodes.get_mut(id) else {
                continue;
            };
            let handle = self.launch(id, node, node_inputs, node_outputs, false)?;
            node.runner = Some(handle);
        }
        for node in graph.nodes.values() {
            if let Some(runner) = &node.runner {
                runner.wait_ready()?;
            }
        }

        self.inner.shared.begin_run(
            graph
                .nodes
                .values()
                .filter(|node| node.mode != ExecutionMode::Manual)
                .map(|node| node.shared.clone()),
        );
        // States are set here rather than by the runners, so that `start`
        // returns with every processor already reported running.
        for node in graph.nodes.values() {
            if let Some(runner) = &node.runner {
                self.inner
                    .shared
                    .set_state(&node.shared, ProcessorState::Running);
                runner.send(Control::Go);
            }
        }
        Ok(())
    }

    /// Sends `Stop` to every runner first, so none waits on another, then
    /// joins them all.
    fn stop_all(&self, graph: &mut Graph) {
        let runners: Vec<RunnerHandle> = graph
            .nodes
            .values_mut()
            .filter_map(|node| node.runner.take())
            .collect();
        for runner in &runners {
            runner.send(Control::Stop);
        }
        for runner in runners {
            runner.join();
        }
        for entry in graph.links.values_mut() {
            entry.depth_probe = None;
        }
        self.inner.shared.end_run();
    }

    /// Creates the queue of a link and hands its ends to both running threads.
    fn wire(graph: &mut Graph, id: &LinkId) {
        let Ok(link) = graph.topology.link(id).cloned() else {
            return;
        };
        let Some(entry) = graph.links.get_mut(id) else {
            return;
        };
        let (sender, receiver, probe) =
            links::channel(id.clone(), link.options, entry.stats.clone());
        entry.depth_probe = Some(probe);
        if let Some(runner) = graph
            .nodes
            .get(&link.to.processor)
            .and_then(|n| n.runner.as_ref())
        {
            runner.send(Control::AttachInput {
                port: link.to.port.clone(),
                receiver,
            });
        }
        if let Some(runner) = graph
            .nodes
            .get(&link.from.processor)
            .and_then(|n| n.runner.as_ref())
        {
            runner.send(Control::AttachOutput {
                port: link.from.port.clone(),
                sender,
            });
        }
    }

    /// Takes a link's ends away from both running threads.
    fn unwire(graph: &mut Graph, id: &LinkId) {
        let Ok(link) = graph.topology.link(id).cloned() else {
            return;
        };
        if let Some(runner) = graph
            .nodes
            .get(&link.from.processor)
            .and_then(|n| n.runner.as_ref())
        {
            runner.send(Control::DetachOutput(id.clone()));
        }
        if let Some(runner) = graph
            .nodes
            .get(&link.to.processor)
            .and_then(|n| n.runner.as_ref())
        {
            runner.send(Control::DetachInput(id.clone()));
        }
        if let Some(entry) = graph.links.get_mut(id) {
            entry.depth_probe = None;
        }
    }

    fn apply_live(
        id: &ProcessorId,
        runner: &RunnerHandle,
        config: &serde_json::Value,
    ) -> Result<()> {
        let (reply_tx, reply_rx) = flume::bounded(1);
        let sent = runner.send(Control::UpdateConfig {
            config: config.clone(),
            reply: reply_tx,
        });
        let failed = |message: &str| StreamError::ProcessorFailed {
            processor: id.clone(),
            message: message.to_owned(),
        };
        if !sent {
            return Err(failed(
                "its thread has ended; stop and start the runtime to apply a config",
            ));
        }
        match reply_rx.recv_timeout(CONFIG_REPLY_TIMEOUT) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(StreamError::ConfigUpdateRejected {
                processor: id.clone(),
                reason: match error {
                    StreamError::Processing(message) => message,
                    other => other.to_string(),
                },
            }),
            Err(flume::RecvTimeoutError::Timeout) => Err(StreamError::ProcessorTimeout {
                processor: id.clone(),
                operation: "a config update",
                timeout_ms: CONFIG_REPLY_TIMEOUT.as_millis() as u64,
            }),
            Err(flume::RecvTimeoutError::Disconnected) => {
                Err(failed("its thread ended while applying the config"))
            }
        }
    }

    fn processor_info(graph: &Graph, id: &ProcessorId) -> Result<ProcessorInfo> {
        let node = graph
            .nodes
            .get(id)
            .ok_or_else(|| StreamError::ProcessorNotFound(id.clone()))?;
        let ports = graph.topology.ports(id)?;
        let port_infos = |direction: PortDirection| {
            let list = match direction {
                PortDirection::Input => &ports.inputs,
                PortDirection::Output => &ports.outputs,
            };
            list.iter()
                .map(|port| PortInfo {
                    name: port.name.clone(),
                    kind: port.kind,
                    multi_input: port.multi_input,
                    links: graph
                        .topology
                        .links_at(&PortRef::new(id.clone(), port.name.clone()), direction),
                })
                .collect::<Vec<_>>()
        };
        let inputs = port_infos(PortDirection::Input);
        let outputs = port_infos(PortDirection::Output);
        let link_entries = |ports: &[PortInfo]| {
            ports
                .iter()
                .flat_map(|port| port.links.iter())
                .filter_map(|link| graph.links.get(link))
                .collect::<Vec<_>>()
        };
        let frames_dropped = link_entries(&outputs)
            .iter()
            .map(|entry| entry.stats.frames_dropped())
            .sum();
        let queue_depth = link_entries(&inputs)
            .iter()
            .filter_map(|entry| entry.depth_probe.as_ref())
            .map(|probe| probe.len())
            .sum();

        let shared = &node.shared;
        let load = |counter: &std::sync::atomic::AtomicU64| {
            counter.load(std::sync::atomic::Ordering::Relaxed)
        };
        let process_calls = load(&shared.process_calls);
        let mean_process_time_us = if process_calls == 0 {
            0.0
        } else {
            load(&shared.process_time_ns) as f64 / process_calls as f64 / 1000.0
        };
        Ok(ProcessorInfo {
            id: id.clone(),
            processor_type: node.processor_type.clone(),
            config: node.config.clone(),
            state: shared.state(),
            execution_mode: node.mode,
            inputs,
            outputs,
            metrics: ProcessorMetrics {
                frames_in: load(&shared.frames_in),
                frames_out: load(&shared.frames_out),
                frames_dropped,
                queue_depth,
                process_calls,
                mean_process_time_us,
            },
        })
    }

    fn link_info(graph: &Graph, id: &LinkId, link: &TopologyLink) -> Option<LinkInfo> {
        let entry = graph.links.get(id)?;
        Some(LinkInfo {
            id: id.clone(),
            from: link.from.clone(),
            to: link.to.clone(),
            capacity: link.options.capacity,
            overflow: link.options.overflow,
            frames_passed: entry.stats.frames_passed(),
            frames_dropped: entry.stats.frames_dropped(),
            queue_depth: entry.depth_probe.as_ref().map_or(0, |probe| probe.len()),
        })
    }
}

impl Drop for RuntimeInner {
    /// Stops and joins every processor thread still running.
    fn drop(&mut self) {
        let graph = self.graph.get_mut();
        let runners: Vec<RunnerHandle> = graph
            .nodes
            .values_mut()
            .filter_map(|node| node.runner.take())
            .collect();
        for runner in &runners {
            runner.send(Control::Stop);
        }
        drop(runners);
    }
}

/// Applies a JSON merge patch (RFC 7386) to `target`.
fn merge_patch(target: &mut serde_json::Value, patch: &serde_json::Value) {
    let serde_json::Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = serde_json::Value::Object(Default::default());
    }
    if let serde_json::Value::Object(target) = target {
        for (key, value) in patch {
            if value.is_null() {
                target.remove(key);
            } else {
                merge_patch(
                    target.entry(key.clone()).or_insert(serde_json::Value::Null),
                    value,
                );
            }
        }
    }
}
