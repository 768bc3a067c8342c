#!/usr/bin/env bash
# Installs the WebSocket client that .ci/e2e.sh and the README tour use to
# watch /api/events, and curl and python3 where the machine lacks them.
# Safe to run again.
set -euo pipefail

if ! command -v curl >/dev/null || ! command -v python3 >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends curl python3 python3-pip
fi
if ! python3 -c 'import websockets' 2>/dev/null; then
    python3 -m pip install --quiet 'websockets==15.0.1'
fi
