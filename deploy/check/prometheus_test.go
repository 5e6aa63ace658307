package check

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// promtool returns promtool: $NEWSFLOW_PROMTOOL, else the one on PATH
// (Debian package prometheus).
func promtool(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("NEWSFLOW_PROMTOOL"); p != "" {
		return p
	}
	p, err := exec.LookPath("promtool")
	if err != nil {
		unavailable(t, "promtool not found: install the Debian package prometheus (apt-get install prometheus; scripts/deps.sh)")
	}
	return p
}

// TestPromtool runs promtool on the alert rules, their unit tests and the
// compose stack's Prometheus configuration (which loads the rules too).
func TestPromtool(t *testing.T) {
	tool := promtool(t)
	dir := repoPath(t, "deploy", "prometheus")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"check rules", []string{"check", "rules", "rules/newsflow.rules.yml"}, "SUCCESS"},
		{"test rules", []string{"test", "rules", "newsflow.rules_test.yml"}, "SUCCESS"},
		{"check config", []string{"check", "config", "prometheus.yml"}, "is valid prometheus config file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := run(t, dir, nil, tool, tt.args...)
			t.Log(strings.TrimSpace(out))
			require.NoError(t, err, "promtool %s", strings.Join(tt.args, " "))
			require.Contains(t, out, tt.want)
		})
	}
}

// TestPromtoolUnitTestsCanFail: the rule tests fail when a rule changes, so
// they test something.
func TestPromtoolUnitTestsCanFail(t *testing.T) {
	tool := promtool(t)
	dir := t.TempDir()
	rules, err := os.ReadFile(repoPath(t, "deploy", "prometheus", "rules", "newsflow.rules.yml"))
	require.NoError(t, err)
	tests, err := os.ReadFile(repoPath(t, "deploy", "prometheus", "newsflow.rules_test.yml"))
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(dir+"/rules", 0o755))
	require.NoError(t, os.WriteFile(dir+"/newsflow.rules_test.yml", tests, 0o644))
	for _, mutation := range [][2]string{
		{"> 1000", "> 100000"},
		{"[10m])) == 0", "[10m])) == 1"},
		{"for: 10m", "for: 30m"},
		{"evicted_keys_total[10m])) > 0", "evicted_keys_total[10m])) > 5"},
		{") > 0.9", ") > 0.99"},
	} {
		t.Run(mutation[0]+" → "+mutation[1], func(t *testing.T) {
			require.Contains(t, string(rules), mutation[0])
			mutated := strings.Replace(string(rules), mutation[0], mutation[1], 1)
			require.NoError(t, os.WriteFile(dir+"/rules/newsflow.rules.yml", []byte(mutated), 0o644))
			out, err := run(t, dir, nil, tool, "test", "rules", "newsflow.rules_test.yml")
			require.Error(t, err, "promtool test rules passed with a mutated rule:\n%s", out)
			require.Contains(t, out, "FAILED")
		})
	}
}
