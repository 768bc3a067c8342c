use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::core::error::Result;
use crate::core::execution::Outputs;
use crate::core::processors::builtin::StreamKind;
use crate::core::processors::{ExecutionMode, Flow, Ports, ProcessInput, Processor, ProcessorType};

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct NullSinkConfig {
    /// Frame kind of the input port, which is named after it.
    pub kind: StreamKind,
}

/// Discards every frame; its `frames_in` metric counts what it received.
#[derive(Debug, Default)]
pub struct NullSinkProcessor {
    received: u64,
}

impl ProcessorType for NullSinkProcessor {
    type Config = NullSinkConfig;
    const TYPE_NAME: &'static str = "NullSinkProcessor";
    const DESCRIPTION: &'static str = "Discards frames and counts them";
    const EXECUTION_MODE: ExecutionMode = ExecutionMode::Reactive;

    fn ports(config: Option<&Self::Config>) -> Ports {
        let kind = config.map(|c| c.kind).unwrap_or_default();
        Ports::new(vec![kind.port()], Vec::new())
    }

    fn from_config(_config: Self::Config) -> Result<Self> {
        Ok(Self::default())
    }
}

impl Processor for NullSinkProcessor {
    fn process(&mut self, input: ProcessInput<'_>, _output: &mut Outputs) -> Result<Flow> {
        if let ProcessInput::Frame { .. } = input {
            self.received += 1;
        }
        Ok(Flow::Continue)
    }

    fn teardown(&mut self) -> Result<()> {
        tracing::debug!(frames = self.received, "null sink done");
        Ok(())
    }
}
