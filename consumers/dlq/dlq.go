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
//
// A dead letter never blocks its partition. The dead-letter topic takes
// whatever the raw topic takes plus HeaderRoom (EnsureTopic creates it so
// and CheckTopic refuses a smaller one); a letter that still cannot be
// written because of its size (Kafka's MESSAGE_TOO_LARGE, or larger than
// the writer's BatchBytes) is stored truncated: its value cut to fit, the
// original's other headers dropped when they alone are too large, the
// newsflow.* headers kept, and newsflow.truncated set to the original
// value's length in bytes. newsflow_dlq_truncated_messages_total counts
// them; Replay skips them, since their bytes are not the original's.
package dlq

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
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
	// HeaderTruncated marks a dead letter stored truncated because it did
	// not fit the dead-letter topic; its value is the length in bytes of
	// the original message's value.
	HeaderTruncated = "newsflow.truncated"
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
// returning nil means the letters are stored, and BatchBytes set to
// Limits.WriterBatchBytes (kafka-go's default, 1 MiB, refuses larger
// letters, which are then stored truncated).
type Producer struct {
	w         Writer
	topic     string
	maxBytes  int
	logger    *slog.Logger
	metrics   *prometheus.CounterVec
	truncated *prometheus.CounterVec
}

// ProducerOptions configure a Producer.
type ProducerOptions struct {
	// Topic is the dead-letter topic (for errors and logs).
	Topic string
	// MaxBytes is the largest message the writer can store
	// (Limits.WriterBatchBytes); a letter that does not fit is cut to this
	// size at once. 0: unknown, a letter refused for its size is halved
	// until it fits.
	MaxBytes int
	// Logger and Registerer may be nil.
	Logger     *slog.Logger
	Registerer prometheus.Registerer
}

// NewProducer returns a Producer writing through w to topic (for metrics
// and errors). reg may be nil.
func NewProducer(w Writer, topic string, reg prometheus.Registerer) *Producer {
	return NewProducerWith(w, ProducerOptions{Topic: topic, Registerer: reg})
}

