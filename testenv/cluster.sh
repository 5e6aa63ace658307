# shellcheck shell=bash
# testenv/cluster.sh: the cluster mode of scripts/testenv.sh (sourced by it; it
# uses that script's helpers: log, die, ours, running, port_busy, fetch,
# es_launcher, render, probe_bin).
#
#   scripts/testenv.sh up --cluster        also start 3 Kafka brokers (KRaft, each broker and
#                                          controller, replication factor 3, min.insync.replicas 2)
#                                          and an Elasticsearch cluster of 3 nodes (replicas 1)
#   scripts/testenv.sh pid NODE            print the PID of kafka-1..3 or es-1..3
#   scripts/testenv.sh kill NODE           SIGKILL it (its data stays for a restart)
#   scripts/testenv.sh pause NODE          SIGSTOP it;  resume NODE: SIGCONT
#   scripts/testenv.sh restart NODE        start it again on its data (after a kill, or stopping it
#                                          first with SIGTERM), and wait until it answers
#
# The cluster runs beside the single-node servers, in $NEWSFLOW_TESTENV_DIR/cluster, and
# `down` stops it too. `env` adds NEWSFLOW_TEST_KAFKA_CLUSTER=host:port,host:port,host:port and
# NEWSFLOW_TEST_ES_CLUSTER=http://host:port,... while it runs. Kafka broker kafka-N has
# node.id N; Elasticsearch node es-N has node.name es-N.
#
# Settings (environment):
#   NEWSFLOW_TESTENV_CLUSTER=1                  same as `up --cluster`
#   NEWSFLOW_TESTENV_CLUSTER_KAFKA_PORT  19491  brokers on PORT, PORT+1, PORT+2; controllers PORT+10..12
#   NEWSFLOW_TESTENV_CLUSTER_ES_PORT     19291  HTTP on PORT..PORT+N-1; transport on HTTP port + 100
#   NEWSFLOW_TESTENV_CLUSTER_ES_NODES    3      Elasticsearch nodes (2 or 3; with 2, losing the
#                                               elected master's voting node stops the cluster)
#   NEWSFLOW_TESTENV_CLUSTER_KAFKA_HEAP  384m
#   NEWSFLOW_TESTENV_CLUSTER_ES_HEAP     512m

CLUSTER_DIR=$STATE/cluster
CLUSTER_PORTS_FILE=$CLUSTER_DIR/ports.env
CLUSTER_KAFKA_NODES=3
CLUSTER_KAFKA_HEAP=${NEWSFLOW_TESTENV_CLUSTER_KAFKA_HEAP:-384m}
CLUSTER_ES_HEAP=${NEWSFLOW_TESTENV_CLUSTER_ES_HEAP:-512m}
CLUSTER_WANTED=${NEWSFLOW_TESTENV_CLUSTER:-}

cluster_load_ports() {
	CLUSTER_KAFKA_PORT=${NEWSFLOW_TESTENV_CLUSTER_KAFKA_PORT:-19491}
	CLUSTER_ES_PORT=${NEWSFLOW_TESTENV_CLUSTER_ES_PORT:-19291}
	CLUSTER_ES_NODES=${NEWSFLOW_TESTENV_CLUSTER_ES_NODES:-3}
	if [[ -f $CLUSTER_PORTS_FILE ]] && compgen -G "$CLUSTER_DIR/*/pid" >/dev/null; then
		# shellcheck source=/dev/null
		source "$CLUSTER_PORTS_FILE"
	fi
	[[ $CLUSTER_ES_NODES =~ ^[23]$ ]] || die "NEWSFLOW_TESTENV_CLUSTER_ES_NODES=$CLUSTER_ES_NODES: want 2 or 3"
}

cluster_kafka_port() { echo $((CLUSTER_KAFKA_PORT + $1 - 1)); }
cluster_controller_port() { echo $((CLUSTER_KAFKA_PORT + 10 + $1 - 1)); }
cluster_es_port() { echo $((CLUSTER_ES_PORT + $1 - 1)); }
cluster_es_transport_port() { echo $((CLUSTER_ES_PORT + 100 + $1 - 1)); }

