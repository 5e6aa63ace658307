# syntax=docker/dockerfile:1
#
# The newsflow image: one static binary, the subcommand chooses the role.
#
#   docker build -t newsflow:dev .
#   docker run --rm newsflow:dev produce --help
#   docker run --rm newsflow:dev consume --kafka-brokers kafka:9092 --elasticsearch-url http://elasticsearch:9200
#
# The final stage is distroless static (no shell, no package manager) and runs
# as the distroless "nonroot" user (65532). The data directory
# /var/lib/newsflow (NEWSFLOW_DATA_DIR) is writable by that user; mount a
# volume there to keep the producer's seen-items record across restarts.
# Nothing but the binary and that empty directory leaves the build stage, and
# .dockerignore keeps test data out of the build context.
#
# scripts/deploy-check.sh checks this file with BuildKit's own Dockerfile
# parser and linter and runs the build stage's commands on a copy of the build
# context as .dockerignore filters it (deploy/check/docker_test.go).

# GO_VERSION is the Go toolchain of the build stage: go.mod's go line.
ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    mkdir -p /out/data && \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -buildid=" -o /out/newsflow ./cmd/newsflow

FROM gcr.io/distroless/static-debian12:nonroot
LABEL org.opencontainers.image.title="newsflow" \
      org.opencontainers.image.description="News wire feeds to Kafka to clean, deduplicated, searchable articles in Elasticsearch" \
      org.opencontainers.image.source="https://github.com/newsflow/newsflow"
COPY --from=build /out/newsflow /usr/local/bin/newsflow
COPY --from=build --chown=65532:65532 /out/data /var/lib/newsflow
ENV NEWSFLOW_DATA_DIR=/var/lib/newsflow
WORKDIR /var/lib/newsflow
USER 65532:65532
# 8080: push endpoint (produce --listen) and search page (up); 9102: produce
# metrics; 9108: consume metrics (/metrics, /healthz, /readyz).
EXPOSE 8080 9102 9108
ENTRYPOINT ["/usr/local/bin/newsflow"]
CMD ["--help"]
