use crate::core::error::Result;
use crate::core::graph::LinkId;
use crate::core::links::{LinkReceiver, LinkSender};

/// Messages from the runtime to one runner thread, handled in arrival order.
#[derive(Debug)]
pub(crate) enum Control {
    /// Every processor of the run is set up; begin processing.
    Go,
    Stop,
    Pause,
    Resume,
    /// Applies a complete config; the result goes back on `reply`.
    UpdateConfig {
        config: serde_json::Value,
        reply: flume::Sender<Result<()>>,
    },
    AttachInput {
        port: String,
        receiver: LinkReceiver,
    },
    DetachInput(LinkId),
    AttachOutput {
        port: String,
        sender: LinkSender,
    },
    DetachOutput(LinkId),
}
