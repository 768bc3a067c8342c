#!/usr/bin/env bash
# Installs the OpenAPI validator that .ci/run checks the API description with.
set -euo pipefail
if ! python3 -c 'import openapi_spec_validator' 2>/dev/null; then
    python3 -m pip install --quiet 'openapi-spec-validator==0.9.0'
fi
