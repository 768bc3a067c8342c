//! Mixes any number of audio inputs by timestamp.
//!
//! Every input link gets its own queue of samples placed on one timeline
//! measured in samples per channel. A mixed buffer covers the next
//! `frames_per_buffer` positions of that timeline and goes out once every
//! input that has not ended has queued samples up to its end, so inputs whose
//! buffers differ in size still line up sample for sample. An input that
//! ended or was unlinked stops holding the mix back; what it had queued is
//! still mixed. Positions where an input has no samples count as silence.

use std::collections::VecDeque;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::core::error::{Result, StreamError};
use crate::core::execution::Outputs;
use crate::core::frames::{AudioFrame, Frame, FrameKind};
use crate::core::graph::LinkId;
use crate::core::processors::{
    ExecutionMode, Flow, PortDescriptor, Ports, ProcessInput, Processor, ProcessorType,
};

const MAX_FRAMES_PER_BUFFER: u32 = 1 << 20;
const MAX_WAIT_FOR_INPUTS: u32 = 1024;
/// Distance in samples between a buffer's timestamp and the end of the
/// previous one that still counts as contiguous, to absorb timestamps
/// rounded to whole nanoseconds.
const CONTIGUITY_TOLERANCE: u64 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AudioMixerConfig {
    /// Samples per channel in each mixed buffer; the last may be shorter.
    pub frames_per_buffer: u32,
    /// Input links that must deliver audio or end before the first mixed
    /// buffer goes out. Mixing always waits for every link attached when the
    /// mixer starts; this also waits for links that are added later. A link
    /// that joins after mixing started is shifted to the current mix
    /// position instead of being aligned by timestamp.
    pub wait_for_inputs: u32,
}

impl Default for AudioMixerConfig {
    fn default() -> Self {
        Self {
            frames_per_buffer: 1024,
            wait_for_inputs: 0,
        }
    }
}

/// The queued samples of one input link.
#[derive(Debug)]
struct MixInput {
    link: LinkId,
    /// Timeline position of the first queued sample; `None` before the
    /// first buffer.
    start: Option<u64>,
    /// Interleaved samples not mixed yet.
    samples: VecDeque<f32>,
    /// Added to the positions of this link's timestamps; non-zero only for
    /// a link that joined after mixing started.
    shift: i128,
    ended: bool,
}

impl MixInput {
    fn new(link: &LinkId) -> Self {
        Self {
            link: link.clone(),
            start: None,
            samples: VecDeque::new(),
            shift: 0,
            ended: false,
        }
    }

    /// Timeline position just past the last queued sample.
    fn end(&self, channels: usize) -> Option<u64> {
        self.start
            .map(|start| start + (self.samples.len() / channels) as u64)
    }
}

/// Sums the buffers arriving on the multi-input port `audio` and sends the
/// mix on output `audio`. All inputs must share one sample rate and channel
/// count. Samples are summed without scaling or clamping.
#[derive(Debug)]
pub struct AudioMixerProcessor {
    config: AudioMixerConfig,
    /// Sample rate and channel count of the mix, from the first buffer.
    format: Option<(u32, u16)>,
    inputs: Vec<MixInput>,
    /// Timeline position of the next mixed buffer; `None` before mixing starts.
    position: Option<u64>,
    frames_sent: u64,
}

impl ProcessorType for AudioMixerProcessor {
    type Config = AudioMixerConfig;
    const TYPE_NAME: &'static str = "AudioMixerProcessor";
    const DESCRIPTION: &'static str =
        "Mixes any number of audio inputs by timestamp and keeps going as inputs end";
    const EXECUTION_MODE: ExecutionMode = ExecutionMode::Reactive;

    fn ports(_config: Option<&Self::Config>) -> Ports {
        Ports::new(
            vec![PortDescriptor::multi_input("audio", FrameKind::Audio)],
            vec![PortDescriptor::new("audio", FrameKind::Audio)],
        )
    }

