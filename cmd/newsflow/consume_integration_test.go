package main

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/internal/itest"
)

// consumeOn runs `newsflow consume` in this process against the test
// Kafka and Elasticsearch with the dedup store settings given; it returns
// the metrics address, the log and the channel of runConsume's result.
func consumeOn(t *testing.T, dedupArgs ...string) (addr string, logs *syncBuffer, wait func() (bool, error), cancel context.CancelFunc) {
	t.Helper()
	kafkaAddr := itest.Kafka(t)
	esURL := itest.Elasticsearch(t)
	topic := itest.NewTopic(t, kafkaAddr, 1)
	alias := itest.NewIndexName(t, esURL)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = itest.ESDo(ctx, esURL, http.MethodDelete, "/_index_template/"+alias, "", nil)
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr = l.Addr().String()
	require.NoError(t, l.Close())
	args := append([]string{
		"--kafka-brokers", kafkaAddr, "--topic", topic, "--group", itest.NewGroup(t),
		"--elasticsearch-url", esURL, "--index", alias, "--metrics-addr", addr,
		"--backoff-min", "50ms", "--backoff-max", "200ms", "--log-level", "debug",
	}, dedupArgs...)
	ctx, cancel := context.WithCancel(context.Background())
	logs = &syncBuffer{}
	done := make(chan struct{})
	var result error
	go func() {
		result = runConsume(ctx, streams{stdin: strings.NewReader(""), stdout: logs, stderr: logs}, args)
		close(done)
	}()
	// wait reports whether runConsume returned, and its result.
	wait = func() (bool, error) {
		select {
		case <-done:
			return true, result
		default:
			return false, nil
		}
	}
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			t.Error("newsflow consume did not stop")
		}
	})
	return addr, logs, wait, cancel
}

// TestIntegrationConsumeOnTLSRedis: consume on the TLS test server (client
// certificate, an ACL user whose password comes from a file) becomes ready;
// the password appears nowhere in its log, debug lines included.
func TestIntegrationConsumeOnTLSRedis(t *testing.T) {
	srv := itest.RedisTLS(t)
	prefix := itest.NewRedisPrefix(t)
	addr, logs, wait, cancel := consumeOn(t, "--dedup-redis-addr", srv.Addr, "--dedup-redis-prefix", prefix,
		"--dedup-redis-username", srv.Username, "--dedup-redis-password-file", srv.PasswordFile,
		"--dedup-redis-tls", "--dedup-redis-ca-file", srv.CAFile,
		"--dedup-redis-cert-file", srv.CertFile, "--dedup-redis-key-file", srv.KeyFile)
	require.Eventually(t, func() bool {
		if ended, err := wait(); ended {
			t.Fatalf("newsflow consume returned: %v\n%s", err, logs)
		}
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 90*time.Second, 200*time.Millisecond, "/readyz: %s", logs)
	cancel()
	require.Eventually(t, func() bool { ended, _ := wait(); return ended }, 60*time.Second, 50*time.Millisecond)
	_, err := wait()
	require.NoError(t, err)
	out := logs.String()
	require.Contains(t, out, "dedup store ready")
	require.Contains(t, out, "user="+srv.Username+" auth=password tls=on")
	require.NotContains(t, out, srv.Password, "the password is never logged")
}

// TestIntegrationConsumeWrongRedisPassword: a password the server refuses
// (from $NEWSFLOW_DEDUP_REDIS_PASSWORD) is not retried for ever: consume
// stops with the cause and without the password.
func TestIntegrationConsumeWrongRedisPassword(t *testing.T) {
	srv := itest.RedisTLS(t)
	const wrong = "not-the-password-7f3a"
	t.Setenv(envDedupRedisPassword, wrong)
	_, logs, wait, _ := consumeOn(t, "--dedup-redis-addr", srv.Addr, "--dedup-redis-username", srv.Username,
		"--dedup-redis-tls", "--dedup-redis-ca-file", srv.CAFile,
		"--dedup-redis-cert-file", srv.CertFile, "--dedup-redis-key-file", srv.KeyFile)
	require.Eventually(t, func() bool { ended, _ := wait(); return ended }, 90*time.Second, 50*time.Millisecond,
		"newsflow consume still runs with a wrong Redis password:\n%s", logs)
	_, err := wait()
	require.Error(t, err)
	require.Contains(t, err.Error(), "check the redis dedup store")
	require.Contains(t, err.Error(), "WRONGPASS")
	require.NotContains(t, err.Error(), wrong)
	require.NotContains(t, logs.String(), wrong)
}
