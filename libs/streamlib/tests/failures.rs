//! Processors that fail: errors and panics stay contained to their processor.

mod common;

use common::*;
use serde_json::json;
use streamlib::{EventKind, ProcessorState, RuntimeStatus, StreamError};

/// Source fans out to a faulty branch and a healthy one.
fn graph_with_faulty_branch(runtime: &streamlib::StreamRuntime, faulty_config: serde_json::Value) {
    add(runtime, "source", "TestPatternProcessor", live_pattern(200));
    add(runtime, "faulty", "FaultyProcessor", faulty_config);
    add(
        runtime,
        "after",
        "CollectorProcessor",
        json!({"tag": "after"}),
    );
    add(
        runtime,
        "healthy",
        "CollectorProcessor",
        json!({"tag": "healthy"}),
    );
    runtime
        .connect(("source", "video"), ("faulty", "video"))
        .unwrap();
    runtime
        .connect(("faulty", "video"), ("after", "video"))
        .unwrap();
    runtime
        .connect(("source", "video"), ("healthy", "video"))
        .unwrap();
}

fn assert_contained_failure(config: serde_json::Value, expected_message: &str) {
    let (runtime, observations) = mock_runtime();
    let mut events = runtime.subscribe_events();
    graph_with_faulty_branch(&runtime, config);
    runtime.start().unwrap();

    let event = wait_for_event(&mut events, "processor_error", |event| {
        event.type_name() == "processor_error"
    });
    let EventKind::ProcessorError {
        processor_id,
        message,
    } = &event.kind
    else {
        unreachable!()
    };
    assert_eq!(processor_id.as_str(), "faulty");
    assert!(message.contains(expected_message), "message: {message}");
    assert_eq!(
        runtime.processor("faulty").unwrap().state,
        ProcessorState::Error
    );
    let errors = queued_events(&mut events)
        .into_iter()
        .filter(|event| event.type_name() == "processor_error")
        .count();
    assert_eq!(errors, 0, "exactly one processor_error per failure");

    drain(&observations);
    let later = next_frame(&observations, "healthy");
    assert!(later.frame_number() > 5, "the healthy branch keeps flowing");
    assert_eq!(runtime.status(), RuntimeStatus::Running);
    assert_eq!(
        runtime.processor("source").unwrap().state,
        ProcessorState::Running
    );
    // The thread ends just after it reports the failure.
    wait_until("the failed thread ending", || runtime.runner_threads() == 3);

    runtime.stop().unwrap();
    assert_eq!(runtime.runner_threads(), 0);
    assert_eq!(
        runtime.processor("faulty").unwrap().state,
        ProcessorState::Error
    );
}

#[test]
fn processor_error_is_contained() {
    assert_contained_failure(json!({"error_at": 5}), "error on frame 5");
}

#[test]
fn processor_panic_is_contained() {
    assert_contained_failure(json!({"panic_at": 5}), "panicked: panic on frame 5");
}

#[test]
fn failed_processor_runs_again_after_restart() {
    let (runtime, observations) = mock_runtime();
    let mut events = runtime.subscribe_events();
    graph_with_faulty_branch(&runtime, json!({"error_at": 3}));
    runtime.start().unwrap();
    wait_for_event(&mut events, "processor_error", |event| {
        event.type_name() == "processor_error"
    });
    runtime.stop().unwrap();

    runtime
        .update_config("faulty", json!({"error_at": null}))
        .unwrap();
    runtime.start().unwrap();
    let frame = next_frame(&observations, "after");
    assert!(frame.frame_number() < 3, "a fresh run starts from frame 0");
    // Frame 3, which failed the first run, now passes.
    while next_frame(&observations, "after").frame_number() < 4 {}
    runtime.stop().unwrap();
}

#[test]
fn setup_failure_fails_start_and_stops_others() {
    let (runtime, _observations) = mock_runtime();
    graph_with_faulty_branch(&runtime, json!({"fail_setup": true}));

    let error = runtime.start().unwrap_err();
    let StreamError::ProcessorFailed { processor, message } = &error else {
        panic!("unexpected error {error:?}");
    };
    assert_eq!(processor.as_str(), "faulty");
    assert!(message.contains("setup refused on purpose"));
    assert_eq!(runtime.status(), RuntimeStatus::Stopped);
    assert_eq!(runtime.runner_threads(), 0);
    assert_eq!(
        runtime.processor("faulty").unwrap().state,
        ProcessorState::Error
    );
    assert_eq!(
        runtime.processor("source").unwrap().state,
        ProcessorState::Stopped
    );
}
