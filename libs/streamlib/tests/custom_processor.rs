//! A processor type defined outside the crate registers, runs and is listed
//! with its config schema.

mod common;

use std::sync::Arc;

use common::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use streamlib::{
    DataFrame, ExecutionMode, Flow, Frame, FrameKind, Outputs, PortDescriptor, Ports, ProcessInput,
    Processor, ProcessorSpec, ProcessorType, StreamRuntime,
};

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct FrameReporterConfig {
    /// Label written into every report.
    label: String,
    /// Report every n-th frame.
    #[serde(default = "every_frame")]
    every: u64,
}

fn every_frame() -> u64 {
    1
}

/// Turns video frames into data frames describing them.
struct FrameReporterProcessor {
    config: FrameReporterConfig,
}

impl ProcessorType for FrameReporterProcessor {
    type Config = FrameReporterConfig;
    const TYPE_NAME: &'static str = "FrameReporterProcessor";
    const DESCRIPTION: &'static str = "Describes each video frame as a data frame";
    const EXECUTION_MODE: ExecutionMode = ExecutionMode::Reactive;

    fn ports(_config: Option<&Self::Config>) -> Ports {
        Ports::new(
            vec![PortDescriptor::new("video", FrameKind::Video)],
            vec![PortDescriptor::new("data", FrameKind::Data)],
        )
    }

    fn from_config(config: Self::Config) -> streamlib::Result<Self> {
        if config.every == 0 {
            return Err(streamlib::StreamError::invalid_config(
                Self::TYPE_NAME,
                "every",
                "use 1 or more",
            ));
        }
        Ok(Self { config })
    }
}

impl Processor for FrameReporterProcessor {
    fn process(
        &mut self,
        input: ProcessInput<'_>,
        output: &mut Outputs,
    ) -> streamlib::Result<Flow> {
        if let ProcessInput::Frame {
            frame: Frame::Video(video),
            ..
        } = input
            && video.frame_number % self.config.every == 0
        {
            let report = json!({
                "label": self.config.label,
                "frame": video.frame_number,
                "width": video.width,
            });
            output.send(
                "data",
                DataFrame::new(video.timestamp_ns, video.frame_number, report),
            )?;
        }
        Ok(Flow::Continue)
    }
}

#[test]
fn custom_type_registers_runs_and_lists_schema() {
    let (registry, observations) = mock_registry();
    registry.register::<FrameReporterProcessor>().unwrap();
    let runtime = StreamRuntime::with_registry(Arc::clone(&registry));

    let descriptor = runtime
        .registry()
        .descriptor("FrameReporterProcessor")
        .unwrap();
    assert_eq!(descriptor.execution_mode, ExecutionMode::Reactive);
    assert_eq!(descriptor.ports.outputs[0].name, "data");
    let properties = &descriptor.config_schema["properties"];
    assert!(
        properties["label"].is_object(),
        "schema: {}",
        descriptor.config_schema
    );
    assert!(properties["every"].is_object());
    assert_eq!(descriptor.config_schema["required"], json!(["label"]));
    assert!(
        runtime
            .registry()
            .descriptors()
            .iter()
            .any(|d| d.processor_type == "FrameReporterProcessor")
    );

    add(&runtime, "source", "TestPatternProcessor", fast_pattern(6));
    runtime
        .add_processor(
            ProcessorSpec::new("FrameReporterProcessor")
                .with_id("reporter")
                .with_config(json!({"label": "cam", "every": 2})),
        )
        .unwrap();
    add(
        &runtime,
        "sink",
        "CollectorProcessor",
        json!({"tag": "sink", "kind": "data"}),
    );
    runtime
        .connect(("source", "video"), ("reporter", "video"))
        .unwrap();
    runtime
        .connect(("reporter", "data"), ("sink", "data"))
        .unwrap();
    runtime.start().unwrap();
    let reports = frames_until_end(&observations, "sink");
    runtime.stop().unwrap();

    let values: Vec<serde_json::Value> = reports
        .iter()
        .map(|frame| match frame {
            Frame::Data(data) => data.value().clone(),
            other => panic!("expected data, got {other:?}"),
        })
        .collect();
    assert_eq!(
        values,
        vec![
            json!({"label": "cam", "frame": 0, "width": 16}),
            json!({"label": "cam", "frame": 2, "width": 16}),
            json!({"label": "cam", "frame": 4, "width": 16}),
        ]
    );
}

#[test]
fn custom_type_config_errors_name_the_field() {
    let (registry, _observations) = mock_registry();
    registry.register::<FrameReporterProcessor>().unwrap();
    let runtime = StreamRuntime::with_registry(registry);

    let missing = runtime
        .add_processor(ProcessorSpec::new("FrameReporterProcessor"))
        .unwrap_err();
    assert!(missing.to_string().contains("label"), "{missing}");
    let zero = runtime
        .add_processor(
            ProcessorSpec::new("FrameReporterProcessor")
                .with_config(json!({"label": "x", "every": 0})),
        )
        .unwrap_err();
    assert!(
        matches!(&zero, streamlib::StreamError::InvalidConfig { field, .. } if field == "every")
    );
}

#[test]
fn registering_a_type_twice_is_rejected() {
    let (registry, _observations) = mock_registry();
    registry.register::<FrameReporterProcessor>().unwrap();
    let error = registry.register::<FrameReporterProcessor>().unwrap_err();
    assert!(
        matches!(error, streamlib::StreamError::DuplicateProcessorType(name) if name == "FrameReporterProcessor")
    );
}
