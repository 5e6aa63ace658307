// Package itest gives integration tests the real Kafka broker and Elasticsearch
// node that scripts/testenv.sh starts on 127.0.0.1, and the per-test resources
// every such test needs: a fresh topic, a fresh consumer group, a fresh index name
// and an Elasticsearch client.
//
// An integration test is named TestIntegration… (so `make integration` can select
// it with -run Integration) and begins with
//
//	kafkaAddr := itest.Kafka(t)
//	esURL := itest.Elasticsearch(t)
//
// Addresses come from NEWSFLOW_TEST_KAFKA and NEWSFLOW_TEST_ES, as printed by
// `scripts/testenv.sh env`; when a variable is unset the testenv default on
// 127.0.0.1 is tried. A server that does not answer skips the test with the
// command that starts it, or fails it when CI=true, so CI cannot pass by
// skipping. Under `go test -short` integration tests always skip, CI or not.
package itest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/segmentio/kafka-go"
)

// Environment variables and the addresses used when they are unset; the
// defaults match scripts/testenv.sh.
const (
	EnvKafka = "NEWSFLOW_TEST_KAFKA"
	EnvES    = "NEWSFLOW_TEST_ES"

	DefaultKafka = "127.0.0.1:19092"
	DefaultES    = "http://127.0.0.1:19200"
)

// StartHint is the command that starts the test servers, shown when they are missing.
const StartHint = "start them with `make testenv-up` and `eval \"$(scripts/testenv.sh env)\"` " +
	"(or run everything with `make test`)"

// reachTimeout bounds each reachability check.
const reachTimeout = 5 * time.Second

// Kafka returns the address (host:port) of the test Kafka broker, or skips t
// (fails it under CI=true) when no broker answers there.
func Kafka(t testing.TB) string {
	t.Helper()
	return server(t, "Kafka", EnvKafka, DefaultKafka, kafkaReachable)
}

// Elasticsearch returns the URL of the test Elasticsearch node, or skips t
// (fails it under CI=true) when no node answers there.
func Elasticsearch(t testing.TB) string {
	t.Helper()
	return server(t, "Elasticsearch", EnvES, DefaultES, esReachable)
}

// reachability caches one check per address for the test binary's lifetime, so
// a missing server costs one timeout, not one per test.
var reachability sync.Map // string -> *reachResult

type reachResult struct {
	once sync.Once
	err  error
}

func server(t testing.TB, name, env, def string, check func(context.Context, string) error) string {
	t.Helper()
	if testing.Short() {
		t.Skipf("integration test: skipped under -short")
	}
	addr, source := os.Getenv(env), env
	if addr == "" {
		addr, source = def, env+" unset, default"
	}
	v, _ := reachability.LoadOrStore(name+" "+addr, &reachResult{})
	r := v.(*reachResult)
	r.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), reachTimeout)
		defer cancel()
		r.err = check(ctx, addr)
	})
	if r.err != nil {
		unavailable(t, fmt.Sprintf("%s not reachable at %s (%s): %v; %s", name, addr, source, r.err, StartHint))
	}
	return addr
}

// unavailable skips t, or fails it when CI=true: CI must run every integration test.
func unavailable(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI=true: integration tests fail instead of skipping)")
	}
	t.Skip(msg)
}

func kafkaReachable(ctx context.Context, addr string) error {
	c := &kafka.Client{Addr: kafka.TCP(addr), Timeout: reachTimeout}
	if _, err := c.ApiVersions(ctx, &kafka.ApiVersionsRequest{}); err != nil {
		return fmt.Errorf("ApiVersions: %w", err)
	}
	return nil
}

func esReachable(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(url, "/")+"/_cluster/health", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /_cluster/health: %s", resp.Status)
	}
	return nil
}

// UniqueName returns prefix, the test's name reduced to [a-z0-9-], and a random
// suffix, at most 120 bytes: valid as a Kafka topic, a consumer group and an
// Elasticsearch index name, and unique across tests and runs.
func UniqueName(t testing.TB, prefix string) string {
	t.Helper()
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(t.Name()) {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	name := strings.Trim(b.String(), "-")
	if len(name) > 80 {
		name = name[:80]
	}
	var rnd [4]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		t.Fatalf("random suffix: %v", err)
	}
	return prefix + name + "-" + hex.EncodeToString(rnd[:])
}
