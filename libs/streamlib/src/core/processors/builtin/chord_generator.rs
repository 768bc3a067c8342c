//! A chord source: several sine tones summed.

use std::f64::consts::TAU;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::core::error::{Result, StreamError};
use crate::core::execution::Outputs;
use crate::core::frames::{AudioFrame, FrameKind};
use crate::core::links::PushStatus;
use crate::core::processors::{
    ExecutionMode, Flow, Period, PortDescriptor, Ports, ProcessInput, Processor, ProcessorType,
    Schedule, parse_config,
};

const MAX_SAMPLE_RATE: u32 = 768_000;
const MAX_CHANNELS: u16 = 64;
const MAX_FRAMES_PER_BUFFER: u32 = 1 << 20;
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
    /// Samples per channel to emit in all; `None` for endless.
    total_samples: Option<u64>,
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
        validate(&config)?;
        let total_samples = config
            .duration
            .map(|seconds| (seconds * f64::from(config.sample_rate)).round() as u64);
        Ok(Self {
            config,
            total_samples,
        })
    }
}

fn validate(config: &ChordGeneratorConfig) -> Result<()> {
    let invalid = |field: &str, message: String| {
        Err(StreamError::invalid_config(
            ChordGeneratorProcessor::TYPE_NAME,
            field,
            message,
        ))
    };
    if !(1..=MAX_SAMPLE_RATE).contains(&config.sample_rate) {
        return invalid(
            "sample_rate",
            format!(
                "{} Hz is out of range; use 1 to {MAX_SAMPLE_RATE}",
                config.sample_rate
            ),
        );
    }
    if !(1..=MAX_TONES).contains(&config.frequencies.len()) {
        return invalid(
            "frequencies",
            format!(
                "{} tones given; use 1 to {MAX_TONES}",
                config.frequencies.len()
            ),
        );
    }
    let nyquist = f64::from(config.sample_rate) / 2.0;
    for (index, &frequency) in config.frequencies.iter().enumerate() {
        if !(frequency.is_finite() && (0.0..=nyquist).contains(&frequency)) {
            return invalid(
                &format!("frequencies[{index}]"),
                format!(
                    "{frequency} Hz is out of range; use 0 to {nyquist} (half the sample rate)"
                ),
            );
        }
    }
    if !(0.0..=1.0).contains(&config.amplitude) {
        return invalid(
            "amplitude",
            format!("{} is out of range; use 0 to 1", config.amplitude),
        );
    }
    if !(1..=MAX_CHANNELS).contains(&config.channels) {
        return invalid(
            "channels",
            format!(
                "{} is out of range; use 1 to {MAX_CHANNELS}",
                config.channels
            ),
        );
    }
    if !(1..=MAX_FRAMES_PER_BUFFER).contains(&config.frames_per_buffer) {
        return invalid(
            "frames_per_buffer",
            format!(
                "{} is out of range; use 1 to {MAX_FRAMES_PER_BUFFER}",
                config.frames_per_buffer
            ),
        );
    }
    if let Some(duration) = config.duration
        && !(duration.is_finite() && duration >= 0.0)
    {
        return invalid(
            "duration",
            format!("{duration} is not a duration; use seconds, 0 or more"),
        );
    }
    Ok(())
}

impl Processor for ChordGeneratorProcessor {
    fn process(&mut self, input: ProcessInput<'_>, output: &mut Outputs) -> Result<Flow> {
        let ProcessInput::Tick(tick) = input else {
            return Ok(Flow::Continue);
        };
        let buffer = u64::from(self.config.frames_per_buffer);
        let first = tick.index * buffer;
        let count = match self.total_samples {
            Some(total) if first >= total => return Ok(Flow::EndOfStream),
            Some(total) => buffer.min(total - first),
            None => buffer,
        };

        let frame = self.render(first, count, tick.index, tick.timestamp_ns);
        if output.send("audio", frame)? == PushStatus::Stopping {
            return Ok(Flow::Continue);
        }
        let done = self
            .total_samples
            .is_some_and(|total| first + count >= total);
        Ok(if done {
            Flow::EndOfStream
        } else {
            Flow::Continue
        })
    }

    fn update_config(&mut self, config: &serde_json::Value) -> Result<()> {
        let next: ChordGeneratorConfig = parse_config(Self::TYPE_NAME, config)?;
        let current = &self.config;
        if next.sample_rate != current.sample_rate
            || next.channels != current.channels
            || next.frames_per_buffer != current.frames_per_buffer
            || next.live != current.live
        {
            return Err(StreamError::processing(
                "sample_rate, channels, frames_per_buffer and live are fixed while running; frequencies, amplitude and duration can change",
            ));
        }
        *self = Self::from_config(next)?;
        Ok(())
    }

    fn schedule(&self) -> Schedule {
        Schedule {
            period: Period::from_samples(
                u64::from(self.config.frames_per_buffer),
                self.config.sample_rate,
            ),
            live: self.config.live,
        }
    }
}

impl ChordGeneratorProcessor {
    /// Renders samples `first..first + count`. Each tone's phase comes from
    /// the absolute sample index, so buffers join without discontinuity.
    fn render(&self, first: u64, count: u64, index: u64, timestamp_ns: u64) -> AudioFrame {
        let channels = usize::from(self.config.channels);
        let rate = f64::from(self.config.sample_rate);
        let steps: Vec<f64> = self
            .config
            .frequencies
            .iter()
            .map(|frequency| TAU * frequency / rate)
            .collect();
        let share = self.config.amplitude / steps.len() as f64;
        let mut samples = Vec::with_capacity(count as usize * channels);
        for n in first..first + count {
            let sum: f64 = steps.iter().map(|step| (step * n as f64).sin()).sum();
            samples.extend(std::iter::repeat_n((share * sum) as f32, channels));
        }
        AudioFrame::new(
            self.config.sample_rate,
            self.config.channels,
            timestamp_ns,
            index,
            samples,
        )
    }
}
