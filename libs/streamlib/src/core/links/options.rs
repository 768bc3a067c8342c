use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::core::error::{Result, StreamError};

pub const DEFAULT_CAPACITY: usize = 4;
// NOTE: capacity counts frames, not bytes, so a large capacity on a link of
// large frames can use gigabytes. There is no byte budget per link yet.
pub const MAX_CAPACITY: usize = 65_536;

/// Behaviour of a link whose queue is full when the producer pushes a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "api-server", derive(utoipa::ToSchema))]
pub enum OverflowPolicy {
    /// The producer waits for room (back-pressure), so no frame is dropped.
    #[default]
    Block,
    /// The oldest queued frame is discarded to make room; for live video.
    DropOldest,
    /// The new frame is discarded.
    DropNewest,
}

/// Queue settings of one link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LinkOptions {
    /// Frames the queue contains before the overflow policy applies.
    pub capacity: usize,
    pub overflow: OverflowPolicy,
}

impl Default for LinkOptions {
    fn default() -> Self {
        Self {
            capacity: DEFAULT_CAPACITY,
            overflow: OverflowPolicy::Block,
        }
    }
}

impl LinkOptions {
    pub fn new(capacity: usize, overflow: OverflowPolicy) -> Self {
        Self { capacity, overflow }
    }

    pub fn validate(&self) -> Result<()> {
        if self.capacity == 0 || self.capacity > MAX_CAPACITY {
            return Err(StreamError::InvalidCapacity(self.capacity));
        }
        Ok(())
    }
}
