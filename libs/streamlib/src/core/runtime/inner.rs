//! The runtime's state and the operations on it.
//!
//! Locking: one graph mutex serializes every edit and lifecycle operation,
//! and is held while runner threads are set up, stopped and joined. Runner
//! threads never take it (they only touch `RuntimeShared`), so holding it
//! while joining cannot deadlock. Lock order: graph, then the locks in
//! `shared`, then the main queue's deferred list.
//!
//! Status moves initial -> starting -> running <-> paused -> stopping ->
//! stopped -> starting ... A failed start goes back to stopped.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use crate::core::context::RuntimeContext;
use crate::core::error::{Result, StreamError};
use crate::core::execution::{Control, RunnerHandle, RunnerSpec, spawn_runner};
use crate::core::graph::{
    LinkId, PipelineDocument, PortRef, ProcessorId, Topology, TopologyLink, ValidatedPipeline,
};
use crate::core::links::{self, LinkItem, LinkOptions, LinkReceiver, LinkSender, LinkStats};
use crate::core::processors::{ExecutionMode, ProcessorInstance, ProcessorRegistry};
use crate::core::runtime::event::EventKind;
use crate::core::runtime::shared::{ProcessorShared, RuntimeShared};
use crate::core::runtime::{ProcessorInfo, ProcessorSpec, ProcessorState, RuntimeStatus};
use crate::core::service::RuntimeProxy;
use crate::core::service::main_thread::{MainDispatch, MainQueue};

/// Most processors one runtime holds. Each running processor is an OS
/// thread, so this bounds what one request (a large `PUT /api/graph`) can
/// make the machine do.
pub const MAX_PROCESSORS: usize = 1024;

/// How long `update_config` waits for a running processor to apply a config.
const CONFIG_REPLY_TIMEOUT: Duration = Duration::from_secs(10);

pub(super) struct RuntimeInner {
    pub registry: Arc<ProcessorRegistry>,
    pub shared: Arc<RuntimeShared>,
    pub dispatch: Arc<MainDispatch>,
    pub queue: MainQueue,
    pub graph: Mutex<Graph>,
}

pub(super) struct Graph {
    pub status: RuntimeStatus,
    pub topology: Topology,
    pub nodes: BTreeMap<ProcessorId, Node>,
    pub links: BTreeMap<LinkId, LinkEntry>,
    pub next_link_serial: u64,
}

pub(super) struct Node {
    pub processor_type: String,
    /// The complete config, defaults filled in.
    pub config: serde_json::Value,
    pub mode: ExecutionMode,
    /// Added by the host program (like the API server): listed, but left out
    /// of pipeline documents and kept when a document replaces the graph.
    /// It runs from its addition until its removal or the end of the main
    /// loop, whatever `start`, `stop` and `pause` do to the graph.
    pub host_owned: bool,
    pub shared: Arc<ProcessorShared>,
    /// Built and validated ahead of the next start.
    pub prepared: Option<ProcessorInstance>,
    pub runner: Option<RunnerHandle>,
}

pub(super) struct LinkEntry {
    /// Creation order, so listings and documents keep the order links were made.
    pub serial: u64,
    pub stats: Arc<LinkStats>,
    /// A sender clone that only reads the queue depth while the link is wired.
    pub depth_probe: Option<flume::Sender<LinkItem>>,
}

impl RuntimeInner {
    pub fn new(registry: Arc<ProcessorRegistry>) -> Self {
        let (tx, rx) = flume::unbounded();
        Self {
            registry,
            shared: Arc::new(RuntimeShared::new()),
            dispatch: Arc::new(MainDispatch::new(tx)),
            queue: MainQueue::new(rx),
            graph: Mutex::new(Graph {
                status: RuntimeStatus::Initial,
                topology: Topology::default(),
                nodes: BTreeMap::new(),
                links: BTreeMap::new(),
                next_link_serial: 0,
            }),
        }
    }

    pub fn proxy(&self) -> RuntimeProxy {
        RuntimeProxy::new(self.dispatch.tx.clone(), self.shared.events.downgrade())
    }

