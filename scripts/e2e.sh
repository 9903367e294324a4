#!/usr/bin/env bash
# Runs the Playwright suite against the built dist/ (make dist), started from
# an empty temporary directory on a free loopback port, with only environment
# variables: the same way the container runs it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$root/dist/marquee" ] || {
  echo "e2e: dist/marquee is missing: run make dist" >&2
  exit 1
}
work=$(mktemp -d "${TMPDIR:-/tmp}/marquee-e2e.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Copy dist/ away from the checkout so nothing can resolve through it.
cp -r "$root/dist" "$work/app"
mkdir -p "$work/run"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
E2E_PORT=$(free_port)
# A second origin, allowed by the server, for the CORS test's page.
E2E_CORS_PORT=$(free_port)
while [ "$E2E_CORS_PORT" = "$E2E_PORT" ]; do E2E_CORS_PORT=$(free_port); done
export E2E_PORT E2E_CORS_PORT
export E2E_WORKDIR="$work/run"
export MARQUEE_BIN="$work/app/marquee"
cd "$root/end2end"
npx playwright test "$@"
