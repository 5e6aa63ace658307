package main

import (
	"bufio"
	"context"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/consumers/dlq"
	"github.com/newsflow/newsflow/internal/itest"
)

// topicInfo is what the broker says of a topic: partitions, replication of
// partition 0, and the values of the settings asked for (-1 partitions: the
// topic does not exist).
type topicInfo struct {
	partitions, replication int
	configs                 map[string]string
}

func describeTopic(t *testing.T, addr, topic string, configs ...string) topicInfo {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := kafka.DialContext(ctx, "tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	// Conn.ReadPartitions asks the broker itself (kafka.Client caches
	// metadata, KAFKA-GO.md 4); it also asks for auto-creation, which the
	// test broker has off.
	parts, err := conn.ReadPartitions(topic)
	if err != nil {
		require.ErrorIs(t, err, kafka.UnknownTopicOrPartition)
		return topicInfo{partitions: -1}
	}
	info := topicInfo{partitions: len(parts), configs: map[string]string{}}
	for _, p := range parts {
		if p.ID == 0 {
			info.replication = len(p.Replicas)
		}
	}
	if len(configs) > 0 {
		c := &kafka.Client{Addr: kafka.TCP(addr), Timeout: 10 * time.Second}
		res, err := c.DescribeConfigs(ctx, &kafka.DescribeConfigsRequest{Resources: []kafka.DescribeConfigRequestResource{{
			ResourceType: kafka.ResourceTypeTopic, ResourceName: topic, ConfigNames: configs,
		}}})
		require.NoError(t, err)
		for _, r := range res.Resources {
			require.NoError(t, r.Error)
			for _, e := range r.ConfigEntries {
				info.configs[e.ConfigName] = e.ConfigValue
			}
		}
	}
	return info
}

func deleteTopics(addr string, topics ...string) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := &kafka.Client{Addr: kafka.TCP(addr), Timeout: 10 * time.Second}
	_, _ = c.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: topics})
}

// runUntil runs the binary until a log line contains ready (then SIGTERM,
// clean exit expected) or it exits on its own; it returns everything it
// wrote and the exit error.
func runUntil(t *testing.T, bin, ready string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(cmd.Environ(), "NEWSFLOW_CONFIG=")
	out, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	var mu sync.Mutex
	var logs strings.Builder
	seen := make(chan struct{}, 1)
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(out)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			mu.Lock()
			logs.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if ready != "" && strings.Contains(sc.Text(), ready) {
				select {
				case seen <- struct{}{}:
				default:
				}
			}
		}
	}()
	waitErr := make(chan error, 1)
	go func() { <-scanned; waitErr <- cmd.Wait() }()
	select {
	case <-seen:
		require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
		err = <-waitErr
	case err = <-waitErr:
	case <-time.After(90 * time.Second):
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("%s: neither %q nor an exit within 90 s:\n%s", args[0], ready, logs.String())
	}
	mu.Lock()
	defer mu.Unlock()
	return logs.String(), err
}

