#!/usr/bin/env bash
# testenv/redis.sh: the Redis servers of the test environment, sourced by
# scripts/testenv.sh (which calls redis_preflight, redis_up, redis_stop_all,
# redis_status and redis_env), or run alone for quick work on the Redis
# dedup store without Kafka and Elasticsearch:
#
#   testenv/redis.sh up|down|status|env
#
# Three setups, all on 127.0.0.1, all from Debian's redis-server (7.0; the
# package is in scripts/deps.sh), no persistence, started on empty data:
#
#   standalone  NEWSFLOW_TESTENV_REDIS_PORT          16379
#   cluster     NEWSFLOW_TESTENV_REDIS_CLUSTER_PORT  16380  3 masters on 16380-16382, no
#               replicas, cluster bus on port+100 (16480-16482), made with
#               redis-cli --cluster create
#   TLS         NEWSFLOW_TESTENV_REDIS_TLS_PORT      16390  TLS only (no plain port),
#               client certificates required, the default user's password and an
#               ACL user "newsflow" with its own password; the CA, server and client
#               certificates are made by openssl at each start, in $STATE/redis/tls-certs
#
# `env` prints NEWSFLOW_TEST_REDIS, NEWSFLOW_TEST_REDIS_CLUSTER (comma-separated
# masters), NEWSFLOW_TEST_REDIS_TLS and NEWSFLOW_TEST_REDIS_TLS_DIR (ca.crt,
# client.crt, client.key, username, password). NEWSFLOW_TESTENV_REDIS=0 leaves
# Redis out of scripts/testenv.sh. NEWSFLOW_REDIS_SERVER, NEWSFLOW_REDIS_CLI
# name the binaries (default: from PATH).

REDIS_SERVER=${NEWSFLOW_REDIS_SERVER:-redis-server}
REDIS_CLI=${NEWSFLOW_REDIS_CLI:-redis-cli}
REDIS_ENABLED=${NEWSFLOW_TESTENV_REDIS:-1}

# The settings and helpers (testenv/proc.sh) of scripts/testenv.sh, for when
# this file runs alone.
if ! declare -F log >/dev/null; then
	set -euo pipefail
	HOST=127.0.0.1
	STATE=${NEWSFLOW_TESTENV_DIR:-/tmp/newsflow-testenv}
	START_TIMEOUT=${NEWSFLOW_TESTENV_START_TIMEOUT:-180}
	STOP_TIMEOUT=${NEWSFLOW_TESTENV_STOP_TIMEOUT:-30}
	# shellcheck source=proc.sh
	source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/proc.sh"
	REDIS_ALONE=1
fi

REDIS_DIR=$STATE/redis

# redis_load_ports sets the ports: those recorded by the last up while a server
# it started may run, else the environment's, else the defaults.
redis_load_ports() {
	REDIS_PORT=${NEWSFLOW_TESTENV_REDIS_PORT:-16379}
	REDIS_CLUSTER_PORT=${NEWSFLOW_TESTENV_REDIS_CLUSTER_PORT:-16380}
	REDIS_TLS_PORT=${NEWSFLOW_TESTENV_REDIS_TLS_PORT:-16390}
	if [[ -f $REDIS_DIR/ports.env ]] && compgen -G "$REDIS_DIR/*/pid" >/dev/null; then
		# shellcheck source=/dev/null
		source "$REDIS_DIR/ports.env"
	fi
	REDIS_CLUSTER_PORTS=("$REDIS_CLUSTER_PORT" $((REDIS_CLUSTER_PORT + 1)) $((REDIS_CLUSTER_PORT + 2)))
	REDIS_TLS_DIR=$REDIS_DIR/tls-certs
}

# The instances: name, port, and the extra configuration of each.
redis_instances() {
	echo "standalone $REDIS_PORT"
	local i
	for i in 0 1 2; do echo "cluster-$i ${REDIS_CLUSTER_PORTS[$i]}"; done
	echo "tls $REDIS_TLS_PORT"
}

