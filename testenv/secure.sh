# shellcheck shell=bash
# testenv/secure.sh: the secured Kafka broker of scripts/testenv.sh (sourced by it).
#
#   scripts/testenv.sh up --secure   also start one KRaft broker with two client listeners:
#                                    SASL_SSL (SCRAM-SHA-512 and SCRAM-SHA-256) and SSL with a
#                                    client certificate required (mutual TLS)
#
# At every fresh start the script makes a CA, a broker certificate for 127.0.0.1 and
# localhost and a client certificate (openssl; the broker's PKCS#12 keystore too), and a
# random password for the SCRAM user `newsflow`, created when the storage is formatted
# (kafka.tools.StorageTool format --add-scram). All of it lives in
# $NEWSFLOW_TESTENV_DIR/secure/tls (private keys and the password file mode 0600).
# `env` adds, while the broker runs:
#   NEWSFLOW_TEST_KAFKA_SASL=127.0.0.1:PORT          SASL_SSL listener
#   NEWSFLOW_TEST_KAFKA_MTLS=127.0.0.1:PORT+1        SSL listener, client certificate required
#   NEWSFLOW_TEST_KAFKA_CA_FILE, NEWSFLOW_TEST_KAFKA_CERT_FILE, NEWSFLOW_TEST_KAFKA_KEY_FILE
#   NEWSFLOW_TEST_KAFKA_USERNAME=newsflow, NEWSFLOW_TEST_KAFKA_PASSWORD_FILE
#
# Settings (environment):
#   NEWSFLOW_TESTENV_SECURE=1                   same as `up --secure`
#   NEWSFLOW_TESTENV_SECURE_KAFKA_PORT   19591  SASL_SSL; SSL on PORT+1, controller on PORT+2
#   NEWSFLOW_TESTENV_SECURE_KAFKA_HEAP   384m

SECURE_DIR=$STATE/secure
SECURE_TLS=$SECURE_DIR/tls
SECURE_PORTS_FILE=$SECURE_DIR/ports.env
SECURE_MARKER=$SECURE_DIR/server.properties
SECURE_HEAP=${NEWSFLOW_TESTENV_SECURE_KAFKA_HEAP:-384m}
SECURE_WANTED=${NEWSFLOW_TESTENV_SECURE:-}
SECURE_USER=newsflow

secure_load_ports() {
	SECURE_PORT=${NEWSFLOW_TESTENV_SECURE_KAFKA_PORT:-19591}
	if [[ -f $SECURE_PORTS_FILE && -f $SECURE_DIR/pid ]]; then
		# shellcheck source=/dev/null
		source "$SECURE_PORTS_FILE"
	fi
}

