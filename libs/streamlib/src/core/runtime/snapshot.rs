//! Serializable views of the graph: processor and link details, and the
//! graph as a pipeline document.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::core::error::{Result, StreamError};
use crate::core::graph::{
    ConnectionSpec, LinkId, PipelineDocument, PipelineProcessor, PortDirection, PortRef,
    ProcessorId, TopologyLink,
};
use crate::core::links::{DEFAULT_CAPACITY, OverflowPolicy};
use crate::core::runtime::inner::Graph;
use crate::core::runtime::{LinkInfo, PortInfo, ProcessorInfo, ProcessorMetrics, RuntimeState};

pub(super) fn state(graph: &Graph) -> RuntimeState {
    RuntimeState {
        status: graph.status,
        processors: processors(graph),
        connections: links(graph),
    }
}

pub(super) fn processors(graph: &Graph) -> Vec<ProcessorInfo> {
    graph
        .nodes
        .keys()
        .filter_map(|id| processor_info(graph, id).ok())
        .collect()
}

pub(super) fn links(graph: &Graph) -> Vec<LinkInfo> {
    links_in_creation_order(graph)
        .into_iter()
        .filter_map(|(id, link)| link_info(graph, id, link))
        .collect()
}

fn links_in_creation_order(graph: &Graph) -> Vec<(&LinkId, &TopologyLink)> {
    let mut links: Vec<_> = graph.topology.links().collect();
    links.sort_by_key(|(id, _)| graph.links.get(*id).map_or(0, |entry| entry.serial));
    links
}

pub(super) fn processor_info(graph: &Graph, id: &ProcessorId) -> Result<ProcessorInfo> {
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

    let entries_of = |ports: &[PortInfo]| {
        ports
            .iter()
            .flat_map(|port| port.links.iter())
            .filter_map(|link| graph.links.get(link))
            .collect::<Vec<_>>()
    };
    let frames_dropped = entries_of(&outputs)
        .iter()
        .map(|entry| entry.stats.frames_dropped())
        .sum();
    let queue_depth = entries_of(&inputs)
        .iter()
        .filter_map(|entry| entry.depth_probe.as_ref())
        .map(|probe| probe.len())
        .sum();

    let shared = &node.shared;
    let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
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
        status: shared.status(),
    })
}

pub(super) fn link_info(graph: &Graph, id: &LinkId, link: &TopologyLink) -> Option<LinkInfo> {
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

/// Returns the graph without host-owned processors and their links. Link options
/// equal to the defaults are left out, so documents stay short.
pub(super) fn document(graph: &Graph) -> PipelineDocument {
    let is_host = |id: &ProcessorId| graph.nodes.get(id).is_some_and(|node| node.host_owned);
    let processors = graph
        .nodes
        .iter()
        .filter(|(id, _)| !is_host(id))
        .map(|(id, node)| PipelineProcessor {
            id: id.to_string(),
            processor_type: node.processor_type.clone(),
            config: node.config.clone(),
        })
        .collect();
    let connections = links_in_creation_order(graph)
        .into_iter()
        .filter(|(_, link)| !is_host(&link.from.processor) && !is_host(&link.to.processor))
        .map(|(_, link)| ConnectionSpec {
            from_processor: link.from.processor.to_string(),
            from_port: link.from.port.clone(),
            to_processor: link.to.processor.to_string(),
            to_port: link.to.port.clone(),
            capacity: (link.options.capacity != DEFAULT_CAPACITY).then_some(link.options.capacity),
            overflow: (link.options.overflow != OverflowPolicy::Block)
                .then_some(link.options.overflow),
        })
        .collect();
    PipelineDocument {
        processors,
        connections,
    }
}
