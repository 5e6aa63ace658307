package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestConsumeRejectsBadSettings(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"an empty group", []string{"--group", ""}, "--group is empty"},
		{"an unknown dedup store", []string{"--dedup-store", "memcached"}, `--dedup-store "memcached": want redis, elasticsearch or memory`},
		{"a redis address without a port", []string{"--dedup-redis-addr", "redis"}, `--dedup-redis-addr "redis": want host:port`},
		{"no redis address", []string{"--dedup-redis-addr", ""}, "--dedup-redis-addr is empty"},
		{"a redis database on a cluster", []string{"--dedup-redis-addr", "r1:6379,r2:6379", "--dedup-redis-db", "2"}, "--dedup-redis-db 2 with a cluster"},
		{"a redis CA without TLS", []string{"--dedup-redis-ca-file", "/dev/null"}, "need --dedup-redis-tls"},
		{"a redis client certificate without its key", []string{"--dedup-redis-tls", "--dedup-redis-cert-file", "/dev/null"}, "--dedup-redis-cert-file and --dedup-redis-key-file go together"},
		{"a retention under a second", []string{"--dedup-retention", "500ms"}, "--dedup-retention 500ms: want at least 1s"},
		{"a hash tag in the key prefix", []string{"--dedup-redis-prefix", "{nf}"}, `KeyPrefix "{nf}" holds '{' or '}'`},
		{"a missing redis password file", []string{"--dedup-redis-password-file", "/nonexistent/redis-password"}, "--dedup-redis-password-file: read secret file"},
		{"a heartbeat too slow for the session", []string{"--kafka-session-timeout", "6s", "--kafka-heartbeat-interval", "3s"}, "more than a third of --kafka-session-timeout"},
		{"a backoff minimum above the maximum", []string{"--backoff-min", "1m", "--backoff-max", "1s"}, "backoff minimum 1m0s is above the maximum 1s"},
		{"a negative batch size", []string{"--batch-size", "-5"}, "batch size -5 is negative"},
		{"a fingerprint index inside the article pattern", []string{"--dedup-store", "elasticsearch", "--index", "news", "--dedup-index", "news-fp"}, `--dedup-index "news-fp" matches the article template pattern news-*`},
		{"an elasticsearch url without a scheme", []string{"--elasticsearch-url", "localhost:9200"}, "want http://host:port"},
		{"a password file without SASL", []string{"--kafka-password-file", "/dev/null"}, "without --kafka-sasl-mechanism"},
		{"not a duration", []string{"--flush-interval", "soon"}, "not a duration"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := runCLI(t, "", append([]string{"consume", "--metrics-addr", ""}, tc.args...)...)
			require.Equal(t, 1, code, errs)
			require.Contains(t, errs, tc.want)
		})
	}
}

func TestConsumeHelpExplainsEverySetting(t *testing.T) {
	code, out, _ := runCLI(t, "", "consume", "--help")
	require.Equal(t, 0, code)
	for _, want := range []string{
		"--batch-size", "--batch-bytes", "--flush-interval", "--max-in-flight", "--stages-in-flight", "--backoff-min", "--backoff-max",
		"--shutdown-timeout", "--commit-interval", "--kafka-session-timeout", "--dedup-store", "--text-analyzer",
		"--dedup-redis-addr", "--dedup-redis-password-file", "$NEWSFLOW_DEDUP_REDIS_PASSWORD", "--dedup-redis-tls", "--dedup-retention",
		`(default "redis")`, `(default "720h0m0s")`,
		`(default "500")`, `(default "20s")`, `(default "2")`, "delivered again",
	} {
		require.Contains(t, out, want)
	}
	code, out, _ = runCLI(t, "", "replay-dlq", "--help")
	require.Equal(t, 0, code)
	require.True(t, strings.HasPrefix(out, "newsflow replay-dlq"))
	require.Contains(t, out, "--stage")
}
