//! A WAV file source: PCM 8-bit unsigned, 16, 24 and 32-bit signed, and
//! 32-bit float, in buffers of interleaved f32 samples.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::core::error::{Result, StreamError};
use crate::core::execution::Outputs;
use crate::core::frames::{AudioFrame, FrameKind};
use crate::core::links::PushStatus;
use crate::core::processors::builtin::wav_file::{WavLayout, probe_wav};
use crate::core::processors::{
    ExecutionMode, Flow, Period, PortDescriptor, Ports, ProcessInput, Processor, ProcessorType,
    Schedule,
};

const MAX_FRAMES_PER_BUFFER: u32 = 1 << 20;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct WavReaderConfig {
    /// Path of the WAV file to read.
    pub path: PathBuf,
    /// Samples per channel in each buffer; the last buffer may be shorter.
    pub frames_per_buffer: u32,
    /// Paced in real time when true; as fast as downstream accepts when
    /// false, which suits file-to-file work. Timestamps follow the sample
    /// position either way.
    pub live: bool,
}

impl Default for WavReaderConfig {
    fn default() -> Self {
        Self {
            path: PathBuf::new(),
            frames_per_buffer: 1024,
            live: false,
        }
    }
}

type SampleReader = hound::WavReader<BufReader<File>>;

/// Reads a WAV file and emits it on output `audio`, then ends the stream.
pub struct WavReaderProcessor {
    config: WavReaderConfig,
    /// Format found when the config was checked; setup expects the same.
    layout: WavLayout,
    /// The open file, between `setup` and `teardown`.
    reader: Option<SampleReader>,
    /// Samples per channel emitted so far.
    position: u64,
}

impl std::fmt::Debug for WavReaderProcessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WavReaderProcessor")
            .field("config", &self.config)
            .field("layout", &self.layout)
            .field("open", &self.reader.is_some())
            .field("position", &self.position)
            .finish()
    }
}

impl ProcessorType for WavReaderProcessor {
    type Config = WavReaderConfig;
    const TYPE_NAME: &'static str = "WavReaderProcessor";
    const DESCRIPTION: &'static str =
        "Reads a PCM or float WAV file into buffers of interleaved f32 samples";
    const EXECUTION_MODE: ExecutionMode = ExecutionMode::Continuous;

    fn ports(_config: Option<&Self::Config>) -> Ports {
        Ports::new(
            Vec::new(),
            vec![PortDescriptor::new("audio", FrameKind::Audio)],
        )
    }

    fn from_config(config: Self::Config) -> Result<Self> {
        let invalid = |field: &str, message: String| {
            StreamError::invalid_config(Self::TYPE_NAME, field, message)
        };
        if config.path.as_os_str().is_empty() {
            return Err(invalid(
                "path",
                "is empty; give the path of a WAV file".to_owned(),
            ));
        }
        if !(1..=MAX_FRAMES_PER_BUFFER).contains(&config.frames_per_buffer) {
            return Err(invalid(
                "frames_per_buffer",
                format!(
                    "{} is out of range; use 1 to {MAX_FRAMES_PER_BUFFER}",
                    config.frames_per_buffer
                ),
            ));
        }
        let layout = probe_wav(&config.path).map_err(|message| invalid("path", message))?;
        Ok(Self {
            config,
            layout,
            reader: None,
            position: 0,
        })
    }
}

impl Processor for WavReaderProcessor {
    fn setup(&mut self, _context: &crate::core::context::RuntimeContext) -> Result<()> {
        let path = &self.config.path;
        let layout = probe_wav(path).map_err(StreamError::processing)?;
        if layout != self.layout {
            return Err(StreamError::processing(format!(
                "WAV file '{}' changed since the processor was added: it was {}, now it is {}",
                path.display(),
                self.layout,
                layout
            )));
        }
        let reader = hound::WavReader::open(path).map_err(|error| {
            StreamError::processing(format!(
                "cannot read WAV file '{}': {error}",
                path.display()
            ))
        })?;
        self.reader = Some(reader);
        self.position = 0;
        Ok(())
    }

    fn process(&mut self, input: ProcessInput<'_>, output: &mut Outputs) -> Result<Flow> {
        let ProcessInput::Tick(tick) = input else {
            return Ok(Flow::Continue);
        };
        let remaining = self.layout.frames - self.position;
        if remaining == 0 {
            return Ok(Flow::EndOfStream);
        }

        let count = remaining.min(u64::from(self.config.frames_per_buffer));
        let samples = self.read_samples(count)?;
        let frame = AudioFrame::new(
            self.layout.sample_rate,
            self.layout.channels,
            tick.timestamp_ns,
            tick.index,
            samples,
        );
        self.position += count;
        if output.send("audio", frame)? == PushStatus::Stopping {
            return Ok(Flow::Continue);
        }
        Ok(if self.position >= self.layout.frames {
            Flow::EndOfStream
        } else {
            Flow::Continue
        })
    }

    fn teardown(&mut self) -> Result<()> {
        self.reader = None;
        Ok(())
    }

    fn schedule(&self) -> Schedule {
        Schedule {
            period: Period::from_samples(
                u64::from(self.config.frames_per_buffer),
                self.layout.sample_rate,
            ),
            live: self.config.live,
        }
    }
}

impl WavReaderProcessor {
    /// Reads `count` samples per channel and scales them to -1.0..1.0.
    fn read_samples(&mut self, count: u64) -> Result<Vec<f32>> {
        let path = self.config.path.clone();
        let reader = self.reader.as_mut().ok_or_else(|| {
            StreamError::processing(format!("WAV file '{}' is not open", path.display()))
        })?;
        let total = count as usize * usize::from(self.layout.channels);
        let read_failed = |error: hound::Error| read_error(&path, error);

        let spec = reader.spec();
        let samples: Vec<f32> = match spec.sample_format {
            hound::SampleFormat::Float => reader
                .samples::<f32>()
                .take(total)
                .map(|sample| sample.map_err(read_failed))
                .collect::<Result<_>>()?,
            hound::SampleFormat::Int => {
                // Full scale of a signed sample of this width, so that
                // integer samples map to -1.0..1.0 exactly as WAV defines.
                let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32;
                reader
                    .samples::<i32>()
                    .take(total)
                    .map(|sample| {
                        sample
                            .map(|value| value as f32 * scale)
                            .map_err(read_failed)
                    })
                    .collect::<Result<_>>()?
            }
        };
        if samples.len() < total {
            return Err(StreamError::processing(format!(
                "WAV file '{}' ended {} samples early; was it truncated while being read?",
                path.display(),
                total - samples.len()
            )));
        }
        Ok(samples)
    }
}

fn read_error(path: &Path, error: hound::Error) -> StreamError {
    StreamError::processing(format!(
        "reading WAV file '{}' failed: {error}",
        path.display()
    ))
}
