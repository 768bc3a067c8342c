//! Start, stop, pause, resume, restart, thread accounting, state and events.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use streamlib::{ProcessorState, RuntimeStatus};

fn chain(runtime: &streamlib::StreamRuntime, source_config: serde_json::Value) {
    add(runtime, "source", "TestPatternProcessor", source_config);
    add(runtime, "pass", "SimplePassthroughProcessor", json!({}));
    add(
        runtime,
        "sink",
        "CollectorProcessor",
        json!({"tag": "sink"}),
    );
    runtime
        .connect(("source", "video"), ("pass", "video"))
        .unwrap();
    runtime
        .connect(("pass", "video"), ("sink", "video"))
        .unwrap();
}

#[test]
fn stop_then_start_runs_same_graph_again() {
    let (runtime, observations) = mock_runtime();
    chain(&runtime, fast_pattern(40));

    for run in 0..3 {
        runtime.start().unwrap();
        assert_eq!(runtime.status(), RuntimeStatus::Running);
        let frames = frames_until_end(&observations, "sink");
        let numbers: Vec<u64> = frames.iter().map(|f| f.frame_number()).collect();
        assert_eq!(numbers, (0..40).collect::<Vec<_>>(), "run {run}");
        runtime.stop().unwrap();
        assert_eq!(runtime.status(), RuntimeStatus::Stopped);
        assert_eq!(runtime.runner_threads(), 0, "threads left after run {run}");
    }
}

#[test]
fn runner_threads_track_processors_and_end_on_stop() {
    let (runtime, _observations) = mock_runtime();
    chain(&runtime, live_pattern(100));
    assert_eq!(runtime.runner_threads(), 0);

    runtime.start().unwrap();
    assert_eq!(runtime.runner_threads(), 3);
    runtime.remove_processor("pass").unwrap();
    assert_eq!(runtime.runner_threads(), 2);
    runtime.stop().unwrap();
    assert_eq!(runtime.runner_threads(), 0);
}

#[test]
fn dropping_running_runtime_joins_threads() {
    let (runtime, _observations) = mock_runtime();
    chain(&runtime, live_pattern(100));
    runtime.start().unwrap();
    let mut events = runtime.subscribe_events();
    let threads_before = runtime.runner_threads();
    drop(runtime);

    assert_eq!(threads_before, 3);
    // Every processor reports `stopped` as its thread ends.
    let stopped = queued_events(&mut events)
        .iter()
        .filter(|event| {
            matches!(
                &event.kind,
                streamlib::EventKind::ProcessorStateChanged {
                    state: ProcessorState::Stopped,
                    ..
                }
            )
        })
        .count();
    assert_eq!(stopped, 3);
}

#[test]
fn pause_holds_frames_and_resume_continues() {
    let (runtime, observations) = mock_runtime();
    chain(&runtime, live_pattern(200));
    let mut events = runtime.subscribe_events();
    runtime.start().unwrap();
    next_frame(&observations, "sink");

    runtime.pause().unwrap();
    assert_eq!(runtime.status(), RuntimeStatus::Paused);
    for processor in runtime.state().processors {
        assert_eq!(
            processor.state,
            ProcessorState::Paused,
            "{} right after pause",
            processor.id
        );
    }
    let mut paused = std::collections::BTreeSet::new();
    while paused.len() < 3 {
        let event = wait_for_event(&mut events, "processor paused", |event| {
            matches!(
                &event.kind,
                streamlib::EventKind::ProcessorStateChanged {
                    state: ProcessorState::Paused,
                    ..
                }
            )
        });
        paused.insert(event.processor_id().unwrap().clone());
    }
    drain(&observations);
    let frames_in = runtime.processor("sink").unwrap().metrics.frames_in;
    // At 200 fps, a quarter second would carry 50 frames if anything flowed.
    let quiet = observations.recv_timeout(Duration::from_millis(250));
    assert!(quiet.is_err(), "a frame arrived while paused: {quiet:?}");
    assert_eq!(
        runtime.processor("sink").unwrap().metrics.frames_in,
        frames_in
    );

    runtime.resume().unwrap();
    assert_eq!(runtime.status(), RuntimeStatus::Running);
    next_frame(&observations, "sink");
    runtime.stop().unwrap();
}

#[test]
fn lifecycle_events_are_numbered_in_order() {
    let (runtime, observations) = mock_runtime();
    let mut events = runtime.subscribe_events();
    chain(&runtime, fast_pattern(5));
    runtime.start().unwrap();
    frames_until_end(&observations, "sink");
    wait_for_event(&mut events, "pipeline_finished", |event| {
        event.type_name() == "pipeline_finished"
    });
    runtime.stop().unwrap();
    runtime.remove_processor("sink").unwrap();

    let all = queued_events(&mut events);
    let names: Vec<&str> = all.iter().map(|event| event.type_name()).collect();
    for expected in [
        "runtime_stopping",
        "runtime_stopped",
        "connection_removed",
        "processor_removed",
    ] {
        assert!(names.contains(&expected), "missing {expected} in {names:?}");
    }
    let seqs: Vec<u64> = all.iter().map(|event| event.seq).collect();
    assert!(
        seqs.windows(2).all(|pair| pair[1] == pair[0] + 1),
        "seq gaps: {seqs:?}"
    );
}

