//! The buffer layout and timing shared by the synthetic tone sources (sine
//! and chord): which samples each tick covers, when the stream ends, and
//! the checks on the fields both configs have.

use crate::core::error::{Result, StreamError};
use crate::core::execution::Outputs;
use crate::core::frames::AudioFrame;
use crate::core::links::PushStatus;
use crate::core::processors::{Flow, Period, Schedule, Tick};

const MAX_SAMPLE_RATE: u32 = 768_000;
const MAX_CHANNELS: u16 = 64;
const MAX_FRAMES_PER_BUFFER: u32 = 1 << 20;

/// Buffer layout and length of a tone source, validated.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ToneClock {
    pub sample_rate: u32,
    pub channels: u16,
    pub frames_per_buffer: u32,
    /// Samples per channel to emit in all; `None` for endless.
    total_samples: Option<u64>,
    live: bool,
}

impl ToneClock {
    /// Checks the shared fields of `processor_type`'s config.
    pub fn new(
        processor_type: &str,
        sample_rate: u32,
        channels: u16,
        frames_per_buffer: u32,
        duration: Option<f64>,
        live: bool,
    ) -> Result<Self> {
        let invalid = |field: &str, message: String| {
            Err(StreamError::invalid_config(processor_type, field, message))
        };
        if !(1..=MAX_SAMPLE_RATE).contains(&sample_rate) {
            return invalid(
                "sample_rate",
                format!("{sample_rate} Hz is out of range; use 1 to {MAX_SAMPLE_RATE}"),
            );
        }
        if !(1..=MAX_CHANNELS).contains(&channels) {
            return invalid(
                "channels",
                format!("{channels} is out of range; use 1 to {MAX_CHANNELS}"),
            );
        }
        if !(1..=MAX_FRAMES_PER_BUFFER).contains(&frames_per_buffer) {
            return invalid(
                "frames_per_buffer",
                format!("{frames_per_buffer} is out of range; use 1 to {MAX_FRAMES_PER_BUFFER}"),
            );
        }
        if let Some(duration) = duration
            && !(duration.is_finite() && duration >= 0.0)
        {
            return invalid(
                "duration",
                format!("{duration} is not a duration; use seconds, 0 or more"),
            );
        }
        Ok(Self {
            sample_rate,
            channels,
            frames_per_buffer,
            total_samples: duration
                .map(|seconds| (seconds * f64::from(sample_rate)).round() as u64),
            live,
        })
    }

    /// Checks a tone frequency against the Nyquist limit of this clock.
    pub fn check_frequency(&self, processor_type: &str, field: &str, frequency: f64) -> Result<()> {
        let nyquist = f64::from(self.sample_rate) / 2.0;
        if frequency.is_finite() && (0.0..=nyquist).contains(&frequency) {
            return Ok(());
        }
        Err(StreamError::invalid_config(
            processor_type,
            field,
            format!("{frequency} Hz is out of range; use 0 to {nyquist} (half the sample rate)"),
        ))
    }

    /// True when `next` differs in a field that cannot change while running.
    pub fn layout_differs(&self, next: &ToneClock) -> bool {
        self.sample_rate != next.sample_rate
            || self.channels != next.channels
            || self.frames_per_buffer != next.frames_per_buffer
            || self.live != next.live
    }

    pub fn schedule(&self) -> Schedule {
        Schedule {
            period: Period::from_samples(u64::from(self.frames_per_buffer), self.sample_rate),
            live: self.live,
        }
    }

    /// Renders the buffer for `tick` with `sample_at(n)` for absolute sample
    /// index `n` (the same value on every channel) and sends it on `port`.
    /// Deriving each sample from its absolute index keeps the phase
    /// continuous across buffers.
    pub fn emit(
        &self,
        tick: Tick,
        output: &mut Outputs,
        port: &str,
        sample_at: impl Fn(u64) -> f32,
    ) -> Result<Flow> {
        let buffer = u64::from(self.frames_per_buffer);
        let first = tick.index * buffer;
        let count = match self.total_samples {
            Some(total) if first >= total => return Ok(Flow::EndOfStream),
            Some(total) => buffer.min(total - first),
            None => buffer,
        };

        let channels = usize::from(self.channels);
        let mut samples = Vec::with_capacity(count as usize * channels);
        for n in first..first + count {
            samples.extend(std::iter::repeat_n(sample_at(n), channels));
        }
        let frame = AudioFrame::new(
            self.sample_rate,
            self.channels,
            tick.timestamp_ns,
            tick.index,
            samples,
        );
        if output.send(port, frame)? == PushStatus::Stopping {
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
}
