#!/usr/bin/env bash
# Backfill benchmark: otelcol-ccdash against ccusage on one synthetic history.
#
#   scripts/bench-backfill.sh            (or: make bench-backfill)
#
# Environment:
#   SIZE=500MB SEED=1 DAYS=60   the history (generated once, cached in .cache/bench/)
#   HISTORY=dir                 use this Claude config dir (with projects/ inside) instead
#   HISTORY=corpus COPIES=250   real-shaped history: COPIES id-rewritten copies of ../shared/corpus/public
#                               (~2 MB each), written once to $TMPDIR, never into the repository
#   REQUESTS=200                /series requests timed after the backfill
#   TIMEOUT=15m                 give up waiting for the backfill after this long
#   BIN=bin/otelcol-ccdash      the collector binary (built with `make build` if missing)
#   CONFIG=cmd/otelcol-ccdash/config.yaml
#   KEEP=1                      keep the collector's data dir and logs
#   GNU_TIME=/usr/bin/time      GNU time for ccusage's peak RSS (else VmHWM is sampled from /proc)
#   FLOOR=1                     also time the floors under any full-fidelity backfill: the parser alone over
#                               the same files (benchtool parse), SQLite appending as many rows as the
#                               backfill stored without and with a key (BenchmarkSQLiteFloor/append and
#                               /hash-key), and the collector's RSS on an empty history; FLOOR=0 skips
#
# Steps: generate (cached) -> warm the page cache -> (a) ccusage claude daily
# -> (b) otelcol-ccdash from an empty data dir until /status says the backfill
# is complete -> (c) /series latency -> (d) the floors: the idle collector,
# parsing alone, appending that many rows to SQLite -> Markdown table on stdout.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
SIZE=${SIZE:-500MB}
SEED=${SEED:-1}
DAYS=${DAYS:-60}
REQUESTS=${REQUESTS:-200}
TIMEOUT=${TIMEOUT:-15m}
BIN=${BIN:-$ROOT/bin/otelcol-ccdash}
CONFIG=${CONFIG:-$ROOT/cmd/otelcol-ccdash/config.yaml}
CACHE=$ROOT/.cache/bench
GNU_TIME=${GNU_TIME:-/usr/bin/time}
export CGO_ENABLED=0 GOFLAGS="-buildvcs=false -trimpath" # the repo's one flag set

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench-backfill: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ccdash-bench.XXXXXX")
PID=
cleanup() {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$PID" 2>/dev/null || true
  fi
  if [ "${KEEP:-0}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
# stop_collector ends the collector started last (SIGTERM, a clean shutdown).
stop_collector() {
  kill -TERM "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  PID=
}

# --- tools -------------------------------------------------------------------
log "building ccdash-synth and benchtool"
mkdir -p "$CACHE/bin"
# .cache/ holds binaries and hundreds of MB of history: make it ignore itself.
[ -f "$ROOT/.cache/.gitignore" ] || printf '# caches, never committed\n*\n' >"$ROOT/.cache/.gitignore"
go build -o "$CACHE/bin/" ./cmd/ccdash-synth ./scripts/benchtool
SYNTH=$CACHE/bin/ccdash-synth
TOOL=$CACHE/bin/benchtool

log "ensuring ccusage"
CCUSAGE=$("$TOOL" ccusage-bin) || die "cannot install ccusage (npm needed)"
CCUSAGE_VERSION=$("$CCUSAGE" --version | awk '{print $NF}')

if [ ! -x "$BIN" ]; then
  log "$BIN missing: running make build"
  make build >&2
fi
[ -x "$BIN" ] || die "$BIN not found"
[ -f "$CONFIG" ] || die "$CONFIG not found"

# Peak RSS needs GNU time (/usr/bin/time -f); install it when we can, else
# fall back to sampling VmHWM from /proc.
if [ ! -x "$GNU_TIME" ] && [ "$GNU_TIME" = /usr/bin/time ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  log "installing GNU time"
  apt-get install -y -qq time >/dev/null 2>&1 || (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq time >/dev/null 2>&1) || true
fi

# --- history -------------------------------------------------------------------
HIST=${HISTORY:-$CACHE/history-seed$SEED-$SIZE-${DAYS}d}
if [ "${HISTORY:-}" = corpus ]; then
  COPIES=${COPIES:-250}
  CORPUS=$ROOT/../shared/corpus/public
  [ -d "$CORPUS" ] || die "HISTORY=corpus needs $CORPUS"
  HIST=${TMPDIR:-/tmp}/ccdash-bench-corpus-back-x$COPIES # "back": copies go back in time (benchtool corpus-tree)
  if [ ! -f "$HIST/.complete" ]; then
    rm -rf "$HIST"
    log "writing $COPIES copies of the public corpus into $HIST"
    "$TOOL" corpus-tree -src "$CORPUS" -out "$HIST" -copies "$COPIES"
    touch "$HIST/.complete"
  fi
elif [ -n "${HISTORY:-}" ]; then
  [ -d "$HIST/projects" ] || die "HISTORY=$HIST has no projects/ folder"
elif [ ! -f "$HIST/.complete" ]; then
  rm -rf "$HIST"
  log "generating $SIZE of history (seed $SEED, $DAYS days) into $HIST"
  "$SYNTH" -out "$HIST" -size "$SIZE" -seed "$SEED" -days "$DAYS" >&2
  touch "$HIST/.complete"
fi
BYTES=$(find "$HIST/projects" -type f -name '*.jsonl' -printf '%s\n' | awk '{ s += $1 } END { print s }')
FILES=$(find "$HIST/projects" -type f -name '*.jsonl' | wc -l)
MB=$(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1e6 }')

log "warming the page cache ($MB MB, $FILES files)"
find "$HIST/projects" -type f -name '*.jsonl' -exec cat {} + >/dev/null

# --- (a) ccusage -----------------------------------------------------------------
# run_measured OUT CMD...: runs CMD with stdout to OUT; sets WALL (s) and RSS_KB.
run_measured() {
  local out=$1; shift
  if [ -x "$GNU_TIME" ]; then
    "$GNU_TIME" -f '%e %M' -o "$WORK/time.txt" "$@" >"$out"
    read -r WALL RSS_KB < <(tail -n 1 "$WORK/time.txt")
  else
    local t0 hwm=0 pid v
    t0=$(now)
    "$@" >"$out" &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
      v=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
      [ -n "$v" ] && hwm=$v
      sleep 0.01
    done
    wait "$pid"
    WALL=$(elapsed "$t0" "$(now)")
    RSS_KB=$hwm
  fi
}

log "(a) ccusage $CCUSAGE_VERSION claude daily --json --offline"
run_measured "$WORK/ccusage.json" env CLAUDE_CONFIG_DIR="$HIST" "$CCUSAGE" claude daily --json --offline
CC_WALL=$WALL
CC_RSS_KB=$RSS_KB
CC_OUTPUT=$(grep -o '"outputTokens": *[0-9]*' "$WORK/ccusage.json" | tail -n 1 | grep -o '[0-9]*$')

# --- (b) otelcol-ccdash backfill ------------------------------------------------------
read -r API_PORT PROM_PORT < <("$TOOL" free-port -n 2 | paste -sd ' ')
DATA=$WORK/data
mkdir -p "$DATA"
log "(b) otelcol-ccdash backfill (API 127.0.0.1:$API_PORT, data $DATA)"
T0=$(now)
CLAUDE_CONFIG_DIR=$HIST CCDASH_DATA_DIR=$DATA CCDASH_API_ENDPOINT=127.0.0.1:$API_PORT CCDASH_PROM_PORT=$PROM_PORT \
  "$BIN" --config "$CONFIG" >"$WORK/collector.log" 2>&1 &
PID=$!
if ! "$TOOL" wait-backfill -url "http://127.0.0.1:$API_PORT" -pid "$PID" -timeout "$TIMEOUT" >"$WORK/status.json"; then
  tail -n 30 "$WORK/collector.log" >&2 || true
  die "backfill did not complete (log: $WORK/collector.log; KEEP=1 keeps it)"
fi
OC_WALL=$(elapsed "$T0" "$(now)")
OC_RSS_KB=$(awk '/^VmHWM/ { print $2 }' "/proc/$PID/status")
log "status: $(cat "$WORK/status.json")"

# --- (c) /series latency ---------------------------------------------------------
SERIES_URL="http://127.0.0.1:$API_PORT/api/analytics/series?metric=tokens_output&period=daily&group_by=model&tz=UTC"
log "(c) $REQUESTS x GET /api/analytics/series (tokens_output, daily, by model)"
read -r P50 P95 OUR_OUTPUT < <("$TOOL" series -url "$SERIES_URL" -n "$REQUESTS")

stop_collector

# MB/s and MB for the report.
mbps() { awk -v b="$BYTES" -v s="$1" 'BEGIN { if (s > 0) printf "%.0f", b / 1e6 / s; else print "-" }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k * 1024 / 1e6 }'; }

# --- (d) floors -----------------------------------------------------------------------
# The least any full-fidelity backfill into SQLite can take, in two parts:
# this parser turning the same files into facts on every core, with nothing
# downstream; and SQLite appending as many ~700-byte rows in 4,096-row
# transactions, with no parsing, no pipeline and no key index
# (internal/store/bench_floor_test.go), then the same with the narrowest
# unique key re-ingesting could rely on. The write runs on one connection, so
# even perfectly overlapped the two need max(parse wall, append, (parse CPU +
# append) / cores). For memory, the floor is the collector itself: the same
# binary and config on an empty history.
FLOOR_ROWS=
if [ "${FLOOR:-1}" = 1 ]; then
  log "(d) memory floor: the collector on an empty history"
  mkdir -p "$WORK/empty/projects" "$WORK/idle"
  CLAUDE_CONFIG_DIR=$WORK/empty CCDASH_DATA_DIR=$WORK/idle CCDASH_API_ENDPOINT=127.0.0.1:$API_PORT CCDASH_PROM_PORT=$PROM_PORT \
    "$BIN" --config "$CONFIG" >"$WORK/idle.log" 2>&1 &
  PID=$!
  "$TOOL" wait-backfill -url "http://127.0.0.1:$API_PORT" -pid "$PID" -timeout 1m -min-files 0 >/dev/null ||
    die "the collector did not start on an empty history (log: $WORK/idle.log)"
  IDLE_RSS_KB=$(awk '/^VmHWM/ { print $2 }' "/proc/$PID/status")
  stop_collector

  log "(d) parser floor: benchtool parse over the same files"
  read -r PARSE_WALL PARSE_CPU PARSE_FACTS < <("$TOOL" parse -dir "$HIST")
  EVENTS=$(grep -o '"events_stored":[0-9]*' "$WORK/status.json" | grep -o '[0-9]*$')
  TXS=$(( (EVENTS + 4095) / 4096 ))
  log "(d) SQLite floor: $TXS x 4,096 rows appended (BenchmarkSQLiteFloor/append and /hash-key)"
  go test -run '^$' -bench 'SQLiteFloor/(append|hash-key)$' -benchtime="${TXS}x" ./internal/store/ >"$WORK/floor.txt"
  # floor_wall VARIANT: seconds for TXS x 4,096 rows from the variant's rows/s.
  floor_wall() {
    awk -v v="SQLiteFloor/$1-" -v n="$((TXS * 4096))" 'index($1, v) > 0 {
      for (i = 2; i <= NF; i++) if ($i == "rows/s") printf "%.2f", n / $(i - 1) }' "$WORK/floor.txt"
  }
  WRITE_WALL=$(floor_wall append)
  HASH_WALL=$(floor_wall hash-key)
  [ -n "$WRITE_WALL" ] && [ -n "$HASH_WALL" ] || die "the floor benchmark printed no rows/s: $(cat "$WORK/floor.txt")"
  BOUND=$(awk -v p="$PARSE_WALL" -v pc="$PARSE_CPU" -v w="$WRITE_WALL" -v c="$(nproc)" \
    'BEGIN { b = (pc + w) / c; if (p > b) b = p; if (w > b) b = w; printf "%.2f", b }')
  FLOOR_ROWS="| floor: parsing alone, $PARSE_FACTS facts on $(nproc) cores ($PARSE_CPU s CPU), nothing downstream | $PARSE_WALL | $(mbps "$PARSE_WALL") | – | – |
| floor: SQLite appending $((TXS * 4096)) rows, nothing else (no parsing, no key index) | $WRITE_WALL | – | – | – |
| floor: the same with the narrowest unique key (a 64-bit hash), which idempotent writes need | $HASH_WALL | – | – | – |
| both floors perfectly overlapped: max(parse, append, (parse CPU + append) / cores) | $BOUND | $(mbps "$BOUND") | – | – |
| floor: otelcol-ccdash on an empty history (same binary and config) | – | – | $(mb "$IDLE_RSS_KB") | – |"
fi

SOURCE="seed $SEED, $DAYS days, ccdash-synth"
case "${HISTORY:-}" in
  "") ;;
  corpus) SOURCE="$COPIES id-rewritten copies of the public corpus" ;;
  *) SOURCE="$HIST" ;;
esac
# --- report -------------------------------------------------------------------------
if [ "$OUR_OUTPUT" = "$CC_OUTPUT" ]; then CHECK="equal"; else CHECK="DIFFERENT"; fi

cat <<REPORT

### Backfill benchmark

History: $MB MB in $FILES files ($SOURCE), page cache warm; $(nproc) CPUs.

| tool | wall s | MB/s | peak RSS MB | /series p95 ms |
|---|---:|---:|---:|---:|
| ccusage $CCUSAGE_VERSION \`claude daily --json --offline\` | $CC_WALL | $(mbps "$CC_WALL") | $(mb "$CC_RSS_KB") | – |
| otelcol-ccdash backfill (empty data dir → backfill_complete) | $OC_WALL | $(mbps "$OC_WALL") | $(mb "$OC_RSS_KB") | $P95 |
$FLOOR_ROWS

/series p50 $P50 ms over $REQUESTS requests. tokens_output total: otelcol-ccdash $OUR_OUTPUT, ccusage $CC_OUTPUT ($CHECK).
REPORT
