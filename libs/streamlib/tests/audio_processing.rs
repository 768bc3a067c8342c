//! Audio effects and sources: mixer, gain, resampler, channel converter
//! and chord generator, checked sample by sample against the formulas.

mod common;
mod common_media;

use std::f64::consts::TAU;
use std::time::{Duration, Instant};

use common::*;
use common_media::*;
use serde_json::json;

const RATE: u32 = 48_000;

/// Sample `n` of the tone a sine generator with these settings emits.
fn sine(frequency: f64, amplitude: f64, n: usize) -> f32 {
    (amplitude * (TAU * frequency / f64::from(RATE) * n as f64).sin()) as f32
}

fn sine_config(frequency: f64, seconds: f64, frames_per_buffer: u32) -> serde_json::Value {
    json!({
        "frequency": frequency,
        "amplitude": 0.25,
        "sample_rate": RATE,
        "channels": 1,
        "frames_per_buffer": frames_per_buffer,
        "duration": seconds,
        "live": false,
    })
}

#[test]
fn mixer_sums_inputs_and_outlives_shorter_one() {
    let (runtime, observations) = mock_runtime();
    // Buffer sizes differ on purpose: 480 and 1024 in, 512 out.
    add(
        &runtime,
        "long",
        "SineGeneratorProcessor",
        sine_config(440.0, 0.5, 480),
    );
    add(
        &runtime,
        "short",
        "SineGeneratorProcessor",
        sine_config(660.0, 0.2, 1024),
    );
    add(
        &runtime,
        "mixer",
        "AudioMixerProcessor",
        json!({"frames_per_buffer": 512}),
    );
    add_audio_collector(&runtime, "sink");
    connect_chain(&runtime, "audio", &["long", "mixer", "sink"]);
    connect_chain(&runtime, "audio", &["short", "mixer"]);

    runtime.start().expect("runtime starts");
    let frames = audio_until_end(&observations, "sink");
    runtime.stop().expect("runtime stops");

    let long_len = RATE as usize / 2;
    let short_len = RATE as usize / 5;
    let mixed = concat_samples(&frames);
    assert_eq!(
        mixed.len(),
        long_len,
        "the mix lasts as long as the longer input"
    );
    assert!(
        frames[..frames.len() - 1]
            .iter()
            .all(|f| f.sample_frames() == 512)
    );
    for (index, frame) in frames.iter().enumerate() {
        assert_eq!(
            frame.timestamp_ns,
            index as u64 * 512 * 1_000_000_000 / u64::from(RATE)
        );
    }
    for (n, &sample) in mixed.iter().enumerate() {
        let mut expected = sine(440.0, 0.25, n);
        if n < short_len {
            expected += sine(660.0, 0.25, n);
        }
        assert!(
            (sample - expected).abs() <= 1e-6,
            "sample {n}: mixed {sample}, expected {expected}"
        );
    }
}

