//! A sine tone source.

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
    /// Samples per channel to emit in all; `None` for endless.
    total_samples: Option<u64>,
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

fn validate(config: &SineGeneratorConfig) -> Result<()> {
    let invalid = |field: &str, message: String| {
        Err(StreamError::invalid_config(
            SineGeneratorProcessor::TYPE_NAME,
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
    let nyquist = f64::from(config.sample_rate) / 2.0;
    if !(config.frequency.is_finite() && config.frequency >= 0.0 && config.frequency <= nyquist) {
        return invalid(
            "frequency",
            format!(
                "{} Hz is out of range; use 0 to {nyquist} (half the sample rate)",
                config.frequency
            ),
        );
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

impl Processor for SineGeneratorProcessor {
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
        let next: SineGeneratorConfig = parse_config(Self::TYPE_NAME, config)?;
        let current = &self.config;
        if next.sample_rate != current.sample_rate
            || next.channels != current.channels
            || next.frames_per_buffer != current.frames_per_buffer
            || next.live != current.live
        {
            return Err(StreamError::processing(
                "sample_rate, channels, frames_per_buffer and live are fixed while running; frequency, amplitude and duration can change",
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

impl SineGeneratorProcessor {
    /// Renders samples `first..first + count`. The phase comes from the
    /// absolute sample index, so buffers join without discontinuity.
    fn render(&self, first: u64, count: u64, index: u64, timestamp_ns: u64) -> AudioFrame {
        let channels = usize::from(self.config.channels);
        let step = TAU * self.config.frequency / f64::from(self.config.sample_rate);
        let mut samples = Vec::with_capacity(count as usize * channels);
        for n in first..first + count {
            let value = (self.config.amplitude * (step * n as f64).sin()) as f32;
            samples.extend(std::iter::repeat_n(value, channels));
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
