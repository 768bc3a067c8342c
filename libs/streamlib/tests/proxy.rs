//! Driving a runtime through `RuntimeProxy` from async code, with the
//! runtime's main loop on its own thread.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::{JoinHandle, ThreadId};
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;
use streamlib::{
    ConnectionSpec, ExecutionMode, Flow, Outputs, Ports, ProcessInput, Processor,
    ProcessorDescriptor, ProcessorInstance, ProcessorRegistry, ProcessorSpec, RuntimeContext,
    RuntimeProxy, RuntimeStatus, StreamError, StreamRuntime,
};

/// Runs `run()` on a thread of its own, as a host program would.
struct MainLoop {
    runtime: Arc<StreamRuntime>,
    thread: Option<JoinHandle<streamlib::Result<()>>>,
    thread_id: ThreadId,
}

impl MainLoop {
    fn start(runtime: StreamRuntime) -> Self {
        let runtime = Arc::new(runtime);
        let looping = runtime.clone();
        let thread = std::thread::Builder::new()
            .name("main-loop".to_owned())
            .spawn(move || looping.run())
            .expect("main loop thread starts");
        let thread_id = thread.thread().id();
        Self {
            runtime,
            thread: Some(thread),
            thread_id,
        }
    }

    fn proxy(&self) -> RuntimeProxy {
        self.runtime.proxy()
    }

    /// Requests shutdown and joins the main loop.
    fn shut_down(mut self) -> Arc<StreamRuntime> {
        assert!(self.runtime.shutdown_handle().request());
        let thread = self.thread.take().expect("main loop is running");
        thread
            .join()
            .expect("main loop does not panic")
            .expect("run returns Ok");
        self.runtime.clone()
    }
}

fn connection(from: &str, from_port: &str, to: &str, to_port: &str) -> ConnectionSpec {
    ConnectionSpec {
        from_processor: from.to_owned(),
        from_port: from_port.to_owned(),
        to_processor: to.to_owned(),
        to_port: to_port.to_owned(),
        capacity: None,
        overflow: None,
    }
}

