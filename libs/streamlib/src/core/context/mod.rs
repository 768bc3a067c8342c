//! `RuntimeContext`: what a processor receives in `setup` to reach the runtime.

use crate::core::graph::ProcessorId;

/// Handed to `Processor::setup`. Cheap to clone.
#[derive(Debug, Clone)]
pub struct RuntimeContext {
    processor_id: ProcessorId,
    processor_type: String,
}

impl RuntimeContext {
    pub(crate) fn new(processor_id: ProcessorId, processor_type: String) -> Self {
        Self {
            processor_id,
            processor_type,
        }
    }

    /// The id of the processor being set up.
    pub fn processor_id(&self) -> &ProcessorId {
        &self.processor_id
    }

    pub fn processor_type(&self) -> &str {
        &self.processor_type
    }
}
