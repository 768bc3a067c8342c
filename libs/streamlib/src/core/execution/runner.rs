//! The thread that runs one processor.
//!
//! States a runner moves through: set up, report ready, wait for `Go`, then
//! process (reactive, continuous or manual) until `Stop`, then tear down.
//! Every step after the spawn runs inside one `catch_unwind`, so an error or
//! a panic anywhere ends in exactly one `processor_error` event and state
//! `error`, and teardown still runs. Runner threads never take the graph
//! lock; they only touch `RuntimeShared` and `ProcessorShared`.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::core::context::RuntimeContext;
use crate::core::error::{Result, StreamError};
use crate::core::execution::{Control, Outputs};
use crate::core::graph::ProcessorId;
use crate::core::links::{LinkItem, LinkReceiver, LinkSender};
use crate::core::processors::{
    ExecutionMode, Flow, ProcessInput, Processor, ProcessorInstance, Tick,
};
use crate::core::runtime::ProcessorState;
use crate::core::runtime::event::EventKind;
use crate::core::runtime::shared::{ProcessorShared, RuntimeShared};

/// How long `join` waits before it logs that a processor ignores its stop.
const STOP_WARNING_AFTER: Duration = Duration::from_secs(5);
/// How long `join` waits in all before it gives up on a processor thread.
const STOP_DEADLINE: Duration = Duration::from_secs(30);
/// A live source this far behind its schedule skips ahead instead of
/// bursting to catch up.
const MAX_LATENESS: Duration = Duration::from_secs(1);

/// Everything a runner thread needs, moved into it at spawn.
pub(crate) struct RunnerSpec {
    pub id: ProcessorId,
    pub processor_type: String,
    pub mode: ExecutionMode,
    pub instance: ProcessorInstance,
    pub inputs: Vec<(String, LinkReceiver)>,
    pub outputs: Vec<(String, LinkSender)>,
    pub processor: Arc<ProcessorShared>,
    pub runtime: Arc<RuntimeShared>,
    pub context: RuntimeContext,
    pub start_paused: bool,
}

/// The runtime's side of one runner thread.
#[derive(Debug)]
pub(crate) struct RunnerHandle {
    id: ProcessorId,
    control_tx: flume::Sender<Control>,
    ready_rx: flume::Receiver<Result<()>>,
    done_rx: flume::Receiver<()>,
    thread: Option<JoinHandle<()>>,
}

impl RunnerHandle {
    pub fn id(&self) -> &ProcessorId {
        &self.id
    }

    /// Sends a control message; false when the thread has already ended.
    pub fn send(&self, control: Control) -> bool {
        self.control_tx.send(control).is_ok()
    }

    /// Delivers the outcome of `setup` once.
    pub fn ready_receiver(&self) -> &flume::Receiver<Result<()>> {
        &self.ready_rx
    }

    /// Joins the thread, which must have been sent `Stop`. `wait` waits on
    /// the thread's exit signal for up to the given time, so the caller can
    /// keep serving the main thread meanwhile.
    pub fn join_with(
        mut self,
        wait: impl Fn(
            &flume::Receiver<()>,
            Duration,
        ) -> std::result::Result<(), flume::RecvTimeoutError>,
    ) {
        self.join_thread(wait);
    }

    fn join_thread(
        &mut self,
        wait: impl Fn(
            &flume::Receiver<()>,
            Duration,
        ) -> std::result::Result<(), flume::RecvTimeoutError>,
    ) {
        let Some(thread) = self.thread.take() else {
            return;
        };
        if let Err(flume::RecvTimeoutError::Timeout) = wait(&self.done_rx, STOP_WARNING_AFTER) {
            tracing::warn!(
                processor = %self.id,
                waited_s = STOP_WARNING_AFTER.as_secs(),
                "processor is still running after stop; waiting for it"
            );
            let rest = STOP_DEADLINE - STOP_WARNING_AFTER;
            if let Err(flume::RecvTimeoutError::Timeout) = wait(&self.done_rx, rest) {
                // NOTE: a thread cannot be killed; one stuck inside `process`
                // is detached here and ends whenever its call returns.
                tracing::error!(
                    processor = %self.id,
                    waited_s = STOP_DEADLINE.as_secs(),
                    "processor ignored stop; detaching its thread"
                );
                return;
            }
        }
        let _ = thread.join();
    }
}

impl Drop for RunnerHandle {
    fn drop(&mut self) {
        if self.thread.is_some() {
            let _ = self.control_tx.send(Control::Stop);
            self.join_thread(|done, timeout| done.recv_timeout(timeout));
        }
    }
}

