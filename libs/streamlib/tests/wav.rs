//! WAV reader and writer on real files: ALSA speech recordings, files made
//! by ffmpeg in every supported sample format, unsupported and damaged
//! files, and a writer stopped or removed halfway through a stream.

mod common;
mod common_media;

use std::path::Path;
use std::time::{Duration, Instant};

use common::*;
use common_media::*;
use serde_json::json;

#[test]
fn alsa_recordings_pass_through_unchanged() {
    let directory = tempfile::tempdir().expect("temporary directory");
    for input in alsa_recordings() {
        let output = directory.path().join(input.file_name().expect("file name"));
        let (runtime, _observations) = mock_runtime();
        let mut events = runtime.subscribe_events();
        add(
            &runtime,
            "reader",
            "WavReaderProcessor",
            json!({"path": input}),
        );
        add(
            &runtime,
            "gain",
            "AudioGainProcessor",
            json!({"gain_db": 0.0}),
        );
        for name in ["pass1", "pass2", "pass3"] {
            add(
                &runtime,
                name,
                "SimplePassthroughProcessor",
                json!({"kind": "audio"}),
            );
        }
        add(
            &runtime,
            "writer",
            "WavWriterProcessor",
            json!({"path": output, "sample_format": "s16"}),
        );
        connect_chain(
            &runtime,
            "audio",
            &["reader", "gain", "pass1", "pass2", "pass3", "writer"],
        );

        runtime.start().expect("runtime starts");
        wait_for_end_of_stream(&mut events, "writer");
        runtime.stop().expect("runtime stops");

        let original = read_wav(&input);
        let copy = read_wav(&output);
        let name = input.display();
        assert_eq!(copy.spec, original.spec, "{name}: format changed");
        assert_eq!(
            copy.samples.len(),
            original.samples.len(),
            "{name}: length changed"
        );
        assert!(copy.samples == original.samples, "{name}: samples differ");
    }
}

/// Root-mean-square and maximum difference between two signals, skipping
/// `edge` samples at each end where the resampler's filters ring.
fn difference(expected: &[f32], actual: &[f32], edge: usize) -> (f64, f64) {
    let range = edge..expected.len().min(actual.len()).saturating_sub(edge);
    let count = range.len().max(1) as f64;
    let (mut squares, mut max) = (0.0f64, 0.0f64);
    for index in range {
        let delta = f64::from(expected[index] - actual[index]).abs();
        squares += delta * delta;
        max = max.max(delta);
    }
    ((squares / count).sqrt(), max)
}

#[test]
fn alsa_recordings_survive_resampler_round_trip() {
    let directory = tempfile::tempdir().expect("temporary directory");
    for input in alsa_recordings() {
        let output = directory.path().join(input.file_name().expect("file name"));
        let (runtime, _observations) = mock_runtime();
        let mut events = runtime.subscribe_events();
        add(
            &runtime,
            "reader",
            "WavReaderProcessor",
            json!({"path": input}),
        );
        add(
            &runtime,
            "down",
            "AudioResamplerProcessor",
            json!({"sample_rate": 44_100}),
        );
        add(
            &runtime,
            "up",
            "AudioResamplerProcessor",
            json!({"sample_rate": 48_000}),
        );
        add(
            &runtime,
            "writer",
            "WavWriterProcessor",
            json!({"path": output, "sample_format": "f32"}),
        );
        connect_chain(&runtime, "audio", &["reader", "down", "up", "writer"]);

        runtime.start().expect("runtime starts");
        wait_for_end_of_stream(&mut events, "writer");
        runtime.stop().expect("runtime stops");

        let original = read_wav(&input);
        let copy = read_wav(&output);
        let name = input.display();
        assert_eq!(copy.spec.sample_rate, 48_000, "{name}: output rate");
        let frames_in = original.frames() as i64;
        let frames_out = copy.frames() as i64;
        assert!(
            (frames_in - frames_out).abs() <= 1,
            "{name}: {frames_in} samples in, {frames_out} out; the duration must stay within one sample"
        );

        let reference: Vec<f32> = original
            .samples
            .iter()
            .map(|&s| s as f32 / 32768.0)
            .collect();
        let (rms, max) = difference(&reference, &copy.floats, 256);
        // Measured on the nine Debian 12 recordings: RMS error 2.7e-6 to
        // 3.2e-6 of full scale (about -110 dBFS) and maximum 1.1e-5 to
        // 1.6e-5. The 256 samples at each end are skipped because there the
        // filters ring on the abrupt start and end, up to 1.6e-3 on Noise.wav.
        assert!(
            rms < 1e-5,
            "{name}: RMS error {rms:.2e} after 48000 -> 44100 -> 48000"
        );
        assert!(
            max < 5e-5,
            "{name}: maximum error {max:.2e} after 48000 -> 44100 -> 48000"
        );
    }
}

