//! Mock processors and helpers shared by the integration tests. Everything
//! here goes through the public API, as a program embedding the library would.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use streamlib::{
    ExecutionMode, Flow, Frame, FrameKind, Outputs, PortDescriptor, Ports, ProcessInput, Processor,
    ProcessorDescriptor, ProcessorInstance, ProcessorRegistry, ProcessorSpec, RuntimeEvent,
    StreamError, StreamRuntime,
};
use tokio::sync::broadcast;

/// How long a test waits for something that should happen at once.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// What the collector sink reports to the test.
#[derive(Debug, Clone)]
pub enum Observation {
    Frame { tag: String, frame: Frame },
    Ended { tag: String },
}

/// A registry with the built-ins plus mock processors whose observations
/// arrive on the returned receiver.
pub fn mock_registry() -> (Arc<ProcessorRegistry>, flume::Receiver<Observation>) {
    let registry = ProcessorRegistry::with_builtins();
    let (observations_tx, observations_rx) = flume::unbounded();
    register_collector(&registry, observations_tx);
    register_faulty(&registry);
    (Arc::new(registry), observations_rx)
}

pub fn mock_runtime() -> (StreamRuntime, flume::Receiver<Observation>) {
    let (registry, observations) = mock_registry();
    (StreamRuntime::with_registry(registry), observations)
}

fn config_str(config: &serde_json::Value, key: &str, default: &str) -> String {
    config
        .get(key)
        .and_then(|value| value.as_str())
        .unwrap_or(default)
        .to_owned()
}

fn config_u64(config: &serde_json::Value, key: &str) -> Option<u64> {
    config.get(key).and_then(|value| value.as_u64())
}

fn kind_of(config: &serde_json::Value) -> FrameKind {
    match config_str(config, "kind", "video").as_str() {
        "audio" => FrameKind::Audio,
        "data" => FrameKind::Data,
        _ => FrameKind::Video,
    }
}

/// A sink that forwards every frame to the test, optionally sleeping
/// `delay_ms` per frame to play a slow consumer.
struct CollectorProcessor {
    tag: String,
    delay: Duration,
    observations: flume::Sender<Observation>,
}

impl Processor for CollectorProcessor {
    fn process(
        &mut self,
        input: ProcessInput<'_>,
        _output: &mut Outputs,
    ) -> streamlib::Result<Flow> {
        if let ProcessInput::Frame { frame, .. } = input {
            if !self.delay.is_zero() {
                std::thread::sleep(self.delay);
            }
            let _ = self.observations.send(Observation::Frame {
                tag: self.tag.clone(),
                frame,
            });
        }
        Ok(Flow::Continue)
    }

    fn finish(&mut self, _output: &mut Outputs) -> streamlib::Result<()> {
        let _ = self.observations.send(Observation::Ended {
            tag: self.tag.clone(),
        });
        Ok(())
    }
}

fn register_collector(registry: &ProcessorRegistry, observations: flume::Sender<Observation>) {
    let descriptor = ProcessorDescriptor {
        processor_type: "CollectorProcessor".to_owned(),
        description: "Test sink that reports every frame".to_owned(),
        execution_mode: ExecutionMode::Reactive,
        ports: Ports::new(vec![PortDescriptor::new("video", FrameKind::Video)], vec![]),
        config_schema: json!({"type": "object"}),
    };
    let factory = move |config: &serde_json::Value| {
        let kind = kind_of(config);
        Ok(ProcessorInstance {
            processor: Box::new(CollectorProcessor {
                tag: config_str(config, "tag", "sink"),
                delay: Duration::from_millis(config_u64(config, "delay_ms").unwrap_or(0)),
                observations: observations.clone(),
            }),
            ports: Ports::new(vec![PortDescriptor::new(kind.as_str(), kind)], vec![]),
            config: config.clone(),
        })
    };
    registry
        .register_factory(descriptor, Arc::new(factory))
        .expect("collector registers");
}

/// A video pass-through that fails on purpose: `error_at` returns an error
/// on that frame number, `panic_at` panics on it, `fail_setup` fails setup.
struct FaultyProcessor {
    error_at: Option<u64>,
    panic_at: Option<u64>,
    fail_setup: bool,
}

impl Processor for FaultyProcessor {
    fn setup(&mut self, _context: &streamlib::RuntimeContext) -> streamlib::Result<()> {
        if self.fail_setup {
            return Err(StreamError::processing("setup refused on purpose"));
        }
        Ok(())
    }

    fn process(
        &mut self,
        input: ProcessInput<'_>,
        output: &mut Outputs,
    ) -> streamlib::Result<Flow> {
        let ProcessInput::Frame { frame, .. } = input else {
            return Ok(Flow::Continue);
        };
        let number = frame.frame_number();
        if self.error_at == Some(number) {
            return Err(StreamError::processing(format!("error on frame {number}")));
        }
        if self.panic_at == Some(number) {
            panic!("panic on frame {number}");
        }
        output.send("video", frame)?;
        Ok(Flow::Continue)
    }
}