/// Starts the thread for one processor. It sets up at once, then waits for `Go`.
pub(crate) fn spawn_runner(spec: RunnerSpec) -> Result<RunnerHandle> {
    let (control_tx, control_rx) = flume::unbounded();
    let (ready_tx, ready_rx) = flume::bounded(1);
    let (done_tx, done_rx) = flume::bounded::<()>(0);
    let id = spec.id.clone();
    let runtime = spec.runtime.clone();
    let span =
        tracing::info_span!("processor", id = %spec.id, processor_type = %spec.processor_type);
    let runner = Runner::new(spec, control_rx, ready_tx);

    runtime.runner_thread_started();
    let thread = std::thread::Builder::new()
        .name(format!("sl-{id}"))
        .spawn(move || {
            let _entered = span.enter();
            runner.run_thread();
            drop(done_tx);
        });
    match thread {
        Ok(thread) => Ok(RunnerHandle {
            id,
            control_tx,
            ready_rx,
            done_rx,
            thread: Some(thread),
        }),
        Err(error) => {
            runtime.runner_thread_ended();
            Err(StreamError::ProcessorFailed {
                processor: id,
                message: format!("could not start its thread: {error}"),
            })
        }
    }
}

struct InputLink {
    port: String,
    receiver: LinkReceiver,
    ended: bool,
}

/// The reason a reactive runner woke up.
enum Wake {
    Control(Control),
    Item(usize, LinkItem),
    /// Every sender of input `usize` is gone.
    Closed(usize),
    /// The runtime dropped the control channel.
    Orphaned,
}

#[derive(PartialEq, Eq)]
enum Next {
    Continue,
    Stop,
}

struct Runner {
    id: ProcessorId,
    mode: ExecutionMode,
    processor: Box<dyn Processor>,
    inputs: Vec<InputLink>,
    outputs: Outputs,
    control_rx: flume::Receiver<Control>,
    ready_tx: Option<flume::Sender<Result<()>>>,
    shared: Arc<ProcessorShared>,
    runtime: Arc<RuntimeShared>,
    context: RuntimeContext,
    paused: bool,
    finished: bool,
    failed: bool,
    /// Input index where the reactive fast path starts looking, so no input starves.
    next_input: usize,
}

impl Runner {
    fn new(
        spec: RunnerSpec,
        control_rx: flume::Receiver<Control>,
        ready_tx: flume::Sender<Result<()>>,
    ) -> Self {
        let mut outputs = Outputs::new(
            &spec.instance.ports,
            control_rx.clone(),
            spec.processor.clone(),
        );
        for (port, sender) in spec.outputs {
            outputs.attach(&port, sender);
        }
        let inputs = spec
            .inputs
            .into_iter()
            .map(|(port, receiver)| InputLink {
                port,
                receiver,
                ended: false,
            })
            .collect();
        Self {
            id: spec.id,
            mode: spec.mode,
            processor: spec.instance.processor,
            inputs,
            outputs,
            control_rx,
            ready_tx: Some(ready_tx),
            shared: spec.processor,
            runtime: spec.runtime,
            context: spec.context,
            paused: spec.start_paused,
            finished: false,
            failed: false,
            next_input: 0,
        }
    }

