//! The topology: the processors, their ports and the links that join them.
//! Every check that decides whether an edit is allowed lives here, so that
//! the runtime can validate an edit before it touches any running thread.

use std::collections::{BTreeMap, HashSet};

use crate::core::error::{Result, StreamError};
use crate::core::graph::{LinkId, PortDirection, PortRef, ProcessorId};
use crate::core::links::LinkOptions;
use crate::core::processors::{PortDescriptor, Ports};

#[derive(Debug, Clone)]
pub(crate) struct TopologyLink {
    pub from: PortRef,
    pub to: PortRef,
    pub options: LinkOptions,
}

/// Ordered maps keep listings stable: processors and links come out sorted by id.
#[derive(Debug, Default)]
pub(crate) struct Topology {
    ports: BTreeMap<ProcessorId, Ports>,
    links: BTreeMap<LinkId, TopologyLink>,
}

impl Topology {
    pub fn insert_processor(&mut self, id: ProcessorId, ports: Ports) {
        self.ports.insert(id, ports);
    }

    pub fn ports(&self, id: &ProcessorId) -> Result<&Ports> {
        self.ports
            .get(id)
            .ok_or_else(|| StreamError::ProcessorNotFound(id.clone()))
    }

    pub fn set_ports(&mut self, id: &ProcessorId, ports: Ports) {
        self.ports.insert(id.clone(), ports);
    }

    /// Removes the processor and returns the ids of the links it had.
    pub fn remove_processor(&mut self, id: &ProcessorId) -> Vec<LinkId> {
        let links = self.links_of(id);
        for link in &links {
            self.links.remove(link);
        }
        self.ports.remove(id);
        links
    }

    pub fn link(&self, id: &LinkId) -> Result<&TopologyLink> {
        self.links
            .get(id)
            .ok_or_else(|| StreamError::LinkNotFound(id.clone()))
    }

    pub fn links(&self) -> impl Iterator<Item = (&LinkId, &TopologyLink)> {
        self.links.iter()
    }

    pub fn links_of(&self, id: &ProcessorId) -> Vec<LinkId> {
        self.links
            .iter()
            .filter(|(_, link)| &link.from.processor == id || &link.to.processor == id)
            .map(|(link_id, _)| link_id.clone())
            .collect()
    }

    /// Links that end at `port`, for port listings.
    pub fn links_at(&self, port: &PortRef, direction: PortDirection) -> Vec<LinkId> {
        self.links
            .iter()
            .filter(|(_, link)| match direction {
                PortDirection::Input => &link.to == port,
                PortDirection::Output => &link.from == port,
            })
            .map(|(link_id, _)| link_id.clone())
            .collect()
    }

    pub fn insert_link(&mut self, id: LinkId, link: TopologyLink) {
        self.links.insert(id, link);
    }

    pub fn remove_link(&mut self, id: &LinkId) -> Result<TopologyLink> {
        self.links
            .remove(id)
            .ok_or_else(|| StreamError::LinkNotFound(id.clone()))
    }

    /// Checks that `from` may be linked to `to`, without changing anything.
    pub fn check_link(&self, from: &PortRef, to: &PortRef, options: &LinkOptions) -> Result<()> {
        options.validate()?;
        let output = self.port(from, PortDirection::Output)?;
        let input = self.port(to, PortDirection::Input)?;

        if from.processor == to.processor {
            return Err(StreamError::SelfLink(from.processor.clone()));
        }
        if output.kind != input.kind {
            return Err(StreamError::IncompatiblePorts {
                from: from.clone(),
                from_kind: output.kind,
                to: to.clone(),
                to_kind: input.kind,
            });
        }
        // A second identical link into a multi-input port would deliver
        // every frame twice (a mixer would add the signal to itself).
        let duplicate = self
            .links
            .iter()
            .find(|(_, link)| &link.from == from && &link.to == to)
            .map(|(id, _)| id.clone());
        if let Some(link) = duplicate {
            return Err(StreamError::InputAlreadyLinked {
                port: to.clone(),
                link,
            });
        }
        if !input.multi_input
            && let Some(link) = self.links_at(to, PortDirection::Input).into_iter().next()
        {
            return Err(StreamError::InputAlreadyLinked {
                port: to.clone(),
                link,
            });
        }
        if self.reaches(&to.processor, &from.processor) {
            return Err(StreamError::Cycle {
                from: from.clone(),
                to: to.clone(),
            });
        }
        Ok(())
    }

    fn port(&self, port: &PortRef, direction: PortDirection) -> Result<&PortDescriptor> {
        let ports = self.ports(&port.processor)?;
        let list = match direction {
            PortDirection::Input => &ports.inputs,
            PortDirection::Output => &ports.outputs,
        };
        list.iter()
            .find(|candidate| candidate.name == port.port)
            .ok_or_else(|| StreamError::PortNotFound {
                processor: port.processor.clone(),
                port: port.port.clone(),
                direction,
                available: list.iter().map(|p| p.name.clone()).collect(),
            })
    }

    /// True when a path of links leads from `start` to `target`.
    fn reaches(&self, start: &ProcessorId, target: &ProcessorId) -> bool {
        let mut seen = HashSet::new();
        let mut pending = vec![start];
        while let Some(current) = pending.pop() {
            if current == target {
                return true;
            }
            if !seen.insert(current) {
                continue;
            }
            pending.extend(
                self.links
                    .values()
                    .filter(|link| &link.from.processor == current)
                    .map(|link| &link.to.processor),
            );
        }
        false
    }
}