    pub fn add_processor(
        &self,
        graph: &mut Graph,
        spec: ProcessorSpec,
        host_owned: bool,
    ) -> Result<ProcessorId> {
        let id = match &spec.id {
            Some(id) => ProcessorId::parse(id)?,
            None => unused_processor_id(graph, &spec.processor_type),
        };
        if graph.nodes.contains_key(&id) {
            return Err(StreamError::DuplicateProcessorId(id));
        }
        let instance = self.registry.create(&spec.processor_type, &spec.config)?;
        self.insert_processor(graph, id, spec.processor_type, instance, host_owned)
    }

    /// Adds a processor whose instance is already built; a running graph
    /// sets it up and starts it at once.
    pub fn insert_processor(
        &self,
        graph: &mut Graph,
        id: ProcessorId,
        processor_type: String,
        instance: ProcessorInstance,
        host_owned: bool,
    ) -> Result<ProcessorId> {
        if graph.nodes.len() >= MAX_PROCESSORS {
            return Err(StreamError::ProcessorLimit {
                limit: MAX_PROCESSORS,
            });
        }
        let descriptor = self.registry.descriptor(&processor_type)?;
        let ports = instance.ports.clone();
        let mut node = Node {
            processor_type: processor_type.clone(),
            config: instance.config.clone(),
            mode: descriptor.execution_mode,
            host_owned,
            shared: Arc::new(ProcessorShared::new(id.clone())),
            prepared: Some(instance),
            runner: None,
        };
        if graph.status.is_active() || host_owned {
            let paused = graph.status == RuntimeStatus::Paused && !host_owned;
            let handle = self.launch(&id, &mut node, Vec::new(), Vec::new(), paused)?;
            if let Err(error) = self.wait_ready(&handle) {
                self.join_runner(handle);
                return Err(error);
            }
            node.runner = Some(handle);
        }

        graph.topology.insert_processor(id.clone(), ports);
        tracing::info!(processor = %id, %processor_type, "processor added");
        self.shared.events.emit(EventKind::ProcessorAdded {
            processor_id: id.clone(),
            processor_type,
        });
        if let Some(runner) = &node.runner {
            if node.mode != ExecutionMode::Manual && !host_owned {
                self.shared.join_run(node.shared.clone());
            }
            let state = if graph.status == RuntimeStatus::Paused && !host_owned {
                ProcessorState::Paused
            } else {
                ProcessorState::Running
            };
            self.shared.set_state(&node.shared, state);
            runner.send(Control::Go);
        }
        graph.nodes.insert(id.clone(), node);
        Ok(id)
    }

    pub fn remove_processor(&self, graph: &mut Graph, id: &ProcessorId) -> Result<()> {
        if !graph.nodes.contains_key(id) {
            return Err(StreamError::ProcessorNotFound(id.clone()));
        }

        let link_ids = graph.topology.links_of(id);
        for link in &link_ids {
            unwire(graph, link);
        }
        let node = graph.nodes.remove(id);
        if let Some(runner) = node.and_then(|node| node.runner) {
            runner.send(Control::Stop);
            self.join_runner(runner);
        }
        graph.topology.remove_processor(id);
        for link in &link_ids {
            graph.links.remove(link);
            self.shared.events.emit(EventKind::ConnectionRemoved {
                link_id: link.clone(),
            });
        }
        self.shared.leave_run(id);

        tracing::info!(processor = %id, links = link_ids.len(), "processor removed");
        self.shared.events.emit(EventKind::ProcessorRemoved {
            processor_id: id.clone(),
        });
        Ok(())
    }

    pub fn connect(
        &self,
        graph: &mut Graph,
        from: PortRef,
        to: PortRef,
        options: LinkOptions,
    ) -> Result<LinkId> {
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
        graph.next_link_serial += 1;
        graph.links.insert(
            id.clone(),
            LinkEntry {
                serial: graph.next_link_serial,
                stats: Arc::new(LinkStats::default()),
                depth_probe: None,
            },
        );
        if graph.status.is_active() {
            wire(graph, &id);
        }

        tracing::info!(link = %id, %from, %to, capacity = options.capacity, "connection created");
        self.shared.events.emit(EventKind::ConnectionCreated {
            link_id: id.clone(),
            from,
            to,
        });
        Ok(id)
    }

