#!/usr/bin/env bash
# Runs the same linear chains in streamlib and in GStreamer (gst-launch-1.0)
# in one run on this machine and prints the throughput ratios. Each
# measurement is the best of several runs, to damp noise from other load.
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${RUNS:-5}"
video_frames="${VIDEO_FRAMES:-300}"
audio_buffers="${AUDIO_BUFFERS:-20000}"

if ! command -v gst-launch-1.0 >/dev/null; then
    echo "installing GStreamer tools (Debian packages)" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        gstreamer1.0-tools gstreamer1.0-plugins-base >/dev/null
fi
cargo build --quiet --release -p streamlib --example chain_throughput
streamlib_bin=target/release/examples/chain_throughput

# Best wall time in seconds of `runs` runs of the given command.
best_seconds() {
    local best=""
    for _ in $(seq "$runs"); do
        local start end elapsed
        start=$(date +%s.%N)
        "$@" >/dev/null
        end=$(date +%s.%N)
        elapsed=$(echo "$end - $start" | bc -l)
        if [ -z "$best" ] || [ "$(echo "$elapsed < $best" | bc -l)" = 1 ]; then
            best=$elapsed
        fi
    done
    echo "$best"
}

# `count` identity elements; with "queued", each behind a queue, which gives
# every element its own streaming thread as streamlib gives every processor.
identities() {
    local count=$1 queued=$2 chain=""
    for _ in $(seq "$count"); do
        if [ "$queued" = queued ]; then
            chain="$chain ! queue max-size-buffers=4 ! identity"
        else
            chain="$chain ! identity"
        fi
    done
    echo "$chain"
}

compare() {
    local name=$1 frames=$2 streamlib_workload=$3 gst_source=$4 gst_caps=$5 hops=$6
    local streamlib_seconds
    streamlib_seconds=$(best_seconds "$streamlib_bin" "$streamlib_workload" "$frames" "$hops")
    for queued in plain queued; do
        local gst_seconds
        gst_seconds=$(best_seconds gst-launch-1.0 -q $gst_source num-buffers="$frames" ! $gst_caps $(identities "$hops" "$queued") ! fakesink sync=false)
        printf '%-38s %-7s gstreamer %9.1f/s  streamlib %9.1f/s  streamlib/gstreamer %.2f\n' \
            "$name" "$queued" \
            "$(echo "$frames / $gst_seconds" | bc -l)" \
            "$(echo "$frames / $streamlib_seconds" | bc -l)" \
            "$(echo "$gst_seconds / $streamlib_seconds" | bc -l)"
    done
}

echo "best of $runs runs each; rates are frames (or buffers) per second through the whole chain"
echo "plain: GStreamer runs the chain in one streaming thread; queued: a queue gives each element a thread"
compare "1080p RGBA bars, 5 pass-throughs" "$video_frames" video-bars \
    "videotestsrc pattern=smpte is-live=false" "video/x-raw,format=RGBA,width=1920,height=1080,framerate=30/1" 5
compare "1080p RGBA solid, 5 pass-throughs" "$video_frames" video-solid \
    "videotestsrc pattern=solid-color is-live=false" "video/x-raw,format=RGBA,width=1920,height=1080,framerate=30/1" 5
compare "64-sample stereo f32, 4 pass-throughs" "$audio_buffers" audio \
    "audiotestsrc samplesperbuffer=64 is-live=false" "audio/x-raw,format=F32LE,channels=2,rate=48000" 4
