//! Every rejected edit returns its error variant and leaves the graph unchanged.

mod common;

use common::*;
use serde_json::json;
use streamlib::{
    FrameKind, LinkOptions, OverflowPolicy, PortDirection, ProcessorSpec, RuntimeStatus,
    StreamError, StreamRuntime,
};

/// The parts of the state an edit could change: ids, types, configs, ports, links.
fn shape(runtime: &StreamRuntime) -> serde_json::Value {
    let state = runtime.state();
    json!({
        "status": state.status,
        "processors": state.processors.iter().map(|p| json!({
            "id": p.id, "type": p.processor_type, "config": p.config,
            "inputs": p.inputs, "outputs": p.outputs,
        })).collect::<Vec<_>>(),
        "links": state.connections.iter().map(|l| json!({
            "id": l.id, "from": l.from, "to": l.to, "capacity": l.capacity, "overflow": l.overflow,
        })).collect::<Vec<_>>(),
    })
}

/// source -> a -> b, plus an audio tone and an unlinked sink.
fn sample_graph() -> StreamRuntime {
    let (runtime, _observations) = mock_runtime();
    add(&runtime, "source", "TestPatternProcessor", live_pattern(30));
    add(&runtime, "a", "SimplePassthroughProcessor", json!({}));
    add(&runtime, "b", "SimplePassthroughProcessor", json!({}));
    add(&runtime, "tone", "SineGeneratorProcessor", json!({}));
    add(&runtime, "sink", "NullSinkProcessor", json!({}));
    runtime
        .connect(("source", "video"), ("a", "video"))
        .unwrap();
    runtime.connect(("a", "video"), ("b", "video")).unwrap();
    runtime
}

/// Runs `edit` on the sample graph, checks that the graph did not change, and
/// returns the error.
fn rejected(edit: impl FnOnce(&StreamRuntime) -> Result<(), StreamError>) -> StreamError {
    let runtime = sample_graph();
    let before = shape(&runtime);
    let error = edit(&runtime).expect_err("the edit must be rejected");
    assert_eq!(shape(&runtime), before, "graph changed after {error}");
    error
}

#[test]
fn unknown_processor_is_rejected() {
    let error = rejected(|rt| rt.remove_processor("ghost"));
    assert!(matches!(&error, StreamError::ProcessorNotFound(id) if id.as_str() == "ghost"));
    assert!(error.to_string().contains("ghost"));

    let error = rejected(|rt| rt.connect(("ghost", "video"), ("sink", "video")).map(drop));
    assert!(matches!(&error, StreamError::ProcessorNotFound(id) if id.as_str() == "ghost"));

    let error = rejected(|rt| rt.update_config("ghost", json!({})).map(drop));
    assert!(matches!(error, StreamError::ProcessorNotFound(_)));
}

#[test]
fn unknown_link_is_rejected() {
    let error = rejected(|rt| rt.disconnect("link-000000"));
    assert!(matches!(&error, StreamError::LinkNotFound(id) if id.as_str() == "link-000000"));
    assert!(error.to_string().contains("link-000000"));
}

#[test]
fn unknown_processor_type_is_rejected() {
    let error = rejected(|rt| {
        rt.add_processor(ProcessorSpec::new("TestPaternProcessor"))
            .map(drop)
    });
    let StreamError::UnknownProcessorType { name, known } = &error else {
        panic!("unexpected {error:?}");
    };
    assert_eq!(name, "TestPaternProcessor");
    assert!(known.iter().any(|k| k == "TestPatternProcessor"));
    assert!(error.to_string().contains("TestPaternProcessor"));
}

#[test]
fn invalid_config_names_the_field() {
    let cases = [
        (json!({"widht": 10}), "widht"),
        (json!({"width": "wide"}), "width"),
        (json!({"width": 0}), "width"),
        (json!({"fps": -1}), "fps"),
        (json!({"color": "red"}), "color"),
        (json!({"pattern": "stripes"}), "pattern"),
    ];
    for (config, field) in cases {
        let error = rejected(|rt| {
            rt.add_processor(ProcessorSpec::new("TestPatternProcessor").with_config(config.clone()))
                .map(drop)
        });
        let StreamError::InvalidConfig {
            processor_type,
            field: named,
            ..
        } = &error
        else {
            panic!("unexpected {error:?} for {config}");
        };
        assert_eq!(processor_type, "TestPatternProcessor");
        assert!(
            named.contains(field),
            "config {config} named '{named}', expected '{field}'"
        );
        assert!(error.to_string().contains(field), "message: {error}");
    }

    let error = rejected(|rt| rt.update_config("source", json!({"height": -3})).map(drop));
    assert!(
        matches!(&error, StreamError::InvalidConfig { field, .. } if field == "height"),
        "{error:?}"
    );
}

#[test]
fn invalid_processor_id_is_rejected() {
    let error = rejected(|rt| {
        rt.add_processor(ProcessorSpec::new("NullSinkProcessor").with_id("bad id/.."))
            .map(drop)
    });
    assert!(matches!(error, StreamError::InvalidProcessorId(_)));
    let error = rejected(|rt| {
        rt.add_processor(ProcessorSpec::new("NullSinkProcessor").with_id("sink"))
            .map(drop)
    });
    assert!(matches!(error, StreamError::DuplicateProcessorId(_)));
}

#[test]
fn missing_port_is_rejected() {
    let error = rejected(|rt| rt.connect(("source", "audio"), ("sink", "video")).map(drop));
    let StreamError::PortNotFound {
        processor,
        port,
        direction,
        available,
    } = &error
    else {
        panic!("unexpected {error:?}");
    };
    assert_eq!(processor.as_str(), "source");
    assert_eq!(port, "audio");
    assert_eq!(*direction, PortDirection::Output);
    assert_eq!(available, &vec!["video".to_owned()]);

    let error = rejected(|rt| rt.connect(("b", "video"), ("sink", "input")).map(drop));
    assert!(
        matches!(&error, StreamError::PortNotFound { direction: PortDirection::Input, port, .. } if port == "input")
    );
}

