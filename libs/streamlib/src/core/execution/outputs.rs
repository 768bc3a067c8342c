//! `Outputs`: the handle through which a processor pushes frames.
//!
//! A push on a full `block` link waits, but also listens to the runner's
//! control channel: a stop or an unlink ends the wait, and other control
//! messages are kept for the runner to handle after `process` returns.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use crate::core::error::{Result, StreamError};
use crate::core::execution::Control;
use crate::core::frames::{Frame, FrameKind};
use crate::core::graph::{LinkId, PortDirection};
use crate::core::links::{LinkItem, LinkSender, Push, PushStatus};
use crate::core::processors::Ports;
use crate::core::runtime::shared::ProcessorShared;

impl PushStatus {
    /// Combines the outcomes of one frame on several links.
    fn worst(self, other: PushStatus) -> PushStatus {
        use PushStatus::*;
        match (self, other) {
            (Stopping, _) | (_, Stopping) => Stopping,
            (Dropped, _) | (_, Dropped) => Dropped,
            (NotLinked, NotLinked) => NotLinked,
            _ => Sent,
        }
    }
}

#[derive(Debug)]
struct OutputPort {
    name: String,
    kind: FrameKind,
    links: Vec<LinkSender>,
}

#[derive(Debug)]
pub struct Outputs {
    ports: Vec<OutputPort>,
    control_rx: flume::Receiver<Control>,
    /// Control messages that arrived during a blocked push.
    pub(crate) deferred: VecDeque<Control>,
    stopping: bool,
    processor: Arc<ProcessorShared>,
}

impl Outputs {
    pub(crate) fn new(
        ports: &Ports,
        control_rx: flume::Receiver<Control>,
        processor: Arc<ProcessorShared>,
    ) -> Self {
        let ports = ports
            .outputs
            .iter()
            .map(|port| OutputPort {
                name: port.name.clone(),
                kind: port.kind,
                links: Vec::new(),
            })
            .collect();
        Self {
            ports,
            control_rx,
            deferred: VecDeque::new(),
            stopping: false,
            processor,
        }
    }

    /// Pushes `frame` to every link on output `port`. Fan-out shares the
    /// payload. Errors only for a port this processor does not have or a
    /// frame of the wrong kind, which are bugs in the processor.
    pub fn send(&mut self, port: &str, frame: impl Into<Frame>) -> Result<PushStatus> {
        let frame = frame.into();
        let index = self.port_index(port, frame.kind())?;
        if self.stopping {
            return Ok(PushStatus::Stopping);
        }
        self.processor.frames_out.fetch_add(1, Ordering::Relaxed);
        if self.ports[index].links.is_empty() {
            return Ok(PushStatus::NotLinked);
        }
        Ok(self.push_to_port(index, LinkItem::Frame(frame)))
    }

    /// True when output `port` has at least one link.
    pub fn is_linked(&self, port: &str) -> bool {
        self.ports
            .iter()
            .any(|candidate| candidate.name == port && !candidate.links.is_empty())
    }

    /// True once a stop has been requested; a long `process` call should return.
    pub fn is_stopping(&self) -> bool {
        self.stopping
    }

    pub(crate) fn send_end_of_stream(&mut self) {
        for index in 0..self.ports.len() {
            self.push_to_port(index, LinkItem::EndOfStream);
        }
    }

    pub(crate) fn attach(&mut self, port: &str, sender: LinkSender) {
        if let Some(output) = self.ports.iter_mut().find(|p| p.name == port) {
            output.links.push(sender);
        }
    }

    pub(crate) fn detach(&mut self, link: &LinkId) {
        for port in &mut self.ports {
            port.links.retain(|sender| &sender.id != link);
        }
    }

    /// Sends end of stream on `link` alone, for a link attached after this
    /// processor finished.
    pub(crate) fn send_end_of_stream_on(&mut self, link: &LinkId) {
        if let Some(index) = self
            .ports
            .iter()
            .position(|port| port.links.iter().any(|sender| &sender.id == link))
        {
            self.push_one(index, link, LinkItem::EndOfStream);
        }
    }

    pub(crate) fn request_stop(&mut self) {
        self.stopping = true;
    }

    fn port_index(&self, port: &str, kind: FrameKind) -> Result<usize> {
        let index = self
            .ports
            .iter()
            .position(|candidate| candidate.name == port)
            .ok_or_else(|| StreamError::PortNotFound {
                processor: self.processor.id.clone(),
                port: port.to_owned(),
                direction: PortDirection::Output,
                available: self.ports.iter().map(|p| p.name.clone()).collect(),
            })?;
        let expected = self.ports[index].kind;
        if expected != kind {
            return Err(StreamError::processing(format!(
                "output '{port}' carries {expected} frames, not {kind}"
            )));
        }
        Ok(index)
    }

    fn push_to_port(&mut self, index: usize, item: LinkItem) -> PushStatus {
        let mut status = PushStatus::Sent;
        let mut position = 0;
        while position < self.ports[index].links.len() {
            let sender = &self.ports[index].links[position];
            match sender.push(item.clone(), &self.control_rx) {
                Push::Queued => {}
                Push::Dropped | Push::Closed => status = PushStatus::Dropped,
                Push::Interrupted(control) => {
                    // The control message may add or remove links, so the
                    // rest of the push goes by id instead of by position.
                    let remaining: Vec<LinkId> = self.ports[index].links[position..]
                        .iter()
                        .map(|sender| sender.id.clone())
                        .collect();
                    if let Some(stop) = self.handle_interrupt(control) {
                        return stop;
                    }
                    return self.push_by_ids(index, &remaining, item).worst(status);
                }
            }
            position += 1;
        }
        status
    }

    fn push_by_ids(&mut self, index: usize, links: &[LinkId], item: LinkItem) -> PushStatus {
        let mut status = PushStatus::Sent;
        for link in links {
            status = self.push_one(index, link, item.clone()).worst(status);
            if status == PushStatus::Stopping {
                break;
            }
        }
        status
    }

    /// Pushes to one link, handling control messages that interrupt a wait.
    fn push_one(&mut self, index: usize, link: &LinkId, item: LinkItem) -> PushStatus {
        loop {
            let Some(sender) = self.ports[index].links.iter().find(|s| &s.id == link) else {
                // Unlinked while the push waited.
                return PushStatus::Dropped;
            };
            match sender.push(item.clone(), &self.control_rx) {
                Push::Queued => return PushStatus::Sent,
                Push::Dropped | Push::Closed => return PushStatus::Dropped,
                Push::Interrupted(control) => {
                    if let Some(status) = self.handle_interrupt(control) {
                        return status;
                    }
                }
            }
        }
    }

    /// Applies a control message that arrived during a blocked push; returns
    /// a status when the push should end.
    fn handle_interrupt(&mut self, control: Control) -> Option<PushStatus> {
        match control {
            Control::Stop => {
                self.stopping = true;
                self.deferred.push_back(Control::Stop);
                Some(PushStatus::Stopping)
            }
            Control::DetachOutput(link) => {
                self.detach(&link);
                None
            }
            Control::AttachOutput { port, sender } => {
                self.attach(&port, sender);
                None
            }
            other => {
                self.deferred.push_back(other);
                None
            }
        }
    }
}