// TestIntegrationProduceTopicFlags: without --topic-partitions a missing
// topic stops the producer with the command that creates it; with the
// flags it is created with the partitions, replication and settings given.
func TestIntegrationProduceTopicFlags(t *testing.T) {
	addr := itest.Kafka(t)
	bin := buildNewsflow(t)
	dir := t.TempDir()
	topic := itest.UniqueName(t, "itest.produce.")
	t.Cleanup(func() { deleteTopics(addr, topic) })
	base := []string{"produce", "--kafka-brokers", addr, "--topic", topic, "--listen", "127.0.0.1:0", "--push-allow-anonymous",
		"--metrics-addr", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data")}

	logs, err := runUntil(t, bin, "producers running", base...)
	require.Error(t, err, "a missing topic stops the producer:\n%s", logs)
	require.Contains(t, logs, "kafka-topics.sh --bootstrap-server "+addr+" --create --topic "+topic+" --partitions 6")
	require.Contains(t, logs, "or let newsflow produce create it at start: --topic-partitions 6")
	require.Equal(t, -1, describeTopic(t, addr, topic).partitions, "nothing was created")

	logs, err = runUntil(t, bin, "producers running", append(base,
		"--topic-partitions", "3", "--topic-replication", "1", "--topic-config", "retention.ms=3600000", "--topic-config", "cleanup.policy=delete")...)
	require.NoError(t, err, logs)
	info := describeTopic(t, addr, topic, "retention.ms", "cleanup.policy")
	require.Equal(t, topicInfo{partitions: 3, replication: 1, configs: map[string]string{"retention.ms": "3600000", "cleanup.policy": "delete"}}, info)
	require.Contains(t, logs, "kafka topic created")
}

// TestIntegrationConsumeTopicFlags: newsflow consume on a missing raw
// topic fails with the command and the flags; with --topic-partitions it
// creates the raw topic and the dead-letter topic beside it (same
// partitions, the settings given, max.message.bytes sized for dead
// letters).
func TestIntegrationConsumeTopicFlags(t *testing.T) {
	addr := itest.Kafka(t)
	esURL := itest.Elasticsearch(t)
	bin := buildNewsflow(t)
	topic := itest.UniqueName(t, "itest.consume.")
	t.Cleanup(func() { deleteTopics(addr, topic, topic+".dlq") })
	index := itest.NewIndexName(t, esURL)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = itest.ESDo(ctx, esURL, http.MethodDelete, "/_index_template/"+index, "", nil)
	})
	base := []string{"consume", "--kafka-brokers", addr, "--topic", topic, "--group", itest.UniqueName(t, "itest-group-"),
		"--elasticsearch-url", esURL, "--index", index, "--dedup-store", "memory", "--metrics-addr", "127.0.0.1:0"}

	logs, err := runUntil(t, bin, "consumer running", base...)
	require.Error(t, err, "a missing raw topic stops the worker:\n%s", logs)
	require.Contains(t, logs, "kafka-topics.sh --bootstrap-server "+addr+" --create --topic "+topic+" --partitions 6")
	require.Contains(t, logs, "or let newsflow consume create it (and "+topic+".dlq beside it) at start: --topic-partitions 6")
	require.Equal(t, -1, describeTopic(t, addr, topic).partitions)
	require.Equal(t, -1, describeTopic(t, addr, topic+".dlq").partitions)

	logs, err = runUntil(t, bin, "consumer running", append(base,
		"--topic-partitions", "2", "--topic-replication", "1", "--topic-config", "retention.ms=7200000")...)
	require.NoError(t, err, logs)
	raw := describeTopic(t, addr, topic, "retention.ms", dlq.ConfigMaxMessageBytes)
	require.Equal(t, 2, raw.partitions)
	require.Equal(t, 1, raw.replication)
	require.Equal(t, "7200000", raw.configs["retention.ms"])
	rawMax, err := strconv.Atoi(raw.configs[dlq.ConfigMaxMessageBytes])
	require.NoError(t, err)
	letters := describeTopic(t, addr, topic+".dlq", "retention.ms", dlq.ConfigMaxMessageBytes)
	require.Equal(t, 2, letters.partitions, "the dead-letter topic has the raw topic's partitions")
	require.Equal(t, "7200000", letters.configs["retention.ms"], "and its settings")
	require.Equal(t, strconv.Itoa(rawMax+dlq.HeaderRoom), letters.configs[dlq.ConfigMaxMessageBytes], "sized for a dead letter of the largest raw message")
	require.Contains(t, logs, "kafka topic created")
	require.Contains(t, logs, "dead-letter topic created")

	// Started again, both exist: nothing is created.
	logs, err = runUntil(t, bin, "consumer running", append(base, "--topic-partitions", "2")...)
	require.NoError(t, err, logs)
	require.NotContains(t, logs, "topic created")
}
