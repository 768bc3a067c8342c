//! Shared by the benchmarks: build a linear chain, run it to the end.

use serde_json::Value;
use streamlib::{EventKind, ProcessorSpec, StreamRuntime};

/// Builds source -> `hops` pass-throughs -> null sink, all of `kind`.
pub fn linear_chain(
    source_type: &str,
    source_config: Value,
    kind: &str,
    hops: usize,
) -> StreamRuntime {
    let runtime = StreamRuntime::new();
    let add = |id: &str, processor_type: &str, config: Value| {
        runtime
            .add_processor(
                ProcessorSpec::new(processor_type)
                    .with_id(id)
                    .with_config(config),
            )
            .expect("benchmark processor is valid");
    };
    add("source", source_type, source_config);
    let mut previous = "source".to_owned();
    for hop in 0..hops {
        let id = format!("pass{hop}");
        add(
            &id,
            "SimplePassthroughProcessor",
            serde_json::json!({"kind": kind}),
        );
        runtime
            .connect((previous.as_str(), kind), (id.as_str(), kind))
            .expect("link is valid");
        previous = id;
    }
    add(
        "sink",
        "NullSinkProcessor",
        serde_json::json!({"kind": kind}),
    );
    runtime
        .connect((previous.as_str(), kind), ("sink", kind))
        .expect("link is valid");
    runtime
}

/// Starts the graph, blocks until `pipeline_finished`, stops it, and returns
/// the frames the sink received in this run.
pub fn run_to_end(runtime: &StreamRuntime) -> u64 {
    let received = || {
        runtime
            .processor("sink")
            .expect("sink exists")
            .metrics
            .frames_in
    };
    let before = received();
    let mut events = runtime.subscribe_events();
    runtime.start().expect("benchmark graph starts");
    loop {
        let event = events.blocking_recv().expect("event stream stays open");
        match event.kind {
            EventKind::PipelineFinished => break,
            EventKind::ProcessorError { message, .. } => {
                panic!("benchmark processor failed: {message}")
            }
            _ => {}
        }
    }
    let frames = received() - before;
    runtime.stop().expect("benchmark graph stops");
    frames
}
