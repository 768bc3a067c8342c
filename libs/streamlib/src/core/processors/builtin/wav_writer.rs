//! A WAV file sink that keeps the file valid however the stream ends.

use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::core::context::RuntimeContext;
use crate::core::error::{Result, StreamError};
use crate::core::execution::Outputs;
use crate::core::frames::{AudioFrame, Frame, FrameKind};
use crate::core::processors::{
    ExecutionMode, Flow, PortDescriptor, Ports, ProcessInput, Processor, ProcessorType,
};

/// Header values for a file that received no audio at all, so that it is
/// still a valid, empty WAV.
const EMPTY_FILE_SAMPLE_RATE: u32 = 48_000;
const EMPTY_FILE_CHANNELS: u16 = 1;

/// Sample encoding of the written file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WavSampleFormat {
    /// 16-bit signed integer PCM.
    #[default]
    S16,
    /// 24-bit signed integer PCM.
    S24,
    /// 32-bit IEEE float.
    F32,
}

impl WavSampleFormat {
    fn spec(self, sample_rate: u32, channels: u16) -> hound::WavSpec {
        let (bits_per_sample, sample_format) = match self {
            WavSampleFormat::S16 => (16, hound::SampleFormat::Int),
            WavSampleFormat::S24 => (24, hound::SampleFormat::Int),
            WavSampleFormat::F32 => (32, hound::SampleFormat::Float),
        };
        hound::WavSpec {
            channels,
            sample_rate,
            bits_per_sample,
            sample_format,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct WavWriterConfig {
    /// Path of the WAV file to write; an existing file is replaced.
    pub path: PathBuf,
    pub sample_format: WavSampleFormat,
}

type SampleWriter = hound::WavWriter<BufWriter<File>>;

/// The open file, from `setup` until it is finalized.
enum OpenFile {
    /// Created in `setup`; the header follows the first frame, which brings
    /// the sample rate and channel count.
    Created(File),
    Writing {
        writer: SampleWriter,
        sample_rate: u32,
        channels: u16,
    },
}

impl std::fmt::Debug for OpenFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenFile::Created(_) => f.write_str("Created"),
            OpenFile::Writing {
                sample_rate,
                channels,
                ..
            } => f
                .debug_struct("Writing")
                .field("sample_rate", sample_rate)
                .field("channels", channels)
                .finish_non_exhaustive(),
        }
    }
}

/// Writes every buffer from input `audio` to a WAV file. The header is
/// finalized at end of stream and also in `teardown`, so a stop or a
/// removal mid-stream still leaves a valid file with every sample received.
#[derive(Debug)]
pub struct WavWriterProcessor {
    config: WavWriterConfig,
    file: Option<OpenFile>,
    /// Samples per channel written to the current file.
    frames_written: u64,
    /// Integer samples outside -1.0..=1.0 that were clamped to full scale.
    clipped: u64,
}

impl ProcessorType for WavWriterProcessor {
    type Config = WavWriterConfig;
    const TYPE_NAME: &'static str = "WavWriterProcessor";
    const DESCRIPTION: &'static str =
        "Writes audio to a 16 or 24-bit integer or 32-bit float WAV file";
    const EXECUTION_MODE: ExecutionMode = ExecutionMode::Reactive;

    fn ports(_config: Option<&Self::Config>) -> Ports {
        Ports::new(
            vec![PortDescriptor::new("audio", FrameKind::Audio)],
            Vec::new(),
        )
    }

    fn from_config(config: Self::Config) -> Result<Self> {
        if config.path.as_os_str().is_empty() {
            return Err(StreamError::invalid_config(
                Self::TYPE_NAME,
                "path",
                "is empty; give the path of the WAV file to write",
            ));
        }
        super::check_parent_folder(Self::TYPE_NAME, &config.path)?;
        Ok(Self {
            config,
            file: None,
            frames_written: 0,
            clipped: 0,
        })
    }
}

impl Processor for WavWriterProcessor {
    fn setup(&mut self, _context: &RuntimeContext) -> Result<()> {
        let file = File::create(&self.config.path).map_err(|error| {
            StreamError::processing(format!(
                "cannot create WAV file '{}': {error}",
                self.config.path.display()
            ))
        })?;
        self.file = Some(OpenFile::Created(file));
        self.frames_written = 0;
        self.clipped = 0;
        Ok(())
    }

    fn process(&mut self, input: ProcessInput<'_>, _output: &mut Outputs) -> Result<Flow> {
        if let ProcessInput::Frame {
            frame: Frame::Audio(frame),
            ..
        } = input
        {
            self.write(&frame)?;
        }
        Ok(Flow::Continue)
    }

