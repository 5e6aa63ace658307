#!/usr/bin/env bash
# testenv/proc.sh: the process helpers of the test environment's scripts,
# sourced by scripts/testenv.sh and by testenv/redis.sh when it runs alone.
# They read HOST (port_busy) and STOP_TIMEOUT (stop_one) at call time.

log() { printf 'testenv [%3ds]: %s\n' "$SECONDS" "$*" >&2; }
die() { log "$*"; exit 1; }

# alive PID: the process exists and is not a zombie.
alive() {
	local pid=$1 state
	[[ -r /proc/$pid/stat ]] || return 1
	state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
	[[ -n $state && $state != Z ]]
}

# ours PID MARKER: PID is alive and its command line holds MARKER (a path under
# $STATE), so a recycled PID is never signalled.
ours() {
	local pid=$1 marker=$2 cmd
	alive "$pid" || return 1
	# Read the command line whole, then match: "tr | grep -q" under
	# pipefail fails when grep exits before tr has written everything
	# (SIGPIPE), which once made a running Kafka look gone.
	cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
	[[ $cmd == *"$marker"* ]]
}

port_busy() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# stop NAME DIR MARKER: SIGTERM by the recorded PID, wait, then SIGKILL.
stop_one() {
	local name=$1 dir=$2 marker=$3 pid i
	[[ -f $dir/pid ]] || return 0
	pid=$(<"$dir/pid")
	if [[ $pid =~ ^[0-9]+$ ]] && ours "$pid" "$marker"; then
		log "stopping $name (pid $pid)"
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
			ours "$pid" "$marker" || break
			sleep 0.1
		done
		if ours "$pid" "$marker"; then
			log "$name (pid $pid) still runs after ${STOP_TIMEOUT}s: SIGKILL"
			kill -KILL "$pid" 2>/dev/null || true
			for ((i = 0; i < 100; i++)); do
				alive "$pid" || break
				sleep 0.1
			done
		fi
		alive "$pid" || wait "$pid" 2>/dev/null || true
		if alive "$pid"; then
			die "$name (pid $pid) survived SIGKILL"
		fi
	fi
	rm -f "$dir/pid"
}
