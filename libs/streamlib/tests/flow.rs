//! Frames through links: order, back-pressure, overflow policies, timestamps.

mod common;

use common::*;
use serde_json::json;
use streamlib::{Frame, LinkOptions, OverflowPolicy, PortRef};

fn frame_numbers(frames: &[Frame]) -> Vec<u64> {
    frames.iter().map(Frame::frame_number).collect()
}

#[test]
fn block_chain_delivers_every_frame_in_order() {
    const FRAMES: u64 = 500;
    let (runtime, observations) = mock_runtime();
    add(
        &runtime,
        "source",
        "TestPatternProcessor",
        fast_pattern(FRAMES),
    );
    for name in ["pass1", "pass2", "pass3"] {
        add(&runtime, name, "SimplePassthroughProcessor", json!({}));
    }
    add(
        &runtime,
        "sink",
        "CollectorProcessor",
        json!({"tag": "sink"}),
    );
    let chain = ["source", "pass1", "pass2", "pass3", "sink"];
    for pair in chain.windows(2) {
        runtime
            .connect((pair[0], "video"), (pair[1], "video"))
            .unwrap();
    }

    runtime.start().unwrap();
    let frames = frames_until_end(&observations, "sink");

    assert_eq!(frame_numbers(&frames), (0..FRAMES).collect::<Vec<_>>());
    let state = runtime.state();
    for link in &state.connections {
        assert_eq!(link.frames_passed, FRAMES, "link {} passed", link.id);
        assert_eq!(link.frames_dropped, 0, "link {} dropped", link.id);
    }
    runtime.stop().unwrap();
}

#[test]
fn fan_out_and_pass_through_share_payloads() {
    let (runtime, observations) = mock_runtime();
    add(&runtime, "source", "TestPatternProcessor", fast_pattern(3));
    add(&runtime, "pass", "SimplePassthroughProcessor", json!({}));
    add(
        &runtime,
        "direct",
        "CollectorProcessor",
        json!({"tag": "direct"}),
    );
    add(
        &runtime,
        "through",
        "CollectorProcessor",
        json!({"tag": "through"}),
    );
    runtime
        .connect(("source", "video"), ("direct", "video"))
        .unwrap();
    runtime
        .connect(("source", "video"), ("pass", "video"))
        .unwrap();
    runtime
        .connect(("pass", "video"), ("through", "video"))
        .unwrap();

    runtime.start().unwrap();
    let mut collected = frames_until_all_end(&observations, &["direct", "through"]);
    let direct = collected.remove("direct").unwrap_or_default();
    let through = collected.remove("through").unwrap_or_default();
    runtime.stop().unwrap();

    assert_eq!(direct.len(), 3);
    assert_eq!(through.len(), 3);
    for (a, b) in direct.iter().zip(&through) {
        let (Frame::Video(a), Frame::Video(b)) = (a, b) else {
            panic!("expected video frames");
        };
        assert!(a.shares_data_with(b), "frame {} was copied", a.frame_number);
    }
}

#[test]
fn drop_oldest_counts_drops_and_never_blocks_source() {
    const FRAMES: u64 = 200;
    let (runtime, observations) = mock_runtime();
    let mut events = runtime.subscribe_events();
    add(
        &runtime,
        "source",
        "TestPatternProcessor",
        fast_pattern(FRAMES),
    );
    add(
        &runtime,
        "sink",
        "CollectorProcessor",
        json!({"tag": "sink", "delay_ms": 5}),
    );
    let link = runtime
        .connect_with(
            ("source", "video"),
            ("sink", "video"),
            LinkOptions::new(2, OverflowPolicy::DropOldest),
        )
        .unwrap();

    runtime.start().unwrap();
    wait_for_event(&mut events, "source end_of_stream", |event| {
        event.type_name() == "end_of_stream"
            && event
                .processor_id()
                .is_some_and(|id| id.as_str() == "source")
    });
    // 200 frames at 5 ms each would keep a blocked source busy for a second;
    // a source that never waits is done while the sink has barely started.
    let received_when_source_ended = runtime.processor("sink").unwrap().metrics.frames_in;
    assert!(
        received_when_source_ended < FRAMES / 2,
        "the sink had already taken {received_when_source_ended} frames, so the source waited for it"
    );

    let frames = frames_until_end(&observations, "sink");
    let info = runtime.link(&link).unwrap();
    assert!(info.frames_dropped > 0, "no drops counted");
    assert_eq!(info.frames_passed + info.frames_dropped, FRAMES);
    assert_eq!(frames.len() as u64, info.frames_passed);
    let numbers = frame_numbers(&frames);
    assert!(
        numbers.windows(2).all(|pair| pair[0] < pair[1]),
        "out of order: {numbers:?}"
    );
    assert_eq!(
        numbers.last(),
        Some(&(FRAMES - 1)),
        "the newest frame must survive"
    );
    runtime.stop().unwrap();
}

