//! A sine tone source.

use std::f64::consts::TAU;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::core::error::{Result, StreamError};
use crate::core::execution::Outputs;
use crate::core::frames::FrameKind;
use crate::core::processors::builtin::tone_clock::ToneClock;
use crate::core::processors::{
    ExecutionMode, Flow, PortDescriptor, Ports, ProcessInput, Processor, ProcessorType, Schedule,
    parse_config,
};

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SineGeneratorConfig {
    /// Tone frequency in Hz.
    pub frequency: f64,
    /// Peak amplitude, 0 to 1.
    pub amplitude: f64,
    /// Samples per second per channel, in Hz.
    pub sample_rate: u32,
    /// Channels; every channel carries the same tone.
    pub channels: u16,
    /// Samples per channel in each buffer.
    pub frames_per_buffer: u32,
    /// Seconds of audio before end of stream; endless when absent.
    pub duration: Option<f64>,
    /// Paced in real time when true; as fast as downstream accepts when false.
    pub live: bool,
}

impl Default for SineGeneratorConfig {
    fn default() -> Self {
        Self {
            frequency: 440.0,
            amplitude: 0.5,
            sample_rate: 48_000,
            channels: 2,
            frames_per_buffer: 1024,
            duration: None,
            live: true,
        }
    }
}

/// Emits interleaved f32 buffers on output `audio`.
#[derive(Debug)]
pub struct SineGeneratorProcessor {
    config: SineGeneratorConfig,
    clock: ToneClock,
}

impl ProcessorType for SineGeneratorProcessor {
    type Config = SineGeneratorConfig;
    const TYPE_NAME: &'static str = "SineGeneratorProcessor";
    const DESCRIPTION: &'static str = "Generates a sine tone in buffers of interleaved f32 samples";
    const EXECUTION_MODE: ExecutionMode = ExecutionMode::Continuous;

    fn ports(_config: Option<&Self::Config>) -> Ports {
        Ports::new(
            Vec::new(),
            vec![PortDescriptor::new("audio", FrameKind::Audio)],
        )
    }

    fn from_config(config: Self::Config) -> Result<Self> {
        let clock = ToneClock::new(
            Self::TYPE_NAME,
            config.sample_rate,
            config.channels,
            config.frames_per_buffer,
            config.duration,
            config.live,
        )?;
        clock.check_frequency(Self::TYPE_NAME, "frequency", config.frequency)?;
        if !(0.0..=1.0).contains(&config.amplitude) {
            return Err(StreamError::invalid_config(
                Self::TYPE_NAME,
                "amplitude",
                format!("{} is out of range; use 0 to 1", config.amplitude),
            ));
        }
        Ok(Self { config, clock })
    }
}

impl Processor for SineGeneratorProcessor {
    fn process(&mut self, input: ProcessInput<'_>, output: &mut Outputs) -> Result<Flow> {
        let ProcessInput::Tick(tick) = input else {
            return Ok(Flow::Continue);
        };
        let step = TAU * self.config.frequency / f64::from(self.config.sample_rate);
        let amplitude = self.config.amplitude;
        self.clock.emit(tick, output, "audio", |n| {
            (amplitude * (step * n as f64).sin()) as f32
        })
    }

    fn update_config(&mut self, config: &serde_json::Value) -> Result<()> {
        let next = Self::from_config(parse_config(Self::TYPE_NAME, config)?)?;
        if self.clock.layout_differs(&next.clock) {
            return Err(StreamError::processing(
                "sample_rate, channels, frames_per_buffer and live are fixed while running; frequency, amplitude and duration can change",
            ));
        }
        *self = next;
        Ok(())
    }

    fn schedule(&self) -> Schedule {
        self.clock.schedule()
    }
}
