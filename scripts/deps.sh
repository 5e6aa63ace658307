#!/usr/bin/env bash
# deps.sh installs what newsflow's tests need on a fresh Debian machine.
#
# Idempotent: it checks each tool first and runs `apt-get update` only when a
# Debian package is actually missing, so a warm machine does no network work.
# Add a package by appending to DEBIAN_PACKAGES ("command:package").
set -euo pipefail

# command-to-look-for:debian-package
DEBIAN_PACKAGES=(
	"kcat:kcat"                         # an independent Kafka client for the smoke test (internal/itest)
	"promtool:prometheus"               # promtool checks and unit-tests the alert rules (deploy/prometheus)
	"prometheus:prometheus"             # the real server of the alert tests (internal/systest)
	"chromium:chromium"                 # the real-browser test of the search page (newsflow up)
	"chromedriver:chromium-driver"      # WebDriver for Chromium, as the issue asks; chromedp itself speaks CDP
	"redis-server:redis-server"         # the Redis dedup store's test servers (testenv/redis.sh); 7.0, built with TLS
	"redis-cli:redis-tools"             # redis-cli: readiness checks and --cluster create in testenv/redis.sh
	"openssl:openssl"                   # certificates of the TLS Redis test server and the secure Kafka broker (testenv/secure.sh)
)

# Tools that the machine image must already have; we only check them.
REQUIRED_TOOLS=(go java javac mvn node npm) # node renders the Kibana Vega specs in deploy-check

log() { printf 'deps: %s\n' "$*" >&2; }

missing_tools=()
for t in "${REQUIRED_TOOLS[@]}"; do
	command -v "$t" >/dev/null 2>&1 || missing_tools+=("$t")
done
if ((${#missing_tools[@]})); then
	log "missing required tools: ${missing_tools[*]} (Go, a JDK 17 and Maven come with the machine image)"
	exit 1
fi

missing=()
for entry in "${DEBIAN_PACKAGES[@]}"; do
	cmd=${entry%%:*}
	pkg=${entry#*:}
	command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
	log "all present"
	exit 0
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
	command -v sudo >/dev/null 2>&1 || { log "need root or sudo to install: ${missing[*]}"; exit 1; }
	SUDO=(sudo)
fi

log "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
log "installed: ${missing[*]}"
