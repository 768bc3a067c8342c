//! Runs the built `streamlib` binary on small generated pipelines and on bad
//! input, checking exit codes and what it prints.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

const BINARY: &str = env!("CARGO_BIN_EXE_streamlib");

/// Runs the binary in `dir` with logs limited to warnings.
fn streamlib(dir: &Path, args: &[&str]) -> Output {
    Command::new(BINARY)
        .args(args)
        .current_dir(dir)
        .env("RUST_LOG", "warn")
        .env_remove("STREAMLIB_API_TOKEN")
        .output()
        .expect("the streamlib binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn write(dir: &TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("the test file is written");
    path
}

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/pipelines")
}

/// A pipeline with one typo of each kind: a type name, a port name and a
/// config field, each on a processor or link that is otherwise valid.
const MISSPELLED: &str = r#"{
  "processors": [
    {"id": "tone", "processor_type": "SineGeneratorProcesor", "config": {}},
    {"id": "bars", "processor_type": "TestPatternProcessor", "config": {"frame_count": 4}},
    {"id": "invert", "processor_type": "VideoInvertProcessor"},
    {"id": "sink", "processor_type": "NullSinkProcessor"},
    {"id": "gain", "processor_type": "AudioGainProcessor", "config": {"gain_bd": -6}}
  ],
  "connections": [
    {"from_processor": "bars", "from_port": "video", "to_processor": "invert", "to_port": "vidoe"},
    {"from_processor": "invert", "from_port": "video", "to_processor": "sink", "to_port": "video"}
  ]
}"#;

#[test]
fn types_lists_every_builtin() {
    let dir = TempDir::new().unwrap();
    let output = streamlib(dir.path(), &["types"]);

    assert!(output.status.success(), "stderr: {}", stderr(&output));
    let text = stdout(&output);
    for name in [
        "TestPatternProcessor",
        "WavReaderProcessor",
        "WavWriterProcessor",
        "AudioMixerProcessor",
        "ApiServerProcessor",
    ] {
        assert!(text.contains(name), "{name} missing from:\n{text}");
    }
    assert!(
        text.contains("audio* (audio)"),
        "mixer multi-input missing:\n{text}"
    );
}

