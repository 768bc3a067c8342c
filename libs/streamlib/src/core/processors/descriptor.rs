use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::core::frames::FrameKind;

/// The way the runner drives a processor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "api-server", derive(utoipa::ToSchema))]
pub enum ExecutionMode {
    /// `process` runs when an input has a frame.
    Reactive,
    /// `process` runs on a fixed period, deadline based.
    Continuous,
    /// The processor runs its own work between `setup` and `teardown`.
    Manual,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "api-server", derive(utoipa::ToSchema))]
pub struct PortDescriptor {
    pub name: String,
    pub kind: FrameKind,
    /// An input that accepts any number of links (a mixer's input).
    #[serde(default)]
    pub multi_input: bool,
}

impl PortDescriptor {
    pub fn new(name: impl Into<String>, kind: FrameKind) -> Self {
        Self {
            name: name.into(),
            kind,
            multi_input: false,
        }
    }

    pub fn multi_input(name: impl Into<String>, kind: FrameKind) -> Self {
        Self {
            multi_input: true,
            ..Self::new(name, kind)
        }
    }
}

/// The input and output ports of one processor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "api-server", derive(utoipa::ToSchema))]
pub struct Ports {
    pub inputs: Vec<PortDescriptor>,
    pub outputs: Vec<PortDescriptor>,
}

impl Ports {
    pub fn new(inputs: Vec<PortDescriptor>, outputs: Vec<PortDescriptor>) -> Self {
        Self { inputs, outputs }
    }

    pub fn output(&self, name: &str) -> Option<&PortDescriptor> {
        self.outputs.iter().find(|port| port.name == name)
    }

    pub fn input(&self, name: &str) -> Option<&PortDescriptor> {
        self.inputs.iter().find(|port| port.name == name)
    }
}

/// Everything a client needs to know to create a processor of one type.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "api-server", derive(utoipa::ToSchema))]
pub struct ProcessorDescriptor {
    /// PascalCase, ending in `Processor`.
    pub processor_type: String,
    pub description: String,
    pub execution_mode: ExecutionMode,
    /// The ports of a processor made with the default config.
    pub ports: Ports,
    /// JSON Schema of the config object.
    #[cfg_attr(feature = "api-server", schema(value_type = Object))]
    pub config_schema: serde_json::Value,
}
