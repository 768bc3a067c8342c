use std::sync::Arc;

/// A buffer of interleaved f32 samples. Clones share the sample buffer.
#[derive(Debug, Clone)]
pub struct AudioFrame {
    /// Samples per second per channel, in Hz.
    pub sample_rate: u32,
    pub channels: u16,
    /// Presentation timestamp of the first sample, in nanoseconds of stream time.
    pub timestamp_ns: u64,
    pub frame_number: u64,
    samples: Arc<Vec<f32>>,
}

impl AudioFrame {
    /// Wraps interleaved `samples` without copying them.
    ///
    /// # Panics
    /// When `channels` is zero or `samples.len()` is not a multiple of it;
    /// that is a bug in the processor that built the frame.
    pub fn new(
        sample_rate: u32,
        channels: u16,
        timestamp_ns: u64,
        frame_number: u64,
        samples: Vec<f32>,
    ) -> Self {
        assert!(
            channels > 0 && samples.len() % channels as usize == 0,
            "{} samples do not split into {channels} channels",
            samples.len()
        );
        Self {
            sample_rate,
            channels,
            timestamp_ns,
            frame_number,
            samples: Arc::new(samples),
        }
    }

    pub fn samples(&self) -> &[f32] {
        &self.samples
    }

    /// Returns the samples for writing, copying them only when another frame
    /// still shares the buffer.
    pub fn samples_mut(&mut self) -> &mut Vec<f32> {
        Arc::make_mut(&mut self.samples)
    }

    /// Samples per channel in this buffer.
    pub fn sample_frames(&self) -> usize {
        self.samples.len() / self.channels as usize
    }

    /// Length of this buffer in nanoseconds.
    pub fn duration_ns(&self) -> u64 {
        (self.sample_frames() as u128 * 1_000_000_000 / self.sample_rate.max(1) as u128) as u64
    }

    pub fn shares_samples_with(&self, other: &AudioFrame) -> bool {
        Arc::ptr_eq(&self.samples, &other.samples)
    }
}