#[test]
fn types_name_shows_config_fields() {
    let dir = TempDir::new().unwrap();
    let output = streamlib(dir.path(), &["types", "TestPatternProcessor"]);

    assert!(output.status.success(), "stderr: {}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("outputs: video (video)"), "{text}");
    assert!(text.contains("frame_count: integer | null"), "{text}");
    assert!(text.contains("width: integer = 640"), "{text}");
}

#[test]
fn types_json_matches_descriptors() {
    let dir = TempDir::new().unwrap();
    let all = streamlib(dir.path(), &["types", "--json"]);
    let one = streamlib(dir.path(), &["types", "WavWriterProcessor", "--json"]);

    assert!(all.status.success(), "stderr: {}", stderr(&all));
    let list: serde_json::Value = serde_json::from_slice(&all.stdout).unwrap();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|descriptor| descriptor["processor_type"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Y4mWriterProcessor"), "{names:?}");

    assert!(one.status.success(), "stderr: {}", stderr(&one));
    let descriptor: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
    assert_eq!(descriptor["processor_type"], "WavWriterProcessor");
    assert_eq!(descriptor["ports"]["inputs"][0]["name"], "audio");
    assert!(descriptor["config_schema"]["properties"]["path"].is_object());
}

#[test]
fn types_unknown_name_fails() {
    let dir = TempDir::new().unwrap();
    let output = streamlib(dir.path(), &["types", "NoSuchProcessor"]);

    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(
        text.contains("unknown processor type 'NoSuchProcessor'"),
        "{text}"
    );
    assert!(text.contains("TestPatternProcessor"), "{text}");
}

#[test]
fn validate_accepts_every_example() {
    let dir = TempDir::new().unwrap();
    let mut checked = 0;
    for entry in std::fs::read_dir(examples_dir()).unwrap() {
        let path = entry.unwrap().path();
        let output = streamlib(dir.path(), &["validate", path.to_str().unwrap()]);
        assert!(
            output.status.success(),
            "{} failed: {}",
            path.display(),
            stderr(&output)
        );
        assert!(stdout(&output).contains("valid"), "{}", stdout(&output));
        checked += 1;
    }
    assert!(checked >= 4, "only {checked} example pipelines found");
}

#[test]
fn validate_names_every_typo() {
    let dir = TempDir::new().unwrap();
    write(&dir, "typos.json", MISSPELLED);
    let output = streamlib(dir.path(), &["validate", "typos.json"]);

    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(text.contains("3 problems"), "{text}");
    assert!(text.contains("processors[0].processor_type"), "{text}");
    assert!(text.contains("SineGeneratorProcesor"), "{text}");
    assert!(text.contains("connections[0].to_port"), "{text}");
    assert!(text.contains("vidoe"), "{text}");
    assert!(text.contains("processors[4].config.gain_bd"), "{text}");
}

#[test]
fn validate_toml_typo_has_location() {
    let dir = TempDir::new().unwrap();
    write(
        &dir,
        "typo.toml",
        "[[processors]]\nid = \"bars\"\nprocessor_type = \"TestPatternProcessor\"\nconfig = { widht = 64 }\n",
    );
    let output = streamlib(dir.path(), &["validate", "typo.toml"]);

    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(
        text.contains("typo.toml: processors[0].config.widht"),
        "{text}"
    );
}

#[test]
fn validate_missing_file_fails() {
    let dir = TempDir::new().unwrap();
    let output = streamlib(dir.path(), &["validate", "absent.json"]);

    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(
        text.contains("cannot read pipeline file absent.json"),
        "{text}"
    );
    assert!(text.contains("No such file"), "{text}");
}

#[test]
fn validate_malformed_json_names_line_and_column() {
    let dir = TempDir::new().unwrap();
    write(
        &dir,
        "broken.json",
        "{\n  \"processors\": [\n    {\"id\": \"a\",,}\n  ]\n}\n",
    );
    let output = streamlib(dir.path(), &["validate", "broken.json"]);

    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(
        text.contains("broken.json:3:16: invalid JSON pipeline"),
        "{text}"
    );
}

#[test]
fn validate_malformed_toml_names_line_and_column() {
    let dir = TempDir::new().unwrap();
    write(
        &dir,
        "broken.toml",
        "[[processors]]\nid = \"a\"\nprocessor_type = \n",
    );
    let output = streamlib(dir.path(), &["validate", "broken.toml"]);

    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(
        text.contains("broken.toml:3:18: invalid TOML pipeline"),
        "{text}"
    );
}

#[test]
fn validate_unknown_document_field_fails() {
    let dir = TempDir::new().unwrap();
    write(
        &dir,
        "field.json",
        "{\"processors\": [], \"conections\": []}",
    );
    let output = streamlib(dir.path(), &["validate", "field.json"]);

    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(text.contains("field.json:1:"), "{text}");
    assert!(text.contains("unknown field `conections`"), "{text}");
}

#[test]
fn run_writes_y4m_file() {
    let dir = TempDir::new().unwrap();
    write(
        &dir,
        "bars.json",
        r#"{
          "processors": [
            {"id": "bars", "processor_type": "TestPatternProcessor",
             "config": {"width": 64, "height": 48, "frame_count": 12, "live": false}},
            {"id": "invert", "processor_type": "VideoInvertProcessor"},
            {"id": "file", "processor_type": "Y4mWriterProcessor", "config": {"path": "bars.y4m"}}
          ],
          "connections": [
            {"from_processor": "bars", "from_port": "video", "to_processor": "invert", "to_port": "video"},
            {"from_processor": "invert", "from_port": "video", "to_processor": "file", "to_port": "video"}
          ]
        }"#,
    );
    let output = streamlib(dir.path(), &["run", "bars.json"]);

    assert!(output.status.success(), "stderr: {}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("pipeline finished after"), "{text}");
    assert!(
        text.contains("sink file (Y4mWriterProcessor): 12 frames"),
        "{text}"
    );
    assert!(text.contains("dropped frames: 0"), "{text}");

    let written = std::fs::read(dir.path().join("bars.y4m")).unwrap();
    assert!(written.starts_with(b"YUV4MPEG2 W64 H48 "));
    let frames = written
        .windows(6)
        .filter(|window| window == b"FRAME\n")
        .count();
    assert_eq!(frames, 12);
}

#[test]
fn run_toml_writes_every_sample() {
    let dir = TempDir::new().unwrap();
    write(
        &dir,
        "tone.toml",
        r#"
[[processors]]
id = "tone"
processor_type = "SineGeneratorProcessor"
config = { sample_rate = 8000, channels = 1, duration = 0.25, frames_per_buffer = 400, live = false }

[[processors]]
id = "file"
processor_type = "WavWriterProcessor"
config = { path = "tone.wav" }

[[connections]]
from_processor = "tone"
from_port = "audio"
to_processor = "file"
to_port = "audio"
"#,
    );
    let output = streamlib(dir.path(), &["run", "tone.toml"]);

    assert!(output.status.success(), "stderr: {}", stderr(&output));
    assert!(stdout(&output).contains("sink file (WavWriterProcessor): 5 frames"));
    let reader = hound::WavReader::open(dir.path().join("tone.wav")).unwrap();
    assert_eq!(reader.spec().sample_rate, 8000);
    assert_eq!(reader.duration(), 2000);
}

#[test]
fn run_names_failed_processor() {
    let dir = TempDir::new().unwrap();
    // The mixer rejects inputs whose sample rates differ, mid-stream.
    write(
        &dir,
        "mismatch.json",
        r#"{
          "processors": [
            {"id": "high", "processor_type": "SineGeneratorProcessor",
             "config": {"sample_rate": 48000, "duration": 0.2, "live": false}},
            {"id": "low", "processor_type": "SineGeneratorProcessor",
             "config": {"sample_rate": 44100, "duration": 0.2, "live": false}},
            {"id": "mixer", "processor_type": "AudioMixerProcessor"},
            {"id": "file", "processor_type": "WavWriterProcessor", "config": {"path": "mix.wav"}}
          ],
          "connections": [
            {"from_processor": "high", "from_port": "audio", "to_processor": "mixer", "to_port": "audio"},
            {"from_processor": "low", "from_port": "audio", "to_processor": "mixer", "to_port": "audio"},
            {"from_processor": "mixer", "from_port": "audio", "to_processor": "file", "to_port": "audio"}
          ]
        }"#,
    );
    let output = streamlib(dir.path(), &["run", "mismatch.json"]);

    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("pipeline failed after"));
    let text = stderr(&output);
    assert!(text.contains("error: processor 'mixer' failed:"), "{text}");
    assert!(text.contains("Hz"), "{text}");
}