#[test]
fn mixer_keeps_going_after_input_unlinked() {
    let (runtime, observations) = mock_runtime();
    let mut long = sine_config(440.0, 0.6, 480);
    long["live"] = json!(true);
    let mut endless = sine_config(660.0, 0.0, 480);
    endless["duration"] = serde_json::Value::Null;
    endless["live"] = json!(true);
    add(&runtime, "long", "SineGeneratorProcessor", long);
    add(&runtime, "endless", "SineGeneratorProcessor", endless);
    add(
        &runtime,
        "mixer",
        "AudioMixerProcessor",
        json!({"frames_per_buffer": 480, "wait_for_inputs": 2}),
    );
    add_audio_collector(&runtime, "sink");
    connect_chain(&runtime, "audio", &["long", "mixer", "sink"]);
    let endless_link = runtime
        .connect(("endless", "audio"), ("mixer", "audio"))
        .expect("link");

    runtime.start().expect("runtime starts");
    let deadline = Instant::now() + PATIENCE;
    while runtime.processor("mixer").unwrap().metrics.frames_out < 5 {
        assert!(
            Instant::now() < deadline,
            "the mixer sent nothing within {PATIENCE:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    runtime.disconnect(&endless_link).expect("unlink");
    let frames = audio_until_end(&observations, "sink");
    runtime.stop().expect("runtime stops");

    let mixed = concat_samples(&frames);
    let total = RATE as usize * 6 / 10;
    assert_eq!(
        mixed.len(),
        total,
        "the mix must run to the end of the remaining input"
    );
    let both = |n: usize| sine(440.0, 0.25, n) + sine(660.0, 0.25, n);
    assert!(
        (0..480).all(|n| (mixed[n] - both(n)).abs() <= 1e-6),
        "the first buffer must hold both inputs"
    );
    let tail = total - 4800..total;
    assert!(
        tail.clone()
            .all(|n| (mixed[n] - sine(440.0, 0.25, n)).abs() <= 1e-6),
        "the last 0.1 s must hold the remaining input alone"
    );
}

#[test]
fn mixer_rejects_mismatched_sample_rates() {
    let (runtime, _observations) = mock_runtime();
    let mut events = runtime.subscribe_events();
    add(
        &runtime,
        "a",
        "SineGeneratorProcessor",
        sine_config(440.0, 0.1, 480),
    );
    let mut other_rate = sine_config(440.0, 0.1, 480);
    other_rate["sample_rate"] = json!(44_100);
    add(&runtime, "b", "SineGeneratorProcessor", other_rate);
    add(&runtime, "mixer", "AudioMixerProcessor", json!({}));
    connect_chain(&runtime, "audio", &["a", "mixer"]);
    connect_chain(&runtime, "audio", &["b", "mixer"]);
    runtime.start().expect("runtime starts");
    let event = wait_for_event(&mut events, "mixer processor_error", |event| {
        event.type_name() == "processor_error"
    });
    let text = serde_json::to_string(&event).unwrap();
    assert!(text.contains("44100 Hz"), "{text}");
    assert!(text.contains("AudioResamplerProcessor"), "{text}");
    runtime.stop().expect("runtime stops");
}

#[test]
fn gain_scales_samples_and_changes_live() {
    let (runtime, observations) = mock_runtime();
    let mut source = sine_config(440.0, 0.0, 480);
    source["duration"] = serde_json::Value::Null;
    source["live"] = json!(true);
    add(&runtime, "source", "SineGeneratorProcessor", source);
    add(
        &runtime,
        "gain",
        "AudioGainProcessor",
        json!({"gain_db": -20.0}),
    );
    add_audio_collector(&runtime, "sink");
    connect_chain(&runtime, "audio", &["source", "gain", "sink"]);
    runtime.start().expect("runtime starts");

    let first = next_frame(&observations, "sink");
    let streamlib::Frame::Audio(first) = first else {
        panic!("expected audio");
    };
    let start = (first.timestamp_ns * u64::from(RATE) / 1_000_000_000) as usize;
    for (offset, &sample) in first.samples().iter().enumerate() {
        let expected = sine(440.0, 0.25, start + offset) * 0.1;
        assert!(
            (sample - expected).abs() <= 1e-7,
            "-20 dB: {sample} vs {expected}"
        );
    }

    runtime
        .update_config("gain", json!({"gain_db": 6.0}))
        .expect("gain changes live");
    let factor = 10f32.powf(6.0 / 20.0);
    let deadline = Instant::now() + PATIENCE;
    loop {
        assert!(
            Instant::now() < deadline,
            "no buffer at +6 dB within {PATIENCE:?}"
        );
        let streamlib::Frame::Audio(frame) = next_frame(&observations, "sink") else {
            panic!("expected audio");
        };
        let start = (frame.timestamp_ns * u64::from(RATE) / 1_000_000_000) as usize;
        let expected = sine(440.0, 0.25, start + 100) * factor;
        if (frame.samples()[100] - expected).abs() <= 1e-6 {
            break;
        }
    }

    let error = runtime
        .update_config("gain", json!({"gain_db": 100.0}))
        .expect_err("100 dB is out of range");
    assert!(error.to_string().contains("gain_db"), "{error}");
    runtime.stop().expect("runtime stops");
}

#[test]
fn resampler_converts_rate_and_keeps_duration() {
    let (runtime, observations) = mock_runtime();
    let mut source = sine_config(1000.0, 0.5, 1000);
    source["channels"] = json!(2);
    add(&runtime, "source", "SineGeneratorProcessor", source);
    add(
        &runtime,
        "resampler",
        "AudioResamplerProcessor",
        json!({"sample_rate": 44_100}),
    );
    add_audio_collector(&runtime, "sink");
    connect_chain(&runtime, "audio", &["source", "resampler", "sink"]);
    runtime.start().expect("runtime starts");
    let frames = audio_until_end(&observations, "sink");
    runtime.stop().expect("runtime stops");

    assert!(
        frames
            .iter()
            .all(|f| f.sample_rate == 44_100 && f.channels == 2)
    );
    let samples = concat_samples(&frames);
    assert_eq!(samples.len() / 2, 22_050, "0.5 s at 44.1 kHz");
    let mut expected_ns = 0u64;
    let mut offset = 0u64;
    for frame in &frames {
        expected_ns = offset * 1_000_000_000 / 44_100;
        assert_eq!(
            frame.timestamp_ns, expected_ns,
            "timestamps follow the output samples"
        );
        offset += frame.sample_frames() as u64;
    }
    assert!(expected_ns > 0);

    // The ideal tone at the new rate, away from the edges where the
    // filters ring. Measured in a debug build: maximum error 1.1e-7.
    let mut worst = 0.0f64;
    for n in 512..22_050 - 512 {
        let ideal = 0.25 * (TAU * 1000.0 / 44_100.0 * n as f64).sin();
        for channel in 0..2 {
            worst = worst.max((f64::from(samples[n * 2 + channel]) - ideal).abs());
        }
    }
    assert!(
        worst < 1e-6,
        "resampled tone differs from the ideal by up to {worst:.2e}"
    );
}

#[test]
fn channel_converter_round_trips_mono_and_stereo() {
    let (runtime, observations) = mock_runtime();
    add(
        &runtime,
        "source",
        "SineGeneratorProcessor",
        sine_config(440.0, 0.1, 480),
    );
    add(
        &runtime,
        "to_stereo",
        "AudioChannelConverterProcessor",
        json!({"channels": 2}),
    );
    add(
        &runtime,
        "to_mono",
        "AudioChannelConverterProcessor",
        json!({"channels": 1}),
    );
    add_audio_collector(&runtime, "stereo");
    add_audio_collector(&runtime, "mono");
    connect_chain(
        &runtime,
        "audio",
        &["source", "to_stereo", "to_mono", "mono"],
    );
    connect_chain(&runtime, "audio", &["to_stereo", "stereo"]);
    runtime.start().expect("runtime starts");
    let mut collected = frames_until_all_end(&observations, &["stereo", "mono"]);
    runtime.stop().expect("runtime stops");

    let stereo = as_audio(collected.remove("stereo").unwrap_or_default());
    let mono = as_audio(collected.remove("mono").unwrap_or_default());
    assert!(stereo.iter().all(|f| f.channels == 2));
    assert!(mono.iter().all(|f| f.channels == 1));
    let stereo = concat_samples(&stereo);
    let mono = concat_samples(&mono);
    assert_eq!(mono.len(), 4800);
    assert_eq!(stereo.len(), 9600);
    for n in 0..4800 {
        let expected = sine(440.0, 0.25, n);
        assert_eq!(stereo[2 * n], expected, "left sample {n}");
        assert_eq!(stereo[2 * n + 1], expected, "right sample {n}");
        assert_eq!(mono[n], expected, "mono sample {n}");
    }

    let message = add_error(
        &runtime,
        "AudioChannelConverterProcessor",
        json!({"channels": 6}),
    );
    assert!(message.contains("channels"), "{message}");
}

#[test]
fn chord_generator_sums_tones() {
    let (runtime, observations) = mock_runtime();
    add(
        &runtime,
        "chord",
        "ChordGeneratorProcessor",
        json!({"frequencies": [440.0, 550.0, 660.0], "amplitude": 0.9, "sample_rate": RATE,
               "channels": 1, "duration": 0.1, "live": false}),
    );
    add_audio_collector(&runtime, "sink");
    connect_chain(&runtime, "audio", &["chord", "sink"]);
    runtime.start().expect("runtime starts");
    let samples = concat_samples(&audio_until_end(&observations, "sink"));
    runtime.stop().expect("runtime stops");

    assert_eq!(samples.len(), 4800);
    for (n, &sample) in samples.iter().enumerate() {
        let expected = [440.0, 550.0, 660.0]
            .iter()
            .map(|frequency| 0.3 * (TAU * frequency / f64::from(RATE) * n as f64).sin())
            .sum::<f64>();
        assert!((f64::from(sample) - expected).abs() <= 1e-6, "sample {n}");
    }
    let peak = samples.iter().fold(0.0f32, |peak, s| peak.max(s.abs()));
    assert!(peak <= 0.9, "the chord exceeds its amplitude: {peak}");

    let message = add_error(
        &runtime,
        "ChordGeneratorProcessor",
        json!({"frequencies": []}),
    );
    assert!(message.contains("frequencies"), "{message}");
}
