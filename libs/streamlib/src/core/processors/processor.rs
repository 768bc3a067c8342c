//! The `Processor` trait: what a processor implements to run on its own thread.

use crate::core::context::RuntimeContext;
use crate::core::error::{Result, StreamError};
use crate::core::execution::Outputs;
use crate::core::frames::Frame;
use crate::core::graph::LinkId;

/// Lifecycle, all on the processor's own thread: `setup` once, then `process`
/// for every tick or input frame, `finish` once every input has reached end
/// of stream, and `teardown` last, whatever happened before (stop, removal,
/// error).
pub trait Processor: Send + 'static {
    /// Acquires running resources (files, sockets). An error here fails the
    /// start, or the add when the runtime is already running.
    fn setup(&mut self, _context: &RuntimeContext) -> Result<()> {
        Ok(())
    }

    /// Handles one tick (continuous mode) or one input event (reactive mode).
    /// Returning `Flow::EndOfStream` ends this processor's stream: the runner
    /// sends end of stream on every output and stops calling `process`.
    fn process(&mut self, input: ProcessInput<'_>, output: &mut Outputs) -> Result<Flow>;

    /// Flushes what is still buffered once every linked input has ended.
    /// End of stream goes out on the outputs after it returns.
    fn finish(&mut self, _output: &mut Outputs) -> Result<()> {
        Ok(())
    }

    /// Releases running resources; called on stop, removal and after errors.
    fn teardown(&mut self) -> Result<()> {
        Ok(())
    }

    /// Applies a complete, already validated config while running. The
    /// default rejects every change, for processors that cannot apply one live.
    fn update_config(&mut self, _config: &serde_json::Value) -> Result<()> {
        Err(StreamError::processing(
            "this processor type does not accept config changes while running; stop the runtime first",
        ))
    }

    /// Returns the tick schedule of a continuous processor; other modes ignore it.
    fn schedule(&self) -> Schedule {
        Schedule::default()
    }
}

/// The cause of one `process` call.
#[derive(Debug)]
pub enum ProcessInput<'a> {
    /// A continuous processor's next deadline.
    Tick(Tick),
    /// A frame arrived on an input port.
    Frame {
        port: &'a str,
        link: &'a LinkId,
        frame: Frame,
    },
    /// A link was attached to an input port: once for each link present at
    /// start, before any frame, and again whenever a link is added live.
    InputAttached { port: &'a str, link: &'a LinkId },
    /// An input link delivered end of stream or was unlinked; more links on
    /// the same port may still be running.
    InputEnded { port: &'a str, link: &'a LinkId },
}

/// One deadline of a continuous processor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    /// Ticks since the processor started, from 0.
    pub index: u64,
    /// `index` periods in nanoseconds, exactly: no rounding error accumulates.
    pub timestamp_ns: u64,
}

/// The runner's next step after `process` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    EndOfStream,
}

/// A tick period as an exact fraction of nanoseconds, so that 30 fps ticks at
/// `1_000_000_000 / 30` ns without drift.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    numerator_ns: u64,
    denominator: u64,
}

impl Period {
    /// Creates a period of `numerator_ns / denominator` nanoseconds.
    ///
    /// # Panics
    /// When either part is zero.
    pub fn new(numerator_ns: u64, denominator: u64) -> Self {
        assert!(
            numerator_ns > 0 && denominator > 0,
            "a period must be positive"
        );
        Self {
            numerator_ns,
            denominator,
        }
    }

    /// Returns the period of `rate` ticks per second, exact to 1/1000 Hz.
    pub fn from_rate(rate: f64) -> Self {
        let millihertz = (rate * 1000.0).round().max(1.0) as u64;
        Self::new(1_000_000_000_000, millihertz)
    }

    /// Returns the period of one buffer of `samples` at `sample_rate` Hz.
    pub fn from_samples(samples: u64, sample_rate: u32) -> Self {
        Self::new(
            samples.max(1) * 1_000_000_000,
            u64::from(sample_rate.max(1)),
        )
    }

    /// Start time of tick `index` in nanoseconds, rounded down.
    pub fn timestamp_ns(&self, index: u64) -> u64 {
        let exact = index as u128 * self.numerator_ns as u128 / self.denominator as u128;
        exact.min(u64::MAX as u128) as u64
    }
}

/// The pacing of a continuous processor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub period: Period,
    /// Paced in real time when true; as fast as downstream accepts frames
    /// when false, with timestamps still spaced by the period.
    pub live: bool,
}

impl Default for Schedule {
    fn default() -> Self {
        Self {
            period: Period::from_rate(30.0),
            live: true,
        }
    }
}
