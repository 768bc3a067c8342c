#!/usr/bin/env bash
# End-to-end checks of the streamlib binary as a user runs it:
#  1. `streamlib run` on each example pipeline; ffprobe checks the outputs.
#  2. A pipeline with typos in a type name, a port name and a config field
#     fails and names all three.
#  3. `serve --pipeline examples/pipelines/api-demo.json --start` runs the
#     demo, and a graph saved with GET /api/graph loads back unchanged.
#  4. A token from STREAMLIB_API_TOKEN is required and never printed, and
#     deleting the API server through the API ends `serve`.
#  5. The README tour, command for command, against `serve` on a free port:
#     WAV reader -> gain -> WAV writer on an alsa-utils recording, watched
#     on the events WebSocket; the output samples are checked.
#  6. `serve` on a port in use fails with one error line naming the address.
#  7. SIGTERM stops `serve` with exit status 0 and no process left.
# Needs curl, python3 with websockets, ffprobe and /usr/share/sounds/alsa
# (see .ci/install-*.sh). Prints "N passed, M failed" last.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

wait_limit_s=30
recording=/usr/share/sounds/alsa/Front_Center.wav
passed=0
failed=0
started_pids=()

work="$(mktemp -d)"
cleanup() {
    for pid in "${started_pids[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            echo "cleanup: stopping process $pid"
            kill -TERM "$pid" 2>/dev/null || true
            sleep 1
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$work"
}
trap cleanup EXIT

pass() {
    passed=$((passed + 1))
    echo "PASS: $1"
}

fail() {
    failed=$((failed + 1))
    echo "FAIL: $1"
    shift
    for detail in "$@"; do
        echo "  $detail"
    done
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Polls GET /api/health until it responds or the limit passes.
wait_for_health() {
    local port="$1" deadline=$((SECONDS + wait_limit_s))
    while [ "$SECONDS" -lt "$deadline" ]; do
        if curl -sf --max-time 2 "http://127.0.0.1:$port/api/health" >/dev/null; then
            return 0
        fi
        sleep 0.2
    done
    return 1
}

# Sends SIGTERM to a process started by this script and waits for it.
# Sets stop_status to its exit status, or to "timeout" when it outlived
# the limit. Runs in this shell, because only the parent can `wait`.
stop_with_sigterm() {
    local pid="$1" deadline=$((SECONDS + wait_limit_s))
    kill -TERM "$pid"
    # A process that exited stays a zombie (state Z) until `wait`.
    while ps -p "$pid" -o stat= | grep -qv '^Z'; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            stop_status=timeout
            return
        fi
        sleep 0.2
    done
    stop_status=0
    wait "$pid" || stop_status=$?
}

port_is_free() {
    python3 -c 'import socket, sys
s = socket.socket()
sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) != 0 else 1)' "$1"
}

echo "== build"
cargo build --quiet --locked -p streamlib-cli
streamlib="$repo/target/debug/streamlib"
export RUST_LOG=info

echo "== example pipelines"
examples="$work/examples"
mkdir -p "$examples"
run_example() {
    local file="$1"
    if (cd "$examples" && timeout 120 "$streamlib" run "$repo/examples/pipelines/$file") \
        >"$examples/$file.out" 2>"$examples/$file.err"; then
        pass "streamlib run examples/pipelines/$file"
    else
        fail "streamlib run examples/pipelines/$file exited non-zero" "$(tail -5 "$examples/$file.err")"
    fi
}
# Prints `key=value` lines of the first stream, as ffprobe reads the file.
probe() {
    ffprobe -v error -count_frames -select_streams 0 \
        -show_entries stream=codec_name,width,height,sample_rate,channels,nb_read_frames \
        -of default=noprint_wrappers=1 "$1" 2>&1
}
expect_probe() {
    local file="$1"
    shift
    local info
    info="$(probe "$examples/$file")" || true
    for expected in "$@"; do
        if ! grep -qx "$expected" <<<"$info"; then
            fail "ffprobe $file: expected $expected" "$info"
            return
        fi
    done
    pass "ffprobe $file: $*"
}
run_example bars-inverted.json
expect_probe bars-inverted.y4m codec_name=rawvideo width=320 height=240 nb_read_frames=90
run_example speech-gain.toml
expect_probe speech-quieter.wav codec_name=pcm_s16le sample_rate=48000 channels=1
run_example chord-mix.json
expect_probe chord-mix.wav codec_name=pcm_s16le sample_rate=48000 channels=2
chord_duration="$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$examples/chord-mix.wav" || true)"
if [ "$chord_duration" = "2.000000" ]; then
    pass "chord-mix.wav lasts 2 s"
