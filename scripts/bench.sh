#!/usr/bin/env bash
# bench.sh reproduces every figure of the README's benchmark table and of
# internal/bench/RESULTS.md in one command, on a test environment of its own
# (Kafka, Elasticsearch and Redis on the bench ports), so that other tests
# sharing the default one (scripts/testenv.sh on 19092/19200/16379) neither
# disturb nor are disturbed:
#
#   scripts/bench.sh [OUTDIR]
#
#   1 build bin/newsflow of this tree into OUTDIR
#   2 testenv up on the bench ports (Elasticsearch with a 1g heap)
#   3 newsflow bench stages: every stage on both corpora, and the loop of
#     newsflow process against the chain
#   4 GOMAXPROCS=1 newsflow process < reuters-21578.jsonl > /dev/null: wall and
#     CPU time, MB/s of the file, articles per CPU second against the chain's
#   5 newsflow bench e2e, each run on fresh resources (NEWSFLOW_BENCH_RUNS):
#       unpinned-2      2 workers, no pinning (the machine as it is)
#       isolated-1/2/4  --isolate (Elasticsearch on a CPU of its own, everything
#                       else on the others) with 1, 2 and 4 workers
#       isolated-2-es   --isolate, 2 workers, --dedup-store elasticsearch (the
#                       fingerprint index: what the Redis store saves)
#       backlog-isolated-1/2  --isolate --backlog: the articles produced before
#                       the workers start, the clock from their first fetch
#                       (the producer out of the window, as in a deployment)
#       base-isolated-2 --isolate, 2 workers of NEWSFLOW_BENCH_BASE_BINARY (a
#                       build before a change: the before/after of the workers)
#   6 testenv down (unless NEWSFLOW_BENCH_KEEP_UP=1)
#
# OUTDIR (default bench-results-<date>) gets summary.md (everything, with the
# load average before and after each step), each step's markdown and logs.
#
# Settings (environment):
#   NEWSFLOW_BENCH_KAFKA_PORT   39092
#   NEWSFLOW_BENCH_ES_PORT      39200
#   NEWSFLOW_BENCH_REDIS_PORT   39379   (the cluster on 39380-39382, bus +100; TLS 39390)
#   NEWSFLOW_BENCH_ES_HEAP      1g      Elasticsearch heap (the testenv default is 512m)
#   NEWSFLOW_BENCH_STATE        /tmp/newsflow-bench-testenv
#   NEWSFLOW_BENCH_RUNS         "unpinned-2 isolated-1 isolated-2 isolated-4 isolated-2-es
#                               backlog-isolated-1 backlog-isolated-2"
#                               (add base-isolated-2 with NEWSFLOW_BENCH_BASE_BINARY; a suffix
#                               after a dot repeats a run: isolated-2.b)
#   NEWSFLOW_BENCH_BASE_BINARY  newsflow binary of the "before" workers
#   NEWSFLOW_BENCH_ISOLATE_ES_CPUS / _OTHER_CPUS   1 / 0
#   NEWSFLOW_BENCH_WARMUP_ARTICLES  20000  articles of the unrecorded first run (warms Elasticsearch's JIT)
#   NEWSFLOW_BENCH_E2E_ARGS     extra arguments of every `newsflow bench e2e` (e.g. --articles 5000)
#   NEWSFLOW_BENCH_SKIP         steps to skip, space-separated: stages process e2e
#   NEWSFLOW_BENCH_KEEP_UP      1 leaves the servers running
#
# Check the load first (uptime): the figures are only as quiet as the machine.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${1:-bench-results-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
export NEWSFLOW_TESTENV_DIR=${NEWSFLOW_BENCH_STATE:-/tmp/newsflow-bench-testenv}
export NEWSFLOW_TESTENV_KAFKA_PORT=${NEWSFLOW_BENCH_KAFKA_PORT:-39092}
export NEWSFLOW_TESTENV_ES_PORT=${NEWSFLOW_BENCH_ES_PORT:-39200}
export NEWSFLOW_TESTENV_ES_HEAP=${NEWSFLOW_BENCH_ES_HEAP:-1g}
REDIS_PORT=${NEWSFLOW_BENCH_REDIS_PORT:-39379}
export NEWSFLOW_TESTENV_REDIS_PORT=$REDIS_PORT
export NEWSFLOW_TESTENV_REDIS_CLUSTER_PORT=$((REDIS_PORT + 1))
export NEWSFLOW_TESTENV_REDIS_TLS_PORT=$((REDIS_PORT + 11))
RUNS=${NEWSFLOW_BENCH_RUNS:-unpinned-2 isolated-1 isolated-2 isolated-4 isolated-2-es backlog-isolated-1 backlog-isolated-2}
SKIP=" ${NEWSFLOW_BENCH_SKIP:-} "
ES_CPUS=${NEWSFLOW_BENCH_ISOLATE_ES_CPUS:-1}
OTHER_CPUS=${NEWSFLOW_BENCH_ISOLATE_OTHER_CPUS:-0}
SUMMARY=$OUT/summary.md

cd "$ROOT"
BIN=$OUT/newsflow
go build -o "$BIN" ./cmd/newsflow
if [[ ${NEWSFLOW_BENCH_KEEP_UP:-0} != 1 ]]; then
	trap 'scripts/testenv.sh down' EXIT
fi
scripts/testenv.sh up
eval "$(scripts/testenv.sh env)"

load() { echo "$(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"; }
section() {
	printf '\n## %s\n\n' "$1" >>"$SUMMARY"
	echo "bench.sh: $1 ($(load))" >&2
}

