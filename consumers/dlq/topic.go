package dlq

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/segmentio/kafka-go"

	"github.com/newsflow/newsflow/internal/kafkacfg"
)

// HeaderRoom is what the dead-letter topic's max.message.bytes has on top
// of the raw topic's: a dead letter is its original (key, value, headers)
// plus the newsflow.* headers, at most MaxReasonBytes of reason and a few
// hundred bytes of names, stage, topic, partition and offset, and a batch
// of several letters has a little more record overhead than one message.
const HeaderRoom = 64 << 10

// ConfigMaxMessageBytes is the topic setting that bounds a record batch.
const ConfigMaxMessageBytes = "max.message.bytes"

// Admin is the part of *kafka.Client EnsureTopic and CheckTopic use.
type Admin interface {
	Metadata(ctx context.Context, req *kafka.MetadataRequest) (*kafka.MetadataResponse, error)
	CreateTopics(ctx context.Context, req *kafka.CreateTopicsRequest) (*kafka.CreateTopicsResponse, error)
	DescribeConfigs(ctx context.Context, req *kafka.DescribeConfigsRequest) (*kafka.DescribeConfigsResponse, error)
}

// Limits are the message size limits of a raw topic and its dead-letter
// topic (their effective max.message.bytes: the topic's own setting, else
// the broker's message.max.bytes).
type Limits struct {
	Raw, DLQ int
}

// WriterBatchBytes is the BatchBytes the dead-letter kafka.Writer needs:
// large enough for a letter of the largest raw message (kafka-go refuses a
// larger message before sending it), and HeaderRoom/2 below the topic's
// limit so that a batch of several letters, with its record overhead, still
// fits. A letter larger than this is stored truncated (Producer.Send).
func (l Limits) WriterBatchBytes() int {
	return l.DLQ - HeaderRoom/2
}

// TooSmallError is CheckTopic's refusal: the dead-letter topic cannot take
// a dead letter of every message the raw topic accepts.
type TooSmallError struct {
	Topic, DLQTopic string
	Limits          Limits
}

// Want is the max.message.bytes the dead-letter topic needs.
func (e *TooSmallError) Want() int { return e.Limits.Raw + HeaderRoom }

func (e *TooSmallError) Error() string {
	return fmt.Sprintf("dead-letter topic %s takes messages up to %d bytes (%s), less than the %d bytes %s takes plus %d for the dead-letter headers: "+
		"a large poison message could not be dead-lettered whole. Raise it, then start again: "+
		"kafka-configs.sh --bootstrap-server <broker> --alter --entity-type topics --entity-name %s --add-config %s=%d",
		e.DLQTopic, e.Limits.DLQ, ConfigMaxMessageBytes, e.Limits.Raw, e.Topic, HeaderRoom, e.DLQTopic, ConfigMaxMessageBytes, e.Want())
}

// EnsureTopic creates the dead-letter topic dlqTopic unless it exists, with
// as many partitions as topic, the broker's default replication and a
// max.message.bytes of topic's limit plus HeaderRoom, then checks it with
// CheckTopic: an existing dead-letter topic smaller than that is refused
// (*TooSmallError), so the worker does not start. Racing workers are fine:
// "already exists" is success. A missing raw topic is a
// *kafkacfg.MissingTopicError.
func EnsureTopic(ctx context.Context, c Admin, topic, dlqTopic string, logger *slog.Logger) error {
	return EnsureTopicWith(ctx, c, topic, dlqTopic, TopicOptions{Replication: kafkacfg.DefaultReplication}, logger)
}

// TopicOptions are the settings of a dead-letter topic EnsureTopicWith
// creates, beside its size.
type TopicOptions struct {
	// Replication is its replication factor; -1 is the broker's default.
	Replication int
	// Configs are its other settings (a max.message.bytes among them is
	// replaced by the one the topic needs).
	Configs []kafka.ConfigEntry
}

// EnsureTopicWith is EnsureTopic creating the dead-letter topic with o.
func EnsureTopicWith(ctx context.Context, c Admin, topic, dlqTopic string, o TopicOptions, logger *slog.Logger) error {
	if o.Replication == 0 {
		o.Replication = kafkacfg.DefaultReplication
	}
	md, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic, dlqTopic}})
	if err != nil {
		if kafkacfg.IsAuthError(err) {
			// Flattened (%v): the cause may be a *net.OpError, which a
			// caller's retry loop would take for a passing network fault.
			return fmt.Errorf("read metadata of %s and %s: %v", topic, dlqTopic, kafkacfg.Explain(err, nil))
		}
		return fmt.Errorf("read metadata of %s and %s (is the broker reachable?): %w", topic, dlqTopic, err)
	}
	partitions, exists := 0, false
	for _, t := range md.Topics {
		switch {
		case t.Name == dlqTopic && t.Error == nil && len(t.Partitions) > 0:
			exists = true
		case t.Name == topic && t.Error == nil:
			partitions = len(t.Partitions)
		}
	}
	if partitions == 0 {
		return &kafkacfg.MissingTopicError{Topic: topic, Command: "consume", Also: dlqTopic}
	}
	if !exists {
		raw, err := maxMessageBytes(ctx, c, topic)
		if err != nil {
			return err
		}
		want := raw + HeaderRoom
		entries := []kafka.ConfigEntry{{ConfigName: ConfigMaxMessageBytes, ConfigValue: strconv.Itoa(want)}}
		for _, e := range o.Configs {
			if e.ConfigName != ConfigMaxMessageBytes {
				entries = append(entries, e)
			}
		}
		res, err := c.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{{
			Topic: dlqTopic, NumPartitions: partitions, ReplicationFactor: o.Replication, ConfigEntries: entries,
		}}})
		if err != nil {
			return fmt.Errorf("create dead-letter topic %s: %w", dlqTopic, err)
		}
		if err := res.Errors[dlqTopic]; err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
			return fmt.Errorf("create dead-letter topic %s (create it by hand if this client may not, with %s=%d): %w", dlqTopic, ConfigMaxMessageBytes, want, err)
		}
		if logger != nil {
			logger.Info("dead-letter topic created", "topic", dlqTopic, "partitions", partitions, "replication_factor", o.Replication, "max_message_bytes", want)
		}
	}
	_, err = CheckTopic(ctx, c, topic, dlqTopic)
	return err
}