cluster_kafka_addrs() {
	local i out=()
	for ((i = 1; i <= CLUSTER_KAFKA_NODES; i++)); do out+=("$HOST:$(cluster_kafka_port "$i")"); done
	(IFS=,; echo "${out[*]}")
}

cluster_es_urls() {
	local i out=()
	for ((i = 1; i <= CLUSTER_ES_NODES; i++)); do out+=("http://$HOST:$(cluster_es_port "$i")"); done
	(IFS=,; echo "${out[*]}")
}

# cluster_node NODE: sets NODE_KIND (kafka|es), NODE_INDEX, NODE_DIR, NODE_MARKER, or dies.
cluster_node() {
	local n=$1
	case $n in
	kafka-[1-3]) NODE_KIND=kafka; NODE_INDEX=${n#kafka-}; NODE_MARKER=$CLUSTER_DIR/$n/server.properties ;;
	es-[1-3])
		NODE_KIND=es; NODE_INDEX=${n#es-}; NODE_MARKER=$CLUSTER_DIR/$n/home
		((NODE_INDEX <= CLUSTER_ES_NODES)) || die "$n: the cluster has $CLUSTER_ES_NODES Elasticsearch nodes"
		;;
	*) die "unknown node $n: want kafka-1..3 or es-1..$CLUSTER_ES_NODES" ;;
	esac
	NODE_DIR=$CLUSTER_DIR/$n
}

cluster_nodes() {
	local i
	for ((i = 1; i <= CLUSTER_KAFKA_NODES; i++)); do echo "kafka-$i"; done
	for ((i = 1; i <= CLUSTER_ES_NODES; i++)); do echo "es-$i"; done
}

# cluster_start_node NODE FRESH: starts one node; FRESH=1 wipes and formats its data first.
cluster_start_node() {
	local name=$1 fresh=$2
	cluster_node "$name"
	if [[ $NODE_KIND == kafka ]]; then
		cluster_start_kafka "$NODE_INDEX" "$fresh"
	else
		cluster_start_es "$NODE_INDEX" "$fresh"
	fi
}

cluster_start_kafka() {
	local i=$1 fresh=$2 dir=$CLUSTER_DIR/kafka-$1 home voters="" j
	home=$(fetch kafka)
	if [[ $fresh == 1 ]]; then
		rm -rf "$dir"
		mkdir -p "$dir/data" "$dir/tmp"
		for ((j = 1; j <= CLUSTER_KAFKA_NODES; j++)); do
			voters+="${voters:+,}$j@$HOST:$(cluster_controller_port "$j")"
		done
		render "$ROOT/testenv/kafka/cluster.properties.in" "$dir/server.properties" \
			NODE_ID="$i" VOTERS="$voters" BROKER_PORT="$(cluster_kafka_port "$i")" \
			CONTROLLER_PORT="$(cluster_controller_port "$i")" DATA="$dir/data"
		cp "$ROOT/testenv/kafka/log4j2.properties" "$dir/log4j2.properties"
	fi
	local jvm=(-Djava.io.tmpdir="$dir/tmp" -Dlog4j2.configurationFile="$dir/log4j2.properties"
		-Djava.awt.headless=true -cp "$home/lib/*")
	if [[ $fresh == 1 ]]; then
		if ! "$JAVA" -Xmx256m "${jvm[@]}" kafka.tools.StorageTool format -t "$(<"$CLUSTER_DIR/cluster.id")" \
			-c "$dir/server.properties" >"$dir/kafka.log" 2>&1; then
			cluster_fail "kafka-$i" "$dir/kafka.log" "formatting the KRaft storage failed"
		fi
	fi
	nohup "$JAVA" -Xms"$CLUSTER_KAFKA_HEAP" -Xmx"$CLUSTER_KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
		"${jvm[@]}" kafka.Kafka "$dir/server.properties" >>"$dir/kafka.log" 2>&1 </dev/null 9>&- &
	echo $! >"$dir/pid"
}