/// Makes a one-second 1 kHz tone WAV with ffmpeg in `codec`.
fn make_tone(directory: &Path, codec: &str, channels: u32) -> std::path::PathBuf {
    let path = directory.join(format!("{codec}_{channels}ch.wav"));
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=1000:sample_rate=44100:duration=0.25",
        "-ac",
        &channels.to_string(),
        "-c:a",
        codec,
        path.to_str().expect("UTF-8 path"),
    ]);
    path
}

#[test]
fn ffmpeg_sample_formats_read_back_right_values() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let cases = [
        ("pcm_u8", 1, 0.0),
        ("pcm_s16le", 1, 0.0),
        ("pcm_s16le", 2, 0.0),
        ("pcm_s24le", 1, 0.0),
        ("pcm_s24le", 6, 0.0),
        // Within one f32 rounding step, since 32-bit integers do not fit
        // the 24-bit significand of f32.
        ("pcm_s32le", 2, 1e-7),
        ("pcm_f32le", 1, 0.0),
        ("pcm_f32le", 3, 0.0),
    ];
    for (codec, channels, tolerance) in cases {
        let path = make_tone(directory.path(), codec, channels);
        let reference = ffmpeg_decode_f32(&path);
        let (runtime, observations) = mock_runtime();
        add(
            &runtime,
            "reader",
            "WavReaderProcessor",
            json!({"path": path, "frames_per_buffer": 1000}),
        );
        add_audio_collector(&runtime, "sink");
        connect_chain(&runtime, "audio", &["reader", "sink"]);

        runtime.start().expect("runtime starts");
        let frames = audio_until_end(&observations, "sink");
        runtime.stop().expect("runtime stops");

        let case = format!("{codec} with {channels} channel(s)");
        assert!(
            frames.iter().all(|f| f.sample_rate == 44_100),
            "{case}: sample rate"
        );
        assert!(
            frames.iter().all(|f| f.channels == channels as u16),
            "{case}: channels"
        );
        assert_eq!(frames[0].sample_frames(), 1000, "{case}: buffer size");
        let samples = concat_samples(&frames);
        assert_eq!(samples.len(), reference.len(), "{case}: sample count");
        let worst = samples
            .iter()
            .zip(&reference)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(
            worst <= tolerance,
            "{case}: values differ from ffmpeg's by up to {worst:e}"
        );
        let peak = samples.iter().fold(0.0f32, |peak, s| peak.max(s.abs()));
        assert!(peak > 0.05, "{case}: the tone is missing (peak {peak})");
    }
}

#[test]
fn unsupported_and_damaged_wavs_fail_when_added() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let (runtime, _observations) = mock_runtime();
    let reader_error =
        |path: &Path| add_error(&runtime, "WavReaderProcessor", json!({"path": path}));

    for codec in ["adpcm_ima_wav", "adpcm_ms", "pcm_mulaw", "pcm_alaw"] {
        let path = make_tone(directory.path(), codec, 1);
        let message = reader_error(&path);
        assert!(
            message.contains(path.to_str().unwrap()),
            "{codec}: {message}"
        );
        assert!(message.contains("compressed WAV"), "{codec}: {message}");
        assert!(message.contains("is not supported"), "{codec}: {message}");
    }

    let missing = directory.path().join("missing.wav");
    let message = reader_error(&missing);
    assert!(message.contains("missing.wav"), "{message}");
    assert!(message.contains("cannot open"), "{message}");

    let text = directory.path().join("notes.wav");
    std::fs::write(&text, "these are notes, not audio\n").unwrap();
    let message = reader_error(&text);
    assert!(message.contains("notes.wav"), "{message}");
    assert!(message.contains("not a readable WAV file"), "{message}");

    let whole = make_tone(directory.path(), "pcm_s16le", 1);
    let bytes = std::fs::read(&whole).unwrap();
    let cut = directory.path().join("cut.wav");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let message = reader_error(&cut);
    assert!(message.contains("cut.wav"), "{message}");
    assert!(message.contains("truncated"), "{message}");

    let header_only = directory.path().join("header_only.wav");
    std::fs::write(&header_only, &bytes[..20]).unwrap();
    let message = reader_error(&header_only);
    assert!(message.contains("header_only.wav"), "{message}");
    assert!(message.contains("ends inside"), "{message}");

    assert_eq!(
        runtime.state().processors.len(),
        0,
        "no reader may have been added"
    );
}