// CheckTopic reads the limits of topic and dlqTopic and refuses
// (*TooSmallError) a dead-letter topic whose max.message.bytes is below the
// raw topic's plus HeaderRoom. Limits.WriterBatchBytes sizes the
// dead-letter writer.
func CheckTopic(ctx context.Context, c Admin, topic, dlqTopic string) (Limits, error) {
	var l Limits
	var err error
	if l.Raw, err = maxMessageBytes(ctx, c, topic); err != nil {
		return l, err
	}
	if l.DLQ, err = maxMessageBytes(ctx, c, dlqTopic); err != nil {
		return l, err
	}
	if l.DLQ < l.Raw+HeaderRoom {
		return l, &TooSmallError{Topic: topic, DLQTopic: dlqTopic, Limits: l}
	}
	return l, nil
}

// maxMessageBytes returns the effective max.message.bytes of topic.
func maxMessageBytes(ctx context.Context, c Admin, topic string) (int, error) {
	res, err := c.DescribeConfigs(ctx, &kafka.DescribeConfigsRequest{Resources: []kafka.DescribeConfigRequestResource{{
		ResourceType: kafka.ResourceTypeTopic, ResourceName: topic, ConfigNames: []string{ConfigMaxMessageBytes},
	}}})
	if err != nil {
		return 0, fmt.Errorf("read %s of topic %s: %w", ConfigMaxMessageBytes, topic, err)
	}
	for _, r := range res.Resources {
		if r.ResourceName != topic {
			continue
		}
		if r.Error != nil {
			return 0, fmt.Errorf("read %s of topic %s: %w", ConfigMaxMessageBytes, topic, r.Error)
		}
		for _, e := range r.ConfigEntries {
			if e.ConfigName == ConfigMaxMessageBytes {
				n, err := strconv.Atoi(e.ConfigValue)
				if err != nil || n <= 0 {
					return 0, fmt.Errorf("topic %s: %s is %q, not a positive number", topic, ConfigMaxMessageBytes, e.ConfigValue)
				}
				return n, nil
			}
		}
	}
	return 0, fmt.Errorf("read %s of topic %s: not in the broker's answer", ConfigMaxMessageBytes, topic)
}

// Resizer is the part of *kafka.Client that Fit uses besides Admin.
type Resizer interface {
	Admin
	IncrementalAlterConfigs(ctx context.Context, req *kafka.IncrementalAlterConfigsRequest) (*kafka.IncrementalAlterConfigsResponse, error)
}

// Fit raises dlqTopic's max.message.bytes to what CheckTopic requires when
// it is smaller (a topic an older version made with the broker's default).
// It is for a broker newsflow owns (the embedded one of `newsflow up`); on a
// deployment's cluster CheckTopic refuses instead, and the operator changes
// the topic.
func Fit(ctx context.Context, c Resizer, topic, dlqTopic string, logger *slog.Logger) error {
	_, err := CheckTopic(ctx, c, topic, dlqTopic)
	var small *TooSmallError
	if !errors.As(err, &small) {
		return err
	}
	res, err := c.IncrementalAlterConfigs(ctx, &kafka.IncrementalAlterConfigsRequest{Resources: []kafka.IncrementalAlterConfigsRequestResource{{
		ResourceType: kafka.ResourceTypeTopic, ResourceName: dlqTopic,
		Configs: []kafka.IncrementalAlterConfigsRequestConfig{{Name: ConfigMaxMessageBytes, Value: strconv.Itoa(small.Want()), ConfigOperation: kafka.ConfigOperationSet}},
	}}})
	if err == nil {
		for _, r := range res.Resources {
			err = errors.Join(err, r.Error)
		}
	}
	if err != nil {
		return fmt.Errorf("raise %s of %s to %d: %w", ConfigMaxMessageBytes, dlqTopic, small.Want(), err)
	}
	logger.Info("dead-letter topic sized to take what the raw topic takes", "topic", dlqTopic, "max_message_bytes", small.Want())
	return nil
}