#[test]
fn incompatible_ports_are_rejected() {
    let error = rejected(|rt| rt.connect(("tone", "audio"), ("b", "video")).map(drop));
    let StreamError::IncompatiblePorts {
        from_kind, to_kind, ..
    } = &error
    else {
        panic!("unexpected {error:?}");
    };
    assert_eq!((*from_kind, *to_kind), (FrameKind::Audio, FrameKind::Video));
    assert!(error.to_string().contains("tone.audio"));
}

#[test]
fn linked_input_is_rejected() {
    let error = rejected(|rt| rt.connect(("source", "video"), ("b", "video")).map(drop));
    assert!(
        matches!(&error, StreamError::InputAlreadyLinked { port, .. } if port.to_string() == "b.video")
    );
}

#[test]
fn cycle_is_rejected() {
    let (runtime, _observations) = mock_runtime();
    add(&runtime, "a", "SimplePassthroughProcessor", json!({}));
    add(&runtime, "b", "SimplePassthroughProcessor", json!({}));
    add(&runtime, "c", "SimplePassthroughProcessor", json!({}));
    runtime.connect(("a", "video"), ("b", "video")).unwrap();
    runtime.connect(("b", "video"), ("c", "video")).unwrap();
    let before = shape(&runtime);
    let error = runtime.connect(("c", "video"), ("a", "video")).unwrap_err();
    assert!(matches!(error, StreamError::Cycle { .. }), "{error:?}");
    assert!(error.to_string().contains("c.video"));
    assert_eq!(shape(&runtime), before);
}

#[test]
fn self_link_is_rejected() {
    let error = rejected(|rt| rt.connect(("b", "video"), ("b", "video")).map(drop));
    assert!(matches!(&error, StreamError::SelfLink(id) if id.as_str() == "b"));
}

#[test]
fn invalid_capacity_is_rejected() {
    let error = rejected(|rt| {
        rt.connect_with(
            ("b", "video"),
            ("sink", "video"),
            LinkOptions::new(0, OverflowPolicy::Block),
        )
        .map(drop)
    });
    assert!(matches!(error, StreamError::InvalidCapacity(0)));
}

#[test]
fn invalid_state_is_rejected() {
    for (operation, edit) in [
        (
            "stop",
            StreamRuntime::stop as fn(&StreamRuntime) -> streamlib::Result<()>,
        ),
        ("pause", StreamRuntime::pause),
        ("resume", StreamRuntime::resume),
    ] {
        let error = rejected(edit);
        let StreamError::InvalidState {
            operation: named,
            status,
        } = &error
        else {
            panic!("unexpected {error:?}");
        };
        assert_eq!(*named, operation);
        assert_eq!(*status, RuntimeStatus::Initial);
    }

    let runtime = sample_graph();
    runtime.start().unwrap();
    let before = shape(&runtime);
    let error = runtime.start().unwrap_err();
    assert!(matches!(
        error,
        StreamError::InvalidState {
            operation: "start",
            status: RuntimeStatus::Running
        }
    ));
    assert_eq!(shape(&runtime), before);
    runtime.stop().unwrap();
}

#[test]
fn failed_setup_while_running_is_rejected() {
    let runtime = sample_graph();
    runtime.start().unwrap();
    let before = shape(&runtime);
    let threads = runtime.runner_threads();

    let error = runtime
        .add_processor(
            ProcessorSpec::new("FaultyProcessor")
                .with_id("broken")
                .with_config(json!({"fail_setup": true})),
        )
        .unwrap_err();
    assert!(
        matches!(&error, StreamError::ProcessorFailed { processor, .. } if processor.as_str() == "broken"),
        "{error:?}"
    );
    assert_eq!(shape(&runtime), before);
    assert_eq!(runtime.runner_threads(), threads);
    runtime.stop().unwrap();
}

#[test]
fn port_changing_update_on_linked_processor_is_rejected() {
    let error = rejected(|rt| rt.update_config("a", json!({"kind": "audio"})).map(drop));
    assert!(
        matches!(&error, StreamError::ConfigUpdateRejected { processor, .. } if processor.as_str() == "a")
    );
}

#[test]
fn processor_limit_is_enforced() {
    let runtime = StreamRuntime::new();
    for index in 0..1024 {
        runtime
            .add_processor(ProcessorSpec::new("NullSinkProcessor").with_id(format!("sink{index}")))
            .unwrap();
    }
    let before = shape(&runtime);
    let error = runtime
        .add_processor(ProcessorSpec::new("NullSinkProcessor"))
        .unwrap_err();
    assert!(
        matches!(error, StreamError::ProcessorLimit { limit: 1024 }),
        "{error:?}"
    );
    assert_eq!(shape(&runtime), before);
}

#[test]
fn duplicate_link_into_multi_input_is_rejected() {
    let runtime = StreamRuntime::new();
    add(&runtime, "tone", "SineGeneratorProcessor", json!({}));
    add(&runtime, "mixer", "AudioMixerProcessor", json!({}));
    runtime
        .connect(("tone", "audio"), ("mixer", "audio"))
        .unwrap();
    let before = shape(&runtime);

    let error = runtime
        .connect(("tone", "audio"), ("mixer", "audio"))
        .unwrap_err();
    assert!(
        matches!(error, StreamError::InputAlreadyLinked { .. }),
        "{error:?}"
    );
    assert_eq!(shape(&runtime), before);
}