#[test]
fn wav_writer_rejects_missing_folder_when_added() {
    let (runtime, _observations) = mock_runtime();
    let error = runtime
        .add_processor(
            streamlib::ProcessorSpec::new("WavWriterProcessor")
                .with_config(json!({"path": "/nonexistent-directory/out.wav"})),
        )
        .expect_err("a missing folder is rejected at once");
    let streamlib::StreamError::InvalidConfig { field, message, .. } = &error else {
        panic!("unexpected {error:?}");
    };
    assert_eq!(field, "path");
    assert!(message.contains("/nonexistent-directory"), "{message}");
    assert!(message.contains("does not exist"), "{message}");
}

#[test]
fn wav_writer_fails_setup_on_unwritable_path() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let (runtime, _observations) = mock_runtime();
    add(
        &runtime,
        "source",
        "SineGeneratorProcessor",
        json!({"duration": 0.1, "live": false}),
    );
    // The path exists but is a folder, so only opening it can fail.
    let path = directory.path().display().to_string();
    add(
        &runtime,
        "writer",
        "WavWriterProcessor",
        json!({"path": path}),
    );
    connect_chain(&runtime, "audio", &["source", "writer"]);
    let message = runtime.start().expect_err("start must fail").to_string();
    assert!(message.contains(&path), "{message}");
    assert!(message.contains("cannot create"), "{message}");
}

#[test]
fn wav_with_zero_sample_rate_is_rejected() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let path = directory.path().join("zero-rate.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(&path, spec).unwrap();
    for sample in 0..100i16 {
        writer.write_sample(sample).unwrap();
    }
    writer.finalize().unwrap();
    // Bytes 24..28 of a canonical header hold the sample rate and 28..32 the
    // byte rate derived from it; both become 0, so the header is consistent.
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[24..32].copy_from_slice(&[0; 8]);
    std::fs::write(&path, bytes).unwrap();

    let (runtime, _observations) = mock_runtime();
    let error = runtime
        .add_processor(
            streamlib::ProcessorSpec::new("WavReaderProcessor")
                .with_config(json!({"path": path.display().to_string()})),
        )
        .expect_err("a zero sample rate is rejected");
    let text = error.to_string();
    assert!(text.contains("0 Hz"), "{text}");
    assert!(text.contains("zero-rate.wav"), "{text}");
}

/// Makes a 30-second 16-bit mono tone at 48 kHz, long enough to stop halfway.
fn make_long_tone(directory: &Path) -> std::path::PathBuf {
    let path = directory.join("long.wav");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=48000:duration=30",
        "-c:a",
        "pcm_s16le",
        path.to_str().expect("UTF-8 path"),
    ]);
    path
}

const LONG_BUFFER: u64 = 4800;

