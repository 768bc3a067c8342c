//! A YUV4MPEG2 (Y4M) file sink for I420 and RGBA8 video.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::core::context::RuntimeContext;
use crate::core::error::{Result, StreamError};
use crate::core::execution::Outputs;
use crate::core::frames::convert::rgba_to_i420;
use crate::core::frames::{Frame, FrameKind, PixelFormat, VideoFrame};
use crate::core::processors::builtin::y4m_file::{FrameRate, Y4mHeader};
use crate::core::processors::{
    ExecutionMode, Flow, PortDescriptor, Ports, ProcessInput, Processor, ProcessorType,
};

/// Rate written when it is neither configured nor measurable, because the
/// stream held a single frame.
const SINGLE_FRAME_RATE: FrameRate = FrameRate {
    numerator: 25,
    denominator: 1,
};

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Y4mWriterConfig {
    /// Path of the Y4M file to write; an existing file is replaced.
    pub path: PathBuf,
    /// Frame rate for the header, as `30000:1001` or `25`. When absent it is
    /// measured from the timestamps of the first two frames.
    pub frame_rate: Option<String>,
}

/// The open file, from `setup` until `teardown`.
struct Y4mOutput {
    writer: BufWriter<File>,
    /// Written before the first frame, once size and rate are known.
    header: Option<Y4mHeader>,
    /// The first frame, held back until the second one gives the rate.
    first_frame: Option<VideoFrame>,
}

impl std::fmt::Debug for Y4mOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Y4mOutput")
            .field("header", &self.header)
            .field("first_frame_held", &self.first_frame.is_some())
            .finish_non_exhaustive()
    }
}

/// Writes every frame from input `video` to a Y4M file as 8-bit 4:2:0,
/// converting RGBA8 frames to I420 with BT.601 limited-range coefficients.
#[derive(Debug)]
pub struct Y4mWriterProcessor {
    config: Y4mWriterConfig,
    rate: Option<FrameRate>,
    output: Option<Y4mOutput>,
    frames_written: u64,
}

impl ProcessorType for Y4mWriterProcessor {
    type Config = Y4mWriterConfig;
    const TYPE_NAME: &'static str = "Y4mWriterProcessor";
    const DESCRIPTION: &'static str =
        "Writes I420 or RGBA8 video to a YUV4MPEG2 (.y4m) file as 8-bit 4:2:0";
    const EXECUTION_MODE: ExecutionMode = ExecutionMode::Reactive;

    fn ports(_config: Option<&Self::Config>) -> Ports {
        Ports::new(
            vec![PortDescriptor::new("video", FrameKind::Video)],
            Vec::new(),
        )
    }

    fn from_config(config: Self::Config) -> Result<Self> {
        let invalid = |field: &str, message: String| {
            StreamError::invalid_config(Self::TYPE_NAME, field, message)
        };
        if config.path.as_os_str().is_empty() {
            return Err(invalid(
                "path",
                "is empty; give the path of the .y4m file to write".to_owned(),
            ));
        }
        super::check_parent_folder(Self::TYPE_NAME, &config.path)?;
        let rate = config
            .frame_rate
            .as_deref()
            .map(FrameRate::parse)
            .transpose()
            .map_err(|message| invalid("frame_rate", message))?;
        Ok(Self {
            config,
            rate,
            output: None,
            frames_written: 0,
        })
    }
}

impl Processor for Y4mWriterProcessor {
    fn setup(&mut self, _context: &RuntimeContext) -> Result<()> {
        let file = File::create(&self.config.path).map_err(|error| {
            StreamError::processing(format!(
                "cannot create Y4M file '{}': {error}",
                self.config.path.display()
            ))
        })?;
        self.output = Some(Y4mOutput {
            writer: BufWriter::new(file),
            header: None,
            first_frame: None,
        });
        self.frames_written = 0;
        Ok(())
    }

    fn process(&mut self, input: ProcessInput<'_>, _output: &mut Outputs) -> Result<Flow> {
        if let ProcessInput::Frame {
            frame: Frame::Video(frame),
            ..
        } = input
        {
            self.accept(frame)?;
        }
        Ok(Flow::Continue)
    }

