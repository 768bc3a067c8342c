//! Frames: the units of media and data that travel over links.
//!
//! Payloads sit behind `Arc`, so cloning a frame for fan-out or handing it
//! through a pass-through never copies pixels or samples.

mod audio;
pub mod convert;
mod data;
mod frame;
mod video;

pub use audio::AudioFrame;
pub use data::DataFrame;
pub use frame::{Frame, FrameKind};
pub use video::{PixelFormat, VideoFrame};
