package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBenchUsageAndErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		stdout   string
		stderr   string
		noStdout bool
	}{
		{name: "help lists both benchmarks", args: []string{"bench", "--help"}, code: 0, stdout: "newsflow bench e2e [flags]"},
		{name: "no benchmark asks which", args: []string{"bench"}, code: 1, stderr: "which benchmark? stages or e2e"},
		{name: "an unknown benchmark is named", args: []string{"bench", "warp"}, code: 1, stderr: `unknown benchmark "warp"`},
		{name: "stages help explains the unit", args: []string{"bench", "stages", "--help"}, code: 0, stdout: "per CPU"},
		{name: "e2e help explains the baselines", args: []string{"bench", "e2e", "--help"}, code: 0, stdout: "baseline 1: the same N articles"},
		{name: "an unknown stage is named", args: []string{"bench", "stages", "--corpus", "../../internal/bench/testdata", "--stage", "parse"}, code: 1, stderr: `unknown stage "parse"`},
		{name: "a missing corpus directory is named", args: []string{"bench", "stages", "--corpus", "/nonexistent"}, code: 1, stderr: "no *.jsonl corpus files in /nonexistent"},
		{name: "a bad e2e setting is named before any server is contacted", args: []string{"bench", "e2e", "--corpus", "../../internal/bench/testdata", "--latency-fraction", "2"}, code: 1, stderr: "latency fraction 2"},
		{name: "a server PID without its role", args: []string{"bench", "e2e", "--corpus", "../../internal/bench/testdata", "--server-pid", "1234"}, code: 1, stderr: `--server-pid "1234": want role=PID`},
		{name: "an unknown server role", args: []string{"bench", "e2e", "--corpus", "../../internal/bench/testdata", "--server-pid", "zookeeper=1"}, code: 1, stderr: `role "zookeeper"`},
		{name: "an unknown dedup store", args: []string{"bench", "e2e", "--corpus", "../../internal/bench/testdata", "--dedup-store", "memory"}, code: 1, stderr: `dedup store "memory"`},
		{name: "e2e help explains the isolation", args: []string{"bench", "e2e", "--help"}, code: 0, stdout: "taskset -a -p -c"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCLI(t, "", tc.args...)
			require.Equal(t, tc.code, code, "stdout:\n%s\nstderr:\n%s", out, errs)
			require.Contains(t, out, tc.stdout)
			require.Contains(t, errs, tc.stderr)
		})
	}
}

func TestBenchStagesPrintsTheTable(t *testing.T) {
	code, out, errs := runCLI(t, "", "bench", "stages", "--corpus", "../../internal/bench/testdata", "--min-time", "1ms")
	require.Equal(t, 0, code, errs)
	for _, s := range []string{"normalize", "figures", "dedup", "chain"} {
		require.Contains(t, out, "| "+s+" | tiny.jsonl |")
		require.Contains(t, errs, "bench stages: "+s)
	}
	require.Contains(t, out, "Machine: ")
	require.True(t, strings.HasSuffix(strings.TrimSpace(out), "`newsflow bench stages --corpus ../../internal/bench/testdata --min-time 1ms`"), out)
}