    pub fn disconnect(&self, graph: &mut Graph, id: &LinkId) -> Result<()> {
        graph.topology.link(id)?;
        unwire(graph, id);
        graph.topology.remove_link(id)?;
        graph.links.remove(id);

        tracing::info!(link = %id, "connection removed");
        self.shared.events.emit(EventKind::ConnectionRemoved {
            link_id: id.clone(),
        });
        Ok(())
    }

    pub fn start(&self, graph: &mut Graph) -> Result<()> {
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
        self.shared.events.emit(EventKind::RuntimeStarting);

        if let Err(error) = self.launch_all(graph) {
            tracing::warn!(%error, "start failed; stopping the processors already set up");
            self.stop_all(graph);
            graph.status = RuntimeStatus::Stopped;
            self.shared.events.emit(EventKind::RuntimeStopped);
            return Err(error);
        }

        graph.status = RuntimeStatus::Running;
        tracing::info!(
            processors = graph.nodes.len(),
            links = graph.links.len(),
            "runtime started"
        );
        self.shared.events.emit(EventKind::RuntimeStarted);
        Ok(())
    }

    pub fn stop(&self, graph: &mut Graph) -> Result<()> {
        if !graph.status.is_active() {
            return Err(StreamError::InvalidState {
                operation: "stop",
                status: graph.status,
            });
        }
        graph.status = RuntimeStatus::Stopping;
        self.shared.events.emit(EventKind::RuntimeStopping);
        self.stop_all(graph);
        graph.status = RuntimeStatus::Stopped;
        tracing::info!("runtime stopped");
        self.shared.events.emit(EventKind::RuntimeStopped);
        Ok(())
    }

    pub fn pause(&self, graph: &mut Graph) -> Result<()> {
        if graph.status != RuntimeStatus::Running {
            return Err(StreamError::InvalidState {
                operation: "pause",
                status: graph.status,
            });
        }
        graph.status = RuntimeStatus::Pausing;
        self.shared.events.emit(EventKind::RuntimePausing);
        for runner in graph_runners(graph) {
            runner.send(Control::Pause);
        }
        // Reported here, so the state returned by pause already shows it.
        self.move_states(graph, ProcessorState::Running, ProcessorState::Paused);
        graph.status = RuntimeStatus::Paused;
        tracing::info!("runtime paused");
        self.shared.events.emit(EventKind::RuntimePaused);
        Ok(())
    }

    pub fn resume(&self, graph: &mut Graph) -> Result<()> {
        if graph.status != RuntimeStatus::Paused {
            return Err(StreamError::InvalidState {
                operation: "resume",
                status: graph.status,
            });
        }
        for runner in graph_runners(graph) {
            runner.send(Control::Resume);
        }
        self.move_states(graph, ProcessorState::Paused, ProcessorState::Running);
        graph.status = RuntimeStatus::Running;
        tracing::info!("runtime resumed");
        self.shared.events.emit(EventKind::RuntimeResumed);
        Ok(())
    }

    pub fn update_config(
        &self,
        graph: &mut Graph,
        id: &ProcessorId,
        patch: serde_json::Value,
    ) -> Result<ProcessorInfo> {
        let node = graph
            .nodes
            .get(id)
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
        let instance = self.registry.create(&node.processor_type, &merged)?;
        let ports_changed = &instance.ports != graph.topology.ports(id)?;
        if ports_changed && (graph.status.is_active() || !graph.topology.links_of(id).is_empty()) {
            return Err(StreamError::ConfigUpdateRejected {
                processor: id.clone(),
                reason: "the change alters its ports; stop the runtime and remove its links first"
                    .to_owned(),
            });
        }

        if let Some(runner) = &node.runner {
            apply_live(id, runner, &instance.config)?;
        }
        let config = instance.config.clone();
        let ports = instance.ports.clone();
        if let Some(node) = graph.nodes.get_mut(id) {
            node.config = config.clone();
            if node.runner.is_none() {
                node.prepared = Some(instance);
            }
        }
        graph.topology.set_ports(id, ports);

        tracing::info!(processor = %id, "processor config updated");
        self.shared.events.emit(EventKind::ProcessorConfigUpdated {
            processor_id: id.clone(),
            config,
        });
        super::snapshot::processor_info(graph, id)
    }

