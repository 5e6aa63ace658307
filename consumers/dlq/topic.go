package dlq

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/segmentio/kafka-go"
)

// Admin is the part of *kafka.Client EnsureTopic uses.
type Admin interface {
	Metadata(ctx context.Context, req *kafka.MetadataRequest) (*kafka.MetadataResponse, error)
	CreateTopics(ctx context.Context, req *kafka.CreateTopicsRequest) (*kafka.CreateTopicsResponse, error)
}

// EnsureTopic creates the dead-letter topic dlqTopic, with as many
// partitions as topic and the broker's default replication, unless it
// exists. Racing workers are fine: "already exists" is success.
func EnsureTopic(ctx context.Context, c Admin, topic, dlqTopic string, logger *slog.Logger) error {
	md, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic, dlqTopic}})
	if err != nil {
		return fmt.Errorf("read metadata of %s and %s (is the broker reachable?): %w", topic, dlqTopic, err)
	}
	partitions := 0
	for _, t := range md.Topics {
		switch {
		case t.Name == dlqTopic && t.Error == nil && len(t.Partitions) > 0:
			return nil
		case t.Name == topic && t.Error == nil:
			partitions = len(t.Partitions)
		}
	}
	if partitions == 0 {
		return fmt.Errorf("topic %s does not exist: create it (the producers' topic) before starting consumers", topic)
	}
	res, err := c.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{{
		Topic: dlqTopic, NumPartitions: partitions, ReplicationFactor: -1,
	}}})
	if err != nil {
		return fmt.Errorf("create dead-letter topic %s: %w", dlqTopic, err)
	}
	if err := res.Errors[dlqTopic]; err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
		return fmt.Errorf("create dead-letter topic %s (create it by hand if this client may not): %w", dlqTopic, err)
	}
	if logger != nil {
		logger.Info("dead-letter topic created", "topic", dlqTopic, "partitions", partitions)
	}
	return nil
}
