//! Pipeline documents: export, replace, validation with locations.

mod common;

use common::*;
use serde_json::json;
use streamlib::{PipelineDocument, ProcessorSpec, StreamError, StreamRuntime};

fn document(value: serde_json::Value) -> PipelineDocument {
    serde_json::from_value(value).expect("test document parses")
}

#[test]
fn exported_graph_loads_back_to_same_graph() {
    let (runtime, _observations) = mock_runtime();
    add(
        &runtime,
        "bars",
        "TestPatternProcessor",
        json!({"width": 32, "height": 16, "frame_count": 5}),
    );
    add(&runtime, "pass", "SimplePassthroughProcessor", json!({}));
    add(&runtime, "sink", "NullSinkProcessor", json!({}));
    runtime
        .connect(("bars", "video"), ("pass", "video"))
        .unwrap();
    runtime
        .connect_with(
            ("pass", "video"),
            ("sink", "video"),
            streamlib::LinkOptions::new(16, streamlib::OverflowPolicy::DropOldest),
        )
        .unwrap();
    let exported = runtime.graph();

    let text = serde_json::to_string_pretty(&exported).unwrap();
    let reloaded: PipelineDocument = serde_json::from_str(&text).unwrap();
    let copy = StreamRuntime::new();
    copy.replace_graph(&reloaded).unwrap();

    assert_eq!(copy.graph(), exported);
    let json = serde_json::to_value(&exported).unwrap();
    assert_eq!(json["connections"][1]["capacity"], 16);
    assert_eq!(json["connections"][1]["overflow"], "drop_oldest");
    assert!(
        json["connections"][0].get("capacity").is_none(),
        "defaults stay implicit"
    );
}

#[test]
fn replace_graph_keeps_host_processors() {
    let runtime = StreamRuntime::new();
    runtime
        .add_host_processor(ProcessorSpec::new("NullSinkProcessor").with_id("host"))
        .unwrap();
    add(&runtime, "old", "NullSinkProcessor", json!({}));

    assert!(
        runtime.graph().processors.iter().all(|p| p.id != "host"),
        "host processors stay out of documents"
    );
    runtime
        .replace_graph(&document(json!({
            "processors": [
                {"id": "tone", "processor_type": "SineGeneratorProcessor"},
                {"id": "sink", "processor_type": "NullSinkProcessor", "config": {"kind": "audio"}}
            ],
            "connections": [
                {"from_processor": "tone", "from_port": "audio", "to_processor": "sink", "to_port": "audio"}
            ]
        })))
        .unwrap();

    let ids: Vec<String> = runtime
        .state()
        .processors
        .iter()
        .map(|p| p.id.to_string())
        .collect();
    assert_eq!(ids, ["host", "sink", "tone"]);
    assert_eq!(runtime.state().connections.len(), 1);
}

#[test]
fn replace_graph_while_running_swaps_live() {
    let (runtime, observations) = mock_runtime();
    add(&runtime, "old", "TestPatternProcessor", live_pattern(100));
    runtime.start().unwrap();
    runtime
        .replace_graph(&document(json!({
            "processors": [
                {"id": "new", "processor_type": "TestPatternProcessor", "config": {"width": 8, "height": 8, "fps": 200}},
                {"id": "sink", "processor_type": "CollectorProcessor", "config": {"tag": "sink"}}
            ],
            "connections": [
                {"from_processor": "new", "from_port": "video", "to_processor": "sink", "to_port": "video"}
            ]
        })))
        .unwrap();
    next_frame(&observations, "sink");
    assert_eq!(runtime.runner_threads(), 2);
    runtime.stop().unwrap();
    assert_eq!(runtime.runner_threads(), 0);
}

#[test]
fn validation_reports_every_problem_with_location() {
    let runtime = StreamRuntime::new();
    add(&runtime, "keep", "NullSinkProcessor", json!({}));
    let before = runtime.graph();
    let broken = document(json!({
        "processors": [
            {"id": "bars", "processor_type": "TestPaternProcessor"},
            {"id": "tone", "processor_type": "SineGeneratorProcessor", "config": {"frequncy": 440, "amplitud": 0.5}},
            {"id": "pass", "processor_type": "SimplePassthroughProcessor"},
            {"id": "sink", "processor_type": "NullSinkProcessor"},
            {"id": "sink", "processor_type": "NullSinkProcessor"}
        ],
        "connections": [
            {"from_processor": "pass", "from_port": "vdeo", "to_processor": "sink", "to_port": "video"},
            {"from_processor": "ghost", "from_port": "video", "to_processor": "sink", "to_port": "video"}
        ]
    }));

    let error = runtime.replace_graph(&broken).unwrap_err();
    let StreamError::InvalidPipeline { problems } = &error else {
        panic!("unexpected {error:?}");
    };
    let locations: Vec<&str> = problems.iter().map(|p| p.location.as_str()).collect();
    assert_eq!(
        locations,
        [
            "processors[0].processor_type",
            "processors[1].config.amplitud",
            "processors[1].config.frequncy",
            "processors[4].id",
            "connections[0].from_port",
            "connections[1]",
        ]
    );
    let text = error.to_string();
    for needle in [
        "TestPaternProcessor",
        "frequncy",
        "amplitud",
        "vdeo",
        "ghost",
    ] {
        assert!(text.contains(needle), "{needle} missing from: {text}");
    }
    assert_eq!(
        runtime.graph(),
        before,
        "nothing changes on a rejected document"
    );
    assert!(runtime.validate_pipeline(&broken).is_err());
}

#[test]
fn unknown_document_fields_are_rejected() {
    let parsed: Result<PipelineDocument, _> =
        serde_json::from_value(json!({"processors": [], "links": []}));
    let error = parsed.unwrap_err().to_string();
    assert!(error.contains("links"), "{error}");
}
