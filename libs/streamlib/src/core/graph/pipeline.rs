//! Pipeline documents: the declarative form of a graph, as pipeline files,
//! `GET /api/graph` and `PUT /api/graph` carry it. Validation collects every
//! problem, each with its location in the document, before anything runs.

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::core::error::{Result, StreamError};
use crate::core::graph::{PortRef, ProcessorId, Topology, TopologyLink};
use crate::core::links::{DEFAULT_CAPACITY, LinkOptions, OverflowPolicy};
use crate::core::processors::{ProcessorInstance, ProcessorRegistry};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "api-server", derive(utoipa::ToSchema))]
pub struct PipelineDocument {
    #[serde(default)]
    pub processors: Vec<PipelineProcessor>,
    #[serde(default)]
    pub connections: Vec<ConnectionSpec>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "api-server", derive(utoipa::ToSchema))]
pub struct PipelineProcessor {
    pub id: String,
    pub processor_type: String,
    #[serde(default = "empty_object")]
    #[cfg_attr(feature = "api-server", schema(value_type = Object))]
    pub config: serde_json::Value,
}

/// One link, by the ids and port names of both ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "api-server", derive(utoipa::ToSchema))]
pub struct ConnectionSpec {
    pub from_processor: String,
    pub from_port: String,
    pub to_processor: String,
    pub to_port: String,
    /// Queue capacity in frames; 4 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<usize>,
    /// `block` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overflow: Option<OverflowPolicy>,
}

impl ConnectionSpec {
    pub fn from_port_ref(&self) -> PortRef {
        PortRef::new(self.from_processor.as_str(), self.from_port.as_str())
    }

    pub fn to_port_ref(&self) -> PortRef {
        PortRef::new(self.to_processor.as_str(), self.to_port.as_str())
    }

    pub fn options(&self) -> LinkOptions {
        LinkOptions::new(
            self.capacity.unwrap_or(DEFAULT_CAPACITY),
            self.overflow.unwrap_or_default(),
        )
    }
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(Default::default())
}

/// One problem in a pipeline document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "api-server", derive(utoipa::ToSchema))]
pub struct PipelineProblem {
    /// Location in the document, like `processors[1].config.width` or `connections[0]`.
    pub location: String,
    pub message: String,
}

impl fmt::Display for PipelineProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// A validated document: instances built and links checked, ready to apply.
pub(crate) struct ValidatedPipeline {
    pub processors: Vec<(ProcessorId, String, ProcessorInstance)>,
    pub connections: Vec<(PortRef, PortRef, LinkOptions)>,
}

