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
		{"an unknown dedup store", []string{"--dedup-store", "redis"}, `--dedup-store "redis": want elasticsearch or memory`},
		{"a heartbeat too slow for the session", []string{"--kafka-session-timeout", "6s", "--kafka-heartbeat-interval", "3s"}, "more than a third of --kafka-session-timeout"},
		{"a backoff minimum above the maximum", []string{"--backoff-min", "1m", "--backoff-max", "1s"}, "backoff minimum 1m0s is above the maximum 1s"},
		{"a negative batch size", []string{"--batch-size", "-5"}, "batch size -5 is negative"},
		{"a fingerprint index inside the article pattern", []string{"--index", "news", "--dedup-index", "news-fp"}, `--dedup-index "news-fp" matches the article template pattern news-*`},
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
		"--batch-size", "--batch-bytes", "--flush-interval", "--max-in-flight", "--backoff-min", "--backoff-max",
		"--shutdown-timeout", "--commit-interval", "--kafka-session-timeout", "--dedup-store", "--text-analyzer",
		`(default "500")`, `(default "20s")`, `(default "2")`, "delivered again",
	} {
		require.Contains(t, out, want)
	}
	code, out, _ = runCLI(t, "", "replay-dlq", "--help")
	require.Equal(t, 0, code)
	require.True(t, strings.HasPrefix(out, "newsflow replay-dlq"))
	require.Contains(t, out, "--stage")
}
