# newsflow: `make test` is the test command (README); CI runs it through .ci/run.
#
#   make test          deps, go vet, lint, unit tests, then the real Kafka and Elasticsearch
#                      (scripts/testenv.sh up, with the 3-broker/3-node cluster and the
#                      SASL/TLS broker of the system tests), the integration tests, the
#                      deployment checks, and testenv down even when a test fails; fails when any does
#   make lint          golangci-lint on both modules (.golangci.yml; scripts/lint.sh)
#   make unit          go test -short ./... (integration tests skip under -short)
#   make testenv-up    start the test servers (then: eval "$$(scripts/testenv.sh env)")
#   make integration   integration tests against servers already up
#   make testenv-down  stop them
#   make deploy-check  the deployment files (helm, compose, Dockerfile, promtool, dashboards)
#   make up            the whole pipeline in one process on embedded defaults (UP_FLAGS="…")
#   make build         bin/newsflow, stamped with the version and commit

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := test

GO ?= go
BIN ?= bin/newsflow
UP_FLAGS ?=
# newsflow --version: the version and commit of the tree built.
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT := $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT)
TESTENV := scripts/testenv.sh
# Every server make test needs: the single-node Kafka and Elasticsearch, Redis, the
# cluster (internal/systest's fault scenarios) and the secured broker (testenv/README.md).
TESTENV_UP = $(TESTENV) up --cluster --secure
# The servers' addresses, as testenv.sh prints them, exported for the integration tests.
WITH_TESTENV = set -a; eval "$$($(TESTENV) env)"; set +a;
# The consumers' 10,000-article scenarios take 1.5 to 5 minutes on 2 shared cores, the
# system tests' cluster scenarios about as long each.
INTEGRATION = $(GO) test -run Integration -count=1 -timeout 60m ./...

.PHONY: test deps vet lint unit integration testenv-up testenv-down testenv-status build deploy-check up

test: deps vet lint unit
	@trap '$(TESTENV) down' EXIT; \
	$(TESTENV_UP); \
	$(WITH_TESTENV) \
	echo "integration tests against $$NEWSFLOW_TEST_KAFKA and $$NEWSFLOW_TEST_ES"; \
	status=0; \
	$(INTEGRATION) || status=$$?; \
	scripts/deploy-check.sh || status=$$?; \
	exit $$status

# The deployment files, each checked by the tool its users run (deploy/README.md).
deploy-check:
	@$(WITH_TESTENV) scripts/deploy-check.sh

# The README's first command: the whole pipeline on embedded defaults
# (UP_FLAGS adds flags: make up UP_FLAGS="--watch ./inbox"). On a terminal,
# job control (set -m) gives newsflow the terminal's process group, so Ctrl-C
# reaches newsflow alone: it stops in order and make exits with its status
# (0), not with an interrupt of its own.
up: build
	@if [ -t 0 ]; then set -m; fi; $(BIN) up $(UP_FLAGS); status=$$?; exit $$status

deps:
	scripts/deps.sh

vet:
	$(GO) vet ./...
	cd deploy/check && $(GO) vet ./...

lint:
	scripts/lint.sh

unit:
	$(GO) test -short ./...

integration:
	@$(WITH_TESTENV) $(INTEGRATION)

testenv-up:
	$(TESTENV_UP)

testenv-down:
	$(TESTENV) down

testenv-status:
	$(TESTENV) status

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/newsflow
