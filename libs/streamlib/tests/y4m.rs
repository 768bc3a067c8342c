//! Y4M reader and writer on files made by ffmpeg and checked by ffprobe,
//! with the invert effect in between.

mod common;
mod common_media;

use std::path::{Path, PathBuf};

use common::*;
use common_media::*;
use serde_json::json;
use streamlib::PixelFormat;

const WIDTH: u32 = 64;
const HEIGHT: u32 = 48;
const FRAMES: usize = 10;

/// Makes ten frames of ffmpeg's test source at 25 fps as 4:2:0 Y4M.
fn make_testsrc(directory: &Path, pixel_format: &str) -> PathBuf {
    let path = directory.join(format!("testsrc_{pixel_format}.y4m"));
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        &format!("testsrc=size={WIDTH}x{HEIGHT}:rate=25"),
        "-frames:v",
        &FRAMES.to_string(),
        "-pix_fmt",
        pixel_format,
        path.to_str().expect("UTF-8 path"),
    ]);
    path
}

#[test]
fn ffmpeg_y4m_survives_double_invert() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let input = make_testsrc(directory.path(), "yuv420p");
    let output = directory.path().join("copy.y4m");
    let (runtime, observations) = mock_runtime();
    let mut events = runtime.subscribe_events();
    add(
        &runtime,
        "reader",
        "Y4mReaderProcessor",
        json!({"path": input}),
    );
    add(&runtime, "invert1", "VideoInvertProcessor", json!({}));
    add(&runtime, "invert2", "VideoInvertProcessor", json!({}));
    add(
        &runtime,
        "writer",
        "Y4mWriterProcessor",
        json!({"path": output}),
    );
    add_video_collector(&runtime, "source");
    add_video_collector(&runtime, "inverted");
    connect_chain(
        &runtime,
        "video",
        &["reader", "invert1", "invert2", "writer"],
    );
    connect_chain(&runtime, "video", &["reader", "source"]);
    connect_chain(&runtime, "video", &["invert1", "inverted"]);

    runtime.start().expect("runtime starts");
    let mut collected = frames_until_all_end(&observations, &["source", "inverted"]);
    let source = as_video(collected.remove("source").unwrap_or_default());
    let inverted = as_video(collected.remove("inverted").unwrap_or_default());
    wait_for_end_of_stream(&mut events, "writer");
    runtime.stop().expect("runtime stops");

    let frame_size = PixelFormat::I420.frame_size(WIDTH, HEIGHT);
    let (_, original) = y4m_frames(&input, frame_size);
    let (header, copy) = y4m_frames(&output, frame_size);
    assert_eq!(original.len(), FRAMES);
    assert_eq!(copy.len(), FRAMES, "frame count");
    for (index, (a, b)) in original.iter().zip(&copy).enumerate() {
        assert!(a == b, "frame {index} differs after two inversions");
    }
    assert!(header.contains("W64 H48 F25:1"), "header: {header}");

    assert_eq!(source.len(), FRAMES);
    for (index, frame) in source.iter().enumerate() {
        assert_eq!(frame.format, PixelFormat::I420);
        assert_eq!((frame.width, frame.height), (WIDTH, HEIGHT));
        assert_eq!(frame.frame_number, index as u64);
        assert_eq!(
            frame.timestamp_ns,
            index as u64 * 40_000_000,
            "25 fps is 40 ms a frame"
        );
        assert!(
            frame.data() == original[index].as_slice(),
            "frame {index} was not read as stored"
        );
    }
    for (index, frame) in inverted.iter().enumerate() {
        let expected: Vec<u8> = original[index].iter().map(|byte| 255 - byte).collect();
        assert!(
            frame.data() == expected.as_slice(),
            "frame {index} was not inverted"
        );
    }
}