# redis_pid NAME: prints the PID when the instance that up started runs.
redis_pid() {
	local dir=$REDIS_DIR/$1 pid
	[[ -f $dir/pid ]] || return 1
	pid=$(<"$dir/pid")
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	ours "$pid" "$dir/redis.conf" || return 1
	echo "$pid"
}

# redis_cli NAME PORT ARGS...: redis-cli against one instance (TLS and auth for tls).
redis_cli() {
	local name=$1 port=$2
	shift 2
	if [[ $name == tls ]]; then
		REDISCLI_AUTH=$(<"$REDIS_TLS_DIR/password") "$REDIS_CLI" -h "$HOST" -p "$port" --user newsflow \
			--tls --cacert "$REDIS_TLS_DIR/ca.crt" --cert "$REDIS_TLS_DIR/client.crt" --key "$REDIS_TLS_DIR/client.key" \
			--no-auth-warning "$@"
	else
		"$REDIS_CLI" -h "$HOST" -p "$port" "$@"
	fi
}

redis_preflight() {
	[[ $REDIS_ENABLED == 1 ]] || return 0
	command -v "$REDIS_SERVER" >/dev/null 2>&1 || die "redis-server not found: run scripts/deps.sh (Debian package redis-server), or set NEWSFLOW_TESTENV_REDIS=0"
	command -v "$REDIS_CLI" >/dev/null 2>&1 || die "redis-cli not found: run scripts/deps.sh (Debian package redis-tools)"
	command -v openssl >/dev/null 2>&1 || die "openssl not found: it makes the TLS server's certificates"
	local name port bus
	while read -r name port; do
		redis_pid "$name" >/dev/null && continue
		port_busy "$port" && die "port $port (redis $name) is taken by another program: set NEWSFLOW_TESTENV_REDIS_PORT, _CLUSTER_PORT or _TLS_PORT"
		if [[ $name == cluster-* ]]; then
			bus=$((port + 100))
			port_busy "$bus" && die "port $bus (cluster bus of redis $name) is taken: set NEWSFLOW_TESTENV_REDIS_CLUSTER_PORT"
		fi
	done < <(redis_instances)
	return 0
}

