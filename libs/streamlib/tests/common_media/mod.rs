//! Helpers for the media tests: ffmpeg and ffprobe as reference tools,
//! WAV and Y4M readers that do not go through the processors under test,
//! and waits on the runtime's events. `.ci/install-media.sh` installs the
//! tools and the ALSA recordings.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::json;
use streamlib::{AudioFrame, Frame, RuntimeEvent, StreamRuntime, VideoFrame};
use tokio::sync::broadcast;

use crate::common::{Observation, add, frames_until_end, wait_for_event};

/// Directory of the speech recordings that Debian's alsa-utils ships.
pub const ALSA_SOUNDS: &str = "/usr/share/sounds/alsa";

/// Runs ffmpeg quietly with `args`, overwriting outputs, and fails the test
/// with ffmpeg's message when it fails.
pub fn ffmpeg(args: &[&str]) {
    let output = Command::new("ffmpeg")
        .args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .output()
        .expect("ffmpeg runs; install it with .ci/install-media.sh");
    assert!(
        output.status.success(),
        "ffmpeg {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs ffprobe on `path` and returns its first stream, frames counted.
pub fn ffprobe_stream(path: &Path) -> serde_json::Value {
    let output = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-count_frames",
            "-show_streams",
            "-of",
            "json",
        ])
        .arg(path)
        .output()
        .expect("ffprobe runs; install it with .ci/install-media.sh");
    assert!(
        output.status.success(),
        "ffprobe rejected {}: {}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("ffprobe prints JSON");
    report["streams"][0].clone()
}

/// Decodes `path` with ffmpeg to interleaved f32 samples, the reference for
/// what a reader should produce.
pub fn ffmpeg_decode_f32(path: &Path) -> Vec<f32> {
    let output = Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-i"])
        .arg(path)
        .args(["-f", "f32le", "-c:a", "pcm_f32le", "-"])
        .output()
        .expect("ffmpeg runs");
    assert!(
        output.status.success(),
        "ffmpeg could not decode {}",
        path.display()
    );
    output
        .stdout
        .chunks_exact(4)
        .map(|bytes| f32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
        .collect()
}

/// A WAV file decoded by hound: its spec, and its integer samples or, for
/// float files, its float samples.
pub struct WavContents {
    pub spec: hound::WavSpec,
    pub samples: Vec<i32>,
    pub floats: Vec<f32>,
}

impl WavContents {
    /// Samples per channel.
    pub fn frames(&self) -> usize {
        self.samples.len().max(self.floats.len()) / usize::from(self.spec.channels)
    }
}

pub fn read_wav(path: &Path) -> WavContents {
    let mut reader = hound::WavReader::open(path)
        .unwrap_or_else(|error| panic!("{} is not a valid WAV: {error}", path.display()));
    let spec = reader.spec();
    let (samples, floats) = match spec.sample_format {
        hound::SampleFormat::Int => (
            reader
                .samples::<i32>()
                .collect::<Result<Vec<_>, _>>()
                .expect("samples decode"),
            Vec::new(),
        ),
        hound::SampleFormat::Float => (
            Vec::new(),
            reader
                .samples::<f32>()
                .collect::<Result<Vec<_>, _>>()
                .expect("samples decode"),
        ),
    };
    WavContents {
        spec,
        samples,
        floats,
    }
}

/// Lists every `.wav` under the ALSA sounds directory, sorted.
pub fn alsa_recordings() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(ALSA_SOUNDS)
        .unwrap_or_else(|error| {
            panic!(
                "{ALSA_SOUNDS} is missing ({error}); install alsa-utils with .ci/install-media.sh"
            )
        })
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "wav"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no recordings in {ALSA_SOUNDS}");
    paths
}

/// Waits until processor `id` reports end of stream.
pub fn wait_for_end_of_stream(events: &mut broadcast::Receiver<RuntimeEvent>, id: &str) {
    wait_for_event(events, &format!("{id} end_of_stream"), |event| {
        event.type_name() == "end_of_stream"
            && event
                .processor_id()
                .is_some_and(|found| found.as_str() == id)
    });
}

/// Adds a collector sink for audio with tag `id`.
pub fn add_audio_collector(runtime: &StreamRuntime, id: &str) {
    add(
        runtime,
        id,
        "CollectorProcessor",
        json!({"tag": id, "kind": "audio"}),
    );
}

/// Adds a collector sink for video with tag `id`.
pub fn add_video_collector(runtime: &StreamRuntime, id: &str) {
    add(
        runtime,
        id,
        "CollectorProcessor",
        json!({"tag": id, "kind": "video"}),
    );
}

/// Links `chain` in order through ports named `port`.
pub fn connect_chain(runtime: &StreamRuntime, port: &str, chain: &[&str]) {
    for pair in chain.windows(2) {
        runtime
            .connect((pair[0], port), (pair[1], port))
            .unwrap_or_else(|error| panic!("linking {} to {} failed: {error}", pair[0], pair[1]));
    }
}

/// Unwraps video frames; any other kind fails the test.
pub fn as_video(frames: Vec<Frame>) -> Vec<VideoFrame> {
    frames
        .into_iter()
        .map(|frame| match frame {
            Frame::Video(video) => video,
            other => panic!("received a {} frame, expected video", other.kind()),
        })
        .collect()
}

/// Unwraps audio buffers; any other kind fails the test.
pub fn as_audio(frames: Vec<Frame>) -> Vec<AudioFrame> {
    frames
        .into_iter()
        .map(|frame| match frame {
            Frame::Audio(audio) => audio,
            other => panic!("received a {} frame, expected audio", other.kind()),
        })
        .collect()
}

/// Returns the audio buffers a collector received before end of stream.
pub fn audio_until_end(observations: &flume::Receiver<Observation>, tag: &str) -> Vec<AudioFrame> {
    frames_until_end(observations, tag)
        .into_iter()
        .map(|frame| match frame {
            Frame::Audio(audio) => audio,
            other => panic!("'{tag}' received a {} frame, expected audio", other.kind()),
        })
        .collect()
}

/// Returns the video frames a collector received before end of stream.
pub fn video_until_end(observations: &flume::Receiver<Observation>, tag: &str) -> Vec<VideoFrame> {
    frames_until_end(observations, tag)
        .into_iter()
        .map(|frame| match frame {
            Frame::Video(video) => video,
            other => panic!("'{tag}' received a {} frame, expected video", other.kind()),
        })
        .collect()
}

/// Joins the samples of `frames`, interleaved, in order.
pub fn concat_samples(frames: &[AudioFrame]) -> Vec<f32> {
    frames
        .iter()
        .flat_map(|frame| frame.samples().iter().copied())
        .collect()
}

/// Reads a Y4M file without the processors under test and returns its
/// header line and the planes of each frame.
pub fn y4m_frames(path: &Path, frame_size: usize) -> (String, Vec<Vec<u8>>) {
    let bytes = std::fs::read(path).expect("Y4M file reads");
    let header_end = bytes
        .iter()
        .position(|&byte| byte == b'\n')
        .expect("Y4M header line");
    let header = String::from_utf8(bytes[..header_end].to_vec()).expect("text header");
    let mut frames = Vec::new();
    let mut at = header_end + 1;
    while at < bytes.len() {
        let line_end = at
            + bytes[at..]
                .iter()
                .position(|&byte| byte == b'\n')
                .expect("FRAME line");
        assert!(
            bytes[at..line_end].starts_with(b"FRAME"),
            "frame {} lacks FRAME",
            frames.len()
        );
        let planes = &bytes[line_end + 1..line_end + 1 + frame_size];
        frames.push(planes.to_vec());
        at = line_end + 1 + frame_size;
    }
    (header, frames)
}

/// Returns the error message of an `add_processor` call that must fail.
pub fn add_error(
    runtime: &StreamRuntime,
    processor_type: &str,
    config: serde_json::Value,
) -> String {
    match runtime.add_processor(streamlib::ProcessorSpec::new(processor_type).with_config(config)) {
        Ok(id) => panic!("adding {processor_type} succeeded as '{id}' but should have failed"),
        Err(error) => error.to_string(),
    }
}