#[test]
fn y4m_reader_converts_to_rgba() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let input = make_testsrc(directory.path(), "yuv420p");
    let (runtime, observations) = mock_runtime();
    add(
        &runtime,
        "reader",
        "Y4mReaderProcessor",
        json!({"path": input, "format": "rgba8"}),
    );
    add_video_collector(&runtime, "sink");
    connect_chain(&runtime, "video", &["reader", "sink"]);
    runtime.start().expect("runtime starts");
    let frames = video_until_end(&observations, "sink");
    runtime.stop().expect("runtime stops");

    let (_, planes) = y4m_frames(&input, PixelFormat::I420.frame_size(WIDTH, HEIGHT));
    assert_eq!(frames.len(), FRAMES);
    for (frame, planes) in frames.iter().zip(&planes) {
        assert_eq!(frame.format, PixelFormat::Rgba8);
        let expected = streamlib::core::frames::convert::i420_to_rgba(WIDTH, HEIGHT, planes);
        assert!(
            frame.data() == expected.as_slice(),
            "frame {} converted wrongly",
            frame.frame_number
        );
    }
}

#[test]
fn test_pattern_y4m_is_accepted_by_ffprobe() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let cases = [
        ("rgba8", None, 30, "30/1"),
        ("i420", None, 24, "24/1"),
        ("i420", Some("30000:1001"), 30, "30000/1001"),
    ];
    for (format, frame_rate, fps, expected_rate) in cases {
        let output = directory.path().join(format!("pattern_{format}_{fps}.y4m"));
        let (runtime, _observations) = mock_runtime();
        let mut events = runtime.subscribe_events();
        add(
            &runtime,
            "pattern",
            "TestPatternProcessor",
            json!({"width": 96, "height": 54, "fps": fps, "frame_count": 12, "format": format, "live": false}),
        );
        let mut writer = json!({"path": output});
        if let Some(rate) = frame_rate {
            writer["frame_rate"] = json!(rate);
        }
        add(&runtime, "writer", "Y4mWriterProcessor", writer);
        connect_chain(&runtime, "video", &["pattern", "writer"]);
        runtime.start().expect("runtime starts");
        wait_for_end_of_stream(&mut events, "writer");
        runtime.stop().expect("runtime stops");

        let case = format!("{format} at {fps} fps");
        let stream = ffprobe_stream(&output);
        assert_eq!(stream["codec_name"], "rawvideo", "{case}");
        assert_eq!(stream["width"], 96, "{case}");
        assert_eq!(stream["height"], 54, "{case}");
        assert_eq!(stream["pix_fmt"], "yuv420p", "{case}");
        assert_eq!(stream["r_frame_rate"], expected_rate, "{case}");
        assert_eq!(stream["nb_read_frames"], "12", "{case}");
    }
}

#[test]
fn bad_y4m_files_fail_when_added() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let (runtime, _observations) = mock_runtime();
    let reader_error =
        |path: &Path| add_error(&runtime, "Y4mReaderProcessor", json!({"path": path}));

    let full_chroma = make_testsrc(directory.path(), "yuv444p");
    let message = reader_error(&full_chroma);
    assert!(message.contains("testsrc_yuv444p.y4m"), "{message}");
    assert!(message.contains("C444"), "{message}");
    assert!(message.contains("is not supported"), "{message}");

    let whole = std::fs::read(make_testsrc(directory.path(), "yuv420p")).unwrap();
    let cut = directory.path().join("cut.y4m");
    std::fs::write(&cut, &whole[..whole.len() - 100]).unwrap();
    let message = reader_error(&cut);
    assert!(message.contains("cut.y4m"), "{message}");
    assert!(message.contains("truncated"), "{message}");
    assert!(message.contains("frame 9"), "{message}");

    let no_rate = directory.path().join("no_rate.y4m");
    std::fs::write(&no_rate, b"YUV4MPEG2 W2 H2 C420jpeg\nFRAME\n\0\0\0\0\0\0").unwrap();
    let message = reader_error(&no_rate);
    assert!(message.contains("no frame rate"), "{message}");

    let text = directory.path().join("notes.y4m");
    std::fs::write(&text, "just some notes\n").unwrap();
    let message = reader_error(&text);
    assert!(message.contains("notes.y4m"), "{message}");
    assert!(message.contains("YUV4MPEG2"), "{message}");

    let missing = directory.path().join("missing.y4m");
    let message = reader_error(&missing);
    assert!(message.contains("missing.y4m"), "{message}");
    assert!(message.contains("cannot open"), "{message}");

    let message = add_error(
        &runtime,
        "Y4mWriterProcessor",
        json!({"path": "out.y4m", "frame_rate": "fast"}),
    );
    assert!(message.contains("frame_rate"), "{message}");
    assert!(message.contains("30000:1001"), "{message}");
}
