#!/usr/bin/env bash
# testenv.sh starts and stops the real servers newsflow's integration tests run
# against (Kafka, Elasticsearch, Redis: testenv/redis.sh), on 127.0.0.1, no Docker.
#
#   scripts/testenv.sh up      fetch (first run only), start both, wait until they answer
#   scripts/testenv.sh down    stop both by their recorded PIDs (SIGTERM, then SIGKILL)
#   scripts/testenv.sh status  say what runs; exit 0 only when both answer
#   scripts/testenv.sh env     print NEWSFLOW_TEST_KAFKA=... and NEWSFLOW_TEST_ES=...
#   scripts/testenv.sh up --cluster --secure   also a 3-broker Kafka cluster and a 3-node
#                              Elasticsearch cluster (testenv/cluster.sh), and a Kafka broker with
#                              SASL_SSL and mutual-TLS listeners (testenv/secure.sh)
#   scripts/testenv.sh kill|pause|resume|restart|pid NODE   one cluster node: kafka-1..3, es-1..3
#
# Both servers come from Maven Central (testenv/*/pom.xml), copied once into
# $NEWSFLOW_CACHE/testenv (default ~/.cache/newsflow/testenv) through the local
# Maven repository (~/.m2, or $NEWSFLOW_MAVEN_REPO). Runtime data, logs and PID
# files live in $NEWSFLOW_TESTENV_DIR (default /tmp/newsflow-testenv); every `up`
# of a stopped server starts it on empty data.
#
# Settings (environment):
#   NEWSFLOW_TESTENV_KAFKA_PORT        19092  (the controller listens on the next port)
#   NEWSFLOW_TESTENV_ES_PORT           19200  (transport on ES_PORT+100)
#   NEWSFLOW_TESTENV_KAFKA_HEAP        512m
#   NEWSFLOW_TESTENV_ES_HEAP           512m
#   NEWSFLOW_TESTENV_START_TIMEOUT     180    seconds to wait for each server
#   NEWSFLOW_TESTENV_STOP_TIMEOUT      30     seconds before SIGKILL
#   NEWSFLOW_TESTENV_KAFKA_LOG_REQUESTS  1 logs every Kafka request with its API version
#   NEWSFLOW_JAVA, NEWSFLOW_JAVAC      java/javac to use (else $JAVA_HOME/bin/..., else PATH); Java 17+
#   NEWSFLOW_MVN                       mvn
#   NEWSFLOW_TESTENV_REDIS*            Redis ports and switch: see testenv/redis.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${NEWSFLOW_CACHE:-${HOME:-/root}/.cache/newsflow}/testenv
STATE=${NEWSFLOW_TESTENV_DIR:-/tmp/newsflow-testenv}
HOST=127.0.0.1

START_TIMEOUT=${NEWSFLOW_TESTENV_START_TIMEOUT:-180}
STOP_TIMEOUT=${NEWSFLOW_TESTENV_STOP_TIMEOUT:-30}
KAFKA_HEAP=${NEWSFLOW_TESTENV_KAFKA_HEAP:-512m}
ES_HEAP=${NEWSFLOW_TESTENV_ES_HEAP:-512m}

if [[ -n ${NEWSFLOW_JAVA:-} ]]; then JAVA=$NEWSFLOW_JAVA
elif [[ -n ${JAVA_HOME:-} && -x ${JAVA_HOME}/bin/java ]]; then JAVA=$JAVA_HOME/bin/java
else JAVA=java; fi
if [[ -n ${NEWSFLOW_JAVAC:-} ]]; then JAVAC=$NEWSFLOW_JAVAC
elif [[ -n ${JAVA_HOME:-} && -x ${JAVA_HOME}/bin/javac ]]; then JAVAC=$JAVA_HOME/bin/javac
else JAVAC=javac; fi
MVN=("${NEWSFLOW_MVN:-mvn}" -B -q)
if [[ -n ${NEWSFLOW_MAVEN_REPO:-} ]]; then MVN+=("-Dmaven.repo.local=$NEWSFLOW_MAVEN_REPO"); fi

KAFKA_DIR=$STATE/kafka
ES_DIR=$STATE/elasticsearch
PORTS_FILE=$STATE/ports.env

# log, die, alive, ours, port_busy, stop_one: testenv/proc.sh.
# shellcheck source=../testenv/proc.sh
source "$ROOT/testenv/proc.sh"

