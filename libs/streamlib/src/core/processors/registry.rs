//! The registry of processor types: type name to descriptor and factory.
//! Built-ins are registered by `ProcessorRegistry::with_builtins`; programs
//! that embed the library add their own types the same way.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use parking_lot::RwLock;
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::core::error::{Result, StreamError};
use crate::core::processors::{ExecutionMode, Ports, Processor, ProcessorDescriptor};

/// A processor made from a config, with the ports that config gives it.
pub struct ProcessorInstance {
    pub processor: Box<dyn Processor>,
    pub ports: Ports,
    /// The complete config with defaults filled in, as reported by the API.
    pub config: serde_json::Value,
}

impl fmt::Debug for ProcessorInstance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessorInstance")
            .field("ports", &self.ports)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Builds a processor from a JSON config, or rejects the config.
pub type ProcessorFactory =
    Arc<dyn Fn(&serde_json::Value) -> Result<ProcessorInstance> + Send + Sync>;

/// A processor type with a typed config: the usual way to define one.
pub trait ProcessorType: Processor + Sized {
    /// Parsed from JSON with unknown fields rejected; missing fields take
    /// the defaults the struct declares.
    type Config: Serialize + DeserializeOwned + JsonSchema;

    const TYPE_NAME: &'static str;
    const DESCRIPTION: &'static str;
    const EXECUTION_MODE: ExecutionMode;

    /// Returns the ports for `config`, or for the default config when `None`.
    fn ports(config: Option<&Self::Config>) -> Ports;

    /// Checks values the types alone cannot (ranges, files) and builds the processor.
    fn from_config(config: Self::Config) -> Result<Self>;
}

/// Parses a JSON config into `C`, naming the offending field on failure.
pub fn parse_config<C: DeserializeOwned>(
    processor_type: &str,
    config: &serde_json::Value,
) -> Result<C> {
    let config = match config {
        serde_json::Value::Null => serde_json::Value::Object(Default::default()),
        serde_json::Value::Object(_) => config.clone(),
        other => {
            return Err(StreamError::invalid_config(
                processor_type,
                "",
                format!("the config must be a JSON object, not {other}"),
            ));
        }
    };
    serde_path_to_error::deserialize(config).map_err(|error| {
        let path = error.path().to_string();
        let field = if path == "." { String::new() } else { path };
        StreamError::invalid_config(processor_type, field, error.inner().to_string())
    })
}

struct Entry {
    descriptor: ProcessorDescriptor,
    factory: ProcessorFactory,
}

#[derive(Default)]
pub struct ProcessorRegistry {
    entries: RwLock<BTreeMap<String, Entry>>,
}

impl fmt::Debug for ProcessorRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.entries.read().keys()).finish()
    }
}

impl ProcessorRegistry {
    /// Creates an empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Creates a registry with every built-in processor type.
    pub fn with_builtins() -> Self {
        let registry = Self::new();
        crate::core::processors::builtin::register_all(&registry);
        registry
    }

    /// Registers `T`, deriving its descriptor and config schema from the type.
    pub fn register<T: ProcessorType>(&self) -> Result<()> {
        let schema = schemars::schema_for!(T::Config);
        let descriptor = ProcessorDescriptor {
            processor_type: T::TYPE_NAME.to_owned(),
            description: T::DESCRIPTION.to_owned(),
            execution_mode: T::EXECUTION_MODE,
            ports: T::ports(None),
            config_schema: schema.to_value(),
        };
        let factory: ProcessorFactory = Arc::new(|config| {
            let config: T::Config = parse_config(T::TYPE_NAME, config)?;
            let ports = T::ports(Some(&config));
            let normalized = serde_json::to_value(&config).map_err(|error| {
                StreamError::invalid_config(T::TYPE_NAME, "", error.to_string())
            })?;
            let processor = T::from_config(config)?;
            Ok(ProcessorInstance {
                processor: Box::new(processor),
                ports,
                config: normalized,
            })
        });
        self.register_factory(descriptor, factory)
    }

    /// Registers a type whose descriptor and factory are built by hand.
    pub fn register_factory(
        &self,
        descriptor: ProcessorDescriptor,
        factory: ProcessorFactory,
    ) -> Result<()> {
        let mut entries = self.entries.write();
        if entries.contains_key(&descriptor.processor_type) {
            return Err(StreamError::DuplicateProcessorType(
                descriptor.processor_type,
            ));
        }
        let name = descriptor.processor_type.clone();
        entries.insert(
            name,
            Entry {
                descriptor,
                factory,
            },
        );
        Ok(())
    }

    pub fn descriptor(&self, processor_type: &str) -> Result<ProcessorDescriptor> {
        let found = self
            .entries
            .read()
            .get(processor_type)
            .map(|entry| entry.descriptor.clone());
        found.ok_or_else(|| self.unknown(processor_type))
    }

    /// Returns every registered type, sorted by name.
    pub fn descriptors(&self) -> Vec<ProcessorDescriptor> {
        self.entries
            .read()
            .values()
            .map(|entry| entry.descriptor.clone())
            .collect()
    }

    /// Builds a processor of `processor_type` from `config`.
    pub fn create(
        &self,
        processor_type: &str,
        config: &serde_json::Value,
    ) -> Result<ProcessorInstance> {
        let found = self
            .entries
            .read()
            .get(processor_type)
            .map(|entry| entry.factory.clone());
        let factory = found.ok_or_else(|| self.unknown(processor_type))?;
        factory(config)
    }

    fn unknown(&self, name: &str) -> StreamError {
        StreamError::UnknownProcessorType {
            name: name.to_owned(),
            known: self.entries.read().keys().cloned().collect(),
        }
    }
}
