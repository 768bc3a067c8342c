//! A chord source: several sine tones summed.

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

const MAX_TONES: usize = 32;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ChordGeneratorConfig {
    /// Tone frequencies in Hz; the default is a C major triad (C4, E4, G4).
    pub frequencies: Vec<f64>,
    /// Peak amplitude of the sum, 0 to 1; each tone gets an equal share, so
    /// the chord never exceeds it.
    pub amplitude: f64,
    /// Samples per second per channel, in Hz.
    pub sample_rate: u32,
    /// Channels; every channel carries the same chord.
    pub channels: u16,
    /// Samples per channel in each buffer.
    pub frames_per_buffer: u32,
    /// Seconds of audio before end of stream; endless when absent.
    pub duration: Option<f64>,
    /// Paced in real time when true; as fast as downstream accepts when false.
    pub live: bool,
}

impl Default for ChordGeneratorConfig {
    fn default() -> Self {
        Self {
            frequencies: vec![261.63, 329.63, 392.0],
            amplitude: 0.5,
            sample_rate: 48_000,
            channels: 2,
            frames_per_buffer: 1024,
            duration: None,
            live: true,
        }
    }
}

/// Emits the sum of several sine tones on output `audio`.
#[derive(Debug)]
pub struct ChordGeneratorProcessor {
    config: ChordGeneratorConfig,
    clock: ToneClock,
}

impl ProcessorType for ChordGeneratorProcessor {
    type Config = ChordGeneratorConfig;
    const TYPE_NAME: &'static str = "ChordGeneratorProcessor";
    const DESCRIPTION: &'static str =
        "Generates a chord of sine tones in buffers of interleaved f32 samples";
    const EXECUTION_MODE: ExecutionMode = ExecutionMode::Continuous;

    fn ports(_config: Option<&Self::Config>) -> Ports {
        Ports::new(
            Vec::new(),
            vec![PortDescriptor::new("audio", FrameKind::Audio)],
        )
    }

    fn from_config(config: Self::Config) -> Result<Self> {
        let invalid = |field: &str, message: String| {
            Err(StreamError::invalid_config(Self::TYPE_NAME, field, message))
        };
        let clock = ToneClock::new(
            Self::TYPE_NAME,
            config.sample_rate,
            config.channels,
            config.frames_per_buffer,
            config.duration,
            config.live,
        )?;
        let tones = config.frequencies.len();
        if !(1..=MAX_TONES).contains(&tones) {
            return invalid(
                "frequencies",
                format!("{tones} tones given; use 1 to {MAX_TONES}"),
            );
        }
        for (index, &frequency) in config.frequencies.iter().enumerate() {
            clock.check_frequency(Self::TYPE_NAME, &format!("frequencies[{index}]"), frequency)?;
        }
        if !(0.0..=1.0).contains(&config.amplitude) {
            return invalid(
                "amplitude",
                format!("{} is out of range; use 0 to 1", config.amplitude),
            );
        }
        Ok(Self { config, clock })
    }
}

impl Processor for ChordGeneratorProcessor {
    fn process(&mut self, input: ProcessInput<'_>, output: &mut Outputs) -> Result<Flow> {
        let ProcessInput::Tick(tick) = input else {
            return Ok(Flow::Continue);
        };
        let rate = f64::from(self.config.sample_rate);
        let steps: Vec<f64> = self
            .config
            .frequencies
            .iter()
            .map(|frequency| TAU * frequency / rate)
            .collect();
        // Each tone gets an equal share, so the sum never exceeds the amplitude.
        let share = self.config.amplitude / steps.len() as f64;
        self.clock.emit(tick, output, "audio", |n| {
            let sum: f64 = steps.iter().map(|step| (step * n as f64).sin()).sum();
            (share * sum) as f32
        })
    }

    fn update_config(&mut self, config: &serde_json::Value) -> Result<()> {
        let next = Self::from_config(parse_config(Self::TYPE_NAME, config)?)?;
        if self.clock.layout_differs(&next.clock) {
            return Err(StreamError::processing(
                "sample_rate, channels, frames_per_buffer and live are fixed while running; frequencies, amplitude and duration can change",
            ));
        }
        *self = next;
        Ok(())
    }

    fn schedule(&self) -> Schedule {
        self.clock.schedule()
    }
}
