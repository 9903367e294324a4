#!/usr/bin/env bash
# Fuzzes the JSON API against its own document with schemathesis: the
# document's examples, then generated requests, for every operation (the
# seeds' families included), as an attendee, an organizer and an admin.
# Sign-out and revoke end their caller's session, so they run last, each
# role with a token of its own. Any failure fails the run.
#
#   scripts/schemathesis.sh            against dist/marquee, started here
#   MARQUEE_BIN=… scripts/schemathesis.sh        another build of it
#   SCHEMATHESIS_EXAMPLES=N                      examples per operation (25)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tools=${MARQUEE_TOOLS_DIR:-$HOME/.cache/marquee}
st="$tools/venv/bin/st"
[ -x "$st" ] || { echo "schemathesis: run scripts/setup.sh test first" >&2; exit 1; }
examples=${SCHEMATHESIS_EXAMPLES:-25}
bin=${MARQUEE_BIN:-$root/dist/marquee}

work=$(mktemp -d "${TMPDIR:-/tmp}/marquee-st.XXXXXX")
pid=
cleanup() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

export MARQUEE_DATA_DIR="$work/data"
[ -x "$bin" ] || { echo "schemathesis: $bin is missing: run make dist" >&2; exit 1; }
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE_URL="http://127.0.0.1:$port"
# Every request comes from 127.0.0.1: the per-address limits would only
# measure the fuzzer.
(cd "$work" && LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT="$root/dist/site" RUST_LOG=warn \
  MARQUEE_AUTH_RATE_PER_IP=1000000 MARQUEE_AUTH_RATE_PER_ACCOUNT=1000000 \
  MARQUEE_CHAT_RATE_PER_MINUTE=1000000 MARQUEE_CHAT_BURST=1000000 MARQUEE_HOLD_MAX_ACTIVE=1000 \
  exec "$bin" >"$work/server.log" 2>&1) &
pid=$!
for _ in $(seq 1 100); do
  curl -fsS "$BASE_URL/health" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "$BASE_URL/health" >/dev/null

password='correct horse battery'
# A token for a new person of a role (admins are made on the command line).
token() {
  local role=$1 email
  email="st-$role-$(date +%s%N)@example.com"
  if [ "$role" = admin ]; then
    printf '%s\n' "$password" | (cd "$work" && "$bin" admin create --email "$email" --password-stdin >/dev/null)
  else
    curl -fsS -H 'content-type: application/json' \
      -d "{\"username\":\"$email\",\"password\":\"$password\",\"role\":\"$role\"}" \
      "$BASE_URL/api/auth/register" >/dev/null
  fi
  curl -fsS -H 'content-type: application/json' \
    -d "{\"username\":\"$email\",\"password\":\"$password\"}" "$BASE_URL/api/auth/login" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

run() {
  (cd "$work" && "$st" --no-color --config-file "$root/scripts/schemathesis.toml" run "$BASE_URL/api/openapi.json" \
    --phases examples,fuzzing --max-examples "$examples" \
    --workers 1 --seed "${SCHEMATHESIS_SEED:-20261204}" --request-timeout 30 --suppress-health-check all \
    --generation-database none "$@")
}

status=0
session_enders='_(logout|revoke)$'
# The seeds' paths Marquee does not serve yet answer 501 by design (the
# contract tests check them); a fuzzer would count each as a server error.
not_yet='^(gateway_social|gateway_commerce|realtime_notifications)_'
for role in attendee organizer admin; do
  echo "schemathesis: as $role"
  run -H "Authorization: Bearer $(token "$role")" \
    --exclude-operation-id-regex "$session_enders|$not_yet" || status=1
done
for role in attendee organizer admin; do
  echo "schemathesis: sign-out and revoke as $role"
  run -H "Authorization: Bearer $(token "$role")" --include-operation-id-regex "$session_enders" || status=1
done
exit $status
