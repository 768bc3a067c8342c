use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Pixel layouts a `VideoFrame` can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
pub enum PixelFormat {
    /// 8-bit red, green, blue, alpha, interleaved, 4 bytes per pixel.
    #[default]
    #[serde(rename = "rgba8", alias = "RGBA8")]
    Rgba8,
    /// 8-bit planar YUV 4:2:0: a full-size Y plane, then U and V planes of
    /// `ceil(width / 2) * ceil(height / 2)` bytes each.
    #[serde(rename = "i420", alias = "I420")]
    I420,
}

impl PixelFormat {
    /// Bytes needed for one frame of `width` x `height` pixels.
    pub fn frame_size(self, width: u32, height: u32) -> usize {
        let (width, height) = (width as usize, height as usize);
        match self {
            PixelFormat::Rgba8 => width * height * 4,
            PixelFormat::I420 => width * height + 2 * width.div_ceil(2) * height.div_ceil(2),
        }
    }
}

/// A video frame. The pixel buffer is shared, so clones never copy pixels.
#[derive(Debug, Clone)]
pub struct VideoFrame {
    pub width: u32,
    pub height: u32,
    pub format: PixelFormat,
    /// Presentation timestamp in nanoseconds of stream time.
    pub timestamp_ns: u64,
    pub frame_number: u64,
    data: Arc<Vec<u8>>,
}

impl VideoFrame {
    /// Wraps `data` without copying it.
    ///
    /// # Panics
    /// When `data` does not hold exactly `format.frame_size(width, height)`
    /// bytes; that is a bug in the processor that built the frame.
    pub fn new(
        width: u32,
        height: u32,
        format: PixelFormat,
        timestamp_ns: u64,
        frame_number: u64,
        data: Vec<u8>,
    ) -> Self {
        assert_eq!(
            data.len(),
            format.frame_size(width, height),
            "{width}x{height} {format:?} needs {} bytes",
            format.frame_size(width, height)
        );
        Self {
            width,
            height,
            format,
            timestamp_ns,
            frame_number,
            data: Arc::new(data),
        }
    }

    /// Wraps a buffer that other frames may share, for sources that emit the
    /// same pixels again (a still image, a solid colour).
    ///
    /// # Panics
    /// As `new`, when the buffer size does not match.
    pub fn from_shared(
        width: u32,
        height: u32,
        format: PixelFormat,
        timestamp_ns: u64,
        frame_number: u64,
        data: Arc<Vec<u8>>,
    ) -> Self {
        assert_eq!(
            data.len(),
            format.frame_size(width, height),
            "{width}x{height} {format:?} buffer size"
        );
        Self {
            width,
            height,
            format,
            timestamp_ns,
            frame_number,
            data,
        }
    }

    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// Returns the pixels for writing, copying them only when another frame
    /// still shares the buffer.
    pub fn data_mut(&mut self) -> &mut Vec<u8> {
        Arc::make_mut(&mut self.data)
    }

    /// True when both frames share one pixel buffer.
    pub fn shares_data_with(&self, other: &VideoFrame) -> bool {
        Arc::ptr_eq(&self.data, &other.data)
    }
}