# load_ports sets the ports: those recorded by the last `up` while anything it started
# may still run, else the environment's, else the defaults.
load_ports() {
	KAFKA_PORT=${NEWSFLOW_TESTENV_KAFKA_PORT:-19092}
	ES_PORT=${NEWSFLOW_TESTENV_ES_PORT:-19200}
	if [[ -f $PORTS_FILE ]] && { [[ -f $KAFKA_DIR/pid ]] || [[ -f $ES_DIR/pid ]]; }; then
		# shellcheck source=/dev/null
		source "$PORTS_FILE"
	fi
	KAFKA_CONTROLLER_PORT=$((KAFKA_PORT + 1))
	ES_TRANSPORT_PORT=$((ES_PORT + 100))
	KAFKA_ADDR=$HOST:$KAFKA_PORT
	ES_URL=http://$HOST:$ES_PORT
}

# running NAME DIR MARKER: prints the PID when the recorded server runs.
running() {
	local dir=$2 marker=$3 pid
	[[ -f $dir/pid ]] || return 1
	pid=$(<"$dir/pid")
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	ours "$pid" "$marker" || return 1
	echo "$pid"
}

java_check() {
	command -v "$JAVA" >/dev/null 2>&1 || die "java not found (set NEWSFLOW_JAVA or JAVA_HOME); Java 17 or newer is needed"
	local v
	v=$("$JAVA" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/{print $2}')
	[[ ${v%%.*} -ge 17 ]] 2>/dev/null || die "$JAVA is Java $v; Kafka 4 and Elasticsearch 8 need Java 17 or newer"
}

# fetch NAME: copies the runtime jars of testenv/NAME/pom.xml into the cache once;
# prints the directory holding lib/. The directory name carries a hash of the pom, so
# a version change fetches anew and an unchanged pom downloads nothing.
fetch() {
	local name=$1 pom=$ROOT/testenv/$1/pom.xml key dir
	key=$(sha256sum "$pom" | cut -c1-16)
	dir=$CACHE/$name-$key
	if [[ -f $dir/.complete ]]; then
		echo "$dir"
		return
	fi
	command -v "${MVN[0]}" >/dev/null 2>&1 || die "mvn not found: Maven fetches the servers from Maven Central"
	log "fetching $name from Maven Central into $dir (first run only)"
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp"
	local attempt
	for attempt in 1 2; do
		if "${MVN[@]}" -f "$pom" dependency:copy-dependencies -DincludeScope=runtime \
			-DoutputDirectory="$dir.tmp/lib" >"$dir.tmp/mvn.log" 2>&1; then
			break
		fi
		if ((attempt == 2)); then
			tail -n 40 "$dir.tmp/mvn.log" >&2
			die "fetching $name failed twice (full log: $dir.tmp/mvn.log)"
		fi
		log "fetching $name failed; trying once more"
		sleep 5
	done
	touch "$dir.tmp/.complete"
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
	echo "$dir"
}

# probe_bin builds the readiness probe (internal/itest/cmd/testenvprobe) into the
# cache once per version of its source and of go.mod/go.sum.
probe_bin() {
	local key bin
	key=$(cat "$ROOT/internal/itest/cmd/testenvprobe/"*.go "$ROOT/go.mod" "$ROOT/go.sum" | sha256sum | cut -c1-16)
	bin=$CACHE/bin/testenvprobe-$key
	if [[ ! -x $bin ]]; then
		command -v go >/dev/null 2>&1 || die "go not found: the readiness probe is a Go program"
		mkdir -p "$CACHE/bin"
		(cd "$ROOT" && go build -o "$bin.tmp" ./internal/itest/cmd/testenvprobe) || die "building the readiness probe failed"
		mv "$bin.tmp" "$bin"
		# Probes of other versions go once they are a week old: checkouts of
		# other versions (branches, worktrees) may still run theirs now.
		find "$CACHE/bin" -maxdepth 1 -name 'testenvprobe-*' ! -name "${bin##*/}" -mtime +7 -delete
	fi
	echo "$bin"
}

# es_launcher ESDIR: compiles testenv/elasticsearch/src against the server jars once.
es_launcher() {
	local esdir=$1 key out srcs
	mapfile -t srcs < <(find "$ROOT/testenv/elasticsearch/src" -name '*.java' | sort)
	key=$( { basename "$esdir"; cat "${srcs[@]}"; } | sha256sum | cut -c1-16)
	out=$CACHE/es-launcher-$key
	if [[ ! -f $out/.complete ]]; then
		command -v "$JAVAC" >/dev/null 2>&1 || die "javac not found (a JDK 17+ is needed to build the Elasticsearch launcher)"
		rm -rf "$out"
		mkdir -p "$out/classes"
		"$JAVAC" -nowarn -d "$out/classes" -cp "$esdir/lib/*" "${srcs[@]}" >&2 || die "compiling the Elasticsearch launcher failed"
		touch "$out/.complete"
	fi
	echo "$out/classes"
}

render() { # render TEMPLATE OUT KEY=VALUE...
	local tmpl=$1 out=$2 kv args=()
	shift 2
	for kv in "$@"; do args+=(-e "s|@${kv%%=*}@|${kv#*=}|g"); done
	sed "${args[@]}" "$tmpl" >"$out"
}

fail_start() { # fail_start NAME LOG REASON
	log "$1 did not come up: $3"
	log "last lines of $2:"
	tail -n 60 "$2" >&2 || true
	stop_all
	exit 1
}

start_kafka() {
	local home=$1 cid
	rm -rf "$KAFKA_DIR"
	mkdir -p "$KAFKA_DIR/data" "$KAFKA_DIR/tmp"
	render "$ROOT/testenv/kafka/server.properties.in" "$KAFKA_DIR/server.properties" \
		KAFKA_PORT="$KAFKA_PORT" KAFKA_CONTROLLER_PORT="$KAFKA_CONTROLLER_PORT" KAFKA_DATA="$KAFKA_DIR/data"
	cp "$ROOT/testenv/kafka/log4j2.properties" "$KAFKA_DIR/log4j2.properties"
	if [[ ${NEWSFLOW_TESTENV_KAFKA_LOG_REQUESTS:-} == 1 ]]; then
		# Every request with its API key and version, for protocol questions (testenv/KAFKA-GO.md).
		printf 'logger.request.name = kafka.request.logger\nlogger.request.level = debug\n' >>"$KAFKA_DIR/log4j2.properties"
	fi
	local jvm=(-Djava.io.tmpdir="$KAFKA_DIR/tmp" -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.properties"
		-Djava.awt.headless=true -cp "$home/lib/*")
	# A cluster id is 16 random bytes in URL-safe base64; one starting with '-' would read as a flag.
	cid=$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
	while [[ $cid == -* ]]; do cid=$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '='); done
	if ! "$JAVA" -Xmx256m "${jvm[@]}" kafka.tools.StorageTool format -t "$cid" -c "$KAFKA_DIR/server.properties" \
		>"$KAFKA_DIR/kafka.log" 2>&1; then
		fail_start kafka "$KAFKA_DIR/kafka.log" "formatting the KRaft storage failed"
	fi
	nohup "$JAVA" -Xms"$KAFKA_HEAP" -Xmx"$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
		"${jvm[@]}" kafka.Kafka "$KAFKA_DIR/server.properties" >>"$KAFKA_DIR/kafka.log" 2>&1 </dev/null 9>&- &
	echo $! >"$KAFKA_DIR/pid"
}

