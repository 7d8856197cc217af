#!/usr/bin/env bash
# Install the TypeScript toolchain the tests use, pinned by tooling/typescript/package-lock.json.
# Node.js and npm come from Debian packages when missing; `npm ci` runs only when
# node_modules is missing or was installed from a different lockfile.
set -euo pipefail
cd "$(dirname "$0")/typescript"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "node-deps: need root (or sudo) to run: $*" >&2
    exit 1
  fi
}

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "node-deps: installing Node.js and npm from Debian packages" >&2
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nodejs npm
fi

stamp=node_modules/.dictgen-lock.sha256
wanted="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -x node_modules/.bin/tsc ] || [ "$(cat "$stamp" 2>/dev/null || true)" != "$wanted" ]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$wanted" >"$stamp"
fi
echo "node-deps: $(node --version), tsc $(node_modules/.bin/tsc --version)" >&2
