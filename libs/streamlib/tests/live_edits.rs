//! Graph edits while frames flow: no deadlock, no panic, threads joined.

mod common;

use common::*;
use serde_json::json;
use streamlib::{LinkOptions, OverflowPolicy, ProcessorSpec};

#[test]
fn add_and_link_processor_into_running_chain() {
    let (runtime, observations) = mock_runtime();
    add(
        &runtime,
        "source",
        "TestPatternProcessor",
        live_pattern(200),
    );
    add(
        &runtime,
        "first",
        "CollectorProcessor",
        json!({"tag": "first"}),
    );
    runtime
        .connect(("source", "video"), ("first", "video"))
        .unwrap();
    runtime.start().unwrap();
    next_frame(&observations, "first");

    add(&runtime, "pass", "SimplePassthroughProcessor", json!({}));
    add(
        &runtime,
        "second",
        "CollectorProcessor",
        json!({"tag": "second"}),
    );
    runtime
        .connect(("pass", "video"), ("second", "video"))
        .unwrap();
    runtime
        .connect(("source", "video"), ("pass", "video"))
        .unwrap();
    assert_eq!(runtime.runner_threads(), 4);

    let late = next_frame(&observations, "second");
    let early = next_frame(&observations, "first");
    assert!(
        late.frame_number() > 0,
        "the new branch joined a running stream"
    );
    assert!(early.frame_number() > 0);
    assert_eq!(
        runtime.processor("pass").unwrap().state,
        streamlib::ProcessorState::Running
    );

    runtime.stop().unwrap();
    assert_eq!(runtime.runner_threads(), 0);
}

#[test]
fn remove_processor_mid_chain_keeps_flow() {
    let (runtime, observations) = mock_runtime();
    add(
        &runtime,
        "source",
        "TestPatternProcessor",
        live_pattern(300),
    );
    add(&runtime, "pass1", "SimplePassthroughProcessor", json!({}));
    add(&runtime, "pass2", "SimplePassthroughProcessor", json!({}));
    add(
        &runtime,
        "sink",
        "CollectorProcessor",
        json!({"tag": "sink"}),
    );
    runtime
        .connect(("source", "video"), ("pass1", "video"))
        .unwrap();
    runtime
        .connect(("pass1", "video"), ("pass2", "video"))
        .unwrap();
    runtime
        .connect(("pass2", "video"), ("sink", "video"))
        .unwrap();
    runtime.start().unwrap();
    next_frame(&observations, "sink");

    runtime.remove_processor("pass2").unwrap();
    assert_eq!(runtime.runner_threads(), 3);
    assert_eq!(runtime.state().connections.len(), 1);
    runtime
        .connect(("pass1", "video"), ("sink", "video"))
        .unwrap();
    drain(&observations);
    let resumed = next_frame(&observations, "sink");
    assert!(resumed.frame_number() > 0);

    runtime.stop().unwrap();
    assert_eq!(runtime.runner_threads(), 0);
}

#[test]
fn remove_processor_blocked_on_full_link_does_not_deadlock() {
    let (runtime, observations) = mock_runtime();
    add(
        &runtime,
        "source",
        "TestPatternProcessor",
        fast_pattern(1_000_000),
    );
    add(&runtime, "pass", "SimplePassthroughProcessor", json!({}));
    add(
        &runtime,
        "sink",
        "CollectorProcessor",
        json!({"tag": "sink", "delay_ms": 20}),
    );
    runtime
        .connect(("source", "video"), ("pass", "video"))
        .unwrap();
    runtime
        .connect(("pass", "video"), ("sink", "video"))
        .unwrap();
    runtime.start().unwrap();
    next_frame(&observations, "sink");

    // Both the source and the pass-through now wait on full `block` links.
    runtime.remove_processor("pass").unwrap();
    runtime.remove_processor("sink").unwrap();
    assert_eq!(runtime.runner_threads(), 1);
    runtime.stop().unwrap();
    assert_eq!(runtime.runner_threads(), 0);
}

#[test]
fn disconnect_and_reconnect_live_link() {
    let (runtime, observations) = mock_runtime();
    add(
        &runtime,
        "source",
        "TestPatternProcessor",
        live_pattern(200),
    );
    add(
        &runtime,
        "sink",
        "CollectorProcessor",
        json!({"tag": "sink"}),
    );
    let link = runtime
        .connect(("source", "video"), ("sink", "video"))
        .unwrap();
    runtime.start().unwrap();
    next_frame(&observations, "sink");

    runtime.disconnect(&link).unwrap();
    drain(&observations);
    let quiet = observations.recv_timeout(std::time::Duration::from_millis(100));
    assert!(
        quiet.is_err(),
        "frames still arrive after disconnect: {quiet:?}"
    );

    let relinked = runtime
        .connect_with(
            ("source", "video"),
            ("sink", "video"),
            LinkOptions::new(8, OverflowPolicy::DropOldest),
        )
        .unwrap();
    assert_ne!(relinked, link);
    let frame = next_frame(&observations, "sink");
    assert!(frame.frame_number() > 0);
    let info = runtime.link(&relinked).unwrap();
    assert_eq!(info.capacity, 8);
    runtime.stop().unwrap();
}

#[test]
fn repeated_edits_while_frames_flow() {
    let (runtime, observations) = mock_runtime();
    add(
        &runtime,
        "source",
        "TestPatternProcessor",
        fast_pattern(u64::MAX),
    );
    add(
        &runtime,
        "sink",
        "CollectorProcessor",
        json!({"tag": "sink"}),
    );
    runtime
        .connect(("source", "video"), ("sink", "video"))
        .unwrap();
    runtime.start().unwrap();

    for round in 0..40 {
        let id = runtime
            .add_processor(ProcessorSpec::new("SimplePassthroughProcessor"))
            .unwrap();
        let link_in = runtime
            .connect(("source", "video"), (&id, "video"))
            .unwrap();
        let tap = runtime
            .add_processor(ProcessorSpec::new("NullSinkProcessor"))
            .unwrap();
        runtime.connect((&id, "video"), (&tap, "video")).unwrap();
        if round % 2 == 0 {
            runtime.disconnect(&link_in).unwrap();
        }
        runtime.remove_processor(&id).unwrap();
        runtime.remove_processor(&tap).unwrap();
        drain(&observations);
    }
    assert_eq!(runtime.runner_threads(), 2);
    next_frame(&observations, "sink");
    runtime.stop().unwrap();
    assert_eq!(runtime.runner_threads(), 0);
    assert_eq!(runtime.state().processors.len(), 2);
}

#[test]
fn edits_while_paused_take_effect_on_resume() {
    let (runtime, observations) = mock_runtime();
    add(
        &runtime,
        "source",
        "TestPatternProcessor",
        live_pattern(200),
    );
    runtime.start().unwrap();
    runtime.pause().unwrap();

    add(
        &runtime,
        "sink",
        "CollectorProcessor",
        json!({"tag": "sink"}),
    );
    assert_eq!(
        runtime.processor("sink").unwrap().state,
        streamlib::ProcessorState::Paused
    );
    runtime
        .connect(("source", "video"), ("sink", "video"))
        .unwrap();
    runtime.resume().unwrap();
    next_frame(&observations, "sink");
    runtime.stop().unwrap();
}