    fn finish(&mut self, _output: &mut Outputs) -> Result<()> {
        self.finalize()
    }

    fn teardown(&mut self) -> Result<()> {
        self.finalize()
    }
}

impl WavWriterProcessor {
    fn write(&mut self, frame: &AudioFrame) -> Result<()> {
        if frame.sample_rate == 0 {
            return Err(StreamError::processing(format!(
                "received audio with a sample rate of 0 Hz; cannot write it to {}",
                self.config.path.display()
            )));
        }
        let format = self.config.sample_format;
        let writer = self.writer_for(frame)?;
        let mut clipped = 0u64;
        let outcome = frame.samples().iter().try_for_each(|&sample| match format {
            WavSampleFormat::F32 => writer.write_sample(sample),
            WavSampleFormat::S16 => {
                let (value, clip) = to_integer(sample, 16);
                clipped += u64::from(clip);
                writer.write_sample(value as i16)
            }
            WavSampleFormat::S24 => {
                let (value, clip) = to_integer(sample, 24);
                clipped += u64::from(clip);
                writer.write_sample(value)
            }
        });
        outcome.map_err(|error| self.file_error("writing to", error))?;
        self.clipped += clipped;
        self.frames_written += frame.sample_frames() as u64;
        Ok(())
    }

    /// Returns the sample writer, writing the header on the first frame.
    fn writer_for(&mut self, frame: &AudioFrame) -> Result<&mut SampleWriter> {
        if matches!(self.file, Some(OpenFile::Created(_))) {
            self.write_header(frame.sample_rate, frame.channels)?;
        }
        let path = &self.config.path;
        let Some(OpenFile::Writing {
            writer,
            sample_rate,
            channels,
        }) = &mut self.file
        else {
            return Err(StreamError::processing(format!(
                "WAV file '{}' is not open",
                path.display()
            )));
        };
        if (*sample_rate, *channels) != (frame.sample_rate, frame.channels) {
            return Err(StreamError::processing(format!(
                "WAV file '{}' is {} Hz with {} channel(s), but a buffer of {} Hz with {} channel(s) arrived; \
                 one file holds one format, so put an AudioResamplerProcessor or AudioChannelConverterProcessor before the writer",
                path.display(),
                sample_rate,
                channels,
                frame.sample_rate,
                frame.channels
            )));
        }
        Ok(writer)
    }

    fn write_header(&mut self, sample_rate: u32, channels: u16) -> Result<()> {
        let Some(OpenFile::Created(file)) = self.file.take() else {
            return Ok(());
        };
        let spec = self.config.sample_format.spec(sample_rate, channels);
        let writer = hound::WavWriter::new(BufWriter::new(file), spec)
            .map_err(|error| self.file_error("writing the header of", error))?;
        self.file = Some(OpenFile::Writing {
            writer,
            sample_rate,
            channels,
        });
        Ok(())
    }

    /// Completes the header so the file is valid; a no-op once done.
    fn finalize(&mut self) -> Result<()> {
        let Some(file) = self.file.take() else {
            return Ok(());
        };
        let writer = match file {
            OpenFile::Writing { writer, .. } => writer,
            OpenFile::Created(file) => {
                let spec = self
                    .config
                    .sample_format
                    .spec(EMPTY_FILE_SAMPLE_RATE, EMPTY_FILE_CHANNELS);
                hound::WavWriter::new(BufWriter::new(file), spec)
                    .map_err(|error| self.file_error("writing the header of", error))?
            }
        };
        writer
            .finalize()
            .map_err(|error| self.file_error("finalizing", error))?;

        if self.clipped > 0 {
            tracing::warn!(
                path = %self.config.path.display(),
                clipped = self.clipped,
                "samples outside -1.0..=1.0 were clamped to full scale"
            );
        }
        tracing::debug!(
            path = %self.config.path.display(),
            frames = self.frames_written,
            "WAV file finalized"
        );
        Ok(())
    }

    fn file_error(&self, action: &str, error: hound::Error) -> StreamError {
        StreamError::processing(format!(
            "{action} WAV file '{}' failed: {error}",
            self.config.path.display()
        ))
    }
}

/// Scales a sample in -1.0..=1.0 to a signed integer of `bits` bits,
/// rounding to nearest and clamping. Returns the value and whether it clipped.
fn to_integer(sample: f32, bits: u32) -> (i32, bool) {
    let full_scale = (1i64 << (bits - 1)) as f64;
    let scaled = (f64::from(sample) * full_scale).round();
    let (min, max) = (-full_scale, full_scale - 1.0);
    if scaled.is_nan() {
        return (0, true);
    }
    let clamped = scaled.clamp(min, max);
    (clamped as i32, clamped != scaled)
}
