package kafkacfg

import (
	"errors"
	"testing"

	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/internal/cli"
)

func TestTopicSpecValidate(t *testing.T) {
	tests := []struct {
		name    string
		spec    TopicSpec
		want    []kafka.ConfigEntry
		wantErr string
	}{
		{name: "nothing to create", spec: TopicSpec{Replication: -1}},
		{name: "settings as key=value", spec: TopicSpec{Partitions: 6, Replication: 3, Configs: []string{"retention.ms=604800000", " min.insync.replicas = 2"}},
			want: []kafka.ConfigEntry{{ConfigName: "retention.ms", ConfigValue: "604800000"}, {ConfigName: "min.insync.replicas", ConfigValue: "2"}}},
		{name: "a value split at its comma by the environment is joined again", spec: TopicSpec{Partitions: 1, Replication: -1, Configs: []string{"cleanup.policy=compact", "delete", "retention.ms=1"}},
			want: []kafka.ConfigEntry{{ConfigName: "cleanup.policy", ConfigValue: "compact,delete"}, {ConfigName: "retention.ms", ConfigValue: "1"}}},
		{name: "negative partitions", spec: TopicSpec{Partitions: -1, Replication: -1}, wantErr: "--topic-partitions -1: want 0"},
		{name: "replication 0", spec: TopicSpec{Partitions: 1, Replication: 0}, wantErr: "--topic-replication 0: want -1"},
		{name: "replication -2", spec: TopicSpec{Partitions: 1, Replication: -2}, wantErr: "--topic-replication -2"},
		{name: "a setting without a value", spec: TopicSpec{Replication: -1, Configs: []string{"retention.ms"}}, wantErr: `--topic-config "retention.ms": want key=value`},
		{name: "a setting without a name", spec: TopicSpec{Replication: -1, Configs: []string{"=5"}}, wantErr: `--topic-config "=5": want key=value with a topic setting`},
		{name: "a setting twice", spec: TopicSpec{Replication: -1, Configs: []string{"retention.ms=1", "retention.ms=2"}}, wantErr: "--topic-config retention.ms is given twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.spec.Validate()
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, tc.spec.ConfigEntries())
			tcfg := tc.spec.TopicConfig("news.raw")
			require.Equal(t, tc.spec.Partitions, tcfg.NumPartitions)
			require.Equal(t, tc.spec.Replication, tcfg.ReplicationFactor)
		})
	}
}

func TestTopicSpecFlags(t *testing.T) {
	var spec TopicSpec
	s := cli.New("consume", "test")
	spec.AddFlags(s, 0, "partitions")
	s.SetLookupEnv(env(map[string]string{"NEWSFLOW_TOPIC_CONFIG": "cleanup.policy=compact,delete,retention.ms=5"}))
	_, err := s.Parse([]string{"--topic-partitions", "4", "--topic-replication", "3"})
	require.NoError(t, err)
	require.NoError(t, spec.Validate())
	require.Equal(t, TopicSpec{Partitions: 4, Replication: 3, Configs: []string{"cleanup.policy=compact", "delete", "retention.ms=5"}}, spec)
	require.Equal(t, []kafka.ConfigEntry{{ConfigName: "cleanup.policy", ConfigValue: "compact,delete"}, {ConfigName: "retention.ms", ConfigValue: "5"}}, spec.ConfigEntries())
}

func TestMissingTopicErrorNamesTheCommandAndTheFlags(t *testing.T) {
	tests := []struct {
		name string
		err  MissingTopicError
		want string
	}{
		{
			name: "produce with nothing given",
			err:  MissingTopicError{Topic: "news.raw", Brokers: []string{"kafka-1:9092", "kafka-2:9092"}, Command: "produce", Spec: TopicSpec{Replication: -1}},
			want: "topic news.raw does not exist (newsflow never relies on the broker creating topics on first use). Create it, with as many partitions as consume workers may share it (6 here):\n" +
				"  kafka-topics.sh --bootstrap-server kafka-1:9092 --create --topic news.raw --partitions 6\n" +
				"or let newsflow produce create it at start: --topic-partitions 6",
		},
		{
			name: "consume on a secured cluster with a replication and settings",
			err: MissingTopicError{Topic: "wires", Brokers: []string{"k:9093"}, Secure: true, Command: "consume", Also: "wires.dlq",
				Spec: TopicSpec{Replication: 3, Configs: []string{"retention.ms=86400000", "min.insync.replicas=2"}}},
			want: "topic wires does not exist (newsflow never relies on the broker creating topics on first use). Create it, with as many partitions as consume workers may share it (6 here):\n" +
				"  kafka-topics.sh --bootstrap-server k:9093 --command-config <client.properties with the SASL/TLS settings> --create --topic wires --partitions 6 --replication-factor 3 --config min.insync.replicas=2 --config retention.ms=86400000\n" +
				"or let newsflow consume create it (and wires.dlq beside it) at start: --topic-partitions 6 --topic-replication 3 --topic-config min.insync.replicas=2 --topic-config retention.ms=86400000",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, tc.err.Error())
			var err error = &tc.err
			require.True(t, errors.Is(err, kafka.UnknownTopicOrPartition))
			require.False(t, Temporary(err), "a missing topic is not retried")
		})
	}
}
