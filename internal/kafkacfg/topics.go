package kafkacfg

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/segmentio/kafka-go"

	"github.com/newsflow/newsflow/internal/cli"
)

// DefaultReplication lets the broker choose the replication factor of a
// topic newsflow creates (its default.replication.factor).
const DefaultReplication = -1

// TopicSpec is how a command creates the raw topic when it is absent:
// --topic-partitions, --topic-replication and --topic-config.
type TopicSpec struct {
	// Partitions > 0 creates the topic when it does not exist; 0 requires
	// it to exist. Default: 0.
	Partitions int
	// Replication is the replication factor of a created topic; -1 is the
	// broker's default.replication.factor. Default: -1.
	Replication int
	// Configs are topic settings (key=value: retention.ms=604800000,
	// min.insync.replicas=2, …) of a created topic.
	Configs []string
}

// AddFlags declares --topic-partitions (default partitions, with help),
// --topic-replication and --topic-config on s.
func (t *TopicSpec) AddFlags(s *cli.Set, partitions int, partitionsHelp string) {
	s.Int(&t.Partitions, "topic-partitions", "NEWSFLOW_TOPIC_PARTITIONS", partitions, partitionsHelp)
	s.Int(&t.Replication, "topic-replication", "NEWSFLOW_TOPIC_REPLICATION", DefaultReplication,
		"replication factor of a topic created by --topic-partitions; -1 is the broker's default.replication.factor (3 keeps the topic through the loss of a broker, on a cluster of 3 or more)")
	s.List(&t.Configs, "topic-config", "NEWSFLOW_TOPIC_CONFIG", nil,
		"setting of a topic created by --topic-partitions, key=value (retention.ms=604800000, min.insync.replicas=2, …), repeatable; comma-separated in the environment (a piece without = continues the value before it, as in cleanup.policy=compact,delete)")
}

// Validate parses the settings, naming the first one that cannot work.
func (t TopicSpec) Validate() error {
	switch {
	case t.Partitions < 0:
		return fmt.Errorf("--topic-partitions %d: want 0 (the topic must exist) or more", t.Partitions)
	case t.Replication == 0 || t.Replication < -1:
		return fmt.Errorf("--topic-replication %d: want -1 (the broker's default) or at least 1", t.Replication)
	}
	_, err := t.entries()
	return err
}

// entries parses Configs; pieces without "=" continue the value before
// them (an environment list split at a comma inside a value).
func (t TopicSpec) entries() ([]kafka.ConfigEntry, error) {
	var out []kafka.ConfigEntry
	seen := map[string]bool{}
	for _, c := range t.Configs {
		k, v, ok := strings.Cut(c, "=")
		if !ok {
			if len(out) == 0 {
				return nil, fmt.Errorf("--topic-config %q: want key=value", c)
			}
			out[len(out)-1].ConfigValue += "," + c
			continue
		}
		k = strings.TrimSpace(k)
		switch {
		case k == "" || strings.ContainsAny(k, " \t"):
			return nil, fmt.Errorf("--topic-config %q: want key=value with a topic setting as key (retention.ms=…)", c)
		case seen[k]:
			return nil, fmt.Errorf("--topic-config %s is given twice", k)
		}
		seen[k] = true
		out = append(out, kafka.ConfigEntry{ConfigName: k, ConfigValue: strings.TrimSpace(v)})
	}
	return out, nil
}

// ConfigEntries are the parsed Configs (call Validate first).
func (t TopicSpec) ConfigEntries() []kafka.ConfigEntry {
	e, _ := t.entries()
	return e
}

// TopicConfig is the creation request of topic.
func (t TopicSpec) TopicConfig(topic string) kafka.TopicConfig {
	return kafka.TopicConfig{Topic: topic, NumPartitions: t.Partitions, ReplicationFactor: t.Replication, ConfigEntries: t.ConfigEntries()}
}

