#!/usr/bin/env bash
# bench.sh runs the published benchmarks (internal/bench/RESULTS.md) on a test
# environment of its own, so that other tests sharing the default one
# (scripts/testenv.sh on 19092/19200) neither disturb nor are disturbed:
#
#   scripts/bench.sh [OUTDIR]     build, testenv up on the bench ports, bench stages,
#                                 bench e2e, testenv down; markdown and logs in OUTDIR
#                                 (default: bench-results-<date>)
#
# Settings (environment):
#   NEWSFLOW_BENCH_KAFKA_PORT   39092
#   NEWSFLOW_BENCH_ES_PORT      39200
#   NEWSFLOW_BENCH_ES_HEAP      1g      Elasticsearch heap (the testenv default is 512m)
#   NEWSFLOW_BENCH_STATE        /tmp/newsflow-bench-testenv
#   NEWSFLOW_BENCH_E2E_ARGS     extra arguments of `newsflow bench e2e` (e.g. --articles 5000)
#   NEWSFLOW_BENCH_KEEP_UP      1 leaves the servers running
#
# Check the load first (uptime): the figures are only as quiet as the machine.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${1:-bench-results-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
export NEWSFLOW_TESTENV_DIR=${NEWSFLOW_BENCH_STATE:-/tmp/newsflow-bench-testenv}
export NEWSFLOW_TESTENV_KAFKA_PORT=${NEWSFLOW_BENCH_KAFKA_PORT:-39092}
export NEWSFLOW_TESTENV_ES_PORT=${NEWSFLOW_BENCH_ES_PORT:-39200}
export NEWSFLOW_TESTENV_ES_HEAP=${NEWSFLOW_BENCH_ES_HEAP:-1g}

cd "$ROOT"
go build -o "$OUT/newsflow" ./cmd/newsflow
if [[ ${NEWSFLOW_BENCH_KEEP_UP:-0} != 1 ]]; then
	trap 'scripts/testenv.sh down' EXIT
fi
scripts/testenv.sh up
eval "$(scripts/testenv.sh env)"

echo "load before: $(cat /proc/loadavg)" | tee "$OUT/load.txt"
"$OUT/newsflow" bench stages > "$OUT/stages.md" 2> "$OUT/stages.log"
# shellcheck disable=SC2086
"$OUT/newsflow" bench e2e --kafka-brokers "$NEWSFLOW_TEST_KAFKA" --elasticsearch-url "$NEWSFLOW_TEST_ES" \
	--log-dir "$OUT/worker-logs" ${NEWSFLOW_BENCH_E2E_ARGS:-} > "$OUT/e2e.md" 2> "$OUT/e2e.log"
echo "load after: $(cat /proc/loadavg)" | tee -a "$OUT/load.txt"
cat "$OUT/stages.md" "$OUT/e2e.md"
