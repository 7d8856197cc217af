#!/usr/bin/env bash
# Install the Debian packages the test suite needs, when a command is missing:
# PostgreSQL server and psql, MariaDB server and client, the sqlite3 CLI, strace (fault injection),
# curl (the docs' quickstart downloads a response with it, from a loopback server).
set -euo pipefail

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ]; }

missing=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
have psql || missing+=(postgresql-client)
{ have mariadbd && have mariadb-install-db; } || missing+=(mariadb-server)
have mariadb || missing+=(mariadb-client)
have sqlite3 || missing+=(sqlite3)
have runuser || missing+=(util-linux)
have strace || missing+=(strace)
have curl || missing+=(curl ca-certificates)

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "system-deps: missing ${missing[*]}: run this script as root (or install them)" >&2
    exit 1
fi

# The tests start their own throwaway servers: keep the packages' services from starting.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
fi

export DEBIAN_FRONTEND=noninteractive
echo "system-deps: installing ${missing[*]}" >&2
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