// TopicAdmin is the part of *kafka.Client CreateTopic uses.
type TopicAdmin interface {
	CreateTopics(ctx context.Context, req *kafka.CreateTopicsRequest) (*kafka.CreateTopicsResponse, error)
}

// CreateTopic creates topic as t says; a topic that exists already (another
// process was faster) is success.
func CreateTopic(ctx context.Context, c TopicAdmin, topic string, t TopicSpec) error {
	res, err := c.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{t.TopicConfig(topic)}})
	if err != nil {
		return fmt.Errorf("create topic %s: %w", topic, err)
	}
	if terr := res.Errors[topic]; terr != nil && !errors.Is(terr, kafka.TopicAlreadyExists) {
		return fmt.Errorf("create topic %s with %d partitions, replication factor %d%s: %w", topic, t.Partitions, t.Replication, t.describeConfigs(), terr)
	}
	return nil
}

func (t TopicSpec) describeConfigs() string {
	e := t.ConfigEntries()
	if len(e) == 0 {
		return ""
	}
	parts := make([]string, len(e))
	for i, c := range e {
		parts[i] = c.ConfigName + "=" + c.ConfigValue
	}
	return ", settings " + strings.Join(parts, " ")
}

// MissingTopicError says that a topic does not exist, with the command that
// creates it and the flags that let newsflow create it.
type MissingTopicError struct {
	Topic string
	// Brokers are the bootstrap brokers (the first one goes into the
	// kafka-topics.sh command).
	Brokers []string
	// Secure: the cluster needs SASL or TLS, so kafka-topics.sh needs a
	// client configuration too.
	Secure bool
	// Command is the newsflow command that could create it (produce,
	// consume), and Spec what the user gave (replication, settings).
	Command string
	Spec    TopicSpec
	// Also names a topic created beside it (the dead-letter topic).
	Also string
}

// Suggested partition count of a new raw topic in the error message: a
// topic has at most as many active consumer workers as partitions.
const suggestedPartitions = 6

func (e *MissingTopicError) Error() string {
	broker := "<broker:port>"
	if len(e.Brokers) > 0 {
		broker = e.Brokers[0]
	}
	var cmd strings.Builder
	fmt.Fprintf(&cmd, "kafka-topics.sh --bootstrap-server %s", broker)
	if e.Secure {
		cmd.WriteString(" --command-config <client.properties with the SASL/TLS settings>")
	}
	fmt.Fprintf(&cmd, " --create --topic %s --partitions %d", e.Topic, suggestedPartitions)
	flags := fmt.Sprintf("--topic-partitions %d", suggestedPartitions)
	if e.Spec.Replication > 0 {
		fmt.Fprintf(&cmd, " --replication-factor %d", e.Spec.Replication)
		flags += fmt.Sprintf(" --topic-replication %d", e.Spec.Replication)
	}
	entries := e.Spec.ConfigEntries()
	sort.Slice(entries, func(i, j int) bool { return entries[i].ConfigName < entries[j].ConfigName })
	for _, c := range entries {
		fmt.Fprintf(&cmd, " --config %s=%s", c.ConfigName, c.ConfigValue)
		flags += fmt.Sprintf(" --topic-config %s=%s", c.ConfigName, c.ConfigValue)
	}
	also := ""
	if e.Also != "" {
		also = " (and " + e.Also + " beside it)"
	}
	return fmt.Sprintf("topic %s does not exist (newsflow never relies on the broker creating topics on first use). Create it, with as many partitions as consume workers may share it (%s here):\n  %s\nor let newsflow %s create it%s at start: %s",
		e.Topic, strconv.Itoa(suggestedPartitions), cmd.String(), e.Command, also, flags)
}

// Is lets errors.Is(err, kafka.UnknownTopicOrPartition) find it.
func (e *MissingTopicError) Is(target error) bool {
	return target == kafka.UnknownTopicOrPartition
}
