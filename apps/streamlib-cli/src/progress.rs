//! Progress of `streamlib run`: a bar on a terminal, plain log lines
//! otherwise. The percentage needs the length of every source, which the
//! library does not report, so `expected_frames` derives it from the
//! configs of the built-in sources that declare one.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;
use streamlib::{ProcessorInfo, RuntimeState};

use crate::logging;

/// Period of the plain progress lines when stderr is not a terminal.
const LOG_INTERVAL: Duration = Duration::from_secs(2);

/// Frames counted in one look at the runtime state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Frames taken in by the sinks (processors without outputs).
    pub sink_frames: u64,
    /// Frames sent by the sources, each capped at its expected length.
    pub source_frames: u64,
}

impl Counts {
    pub fn from_state(state: &RuntimeState) -> Self {
        let mut counts = Counts::default();
        for processor in &state.processors {
            if is_sink(processor) {
                counts.sink_frames += processor.metrics.frames_in;
            }
            if is_source(processor) {
                let sent = processor.metrics.frames_out;
                counts.source_frames += expected_frames(processor).map_or(sent, |n| sent.min(n));
            }
        }
        counts
    }
}

pub fn is_source(processor: &ProcessorInfo) -> bool {
    processor.inputs.is_empty() && !processor.outputs.is_empty()
}

pub fn is_sink(processor: &ProcessorInfo) -> bool {
    !processor.inputs.is_empty() && processor.outputs.is_empty()
}

/// Frames all sources will send together, or `None` when any source has
/// no known end.
pub fn expected_total(state: &RuntimeState) -> Option<u64> {
    state
        .processors
        .iter()
        .filter(|processor| is_source(processor))
        .map(expected_frames)
        .sum()
}

/// Frames a source sends before its end of stream, from its complete config.
pub fn expected_frames(processor: &ProcessorInfo) -> Option<u64> {
    let config = &processor.config;
    match processor.processor_type.as_str() {
        "TestPatternProcessor" => config.get("frame_count")?.as_u64(),
        "SineGeneratorProcessor" | "ChordGeneratorProcessor" => {
            let seconds = config.get("duration")?.as_f64()?;
            let sample_rate = config.get("sample_rate")?.as_f64()?;
            let samples = (seconds * sample_rate).round() as u64;
            Some(samples.div_ceil(frames_per_buffer(config)?))
        }
        "WavReaderProcessor" => {
            let path = config.get("path")?.as_str()?;
            let samples = u64::from(hound::WavReader::open(path).ok()?.duration());
            Some(samples.div_ceil(frames_per_buffer(config)?))
        }
        // NOTE: Y4M readers and custom sources have a length the CLI cannot
        // see, so pipelines with them show no percentage.
        _ => None,
    }
}

fn frames_per_buffer(config: &Value) -> Option<u64> {
    config
        .get("frames_per_buffer")?
        .as_u64()
        .filter(|&frames| frames > 0)
}

/// Shows progress until `finish`.
#[derive(Debug)]
pub struct Progress {
    bar: Option<ProgressBar>,
    expected_total: Option<u64>,
    started: Instant,
    last_log: Instant,
}

impl Progress {
    pub fn new(expected_total: Option<u64>) -> Self {
        let started = Instant::now();
        let bar = std::io::stderr()
            .is_terminal()
            .then(|| new_bar(expected_total));
        logging::set_progress_bar(bar.clone());
        Self {
            bar,
            expected_total,
            started,
            last_log: started,
        }
    }

    pub fn update(&mut self, counts: Counts) {
        match &self.bar {
            Some(bar) => {
                if self.expected_total.is_some() {
                    bar.set_position(counts.source_frames);
                }
                bar.set_message(format!("{} frames through the sinks", counts.sink_frames));
            }
            None if self.last_log.elapsed() >= LOG_INTERVAL => {
                self.last_log = Instant::now();
                let elapsed_s = self.started.elapsed().as_secs_f64();
                match self.percent(counts) {
                    Some(percent) => tracing::info!(
                        elapsed_s = format!("{elapsed_s:.1}"),
                        sink_frames = counts.sink_frames,
                        percent = format!("{percent:.0}"),
                        "running"
                    ),
                    None => tracing::info!(
                        elapsed_s = format!("{elapsed_s:.1}"),
                        sink_frames = counts.sink_frames,
                        "running"
                    ),
                }
            }
            None => {}
        }
    }

    /// Removes the bar, leaving the terminal to the summary.
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            logging::set_progress_bar(None);
            bar.finish_and_clear();
        }
    }

    fn percent(&self, counts: Counts) -> Option<f64> {
        let total = self.expected_total.filter(|&total| total > 0)?;
        Some((counts.source_frames as f64 * 100.0 / total as f64).min(100.0))
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

fn new_bar(expected_total: Option<u64>) -> ProgressBar {
    let tick = Duration::from_millis(200);
    match expected_total {
        Some(total) => {
            let bar = ProgressBar::new(total);
            let style =
                ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {percent:>3}% {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> ");
            bar.set_style(style);
            bar.enable_steady_tick(tick);
            bar
        }
        None => {
            let bar = ProgressBar::new_spinner();
            let style = ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            bar.set_style(style);
            bar.enable_steady_tick(tick);
            bar
        }
    }
}
