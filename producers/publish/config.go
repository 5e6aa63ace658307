package publish

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/newsflow/newsflow/internal/kafkacfg"
)

// Defaults of Config.
const (
	DefaultTopic        = "news.raw"
	DefaultCompression  = "zstd"
	DefaultBatchSize    = 1000
	DefaultBatchBytes   = 1 << 20 // the broker's default message.max.bytes is 1 MiB + 12 bytes
	DefaultBatchTimeout = 10 * time.Millisecond
	DefaultWriteTimeout = 10 * time.Second
	DefaultMaxAttempts  = 5
	// DefaultReplicationFactor -1 lets the broker choose
	// (default.replication.factor).
	DefaultReplicationFactor = -1
)

// Config configures the Publisher.
type Config struct {
	// Brokers are the bootstrap brokers, host:port. Required.
	Brokers []string
	// Topic is the raw topic. Default: news.raw.
	Topic string
	// Transport carries SASL and TLS settings (internal/kafkacfg); nil
	// connects in plain TCP. Default: nil.
	Transport *kafka.Transport
	// Compression is none, gzip, snappy, lz4 or zstd. Default: zstd.
	Compression string
	// BatchSize is the most messages in one produce request per partition.
	// Default: 1000.
	BatchSize int
	// BatchBytes is the most bytes in one batch per partition, and so also
	// the largest article accepted. Default: 1 MiB.
	BatchBytes int64
	// BatchTimeout is how long a partition's batch waits for more messages
	// before it is sent (linger). Default: 10ms.
	BatchTimeout time.Duration
	// WriteTimeout bounds one produce request. Default: 10s.
	WriteTimeout time.Duration
	// MaxAttempts is how often a batch is tried before its articles fail.
	// Default: 5.
	MaxAttempts int
	// Partitions, when > 0, creates the topic with that many partitions if
	// it does not exist (EnsureTopic). 0 requires the topic to exist.
	// Default: 0.
	Partitions int
	// ReplicationFactor of a topic created by EnsureTopic; -1 is the
	// broker's default.replication.factor. Default: -1.
	ReplicationFactor int
	// TopicConfigs are the settings of a topic created by EnsureTopic
	// (key=value, as kafkacfg.TopicSpec.Configs). Default: none.
	TopicConfigs []string
}

// topicSpec is how EnsureTopic creates the topic.
func (c Config) topicSpec() kafkacfg.TopicSpec {
	return kafkacfg.TopicSpec{Partitions: c.Partitions, Replication: c.ReplicationFactor, Configs: c.TopicConfigs}
}

func (c Config) withDefaults() Config {
	if c.Topic == "" {
		c.Topic = DefaultTopic
	}
	if c.Compression == "" {
		c.Compression = DefaultCompression
	}
	if c.BatchSize == 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.BatchBytes == 0 {
		c.BatchBytes = DefaultBatchBytes
	}
	if c.BatchTimeout == 0 {
		c.BatchTimeout = DefaultBatchTimeout
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.ReplicationFactor == 0 {
		c.ReplicationFactor = DefaultReplicationFactor
	}
	return c
}

// Validate names the settings that cannot work.
func (c Config) Validate() error {
	var errs []error
	if len(c.Brokers) == 0 {
		errs = append(errs, errors.New("kafka brokers: none given"))
	}
	if _, err := compressionCodec(c.Compression); err != nil {
		errs = append(errs, err)
	}
	if c.BatchSize < 1 {
		errs = append(errs, fmt.Errorf("batch size %d: want at least 1", c.BatchSize))
	}
	if c.BatchBytes < 1024 {
		errs = append(errs, fmt.Errorf("batch bytes %d: want at least 1024", c.BatchBytes))
	}
	if c.BatchTimeout < 0 || c.WriteTimeout < 0 {
		errs = append(errs, errors.New("batch timeout and write timeout must not be negative"))
	}
	if c.MaxAttempts < 1 {
		errs = append(errs, fmt.Errorf("max attempts %d: want at least 1", c.MaxAttempts))
	}
	if err := c.topicSpec().Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// compressionCodec maps a name to the kafka-go codec.
func compressionCodec(name string) (kafka.Compression, error) {
	switch strings.ToLower(name) {
	case "none", "":
		return 0, nil
	case "gzip":
		return kafka.Gzip, nil
	case "snappy":
		return kafka.Snappy, nil
	case "lz4":
		return kafka.Lz4, nil
	case "zstd":
		return kafka.Zstd, nil
	}
	return 0, fmt.Errorf("compression %q: want none, gzip, snappy, lz4 or zstd", name)
}