fn register_faulty(registry: &ProcessorRegistry) {
    let ports = Ports::new(
        vec![PortDescriptor::new("video", FrameKind::Video)],
        vec![PortDescriptor::new("video", FrameKind::Video)],
    );
    let descriptor = ProcessorDescriptor {
        processor_type: "FaultyProcessor".to_owned(),
        description: "Test pass-through that fails on purpose".to_owned(),
        execution_mode: ExecutionMode::Reactive,
        ports: ports.clone(),
        config_schema: json!({"type": "object"}),
    };
    let factory = move |config: &serde_json::Value| {
        Ok(ProcessorInstance {
            processor: Box::new(FaultyProcessor {
                error_at: config_u64(config, "error_at"),
                panic_at: config_u64(config, "panic_at"),
                fail_setup: config
                    .get("fail_setup")
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false),
            }),
            ports: ports.clone(),
            config: config.clone(),
        })
    };
    registry
        .register_factory(descriptor, Arc::new(factory))
        .expect("faulty processor registers");
}

/// Adds a processor with a chosen id.
pub fn add(runtime: &StreamRuntime, id: &str, processor_type: &str, config: serde_json::Value) {
    runtime
        .add_processor(
            ProcessorSpec::new(processor_type)
                .with_id(id)
                .with_config(config),
        )
        .unwrap_or_else(|error| panic!("adding {id} failed: {error}"));
}

/// A test pattern that emits `frames` small frames as fast as downstream takes them.
pub fn fast_pattern(frames: u64) -> serde_json::Value {
    json!({"width": 16, "height": 8, "fps": 30, "frame_count": frames, "live": false})
}

/// A live test pattern at `fps` that never ends.
pub fn live_pattern(fps: u32) -> serde_json::Value {
    json!({"width": 16, "height": 8, "fps": fps, "live": true})
}

/// Receives the next frame observation for `tag`, failing the test after `PATIENCE`.
pub fn next_frame(observations: &flume::Receiver<Observation>, tag: &str) -> Frame {
    let deadline = Instant::now() + PATIENCE;
    loop {
        match observations.recv_deadline(deadline) {
            Ok(Observation::Frame { tag: seen, frame }) if seen == tag => return frame,
            Ok(_) => continue,
            Err(_) => panic!("no frame reached '{tag}' within {PATIENCE:?}"),
        }
    }
}

/// Collects frames for `tag` until it reports end of stream.
pub fn frames_until_end(observations: &flume::Receiver<Observation>, tag: &str) -> Vec<Frame> {
    let deadline = Instant::now() + PATIENCE;
    let mut frames = Vec::new();
    loop {
        match observations.recv_deadline(deadline) {
            Ok(Observation::Frame { tag: seen, frame }) if seen == tag => frames.push(frame),
            Ok(Observation::Ended { tag: seen }) if seen == tag => return frames,
            Ok(_) => continue,
            Err(_) => panic!(
                "'{tag}' did not reach end of stream within {PATIENCE:?}; {} frames so far",
                frames.len()
            ),
        }
    }
}

/// Collects frames for every tag in `tags` until each reports end of
/// stream. Unlike waiting on one tag after another, no tag's frames are
/// discarded while another is awaited.
pub fn frames_until_all_end(
    observations: &flume::Receiver<Observation>,
    tags: &[&str],
) -> HashMap<String, Vec<Frame>> {
    let deadline = Instant::now() + PATIENCE;
    let mut frames: HashMap<String, Vec<Frame>> = HashMap::new();
    let mut open: Vec<&str> = tags.to_vec();
    while !open.is_empty() {
        match observations.recv_deadline(deadline) {
            Ok(Observation::Frame { tag, frame }) => frames.entry(tag).or_default().push(frame),
            Ok(Observation::Ended { tag }) => open.retain(|candidate| *candidate != tag),
            Err(_) => panic!("{open:?} did not reach end of stream within {PATIENCE:?}"),
        }
    }
    frames
}

/// Polls `condition` until it holds, failing after `PATIENCE`. For states
/// that no event announces, like a thread having ended.
pub fn wait_until(what: &str, condition: impl Fn() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !condition() {
        assert!(
            Instant::now() < deadline,
            "{what} did not happen within {PATIENCE:?}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Discards observations queued so far.
pub fn drain(observations: &flume::Receiver<Observation>) {
    while observations.try_recv().is_ok() {}
}

/// Waits for the first event matching `predicate`, failing after `PATIENCE`.
pub fn wait_for_event(
    events: &mut broadcast::Receiver<RuntimeEvent>,
    what: &str,
    predicate: impl Fn(&RuntimeEvent) -> bool,
) -> RuntimeEvent {
    let waiter = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("test tokio runtime builds");
    waiter.block_on(async {
        let search = async {
            loop {
                match events.recv().await {
                    Ok(event) if predicate(&event) => return event,
                    Ok(_) => continue,
                    Err(error) => panic!("event stream broke while waiting for {what}: {error}"),
                }
            }
        };
        tokio::time::timeout(PATIENCE, search)
            .await
            .unwrap_or_else(|_| panic!("no {what} event within {PATIENCE:?}"))
    })
}

/// Every event already queued on `events`, without waiting.
pub fn queued_events(events: &mut broadcast::Receiver<RuntimeEvent>) -> Vec<RuntimeEvent> {
    let mut queued = Vec::new();
    while let Ok(event) = events.try_recv() {
        queued.push(event);
    }
    queued
}
