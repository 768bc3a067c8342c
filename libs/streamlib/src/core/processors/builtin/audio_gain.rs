//! Scales audio by a gain in decibels that can change while running.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::core::error::{Result, StreamError};
use crate::core::execution::Outputs;
use crate::core::frames::{Frame, FrameKind};
use crate::core::processors::{
    ExecutionMode, Flow, PortDescriptor, Ports, ProcessInput, Processor, ProcessorType,
    parse_config,
};

const MIN_GAIN_DB: f64 = -120.0;
const MAX_GAIN_DB: f64 = 40.0;

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AudioGainConfig {
    /// Gain in dB, from -120 to 40; 0 passes samples through unchanged.
    /// Samples are not clamped, so a writer downstream decides about clipping.
    pub gain_db: f64,
}

/// Multiplies every sample from input `audio` by the gain and sends it on
/// output `audio`.
#[derive(Debug)]
pub struct AudioGainProcessor {
    config: AudioGainConfig,
    /// Linear factor: `10^(gain_db / 20)`.
    factor: f32,
}

impl ProcessorType for AudioGainProcessor {
    type Config = AudioGainConfig;
    const TYPE_NAME: &'static str = "AudioGainProcessor";
    const DESCRIPTION: &'static str = "Scales audio by a gain in dB that can change while running";
    const EXECUTION_MODE: ExecutionMode = ExecutionMode::Reactive;

    fn ports(_config: Option<&Self::Config>) -> Ports {
        let port = PortDescriptor::new("audio", FrameKind::Audio);
        Ports::new(vec![port.clone()], vec![port])
    }

    fn from_config(config: Self::Config) -> Result<Self> {
        if !(MIN_GAIN_DB..=MAX_GAIN_DB).contains(&config.gain_db) {
            return Err(StreamError::invalid_config(
                Self::TYPE_NAME,
                "gain_db",
                format!(
                    "{} dB is out of range; use {MIN_GAIN_DB} to {MAX_GAIN_DB}",
                    config.gain_db
                ),
            ));
        }
        let factor = 10f64.powf(config.gain_db / 20.0) as f32;
        Ok(Self { config, factor })
    }
}

impl Processor for AudioGainProcessor {
    fn process(&mut self, input: ProcessInput<'_>, output: &mut Outputs) -> Result<Flow> {
        let ProcessInput::Frame {
            frame: Frame::Audio(mut frame),
            ..
        } = input
        else {
            return Ok(Flow::Continue);
        };
        // Unity gain forwards the shared buffer without copying it.
        if self.factor != 1.0 {
            let factor = self.factor;
            frame
                .samples_mut()
                .iter_mut()
                .for_each(|sample| *sample *= factor);
        }
        output.send("audio", frame)?;
        Ok(Flow::Continue)
    }

    fn update_config(&mut self, config: &serde_json::Value) -> Result<()> {
        let next: AudioGainConfig = parse_config(Self::TYPE_NAME, config)?;
        *self = Self::from_config(next)?;
        tracing::debug!(gain_db = self.config.gain_db, "gain changed");
        Ok(())
    }
}
