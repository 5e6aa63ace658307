package kafkacfg

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/newsflow/newsflow/internal/cli"
)

// Clients are the kafka-go values one process builds from its Settings: a
// Dialer for Readers, a Transport shared by Writers and the admin Client.
// Every newsflow command gets its readers, writers and client here, so they
// are configured alike (security, timeouts, acks, partitioner).
type Clients struct {
	Brokers   []string
	Dialer    *kafka.Dialer
	Transport *kafka.Transport
	// Client sends admin and metadata requests (topics, offsets, lag).
	Client *kafka.Client
}

// Clients builds the clients of resolved settings; clientID names the
// process to the brokers (newsflow-consume, newsflow-up, …).
func (c *Settings) Clients(clientID string) (*Clients, error) {
	dialer, err := c.Dialer(clientID)
	if err != nil {
		return nil, err
	}
	tr, err := c.Transport(clientID)
	if err != nil {
		return nil, err
	}
	return &Clients{
		Brokers:   c.Brokers,
		Dialer:    dialer,
		Transport: tr,
		Client:    &kafka.Client{Addr: kafka.TCP(c.Brokers...), Transport: tr, Timeout: 10 * time.Second},
	}, nil
}

// Close releases the idle connections of the transport.
func (k *Clients) Close() { k.Transport.CloseIdleConnections() }

// Ping asks the cluster for the metadata of topic: the readiness check of
// Kafka.
func (k *Clients) Ping(ctx context.Context, topic string) error {
	_, err := k.Client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	return err
}

// KeyedWriter returns a synchronous writer to topic for the project's own
// records (dead letters, replays): Murmur2 on the key as Java clients
// partition, acks from all in-sync replicas, a 10 ms batch wait (kafka-go's
// default of 1 s would hold every synchronous write), no topic creation.
func (k *Clients) KeyedWriter(topic string) *kafka.Writer {
	return &kafka.Writer{
		Addr:                   kafka.TCP(k.Brokers...),
		Topic:                  topic,
		Balancer:               &kafka.Murmur2Balancer{},
		RequiredAcks:           kafka.RequireAll,
		BatchTimeout:           10 * time.Millisecond,
		Transport:              k.Transport,
		AllowAutoTopicCreation: false,
	}
}

// Defaults of ReaderConfig (newsflow consume).
const (
	DefaultSessionTimeout    = 30 * time.Second
	DefaultHeartbeatInterval = 3 * time.Second
	DefaultRebalanceTimeout  = 30 * time.Second
	DefaultFetchMaxBytes     = 10 << 20
	DefaultFetchMaxWait      = 500 * time.Millisecond
	DefaultPrefetch          = 1000
)

// ReaderConfig tunes a consumer-group reader.
type ReaderConfig struct {
	// Group is the consumer group. Default: newsflow.
	Group string
	// SessionTimeout, HeartbeatInterval, RebalanceTimeout: the group
	// protocol's timings. Defaults: 30s, 3s, 30s.
	SessionTimeout, HeartbeatInterval, RebalanceTimeout time.Duration
	// FetchMaxBytes bounds one fetch; it must exceed the largest message.
	// Default: 10 MiB.
	FetchMaxBytes int
	// FetchMaxWait is how long the broker may hold a fetch. Default: 500ms.
	FetchMaxWait time.Duration
	// Prefetch is kafka-go's read-ahead in messages. Default: 1000.
	Prefetch int
}

// DefaultReaderConfig is the configuration of newsflow consume.
func DefaultReaderConfig() ReaderConfig {
	return ReaderConfig{
		Group:          DefaultGroup,
		SessionTimeout: DefaultSessionTimeout, HeartbeatInterval: DefaultHeartbeatInterval, RebalanceTimeout: DefaultRebalanceTimeout,
		FetchMaxBytes: DefaultFetchMaxBytes, FetchMaxWait: DefaultFetchMaxWait, Prefetch: DefaultPrefetch,
	}
}

// AddFlags declares the reader settings on s with the defaults in def, so
// commands with other needs (newsflow up: a short session) keep one set of
// flags.
func (r *ReaderConfig) AddFlags(s *cli.Set, def ReaderConfig) {
	s.String(&r.Group, "group", "NEWSFLOW_GROUP", def.Group, "consumer group; workers of one group share the partitions")
	s.Duration(&r.SessionTimeout, "kafka-session-timeout", "NEWSFLOW_KAFKA_SESSION_TIMEOUT", def.SessionTimeout,
		"how long the group waits for a silent worker before giving its partitions to others; shorter reacts faster to a crashed worker, too short evicts workers during GC pauses")
	s.Duration(&r.HeartbeatInterval, "kafka-heartbeat-interval", "NEWSFLOW_KAFKA_HEARTBEAT_INTERVAL", def.HeartbeatInterval,
		"heartbeat period; at most a third of the session timeout")
	s.Duration(&r.RebalanceTimeout, "kafka-rebalance-timeout", "NEWSFLOW_KAFKA_REBALANCE_TIMEOUT", def.RebalanceTimeout,
		"how long the group waits for members to rejoin during a rebalance")
	s.Int(&r.FetchMaxBytes, "fetch-max-bytes", "NEWSFLOW_FETCH_MAX_BYTES", def.FetchMaxBytes,
		"most bytes per fetch request; must exceed the largest message")
	s.Duration(&r.FetchMaxWait, "fetch-max-wait", "NEWSFLOW_FETCH_MAX_WAIT", def.FetchMaxWait,
		"how long the broker may hold a fetch waiting for data")
	s.Int(&r.Prefetch, "prefetch", "NEWSFLOW_PREFETCH", def.Prefetch,
		"messages kafka-go reads ahead of processing, shared by the worker's partitions; more smooths throughput and holds more memory (a rebalance keeps the read-ahead of the partitions a worker keeps)")
}