fn spec(id: &str, processor_type: &str, config: serde_json::Value) -> ProcessorSpec {
    ProcessorSpec::new(processor_type)
        .with_id(id)
        .with_config(config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_tasks_edit_streaming_graph() {
    const TASKS: usize = 64;
    const ROUNDS: usize = 4;
    let (runtime, observations) = mock_runtime();
    let main = MainLoop::start(runtime);
    let proxy = main.proxy();
    proxy
        .add_processor(spec("source", "TestPatternProcessor", live_pattern(200)))
        .await
        .unwrap();
    proxy
        .add_processor(spec("sink", "CollectorProcessor", json!({"tag": "sink"})))
        .await
        .unwrap();
    proxy
        .connect(connection("source", "video", "sink", "video"))
        .await
        .unwrap();
    proxy.start().await.unwrap();

    let replies = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let proxy = proxy.clone();
        let replies = replies.clone();
        tasks.push(tokio::spawn(async move {
            for round in 0..ROUNDS {
                let pass = format!("pass-{task}-{round}");
                let tap = format!("tap-{task}-{round}");
                proxy
                    .add_processor(spec(&pass, "SimplePassthroughProcessor", json!({})))
                    .await
                    .unwrap();
                proxy
                    .add_processor(spec(&tap, "NullSinkProcessor", json!({})))
                    .await
                    .unwrap();
                let feed = proxy
                    .connect(connection("source", "video", &pass, "video"))
                    .await
                    .unwrap();
                proxy
                    .connect(connection(&pass, "video", &tap, "video"))
                    .await
                    .unwrap();
                replies.fetch_add(4, Ordering::Relaxed);
                if round + 1 == ROUNDS {
                    // The last round survives, fed by the source.
                    break;
                }
                proxy.disconnect(feed).await.unwrap();
                proxy.remove_processor(pass.as_str()).await.unwrap();
                proxy.remove_processor(tap.as_str()).await.unwrap();
                replies.fetch_add(3, Ordering::Relaxed);
            }
        }));
    }
    for task in tasks {
        task.await.expect("task finished without panic");
    }

    let expected_replies = (TASKS * (ROUNDS * 4 + (ROUNDS - 1) * 3)) as u64;
    assert_eq!(replies.load(Ordering::Relaxed), expected_replies);
    let state = proxy.state().await.unwrap();
    let ids: BTreeSet<String> = state.processors.iter().map(|p| p.id.to_string()).collect();
    let mut expected: BTreeSet<String> = ["source".to_owned(), "sink".to_owned()].into();
    for task in 0..TASKS {
        expected.insert(format!("pass-{task}-{}", ROUNDS - 1));
        expected.insert(format!("tap-{task}-{}", ROUNDS - 1));
    }
    assert_eq!(ids, expected);
    assert_eq!(state.connections.len(), 1 + 2 * TASKS);
    assert_eq!(main.runtime.runner_threads(), 2 + 2 * TASKS);
    drain(&observations);
    tokio::task::spawn_blocking(move || next_frame(&observations, "sink"))
        .await
        .unwrap();

    let runtime = main.shut_down();
    assert_eq!(
        runtime.status(),
        RuntimeStatus::Stopped,
        "run stops the graph on the way out"
    );
    assert_eq!(runtime.runner_threads(), 0);
}

/// A source whose setup takes `setup_ms` milliseconds.
struct SlowSetupProcessor {
    delay: Duration,
}

impl Processor for SlowSetupProcessor {
    fn setup(&mut self, _context: &RuntimeContext) -> streamlib::Result<()> {
        std::thread::sleep(self.delay);
        Ok(())
    }

    fn process(
        &mut self,
        _input: ProcessInput<'_>,
        _output: &mut Outputs,
    ) -> streamlib::Result<Flow> {
        Ok(Flow::Continue)
    }
}

/// Calls `run_on_main_blocking` in setup and reports which thread ran the job.
struct MainThreadProbeProcessor {
    report: flume::Sender<ThreadId>,
}

impl Processor for MainThreadProbeProcessor {
    fn setup(&mut self, context: &RuntimeContext) -> streamlib::Result<()> {
        let ran_on = context.run_on_main_blocking(|| std::thread::current().id())?;
        let _ = self.report.send(ran_on);
        Ok(())
    }

    fn process(
        &mut self,
        _input: ProcessInput<'_>,
        _output: &mut Outputs,
    ) -> streamlib::Result<Flow> {
        Ok(Flow::Continue)
    }
}

fn registry_with(
    processor_type: &str,
    factory: impl Fn(&serde_json::Value) -> streamlib::Result<ProcessorInstance> + Send + Sync + 'static,
) -> Arc<ProcessorRegistry> {
    let (registry, _observations) = mock_registry();
    let descriptor = ProcessorDescriptor {
        processor_type: processor_type.to_owned(),
        description: "test processor".to_owned(),
        execution_mode: ExecutionMode::Manual,
        ports: Ports::default(),
        config_schema: json!({"type": "object"}),
    };
    registry
        .register_factory(descriptor, Arc::new(factory))
        .unwrap();
    registry
}

#[test]
fn async_tasks_progress_during_slow_setup() {
    let registry = registry_with("SlowSetupProcessor", |config| {
        Ok(ProcessorInstance {
            processor: Box::new(SlowSetupProcessor {
                delay: Duration::from_millis(config["setup_ms"].as_u64().unwrap_or(0)),
            }),
            ports: Ports::default(),
            config: config.clone(),
        })
    });
    let main = MainLoop::start(StreamRuntime::with_registry(registry));
    let proxy = main.proxy();
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();

    let ticks = tokio.block_on(async move {
        proxy.start().await.unwrap();
        let ticks = Arc::new(AtomicU64::new(0));
        let ticker = {
            let ticks = ticks.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    ticks.fetch_add(1, Ordering::Relaxed);
                }
            })
        };
        let slow = spec("slow", "SlowSetupProcessor", json!({"setup_ms": 600}));
        proxy.add_processor(slow).await.unwrap();
        ticker.abort();
        ticks.load(Ordering::Relaxed)
    });

    // A proxy that blocked the only tokio thread would leave the ticker at 0
    // for the whole 600 ms setup.
    assert!(
        ticks >= 10,
        "the ticker advanced only {ticks} times during the setup"
    );
    main.shut_down();
}

#[test]
fn run_on_main_during_start_does_not_deadlock() {
    let (report_tx, report_rx) = flume::unbounded();
    let registry = registry_with("MainThreadProbeProcessor", move |config| {
        Ok(ProcessorInstance {
            processor: Box::new(MainThreadProbeProcessor {
                report: report_tx.clone(),
            }),
            ports: Ports::default(),
            config: config.clone(),
        })
    });
    let main = MainLoop::start(StreamRuntime::with_registry(registry));
    let proxy = main.proxy();
    let main_thread = main.thread_id;
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();

    tokio.block_on(async {
        proxy
            .add_processor(spec("probe", "MainThreadProbeProcessor", json!({})))
            .await
            .unwrap();
        let state = proxy
            .start()
            .await
            .expect("start finishes while setup waits on the main thread");
        assert_eq!(state.status, RuntimeStatus::Running);
    });
    let ran_on = report_rx
        .recv_timeout(PATIENCE)
        .expect("the probe reported");
    assert_eq!(ran_on, main_thread, "the job ran on the main thread");

    // A processor added while running also reaches the main thread.
    tokio.block_on(async {
        proxy
            .add_processor(spec("probe2", "MainThreadProbeProcessor", json!({})))
            .await
            .unwrap();
    });
    assert_eq!(report_rx.recv_timeout(PATIENCE).unwrap(), main_thread);
    main.shut_down();
}

