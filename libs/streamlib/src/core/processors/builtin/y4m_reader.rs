//! A YUV4MPEG2 (Y4M) file source for 8-bit 4:2:0 video.

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::core::context::RuntimeContext;
use crate::core::error::{Result, StreamError};
use crate::core::execution::Outputs;
use crate::core::frames::convert::i420_to_rgba;
use crate::core::frames::{FrameKind, PixelFormat, VideoFrame};
use crate::core::links::PushStatus;
use crate::core::processors::builtin::y4m_file::{Y4mHeader, Y4mInput, probe_y4m};
use crate::core::processors::{
    ExecutionMode, Flow, PortDescriptor, Ports, ProcessInput, Processor, ProcessorType, Schedule,
};

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Y4mReaderConfig {
    /// Path of the Y4M file to read.
    pub path: PathBuf,
    /// Pixel format of the emitted frames: `i420` (the default) keeps the
    /// file's bytes, `rgba8` converts them with BT.601 limited-range
    /// coefficients.
    pub format: Option<PixelFormat>,
    /// Paced in real time at the file's frame rate when true; as fast as
    /// downstream accepts when false (the default), which suits file-to-file
    /// work. Timestamps are the frame index times the frame period either way.
    pub live: bool,
}

/// Reads a Y4M file and emits its frames on output `video`, then ends the
/// stream.
#[derive(Debug)]
pub struct Y4mReaderProcessor {
    config: Y4mReaderConfig,
    format: PixelFormat,
    /// Header found when the config was checked; setup expects the same.
    header: Y4mHeader,
    frame_count: u64,
    /// The open file, between `setup` and `teardown`.
    input: Option<Y4mInput>,
}

impl ProcessorType for Y4mReaderProcessor {
    type Config = Y4mReaderConfig;
    const TYPE_NAME: &'static str = "Y4mReaderProcessor";
    const DESCRIPTION: &'static str =
        "Reads 8-bit 4:2:0 video from a YUV4MPEG2 (.y4m) file at the frame rate of its header";
    const EXECUTION_MODE: ExecutionMode = ExecutionMode::Continuous;

    fn ports(_config: Option<&Self::Config>) -> Ports {
        Ports::new(
            Vec::new(),
            vec![PortDescriptor::new("video", FrameKind::Video)],
        )
    }

    fn from_config(config: Self::Config) -> Result<Self> {
        if config.path.as_os_str().is_empty() {
            return Err(StreamError::invalid_config(
                Self::TYPE_NAME,
                "path",
                "is empty; give the path of a .y4m file",
            ));
        }
        let (header, frame_count) = probe_y4m(&config.path)
            .map_err(|message| StreamError::invalid_config(Self::TYPE_NAME, "path", message))?;
        Ok(Self {
            format: config.format.unwrap_or(PixelFormat::I420),
            config,
            header,
            frame_count,
            input: None,
        })
    }
}

impl Processor for Y4mReaderProcessor {
    fn setup(&mut self, _context: &RuntimeContext) -> Result<()> {
        let path = &self.config.path;
        let (header, frame_count) = probe_y4m(path).map_err(StreamError::processing)?;
        if header != self.header {
            return Err(StreamError::processing(format!(
                "Y4M file '{}' changed since the processor was added: its header was {:?}, now it is {:?}",
                path.display(),
                self.header,
                header
            )));
        }
        self.frame_count = frame_count;
        self.input = Some(Y4mInput::open(path).map_err(StreamError::processing)?);
        Ok(())
    }

    fn process(&mut self, input: ProcessInput<'_>, output: &mut Outputs) -> Result<Flow> {
        let ProcessInput::Tick(tick) = input else {
            return Ok(Flow::Continue);
        };
        if tick.index >= self.frame_count {
            return Ok(Flow::EndOfStream);
        }

        let frame = self.read_frame(tick.index, tick.timestamp_ns)?;
        if output.send("video", frame)? == PushStatus::Stopping {
            return Ok(Flow::Continue);
        }
        Ok(if tick.index + 1 >= self.frame_count {
            Flow::EndOfStream
        } else {
            Flow::Continue
        })
    }

    fn teardown(&mut self) -> Result<()> {
        self.input = None;
        Ok(())
    }

    fn schedule(&self) -> Schedule {
        Schedule {
            period: self.header.rate.period(),
            live: self.config.live,
        }
    }
}

impl Y4mReaderProcessor {
    fn read_frame(&mut self, index: u64, timestamp_ns: u64) -> Result<VideoFrame> {
        let path = &self.config.path;
        let failed = |reason: String| {
            StreamError::processing(format!(
                "reading frame {index} of Y4M file '{}' failed: {reason}",
                path.display()
            ))
        };
        let input = self
            .input
            .as_mut()
            .ok_or_else(|| failed("the file is not open".to_owned()))?;
        let planes = input
            .read_frame()
            .map_err(failed)?
            .ok_or_else(|| failed("the file ended early".to_owned()))?;

        let Y4mHeader { width, height, .. } = self.header;
        let pixels = match self.format {
            PixelFormat::I420 => planes,
            PixelFormat::Rgba8 => i420_to_rgba(width, height, &planes),
        };
        Ok(VideoFrame::new(
            width,
            height,
            self.format,
            timestamp_ns,
            index,
            pixels,
        ))
    }
}