#[test]
fn event_sequence_for_start_and_stop() {
    let (runtime, _observations) = mock_runtime();
    let mut events = runtime.subscribe_events();
    add(&runtime, "source", "TestPatternProcessor", live_pattern(50));
    runtime.start().unwrap();
    runtime.stop().unwrap();

    let all = queued_events(&mut events);
    let names: Vec<&str> = all.iter().map(|event| event.type_name()).collect();
    assert_eq!(names.first(), Some(&"processor_added"));
    let position = |name: &str| {
        names
            .iter()
            .position(|n| *n == name)
            .unwrap_or_else(|| panic!("{name} missing from {names:?}"))
    };
    assert!(position("runtime_starting") < position("runtime_started"));
    assert!(position("runtime_started") < position("runtime_stopping"));
    assert!(position("runtime_stopping") < position("runtime_stopped"));
    assert_eq!(all[0].seq + all.len() as u64 - 1, all.last().unwrap().seq);

    let json = serde_json::to_value(&all[0]).unwrap();
    assert_eq!(json["type"], "processor_added");
    assert_eq!(json["processor_id"], "source");
    assert_eq!(json["processor_type"], "TestPatternProcessor");
    assert!(json["seq"].as_u64().is_some());
    assert!(json["timestamp_ms"].as_u64().is_some());
}

#[test]
fn state_serializes_processors_and_links() {
    let (runtime, observations) = mock_runtime();
    chain(&runtime, fast_pattern(10));
    runtime.start().unwrap();
    frames_until_end(&observations, "sink");
    let state = runtime.state();
    runtime.stop().unwrap();

    let json = serde_json::to_value(&state).unwrap();
    assert_eq!(json["status"], "running");
    let processors = json["processors"].as_array().unwrap();
    assert_eq!(processors.len(), 3);
    let source = processors.iter().find(|p| p["id"] == "source").unwrap();
    assert_eq!(source["processor_type"], "TestPatternProcessor");
    assert_eq!(source["config"]["frame_count"], 10);
    assert_eq!(
        source["config"]["pattern"], "bars",
        "defaults are filled in"
    );
    assert_eq!(source["state"], "finished");
    assert_eq!(source["outputs"][0]["name"], "video");
    assert_eq!(source["outputs"][0]["kind"], "video");
    assert_eq!(source["metrics"]["frames_out"], 10);
    let sink = processors.iter().find(|p| p["id"] == "sink").unwrap();
    assert_eq!(sink["metrics"]["frames_in"], 10);

    let links = json["connections"].as_array().unwrap();
    assert_eq!(links.len(), 2);
    let first = links
        .iter()
        .find(|l| l["from"]["processor"] == "source")
        .unwrap();
    assert_eq!(first["to"]["processor"], "pass");
    assert_eq!(first["to"]["port"], "video");
    assert_eq!(first["capacity"], 4);
    assert_eq!(first["overflow"], "block");
    assert_eq!(first["frames_passed"], 10);
    assert_eq!(first["frames_dropped"], 0);
}

#[test]
fn update_config_applies_live_and_rejects_fixed_fields() {
    let (runtime, observations) = mock_runtime();
    add(
        &runtime,
        "source",
        "TestPatternProcessor",
        json!({"width": 4, "height": 2, "pattern": "solid", "color": "#ff0000", "fps": 200}),
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

    let red = next_frame(&observations, "sink");
    let streamlib::Frame::Video(red) = red else {
        panic!("video expected")
    };
    assert_eq!(&red.data()[..4], &[255, 0, 0, 255]);

    let info = runtime
        .update_config("source", json!({"color": "#00ff00"}))
        .unwrap();
    assert_eq!(info.config["color"], "#00ff00");
    assert_eq!(
        info.config["width"], 4,
        "untouched fields keep their values"
    );
    drain(&observations);
    let green = loop {
        let streamlib::Frame::Video(frame) = next_frame(&observations, "sink") else {
            panic!("video expected")
        };
        if frame.data()[1] == 255 {
            break frame;
        }
    };
    assert_eq!(&green.data()[..4], &[0, 255, 0, 255]);

    let error = runtime
        .update_config("source", json!({"width": 8}))
        .unwrap_err();
    assert!(
        matches!(error, streamlib::StreamError::ConfigUpdateRejected { .. }),
        "{error:?}"
    );
    assert_eq!(runtime.processor("source").unwrap().config["width"], 4);
    runtime.stop().unwrap();
}
