package consumers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/newsflow/newsflow/consumers/backoff"
	"github.com/newsflow/newsflow/consumers/dlq"
	"github.com/newsflow/newsflow/consumers/lag"
	"github.com/newsflow/newsflow/internal/kafkacfg"
	"github.com/newsflow/newsflow/internal/ops"
)

// DefaultLagInterval is how often the assembled worker measures its lag.
const DefaultLagInterval = lag.DefaultInterval

// AssemblyConfig is the configuration of a worker process, validated once
// by Assemble: the same for `newsflow consume` and `newsflow up`, which
// differ only in their defaults and in the parts they pass.
type AssemblyConfig struct {
	// Worker tunes the worker; Worker.Topic is the raw topic.
	Worker Config
	// Reader tunes the consumer-group reader (group, session, fetch).
	Reader kafkacfg.ReaderConfig
	// DLQTopic receives the dead letters. Default: Worker.Topic + ".dlq".
	DLQTopic string
	// LagInterval is how often newsflow_consumer_lag is measured.
	// Default: DefaultLagInterval.
	LagInterval time.Duration
	// WaitForTopic makes Run wait until the raw topic exists (newsflow up on
	// a cluster, where its producers create it); otherwise a missing raw
	// topic fails Run (*kafkacfg.MissingTopicError), unless CreateTopic
	// says how to create it.
	WaitForTopic bool
	// CreateTopic, with Partitions > 0, creates the raw topic when it is
	// absent (--topic-partitions, --topic-replication, --topic-config). The
	// dead-letter topic is created beside it with the same replication and
	// settings (its max.message.bytes sized as dlq.EnsureTopic sizes it).
	CreateTopic kafkacfg.TopicSpec
	// KafkaLogLevel is the level of kafka-go's error log. Default: warn.
	KafkaLogLevel slog.Level
}

// AssemblyParts are the collaborators that differ between deployments.
type AssemblyParts struct {
	// Kafka are the process's Kafka clients. Required.
	Kafka *kafkacfg.Clients
	// Processor runs the stages (*pipeline.Pipeline over the dedup store of
	// the deployment). Required.
	Processor Processor
	// Indexer is the last stage (index/elastic or index/bleve). Required.
	Indexer Indexer
	// Prober, when set, gets the readiness checks "consumer" (set up and
	// running) and "kafka" (a metadata request answers).
	Prober *ops.Prober
	// Logger: default discard. Registerer: nil means no metrics.
	Logger     *slog.Logger
	Registerer prometheus.Registerer
}

// Assembly is one consumer worker with everything around it: the group
// member and its partition readers (Group), the dead-letter writer, the lag monitor, the reader's metrics and
// the readiness checks. Run it once.
type Assembly struct {
	cfg     AssemblyConfig
	parts   AssemblyParts
	log     *slog.Logger
	writer  *kafka.Writer
	limits  dlq.Limits // of the raw and dead-letter topics, found by setup
	monitor *lag.Monitor
	running atomic.Bool
}

// Assemble validates cfg and builds the parts of a worker that need no
// network yet. The reader joins the group in Run, after the topics are
// set up.
func Assemble(cfg AssemblyConfig, p AssemblyParts) (*Assembly, error) {
	if err := cfg.Worker.Validate(); err != nil {
		return nil, err
	}
	if err := cfg.Reader.Validate(); err != nil {
		return nil, err
	}
	if cfg.CreateTopic.Replication == 0 {
		cfg.CreateTopic.Replication = kafkacfg.DefaultReplication
	}
	if err := cfg.CreateTopic.Validate(); err != nil {
		return nil, err
	}
	if p.Kafka == nil || p.Processor == nil || p.Indexer == nil {
		return nil, errors.New("consumer: Kafka clients, Processor and Indexer are required")
	}
	if cfg.DLQTopic == "" {
		cfg.DLQTopic = cfg.Worker.Topic + kafkacfg.DLQSuffix
	}
	if cfg.LagInterval <= 0 {
		cfg.LagInterval = DefaultLagInterval
	}
	if cfg.KafkaLogLevel == 0 {
		cfg.KafkaLogLevel = slog.LevelWarn
	}
	if p.Logger == nil {
		p.Logger = slog.New(slog.DiscardHandler)
	}
	a := &Assembly{cfg: cfg, parts: p, log: p.Logger}
	a.writer = p.Kafka.KeyedWriter(cfg.DLQTopic)
	a.monitor = lag.NewMonitor(p.Kafka.Client, cfg.Reader.Group, cfg.Worker.Topic, cfg.LagInterval, p.Registerer, p.Logger)
	if p.Prober != nil {
		p.Prober.AddCheck("consumer", func(context.Context) error {
			if !a.running.Load() {
				return errors.New("consumer still setting up")
			}
			return nil
		})
		p.Prober.AddCheck("kafka", func(ctx context.Context) error { return p.Kafka.Ping(ctx, cfg.Worker.Topic) })
	}
	return a, nil
}