// NewProducerWith returns a Producer writing through w.
func NewProducerWith(w Writer, o ProducerOptions) *Producer {
	f := promauto.With(o.Registerer)
	m := f.NewCounterVec(prometheus.CounterOpts{
		Name: "newsflow_dlq_messages_total",
		Help: "Messages written to the dead-letter topic, by the stage that failed.",
	}, []string{"stage"})
	tr := f.NewCounterVec(prometheus.CounterOpts{
		Name: "newsflow_dlq_truncated_messages_total",
		Help: "Dead letters stored truncated (header newsflow.truncated) because the whole message did not fit the dead-letter topic, by stage.",
	}, []string{"stage"})
	for _, s := range []string{StageDecode, StageValidate, "normalize", "figures", "dedup", StagePipeline, StageIndex} {
		m.WithLabelValues(s)
		tr.WithLabelValues(s)
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Producer{w: w, topic: o.Topic, maxBytes: o.MaxBytes, logger: logger, metrics: m, truncated: tr}
}

// maxTruncationRounds bounds the halving of a letter refused for its size
// when MaxBytes is unknown: 40 halvings take any value to nothing.
const maxTruncationRounds = 40

// Send writes the letters and returns nil only when all are acknowledged.
// A letter refused for its size is written again alone, then truncated
// until it fits, so a size error never comes back to the caller. The
// caller retries other errors (a retry may write some twice; dead letters
// are at-least-once like everything else).
func (p *Producer) Send(ctx context.Context, letters []Letter) error {
	if len(letters) == 0 {
		return nil
	}
	msgs := make([]kafka.Message, len(letters))
	for i, l := range letters {
		msgs[i] = Message(l)
	}
	if p.maxBytes > 0 {
		for i := range msgs {
			if messageSize(msgs[i]) > p.maxBytes {
				msgs[i] = truncate(msgs[i], len(letters[i].Msg.Value), p.maxBytes)
			}
		}
	}
	err := p.w.WriteMessages(ctx, msgs...)
	if err == nil {
		p.count(letters, msgs)
		return nil
	}
	tooLarge, other := sizeErrors(err, len(msgs))
	if other != nil || len(tooLarge) == 0 {
		return fmt.Errorf("write %d dead letters to %s (does the topic exist? newsflow consume creates it at start): %w", len(msgs), p.topic, err)
	}
	// Every failure is a size error. With kafka-go's own size check
	// (MessageTooLargeError) nothing was written; otherwise the others are
	// stored. Write the refused letters one at a time, first whole (a
	// batch of several may be too large where each letter fits), then cut.
	var done []int
	for i := range msgs {
		if !slices.Contains(tooLarge, i) {
			done = append(done, i)
		}
	}
	for _, i := range tooLarge {
		if err := p.writeShrinking(ctx, &msgs[i], len(letters[i].Msg.Value)); err != nil {
			return err
		}
		done = append(done, i)
	}
	for _, i := range done {
		p.count(letters[i:i+1], msgs[i:i+1])
	}
	return nil
}

// writeShrinking writes m alone, cutting it further after each size error.
func (p *Producer) writeShrinking(ctx context.Context, m *kafka.Message, origValue int) error {
	limit := messageSize(*m)
	for round := 0; ; round++ {
		err := p.w.WriteMessages(ctx, *m)
		if err == nil {
			return nil
		}
		if tl, other := sizeErrors(err, 1); other != nil || len(tl) == 0 {
			return fmt.Errorf("write a dead letter to %s: %w", p.topic, err)
		}
		if round >= maxTruncationRounds {
			return fmt.Errorf("write a dead letter to %s: still too large after %d truncations: %w", p.topic, round, err)
		}
		if p.maxBytes > 0 && limit > p.maxBytes {
			limit = p.maxBytes
		} else {
			limit /= 2
		}
		*m = truncate(*m, origValue, limit)
	}
}

func (p *Producer) count(letters []Letter, msgs []kafka.Message) {
	for i, l := range letters {
		p.metrics.WithLabelValues(l.Stage).Inc()
		if _, ok := Header(msgs[i], HeaderTruncated); ok {
			p.truncated.WithLabelValues(l.Stage).Inc()
			p.logger.Warn("dead letter stored truncated: the whole message does not fit the dead-letter topic",
				"topic", l.Msg.Topic, "partition", l.Msg.Partition, "offset", l.Msg.Offset, "stage", l.Stage,
				"value_bytes", len(l.Msg.Value), "stored_bytes", len(msgs[i].Value), "dlq", p.topic)
		}
	}
}

// sizeErrors sorts the errors of a write of n messages: the indexes
// refused for their size, and the first other error. kafka-go's own size
// check (MessageTooLargeError) refuses the whole write before sending
// anything: every index is returned, each to be written alone.
func sizeErrors(err error, n int) (tooLarge []int, other error) {
	if isClientSizeError(err) {
		for i := range n {
			tooLarge = append(tooLarge, i)
		}
		return tooLarge, nil
	}
	var we kafka.WriteErrors
	if errors.As(err, &we) {
		for i, e := range we {
			switch {
			case e == nil:
			case isSizeError(e):
				tooLarge = append(tooLarge, i)
			case other == nil:
				other = e
			}
		}
		return tooLarge, other
	}
	if isSizeError(err) && n == 1 {
		return []int{0}, nil
	}
	return nil, err
}

func isClientSizeError(err error) bool {
	var mt kafka.MessageTooLargeError
	return errors.As(err, &mt)
}

func isSizeError(err error) bool {
	return errors.Is(err, kafka.MessageSizeTooLarge) || errors.Is(err, kafka.RecordListTooLarge)
}

// Describe renders the newsflow.* headers of a dead letter on one line, for
// people and logs.
func Describe(m kafka.Message) string {
	var b strings.Builder
	for _, k := range []string{HeaderStage, HeaderTopic, HeaderPartition, HeaderOffset, HeaderReplays, HeaderTruncated, HeaderError} {
		if v, ok := Header(m, k); ok {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%s=%q", strings.TrimPrefix(k, "newsflow."), v)
		}
	}
	return b.String()
}

// messageSize is what a message counts against a size limit: key, value
// and headers, as kafka-go's BatchBytes check counts them, plus a record's
// overhead.
func messageSize(m kafka.Message) int {
	n := len(m.Key) + len(m.Value) + recordOverhead
	for _, h := range m.Headers {
		n += len(h.Key) + len(h.Value) + headerOverhead
	}
	return n
}

const (
	recordOverhead = 64
	headerOverhead = 8
	// truncatedKeyBytes is how much of the key a truncated letter keeps
	// when the key alone does not leave room for the value.
	truncatedKeyBytes = 1024
)

// truncate returns m cut to at most limit bytes (messageSize), marked with
// newsflow.truncated = origValue (the original value's length). The
// newsflow.* headers are kept; the original's other headers are dropped
// when they and the key leave less than half the limit for the value.
func truncate(m kafka.Message, origValue, limit int) kafka.Message {
	out := kafka.Message{Key: m.Key}
	var own, others []kafka.Header
	for _, h := range m.Headers {
		switch {
		case h.Key == HeaderTruncated:
		case strings.HasPrefix(h.Key, "newsflow."):
			own = append(own, h)
		default:
			others = append(others, h)
		}
	}
	out.Headers = append(own, kafka.Header{Key: HeaderTruncated, Value: []byte(strconv.Itoa(origValue))})
	base := messageSize(out)
	withOthers := base
	for _, h := range others {
		withOthers += len(h.Key) + len(h.Value) + headerOverhead
	}
	if withOthers <= limit/2 {
		out.Headers = append(out.Headers, others...)
		base = withOthers
	} else if base > limit/2 && len(out.Key) > truncatedKeyBytes {
		out.Key = out.Key[:truncatedKeyBytes]
		base = messageSize(out)
	}
	room := max(limit-base, 0)
	out.Value = m.Value[:min(room, len(m.Value))]
	return out
}
