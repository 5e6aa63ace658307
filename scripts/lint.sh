#!/usr/bin/env bash
# lint.sh runs golangci-lint (configuration: .golangci.yml) on both Go modules
# of the repository: the product and deploy/check.
#
# golangci-lint is built once with `go install` from the Go module proxy into
# $NEWSFLOW_CACHE/tools (default ~/.cache/newsflow/tools), like helm for the
# deployment checks; set NEWSFLOW_GOLANGCI_LINT to use another binary.
set -euo pipefail

VERSION=v2.15.0
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${NEWSFLOW_CACHE:-${HOME:-/root}/.cache/newsflow}/tools

lint=${NEWSFLOW_GOLANGCI_LINT:-}
if [[ -z $lint ]]; then
	lint=$CACHE/golangci-lint-$VERSION/golangci-lint
	if [[ ! -x $lint ]]; then
		echo "lint: building golangci-lint $VERSION into $CACHE (first run only)" >&2
		mkdir -p "$CACHE"
		GOBIN=$CACHE/golangci-lint-$VERSION.tmp go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$VERSION"
		rm -rf "$CACHE/golangci-lint-$VERSION"
		mv "$CACHE/golangci-lint-$VERSION.tmp" "$CACHE/golangci-lint-$VERSION"
	fi
fi

cd "$ROOT"
"$lint" run ./...
(cd deploy/check && "$lint" run --config "$ROOT/.golangci.yml" ./...)
