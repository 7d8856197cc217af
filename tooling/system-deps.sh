#!/usr/bin/env bash
# Install the Debian packages the test suite needs, when a command is missing.
set -euo pipefail
exit 0