start_es() {
	local home=$1 classes=$2
	rm -rf "$ES_DIR"
	mkdir -p "$ES_DIR/home/config" "$ES_DIR/data" "$ES_DIR/logs" "$ES_DIR/tmp"
	render "$ROOT/testenv/elasticsearch/elasticsearch.yml.in" "$ES_DIR/home/config/elasticsearch.yml" \
		ES_PORT="$ES_PORT" ES_TRANSPORT_PORT="$ES_TRANSPORT_PORT" ES_DATA="$ES_DIR/data" ES_LOGS="$ES_DIR/logs"
	cp "$ROOT/testenv/elasticsearch/log4j2.properties" "$ES_DIR/home/config/log4j2.properties"
	# JVM options as the distribution's jvm.options sets them, where they matter here.
	nohup "$JAVA" -Xms"$ES_HEAP" -Xmx"$ES_HEAP" -XX:+UseG1GC -XX:-OmitStackTraceInFastThrow \
		-Djava.io.tmpdir="$ES_DIR/tmp" -Dfile.encoding=UTF-8 -Djava.locale.providers=SPI,CLDR \
		-Dlog4j2.formatMsgNoLookups=true -Dlog4j.shutdownHookEnabled=false -Dio.netty.recycler.maxCapacityPerThread=0 \
		-Djava.awt.headless=true -cp "$classes:$home/lib/*" \
		org.elasticsearch.node.NewsflowTestNode "$ES_DIR/home" \
		org.elasticsearch.transport.netty4.Netty4Plugin org.elasticsearch.newsflow.RootInfoPlugin \
		org.elasticsearch.newsflow.EnglishAnalysisPlugin \
		>"$ES_DIR/elasticsearch.log" 2>&1 </dev/null 9>&- &
	echo $! >"$ES_DIR/pid"
}