{
	echo "# newsflow benchmarks, $(date -u +%Y-%m-%d)"
	echo
	echo "Commit $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet || echo ' (with local changes)');" \
		"$(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(go version | cut -d' ' -f3);" \
		"servers: $NEWSFLOW_TEST_KAFKA, $NEWSFLOW_TEST_ES, $NEWSFLOW_TEST_REDIS. Start: $(load)."
} >"$SUMMARY"

if [[ $SKIP != *" stages "* ]]; then
	section "Stages (newsflow bench stages)"
	echo "before: $(load)" >>"$SUMMARY"
	"$BIN" bench stages >"$OUT/stages.md" 2>"$OUT/stages.log"
	{ echo; cat "$OUT/stages.md"; echo "after: $(load)"; } >>"$SUMMARY"
fi

if [[ $SKIP != *" process "* ]]; then
	section "newsflow process on one core"
	CORPUS=${NEWSFLOW_SHARED:-$ROOT/../shared}/corpus/reuters-21578.jsonl
	"$BIN" bench stages --corpus-file reuters-21578.jsonl --stage chain --stage process >"$OUT/process-stages.md" 2>"$OUT/process-stages.log"
	echo "before: $(load)" >>"$SUMMARY"
	TIMEFORMAT='%R %U %S'
	for i in 1 2 3; do
		{ time GOMAXPROCS=1 "$BIN" process <"$CORPUS" >/dev/null; } 2>>"$OUT/process-times.txt"
	done
	lines=$(grep -c . "$CORPUS")
	bytes=$(stat -c %s "$CORPUS")
	chain=$(awk -F'|' '$2 ~ /^ chain / && $3 ~ /reuters/ {gsub(/[ ,]/, "", $5); print $5}' "$OUT/process-stages.md")
	{
		echo "\`GOMAXPROCS=1 newsflow process < reuters-21578.jsonl > /dev/null\`, three runs ($lines articles, $bytes bytes of JSON lines):"
		echo
		echo "| run | wall s | CPU s (user + sys) | MB/s of the file (wall) | articles per CPU second | ÷ the chain's (bench stages, same script) |"
		echo "| --- | ---: | ---: | ---: | ---: | ---: |"
		n=0
		while read -r real user sys; do
			n=$((n + 1))
			awk -v n="$n" -v r="$real" -v u="$user" -v s="$sys" -v l="$lines" -v b="$bytes" -v c="$chain" \
				'BEGIN { cpu = u + s; printf "| %d | %.2f | %.2f | %.1f | %.0f | %.2f |\n", n, r, cpu, b / r / 1e6, l / cpu, (l / cpu) / c }'
		done <"$OUT/process-times.txt"
		echo
		echo "The chain and the process loop in the same process (\`newsflow bench stages --corpus-file reuters-21578.jsonl --stage chain --stage process\`):"
		echo
		cat "$OUT/process-stages.md"
		echo "after: $(load)"
	} >>"$SUMMARY"
fi

if [[ $SKIP != *" e2e "* ]]; then
	# A fresh Elasticsearch JVM indexes its first documents several times
	# slower (JIT): a run that is not recorded warms it, so that baseline 1
	# of the first recorded run is not the slow one.
	section "Warm-up (not a figure)"
	"$BIN" bench e2e --kafka-brokers "$NEWSFLOW_TEST_KAFKA" --elasticsearch-url "$NEWSFLOW_TEST_ES" --redis-addr "$NEWSFLOW_TEST_REDIS" \
		--articles "${NEWSFLOW_BENCH_WARMUP_ARTICLES:-20000}" --phase bulk --phase pipeline --log-dir "$OUT/worker-logs-warmup" \
		>"$OUT/e2e-warmup.md" 2>"$OUT/e2e-warmup.log"
	echo "$(grep -c . "$OUT/e2e-warmup.md") lines in e2e-warmup.md; $(load)" >>"$SUMMARY"
	for name in $RUNS; do
		run=${name%%.*} # isolated-2.b is another run of isolated-2
		args=(--kafka-brokers "$NEWSFLOW_TEST_KAFKA" --elasticsearch-url "$NEWSFLOW_TEST_ES" --redis-addr "$NEWSFLOW_TEST_REDIS"
			--testenv-dir "$NEWSFLOW_TESTENV_DIR" --log-dir "$OUT/worker-logs-$name")
		case $run in
		unpinned-*) args+=(--workers "${run#unpinned-}") ;;
		isolated-2-es) args+=(--workers 2 --isolate --dedup-store elasticsearch) ;;
		backlog-isolated-*) args+=(--workers "${run#backlog-isolated-}" --isolate --backlog) ;;
		isolated-*) args+=(--workers "${run#isolated-}" --isolate) ;;
		base-isolated-*)
			[[ -n ${NEWSFLOW_BENCH_BASE_BINARY:-} ]] || { echo "bench.sh: $run needs NEWSFLOW_BENCH_BASE_BINARY" >&2; exit 2; }
			args+=(--workers "${run#base-isolated-}" --isolate --binary "$NEWSFLOW_BENCH_BASE_BINARY")
			;;
		*) echo "bench.sh: unknown run $run" >&2; exit 2 ;;
		esac
		[[ " ${args[*]} " == *" --isolate "* ]] && args+=(--isolate-es-cpus "$ES_CPUS" --isolate-other-cpus "$OTHER_CPUS")
		section "End to end: $name"
		echo "before: $(load)" >>"$SUMMARY"
		# shellcheck disable=SC2086
		"$BIN" bench e2e "${args[@]}" ${NEWSFLOW_BENCH_E2E_ARGS:-} >"$OUT/e2e-$name.md" 2>"$OUT/e2e-$name.log"
		{ echo; cat "$OUT/e2e-$name.md"; echo "after: $(load)"; } >>"$SUMMARY"
	done
fi

echo "bench.sh: done ($(load)); $SUMMARY" >&2
cat "$SUMMARY"