#[test]
fn run_names_processor_failing_setup() {
    let dir = TempDir::new().unwrap();
    write(
        &dir,
        "nodir.json",
        r#"{
          "processors": [
            {"id": "tone", "processor_type": "SineGeneratorProcessor",
             "config": {"duration": 0.1, "live": false}},
            {"id": "file", "processor_type": "WavWriterProcessor",
             "config": {"path": "occupied.wav"}}
          ],
          "connections": [
            {"from_processor": "tone", "from_port": "audio", "to_processor": "file", "to_port": "audio"}
          ]
        }"#,
    );
    // A folder where the file should go passes validation and fails when
    // the writer opens it at start.
    std::fs::create_dir(dir.path().join("occupied.wav")).unwrap();
    let output = streamlib(dir.path(), &["run", "nodir.json"]);

    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(
        text.contains("error: cannot start the pipeline: processor 'file' failed:"),
        "{text}"
    );
    assert!(text.contains("occupied.wav"), "{text}");
}

#[test]
fn run_unknown_type_fails_before_start() {
    let dir = TempDir::new().unwrap();
    write(&dir, "typos.json", MISSPELLED);
    let output = streamlib(dir.path(), &["run", "typos.json"]);

    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).is_empty(), "{}", stdout(&output));
    let text = stderr(&output);
    assert!(text.contains("SineGeneratorProcesor"), "{text}");
    assert!(text.contains("vidoe"), "{text}");
    assert!(text.contains("gain_bd"), "{text}");
}

#[test]
fn run_missing_file_fails() {
    let dir = TempDir::new().unwrap();
    let output = streamlib(dir.path(), &["run", "absent.toml"]);

    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("cannot read pipeline file absent.toml"));
}

#[test]
fn run_empty_document_fails() {
    let dir = TempDir::new().unwrap();
    write(&dir, "empty.json", "{}");
    let output = streamlib(dir.path(), &["run", "empty.json"]);

    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("has no processors"));
}

#[test]
fn usage_error_exits_with_two() {
    let dir = TempDir::new().unwrap();
    let output = streamlib(dir.path(), &["run"]);

    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("<FILE>"));
}

#[cfg(feature = "api-server")]
#[test]
fn serve_on_port_in_use_fails_in_one_line() {
    let dir = TempDir::new().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let output = streamlib(dir.path(), &["serve", "--port", &port]);

    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    let errors: Vec<&str> = text
        .lines()
        .filter(|line| line.starts_with("error:"))
        .collect();
    assert_eq!(errors.len(), 1, "{text}");
    assert!(
        errors[0].contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{text}"
    );
}

#[cfg(feature = "api-server")]
#[test]
fn serve_rejects_bad_pipeline_before_binding() {
    let dir = TempDir::new().unwrap();
    write(&dir, "typos.json", MISSPELLED);
    let output = streamlib(
        dir.path(),
        &["serve", "--port", "0", "--pipeline", "typos.json"],
    );

    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).is_empty(), "{}", stdout(&output));
    assert!(stderr(&output).contains("typos.json has 3 problems"));
}

#[test]
fn run_exits_143_on_sigterm() {
    let dir = TempDir::new().unwrap();
    write(
        &dir,
        "endless.json",
        r#"{
          "processors": [
            {"id": "bars", "processor_type": "TestPatternProcessor", "config": {"width": 16, "height": 16, "fps": 50}},
            {"id": "sink", "processor_type": "NullSinkProcessor"}
          ],
          "connections": [
            {"from_processor": "bars", "from_port": "video", "to_processor": "sink", "to_port": "video"}
          ]
        }"#,
    );
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_streamlib"))
        .current_dir(dir.path())
        .args(["run", "endless.json"])
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();

    // A watchdog ends the endless run if the test goes wrong, so it cannot hang.
    let pid = child.id().to_string();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if done_rx
            .recv_timeout(std::time::Duration::from_secs(30))
            .is_err()
        {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &pid])
                .status();
        }
    });

    // The pipeline logs its start; after that the signal handler is in place.
    let stderr = child.stderr.take().unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stderr));
    let started = lines
        .by_ref()
        .map_while(Result::ok)
        .any(|line| line.contains("starting pipeline"));
    assert!(started, "the run never logged its start");
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    let _ = done_tx.send(());
    watchdog.join().unwrap();
    assert_eq!(status.code(), Some(143));
}