impl PipelineDocument {
    /// Checks the whole document against `registry`. `reserved` ids belong
    /// to processors that stay in the runtime and may not be reused.
    pub(crate) fn validate(
        &self,
        registry: &ProcessorRegistry,
        reserved: &HashSet<ProcessorId>,
    ) -> Result<ValidatedPipeline> {
        let mut problems = Vec::new();
        let mut topology = Topology::default();
        let mut processors = Vec::new();

        for (index, processor) in self.processors.iter().enumerate() {
            let location = format!("processors[{index}]");
            match Self::validate_processor(processor, registry, reserved, &topology) {
                Ok((id, instance)) => {
                    topology.insert_processor(id.clone(), instance.ports.clone());
                    processors.push((id, processor.processor_type.clone(), instance));
                }
                Err(error) => {
                    let first = problem_at(&location, &error);
                    // Config parsing stops at the first error; unknown keys
                    // found through the schema are reported as well.
                    let more: Vec<PipelineProblem> =
                        unknown_config_keys(processor, registry, &location)
                            .into_iter()
                            .filter(|problem| problem.location != first.location)
                            .collect();
                    problems.push(first);
                    problems.extend(more);
                }
            }
        }

        let mut connections = Vec::new();
        for (index, connection) in self.connections.iter().enumerate() {
            let (from, to, options) = (
                connection.from_port_ref(),
                connection.to_port_ref(),
                connection.options(),
            );
            let known = |id: &ProcessorId| topology.ports(id).is_ok();
            if !known(&from.processor) || !known(&to.processor) {
                // An unknown id was already reported when it failed above,
                // unless it is missing from the document altogether.
                let missing: Vec<&ProcessorId> = [&from.processor, &to.processor]
                    .into_iter()
                    .filter(|id| !known(id))
                    .filter(|id| !self.processors.iter().any(|p| p.id == id.as_str()))
                    .collect();
                for id in missing {
                    problems.push(PipelineProblem {
                        location: format!("connections[{index}]"),
                        message: format!("processor '{id}' is not in the document"),
                    });
                }
                continue;
            }
            match topology.check_link(&from, &to, &options) {
                Ok(()) => {
                    let id = crate::core::graph::LinkId::from(format!("check-{index}").as_str());
                    topology.insert_link(
                        id,
                        TopologyLink {
                            from: from.clone(),
                            to: to.clone(),
                            options,
                        },
                    );
                    connections.push((from, to, options));
                }
                Err(error) => problems.push(problem_at(&format!("connections[{index}]"), &error)),
            }
        }

        if problems.is_empty() {
            Ok(ValidatedPipeline {
                processors,
                connections,
            })
        } else {
            Err(StreamError::InvalidPipeline { problems })
        }
    }

    fn validate_processor(
        processor: &PipelineProcessor,
        registry: &ProcessorRegistry,
        reserved: &HashSet<ProcessorId>,
        topology: &Topology,
    ) -> Result<(ProcessorId, ProcessorInstance)> {
        let id = ProcessorId::parse(&processor.id)?;
        if reserved.contains(&id) || topology.ports(&id).is_ok() {
            return Err(StreamError::DuplicateProcessorId(id));
        }
        let instance = registry.create(&processor.processor_type, &processor.config)?;
        Ok((id, instance))
    }
}

/// Config keys of `processor` that its type's JSON Schema does not list.
fn unknown_config_keys(
    processor: &PipelineProcessor,
    registry: &ProcessorRegistry,
    location: &str,
) -> Vec<PipelineProblem> {
    let (Ok(descriptor), Some(config)) = (
        registry.descriptor(&processor.processor_type),
        processor.config.as_object(),
    ) else {
        return Vec::new();
    };
    let Some(known) = descriptor.config_schema["properties"].as_object() else {
        return Vec::new();
    };
    let mut names: Vec<&String> = known.keys().collect();
    names.sort();
    config
        .keys()
        .filter(|key| !known.contains_key(*key))
        .map(|key| PipelineProblem {
            location: format!("{location}.config.{key}"),
            message: format!(
                "unknown field `{key}` for {}; its fields: {}",
                processor.processor_type,
                names
                    .iter()
                    .map(|name| name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
        .collect()
}

/// Turns an error into a problem, pointing into the config where the error
/// names a field.
fn problem_at(location: &str, error: &StreamError) -> PipelineProblem {
    let location = match error {
        StreamError::InvalidConfig { field, .. } if !field.is_empty() => {
            format!("{location}.config.{field}")
        }
        StreamError::InvalidConfig { .. } => format!("{location}.config"),
        StreamError::UnknownProcessorType { .. } => format!("{location}.processor_type"),
        StreamError::InvalidProcessorId(_) | StreamError::DuplicateProcessorId(_) => {
            format!("{location}.id")
        }
        StreamError::PortNotFound { direction, .. } => match direction {
            crate::core::graph::PortDirection::Output => format!("{location}.from_port"),
            crate::core::graph::PortDirection::Input => format!("{location}.to_port"),
        },
        StreamError::InvalidCapacity(_) => format!("{location}.capacity"),
        _ => location.to_owned(),
    };
    PipelineProblem {
        location,
        message: error.to_string(),
    }
}
