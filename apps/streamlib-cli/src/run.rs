//! `streamlib run FILE`: runs a pipeline until every processor has reached
//! end of stream, a processor fails, or Ctrl-C or SIGTERM arrives.
//!
//! The main thread runs the runtime's main loop. A monitor thread watches
//! the events, updates the progress display and ends the main loop once the
//! outcome is known. The main loop then stops the graph, which finalizes
//! the files the writers produce.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::Context;
use streamlib::{EventKind, RuntimeEvent, RuntimeState, StreamError, StreamRuntime};
use tokio::sync::broadcast::{self, error::TryRecvError};

use crate::progress::{self, Counts, Progress};
use crate::{pipeline_file, problems, shutdown};

/// How often the monitor reads events and metrics.
const MONITOR_INTERVAL: Duration = Duration::from_millis(100);

/// Exit code after Ctrl-C or SIGTERM, as shells report an interrupt.
/// Exit status after SIGINT when no signal number is known: 128 + 2.
const INTERRUPTED_EXIT_CODE: u8 = 130;

/// The end of a run.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Finished,
    Failed {
        processor: String,
        message: String,
    },
    /// The main loop ended for another reason: a signal.
    Interrupted,
}

pub fn run(path: &Path) -> anyhow::Result<ExitCode> {
    let document = pipeline_file::load(path)?;
    if document.processors.is_empty() {
        anyhow::bail!(
            "{} has no processors, so there is nothing to run",
            path.display()
        );
    }
    let runtime = Arc::new(StreamRuntime::new());
    runtime
        .replace_graph(&document)
        .map_err(|error| problems::describe(path, error))?;
    let signals = shutdown::on_signal_request(runtime.shutdown_handle())?;

    let events = runtime.subscribe_events();
    let started = Instant::now();
    tracing::info!(file = %path.display(), "starting pipeline");
    if let Err(error) = runtime.start() {
        return Err(start_failure(error));
    }

    let monitor = Monitor::spawn(runtime.clone(), events)?;
    runtime.run().context("the runtime main loop failed")?;
    let (mut outcome, mut events) = monitor.join();
    let wall_time = started.elapsed();

    // Writers finalize their files while the main loop stops the graph; a
    // failure there still fails the run.
    if let Some(failure) = first_failure(&mut events)
        && !matches!(outcome, Outcome::Failed { .. })
    {
        outcome = failure;
    }
    if outcome == Outcome::Interrupted && !signals.is_set() {
        tracing::warn!("the main loop ended without a signal or an outcome");
    }

    print_summary(&runtime.state(), &outcome, wall_time);
    match outcome {
        Outcome::Finished => Ok(ExitCode::SUCCESS),
        Outcome::Failed { processor, message } => {
            anyhow::bail!("processor '{processor}' failed: {message}")
        }
        Outcome::Interrupted => {
            eprintln!("interrupted: the pipeline was stopped before it finished");
            // The shell convention: 128 plus the signal number, so 130 after
            // Ctrl-C and 143 after SIGTERM.
            let status = signals
                .signal()
                .and_then(|signal| u8::try_from(128 + signal).ok())
                .unwrap_or(INTERRUPTED_EXIT_CODE);
            Ok(ExitCode::from(status))
        }
    }
}

/// Names the processor when the error is a processor's own failure.
fn start_failure(error: StreamError) -> anyhow::Error {
    match error {
        StreamError::ProcessorFailed { processor, message } => {
            anyhow::anyhow!("cannot start the pipeline: processor '{processor}' failed: {message}")
        }
        other => anyhow::Error::new(other).context("cannot start the pipeline"),
    }
}

/// Watches events and metrics on its own thread while the main loop runs.
struct Monitor {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<(Outcome, broadcast::Receiver<RuntimeEvent>)>,
}

