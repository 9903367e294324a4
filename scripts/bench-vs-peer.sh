#!/usr/bin/env bash
# Marquee side by side with the NestJS peer of seed 001 (the hot-paths
# yardstick), in one run, on SQLite and on PostgreSQL. Each server runs
# pinned to core 0 (`taskset -c 0`) with a fresh database; wrk runs on core
# 1 (`-t1 -c50`). Prints requests per second and p99 per row, and the ratio
# Marquee/peer.
#
#   scripts/bench-vs-peer.sh [sqlite|pg|both]          (both by default)
#
# Needs: wrk and taskset (Debian's wrk and util-linux), node 20, a release
# build (`make dist`: dist/marquee), and for pg a PostgreSQL server.
# Environment (defaults in brackets):
#   MARQUEE_BIN [dist/marquee]   the Marquee binary
#   PEER_SRC [../shared/peers/nest001]  the peer's sources, copied to a
#       scratch dir, installed and built there (skipped when PEER_DIR is set)
#   PEER_DIR                     an installed and built copy of the peer
#   PG_ADMIN_URL [postgres://postgres:postgres@127.0.0.1:5432/postgres]
#   BENCH_SECONDS [10] BENCH_CONNECTIONS [50] BENCH_BUYERS [500]
#   BENCH_ACTIVE_HOLDS [10000]   active holds on the busy event before its rows
#   BENCH_LOCKS [15000]          locks made for the order row (5 s of orders)
#
# Rows: GET /api/events/{id} on an event with no holds; reserve 1 seat on
# one hot tier (first BENCH_SECONDS, from no holds); the same GET and reserve
# on a second event given exactly BENCH_ACTIVE_HOLDS active holds first (so
# "busy" differs from "empty" by those holds alone); POST /api/orders/with-lock
# (5 s, one order per lock made beforehand: Marquee's event is paid at the
# door, so its order is confirmed at once, as the peer's always is); and
# Marquee's server-rendered GET /events (no peer). Hold and door-order limits
# are raised on Marquee so that BENCH_BUYERS people can keep going (the peer
# has none).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
backends=${1:-both}
[ "$backends" = both ] && backends="sqlite pg"
MARQUEE_BIN=${MARQUEE_BIN:-$root/dist/marquee}
PEER_SRC=${PEER_SRC:-$root/../shared/peers/nest001}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-50}
BUYERS=${BENCH_BUYERS:-500}
ACTIVE=${BENCH_ACTIVE_HOLDS:-10000}
LOCKS=${BENCH_LOCKS:-15000}
here="$root/scripts/bench"