    fn from_config(config: Self::Config) -> Result<Self> {
        let invalid = |field: &str, message: String| {
            StreamError::invalid_config(Self::TYPE_NAME, field, message)
        };
        if !(1..=MAX_FRAMES_PER_BUFFER).contains(&config.frames_per_buffer) {
            return Err(invalid(
                "frames_per_buffer",
                format!(
                    "{} is out of range; use 1 to {MAX_FRAMES_PER_BUFFER}",
                    config.frames_per_buffer
                ),
            ));
        }
        if config.wait_for_inputs > MAX_WAIT_FOR_INPUTS {
            return Err(invalid(
                "wait_for_inputs",
                format!(
                    "{} is out of range; use 0 to {MAX_WAIT_FOR_INPUTS}",
                    config.wait_for_inputs
                ),
            ));
        }
        Ok(Self {
            config,
            format: None,
            inputs: Vec::new(),
            position: None,
            frames_sent: 0,
        })
    }
}

impl Processor for AudioMixerProcessor {
    fn process(&mut self, input: ProcessInput<'_>, output: &mut Outputs) -> Result<Flow> {
        match input {
            ProcessInput::Frame {
                link,
                frame: Frame::Audio(frame),
                ..
            } => self.queue(link, &frame)?,
            ProcessInput::InputAttached { link, .. } => {
                self.input_for(link);
                return Ok(Flow::Continue);
            }
            ProcessInput::InputEnded { link, .. } => self.input_for(link).ended = true,
            _ => return Ok(Flow::Continue),
        }
        self.send_ready(output, false)?;
        Ok(Flow::Continue)
    }

    fn finish(&mut self, output: &mut Outputs) -> Result<()> {
        for input in &mut self.inputs {
            input.ended = true;
        }
        self.send_ready(output, true)
    }
}

impl AudioMixerProcessor {
    fn input_for(&mut self, link: &LinkId) -> &mut MixInput {
        let index = match self.inputs.iter().position(|input| &input.link == link) {
            Some(index) => index,
            None => {
                self.inputs.push(MixInput::new(link));
                self.inputs.len() - 1
            }
        };
        &mut self.inputs[index]
    }

    /// Places `frame` on the timeline of its link.
    fn queue(&mut self, link: &LinkId, frame: &AudioFrame) -> Result<()> {
        let (sample_rate, channels) = self.check_format(link, frame)?;
        let channels = usize::from(channels);
        let position = self.position;
        let input = self.input_for(link);

        let stamped = i128::from(sample_position(frame.timestamp_ns, sample_rate)) + input.shift;
        let mut at = u64::try_from(stamped.max(0)).unwrap_or(0);
        let mut samples = frame.samples();
        match input.end(channels) {
            None => {
                if let Some(mix_position) = position
                    && at < mix_position
                {
                    input.shift += i128::from(mix_position - at);
                    tracing::debug!(link = %link, late_samples = mix_position - at, "input joined after mixing started; aligned to the mix position");
                    at = mix_position;
                }
                input.start = Some(at);
            }
            Some(end) if at > end + CONTIGUITY_TOLERANCE => {
                let gap = (at - end) as usize * channels;
                input.samples.extend(std::iter::repeat_n(0.0, gap));
            }
            Some(end) if at + CONTIGUITY_TOLERANCE < end => {
                let overlap = ((end - at) as usize * channels).min(samples.len());
                samples = &samples[overlap..];
            }
            Some(_) => {}
        }
        // NOTE: the queue has no limit. A fast input (a file read as fast as
        // possible) mixed with a live one queues until the live one catches
        // up, because the runner cannot hold back a single input link.
        input.samples.extend(samples.iter().copied());
        Ok(())
    }

    fn check_format(&mut self, link: &LinkId, frame: &AudioFrame) -> Result<(u32, u16)> {
        let format = (frame.sample_rate, frame.channels);
        let expected = *self.format.get_or_insert(format);
        if format != expected {
            return Err(StreamError::processing(format!(
                "input link '{link}' delivers {} Hz with {} channel(s), but the mix runs at {} Hz with {} channel(s); \
                 put an AudioResamplerProcessor or AudioChannelConverterProcessor before this input",
                format.0, format.1, expected.0, expected.1
            )));
        }
        Ok(expected)
    }