impl Monitor {
    fn spawn(
        runtime: Arc<StreamRuntime>,
        mut events: broadcast::Receiver<RuntimeEvent>,
    ) -> anyhow::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::Builder::new()
            .name("run-monitor".to_owned())
            .spawn(move || {
                let outcome = watch(&runtime, &mut events, &stopped);
                if outcome != Outcome::Interrupted {
                    runtime.shutdown_handle().request();
                }
                (outcome, events)
            })
            .context("cannot start the monitor thread")?;
        Ok(Self { stop, thread })
    }

    fn join(self) -> (Outcome, broadcast::Receiver<RuntimeEvent>) {
        self.stop.store(true, Ordering::SeqCst);
        match self.thread.join() {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

/// Returns the outcome once one is known, or `Interrupted` when `stop` is
/// set first.
fn watch(
    runtime: &StreamRuntime,
    events: &mut broadcast::Receiver<RuntimeEvent>,
    stop: &AtomicBool,
) -> Outcome {
    let mut progress = Progress::new(progress::expected_total(&runtime.state()));
    while !stop.load(Ordering::SeqCst) {
        loop {
            match events.try_recv() {
                Ok(event) => {
                    if let Some(outcome) = outcome_of(&event) {
                        progress.update(Counts::from_state(&runtime.state()));
                        progress.finish();
                        return outcome;
                    }
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Lagged(missed)) => {
                    tracing::debug!(missed, "monitor missed events; reading the state instead");
                    if let Some(outcome) = outcome_from_state(&runtime.state()) {
                        return outcome;
                    }
                }
                Err(TryRecvError::Closed) => return Outcome::Interrupted,
            }
        }
        progress.update(Counts::from_state(&runtime.state()));
        std::thread::sleep(MONITOR_INTERVAL);
    }
    Outcome::Interrupted
}

fn outcome_of(event: &RuntimeEvent) -> Option<Outcome> {
    match &event.kind {
        EventKind::PipelineFinished => Some(Outcome::Finished),
        EventKind::ProcessorError {
            processor_id,
            message,
        } => Some(Outcome::Failed {
            processor: processor_id.to_string(),
            message: message.clone(),
        }),
        _ => None,
    }
}

/// Derives the outcome from the processor states, for when events were missed.
fn outcome_from_state(state: &RuntimeState) -> Option<Outcome> {
    use streamlib::ProcessorState;

    if let Some(failed) = state
        .processors
        .iter()
        .find(|processor| processor.state == ProcessorState::Error)
    {
        return Some(Outcome::Failed {
            processor: failed.id.to_string(),
            message: "it stopped with an error; the error log line above has the message"
                .to_owned(),
        });
    }
    let all_finished = state
        .processors
        .iter()
        .all(|processor| processor.state == ProcessorState::Finished);
    all_finished.then_some(Outcome::Finished)
}

/// Returns the first processor failure among the events still queued.
fn first_failure(events: &mut broadcast::Receiver<RuntimeEvent>) -> Option<Outcome> {
    loop {
        match events.try_recv() {
            Ok(event) => {
                if let Some(failure @ Outcome::Failed { .. }) = outcome_of(&event) {
                    return Some(failure);
                }
            }
            Err(TryRecvError::Lagged(_)) => {}
            Err(TryRecvError::Empty | TryRecvError::Closed) => return None,
        }
    }
}

fn print_summary(state: &RuntimeState, outcome: &Outcome, wall_time: Duration) {
    let verb = match outcome {
        Outcome::Finished => "finished",
        Outcome::Failed { .. } => "failed",
        Outcome::Interrupted => "stopped",
    };
    println!("pipeline {verb} after {:.2} s", wall_time.as_secs_f64());
    for sink in state
        .processors
        .iter()
        .filter(|processor| progress::is_sink(processor))
    {
        println!(
            "  sink {} ({}): {} frames",
            sink.id, sink.processor_type, sink.metrics.frames_in
        );
    }
    let dropped: u64 = state
        .connections
        .iter()
        .map(|link| link.frames_dropped)
        .sum();
    println!("  dropped frames: {dropped}");
    for link in state
        .connections
        .iter()
        .filter(|link| link.frames_dropped > 0)
    {
        println!("    {} -> {}: {}", link.from, link.to, link.frames_dropped);
    }
}
