//! Runs one linear chain to end of stream and prints its throughput, for
//! comparisons with other tools in the same run (see
//! scripts/bench-vs-gstreamer.sh).
//!
//! Usage: chain_throughput <video-solid|video-bars|audio> <frames> <passthroughs>

use std::process::ExitCode;
use std::time::Instant;

use serde_json::json;
use streamlib::{EventKind, ProcessorSpec, StreamRuntime};

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let [workload, frames, hops] = arguments.as_slice() else {
        eprintln!("usage: chain_throughput <video-solid|video-bars|audio> <frames> <passthroughs>");
        return ExitCode::FAILURE;
    };
    let (Ok(frames), Ok(hops)) = (frames.parse::<u64>(), hops.parse::<usize>()) else {
        eprintln!("frames and passthroughs must be whole numbers, got '{frames}' and '{hops}'");
        return ExitCode::FAILURE;
    };
    let (source_type, source_config, kind) = match workload.as_str() {
        "video-solid" | "video-bars" => (
            "TestPatternProcessor",
            json!({
                "pattern": if workload == "video-solid" { "solid" } else { "bars" },
                "width": 1920, "height": 1080, "fps": 30, "frame_count": frames, "live": false,
            }),
            "video",
        ),
        "audio" => (
            "SineGeneratorProcessor",
            json!({
                "frames_per_buffer": 64, "sample_rate": 48000, "channels": 2, "live": false,
                "duration": (frames * 64) as f64 / 48000.0,
            }),
            "audio",
        ),
        other => {
            eprintln!("unknown workload '{other}'; use video-solid, video-bars or audio");
            return ExitCode::FAILURE;
        }
    };

    match run_chain(source_type, source_config, kind, hops) {
        Ok((received, seconds)) => {
            println!(
                "workload={workload} frames={received} passthroughs={hops} seconds={seconds:.4} frames_per_second={:.1}",
                received as f64 / seconds
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("chain failed: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run_chain(
    source_type: &str,
    source_config: serde_json::Value,
    kind: &str,
    hops: usize,
) -> streamlib::Result<(u64, f64)> {
    let runtime = StreamRuntime::new();
    runtime.add_processor(
        ProcessorSpec::new(source_type)
            .with_id("source")
            .with_config(source_config),
    )?;
    let mut previous = "source".to_owned();
    for hop in 0..hops {
        let id = format!("pass{hop}");
        runtime.add_processor(
            ProcessorSpec::new("SimplePassthroughProcessor")
                .with_id(&id)
                .with_config(json!({"kind": kind})),
        )?;
        runtime.connect((previous.as_str(), kind), (id.as_str(), kind))?;
        previous = id;
    }
    runtime.add_processor(
        ProcessorSpec::new("NullSinkProcessor")
            .with_id("sink")
            .with_config(json!({"kind": kind})),
    )?;
    runtime.connect((previous.as_str(), kind), ("sink", kind))?;

    let mut events = runtime.subscribe_events();
    let started = Instant::now();
    runtime.start()?;
    loop {
        match events.blocking_recv().map(|event| event.kind) {
            Ok(EventKind::PipelineFinished) => break,
            Ok(EventKind::ProcessorError { message, .. }) => {
                return Err(streamlib::StreamError::processing(message));
            }
            Ok(_) => {}
            Err(error) => {
                return Err(streamlib::StreamError::processing(format!(
                    "event stream broke: {error}"
                )));
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let received = runtime.processor("sink")?.metrics.frames_in;
    runtime.stop()?;
    Ok((received, seconds))
}
