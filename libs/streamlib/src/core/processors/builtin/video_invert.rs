//! A per-pixel video effect: inverts every colour.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::core::error::Result;
use crate::core::execution::Outputs;
use crate::core::frames::{Frame, FrameKind, PixelFormat};
use crate::core::processors::{
    ExecutionMode, Flow, PortDescriptor, Ports, ProcessInput, Processor, ProcessorType,
};

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VideoInvertConfig {}

/// Replaces each byte `v` of the colour planes with `255 - v` and sends the
/// frame on output `video`. For RGBA8 that is the photographic negative and
/// alpha is kept. For I420 all three planes flip, which is close to the RGB
/// negative: against the exact negative in limited range, luma lands 4 code
/// values higher and chroma 1 lower. Applying the effect twice gives back
/// the original bytes.
#[derive(Debug)]
pub struct VideoInvertProcessor;

impl ProcessorType for VideoInvertProcessor {
    type Config = VideoInvertConfig;
    const TYPE_NAME: &'static str = "VideoInvertProcessor";
    const DESCRIPTION: &'static str = "Inverts the colours of RGBA8 and I420 video";
    const EXECUTION_MODE: ExecutionMode = ExecutionMode::Reactive;

    fn ports(_config: Option<&Self::Config>) -> Ports {
        let port = PortDescriptor::new("video", FrameKind::Video);
        Ports::new(vec![port.clone()], vec![port])
    }

    fn from_config(_config: Self::Config) -> Result<Self> {
        Ok(Self)
    }
}

impl Processor for VideoInvertProcessor {
    fn process(&mut self, input: ProcessInput<'_>, output: &mut Outputs) -> Result<Flow> {
        let ProcessInput::Frame {
            frame: Frame::Video(mut frame),
            ..
        } = input
        else {
            return Ok(Flow::Continue);
        };
        let format = frame.format;
        // Copies the pixels only when another holder still shares them.
        let data = frame.data_mut();
        match format {
            PixelFormat::Rgba8 => data.chunks_exact_mut(4).for_each(|pixel| {
                pixel[0] = 255 - pixel[0];
                pixel[1] = 255 - pixel[1];
                pixel[2] = 255 - pixel[2];
            }),
            PixelFormat::I420 => data.iter_mut().for_each(|byte| *byte = 255 - *byte),
        }
        output.send("video", frame)?;
        Ok(Flow::Continue)
    }
}