    /// Validates `document` whole, then swaps every processor and link that
    /// is not host-owned for the document's. A running graph is edited live;
    /// when a new processor fails its setup there, the previous graph is put
    /// back and the failure returned.
    pub fn replace_graph(&self, graph: &mut Graph, document: &PipelineDocument) -> Result<()> {
        let host_ids: HashSet<ProcessorId> = graph
            .nodes
            .iter()
            .filter(|(_, node)| node.host_owned)
            .map(|(id, _)| id.clone())
            .collect();
        if host_ids.len() + document.processors.len() > MAX_PROCESSORS {
            return Err(StreamError::ProcessorLimit {
                limit: MAX_PROCESSORS,
            });
        }
        let validated = document.validate(&self.registry, &host_ids)?;

        let previous = super::snapshot::document(graph);
        self.remove_graph_processors(graph, &host_ids);
        if let Err(error) = self.apply(graph, validated) {
            // A setup can still fail while running; put the old graph back
            // so that a failed replacement changes nothing but link ids.
            tracing::warn!(%error, "graph replacement failed; restoring the previous graph");
            self.remove_graph_processors(graph, &host_ids);
            let restored = previous
                .validate(&self.registry, &host_ids)
                .and_then(|old| self.apply(graph, old));
            if let Err(restore_error) = restored {
                tracing::error!(error = %restore_error, "the previous graph could not be restored");
            }
            return Err(error);
        }
        tracing::info!(
            processors = document.processors.len(),
            connections = document.connections.len(),
            "graph replaced"
        );
        Ok(())
    }

    fn remove_graph_processors(&self, graph: &mut Graph, host_ids: &HashSet<ProcessorId>) {
        let ids: Vec<ProcessorId> = graph
            .nodes
            .keys()
            .filter(|id| !host_ids.contains(*id))
            .cloned()
            .collect();
        for id in &ids {
            if let Err(error) = self.remove_processor(graph, id) {
                tracing::warn!(processor = %id, %error, "processor not removed");
            }
        }
    }

    /// Adds the processors and links of a validated document.
    fn apply(&self, graph: &mut Graph, validated: ValidatedPipeline) -> Result<()> {
        for (id, processor_type, instance) in validated.processors {
            self.insert_processor(graph, id, processor_type, instance, false)?;
        }
        for (from, to, options) in validated.connections {
            self.connect(graph, from, to, options)?;
        }
        Ok(())
    }

    /// Moves every running graph processor in state `from` to `to`.
    fn move_states(&self, graph: &Graph, from: ProcessorState, to: ProcessorState) {
        for node in graph
            .nodes
            .values()
            .filter(|node| !node.host_owned && node.runner.is_some())
        {
            self.shared.transition(&node.shared, from, to);
        }
    }

    /// Waits for a runner's setup, running main-thread jobs meanwhile.
    fn wait_ready(&self, runner: &RunnerHandle) -> Result<()> {
        match self
            .queue
            .wait(&self.dispatch, runner.ready_receiver(), None)
        {
            Ok(outcome) => outcome,
            Err(_) => Err(StreamError::ProcessorFailed {
                processor: runner.id().clone(),
                message: "the processor thread ended during setup".to_owned(),
            }),
        }
    }

