//! Built-in processor types that need no hardware.

mod audio_channel_converter;
mod audio_gain;
mod audio_mixer;
mod audio_resampler;
mod chord_generator;
mod null_sink;
mod passthrough;
mod sine_generator;
mod stream_kind;
mod test_pattern;
mod tone_clock;
mod video_invert;
mod wav_file;
mod wav_reader;
mod wav_writer;
mod y4m_file;
mod y4m_reader;
mod y4m_writer;

pub use audio_channel_converter::{AudioChannelConverterConfig, AudioChannelConverterProcessor};
pub use audio_gain::{AudioGainConfig, AudioGainProcessor};
pub use audio_mixer::{AudioMixerConfig, AudioMixerProcessor};
pub use audio_resampler::{AudioResamplerConfig, AudioResamplerProcessor};
pub use chord_generator::{ChordGeneratorConfig, ChordGeneratorProcessor};
pub use null_sink::{NullSinkConfig, NullSinkProcessor};
pub use passthrough::{SimplePassthroughConfig, SimplePassthroughProcessor};
pub use sine_generator::{SineGeneratorConfig, SineGeneratorProcessor};
pub use stream_kind::StreamKind;
pub use test_pattern::{Pattern, TestPatternConfig, TestPatternProcessor};
pub use video_invert::{VideoInvertConfig, VideoInvertProcessor};
pub use wav_reader::{WavReaderConfig, WavReaderProcessor};
pub use wav_writer::{WavSampleFormat, WavWriterConfig, WavWriterProcessor};
pub use y4m_reader::{Y4mReaderConfig, Y4mReaderProcessor};
pub use y4m_writer::{Y4mWriterConfig, Y4mWriterProcessor};

use crate::core::processors::ProcessorRegistry;

pub(crate) fn register_all(registry: &ProcessorRegistry) {
    let outcomes = [
        registry.register::<TestPatternProcessor>(),
        registry.register::<SineGeneratorProcessor>(),
        registry.register::<SimplePassthroughProcessor>(),
        registry.register::<NullSinkProcessor>(),
        registry.register::<WavReaderProcessor>(),
        registry.register::<WavWriterProcessor>(),
        registry.register::<Y4mReaderProcessor>(),
        registry.register::<Y4mWriterProcessor>(),
        registry.register::<VideoInvertProcessor>(),
        registry.register::<ChordGeneratorProcessor>(),
        registry.register::<AudioGainProcessor>(),
        registry.register::<AudioMixerProcessor>(),
        registry.register::<AudioResamplerProcessor>(),
        registry.register::<AudioChannelConverterProcessor>(),
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

/// Rejects an output path whose folder does not exist, so the mistake shows
/// when the processor is added rather than when the graph starts.
fn check_parent_folder(
    processor_type: &str,
    path: &std::path::Path,
) -> crate::core::error::Result<()> {
    let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    else {
        return Ok(());
    };
    if parent.is_dir() {
        return Ok(());
    }
    Err(crate::core::error::StreamError::invalid_config(
        processor_type,
        "path",
        format!(
            "the folder {} does not exist; create it first or choose another path",
            parent.display()
        ),
    ))
}