/// Starts a live reader -> writer pipeline and waits until the writer has
/// taken a few buffers.
fn start_live_copy(
    input: &Path,
    output: &Path,
) -> (streamlib::StreamRuntime, flume::Receiver<Observation>) {
    let (runtime, observations) = mock_runtime();
    add(
        &runtime,
        "reader",
        "WavReaderProcessor",
        json!({"path": input, "frames_per_buffer": LONG_BUFFER, "live": true}),
    );
    add(
        &runtime,
        "writer",
        "WavWriterProcessor",
        json!({"path": output}),
    );
    connect_chain(&runtime, "audio", &["reader", "writer"]);
    runtime.start().expect("runtime starts");

    let deadline = Instant::now() + PATIENCE;
    while runtime.processor("writer").unwrap().metrics.frames_in < 3 {
        assert!(
            Instant::now() < deadline,
            "the writer received nothing within {PATIENCE:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (runtime, observations)
}

/// Checks that `output` is a valid WAV holding the first samples of `input`.
fn assert_valid_prefix(input: &Path, output: &Path) -> usize {
    let original = read_wav(input);
    let copy = read_wav(output);
    assert_eq!(copy.spec, original.spec);
    assert!(copy.frames() > 0, "the file holds no samples");
    assert!(
        copy.frames() < original.frames(),
        "the whole file was copied; stop came too late"
    );
    assert!(
        copy.samples[..] == original.samples[..copy.samples.len()],
        "the copied samples differ from the input's first {}",
        copy.samples.len()
    );
    let probe = ffprobe_stream(output);
    assert_eq!(probe["codec_name"], "pcm_s16le");
    assert_eq!(probe["sample_rate"], "48000");
    copy.frames()
}

#[test]
fn stop_mid_file_leaves_valid_wav() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let input = make_long_tone(directory.path());
    let output = directory.path().join("partial.wav");
    let (runtime, _observations) = start_live_copy(&input, &output);

    runtime.stop().expect("runtime stops");

    let received = runtime.processor("writer").unwrap().metrics.frames_in;
    let frames = assert_valid_prefix(&input, &output);
    assert_eq!(
        frames as u64,
        received * LONG_BUFFER,
        "the file must hold exactly the {received} buffers the writer received"
    );
}

#[test]
fn removing_writer_mid_file_leaves_valid_wav() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let input = make_long_tone(directory.path());
    let output = directory.path().join("partial.wav");
    let (runtime, _observations) = start_live_copy(&input, &output);

    runtime.remove_processor("writer").expect("writer removed");

    let frames = assert_valid_prefix(&input, &output) as u64;
    assert_eq!(
        frames % LONG_BUFFER,
        0,
        "{frames} samples is not a whole number of buffers"
    );
    runtime.stop().expect("runtime stops");
}

#[test]
fn wav_writer_formats_round_trip_through_reader() {
    let directory = tempfile::tempdir().expect("temporary directory");
    for (format, bits, float) in [("s16", 16, false), ("s24", 24, false), ("f32", 32, true)] {
        let path = directory.path().join(format!("{format}.wav"));
        let (runtime, observations) = mock_runtime();
        let mut events = runtime.subscribe_events();
        add(
            &runtime,
            "source",
            "ChordGeneratorProcessor",
            json!({"duration": 0.2, "live": false, "channels": 2, "sample_rate": 32_000}),
        );
        add_audio_collector(&runtime, "direct");
        add(
            &runtime,
            "writer",
            "WavWriterProcessor",
            json!({"path": path, "sample_format": format}),
        );
        connect_chain(&runtime, "audio", &["source", "writer"]);
        connect_chain(&runtime, "audio", &["source", "direct"]);
        runtime.start().expect("runtime starts");
        let sent = concat_samples(&audio_until_end(&observations, "direct"));
        wait_for_end_of_stream(&mut events, "writer");
        runtime.stop().expect("runtime stops");

        let written = read_wav(&path);
        assert_eq!(written.spec.bits_per_sample, bits, "{format}: bits");
        assert_eq!(
            written.spec.sample_format == hound::SampleFormat::Float,
            float,
            "{format}: kind"
        );
        assert_eq!(written.spec.channels, 2, "{format}: channels");
        assert_eq!(written.spec.sample_rate, 32_000, "{format}: rate");
        let decoded: Vec<f32> = if float {
            written.floats.clone()
        } else {
            let scale = (1i64 << (bits - 1)) as f32;
            written.samples.iter().map(|&s| s as f32 / scale).collect()
        };
        assert_eq!(decoded.len(), sent.len(), "{format}: sample count");
        // Half a quantization step of the integer format; exact for float.
        let tolerance = if float {
            0.0
        } else {
            0.5 / (1i64 << (bits - 1)) as f32 + 1e-9
        };
        let worst = decoded
            .iter()
            .zip(&sent)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(
            worst <= tolerance,
            "{format}: error {worst:e} exceeds {tolerance:e}"
        );
    }
}