    /// Joins a runner that has been sent `Stop`, running main-thread jobs
    /// while it winds down.
    pub fn join_runner(&self, runner: RunnerHandle) {
        runner.join_with(|done, timeout| {
            self.queue
                .wait(&self.dispatch, done, Some(timeout))
                .map(drop)
        });
    }

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
            None => self.registry.create(&node.processor_type, &node.config)?,
        };
        let context = RuntimeContext::new(
            id.clone(),
            node.processor_type.clone(),
            self.dispatch.clone(),
            self.proxy(),
            node.shared.clone(),
        );
        spawn_runner(RunnerSpec {
            id: id.clone(),
            processor_type: node.processor_type.clone(),
            mode: node.mode,
            instance,
            inputs,
            outputs,
            processor: node.shared.clone(),
            runtime: self.shared.clone(),
            context,
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

        let ids: Vec<ProcessorId> = graph
            .nodes
            .iter()
            .filter(|(_, node)| !node.host_owned)
            .map(|(id, _)| id.clone())
            .collect();
        for id in &ids {
            let node_inputs = inputs.remove(id).unwrap_or_default();
            let node_outputs = outputs.remove(id).unwrap_or_default();
            let Some(node) = graph.nodes.get_mut(id) else {
                continue;
            };
            let handle = self.launch(id, node, node_inputs, node_outputs, false)?;
            node.runner = Some(handle);
        }
        for runner in graph_runners(graph) {
            self.wait_ready(runner)?;
        }

        self.shared.begin_run(
            graph
                .nodes
                .values()
                .filter(|node| node.mode != ExecutionMode::Manual && !node.host_owned)
                .map(|node| node.shared.clone()),
        );
        // States are set here rather than by the runners, so that `start`
        // returns with every processor already reported running.
        for node in graph.nodes.values().filter(|node| !node.host_owned) {
            if let Some(runner) = &node.runner {
                self.shared.set_state(&node.shared, ProcessorState::Running);
                runner.send(Control::Go);
            }
        }
        Ok(())
    }

    /// Sends `Stop` to every runner of the graph first, so none waits on
    /// another, then joins them all. Host-owned processors keep running.
    fn stop_all(&self, graph: &mut Graph) {
        let runners: Vec<RunnerHandle> = graph
            .nodes
            .values_mut()
            .filter(|node| !node.host_owned)
            .filter_map(|node| node.runner.take())
            .collect();
        for runner in &runners {
            runner.send(Control::Stop);
        }
        for runner in runners {
            self.join_runner(runner);
        }
        for entry in graph.links.values_mut() {
            entry.depth_probe = None;
        }
        self.shared.end_run();
    }

    /// Stops and joins the host-owned processors, at the end of the main loop.
    pub fn stop_host_processors(&self, graph: &mut Graph) {
        let runners: Vec<RunnerHandle> = graph
            .nodes
            .values_mut()
            .filter(|node| node.host_owned)
            .filter_map(|node| node.runner.take())
            .collect();
        for runner in &runners {
            runner.send(Control::Stop);
        }
        for runner in runners {
            self.join_runner(runner);
        }
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

fn unused_processor_id(graph: &Graph, processor_type: &str) -> ProcessorId {
    loop {
        let candidate = ProcessorId::generate(processor_type);
        if !graph.nodes.contains_key(&candidate) {
            return candidate;
        }
    }
}

/// Creates the queue of a link and hands its ends to both running threads.
fn wire(graph: &mut Graph, id: &LinkId) {
    let Ok(link) = graph.topology.link(id).cloned() else {
        return;
    };
    let Some(entry) = graph.links.get_mut(id) else {
        return;
    };
    let (sender, receiver, probe) = links::channel(id.clone(), link.options, entry.stats.clone());
    entry.depth_probe = Some(probe);
    if let Some(runner) = runner_of(graph, &link.to.processor) {
        runner.send(Control::AttachInput {
            port: link.to.port.clone(),
            receiver,
        });
    }
    if let Some(runner) = runner_of(graph, &link.from.processor) {
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
    if let Some(runner) = runner_of(graph, &link.from.processor) {
        runner.send(Control::DetachOutput(id.clone()));
    }
    if let Some(runner) = runner_of(graph, &link.to.processor) {
        runner.send(Control::DetachInput(id.clone()));
    }
    if let Some(entry) = graph.links.get_mut(id) {
        entry.depth_probe = None;
    }
}

/// Runners of the graph's own processors, not the host-owned ones.
fn graph_runners(graph: &Graph) -> impl Iterator<Item = &RunnerHandle> {
    graph
        .nodes
        .values()
        .filter(|node| !node.host_owned)
        .filter_map(|node| node.runner.as_ref())
}

fn runner_of<'a>(graph: &'a Graph, id: &ProcessorId) -> Option<&'a RunnerHandle> {
    graph.nodes.get(id).and_then(|node| node.runner.as_ref())
}

fn apply_live(id: &ProcessorId, runner: &RunnerHandle, config: &serde_json::Value) -> Result<()> {
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