# wait_ready NAME DIR MARKER PROBE-ARGS...: polls until the probe passes, the process
# dies, or the timeout ends; the last two fail loudly with the log tail.
wait_ready() {
	local name=$1 dir=$2 marker=$3 logf pid out
	shift 3
	logf=$(ls "$dir"/*.log 2>/dev/null | head -n1)
	pid=$(<"$dir/pid")
	local deadline=$((SECONDS + START_TIMEOUT))
	while :; do
		if ! ours "$pid" "$marker"; then
			# wait only reaps a process that is gone: on a live one it
			# would block for as long as the server runs.
			alive "$pid" || wait "$pid" 2>/dev/null || true
			fail_start "$name" "$logf" "the process (pid $pid) exited during startup"
		fi
		if out=$("$PROBE" "$@" 2>&1); then
			log "$out"
			return 0
		fi
		if ((SECONDS >= deadline)); then
			fail_start "$name" "$logf" "no answer within ${START_TIMEOUT}s (last probe: $out)"
		fi
		sleep 1
	done
}

stop_all() {
	redis_stop_all
	ext_call down
	stop_one elasticsearch "$ES_DIR" "$ES_DIR/home"
	stop_one kafka "$KAFKA_DIR" "$KAFKA_DIR/server.properties"
}

# Optional servers, each in a sourced file defining NAME_load_ports, NAME_up,
# NAME_down, NAME_status and NAME_env (see testenv/cluster.sh).
EXTENSIONS=(cluster secure)
for ext in "${EXTENSIONS[@]}"; do
	# shellcheck source=/dev/null
	source "$ROOT/testenv/$ext.sh"
done
ext_call() { # ext_call WHAT: NAME_WHAT of every extension
	local x
	for x in "${EXTENSIONS[@]}"; do "${x}_$1"; done
}

cmd_up() {
	java_check
	mkdir -p "$STATE" "$CACHE"
	PROBE=$(probe_bin)

	local kpid epid
	kpid=$(running kafka "$KAFKA_DIR" "$KAFKA_DIR/server.properties") || kpid=
	epid=$(running elasticsearch "$ES_DIR" "$ES_DIR/home") || epid=

	if [[ -z $kpid ]]; then
		rm -f "$KAFKA_DIR/pid"
		port_busy "$KAFKA_PORT" && die "port $KAFKA_PORT is taken by another program: set NEWSFLOW_TESTENV_KAFKA_PORT"
		port_busy "$KAFKA_CONTROLLER_PORT" && die "port $KAFKA_CONTROLLER_PORT (Kafka controller) is taken: set NEWSFLOW_TESTENV_KAFKA_PORT"
	fi
	if [[ -z $epid ]]; then
		rm -f "$ES_DIR/pid"
		port_busy "$ES_PORT" && die "port $ES_PORT is taken by another program: set NEWSFLOW_TESTENV_ES_PORT"
		port_busy "$ES_TRANSPORT_PORT" && die "port $ES_TRANSPORT_PORT (Elasticsearch transport) is taken: set NEWSFLOW_TESTENV_ES_PORT"
	fi
	redis_preflight
	printf 'KAFKA_PORT=%s\nES_PORT=%s\n' "$KAFKA_PORT" "$ES_PORT" >"$PORTS_FILE"

	# Fetch and build everything first, so a failed download leaves nothing running.
	local khome ehome classes
	if [[ -z $kpid ]]; then khome=$(fetch kafka); fi
	if [[ -z $epid ]]; then
		ehome=$(fetch elasticsearch)
		classes=$(es_launcher "$ehome")
	fi

	# Elasticsearch first: it takes longest, and starts while Kafka's storage is formatted.
	if [[ -z $epid ]]; then
		log "starting Elasticsearch on $ES_URL (log: $ES_DIR/elasticsearch.log)"
		start_es "$ehome" "$classes"
	else
		log "elasticsearch already runs (pid $epid)"
	fi
	if [[ -z $kpid ]]; then
		log "starting Kafka $(kafka_version "$khome") on $KAFKA_ADDR (log: $KAFKA_DIR/kafka.log)"
		start_kafka "$khome"
	else
		log "kafka already runs (pid $kpid)"
	fi

	wait_ready kafka "$KAFKA_DIR" "$KAFKA_DIR/server.properties" kafka "$KAFKA_ADDR"
	wait_ready elasticsearch "$ES_DIR" "$ES_DIR/home" es "$ES_URL"
	redis_up
	ext_call up
	cmd_env
}

kafka_version() {
	local j
	j=$(ls "$1"/lib/kafka_2.13-*.jar 2>/dev/null | head -n1)
	j=${j##*/kafka_2.13-}
	echo "${j%.jar}"
}

