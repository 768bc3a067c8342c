//! Links: bounded queues between an output port and an input port, with an
//! overflow policy and counters of what passed and what was dropped.

mod link;
mod options;

pub(crate) use link::{LinkItem, LinkReceiver, LinkSender, Push, channel};
pub use link::{LinkStats, PushStatus};
pub use options::{DEFAULT_CAPACITY, LinkOptions, MAX_CAPACITY, OverflowPolicy};