cluster_start_es() {
	local i=$1 fresh=$2 dir=$CLUSTER_DIR/es-$1 home classes seeds="" masters="" j
	home=$(fetch elasticsearch)
	classes=$(es_launcher "$home")
	if [[ $fresh == 1 ]]; then
		rm -rf "$dir"
		mkdir -p "$dir/home/config" "$dir/data" "$dir/logs" "$dir/tmp"
		for ((j = 1; j <= CLUSTER_ES_NODES; j++)); do
			seeds+="${seeds:+, }\"$HOST:$(cluster_es_transport_port "$j")\""
			masters+="${masters:+, }\"es-$j\""
		done
		render "$ROOT/testenv/elasticsearch/cluster.yml.in" "$dir/home/config/elasticsearch.yml" \
			NODE_NAME="es-$i" ES_PORT="$(cluster_es_port "$i")" ES_TRANSPORT_PORT="$(cluster_es_transport_port "$i")" \
			ES_DATA="$dir/data" ES_LOGS="$dir/logs" SEED_HOSTS="$seeds" MASTER_NODES="$masters"
		cp "$ROOT/testenv/elasticsearch/log4j2.properties" "$dir/home/config/log4j2.properties"
	fi
	# The JVM options of start_es in scripts/testenv.sh.
	nohup "$JAVA" -Xms"$CLUSTER_ES_HEAP" -Xmx"$CLUSTER_ES_HEAP" -XX:+UseG1GC -XX:-OmitStackTraceInFastThrow \
		-Djava.io.tmpdir="$dir/tmp" -Dfile.encoding=UTF-8 -Djava.locale.providers=SPI,CLDR \
		-Dlog4j2.formatMsgNoLookups=true -Dlog4j.shutdownHookEnabled=false -Dio.netty.recycler.maxCapacityPerThread=0 \
		-Djava.awt.headless=true -cp "$classes:$home/lib/*" \
		org.elasticsearch.node.NewsflowTestNode "$dir/home" \
		org.elasticsearch.transport.netty4.Netty4Plugin org.elasticsearch.newsflow.RootInfoPlugin \
		org.elasticsearch.newsflow.EnglishAnalysisPlugin \
		>>"$dir/elasticsearch.log" 2>&1 </dev/null 9>&- &
	echo $! >"$dir/pid"
}

cluster_fail() { # cluster_fail NAME LOG REASON
	log "$1 did not come up: $3"
	log "last lines of $2:"
	tail -n 60 "$2" >&2 || true
	[[ -n ${CLUSTER_KEEP_ON_FAIL:-} ]] || stop_all
	exit 1
}

# cluster_wait WHAT PROBE-ARGS...: polls the probe until it passes; every cluster
# process must stay alive meanwhile.
cluster_wait() {
	local what=$1 out n deadline=$((SECONDS + START_TIMEOUT))
	shift
	while :; do
		while IFS= read -r n; do
			cluster_node "$n"
			[[ -f $NODE_DIR/pid ]] || continue
			if ! ours "$(<"$NODE_DIR/pid")" "$NODE_MARKER"; then
				cluster_fail "$n" "$(ls "$NODE_DIR"/*.log | head -n1)" "the process exited"
			fi
		done < <(cluster_nodes)
		if out=$("$PROBE" "$@" 2>&1); then
			log "$out"
			return 0
		fi
		if ((SECONDS >= deadline)); then
			log "$what: no answer within ${START_TIMEOUT}s (last probe: $out)"
			[[ -n ${CLUSTER_KEEP_ON_FAIL:-} ]] || stop_all
			exit 1
		fi
		sleep 1
	done
}

