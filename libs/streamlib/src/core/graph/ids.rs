use std::fmt;

use serde::{Deserialize, Serialize};

use crate::core::error::{Result, StreamError};

const MAX_ID_LEN: usize = 64;

/// A processor's id, unique within a runtime, for example `test-pattern-3f9c2a`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "api-server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "api-server", schema(value_type = String))]
pub struct ProcessorId(String);

impl ProcessorId {
    /// Checks a user-chosen id: 1 to 64 ASCII letters, digits, '-', '_' or '.'.
    pub fn parse(id: &str) -> Result<Self> {
        let valid_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
        if id.is_empty() || id.len() > MAX_ID_LEN || !id.chars().all(valid_char) {
            return Err(StreamError::InvalidProcessorId(id.to_owned()));
        }
        Ok(Self(id.to_owned()))
    }

    /// Generates an id from a type name: `TestPatternProcessor` becomes
    /// `test-pattern-` followed by six random hex digits.
    pub fn generate(processor_type: &str) -> Self {
        let stem = processor_type
            .strip_suffix("Processor")
            .unwrap_or(processor_type);
        let mut kebab = String::with_capacity(stem.len() + 8);
        for (index, c) in stem.chars().enumerate() {
            if c.is_ascii_uppercase() && index > 0 {
                kebab.push('-');
            }
            if c.is_ascii_alphanumeric() {
                kebab.push(c.to_ascii_lowercase());
            }
        }
        if kebab.is_empty() {
            kebab.push_str("processor");
        }
        Self(format!("{kebab}-{:06x}", fastrand::u32(..0x100_0000)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for ProcessorId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProcessorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for ProcessorId {
    /// Wraps `id` without checking it; lookups of an invalid id simply find nothing.
    fn from(id: &str) -> Self {
        Self(id.to_owned())
    }
}

/// A link's id, for example `link-8e41d0`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "api-server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "api-server", schema(value_type = String))]
pub struct LinkId(String);

impl LinkId {
    pub fn generate() -> Self {
        Self(format!("link-{:06x}", fastrand::u32(..0x100_0000)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for LinkId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LinkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for LinkId {
    fn from(id: &str) -> Self {
        Self(id.to_owned())
    }
}

/// One port of one processor. Displays as `processor.port`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "api-server", derive(utoipa::ToSchema))]
pub struct PortRef {
    pub processor: ProcessorId,
    pub port: String,
}

impl PortRef {
    pub fn new(processor: impl Into<ProcessorId>, port: impl Into<String>) -> Self {
        Self {
            processor: processor.into(),
            port: port.into(),
        }
    }
}

impl fmt::Display for PortRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.processor, self.port)
    }
}

impl From<(&str, &str)> for PortRef {
    fn from((processor, port): (&str, &str)) -> Self {
        PortRef::new(processor, port)
    }
}

impl From<(&ProcessorId, &str)> for PortRef {
    fn from((processor, port): (&ProcessorId, &str)) -> Self {
        PortRef::new(processor.clone(), port)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PortDirection {
    Input,
    Output,
}

impl fmt::Display for PortDirection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PortDirection::Input => "input",
            PortDirection::Output => "output",
        })
    }
}
