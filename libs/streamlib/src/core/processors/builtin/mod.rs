//! Built-in processor types that need no hardware.

mod null_sink;
mod passthrough;
mod sine_generator;
mod stream_kind;
mod test_pattern;

pub use null_sink::{NullSinkConfig, NullSinkProcessor};
pub use passthrough::{SimplePassthroughConfig, SimplePassthroughProcessor};
pub use sine_generator::{SineGeneratorConfig, SineGeneratorProcessor};
pub use stream_kind::StreamKind;
pub use test_pattern::{Pattern, TestPatternConfig, TestPatternProcessor};

use crate::core::processors::ProcessorRegistry;

pub(crate) fn register_all(registry: &ProcessorRegistry) {
    let outcomes = [
        registry.register::<TestPatternProcessor>(),
        registry.register::<SineGeneratorProcessor>(),
        registry.register::<SimplePassthroughProcessor>(),
        registry.register::<NullSinkProcessor>(),
    ];
    #[cfg(feature = "api-server")]
    let outcomes = outcomes
        .into_iter()
        .chain([registry.register::<crate::core::processors::api_server::ApiServerProcessor>()]);
    for outcome in outcomes {
        if let Err(error) = outcome {
            tracing::error!(%error, "built-in processor type not registered");
        }
    }
}