#[test]
fn drop_newest_keeps_earliest_frames() {
    const FRAMES: u64 = 100;
    let (runtime, observations) = mock_runtime();
    add(
        &runtime,
        "source",
        "TestPatternProcessor",
        fast_pattern(FRAMES),
    );
    add(
        &runtime,
        "sink",
        "CollectorProcessor",
        json!({"tag": "sink", "delay_ms": 5}),
    );
    let link = runtime
        .connect_with(
            ("source", "video"),
            ("sink", "video"),
            LinkOptions::new(3, OverflowPolicy::DropNewest),
        )
        .unwrap();

    runtime.start().unwrap();
    let frames = frames_until_end(&observations, "sink");
    let info = runtime.link(&link).unwrap();
    runtime.stop().unwrap();

    assert!(info.frames_dropped > 0);
    assert_eq!(info.frames_passed + info.frames_dropped, FRAMES);
    assert_eq!(&frame_numbers(&frames)[..3], &[0, 1, 2]);
}

#[test]
fn continuous_video_timestamps_are_exact_multiples_of_period() {
    let (runtime, observations) = mock_runtime();
    add(
        &runtime,
        "source",
        "TestPatternProcessor",
        json!({"width": 8, "height": 8, "fps": 30, "frame_count": 300, "live": false}),
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
    let frames = frames_until_end(&observations, "sink");
    runtime.stop().unwrap();

    assert_eq!(frames.len(), 300);
    for (index, frame) in frames.iter().enumerate() {
        let expected = (index as u128 * 1_000_000_000 / 30) as u64;
        assert_eq!(frame.timestamp_ns(), expected, "frame {index}");
    }
    assert_eq!(frames[299].timestamp_ns(), 9_966_666_666);
}

#[test]
fn live_source_timestamps_stay_on_period_grid() {
    let (runtime, observations) = mock_runtime();
    add(
        &runtime,
        "source",
        "TestPatternProcessor",
        json!({"width": 8, "height": 8, "fps": 120, "frame_count": 30}),
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

    let started = std::time::Instant::now();
    runtime.start().unwrap();
    let frames = frames_until_end(&observations, "sink");
    let elapsed = started.elapsed();
    runtime.stop().unwrap();

    for (index, frame) in frames.iter().enumerate() {
        assert_eq!(
            frame.timestamp_ns(),
            (index as u128 * 1_000_000_000 / 120) as u64
        );
    }
    // 30 frames at 120 fps span 29 periods; a paced source cannot be faster.
    assert!(
        elapsed >= std::time::Duration::from_millis(29 * 1000 / 120),
        "not paced: {elapsed:?}"
    );
}

#[test]
fn sine_generator_buffers_are_contiguous() {
    let (runtime, observations) = mock_runtime();
    add(
        &runtime,
        "tone",
        "SineGeneratorProcessor",
        json!({"frequency": 1000, "sample_rate": 48000, "channels": 2, "frames_per_buffer": 480, "duration": 0.1, "live": false}),
    );
    add(
        &runtime,
        "sink",
        "CollectorProcessor",
        json!({"tag": "sink", "kind": "audio"}),
    );
    runtime
        .connect(("tone", "audio"), PortRef::new("sink", "audio"))
        .unwrap();

    runtime.start().unwrap();
    let frames = frames_until_end(&observations, "sink");
    runtime.stop().unwrap();

    assert_eq!(frames.len(), 10);
    let mut samples = Vec::new();
    for (index, frame) in frames.iter().enumerate() {
        let Frame::Audio(audio) = frame else {
            panic!("expected audio");
        };
        assert_eq!(audio.timestamp_ns, index as u64 * 10_000_000);
        assert_eq!(audio.channels, 2);
        samples.extend(audio.samples().chunks(2).map(|pair| pair[0]));
    }
    assert_eq!(samples.len(), 4800);
    for (n, sample) in samples.iter().enumerate() {
        let expected = 0.5 * (std::f64::consts::TAU * 1000.0 * n as f64 / 48000.0).sin();
        assert!((f64::from(*sample) - expected).abs() < 1e-6, "sample {n}");
    }
}