    fn finish(&mut self, _output: &mut Outputs) -> Result<()> {
        self.close()
    }

    fn teardown(&mut self) -> Result<()> {
        self.close()
    }
}

impl Y4mWriterProcessor {
    fn accept(&mut self, frame: VideoFrame) -> Result<()> {
        let configured_rate = self.rate;
        let output = self.open_output()?;
        if output.header.is_none() {
            let rate = match (configured_rate, output.first_frame.take()) {
                (Some(rate), _) => rate,
                (None, None) => {
                    output.first_frame = Some(frame);
                    return Ok(());
                }
                (None, Some(first)) => {
                    // NOTE: a frame dropped between the first two makes the
                    // measured rate too low; set `frame_rate` for lossy links.
                    let interval = frame.timestamp_ns.saturating_sub(first.timestamp_ns);
                    let rate = FrameRate::from_interval_ns(interval).unwrap_or(SINGLE_FRAME_RATE);
                    self.start_file(&first, rate)?;
                    self.write_frame(&first)?;
                    return self.write_frame(&frame);
                }
            };
            self.start_file(&frame, rate)?;
        }
        self.write_frame(&frame)
    }

    fn open_output(&mut self) -> Result<&mut Y4mOutput> {
        let path = &self.config.path;
        self.output.as_mut().ok_or_else(|| {
            StreamError::processing(format!("Y4M file '{}' is not open", path.display()))
        })
    }

    fn start_file(&mut self, frame: &VideoFrame, rate: FrameRate) -> Result<()> {
        let header = Y4mHeader {
            width: frame.width,
            height: frame.height,
            rate,
        };
        let output = self.open_output()?;
        let outcome = output.writer.write_all(header.header_line().as_bytes());
        output.header = Some(header);
        outcome.map_err(|error| self.write_error(error))
    }

    fn write_frame(&mut self, frame: &VideoFrame) -> Result<()> {
        let path = self.config.path.clone();
        let output = self.open_output()?;
        let Some(header) = output.header else {
            return Err(StreamError::processing(format!(
                "Y4M file '{}' has no header yet",
                path.display()
            )));
        };
        if (frame.width, frame.height) != (header.width, header.height) {
            return Err(StreamError::processing(format!(
                "Y4M file '{}' is {}x{}, but a {}x{} frame arrived; a Y4M file has one frame size, so write the new size to another file",
                path.display(),
                header.width,
                header.height,
                frame.width,
                frame.height
            )));
        }
        let converted;
        let planes = match frame.format {
            PixelFormat::I420 => frame.data(),
            PixelFormat::Rgba8 => {
                converted = rgba_to_i420(frame.width, frame.height, frame.data());
                &converted
            }
        };
        let outcome = output
            .writer
            .write_all(b"FRAME\n")
            .and_then(|()| output.writer.write_all(planes));
        outcome.map_err(|error| self.write_error(error))?;
        self.frames_written += 1;
        Ok(())
    }

    /// Writes a frame still held back and flushes; a no-op once closed.
    fn close(&mut self) -> Result<()> {
        let held_frame = self
            .output
            .as_mut()
            .and_then(|output| output.first_frame.take());
        if let Some(first) = held_frame {
            self.start_file(&first, self.rate.unwrap_or(SINGLE_FRAME_RATE))?;
            self.write_frame(&first)?;
        }
        let Some(mut output) = self.output.take() else {
            return Ok(());
        };
        if output.header.is_none() {
            // NOTE: without a frame the size is unknown, so no header can be
            // written and the file stays empty.
            tracing::warn!(path = %self.config.path.display(), "no video arrived; Y4M file left empty");
        }
        output
            .writer
            .flush()
            .map_err(|error| self.write_error(error))?;
        tracing::debug!(
            path = %self.config.path.display(),
            frames = self.frames_written,
            "Y4M file closed"
        );
        Ok(())
    }

    fn write_error(&self, error: std::io::Error) -> StreamError {
        StreamError::processing(format!(
            "writing Y4M file '{}' failed: {error}",
            self.config.path.display()
        ))
    }
}