cluster_running_all() {
	local n
	while IFS= read -r n; do
		cluster_node "$n"
		running "$n" "$NODE_DIR" "$NODE_MARKER" >/dev/null || return 1
	done < <(cluster_nodes)
}

cluster_up() {
	[[ -n $CLUSTER_WANTED ]] || return 0
	if cluster_running_all; then
		log "cluster already runs"
	else
		cluster_stop_all
		local i p
		for ((i = 1; i <= CLUSTER_KAFKA_NODES; i++)); do
			for p in "$(cluster_kafka_port "$i")" "$(cluster_controller_port "$i")"; do
				port_busy "$p" && die "port $p (Kafka cluster) is taken: set NEWSFLOW_TESTENV_CLUSTER_KAFKA_PORT"
			done
		done
		for ((i = 1; i <= CLUSTER_ES_NODES; i++)); do
			for p in "$(cluster_es_port "$i")" "$(cluster_es_transport_port "$i")"; do
				port_busy "$p" && die "port $p (Elasticsearch cluster) is taken: set NEWSFLOW_TESTENV_CLUSTER_ES_PORT"
			done
		done
		rm -rf "$CLUSTER_DIR"
		mkdir -p "$CLUSTER_DIR"
		printf 'CLUSTER_KAFKA_PORT=%s\nCLUSTER_ES_PORT=%s\nCLUSTER_ES_NODES=%s\n' \
			"$CLUSTER_KAFKA_PORT" "$CLUSTER_ES_PORT" "$CLUSTER_ES_NODES" >"$CLUSTER_PORTS_FILE"
		fetch kafka >/dev/null
		es_launcher "$(fetch elasticsearch)" >/dev/null
		local cid
		cid=$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
		while [[ $cid == -* ]]; do cid=$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '='); done
		echo "$cid" >"$CLUSTER_DIR/cluster.id"
		log "starting the Elasticsearch cluster on $(cluster_es_urls) (logs: $CLUSTER_DIR/es-*/elasticsearch.log)"
		for ((i = 1; i <= CLUSTER_ES_NODES; i++)); do cluster_start_es "$i" 1; done
		log "starting the Kafka cluster on $(cluster_kafka_addrs) (logs: $CLUSTER_DIR/kafka-*/kafka.log)"
		for ((i = 1; i <= CLUSTER_KAFKA_NODES; i++)); do cluster_start_kafka "$i" 1; done
	fi
	cluster_wait "kafka cluster" kafka-cluster "$(cluster_kafka_addrs)" "$CLUSTER_KAFKA_NODES"
	cluster_wait "elasticsearch cluster" es-cluster "$(cluster_es_urls)" "$CLUSTER_ES_NODES"
}

cluster_stop_all() {
	local n
	[[ -d $CLUSTER_DIR ]] || return 0
	while IFS= read -r n; do
		cluster_node "$n"
		# A paused node cannot handle SIGTERM: let it run first.
		if [[ -f $NODE_DIR/pid ]] && ours "$(<"$NODE_DIR/pid")" "$NODE_MARKER"; then
			kill -CONT "$(<"$NODE_DIR/pid")" 2>/dev/null || true
		fi
	done < <(cluster_nodes)
	# SIGTERM to every node at once, then stop_one waits for each (and SIGKILLs a
	# node still running after the stop timeout): the nodes shut down side by side.
	while IFS= read -r n; do
		cluster_node "$n"
		if [[ -f $NODE_DIR/pid ]] && ours "$(<"$NODE_DIR/pid")" "$NODE_MARKER"; then
			kill -TERM "$(<"$NODE_DIR/pid")" 2>/dev/null || true
		fi
	done < <(cluster_nodes)
	while IFS= read -r n; do
		cluster_node "$n"
		stop_one "$n" "$NODE_DIR" "$NODE_MARKER"
	done < <(cluster_nodes)
}

cluster_down() {
	cluster_stop_all
	rm -f "$CLUSTER_PORTS_FILE"
}

