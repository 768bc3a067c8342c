use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::core::error::Result;
use crate::core::execution::Outputs;
use crate::core::processors::builtin::StreamKind;
use crate::core::processors::{ExecutionMode, Flow, Ports, ProcessInput, Processor, ProcessorType};

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SimplePassthroughConfig {
    /// Frame kind on both ports, which are named after it.
    pub kind: StreamKind,
}

/// Forwards every frame unchanged, sharing its payload.
#[derive(Debug)]
pub struct SimplePassthroughProcessor {
    port: &'static str,
}

impl ProcessorType for SimplePassthroughProcessor {
    type Config = SimplePassthroughConfig;
    const TYPE_NAME: &'static str = "SimplePassthroughProcessor";
    const DESCRIPTION: &'static str = "Forwards each frame unchanged without copying its payload";
    const EXECUTION_MODE: ExecutionMode = ExecutionMode::Reactive;

    fn ports(config: Option<&Self::Config>) -> Ports {
        config.map(|c| c.kind).unwrap_or_default().through_ports()
    }

    fn from_config(config: Self::Config) -> Result<Self> {
        Ok(Self {
            port: config.kind.port_name(),
        })
    }
}

impl Processor for SimplePassthroughProcessor {
    fn process(&mut self, input: ProcessInput<'_>, output: &mut Outputs) -> Result<Flow> {
        if let ProcessInput::Frame { frame, .. } = input {
            output.send(self.port, frame)?;
        }
        Ok(Flow::Continue)
    }
}