#[test]
fn run_on_main_without_loop_runs_inline() {
    let (report_tx, report_rx) = flume::unbounded();
    let registry = registry_with("MainThreadProbeProcessor", move |config| {
        Ok(ProcessorInstance {
            processor: Box::new(MainThreadProbeProcessor {
                report: report_tx.clone(),
            }),
            ports: Ports::default(),
            config: config.clone(),
        })
    });
    let runtime = StreamRuntime::with_registry(registry);
    runtime
        .add_processor(spec("probe", "MainThreadProbeProcessor", json!({})))
        .unwrap();
    runtime.start().unwrap();
    let ran_on = report_rx.recv_timeout(PATIENCE).unwrap();
    assert_ne!(
        ran_on,
        std::thread::current().id(),
        "it ran on the processor's own thread"
    );
    runtime.stop().unwrap();
}

#[test]
fn proxy_of_dropped_runtime_fails_at_once() {
    let proxy = StreamRuntime::new().proxy();
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let started = Instant::now();
    let error = tokio.block_on(proxy.state()).unwrap_err();
    assert!(
        matches!(error, StreamError::RuntimeUnavailable(_)),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(error.code(), "runtime_unavailable");

    let mut events = proxy.subscribe_events();
    assert!(matches!(
        events.try_recv(),
        Err(tokio::sync::broadcast::error::TryRecvError::Closed)
    ));
}

#[test]
fn proxy_without_main_loop_times_out() {
    let runtime = StreamRuntime::new();
    let proxy = runtime.proxy().with_timeout(Duration::from_millis(200));
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();

    let started = Instant::now();
    let error = tokio
        .block_on(proxy.add_processor(ProcessorSpec::new("NullSinkProcessor")))
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(
            error,
            StreamError::RuntimeTimeout {
                operation: "add_processor",
                timeout_ms: 200
            }
        ),
        "{error:?}"
    );
    assert!(
        elapsed >= Duration::from_millis(200) && elapsed < Duration::from_secs(5),
        "{elapsed:?}"
    );
    assert!(
        error.to_string().contains("run"),
        "the message points at run(): {error}"
    );
}

#[test]
fn poll_commands_executes_queued_commands() {
    let runtime = StreamRuntime::new();
    let proxy = runtime.proxy();
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    assert_eq!(runtime.poll_commands(), 0);

    let reply = tokio.spawn({
        let proxy = proxy.clone();
        async move {
            proxy
                .add_processor(spec("sink", "NullSinkProcessor", json!({})))
                .await
        }
    });
    // Driving the tokio runtime briefly lets the spawned task send its command.
    tokio.block_on(async { tokio::time::sleep(Duration::from_millis(20)).await });
    assert_eq!(runtime.poll_commands(), 1);
    let id = tokio.block_on(reply).unwrap().unwrap();
    assert_eq!(id.as_str(), "sink");
    assert_eq!(runtime.state().processors.len(), 1);
}

#[test]
fn events_of_proxy_commands_arrive_in_seq_order() {
    let main = MainLoop::start(StreamRuntime::new());
    let proxy = main.proxy();
    let mut events = proxy.subscribe_events();
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();

    tokio.block_on(async {
        proxy
            .add_processor(spec("source", "TestPatternProcessor", fast_pattern(3)))
            .await
            .unwrap();
        proxy
            .add_processor(spec("sink", "NullSinkProcessor", json!({})))
            .await
            .unwrap();
        let link = proxy
            .connect(connection("source", "video", "sink", "video"))
            .await
            .unwrap();
        proxy.start().await.unwrap();
        proxy.stop().await.unwrap();
        proxy.disconnect(link).await.unwrap();
    });
    let runtime = main.shut_down();
    drop(runtime);

    let all = queued_events(&mut events);
    let seqs: Vec<u64> = all.iter().map(|event| event.seq).collect();
    assert!(
        seqs.windows(2).all(|pair| pair[1] == pair[0] + 1),
        "seq gaps: {seqs:?}"
    );
    let names: Vec<&str> = all.iter().map(|event| event.type_name()).collect();
    let order = [
        "processor_added",
        "connection_created",
        "runtime_starting",
        "runtime_started",
        "runtime_stopping",
        "runtime_stopped",
        "connection_removed",
    ];
    let mut position = 0;
    for name in order {
        let found = names[position..].iter().position(|n| *n == name);
        let offset = found
            .unwrap_or_else(|| panic!("{name} missing after position {position} in {names:?}"));
        position += offset + 1;
    }
}

#[test]
fn second_main_loop_is_rejected() {
    let main = MainLoop::start(StreamRuntime::new());
    // Make sure the main loop has claimed its thread before trying again.
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    tokio.block_on(main.proxy().state()).unwrap();
    let error = main.runtime.run().unwrap_err();
    assert!(matches!(error, StreamError::MainLoopAlreadyRunning));
    main.shut_down();
}
