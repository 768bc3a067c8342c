use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{AudioFrame, DataFrame, VideoFrame};

/// The kind of frame a port carries; links only join ports of the same kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "api-server", derive(utoipa::ToSchema))]
pub enum FrameKind {
    Video,
    Audio,
    Data,
}

impl FrameKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FrameKind::Video => "video",
            FrameKind::Audio => "audio",
            FrameKind::Data => "data",
        }
    }
}

impl fmt::Display for FrameKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One frame of any kind. Cloning is cheap: only reference counts change.
#[derive(Debug, Clone)]
pub enum Frame {
    Video(VideoFrame),
    Audio(AudioFrame),
    Data(DataFrame),
}

impl Frame {
    pub fn kind(&self) -> FrameKind {
        match self {
            Frame::Video(_) => FrameKind::Video,
            Frame::Audio(_) => FrameKind::Audio,
            Frame::Data(_) => FrameKind::Data,
        }
    }

    /// Presentation timestamp in nanoseconds of stream time.
    pub fn timestamp_ns(&self) -> u64 {
        match self {
            Frame::Video(frame) => frame.timestamp_ns,
            Frame::Audio(frame) => frame.timestamp_ns,
            Frame::Data(frame) => frame.timestamp_ns,
        }
    }

    pub fn frame_number(&self) -> u64 {
        match self {
            Frame::Video(frame) => frame.frame_number,
            Frame::Audio(frame) => frame.frame_number,
            Frame::Data(frame) => frame.frame_number,
        }
    }
}

impl From<VideoFrame> for Frame {
    fn from(frame: VideoFrame) -> Self {
        Frame::Video(frame)
    }
}

impl From<AudioFrame> for Frame {
    fn from(frame: AudioFrame) -> Self {
        Frame::Audio(frame)
    }
}

impl From<DataFrame> for Frame {
    fn from(frame: DataFrame) -> Self {
        Frame::Data(frame)
    }
}
