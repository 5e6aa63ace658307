#!/usr/bin/env bash
# deploy-check.sh checks newsflow's deployment files with the tools their users
# run, in order, and exits non-zero if any step fails (every step runs, so one
# run reports everything):
#
#   1 build      go build -o bin/newsflow ./cmd/newsflow (the binary the later steps run)
#   2 promtool   promtool check rules, test rules, check config (deploy/prometheus)
#   3 docker     Dockerfile through BuildKit's parser and linter; the build stage's
#                commands run on the .dockerignore-filtered context; the binary is static
#   4 compose    docker-compose.yml through the compose-spec loader (schema,
#                interpolation, consistency) and the stack's own rules
#   5 helm       helm lint --strict and helm template (defaults and ci/*-values.yaml),
#                every manifest decoded strictly into the Kubernetes API types
#                (KEDA's ScaledObject against its CRD schema), bad values refused
#   6 dashboards Grafana JSON (Grafana's schema, strict), Kibana NDJSON (references,
#                fields against the index template), promtool unit tests that can fail
#   7 live       every PromQL expression parsed, and every metric, label and label
#                value it reads found on the real /metrics of `newsflow produce` and
#                `newsflow consume` run against the test Kafka, Elasticsearch and
#                Redis (scripts/testenv.sh); Kibana's Vega queries run on the index they filled
#                and their specs render with vega-lite and vega (Node.js; npm ci into the cache)
#
# Steps 3-7 are the Go tests of the module deploy/check (see its package doc).
# helm is built from the Go module proxy on first use into
# $NEWSFLOW_CACHE/tools (default ~/.cache/newsflow/tools), and vega/vega-lite
# are installed there by `npm ci` from deploy/check/vega/package-lock.json;
# promtool comes from the Debian package prometheus (scripts/deps.sh).
#
#   scripts/deploy-check.sh            all steps
#   scripts/deploy-check.sh helm live  only those steps
#
# Without the test servers, step 7 skips with the command that starts them;
# with CI=true a missing server, tool or binary fails instead.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

ALL_STEPS=(build promtool docker compose helm dashboards live)
if (($#)); then STEPS=("$@"); else STEPS=("${ALL_STEPS[@]}"); fi

if [[ -z ${NEWSFLOW_TEST_KAFKA:-} || -z ${NEWSFLOW_TEST_ES:-} || -z ${NEWSFLOW_TEST_REDIS:-} ]]; then
	eval "$(scripts/testenv.sh env)"
fi
export NEWSFLOW_TEST_KAFKA NEWSFLOW_TEST_ES NEWSFLOW_TEST_REDIS
export NEWSFLOW_BIN=$ROOT/bin/newsflow

declare -A RESULT SECONDS_TAKEN
failed=0

log() { printf '\n\033[1mdeploy-check: %s\033[0m\n' "$*"; }

# gotest RUN_REGEX: the deploy/check tests matching it, verbose, without the
# RUN/PAUSE/CONT noise.
gotest() {
	local status
	(cd deploy/check && go test -count=1 -timeout 40m -v -run "$1" ./... 2>&1) |
		grep -Ev '^=== (RUN|PAUSE|CONT|NAME)'
	status=${PIPESTATUS[0]}
	return "$status"
}

step_build() {
	go build -o bin/newsflow ./cmd/newsflow && echo "bin/newsflow built"
}

step_promtool() {
	local tool=${NEWSFLOW_PROMTOOL:-promtool}
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "promtool not found: apt-get install prometheus (scripts/deps.sh installs it)"
		[[ ${CI:-} == true ]] && return 1
		echo "skipped (CI=true would fail)"
		return 0
	fi
	"$tool" --version 2>&1 | head -1
	(cd deploy/prometheus &&
		"$tool" check rules rules/newsflow.rules.yml &&
		"$tool" test rules newsflow.rules_test.yml &&
		"$tool" check config prometheus.yml)
}

step_docker() { gotest '^TestDocker'; }
step_compose() { gotest '^TestCompose'; }
step_helm() { gotest '^TestHelm'; }
step_dashboards() { gotest '^(TestGrafana|TestKibanaSavedObjects|TestPromtoolUnitTestsCanFail|TestPromQLParses)$'; }
step_live() { gotest '^(TestMetricNamesExistOnLiveMetrics|TestKibanaVegaQueriesOnRealIndex)$'; }

total_start=$SECONDS
for s in "${STEPS[@]}"; do
	if ! declare -F "step_$s" >/dev/null; then
		echo "deploy-check: unknown step $s (steps: ${ALL_STEPS[*]})" >&2
		exit 2
	fi
	log "step $s"
	start=$SECONDS
	if "step_$s"; then RESULT[$s]=ok; else RESULT[$s]=FAILED; failed=1; fi
	SECONDS_TAKEN[$s]=$((SECONDS - start))
done

log "summary"
for s in "${STEPS[@]}"; do
	printf '  %-11s %-7s %4ss\n' "$s" "${RESULT[$s]}" "${SECONDS_TAKEN[$s]}"
done
printf '  %-11s %-7s %4ss\n' total "$( ((failed)) && echo FAILED || echo ok)" "$((SECONDS - total_start))"
exit "$failed"