# redis_certs DIR: a CA, a server certificate for 127.0.0.1/localhost and a client
# certificate, all signed by the CA; the passwords of the default and newsflow users.
redis_certs() {
	local d=$1
	rm -rf "$d"
	mkdir -p "$d"
	(
		cd "$d"
		openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=newsflow testenv CA" \
			-keyout ca.key -out ca.crt
		openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr
		printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >server.ext
		openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -extfile server.ext -out server.crt
		openssl req -newkey rsa:2048 -nodes -subj "/CN=newsflow" -keyout client.key -out client.csr
		printf 'extendedKeyUsage=clientAuth\n' >client.ext
		openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -extfile client.ext -out client.crt
		rm -f ./*.csr ./*.ext ca.srl
		head -c 18 /dev/urandom | base64 | tr '+/' '-_' >password
		head -c 18 /dev/urandom | base64 | tr '+/' '-_' >default-password
		echo newsflow >username
		chmod 600 ./*.key password default-password
	) >"$REDIS_DIR/openssl.log" 2>&1 || { cat "$REDIS_DIR/openssl.log" >&2; die "making the Redis TLS certificates failed"; }
}

# redis_start NAME PORT: writes the instance's configuration and starts it.
redis_start() {
	local name=$1 port=$2 dir=$REDIS_DIR/$1
	rm -rf "$dir"
	mkdir -p "$dir/data"
	{
		echo "bind $HOST"
		echo "protected-mode yes"
		echo "dir $dir/data"
		echo "save \"\""
		echo "appendonly no"
		echo "daemonize no"
		echo "set-proc-title no" # keeps the configuration path in the command line: ours() checks it
		echo "loglevel notice"
		echo "databases 16"
		echo "maxmemory-policy noeviction"
		case $name in
		cluster-*)
			echo "port $port"
			echo "cluster-enabled yes"
			echo "cluster-port $((port + 100))"
			echo "cluster-config-file $dir/data/nodes.conf"
			echo "cluster-node-timeout 5000"
			;;
		tls)
			echo "port 0"
			echo "tls-port $port"
			echo "tls-cert-file $REDIS_TLS_DIR/server.crt"
			echo "tls-key-file $REDIS_TLS_DIR/server.key"
			echo "tls-ca-cert-file $REDIS_TLS_DIR/ca.crt"
			echo "tls-auth-clients yes"
			echo "requirepass $(<"$REDIS_TLS_DIR/default-password")"
			echo "user newsflow on >$(<"$REDIS_TLS_DIR/password") ~* &* +@all"
			;;
		*)
			echo "port $port"
			;;
		esac
	} >"$dir/redis.conf"
	chmod 600 "$dir/redis.conf"
	nohup "$REDIS_SERVER" "$dir/redis.conf" >"$dir/redis.log" 2>&1 </dev/null 9>&- &
	echo $! >"$dir/pid"
}

# redis_wait NAME PORT: polls PING until it answers PONG, the process dies, or the timeout ends.
redis_wait() {
	local name=$1 port=$2 dir=$REDIS_DIR/$1 pid out
	pid=$(<"$dir/pid")
	local deadline=$((SECONDS + START_TIMEOUT))
	while :; do
		if ! ours "$pid" "$dir/redis.conf"; then
			alive "$pid" || wait "$pid" 2>/dev/null || true
			redis_fail "$name" "the process (pid $pid) exited during startup"
		fi
		out=$(redis_cli "$name" "$port" ping 2>&1) && [[ $out == PONG ]] && return 0
		((SECONDS >= deadline)) && redis_fail "$name" "no PONG within ${START_TIMEOUT}s (last answer: $out)"
		sleep 0.2
	done
}

redis_fail() { # redis_fail NAME REASON
	log "redis $1 did not come up: $2"
	log "last lines of $REDIS_DIR/$1/redis.log:"
	tail -n 40 "$REDIS_DIR/$1/redis.log" >&2 || true
	if [[ -n ${REDIS_ALONE:-} ]]; then redis_stop_all; else stop_all; fi
	exit 1
}

# redis_cluster_ok: every master answers cluster_state:ok and knows 3 masters.
redis_cluster_ok() {
	local port info
	for port in "${REDIS_CLUSTER_PORTS[@]}"; do
		info=$("$REDIS_CLI" -h "$HOST" -p "$port" cluster info 2>/dev/null) || return 1
		[[ $info == *cluster_state:ok* && $info == *cluster_known_nodes:3* && $info == *cluster_slots_assigned:16384* ]] || return 1
	done
}

redis_up() {
	[[ $REDIS_ENABLED == 1 ]] || return 0
	mkdir -p "$REDIS_DIR"
	printf 'REDIS_PORT=%s\nREDIS_CLUSTER_PORT=%s\nREDIS_TLS_PORT=%s\n' "$REDIS_PORT" "$REDIS_CLUSTER_PORT" "$REDIS_TLS_PORT" >"$REDIS_DIR/ports.env"
	local name port pid started=() cluster_new=0
	if ! redis_pid tls >/dev/null; then redis_certs "$REDIS_TLS_DIR"; fi
	while read -r name port; do
		if pid=$(redis_pid "$name"); then
			log "redis $name already runs (pid $pid)"
			continue
		fi
		[[ $name == cluster-* ]] && cluster_new=1
		redis_start "$name" "$port"
		started+=("$name:$port")
	done < <(redis_instances)
	if ((${#started[@]})); then
		log "starting $("$REDIS_SERVER" --version | awk '{print $1, $3}') (${started[*]}; logs: $REDIS_DIR/*/redis.log)"
	fi
	local entry
	for entry in "${started[@]}"; do redis_wait "${entry%%:*}" "${entry#*:}"; done
	if ((cluster_new)); then
		# A partly restarted cluster cannot be re-joined: make all three anew.
		for name in cluster-0 cluster-1 cluster-2; do
			[[ " ${started[*]} " == *" $name:"* ]] && continue
			redis_stop_one "$name"
			port=${REDIS_CLUSTER_PORTS[${name#cluster-}]}
			redis_start "$name" "$port"
			redis_wait "$name" "$port"
		done
		local addrs=()
		for port in "${REDIS_CLUSTER_PORTS[@]}"; do addrs+=("$HOST:$port"); done
		"$REDIS_CLI" --cluster create "${addrs[@]}" --cluster-replicas 0 --cluster-yes >"$REDIS_DIR/cluster-create.log" 2>&1 ||
			{ cat "$REDIS_DIR/cluster-create.log" >&2; redis_fail cluster-0 "redis-cli --cluster create failed"; }
	fi
	local deadline=$((SECONDS + START_TIMEOUT))
	until redis_cluster_ok; do
		((SECONDS >= deadline)) && redis_fail cluster-0 "the cluster is not ok within ${START_TIMEOUT}s"
		sleep 0.2
	done
	log "redis up: standalone $HOST:$REDIS_PORT, cluster $HOST:${REDIS_CLUSTER_PORTS[0]}-${REDIS_CLUSTER_PORTS[2]} (state ok), TLS $HOST:$REDIS_TLS_PORT"
}

# redis_stop_one NAME: stop_one of scripts/testenv.sh (SIGTERM by the
# recorded PID, wait, then SIGKILL), the instance's redis.conf its marker.
redis_stop_one() {
	stop_one "redis $1" "$REDIS_DIR/$1" "$REDIS_DIR/$1/redis.conf"
}

redis_stop_all() {
	local name port
	while read -r name port; do redis_stop_one "$name"; done < <(redis_instances)
	rm -f "$REDIS_DIR/ports.env"
}

# redis_status: prints one line per instance; returns 1 unless all answer.
redis_status() {
	[[ $REDIS_ENABLED == 1 ]] || return 0
	local name port pid out ok=0
	while read -r name port; do
		if pid=$(redis_pid "$name"); then
			if out=$(redis_cli "$name" "$port" ping 2>&1) && [[ $out == PONG ]]; then
				echo "redis $name: running, pid $pid, $HOST:$port answers PONG"
			else
				echo "redis $name: running, pid $pid, NOT answering: $out"
				ok=1
			fi
		else
			echo "redis $name: stopped"
			ok=1
		fi
	done < <(redis_instances)
	if ((ok == 0)); then
		if redis_cluster_ok; then echo "redis cluster: state ok, 3 masters"; else echo "redis cluster: state NOT ok"; ok=1; fi
	fi
	return $ok
}

redis_env() {
	[[ $REDIS_ENABLED == 1 ]] || return 0
	echo "NEWSFLOW_TEST_REDIS=$HOST:$REDIS_PORT"
	echo "NEWSFLOW_TEST_REDIS_CLUSTER=$HOST:${REDIS_CLUSTER_PORTS[0]},$HOST:${REDIS_CLUSTER_PORTS[1]},$HOST:${REDIS_CLUSTER_PORTS[2]}"
	echo "NEWSFLOW_TEST_REDIS_TLS=$HOST:$REDIS_TLS_PORT"
	echo "NEWSFLOW_TEST_REDIS_TLS_DIR=$REDIS_TLS_DIR"
}

redis_load_ports

if [[ -n ${REDIS_ALONE:-} && ${BASH_SOURCE[0]} == "$0" ]]; then
	[[ $# -eq 1 ]] || { sed -n '5,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
	case $1 in
	up | down | status)
		mkdir -p "$STATE"
		exec 9>"$STATE/.lock"
		flock -w 600 9 || die "another testenv holds $STATE/.lock"
		case $1 in
		up) REDIS_ENABLED=1; redis_preflight; redis_up; redis_env ;;
		down) redis_stop_all ;;
		status) redis_status ;;
		esac
		;;
	env) redis_env ;;
	*) sed -n '5,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
	esac
fi