for tool in wrk taskset node; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install -y wrk)" >&2; exit 1; }
done
[ -x "$MARQUEE_BIN" ] || { echo "bench: $MARQUEE_BIN is missing: run make dist" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/marquee-bench.XXXXXX")
pid=
dbs=()
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; fi
  for db in "${dbs[@]}"; do psql -q "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

if [ -z "${PEER_DIR:-}" ]; then
  PEER_DIR="$work/peer"
  cp -r "$PEER_SRC" "$PEER_DIR"
  echo "bench: installing and building the peer (a few minutes the first time)"
  (cd "$PEER_DIR" && npm_config_nodedir=/usr npm ci --silent >/dev/null && npx tsc -p tsconfig.json)
fi

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start KIND BACKEND DIR: starts a server pinned to core 0, sets $pid $url.
start() {
  local kind=$1 backend=$2 dir=$3 port db_url=
  port=$(free_port)
  url="http://127.0.0.1:$port"
  if [ "$backend" = pg ]; then
    local name="bench_${kind}_$$_$RANDOM"
    psql -q "$PG_ADMIN_URL" -c "CREATE DATABASE $name" >/dev/null
    dbs+=("$name")
    db_url="${PG_ADMIN_URL%/*}/$name"
  fi
  if [ "$kind" = marquee ]; then
    mkdir -p "$dir/data"
    (cd "$dir" && exec env ${db_url:+DATABASE_URL=$db_url} MARQUEE_DATA_DIR="$dir/data" \
      LEPTOS_SITE_ADDR="127.0.0.1:$port" RUST_LOG="${RUST_LOG:-info}" \
      MARQUEE_HOLD_MAX_ACTIVE=1000000 MARQUEE_HOLD_MAX_SEATS_PER_EVENT=1000000 \
      MARQUEE_HOLD_MAX_SEATS=1000000 \
      MARQUEE_AUTH_RATE_PER_IP=100000 MARQUEE_AUTH_RATE_PER_ACCOUNT=100000 \
      taskset -c 0 "$MARQUEE_BIN" >"$dir/server.log" 2>&1) &
  else
    (cd "$PEER_DIR" && exec env -u DATABASE_URL ${db_url:+DATABASE_URL=$db_url} PORT="$port" HOST=127.0.0.1 \
      SQLITE_PATH="$dir/peer.db" NODE_ENV=production \
      taskset -c 0 node dist/main.js >"$dir/server.log" 2>&1) &
  fi
  pid=$!
  for _ in $(seq 1 300); do
    curl -fsS -o /dev/null "$url/health" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "bench: $kind did not start:" >&2
  cat "$dir/server.log" >&2
  exit 1
}

stop() {
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=
}

rss_mib() { echo $(( $(ps -o rss= -p "$pid" | tr -d ' ') / 1024 )); }

# load SECONDS PATH [env...]: one wrk run on core 1; sets $ok $rate $p99.
load() {
  local secs=$1 path=$2 line
  shift 2
  line=$(env BENCH_PATH="$path" "$@" taskset -c 1 wrk -t1 -c"$CONNS" -d"${secs}s" \
    -s "$here/wrk.lua" "$url" | grep '^result ')
  read -r _ ok _other elapsed _p50 p99 short <<<"$line"
  if [ "$short" = 1 ]; then
    echo "bench: $path ran out of locks: set BENCH_LOCKS higher" >&2
  fi
  rate=$(awk -v n="$ok" -v s="$elapsed" 'BEGIN { printf "%.0f", n / s }')
}

declare -A R
record() {
  R[$1]="$rate $p99"
  printf '  %-34s %8s/s  p99 %7s ms  (RSS %s MiB)\n' "$2" "$rate" "$p99" "$(rss_mib)"
}

run() {
  local kind=$1 backend=$2 dir="$work/$1-$2" ids event total
  mkdir -p "$dir"
  start "$kind" "$backend" "$dir"
  echo "== $kind on $backend (pid $pid, idle RSS $(rss_mib) MiB)"
  ids=$(node "$here/seed.mjs" setup "$url" "$kind" "$dir" "$BUYERS")
  event=$(node -e 'console.log(JSON.parse(process.argv[1]).hotEvent)' "$ids")
  local key="$backend:$kind"
  load 3 "/api/events/$event" >/dev/null
  load "$SECS" "/api/events/$event"
  record "$key:get" "GET event, no holds"
  local reserve=(BENCH_METHOD=POST BENCH_BODY="$(cat "$dir/reserve.json")" BENCH_TOKENS="$dir/tokens.txt")
  load "$SECS" /api/events/tickets/reserve "${reserve[@]}"
  record "$key:reserve" "reserve, first ${SECS} s"
  # The busy rows: the same reads and holds on an event that already has
  # BENCH_ACTIVE_HOLDS active holds (each row starts from that many).
  local busy
  busy=$(node -e 'console.log(JSON.parse(process.argv[1]).busyEvent)' "$ids")
  total=$(node "$here/seed.mjs" holds "$url" "$dir" "$ACTIVE")
  echo "  (active holds on the busy event: $total)"
  load 3 "/api/events/$busy" >/dev/null
  load "$SECS" "/api/events/$busy"
  record "$key:get_busy" "GET event, $total holds"
  load "$SECS" /api/events/tickets/reserve BENCH_METHOD=POST \
    BENCH_BODY="$(cat "$dir/reserve-busy.json")" BENCH_TOKENS="$dir/tokens.txt"
  record "$key:reserve_busy" "reserve, from $total holds"
  node "$here/seed.mjs" locks "$url" "$dir" "$LOCKS" >/dev/null
  load 5 /api/orders/with-lock BENCH_METHOD=POST BENCH_BODY="$(cat "$dir/order.json")" \
    BENCH_LOCKS="$dir/locks.txt"
  record "$key:order" "order from a lock"
  if [ "$kind" = marquee ]; then
    load 3 /events >/dev/null
    load "$SECS" /events
    record "$key:ssr" "GET /events, server-rendered"
  fi
  echo "  RSS after load: $(rss_mib) MiB"
  stop
}

for backend in $backends; do
  run marquee "$backend"
  run peer "$backend"
done

echo
echo "| row | backend | Marquee req/s (p99 ms) | peer req/s (p99 ms) | Marquee/peer |"
echo "|---|---|---|---|---|"
for backend in $backends; do
  for row in get reserve get_busy reserve_busy order ssr; do
    read -r m mp <<<"${R[$backend:marquee:$row]:-- -}"
    read -r p pp <<<"${R[$backend:peer:$row]:-- -}"
    ratio=$(awk -v a="$m" -v b="$p" 'BEGIN { if (b + 0 > 0) printf "%.2f×", a / b; else print "—" }')
    echo "| $row | $backend | $m ($mp) | $p ($pp) | $ratio |"
  done
done
