//! Sample-rate conversion with rubato's FFT resampler.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Indexing, Resampler};

use crate::core::error::{Result, StreamError};
use crate::core::execution::Outputs;
use crate::core::frames::{AudioFrame, Frame, FrameKind};
use crate::core::processors::{
    ExecutionMode, Flow, PortDescriptor, Ports, ProcessInput, Processor, ProcessorType,
    parse_config,
};

const MAX_SAMPLE_RATE: u32 = 768_000;
const MAX_CHUNK_SIZE: u32 = 1 << 16;
/// Flush steps in a row without output before the flush gives up instead
/// of looping forever.
const MAX_IDLE_STEPS: u32 = 16;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AudioResamplerConfig {
    /// Output sample rate in Hz.
    pub sample_rate: u32,
    /// Input samples per channel per resampling step. Larger chunks cost
    /// less CPU per sample but add latency.
    pub chunk_size: u32,
}

impl Default for AudioResamplerConfig {
    fn default() -> Self {
        Self {
            sample_rate: 48_000,
            chunk_size: 1024,
        }
    }
}

/// Converts audio from input `audio` to the configured sample rate on
/// output `audio`. The input rate comes from each buffer; buffers already at
/// the output rate pass through without a copy. At end of stream the tail
/// is flushed so the output lasts as long as the input, to the nearest
/// sample.
#[derive(Debug)]
pub struct AudioResamplerProcessor {
    config: AudioResamplerConfig,
    /// The running conversion; `None` until a buffer needs resampling.
    conversion: Option<Conversion>,
    frames_sent: u64,
}

impl ProcessorType for AudioResamplerProcessor {
    type Config = AudioResamplerConfig;
    const TYPE_NAME: &'static str = "AudioResamplerProcessor";
    const DESCRIPTION: &'static str = "Converts audio from any sample rate to a fixed output rate";
    const EXECUTION_MODE: ExecutionMode = ExecutionMode::Reactive;

    fn ports(_config: Option<&Self::Config>) -> Ports {
        let port = PortDescriptor::new("audio", FrameKind::Audio);
        Ports::new(vec![port.clone()], vec![port])
    }

    fn from_config(config: Self::Config) -> Result<Self> {
        let invalid = |field: &str, message: String| {
            StreamError::invalid_config(Self::TYPE_NAME, field, message)
        };
        if !(1..=MAX_SAMPLE_RATE).contains(&config.sample_rate) {
            return Err(invalid(
                "sample_rate",
                format!(
                    "{} Hz is out of range; use 1 to {MAX_SAMPLE_RATE}",
                    config.sample_rate
                ),
            ));
        }
        if !(1..=MAX_CHUNK_SIZE).contains(&config.chunk_size) {
            return Err(invalid(
                "chunk_size",
                format!(
                    "{} is out of range; use 1 to {MAX_CHUNK_SIZE}",
                    config.chunk_size
                ),
            ));
        }
        Ok(Self {
            config,
            conversion: None,
            frames_sent: 0,
        })
    }
}

impl Processor for AudioResamplerProcessor {
    fn process(&mut self, input: ProcessInput<'_>, output: &mut Outputs) -> Result<Flow> {
        let ProcessInput::Frame {
            frame: Frame::Audio(frame),
            ..
        } = input
        else {
            return Ok(Flow::Continue);
        };

        let format = (frame.sample_rate, frame.channels);
        if self
            .conversion
            .as_ref()
            .is_some_and(|conversion| conversion.format() != format)
        {
            // The input format changed: finish the old conversion first.
            self.flush(output)?;
        }
        if frame.sample_rate == self.config.sample_rate {
            output.send("audio", frame)?;
            return Ok(Flow::Continue);
        }

        if self.conversion.is_none() {
            self.conversion = Some(Conversion::new(&frame, &self.config)?);
        }
        let buffers = match self.conversion.as_mut() {
            Some(conversion) => conversion.push(&frame)?,
            None => Vec::new(),
        };
        self.send_all(buffers, output)
    }

    fn finish(&mut self, output: &mut Outputs) -> Result<()> {
        self.flush(output)?;
        Ok(())
    }

    fn update_config(&mut self, config: &serde_json::Value) -> Result<()> {
        let next: AudioResamplerConfig = parse_config(Self::TYPE_NAME, config)?;
        if next != self.config {
            return Err(StreamError::processing(
                "sample_rate and chunk_size are fixed while running; stop the runtime to change them",
            ));
        }
        Ok(())
    }
}

impl AudioResamplerProcessor {
    fn flush(&mut self, output: &mut Outputs) -> Result<()> {
        let Some(mut conversion) = self.conversion.take() else {
            return Ok(());
        };
        let buffers = conversion.flush()?;
        self.send_all(buffers, output).map(|_| ())
    }

    fn send_all(&mut self, buffers: Vec<Resampled>, output: &mut Outputs) -> Result<Flow> {
        for buffer in buffers {
            let frame = AudioFrame::new(
                self.config.sample_rate,
                buffer.channels,
                buffer.timestamp_ns,
                self.next_frame_number(),
                buffer.samples,
            );
            output.send("audio", frame)?;
        }
        Ok(Flow::Continue)
    }

    fn next_frame_number(&mut self) -> u64 {
        self.frames_sent += 1;
        self.frames_sent - 1
    }
}

/// A resampled buffer before it becomes a frame.
struct Resampled {
    channels: u16,
    timestamp_ns: u64,
    samples: Vec<f32>,
}