else
    fail "chord-mix.wav lasts '$chord_duration' s, expected 2.000000"
fi

echo "== misspelled pipeline"
cat >"$work/typos.json" <<'EOF'
{
  "processors": [
    {"id": "tone", "processor_type": "SineGeneratorProcesor"},
    {"id": "bars", "processor_type": "TestPatternProcessor", "config": {"frame_count": 4}},
    {"id": "invert", "processor_type": "VideoInvertProcessor"},
    {"id": "sink", "processor_type": "NullSinkProcessor"},
    {"id": "gain", "processor_type": "AudioGainProcessor", "config": {"gain_bd": -6}}
  ],
  "connections": [
    {"from_processor": "bars", "from_port": "video", "to_processor": "invert", "to_port": "vidoe"},
    {"from_processor": "invert", "from_port": "video", "to_processor": "sink", "to_port": "video"}
  ]
}
EOF
typo_status=0
(cd "$work" && timeout 60 "$streamlib" run typos.json) >"$work/typos.out" 2>&1 || typo_status=$?
if [ "$typo_status" -eq 0 ]; then
    fail "streamlib run typos.json exited 0"
else
    pass "streamlib run typos.json exits with $typo_status"
fi
for typo in "processors[0].processor_type" "SineGeneratorProcesor" \
    "connections[0].to_port" "vidoe" "processors[4].config.gain_bd"; do
    if grep -qF "$typo" "$work/typos.out"; then
        pass "typo report names $typo"
    else
        fail "typo report does not name $typo" "$(cat "$work/typos.out")"
    fi
done

echo "== serve --pipeline api-demo.json --start"
# Frames the demo's sink took so far, or 0 when the request failed.
sink_frames() {
    curl -sf --max-time 10 "$1/processors/sink" \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["metrics"]["frames_in"])' \
        || echo 0
}
demo_port="$(free_port)"
mkdir -p "$work/demo"
(cd "$work/demo" && exec "$streamlib" serve --port "$demo_port" \
    --pipeline "$repo/examples/pipelines/api-demo.json" --start) \
    >"$work/demo.out" 2>"$work/demo.err" &
demo_pid=$!
started_pids+=("$demo_pid")
demo_api="http://127.0.0.1:$demo_port/api"
if wait_for_health "$demo_port"; then
    pass "serve answers on 127.0.0.1:$demo_port"
    sleep 1
    frames_before="$(sink_frames "$demo_api")"
    sleep 1
    frames_after="$(sink_frames "$demo_api")"
    if [ "$frames_after" -gt "$frames_before" ] && [ "$frames_before" -gt 0 ]; then
        pass "api-demo sink takes frames ($frames_before, then $frames_after)"
    else
        fail "api-demo sink frames did not rise: $frames_before, then $frames_after"
    fi
    if curl -sf --max-time 10 -X POST "$demo_api/runtime/stop" >/dev/null \
        && curl -sf --max-time 10 "$demo_api/graph" -o "$work/demo-graph.json" \
        && curl -sf --max-time 10 -X PUT "$demo_api/graph" -H 'Content-Type: application/json' \
            --data-binary "@$work/demo-graph.json" >/dev/null \
        && curl -sf --max-time 10 "$demo_api/graph" -o "$work/demo-graph-again.json" \
        && python3 - "$work/demo-graph.json" "$work/demo-graph-again.json" "$repo/examples/pipelines/api-demo.json" <<'EOF'
import json, sys
saved, again, source = (json.load(open(path)) for path in sys.argv[1:])
assert saved == again, f"graph changed after PUT: {saved} != {again}"
ids = lambda document: sorted(p["id"] for p in document["processors"])
assert ids(saved) == ids(source), f"{ids(saved)} != {ids(source)}"
assert len(saved["connections"]) == len(source["connections"])
EOF
    then
        pass "GET /api/graph loads back to the same graph"
    else
        fail "GET /api/graph did not load back to the same graph"
    fi
