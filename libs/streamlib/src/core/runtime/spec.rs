use serde::{Deserialize, Serialize};

/// What `add_processor` needs: a type, a config and optionally a chosen id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "api-server", derive(utoipa::ToSchema))]
pub struct ProcessorSpec {
    /// Generated from the type name when absent, like `test-pattern-3f9c2a`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub processor_type: String,
    #[serde(default = "empty_config")]
    #[cfg_attr(feature = "api-server", schema(value_type = Object))]
    pub config: serde_json::Value,
}

fn empty_config() -> serde_json::Value {
    serde_json::Value::Object(Default::default())
}

impl ProcessorSpec {
    pub fn new(processor_type: impl Into<String>) -> Self {
        Self {
            id: None,
            processor_type: processor_type.into(),
            config: empty_config(),
        }
    }

    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    pub fn with_config(mut self, config: serde_json::Value) -> Self {
        self.config = config;
        self
    }
}