    /// Sends every mixed buffer that can be completed. With `flush` the
    /// inputs are over, so the start condition is waived and the last,
    /// shorter buffer goes out too.
    fn send_ready(&mut self, output: &mut Outputs, flush: bool) -> Result<()> {
        let Some((sample_rate, channels)) = self.format else {
            return Ok(());
        };
        let channels = usize::from(channels);
        let buffer = u64::from(self.config.frames_per_buffer);
        if self.position.is_none() && !self.start_mixing(channels, flush) {
            return Ok(());
        }

        while let Some(position) = self.position {
            let slot_end = position + buffer;
            let latest_end = self
                .inputs
                .iter()
                .filter_map(|input| input.end(channels))
                .max()
                .unwrap_or(position);
            let inputs_ready = self
                .inputs
                .iter()
                .all(|input| input.ended || input.end(channels).is_some_and(|end| end >= slot_end));
            let any_live = self.inputs.iter().any(|input| !input.ended);
            let length = if inputs_ready && (any_live || latest_end >= slot_end) {
                buffer
            } else if flush && latest_end > position {
                latest_end - position
            } else {
                return Ok(());
            };

            let samples = self.mix(position, length as usize, channels);
            self.position = Some(position + length);
            let timestamp_ns =
                (u128::from(position) * 1_000_000_000 / u128::from(sample_rate)) as u64;
            let frame = AudioFrame::new(
                sample_rate,
                channels as u16,
                timestamp_ns,
                self.frames_sent,
                samples,
            );
            self.frames_sent += 1;
            output.send("audio", frame)?;
            if output.is_stopping() {
                return Ok(());
            }
        }
        Ok(())
    }

    /// Sets the first mix position once enough inputs have reported;
    /// returns whether mixing has started.
    fn start_mixing(&mut self, channels: usize, flush: bool) -> bool {
        let reported = self.inputs.len() as u64;
        if !flush && reported < u64::from(self.config.wait_for_inputs) {
            return false;
        }
        if self
            .inputs
            .iter()
            .any(|input| !input.ended && input.start.is_none())
        {
            return false;
        }
        self.position = self
            .inputs
            .iter()
            .filter(|input| input.end(channels) > input.start)
            .filter_map(|input| input.start)
            .min();
        self.position.is_some()
    }

    /// Sums every input over `length` positions from `position` and
    /// consumes those samples; samples queued before `position` arrived too
    /// late and are dropped.
    fn mix(&mut self, position: u64, length: usize, channels: usize) -> Vec<f32> {
        let mut mixed = vec![0.0f32; length * channels];
        let slot_end = position + length as u64;
        for input in &mut self.inputs {
            let Some(start) = input.start else {
                continue;
            };
            let queued = (input.samples.len() / channels) as u64;
            let late = position.saturating_sub(start).min(queued);
            input.samples.drain(..late as usize * channels);
            let start = start + late;
            input.start = Some(start);
            if start >= slot_end {
                continue;
            }

            let offset = (start - position) as usize;
            let count = (input.samples.len() / channels).min(length - offset);
            let target = &mut mixed[offset * channels..(offset + count) * channels];
            for (sum, sample) in target
                .iter_mut()
                .zip(input.samples.drain(..count * channels))
            {
                *sum += sample;
            }
            input.start = Some(start + count as u64);
        }
        self.inputs
            .retain(|input| !(input.ended && input.samples.is_empty()));
        mixed
    }
}

/// Converts `timestamp_ns` to a sample index, rounded to nearest.
fn sample_position(timestamp_ns: u64, sample_rate: u32) -> u64 {
    let scaled = u128::from(timestamp_ns) * u128::from(sample_rate) + 500_000_000;
    (scaled / 1_000_000_000) as u64
}
