//! State that processor threads share with the runtime. Runner threads only
//! ever take the locks in this file, never the graph lock, so the runtime can
//! hold the graph lock while it joins them.
//!
//! Lock order: `RuntimeShared::run_members`, then `ProcessorShared::state`,
//! then the event bus's sequence lock.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use parking_lot::Mutex;

use crate::core::graph::ProcessorId;
use crate::core::runtime::ProcessorState;
use crate::core::runtime::event::{EventBus, EventKind};

/// Live counters and state of one processor, kept across runs.
#[derive(Debug)]
pub(crate) struct ProcessorShared {
    pub id: ProcessorId,
    state: Mutex<ProcessorState>,
    pub frames_in: AtomicU64,
    pub frames_out: AtomicU64,
    pub process_calls: AtomicU64,
    pub process_time_ns: AtomicU64,
    /// Facts the processor publishes about itself while running, like the
    /// address a server bound.
    status: Mutex<Option<serde_json::Value>>,
}

impl ProcessorShared {
    pub fn new(id: ProcessorId) -> Self {
        Self {
            id,
            state: Mutex::new(ProcessorState::Idle),
            frames_in: AtomicU64::new(0),
            frames_out: AtomicU64::new(0),
            process_calls: AtomicU64::new(0),
            process_time_ns: AtomicU64::new(0),
            status: Mutex::new(None),
        }
    }

    pub fn status(&self) -> Option<serde_json::Value> {
        self.status.lock().clone()
    }

    pub fn set_status(&self, status: Option<serde_json::Value>) {
        *self.status.lock() = status;
    }

    pub fn state(&self) -> ProcessorState {
        *self.state.lock()
    }

    pub fn record_process_call(&self, elapsed_ns: u64) {
        self.process_calls.fetch_add(1, Ordering::Relaxed);
        self.process_time_ns
            .fetch_add(elapsed_ns, Ordering::Relaxed);
    }
}

/// State shared by the runtime and its runner threads: the event bus, the set of
/// processors taking part in the current run, and the live thread count.
#[derive(Debug)]
pub(crate) struct RuntimeShared {
    pub events: EventBus,
    run_members: Mutex<BTreeMap<ProcessorId, Arc<ProcessorShared>>>,
    pipeline_finished: AtomicBool,
    runner_threads: AtomicUsize,
}

impl RuntimeShared {
    pub fn new() -> Self {
        Self {
            events: EventBus::new(),
            run_members: Mutex::new(BTreeMap::new()),
            pipeline_finished: AtomicBool::new(false),
            runner_threads: AtomicUsize::new(0),
        }
    }

    /// Moves `processor` to `state` and emits `processor_state_changed` when
    /// that is a change.
    pub fn set_state(&self, processor: &ProcessorShared, state: ProcessorState) {
        let mut current = processor.state.lock();
        let old_state = *current;
        if old_state == state {
            return;
        }
        *current = state;
        self.events.emit(EventKind::ProcessorStateChanged {
            processor_id: processor.id.clone(),
            old_state,
            state,
        });
    }

    /// Moves `processor` from `from` to `to`, and only from `from`, so a
    /// state the runner set meanwhile (finished, error) is kept.
    pub fn transition(
        &self,
        processor: &ProcessorShared,
        from: ProcessorState,
        to: ProcessorState,
    ) {
        let mut current = processor.state.lock();
        if *current != from {
            return;
        }
        *current = to;
        self.events.emit(EventKind::ProcessorStateChanged {
            processor_id: processor.id.clone(),
            old_state: from,
            state: to,
        });
    }

    /// Starts tracking a new run; `members` are the processors whose end of
    /// stream together finishes the pipeline.
    pub fn begin_run(&self, members: impl IntoIterator<Item = Arc<ProcessorShared>>) {
        let mut run_members = self.run_members.lock();
        run_members.clear();
        run_members.extend(
            members
                .into_iter()
                .map(|shared| (shared.id.clone(), shared)),
        );
        self.pipeline_finished.store(false, Ordering::Release);
    }

    pub fn join_run(&self, member: Arc<ProcessorShared>) {
        self.run_members.lock().insert(member.id.clone(), member);
    }

    pub fn leave_run(&self, id: &ProcessorId) {
        self.run_members.lock().remove(id);
        self.check_pipeline_finished();
    }

    pub fn end_run(&self) {
        self.run_members.lock().clear();
    }

    /// Emits `pipeline_finished` once per run, when every member has finished.
    pub fn check_pipeline_finished(&self) {
        let run_members = self.run_members.lock();
        let all_finished = !run_members.is_empty()
            && run_members
                .values()
                .all(|member| member.state() == ProcessorState::Finished);
        if all_finished && !self.pipeline_finished.swap(true, Ordering::AcqRel) {
            tracing::info!(processors = run_members.len(), "pipeline finished");
            self.events.emit(EventKind::PipelineFinished);
        }
    }

    pub fn runner_threads(&self) -> usize {
        self.runner_threads.load(Ordering::Acquire)
    }

    pub fn runner_thread_started(&self) {
        self.runner_threads.fetch_add(1, Ordering::AcqRel);
    }

    pub fn runner_thread_ended(&self) {
        self.runner_threads.fetch_sub(1, Ordering::AcqRel);
    }
}