else
    fail "serve --pipeline api-demo.json did not answer within ${wait_limit_s} s" "$(tail -5 "$work/demo.err")"
fi
stop_with_sigterm "$demo_pid"
demo_status="$stop_status"
if [ "$demo_status" = "0" ]; then
    pass "api-demo serve exits 0 on SIGTERM"
else
    fail "api-demo serve exit status on SIGTERM: $demo_status" "$(tail -5 "$work/demo.err")"
fi

echo "== serve with a token from STREAMLIB_API_TOKEN"
token_port="$(free_port)"
token="e2e-secret-$RANDOM$RANDOM"
(cd "$work" && STREAMLIB_API_TOKEN="$token" exec "$streamlib" serve --port "$token_port") \
    >"$work/token.out" 2>"$work/token.err" &
token_pid=$!
started_pids+=("$token_pid")
token_api="http://127.0.0.1:$token_port/api"
if wait_for_health "$token_port"; then
    without="$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' "$token_api/processors")"
    with="$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' \
        -H "Authorization: Bearer $token" "$token_api/processors")"
    if [ "$without" = "401" ] && [ "$with" = "200" ]; then
        pass "the token from STREAMLIB_API_TOKEN is required (401 without, 200 with)"
    else
        fail "token check: $without without the token, $with with it; expected 401 and 200"
    fi
else
    fail "serve with a token did not answer within ${wait_limit_s} s" "$(tail -5 "$work/token.err")"
fi
# Deleting the API server ends `serve`, because nothing could reach it.
deleted="$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' -X DELETE \
    -H "Authorization: Bearer $token" "$token_api/processors/api-server")"
deadline=$((SECONDS + wait_limit_s))
while ps -p "$token_pid" -o stat= | grep -qv '^Z' && [ "$SECONDS" -lt "$deadline" ]; do
    sleep 0.2
done
if ps -p "$token_pid" -o stat= | grep -qv '^Z'; then
    fail "serve still runs ${wait_limit_s} s after DELETE of its API server (status $deleted)"
    stop_with_sigterm "$token_pid"
else
    token_status=0
    wait "$token_pid" || token_status=$?
    if [ "$deleted" = "204" ] && [ "$token_status" = "0" ]; then
        pass "DELETE of the API server returns 204 and serve exits 0"
    else
        fail "DELETE of the API server: status $deleted, serve exit status $token_status"
    fi
fi
if grep -qF "$token" "$work/token.out" "$work/token.err"; then
    fail "serve printed the token"
else
    pass "serve does not print the token"
fi

echo "== README tour"
tour="$work/tour"
mkdir -p "$tour"
port="$(free_port)"
if grep -qxF 'cargo run --release -p streamlib-cli -- serve' README.md; then
    pass "README starts the server with cargo run ... serve"
else
    fail "README no longer contains 'cargo run --release -p streamlib-cli -- serve'"
fi
(cd "$tour" && exec "$streamlib" serve --port "$port") >"$work/serve.out" 2>"$work/serve.err" &
serve_pid=$!
started_pids+=("$serve_pid")
if ! wait_for_health "$port"; then
    fail "serve did not answer within ${wait_limit_s} s" "$(tail -5 "$work/serve.err")"
    echo "$passed passed, $failed failed"
    exit 1
fi
if grep -qF "listening on http://127.0.0.1:$port/api" "$work/serve.out"; then
    pass "serve prints the address it listens on"
else
    fail "serve did not print its address" "$(cat "$work/serve.out")"
fi

# Every sh block from the tour heading to the library section, with the
# port and the binary swapped in; each runs in the server's folder.
python3 - "$repo/README.md" "$tour" "$port" "$streamlib" <<'EOF'
import re, sys
readme, folder, port, binary = sys.argv[1:]
text = open(readme).read()
section = text[text.index("## A tour with curl"):text.index("## Use the library")]
blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
for index, block in enumerate(blocks, 1):
    block = block.replace("127.0.0.1:9000", f"127.0.0.1:{port}")
    block = block.replace("cargo run --release -p streamlib-cli --", binary)
    with open(f"{folder}/block-{index:02}.sh", "w") as out:
        out.write(block)