/// One run of input at one rate and channel count.
struct Conversion {
    resampler: Fft<f32>,
    input_rate: u32,
    output_rate: u32,
    channels: u16,
    /// Interleaved input not yet resampled.
    pending: Vec<f32>,
    /// Scratch space for one step's output, interleaved.
    scratch: Vec<f32>,
    /// Output frames still to drop: the resampler's delay.
    delay_left: usize,
    /// Samples per channel received and sent in this run.
    frames_in: u64,
    frames_out: u64,
    /// Timestamp of the run's first input sample, in nanoseconds.
    start_ns: u64,
}

impl std::fmt::Debug for Conversion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conversion")
            .field("input_rate", &self.input_rate)
            .field("output_rate", &self.output_rate)
            .field("channels", &self.channels)
            .field("frames_in", &self.frames_in)
            .field("frames_out", &self.frames_out)
            .finish_non_exhaustive()
    }
}

impl Conversion {
    fn new(first: &AudioFrame, config: &AudioResamplerConfig) -> Result<Self> {
        let channels = usize::from(first.channels);
        let resampler = Fft::<f32>::new(
            first.sample_rate as usize,
            config.sample_rate as usize,
            config.chunk_size as usize,
            channels,
            FixedSync::Input,
        )
        .map_err(|error| {
            StreamError::processing(format!(
                "cannot resample {} Hz to {} Hz: {error}",
                first.sample_rate, config.sample_rate
            ))
        })?;
        let scratch = vec![0.0; resampler.output_frames_max() * channels];
        let delay_left = resampler.output_delay();
        tracing::debug!(
            from_hz = first.sample_rate,
            to_hz = config.sample_rate,
            channels,
            delay_frames = delay_left,
            "resampler started"
        );
        Ok(Self {
            resampler,
            input_rate: first.sample_rate,
            output_rate: config.sample_rate,
            channels: first.channels,
            pending: Vec::new(),
            scratch,
            delay_left,
            frames_in: 0,
            frames_out: 0,
            start_ns: first.timestamp_ns,
        })
    }

    fn format(&self) -> (u32, u16) {
        (self.input_rate, self.channels)
    }

    /// Queues `frame` and resamples every complete step.
    fn push(&mut self, frame: &AudioFrame) -> Result<Vec<Resampled>> {
        // NOTE: only the first buffer's timestamp is used; a gap between
        // later input buffers closes up in the output instead of staying.
        self.pending.extend_from_slice(frame.samples());
        self.frames_in += frame.sample_frames() as u64;
        let channels = usize::from(self.channels);
        let mut buffers = Vec::new();
        while self.pending.len() / channels >= self.resampler.input_frames_next() {
            let needed = self.resampler.input_frames_next();
            let samples = self.step(needed, None)?;
            self.pending.drain(..needed * channels);
            buffers.extend(self.emit(samples, u64::MAX));
        }
        Ok(buffers)
    }

    /// Resamples what is left, then feeds silence until the output is as
    /// long as the input at the new rate.
    fn flush(&mut self) -> Result<Vec<Resampled>> {
        let channels = usize::from(self.channels);
        let expected = (self.frames_in * u64::from(self.output_rate)
            + u64::from(self.input_rate) / 2)
            / u64::from(self.input_rate);
        let mut buffers = Vec::new();
        let mut partial = self.pending.len() / channels;
        let mut idle_steps = 0;
        while self.frames_out < expected {
            let samples = self.step(partial, Some(partial))?;
            self.pending.clear();
            partial = 0;
            idle_steps = if samples.is_empty() {
                idle_steps + 1
            } else {
                0
            };
            if idle_steps > MAX_IDLE_STEPS {
                return Err(StreamError::processing(format!(
                    "resampling {} Hz to {} Hz stalled while flushing: {} of {expected} frames out",
                    self.input_rate, self.output_rate, self.frames_out
                )));
            }
            buffers.extend(self.emit(samples, expected));
        }
        Ok(buffers)
    }

    /// Runs one resampler step over the first `frames` pending frames.
    /// `partial` marks a final step with fewer frames than the resampler
    /// needs, and the resampler reads silence in place of the rest.
    fn step(&mut self, frames: usize, partial: Option<usize>) -> Result<Vec<f32>> {
        let channels = usize::from(self.channels);
        let failed = |error: &dyn std::fmt::Display| {
            StreamError::processing(format!(
                "resampling {} Hz to {} Hz failed: {error}",
                self.input_rate, self.output_rate
            ))
        };
        let input = InterleavedSlice::new(&self.pending[..frames * channels], channels, frames)
            .map_err(|error| failed(&error))?;
        let scratch_frames = self.scratch.len() / channels;
        let mut output = InterleavedSlice::new_mut(&mut self.scratch, channels, scratch_frames)
            .map_err(|error| failed(&error))?;
        let indexing = partial.map(|length| Indexing::new().partial_len(length));
        let (_, produced) = self
            .resampler
            .process_into_buffer(&input, &mut output, indexing.as_ref())
            .map_err(|error| failed(&error))?;
        Ok(self.scratch[..produced * channels].to_vec())
    }

    /// Drops the resampler's delay from the front and anything past
    /// `limit` frames of output, and stamps what is left.
    fn emit(&mut self, mut samples: Vec<f32>, limit: u64) -> Option<Resampled> {
        let channels = usize::from(self.channels);
        let trimmed = self.delay_left.min(samples.len() / channels);
        samples.drain(..trimmed * channels);
        self.delay_left -= trimmed;
        let room = limit.saturating_sub(self.frames_out);
        let frames = (samples.len() / channels).min(usize::try_from(room).unwrap_or(usize::MAX));
        samples.truncate(frames * channels);
        if frames == 0 {
            return None;
        }
        let offset_ns = u128::from(self.frames_out) * 1_000_000_000 / u128::from(self.output_rate);
        self.frames_out += frames as u64;
        Some(Resampled {
            channels: self.channels,
            timestamp_ns: self.start_ns + offset_ns as u64,
            samples,
        })
    }
}
