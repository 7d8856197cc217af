#!/usr/bin/env bash
# Install the Node tools the tests use, pinned by tooling/typescript/package-lock.json: the
# TypeScript compiler, TypeScript 5.8 (the oldest the generated package supports, and one that
# still has moduleResolution node10), esbuild and marked, and ajv, json-schema-to-typescript and
# quicktype (which read the generated JSON Schema).
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

# Both compilers install a `tsc` into node_modules/.bin: the tests call each by its own path.
tsc=node_modules/typescript/bin/tsc
tsc_oldest=node_modules/typescript-5.8/bin/tsc
stamp=node_modules/.dictgen-lock.sha256
wanted="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -x "$tsc" ] || [ ! -x "$tsc_oldest" ] || [ ! -f node_modules/ajv/package.json ] ||
  [ ! -f node_modules/json-schema-to-typescript/package.json ] || [ ! -f node_modules/quicktype/package.json ] ||
  [ "$(cat "$stamp" 2>/dev/null || true)" != "$wanted" ]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$wanted" >"$stamp"
fi
echo "node-deps: node $(node --version), npm $(npm --version), tsc $("$tsc" --version), oldest tsc" \
  "$("$tsc_oldest" --version), esbuild $(node_modules/.bin/esbuild --version)" >&2
