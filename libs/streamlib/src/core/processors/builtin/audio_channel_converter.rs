//! Converts mono to stereo and stereo (or more channels) to mono.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::core::error::{Result, StreamError};
use crate::core::execution::Outputs;
use crate::core::frames::{AudioFrame, Frame, FrameKind};
use crate::core::processors::{
    ExecutionMode, Flow, PortDescriptor, Ports, ProcessInput, Processor, ProcessorType,
};

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AudioChannelConverterConfig {
    /// Channels on the output: 1 (mono) or 2 (stereo).
    pub channels: u16,
}

impl Default for AudioChannelConverterConfig {
    fn default() -> Self {
        Self { channels: 2 }
    }
}

/// Converts buffers from input `audio` to the configured channel count on
/// output `audio`. Mono becomes stereo by copying the channel; any channel
/// count becomes mono by averaging, which cannot clip. Buffers that already
/// have the right count pass through without a copy.
#[derive(Debug)]
pub struct AudioChannelConverterProcessor {
    channels: u16,
}

impl ProcessorType for AudioChannelConverterProcessor {
    type Config = AudioChannelConverterConfig;
    const TYPE_NAME: &'static str = "AudioChannelConverterProcessor";
    const DESCRIPTION: &'static str = "Converts mono audio to stereo and stereo audio to mono";
    const EXECUTION_MODE: ExecutionMode = ExecutionMode::Reactive;

    fn ports(_config: Option<&Self::Config>) -> Ports {
        let port = PortDescriptor::new("audio", FrameKind::Audio);
        Ports::new(vec![port.clone()], vec![port])
    }

    fn from_config(config: Self::Config) -> Result<Self> {
        if !(1..=2).contains(&config.channels) {
            return Err(StreamError::invalid_config(
                Self::TYPE_NAME,
                "channels",
                format!(
                    "{} is not supported; use 1 (mono) or 2 (stereo)",
                    config.channels
                ),
            ));
        }
        Ok(Self {
            channels: config.channels,
        })
    }
}

impl Processor for AudioChannelConverterProcessor {
    fn process(&mut self, input: ProcessInput<'_>, output: &mut Outputs) -> Result<Flow> {
        let ProcessInput::Frame {
            frame: Frame::Audio(frame),
            ..
        } = input
        else {
            return Ok(Flow::Continue);
        };
        let converted = self.convert(frame)?;
        output.send("audio", converted)?;
        Ok(Flow::Continue)
    }
}

impl AudioChannelConverterProcessor {
    fn convert(&self, frame: AudioFrame) -> Result<AudioFrame> {
        if frame.channels == self.channels {
            return Ok(frame);
        }
        let samples = match (frame.channels, self.channels) {
            (_, 1) => downmix_to_mono(frame.samples(), usize::from(frame.channels)),
            (1, 2) => frame
                .samples()
                .iter()
                .flat_map(|&sample| [sample, sample])
                .collect(),
            (from, to) => {
                return Err(StreamError::processing(format!(
                    "converting {from} channels to {to} is not supported; convert to mono (channels 1) first"
                )));
            }
        };
        Ok(AudioFrame::new(
            frame.sample_rate,
            self.channels,
            frame.timestamp_ns,
            frame.frame_number,
            samples,
        ))
    }
}

fn downmix_to_mono(samples: &[f32], channels: usize) -> Vec<f32> {
    let scale = 1.0 / channels as f32;
    samples
        .chunks_exact(channels)
        .map(|frame| frame.iter().sum::<f32>() * scale)
        .collect()
}