print(f"{len(blocks)} README blocks")
EOF
# Checks that $1 contains every sample of the recording at -6 dB.
check_quieter_speech() {
    python3 - "$tour/speech.wav" "$1" "$recording" <<'EOF'
import array, sys, wave
copy, output, original = sys.argv[1:]
def samples(path):
    with wave.open(path) as wav:
        assert wav.getsampwidth() == 2, f"{path}: {wav.getsampwidth()} bytes per sample"
        data = array.array("h", wav.readframes(wav.getnframes()))
        return wav.getframerate(), wav.getnchannels(), data
rate_in, channels_in, source = samples(copy)
rate_out, channels_out, result = samples(output)
assert open(copy, "rb").read() == open(original, "rb").read(), "speech.wav is not the recording"
assert (rate_in, channels_in) == (rate_out, channels_out), f"{rate_in}/{channels_in} != {rate_out}/{channels_out}"
assert len(source) == len(result), f"{len(result)} samples written, {len(source)} read"
assert any(source), "the recording is silent"
factor = 10 ** (-6 / 20)
worst = max(abs(round(a * factor) - b) for a, b in zip(source, result))
assert worst <= 1, f"a sample is {worst} steps away from input * {factor:.4f}"
print(f"{output}: {len(result)} samples, each within {worst} step of input * {factor:.4f}")
EOF
}
for block in "$tour"/block-*.sh; do
    name="$(basename "$block" .sh)"
    if (cd "$tour" && timeout 60 bash -euo pipefail "$block") >"$tour/$name.out" 2>&1; then
        pass "README $name: $(head -c 60 "$block" | head -1)"
    else
        fail "README $name failed" "$(cat "$block")" "output: $(tail -5 "$tour/$name.out")"
    fi
    # The next block runs the saved graph, which writes the same file again;
    # check what the server wrote first.
    if grep -qF "/api/runtime/stop" "$block"; then
        if check_quieter_speech "$tour/speech-quieter.wav"; then
            pass "the server wrote the recording at -6 dB, sample for sample"
        else
            fail "the server's speech-quieter.wav does not match the recording at -6 dB"
        fi
    fi
done
# Each curl block prints the server's responses, so check them.
expect_in_tour() {
    if grep -qF -- "$2" "$tour"/block-*.out; then
        pass "$1"
    else
        fail "$1: '$2' not in any README block output"
    fi
}
expect_in_tour "processors created" '{"processor_id":"writer"}'
expect_in_tour "connections created" '"link_id":'
expect_in_tour "runtime started" '"status":"running"'
expect_in_tour "WebSocket saw the end of stream" "end_of_stream writer"
expect_in_tour "WebSocket saw pipeline_finished" "pipeline_finished"
expect_in_tour "writer finished" '"state":"finished"'
expect_in_tour "saved graph validates" "speech-gain.json: valid, 3 processors and 2 connections"
expect_in_tour "saved graph runs" "pipeline finished after"
if check_quieter_speech "$tour/speech-quieter.wav"; then
    pass "the saved graph wrote the recording at -6 dB, sample for sample"
else
    fail "speech-quieter.wav from the saved graph does not match the recording at -6 dB"
fi


echo "== serve on a port in use"
busy_status=0
(cd "$work" && timeout 30 "$streamlib" serve --port "$port") >"$work/busy.out" 2>"$work/busy.err" || busy_status=$?
error_lines="$(grep -c '^error:' "$work/busy.err" || true)"
if [ "$busy_status" -ne 0 ] && [ "$error_lines" = "1" ] \
    && grep -q "^error: cannot listen on 127.0.0.1:$port: " "$work/busy.err"; then
    pass "serve on a port in use: $(grep '^error:' "$work/busy.err")"
else
    fail "serve on a port in use: exit $busy_status, $error_lines error lines" "$(cat "$work/busy.err")"
fi

echo "== SIGTERM"
stop_with_sigterm "$serve_pid"
serve_status="$stop_status"
if [ "$serve_status" = "0" ]; then
    pass "serve exits 0 on SIGTERM"
else
    fail "serve exit status on SIGTERM: $serve_status" "$(tail -5 "$work/serve.err")"
fi
if kill -0 "$serve_pid" 2>/dev/null; then
    fail "serve process $serve_pid is still there"
else
    pass "no serve process left"
fi
if port_is_free "$port"; then
    pass "port $port is free again"
else
    fail "port $port still accepts connections"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
