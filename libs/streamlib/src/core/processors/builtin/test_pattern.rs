//! A synthetic video source: colour bars with a moving square, or a solid colour.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::core::error::{Result, StreamError};
use crate::core::execution::Outputs;
use crate::core::frames::convert::{rgb_to_yuv, rgba_to_i420};
use crate::core::frames::{FrameKind, PixelFormat, VideoFrame};
use crate::core::links::PushStatus;
use crate::core::processors::{
    ExecutionMode, Flow, Period, PortDescriptor, Ports, ProcessInput, Processor, ProcessorType,
    Schedule, parse_config,
};

const MAX_DIMENSION: u32 = 16_384;
const MAX_FPS: f64 = 1000.0;
/// 75% colour bars, left to right, as RGB.
const BARS: [[u8; 3]; 8] = [
    [191, 191, 191],
    [191, 191, 0],
    [0, 191, 191],
    [0, 191, 0],
    [191, 0, 191],
    [191, 0, 0],
    [0, 0, 191],
    [0, 0, 0],
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Pattern {
    /// Eight vertical colour bars with a white square moving across them.
    #[default]
    Bars,
    /// Every pixel set to `color`.
    Solid,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct TestPatternConfig {
    pub pattern: Pattern,
    /// Colour of the `solid` pattern as `#rrggbb`.
    pub color: String,
    /// Frame width in pixels.
    pub width: u32,
    /// Frame height in pixels.
    pub height: u32,
    /// Frames per second.
    pub fps: f64,
    pub format: PixelFormat,
    /// Frames to emit before end of stream; endless when absent.
    pub frame_count: Option<u64>,
    /// Paced in real time when true; as fast as downstream accepts when false.
    pub live: bool,
}

impl Default for TestPatternConfig {
    fn default() -> Self {
        Self {
            pattern: Pattern::Bars,
            color: "#000000".to_owned(),
            width: 640,
            height: 480,
            fps: 30.0,
            format: PixelFormat::Rgba8,
            frame_count: None,
            live: true,
        }
    }
}

/// Emits frames on output `video`, one per tick.
#[derive(Debug)]
pub struct TestPatternProcessor {
    config: TestPatternConfig,
    color: [u8; 3],
    /// The pattern without the moving square, rendered once per config.
    background: Arc<Vec<u8>>,
}

impl ProcessorType for TestPatternProcessor {
    type Config = TestPatternConfig;
    const TYPE_NAME: &'static str = "TestPatternProcessor";
    const DESCRIPTION: &'static str =
        "Generates colour bars with a moving square, or a solid colour, at a fixed frame rate";
    const EXECUTION_MODE: ExecutionMode = ExecutionMode::Continuous;

    fn ports(_config: Option<&Self::Config>) -> Ports {
        Ports::new(
            Vec::new(),
            vec![PortDescriptor::new("video", FrameKind::Video)],
        )
    }

    fn from_config(config: Self::Config) -> Result<Self> {
        let invalid = |field: &str, message: String| {
            StreamError::invalid_config(Self::TYPE_NAME, field, message)
        };
        if !(1..=MAX_DIMENSION).contains(&config.width) {
            return Err(invalid(
                "width",
                format!("{} is out of range; use 1 to {MAX_DIMENSION}", config.width),
            ));
        }
        if !(1..=MAX_DIMENSION).contains(&config.height) {
            return Err(invalid(
                "height",
                format!(
                    "{} is out of range; use 1 to {MAX_DIMENSION}",
                    config.height
                ),
            ));
        }
        if !(config.fps.is_finite() && config.fps > 0.0 && config.fps <= MAX_FPS) {
            return Err(invalid(
                "fps",
                format!(
                    "{} is out of range; use a rate above 0 and up to {MAX_FPS}",
                    config.fps
                ),
            ));
        }
        let color = parse_color(&config.color).ok_or_else(|| {
            invalid(
                "color",
                format!("'{}' is not a colour; use the form #rrggbb", config.color),
            )
        })?;
        let background = Arc::new(render_background(&config, color));
        Ok(Self {
            config,
            color,
            background,
        })
    }
}

impl Processor for TestPatternProcessor {
    fn process(&mut self, input: ProcessInput<'_>, output: &mut Outputs) -> Result<Flow> {
        let ProcessInput::Tick(tick) = input else {
            return Ok(Flow::Continue);
        };
        if self
            .config
            .frame_count
            .is_some_and(|count| tick.index >= count)
        {
            return Ok(Flow::EndOfStream);
        }

        let frame = self.render(tick.index, tick.timestamp_ns);
        if output.send("video", frame)? == PushStatus::Stopping {
            return Ok(Flow::Continue);
        }
        let last = self
            .config
            .frame_count
            .is_some_and(|count| tick.index + 1 >= count);
        Ok(if last {
            Flow::EndOfStream
        } else {
            Flow::Continue
        })
    }

    fn update_config(&mut self, config: &serde_json::Value) -> Result<()> {
        let next: TestPatternConfig = parse_config(Self::TYPE_NAME, config)?;
        let current = &self.config;
        if next.width != current.width
            || next.height != current.height
            || next.format != current.format
            || next.fps != current.fps
            || next.live != current.live
        {
            return Err(StreamError::processing(
                "width, height, format, fps and live are fixed while running; pattern, color and frame_count can change",
            ));
        }
        let updated = Self::from_config(next)?;
        *self = updated;
        Ok(())
    }

    fn schedule(&self) -> Schedule {
        Schedule {
            period: Period::from_rate(self.config.fps),
            live: self.config.live,
        }
    }
}

impl TestPatternProcessor {
    fn render(&self, index: u64, timestamp_ns: u64) -> VideoFrame {
        let (width, height, format) = (self.config.width, self.config.height, self.config.format);
        if self.config.pattern == Pattern::Solid {
            // A solid frame never changes, so every frame shares one buffer.
            return VideoFrame::from_shared(
                width,
                height,
                format,
                timestamp_ns,
                index,
                self.background.clone(),
            );
        }
        let mut pixels = self.background.as_ref().clone();
        draw_moving_square(&mut pixels, width, height, format, index);
        VideoFrame::new(width, height, format, timestamp_ns, index, pixels)
    }

    /// The solid colour in use, as RGB.
    pub fn color(&self) -> [u8; 3] {
        self.color
    }
}

fn parse_color(text: &str) -> Option<[u8; 3]> {
    let hex = text.strip_prefix('#')?;
    if hex.len() != 6 || !hex.is_ascii() {
        return None;
    }
    let channel = |range: std::ops::Range<usize>| u8::from_str_radix(&hex[range], 16).ok();
    Some([channel(0..2)?, channel(2..4)?, channel(4..6)?])
}

fn render_background(config: &TestPatternConfig, color: [u8; 3]) -> Vec<u8> {
    let (width, height) = (config.width as usize, config.height as usize);
    let mut rgba = Vec::with_capacity(width * height * 4);
    for _ in 0..height {
        for x in 0..width {
            let [r, g, b] = match config.pattern {
                Pattern::Solid => color,
                Pattern::Bars => BARS[x * BARS.len() / width],
            };
            rgba.extend_from_slice(&[r, g, b, 255]);
        }
    }
    match config.format {
        PixelFormat::Rgba8 => rgba,
        PixelFormat::I420 => rgba_to_i420(config.width, config.height, &rgba),
    }
}

/// Draws a white square one eighth of the height tall that moves right by
/// four pixels per frame and wraps around.
fn draw_moving_square(pixels: &mut [u8], width: u32, height: u32, format: PixelFormat, index: u64) {
    let (width, height) = (width as usize, height as usize);
    let side = (height / 8).max(1).min(width);
    let left = ((index * 4) % width.max(1) as u64) as usize;
    let top = (height - side) / 2;
    let columns = left..(left + side).min(width);
    match format {
        PixelFormat::Rgba8 => {
            for y in top..top + side {
                let row = &mut pixels[y * width * 4..(y + 1) * width * 4];
                for x in columns.clone() {
                    row[x * 4..x * 4 + 4].copy_from_slice(&[255, 255, 255, 255]);
                }
            }
        }
        PixelFormat::I420 => {
            let (white_y, white_u, white_v) = rgb_to_yuv(255, 255, 255);
            for y in top..top + side {
                pixels[y * width + columns.start..y * width + columns.end].fill(white_y);
            }
            let chroma_width = width.div_ceil(2);
            let chroma_size = chroma_width * height.div_ceil(2);
            let luma_size = width * height;
            for y in (top / 2)..(top + side).div_ceil(2) {
                let row = y * chroma_width;
                let span = row + columns.start / 2..row + columns.end.div_ceil(2);
                pixels[luma_size + span.start..luma_size + span.end].fill(white_u);
                pixels[luma_size + chroma_size + span.start..luma_size + chroma_size + span.end]
                    .fill(white_v);
            }
        }
    }
}