cluster_status() { # prints lines; returns 1 when the cluster runs but does not answer
	[[ -f $CLUSTER_PORTS_FILE ]] || return 0
	local n pid ok=0 out
	while IFS= read -r n; do
		cluster_node "$n"
		if pid=$(running "$n" "$NODE_DIR" "$NODE_MARKER"); then
			local st
			st=$(awk '{print $3}' "/proc/$pid/stat")
			if [[ $st == T ]]; then echo "$n: paused (SIGSTOP), pid $pid"; else echo "$n: running, pid $pid"; fi
		else
			echo "$n: stopped"
			ok=1
		fi
	done < <(cluster_nodes)
	if out=$("$PROBE" kafka-cluster "$(cluster_kafka_addrs)" "$CLUSTER_KAFKA_NODES" 2>&1); then echo "kafka cluster: $out"
	else echo "kafka cluster: NOT answering: $out"; ok=1; fi
	if out=$("$PROBE" es-cluster "$(cluster_es_urls)" "$CLUSTER_ES_NODES" 2>&1); then echo "elasticsearch cluster: $out"
	else echo "elasticsearch cluster: NOT answering: $out"; ok=1; fi
	return $ok
}

cluster_env() {
	[[ -f $CLUSTER_PORTS_FILE ]] || return 0
	echo "NEWSFLOW_TEST_KAFKA_CLUSTER=$(cluster_kafka_addrs)"
	echo "NEWSFLOW_TEST_ES_CLUSTER=$(cluster_es_urls)"
	echo "NEWSFLOW_TEST_CLUSTER_CONTROL=$ROOT/scripts/testenv.sh"
	echo "NEWSFLOW_TESTENV_DIR=$STATE"
}

# cluster_control ACTION NODE: pid, kill, pause, resume, restart.
cluster_control() {
	local action=$1 name=$2 pid=""
	[[ -f $CLUSTER_PORTS_FILE ]] || die "the cluster is not up: scripts/testenv.sh up --cluster"
	cluster_node "$name"
	if [[ -f $NODE_DIR/pid ]]; then
		pid=$(<"$NODE_DIR/pid")
		ours "$pid" "$NODE_MARKER" || pid=""
	fi
	case $action in
	pid)
		[[ -n $pid ]] || die "$name is not running"
		echo "$pid"
		;;
	kill)
		[[ -n $pid ]] || die "$name is not running"
		kill -KILL "$pid"
		local i
		for ((i = 0; i < 100; i++)); do alive "$pid" || break; sleep 0.1; done
		alive "$pid" && die "$name (pid $pid) survived SIGKILL"
		log "$name (pid $pid) killed with SIGKILL"
		;;
	pause)
		[[ -n $pid ]] || die "$name is not running"
		kill -STOP "$pid"
		log "$name (pid $pid) paused with SIGSTOP"
		;;
	resume)
		[[ -n $pid ]] || die "$name is not running"
		kill -CONT "$pid"
		log "$name (pid $pid) resumed with SIGCONT"
		;;
	restart)
		if [[ -n $pid ]]; then
			kill -CONT "$pid" 2>/dev/null || true
			stop_one "$name" "$NODE_DIR" "$NODE_MARKER"
		fi
		rm -f "$NODE_DIR/pid"
		PROBE=$(probe_bin)
		# A node that does not come back is reported; the rest of the environment stays up.
		CLUSTER_KEEP_ON_FAIL=1
		cluster_start_node "$name" 0
		log "$name restarted on its data (pid $(<"$NODE_DIR/pid"))"
		if [[ $NODE_KIND == kafka ]]; then
			cluster_wait "$name" kafka-node "$HOST:$(cluster_kafka_port "$NODE_INDEX")" "$NODE_INDEX"
		else
			cluster_wait "$name" es-cluster "http://$HOST:$(cluster_es_port "$NODE_INDEX")" "$CLUSTER_ES_NODES"
		fi
		;;
	*) die "unknown action $action" ;;
	esac
}
