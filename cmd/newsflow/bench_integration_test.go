package main

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/internal/itest"
)

// TestIntegrationBenchE2ESmoke runs every phase of `newsflow bench e2e` with
// 300 articles of the tiny test corpus and two worker processes, so CI
// checks that the command works; the published figures come from the full
// run (bench/RESULTS.md).
func TestIntegrationBenchE2ESmoke(t *testing.T) {
	kafkaAddr := itest.Kafka(t)
	esURL := itest.Elasticsearch(t)
	redisAddr := itest.Redis(t)
	bin := buildNewsflow(t)
	start := time.Now()
	cmd := exec.Command(bin, "bench", "e2e",
		"--kafka-brokers", kafkaAddr, "--elasticsearch-url", esURL, "--redis-addr", redisAddr,
		"--corpus", "../../internal/bench/testdata", "--articles", "300", "--partitions", "2",
		"--latency-duration", "3s", "--prefix", "newsflow-bench-smoke", "--log-dir", t.TempDir(),
		"--phase-timeout", "2m")
	cmd.Env = append(cmd.Environ(), "NEWSFLOW_CONFIG=")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "stderr:\n%s", stderr.String())
	t.Logf("bench e2e with 300 articles took %v:\n%s", time.Since(start).Round(time.Second), stdout.String())

	out := stdout.String()
	for _, row := range []string{
		"| pipeline end to end: produce → 2 workers (dedup store redis) → searchable |",
		"| baseline 1: raw `_bulk` of the processed documents → searchable |",
		"| baseline 2: raw consumption (1 group member, no processing) |",
		"| latency receipt → searchable at ",
		"| peak RSS per worker (VmHWM), default settings |",
		"Goal: end to end at 90% or more of the raw bulk baseline, dedup on (redis), unpinned",
		"| dedup store memory (Redis used_memory, pipeline phase) |",
		"| Elasticsearch CPU per indexed article, pipeline ÷ baseline 1 |",
	} {
		require.Contains(t, out, row)
	}
	require.Contains(t, out, "300 articles, 2 partitions")
	require.Contains(t, stderr.String(), "pipeline: 300 documents searchable")
	require.Contains(t, stderr.String(), "consume: 300 messages read and committed")
}

// TestIntegrationBenchE2EBacklog runs the pipeline phase as a catch-up
// (--backlog): the articles are in the topic before the workers start, and
// the clock starts at the workers' first fetched message.
func TestIntegrationBenchE2EBacklog(t *testing.T) {
	kafkaAddr := itest.Kafka(t)
	esURL := itest.Elasticsearch(t)
	redisAddr := itest.Redis(t)
	bin := buildNewsflow(t)
	cmd := exec.Command(bin, "bench", "e2e",
		"--kafka-brokers", kafkaAddr, "--elasticsearch-url", esURL, "--redis-addr", redisAddr,
		"--corpus", "../../internal/bench/testdata", "--articles", "300", "--partitions", "2", "--workers", "1",
		"--phase", "bulk", "--phase", "pipeline", "--backlog",
		"--prefix", "newsflow-bench-backlog", "--log-dir", t.TempDir(), "--phase-timeout", "2m")
	cmd.Env = append(cmd.Environ(), "NEWSFLOW_CONFIG=")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "stderr:\n%s", stderr.String())
	require.Contains(t, stderr.String(), "produce: 300 articles written")
	require.Contains(t, stderr.String(), "pipeline: the workers fetched their first message")
	require.Contains(t, stderr.String(), "pipeline: 300 documents searchable")
	require.Contains(t, stdout.String(), "Pipeline as a catch-up (--backlog): the 300 articles were produced before the workers started")
	// The producer ran before the clock: the log names it before the
	// workers' start.
	require.Less(t, strings.Index(stderr.String(), "produce: 300"), strings.Index(stderr.String(), "workers: 1 started"))
}