    fn run_thread(mut self) {
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| self.run()));
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(error)) => self.fail(error),
            Err(payload) => self.fail(StreamError::processing(panic_message(payload.as_ref()))),
        }

        let teardown = panic::catch_unwind(AssertUnwindSafe(|| self.processor.teardown()));
        match teardown {
            Ok(Ok(())) => {}
            Ok(Err(error)) => self.fail(error),
            Err(payload) => self.fail(StreamError::processing(panic_message(payload.as_ref()))),
        }

        if !self.failed {
            self.runtime
                .set_state(&self.shared, ProcessorState::Stopped);
        }
        tracing::debug!("processor thread ended");
        let runtime = self.runtime.clone();
        drop(self);
        runtime.runner_thread_ended();
    }

    fn run(&mut self) -> Result<()> {
        self.processor.setup(&self.context)?;
        if let Some(ready_tx) = self.ready_tx.take() {
            let _ = ready_tx.send(Ok(()));
        }
        if !self.wait_for_go()? {
            return Ok(());
        }

        let state = if self.paused {
            ProcessorState::Paused
        } else {
            ProcessorState::Running
        };
        self.runtime.set_state(&self.shared, state);
        for index in 0..self.inputs.len() {
            self.announce_input(index)?;
        }
        match self.mode {
            ExecutionMode::Reactive => self.run_reactive(),
            ExecutionMode::Continuous => self.run_continuous(),
            ExecutionMode::Manual => self.run_manual(),
        }
    }

    /// Records a failure once: state `error`, one `processor_error` event,
    /// and the setup outcome when the runtime still waits for it.
    fn fail(&mut self, error: StreamError) {
        let message = match error {
            StreamError::Processing(message) => message,
            other => other.to_string(),
        };
        if self.ready_tx.is_some() {
            // The caller of start or add receives this error and reports it.
            tracing::debug!(error = %message, "processor setup failed");
        } else {
            tracing::error!(error = %message, "processor failed");
        }
        if let Some(ready_tx) = self.ready_tx.take() {
            let _ = ready_tx.send(Err(StreamError::ProcessorFailed {
                processor: self.id.clone(),
                message: message.clone(),
            }));
        }
        if self.failed {
            return;
        }
        self.failed = true;
        self.runtime.set_state(&self.shared, ProcessorState::Error);
        self.runtime.events.emit(EventKind::ProcessorError {
            processor_id: self.id.clone(),
            message,
        });
        self.runtime.check_pipeline_finished();
    }

    /// Returns false when `Stop` came before `Go`.
    fn wait_for_go(&mut self) -> Result<bool> {
        loop {
            let Ok(control) = self.control_rx.recv() else {
                return Ok(false);
            };
            match control {
                Control::Go => return Ok(true),
                other => {
                    if self.handle_control(other)? == Next::Stop {
                        return Ok(false);
                    }
                }
            }
        }
    }

    fn run_manual(&mut self) -> Result<()> {
        while let Ok(control) = self.control_rx.recv() {
            if self.handle_control(control)? == Next::Stop {
                break;
            }
        }
        Ok(())
    }

    fn run_continuous(&mut self) -> Result<()> {
        let schedule = self.processor.schedule();
        let mut index = 0u64;
        let mut origin = Instant::now();
        loop {
            if self.drain_controls()? == Next::Stop {
                return Ok(());
            }

            if self.paused || self.finished {
                let waiting_since = Instant::now();
                let Ok(control) = self.control_rx.recv() else {
                    return Ok(());
                };
                if self.handle_control(control)? == Next::Stop {
                    return Ok(());
                }
                // Time spent paused does not count, so resume brings no burst.
                origin += waiting_since.elapsed();
                continue;
            }

            if schedule.live {
                let deadline = origin + Duration::from_nanos(schedule.period.timestamp_ns(index));
                match self.control_rx.recv_deadline(deadline) {
                    Ok(control) => {
                        if self.handle_control(control)? == Next::Stop {
                            return Ok(());
                        }
                        continue;
                    }
                    Err(flume::RecvTimeoutError::Timeout) => {}
                    Err(flume::RecvTimeoutError::Disconnected) => return Ok(()),
                }
                let lateness = deadline.elapsed();
                if lateness > MAX_LATENESS {
                    tracing::debug!(
                        late_ms = lateness.as_millis() as u64,
                        "source behind schedule; skipping ahead"
                    );
                    origin += lateness;
                }
            }

            let tick = Tick {
                index,
                timestamp_ns: schedule.period.timestamp_ns(index),
            };
            index += 1;
            let started = Instant::now();
            let flow = self
                .processor
                .process(ProcessInput::Tick(tick), &mut self.outputs)?;
            self.shared
                .record_process_call(started.elapsed().as_nanos() as u64);
            if flow == Flow::EndOfStream {
                self.finish_stream();
            }
        }
    }

    fn run_reactive(&mut self) -> Result<()> {
        loop {
            if self.drain_controls()? == Next::Stop {
                return Ok(());
            }

            if self.paused || self.finished || self.inputs.is_empty() {
                let Ok(control) = self.control_rx.recv() else {
                    return Ok(());
                };
                if self.handle_control(control)? == Next::Stop {
                    return Ok(());
                }
                continue;
            }

            match self.wait_for_input() {
                Wake::Control(control) => {
                    if self.handle_control(control)? == Next::Stop {
                        return Ok(());
                    }
                }
                Wake::Item(index, item) => self.deliver(index, item)?,
                Wake::Closed(index) => self.remove_input(index)?,
                Wake::Orphaned => return Ok(()),
            }
        }
    }

    /// Takes a queued item without blocking, starting at a rotating input for
    /// fairness. When nothing is queued, it blocks on every input and the
    /// control channel at once.
    fn wait_for_input(&mut self) -> Wake {
        let count = self.inputs.len();
        for offset in 0..count {
            let index = (self.next_input + offset) % count;
            if let Some(item) = self.inputs[index].receiver.try_recv() {
                self.next_input = (index + 1) % count;
                return Wake::Item(index, item);
            }
        }

        let mut selector = flume::Selector::new().recv(&self.control_rx, |message| match message {
            Ok(control) => Wake::Control(control),
            Err(_) => Wake::Orphaned,
        });
        for (index, input) in self.inputs.iter().enumerate() {
            selector = selector.recv(input.receiver.receiver(), move |message| match message {
                Ok(item) => Wake::Item(index, item),
                Err(_) => Wake::Closed(index),
            });
        }
        let wake = selector.wait();
        if let Wake::Item(index, item) = &wake {
            self.inputs[*index].receiver.count_taken(item);
        }
        wake
    }

    fn deliver(&mut self, index: usize, item: LinkItem) -> Result<()> {
        let input = &self.inputs[index];
        let started = Instant::now();
        let flow = match item {
            LinkItem::Frame(frame) => {
                self.shared
                    .frames_in
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let input = ProcessInput::Frame {
                    port: &input.port,
                    link: &input.receiver.id,
                    frame,
                };
                self.processor.process(input, &mut self.outputs)?
            }
            LinkItem::EndOfStream => {
                let input = ProcessInput::InputEnded {
                    port: &input.port,
                    link: &input.receiver.id,
                };
                let flow = self.processor.process(input, &mut self.outputs)?;
                self.inputs[index].ended = true;
                flow
            }
        };
        self.shared
            .record_process_call(started.elapsed().as_nanos() as u64);
        if flow == Flow::EndOfStream {
            self.finish_stream();
            return Ok(());
        }
        self.finish_if_inputs_ended()
    }

    /// Tells the processor about an attached input link.
    fn announce_input(&mut self, index: usize) -> Result<()> {
        let input = &self.inputs[index];
        let attached = ProcessInput::InputAttached {
            port: &input.port,
            link: &input.receiver.id,
        };
        if self.processor.process(attached, &mut self.outputs)? == Flow::EndOfStream {
            self.finish_stream();
        }
        Ok(())
    }

    fn remove_input(&mut self, index: usize) -> Result<()> {
        let input = self.inputs.remove(index);
        self.next_input = 0;
        if !input.ended {
            let ended = ProcessInput::InputEnded {
                port: &input.port,
                link: &input.receiver.id,
            };
            if self.processor.process(ended, &mut self.outputs)? == Flow::EndOfStream {
                self.finish_stream();
                return Ok(());
            }
        }
        self.finish_if_inputs_ended()
    }

    /// Finishes once every attached input has delivered end of stream. With
    /// no inputs left (all unlinked) the processor waits for new links instead.
    fn finish_if_inputs_ended(&mut self) -> Result<()> {
        if self.finished || self.inputs.is_empty() || !self.inputs.iter().all(|input| input.ended) {
            return Ok(());
        }
        self.processor.finish(&mut self.outputs)?;
        self.finish_stream();
        Ok(())
    }

    /// Reports the processor finished, then sends end of stream downstream.
    /// Reporting first means no downstream processor can finish, and no
    /// observer can see it finished, before this one is.
    fn finish_stream(&mut self) {
        if self.finished || self.outputs.is_stopping() {
            return;
        }
        self.finished = true;
        tracing::debug!("end of stream");
        self.runtime
            .set_state(&self.shared, ProcessorState::Finished);
        self.runtime.events.emit(EventKind::EndOfStream {
            processor_id: self.id.clone(),
        });
        self.runtime.check_pipeline_finished();
        self.outputs.send_end_of_stream();
    }

    fn drain_controls(&mut self) -> Result<Next> {
        loop {
            let next = self
                .outputs
                .deferred
                .pop_front()
                .or_else(|| self.control_rx.try_recv().ok());
            let Some(control) = next else {
                return Ok(Next::Continue);
            };
            if self.handle_control(control)? == Next::Stop {
                return Ok(Next::Stop);
            }
        }
    }

    fn handle_control(&mut self, control: Control) -> Result<Next> {
        match control {
            Control::Go => {}
            Control::Stop => {
                self.outputs.request_stop();
                return Ok(Next::Stop);
            }
            Control::Pause => {
                self.paused = true;
                if self.shared.state() == ProcessorState::Running {
                    self.runtime.set_state(&self.shared, ProcessorState::Paused);
                }
            }
            Control::Resume => {
                self.paused = false;
                if self.shared.state() == ProcessorState::Paused {
                    self.runtime
                        .set_state(&self.shared, ProcessorState::Running);
                }
            }
            Control::UpdateConfig { config, reply } => {
                let outcome = self.processor.update_config(&config);
                let _ = reply.send(outcome);
            }
            Control::AttachInput { port, receiver } => {
                self.inputs.push(InputLink {
                    port,
                    receiver,
                    ended: false,
                });
                self.announce_input(self.inputs.len() - 1)?;
            }
            Control::DetachInput(link) => {
                if let Some(index) = self
                    .inputs
                    .iter()
                    .position(|input| input.receiver.id == link)
                {
                    self.remove_input(index)?;
                }
            }
            Control::AttachOutput { port, sender } => {
                let link = sender.id.clone();
                self.outputs.attach(&port, sender);
                if self.finished {
                    self.outputs.send_end_of_stream_on(&link);
                }
            }
            Control::DetachOutput(link) => self.outputs.detach(&link),
        }
        Ok(Next::Continue)
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let detail = payload
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic payload".to_owned());
    format!("panicked: {detail}")
}