cmd_down() {
	stop_all
	rm -f "$PORTS_FILE"
	ext_call down
	# Report (never kill) anything else still running from this state directory.
	local f pid left=()
	while IFS= read -r f; do
		pid=${f#/proc/}
		pid=${pid%/cmdline}
		[[ $pid != "$$" && $pid != "$BASHPID" ]] && alive "$pid" && left+=("$pid")
	done < <(grep -lzF -- "$STATE/" /proc/[0-9]*/cmdline 2>/dev/null || true)
	if ((${#left[@]})); then
		log "still running with $STATE in their command line (not started by this up, left alone): ${left[*]}"
	fi
}

cmd_status() {
	local ok=0 pid out
	PROBE=$(probe_bin)
	if pid=$(running kafka "$KAFKA_DIR" "$KAFKA_DIR/server.properties"); then
		if out=$("$PROBE" kafka "$KAFKA_ADDR" 2>&1); then echo "kafka: running, pid $pid, $out"
		else echo "kafka: running, pid $pid, NOT answering: $out"; ok=1; fi
	else
		echo "kafka: stopped"; ok=1
	fi
	if pid=$(running elasticsearch "$ES_DIR" "$ES_DIR/home"); then
		if out=$("$PROBE" es "$ES_URL" 2>&1); then echo "elasticsearch: running, pid $pid, $out"
		else echo "elasticsearch: running, pid $pid, NOT answering: $out"; ok=1; fi
	else
		echo "elasticsearch: stopped"; ok=1
	fi
	redis_status || ok=1
	local x
	for x in "${EXTENSIONS[@]}"; do "${x}_status" || ok=1; done
	return $ok
}

cmd_env() {
	echo "NEWSFLOW_TEST_KAFKA=$KAFKA_ADDR"
	echo "NEWSFLOW_TEST_ES=$ES_URL"
	redis_env
	ext_call env
}

usage() {
	sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

main() {
	[[ $# -ge 1 ]] || usage
	local cmd=$1
	shift
	if [[ $cmd == up ]]; then
		while [[ $# -gt 0 ]]; do
			case $1 in
			--cluster) CLUSTER_WANTED=1 ;;
			--secure) SECURE_WANTED=1 ;;
			*) usage ;;
			esac
			shift
		done
	fi
	case $cmd in
	kill | pause | resume | restart | pid) [[ $# -eq 1 ]] || usage ;;
	*) [[ $# -eq 0 ]] || usage ;;
	esac
	load_ports
	ext_call load_ports
	case $cmd in
	kill | pause | resume | restart | pid)
		mkdir -p "$STATE"
		exec 9>"$STATE/.lock"
		flock -w 600 9 || die "another testenv.sh holds $STATE/.lock"
		cluster_control "$cmd" "$1"
		;;
	up | down | status)
		mkdir -p "$STATE"
		# One up/down/status at a time per state directory.
		exec 9>"$STATE/.lock"
		flock -w 600 9 || die "another testenv.sh holds $STATE/.lock"
		"cmd_$cmd"
		;;
	env) cmd_env ;;
	*) usage ;;
	esac
}

# The Redis servers (standalone, cluster, TLS): testenv/redis.sh.
# shellcheck source=../testenv/redis.sh
source "$ROOT/testenv/redis.sh"

main "$@"
