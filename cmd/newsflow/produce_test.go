package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestProduceHelp(t *testing.T) {
	code, out, _ := runCLI(t, "", "produce", "--help")
	require.Equal(t, 0, code)
	for _, want := range []string{"newsflow produce", "--feed, $NEWSFLOW_FEEDS", "--watch, $NEWSFLOW_WATCH", "--listen, $NEWSFLOW_LISTEN",
		"--token-file, $NEWSFLOW_TOKEN_FILE", "--data-dir, $NEWSFLOW_DATA_DIR", "--batch-timeout", "newsflow.pub_status"} {
		require.Contains(t, out, want)
	}
}

// TestProduceBadConfigs checks that settings that cannot work are refused
// before anything starts, with a message naming them.
func TestProduceBadConfigs(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty-token")
	require.NoError(t, os.WriteFile(empty, []byte(" \n"), 0o600))
	tests := []struct {
		name string
		args []string
		yaml string
		want string
	}{
		{"no source", nil, "", "no source: give at least one of --feed, --watch or --listen"},
		{"listen without a token", []string{"--listen", "127.0.0.1:0"}, "", "--listen needs --token-file"},
		{"an empty token file", []string{"--listen", "127.0.0.1:0", "--token-file", empty}, "", "is empty"},
		{"a token file without listen", []string{"--feed", "https://a.test/", "--token-file", empty}, "", "--token-file without --listen"},
		{"a feed that is not a URL", []string{"--feed", "wire=ftp://a.test/"}, "", "want name=URL or URL"},
		{"two feeds named alike", []string{"--feed", "a=https://a.test/1", "--feed", "a=https://a.test/2"}, "", `feed name "a" used twice`},
		{"an unknown compression", []string{"--feed", "https://a.test/", "--compression", "brotli"}, "", `compression "brotli"`},
		{"a watched directory that does not exist", []string{"--watch", filepath.Join(dir, "nope")}, "", "watch directory"},
		{"an empty data dir with feeds", []string{"--feed", "https://a.test/", "--data-dir", ""}, "", "need a data directory"},
		{"a bad setting in the YAML file", nil, "feed: [https://a.test/]\npoll-interval: often\n", `poll-interval: not a duration`},
		{"an unknown key in the YAML file", nil, "feeds: [https://a.test/]\n", `unknown setting "feeds"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"produce", "--metrics-addr", "127.0.0.1:0", "--data-dir", t.TempDir()}, tc.args...)
			if tc.yaml != "" {
				p := filepath.Join(t.TempDir(), "produce.yml")
				require.NoError(t, os.WriteFile(p, []byte(tc.yaml), 0o600))
				args = append(args, "--config", p)
			}
			code, _, errs := runCLI(t, "", args...)
			require.Equal(t, 1, code)
			require.Contains(t, errs, tc.want)
			require.Equal(t, 1, strings.Count(errs, "\n"), "one line: %s", errs)
		})
	}
}
