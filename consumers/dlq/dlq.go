// Package dlq writes messages the consumer cannot process to the
// dead-letter topic (<topic>.dlq) and replays them to the raw topic after a
// fix. A dead letter keeps the original key and value bytes untouched and
// carries the reason in headers (DESIGN.md):
//
//	newsflow.error      what went wrong, for a person
//	newsflow.stage      where: decode, validate, normalize, figures, dedup, pipeline (a panic), index
//	newsflow.topic      the topic, partition and offset the message came from
//	newsflow.partition
//	newsflow.offset
//
// Headers the original message had are kept after these. Replay adds
// newsflow.replays (how many times the message was replayed), so a message
// that keeps failing can be recognised.
package dlq

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/segmentio/kafka-go"
)

// Header names.
const (
	HeaderError     = "newsflow.error"
	HeaderStage     = "newsflow.stage"
	HeaderTopic     = "newsflow.topic"
	HeaderPartition = "newsflow.partition"
	HeaderOffset    = "newsflow.offset"
	// HeaderReplays counts replays of a message (set by Replay on the raw
	// topic and carried into a new dead letter).
	HeaderReplays = "newsflow.replays"
)

// Stages of the consumer that are not pipeline stages (pipeline.Stage*
// name the others).
const (
	// StageDecode: the value is not UTF-8 JSON of a RawArticle.
	StageDecode = "decode"
	// StageValidate: RawArticle.Validate failed (no source, no body, …).
	StageValidate = "validate"
	// StageIndex: Elasticsearch rejected the document (mapping, parsing).
	StageIndex = "index"
	// StagePipeline: a stage panicked on the message.
	StagePipeline = "pipeline"
)

// MaxReasonBytes bounds the newsflow.error header.
const MaxReasonBytes = 2000

// Letter is one message to dead-letter.
type Letter struct {
	// Msg is the message as fetched (topic, partition, offset, key, value,
	// headers).
	Msg kafka.Message
	// Stage is where it failed.
	Stage string
	// Reason says what failed.
	Reason string
}

// Message builds the dead-letter message for l: original key and value,
// the newsflow.* headers, then the original headers except newsflow.error,
// stage, topic, partition and offset of an earlier dead-lettering.
func Message(l Letter) kafka.Message {
	reason := l.Reason
	if len(reason) > MaxReasonBytes {
		reason = reason[:MaxReasonBytes]
	}
	h := []kafka.Header{
		{Key: HeaderError, Value: []byte(reason)},
		{Key: HeaderStage, Value: []byte(l.Stage)},
		{Key: HeaderTopic, Value: []byte(l.Msg.Topic)},
		{Key: HeaderPartition, Value: []byte(strconv.Itoa(l.Msg.Partition))},
		{Key: HeaderOffset, Value: []byte(strconv.FormatInt(l.Msg.Offset, 10))},
	}
	for _, o := range l.Msg.Headers {
		switch o.Key {
		case HeaderError, HeaderStage, HeaderTopic, HeaderPartition, HeaderOffset:
			continue
		}
		h = append(h, o)
	}
	return kafka.Message{Key: l.Msg.Key, Value: l.Msg.Value, Headers: h}
}

// Header returns the value of the first header named key, and whether there
// was one.
func Header(m kafka.Message, key string) (string, bool) {
	for _, h := range m.Headers {
		if h.Key == key {
			return string(h.Value), true
		}
	}
	return "", false
}

// Writer is the part of *kafka.Writer a Producer uses.
type Writer interface {
	WriteMessages(ctx context.Context, msgs ...kafka.Message) error
}

// Producer sends dead letters. The kafka.Writer it wraps must have the
// dead-letter topic set, RequiredAcks all and Async off, so that Send
// returning nil means the letters are stored.
type Producer struct {
	w       Writer
	topic   string
	metrics *prometheus.CounterVec
}

// NewProducer returns a Producer writing through w to topic (for metrics
// and errors). reg may be nil.
func NewProducer(w Writer, topic string, reg prometheus.Registerer) *Producer {
	m := promauto.With(reg).NewCounterVec(prometheus.CounterOpts{
		Name: "newsflow_dlq_messages_total",
		Help: "Messages written to the dead-letter topic, by the stage that failed.",
	}, []string{"stage"})
	for _, s := range []string{StageDecode, StageValidate, "normalize", "figures", "dedup", StagePipeline, StageIndex} {
		m.WithLabelValues(s)
	}
	return &Producer{w: w, topic: topic, metrics: m}
}

// Send writes the letters in one call and returns nil only when all are
// acknowledged. The caller retries on error (a retry may write some twice;
// dead letters are at-least-once like everything else).
func (p *Producer) Send(ctx context.Context, letters []Letter) error {
	if len(letters) == 0 {
		return nil
	}
	msgs := make([]kafka.Message, len(letters))
	for i, l := range letters {
		msgs[i] = Message(l)
	}
	if err := p.w.WriteMessages(ctx, msgs...); err != nil {
		return fmt.Errorf("write %d dead letters to %s (does the topic exist? newsflow consume creates it at start): %w", len(msgs), p.topic, err)
	}
	for _, l := range letters {
		p.metrics.WithLabelValues(l.Stage).Inc()
	}
	return nil
}

// Describe renders the newsflow.* headers of a dead letter on one line, for
// people and logs.
func Describe(m kafka.Message) string {
	var b strings.Builder
	for _, k := range []string{HeaderStage, HeaderTopic, HeaderPartition, HeaderOffset, HeaderReplays, HeaderError} {
		if v, ok := Header(m, k); ok {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%s=%q", strings.TrimPrefix(k, "newsflow."), v)
		}
	}
	return b.String()
}
