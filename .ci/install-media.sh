#!/usr/bin/env bash
# Installs the tools and recordings the media tests use: ffmpeg and ffprobe
# make and check WAV and Y4M files, and alsa-utils ships the speech
# recordings under /usr/share/sounds/alsa. Safe to run again.
set -euo pipefail

if command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null \
    && [ -f /usr/share/sounds/alsa/Front_Center.wav ]; then
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends alsa-utils ffmpeg