// Run sets up the topics (the dead-letter topic is created beside the raw
// one, retried with backoff while the cluster is unreachable), joins the
// group and consumes until ctx ends; then the worker drains and commits
// (see Worker.Run), the lag monitor stops and the group member (leaving the
// group) and the dead-letter writer close. It returns nil after an orderly stop.
func (a *Assembly) Run(ctx context.Context) error {
	if err := a.setup(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	k, topic, rc := a.parts.Kafka, a.cfg.Worker.Topic, a.cfg.Reader
	group, err := NewGroup(GroupConfig{
		Topic: topic, DrainTimeout: rc.DrainTimeout(), CommitTimeout: a.cfg.Worker.CommitTimeout, Logger: a.log,
	}, GroupParts{
		NewGroup: func(balancers []kafka.GroupBalancer) (*kafka.ConsumerGroup, error) {
			return k.ConsumerGroup(topic, rc, balancers, a.log, a.cfg.KafkaLogLevel)
		},
		NewReader: func(partition int, offset int64, queue int) *kafka.Reader {
			return k.PartitionReader(topic, partition, offset, queue, rc, a.log, a.cfg.KafkaLogLevel)
		},
		Prefetch: rc.Prefetch,
	})
	if err != nil {
		return err
	}
	RegisterReaderStats(group, a.parts.Registerer)
	defer func() {
		if err := group.Close(); err != nil {
			a.log.Warn("leave consumer group", "err", err)
		}
		if err := a.writer.Close(); err != nil {
			a.log.Warn("close dead-letter writer", "err", err)
		}
	}()
	w, err := New(a.cfg.Worker, Options{
		Fetcher:     group,
		Processor:   a.parts.Processor,
		Indexer:     a.parts.Indexer,
		DeadLetters: a.dead(),
		Logger:      a.log,
		Registerer:  a.parts.Registerer,
	})
	if err != nil {
		return err
	}

	lctx, stopLag := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = a.monitor.Run(lctx)
	}()
	a.running.Store(true)
	a.log.Info("consumer running", "topic", a.cfg.Worker.Topic, "group", a.cfg.Reader.Group, "dlq", a.cfg.DLQTopic)
	err = w.Run(ctx)
	a.running.Store(false)
	stopLag()
	wg.Wait()
	return err
}

// setup waits for the raw topic when asked to and makes sure of the
// dead-letter topic: created, or found, able to take a dead letter of any
// message the raw topic accepts (a smaller one is refused: *dlq.TooSmallError
// names the command that fixes it). It records the topics' limits, which
// size the dead-letter writer.
func (a *Assembly) setup(ctx context.Context) error {
	client := a.parts.Kafka.Client
	retryable := func(err error) bool { return kafkacfg.Temporary(err) }
	return backoff.Setup(ctx, a.cfg.Worker.withDefaults().Backoff, a.log, "create the dead-letter topic", retryable, func(ctx context.Context) error {
		if a.cfg.WaitForTopic {
			if err := waitTopic(ctx, client, a.cfg.Worker.Topic); err != nil {
				return err
			}
		}
		spec := a.cfg.CreateTopic
		if spec.Partitions > 0 {
			if err := a.createTopic(ctx); err != nil {
				return err
			}
		}
		err := dlq.EnsureTopicWith(ctx, client, a.cfg.Worker.Topic, a.cfg.DLQTopic, dlq.TopicOptions{Replication: spec.Replication, Configs: spec.ConfigEntries()}, a.log)
		var missing *kafkacfg.MissingTopicError
		if errors.As(err, &missing) {
			missing.Brokers, missing.Spec = a.parts.Kafka.Brokers, spec
			missing.Secure = a.parts.Kafka.Dialer.SASLMechanism != nil || a.parts.Kafka.Dialer.TLS != nil
		}
		if err != nil {
			return err
		}
		l, err := dlq.CheckTopic(ctx, client, a.cfg.Worker.Topic, a.cfg.DLQTopic)
		if err != nil {
			return err
		}
		a.limits = l
		return nil
	})
}

// createTopic creates the raw topic as CreateTopic says unless it exists.
func (a *Assembly) createTopic(ctx context.Context) error {
	topic := a.cfg.Worker.Topic
	md, err := a.parts.Kafka.Client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return fmt.Errorf("read metadata of %s (is the broker reachable?): %w", topic, err)
	}
	for _, t := range md.Topics {
		if t.Name == topic && t.Error == nil && len(t.Partitions) > 0 {
			return nil
		}
	}
	if err := kafkacfg.CreateTopic(ctx, a.parts.Kafka.Client, topic, a.cfg.CreateTopic); err != nil {
		return err
	}
	a.log.Info("kafka topic created", "topic", topic, "partitions", a.cfg.CreateTopic.Partitions,
		"replication_factor", a.cfg.CreateTopic.Replication, "settings", a.cfg.CreateTopic.Configs)
	return nil
}

// dead returns the dead-letter producer, its writer sized to what the
// dead-letter topic takes (a letter that still does not fit is stored
// truncated, never retried without end).
func (a *Assembly) dead() *dlq.Producer {
	a.writer.BatchBytes = int64(a.limits.WriterBatchBytes())
	return dlq.NewProducerWith(a.writer, dlq.ProducerOptions{
		Topic: a.cfg.DLQTopic, MaxBytes: a.limits.WriterBatchBytes(), Logger: a.log, Registerer: a.parts.Registerer,
	})
}

// waitTopic waits until topic exists.
func waitTopic(ctx context.Context, client *kafka.Client, topic string) error {
	for {
		md, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
		if err == nil {
			for _, t := range md.Topics {
				if t.Name == topic && t.Error == nil && len(t.Partitions) > 0 {
					return nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("topic %s does not exist yet: %w", topic, ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
}