# secure_certs: a CA, the broker's certificate and keystore, a client certificate.
secure_certs() {
	local d=$SECURE_TLS ext
	mkdir -p "$d"
	(
		umask 077
		set -e
		cd "$d"
		openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 7 -keyout ca.key -out ca.pem \
			-subj "/CN=newsflow testenv CA" \
			-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
		ext=$(mktemp "$d/ext.XXXXXX")
		printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n' >"$ext"
		openssl req -newkey rsa:2048 -nodes -keyout broker.key -out broker.csr -subj "/CN=localhost"
		openssl x509 -req -sha256 -days 7 -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out broker.pem -extfile "$ext"
		printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n' >"$ext"
		openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj "/CN=newsflow-client"
		openssl x509 -req -sha256 -days 7 -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -extfile "$ext"
		openssl rand -hex 16 >keystore.password
		openssl pkcs12 -export -in broker.pem -inkey broker.key -certfile ca.pem -name broker \
			-out broker.p12 -passout "file:keystore.password"
		openssl rand -hex 20 >"$SECURE_USER.password"
		rm -f "$ext" ./*.csr ca.srl
		chmod 0644 ca.pem broker.pem client.pem
	) >"$SECURE_DIR/certs.log" 2>&1 || { cat "$SECURE_DIR/certs.log" >&2; die "making the test certificates failed (openssl)"; }
}

secure_up() {
	[[ -n $SECURE_WANTED ]] || return 0
	local pid
	if pid=$(running secure-kafka "$SECURE_DIR" "$SECURE_MARKER"); then
		log "secure kafka already runs (pid $pid)"
	else
		command -v openssl >/dev/null 2>&1 || die "openssl not found: it makes the secure broker's certificates"
		local p
		for p in "$SECURE_PORT" $((SECURE_PORT + 1)) $((SECURE_PORT + 2)); do
			port_busy "$p" && die "port $p (secure Kafka) is taken: set NEWSFLOW_TESTENV_SECURE_KAFKA_PORT"
		done
		local home cid pw
		home=$(fetch kafka)
		rm -rf "$SECURE_DIR"
		mkdir -p "$SECURE_DIR/data" "$SECURE_DIR/tmp"
		printf 'SECURE_PORT=%s\n' "$SECURE_PORT" >"$SECURE_PORTS_FILE"
		secure_certs
		render "$ROOT/testenv/kafka/secure.properties.in" "$SECURE_DIR/server.properties" \
			SASL_PORT="$SECURE_PORT" SSL_PORT=$((SECURE_PORT + 1)) CONTROLLER_PORT=$((SECURE_PORT + 2)) \
			DATA="$SECURE_DIR/data" TLS_DIR="$SECURE_TLS" KEYSTORE_PASSWORD="$(<"$SECURE_TLS/keystore.password")"
		chmod 0600 "$SECURE_DIR/server.properties"
		cp "$ROOT/testenv/kafka/log4j2.properties" "$SECURE_DIR/log4j2.properties"
		local jvm=(-Djava.io.tmpdir="$SECURE_DIR/tmp" -Dlog4j2.configurationFile="$SECURE_DIR/log4j2.properties"
			-Djava.awt.headless=true -cp "$home/lib/*")
		cid=$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
		while [[ $cid == -* ]]; do cid=$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '='); done
		pw=$(<"$SECURE_TLS/$SECURE_USER.password")
		log "starting the secure Kafka broker on SASL_SSL $HOST:$SECURE_PORT and mTLS $HOST:$((SECURE_PORT + 1)) (log: $SECURE_DIR/kafka.log)"
		if ! "$JAVA" -Xmx256m "${jvm[@]}" kafka.tools.StorageTool format -t "$cid" -c "$SECURE_DIR/server.properties" \
			--add-scram "SCRAM-SHA-512=[name=$SECURE_USER,password=$pw]" \
			--add-scram "SCRAM-SHA-256=[name=$SECURE_USER,password=$pw]" >"$SECURE_DIR/kafka.log" 2>&1; then
			fail_start secure-kafka "$SECURE_DIR/kafka.log" "formatting the KRaft storage failed"
		fi
		nohup "$JAVA" -Xms"$SECURE_HEAP" -Xmx"$SECURE_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
			"${jvm[@]}" kafka.Kafka "$SECURE_DIR/server.properties" >>"$SECURE_DIR/kafka.log" 2>&1 </dev/null 9>&- &
		echo $! >"$SECURE_DIR/pid"
	fi
	wait_ready secure-kafka "$SECURE_DIR" "$SECURE_MARKER" kafka-sasl "$HOST:$SECURE_PORT" \
		"$SECURE_TLS/ca.pem" "$SECURE_USER" "$SECURE_TLS/$SECURE_USER.password"
}

secure_down() {
	stop_one secure-kafka "$SECURE_DIR" "$SECURE_MARKER"
	rm -f "$SECURE_PORTS_FILE"
}

secure_status() {
	[[ -f $SECURE_PORTS_FILE ]] || return 0
	local pid out
	if pid=$(running secure-kafka "$SECURE_DIR" "$SECURE_MARKER"); then
		if out=$("$PROBE" kafka-sasl "$HOST:$SECURE_PORT" "$SECURE_TLS/ca.pem" "$SECURE_USER" "$SECURE_TLS/$SECURE_USER.password" 2>&1); then
			echo "secure kafka: running, pid $pid, $out"
		else
			echo "secure kafka: running, pid $pid, NOT answering: $out"
			return 1
		fi
	else
		echo "secure kafka: stopped"
		return 1
	fi
}

secure_env() {
	[[ -f $SECURE_PORTS_FILE ]] || return 0
	echo "NEWSFLOW_TEST_KAFKA_SASL=$HOST:$SECURE_PORT"
	echo "NEWSFLOW_TEST_KAFKA_MTLS=$HOST:$((SECURE_PORT + 1))"
	echo "NEWSFLOW_TEST_KAFKA_CA_FILE=$SECURE_TLS/ca.pem"
	echo "NEWSFLOW_TEST_KAFKA_CERT_FILE=$SECURE_TLS/client.pem"
	echo "NEWSFLOW_TEST_KAFKA_KEY_FILE=$SECURE_TLS/client.key"
	echo "NEWSFLOW_TEST_KAFKA_USERNAME=$SECURE_USER"
	echo "NEWSFLOW_TEST_KAFKA_PASSWORD_FILE=$SECURE_TLS/$SECURE_USER.password"
}