// Validate names the first setting out of range.
func (r ReaderConfig) Validate() error {
	switch {
	case r.Group == "":
		return errors.New("--group is empty")
	case r.SessionTimeout <= 0 || r.HeartbeatInterval <= 0 || r.RebalanceTimeout <= 0:
		return errors.New("--kafka-session-timeout, --kafka-heartbeat-interval and --kafka-rebalance-timeout must be positive")
	case r.HeartbeatInterval*3 > r.SessionTimeout:
		return fmt.Errorf("--kafka-heartbeat-interval %v is more than a third of --kafka-session-timeout %v", r.HeartbeatInterval, r.SessionTimeout)
	case r.FetchMaxBytes <= 0 || r.Prefetch <= 0:
		return errors.New("--fetch-max-bytes and --prefetch must be positive")
	case r.FetchMaxWait <= 0:
		return errors.New("--fetch-max-wait must be positive")
	}
	return nil
}

// GroupReader returns a reader of topic in the group of cfg that commits
// only when told to (CommitInterval 0: CommitMessages returns when the
// broker stored the offsets), starting a group without offsets at the
// first message. kafka-go's errors go to logger at level.
func (k *Clients) GroupReader(topic string, cfg ReaderConfig, logger *slog.Logger, level slog.Level) *kafka.Reader {
	return kafka.NewReader(kafka.ReaderConfig{
		Brokers:           k.Brokers,
		GroupID:           cfg.Group,
		Topic:             topic,
		Dialer:            k.Dialer,
		QueueCapacity:     cfg.Prefetch,
		MinBytes:          1,
		MaxBytes:          cfg.FetchMaxBytes,
		MaxWait:           cfg.FetchMaxWait,
		HeartbeatInterval: cfg.HeartbeatInterval,
		SessionTimeout:    cfg.SessionTimeout,
		RebalanceTimeout:  cfg.RebalanceTimeout,
		CommitInterval:    0,
		StartOffset:       kafka.FirstOffset,
		ErrorLogger:       Logger(logger, level),
	})
}

// DrainTimeout is how long a worker may spend finishing its work in flight
// when a generation of the group ends, before it commits and rejoins: half
// the shorter of the session and rebalance timeouts. kafka-go stops
// heartbeating once a generation ends, so the member must rejoin within
// the session timeout; the group waits at most the rebalance timeout.
func (r ReaderConfig) DrainTimeout() time.Duration {
	return min(r.SessionTimeout, r.RebalanceTimeout) / 2
}

// ConsumerGroup joins the group of cfg as a member consuming topic, with
// balancers in order of preference; a partition without a committed offset
// starts at the first message. kafka-go's errors go to logger at level.
// Fetching is the caller's (PartitionReader), as are the commits, through
// each generation.
func (k *Clients) ConsumerGroup(topic string, cfg ReaderConfig, balancers []kafka.GroupBalancer, logger *slog.Logger, level slog.Level) (*kafka.ConsumerGroup, error) {
	return kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{
		ID:                cfg.Group,
		Brokers:           k.Brokers,
		Dialer:            k.Dialer,
		Topics:            []string{topic},
		GroupBalancers:    balancers,
		HeartbeatInterval: cfg.HeartbeatInterval,
		SessionTimeout:    cfg.SessionTimeout,
		RebalanceTimeout:  cfg.RebalanceTimeout,
		StartOffset:       kafka.FirstOffset,
		ErrorLogger:       Logger(logger, level),
	})
}

// PartitionReader returns a reader of one partition of topic from offset
// (an absolute offset or kafka.FirstOffset), reading up to queue messages
// ahead, with the fetch settings of cfg.
func (k *Clients) PartitionReader(topic string, partition int, offset int64, queue int, cfg ReaderConfig, logger *slog.Logger, level slog.Level) *kafka.Reader {
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:       k.Brokers,
		Topic:         topic,
		Partition:     partition,
		Dialer:        k.Dialer,
		QueueCapacity: queue,
		MinBytes:      1,
		MaxBytes:      cfg.FetchMaxBytes,
		MaxWait:       cfg.FetchMaxWait,
		ErrorLogger:   Logger(logger, level),
	})
	// A reader not yet started takes any offset, FirstOffset included.
	_ = r.SetOffset(offset)
	return r
}

// Logger routes kafka-go's printf logging to slog at level.
func Logger(logger *slog.Logger, level slog.Level) kafka.Logger {
	return kafka.LoggerFunc(func(msg string, args ...any) {
		logger.Log(context.Background(), level, "kafka-go: "+fmt.Sprintf(msg, args...))
	})
}

// Temporary reports whether err is a Kafka error worth retrying (a
// retriable protocol error, a timeout).
func Temporary(err error) bool {
	var ke kafka.Error
	if errors.As(err, &ke) {
		return ke.Temporary()
	}
	var ne interface{ Timeout() bool }
	return errors.As(err, &ne) && ne.Timeout()
}
