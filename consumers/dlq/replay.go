package dlq

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/segmentio/kafka-go"

	"github.com/newsflow/newsflow/consumers/backoff"
)

// Fetcher is the part of *kafka.Reader (with a GroupID) Replay uses.
type Fetcher interface {
	FetchMessage(ctx context.Context) (kafka.Message, error)
	CommitMessages(ctx context.Context, msgs ...kafka.Message) error
}

// ReplayConfig configures a Replayer.
type ReplayConfig struct {
	// Stages, when not empty, limits the replay to dead letters of these
	// stages (newsflow.stage); others are passed over and committed.
	Stages []string
	// End maps each partition of the dead-letter topic to the offset where
	// the replay stops (the high watermark when it started). Messages at or
	// past it are left for a later replay. Nil: follow the topic until ctx
	// ends.
	End map[int]int64
	// DryRun reads and reports the letters through Observe without
	// publishing or committing anything.
	DryRun bool
	// Observe, when set, is called with every dead letter that is (or,
	// with DryRun, would be) re-published.
	Observe func(letter kafka.Message)
	// BatchSize is how many dead letters are re-published per write.
	// Default: 100.
	BatchSize int
	// Backoff spaces retries of writes and commits. Default: 100ms to 30s.
	Backoff backoff.Policy
	// Logger, Registerer: optional.
	Logger     *slog.Logger
	Registerer prometheus.Registerer
}

// Replayer re-publishes dead letters to the raw topic and commits its own
// group's offsets on the dead-letter topic after each write is acknowledged,
// so an interrupted replay resumes where it stopped (at-least-once, like
// everything else: a letter may be re-published twice, which the consumer
// absorbs by document id and version).
type Replayer struct {
	r       Fetcher
	w       Writer
	cfg     ReplayConfig
	counted *prometheus.CounterVec
}

// Replay results, the label of newsflow_dlq_replayed_messages_total.
const (
	ReplayRepublished = "republished"
	ReplaySkipped     = "skipped"
)

// NewReplayer reads dead letters with r and writes them with w (whose topic
// is the raw topic).
func NewReplayer(r Fetcher, w Writer, cfg ReplayConfig) *Replayer {
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 100
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	c := promauto.With(cfg.Registerer).NewCounterVec(prometheus.CounterOpts{
		Name: "newsflow_dlq_replayed_messages_total",
		Help: "Dead letters read by a replay: republished to the raw topic, or skipped (by the stage filter, or stored truncated).",
	}, []string{"result"})
	return &Replayer{r: r, w: w, cfg: cfg, counted: c}
}

// Counts is what a replay did.
type Counts struct {
	Republished int
	Skipped     int
}

// Replay runs until every partition reached its End (or, without End,
// until ctx ends) and returns the counts.
func (rp *Replayer) Replay(ctx context.Context) (Counts, error) {
	var counts Counts
	remaining := map[int]bool{}
	for p, end := range rp.cfg.End {
		if end > 0 {
			remaining[p] = true
		}
	}
	follow := rp.cfg.End == nil
	// Partitions already replayed to the end are found out by the first
	// fetch of each; a partition with nothing left never yields one, so
	// the caller passes only partitions with work (see Remaining).
	for follow || len(remaining) > 0 {
		batch, last, err := rp.fetchBatch(ctx, remaining, follow)
		if err != nil {
			return counts, err
		}
		var out []kafka.Message
		for _, m := range batch {
			if size, ok := Header(m, HeaderTruncated); ok {
				// Not the original bytes: re-publishing would index a cut article.
				rp.cfg.Logger.Warn("dead letter stored truncated: not replayed; the original is still on the raw topic until its retention ends",
					"partition", m.Partition, "offset", m.Offset, "value_bytes", size, "letter", Describe(m))
				counts.Skipped++
				rp.counted.WithLabelValues(ReplaySkipped).Inc()
				continue
			}
			if len(rp.cfg.Stages) > 0 {
				stage, _ := Header(m, HeaderStage)
				if !slices.Contains(rp.cfg.Stages, stage) {
					counts.Skipped++
					rp.counted.WithLabelValues(ReplaySkipped).Inc()
					continue
				}
			}
			if rp.cfg.Observe != nil {
				rp.cfg.Observe(m)
			}
			out = append(out, republish(m))
		}
		if rp.cfg.DryRun {
			counts.Republished += len(out)
			continue
		}
		if err := rp.retry(ctx, "re-publish dead letters", func(ctx context.Context) error {
			if len(out) == 0 {
				return nil
			}
			return rp.w.WriteMessages(ctx, out...)
		}); err != nil {
			return counts, err
		}
		counts.Republished += len(out)
		rp.counted.WithLabelValues(ReplayRepublished).Add(float64(len(out)))
		if len(last) > 0 {
			if err := rp.retry(ctx, "commit replay offsets", func(ctx context.Context) error {
				return rp.r.CommitMessages(ctx, last...)
			}); err != nil {
				return counts, err
			}
		}
		for _, m := range batch {
			rp.cfg.Logger.Debug("dead letter replayed", "partition", m.Partition, "offset", m.Offset, "letter", Describe(m))
		}
	}
	return counts, nil
}

// fetchBatch reads up to BatchSize letters below End, returning them and
// the last message of each partition (to commit). It waits for the first
// one, then takes what arrives within a short linger.
func (rp *Replayer) fetchBatch(ctx context.Context, remaining map[int]bool, follow bool) ([]kafka.Message, []kafka.Message, error) {
	var batch []kafka.Message
	lastOf := map[int]kafka.Message{}
	fctx := ctx
	var lingerCancel []context.CancelFunc
	defer func() {
		for _, c := range lingerCancel {
			c()
		}
	}()
	for len(batch) < rp.cfg.BatchSize && (follow || len(remaining) > 0) {
		m, err := rp.r.FetchMessage(fctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			if fctx != ctx && errors.Is(err, context.DeadlineExceeded) {
				break // linger over
			}
			return nil, nil, fmt.Errorf("read dead letters: %w", err)
		}
		if !follow {
			end, ok := rp.cfg.End[m.Partition]
			if !ok || m.Offset >= end {
				// Arrived after the replay started (or a partition with
				// nothing to do): leave it for the next replay.
				delete(remaining, m.Partition)
				continue
			}
			if m.Offset+1 >= end {
				delete(remaining, m.Partition)
			}
		}
		batch = append(batch, m)
		lastOf[m.Partition] = m
		if len(batch) == 1 {
			var cancel context.CancelFunc
			fctx, cancel = context.WithTimeout(ctx, 200*time.Millisecond)
			lingerCancel = append(lingerCancel, cancel)
		}
	}
	last := make([]kafka.Message, 0, len(lastOf))
	for _, m := range lastOf {
		last = append(last, m)
	}
	return batch, last, nil
}

func (rp *Replayer) retry(ctx context.Context, what string, f func(context.Context) error) error {
	for attempt := 0; ; attempt++ {
		err := f(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", what, ctx.Err())
		}
		rp.cfg.Logger.Warn(what+" failed; retrying", "attempt", attempt+1, "err", err)
		if err := rp.cfg.Backoff.Wait(ctx, attempt, 0); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
}

// republish turns a dead letter back into a raw-topic message: same key and
// value, the original headers without the dead-letter ones, and
// newsflow.replays incremented.
func republish(m kafka.Message) kafka.Message {
	replays := 0
	var h []kafka.Header
	for _, o := range m.Headers {
		switch o.Key {
		case HeaderError, HeaderStage, HeaderTopic, HeaderPartition, HeaderOffset:
			continue
		case HeaderReplays:
			replays, _ = strconv.Atoi(string(o.Value))
			continue
		}
		h = append(h, o)
	}
	h = append(h, kafka.Header{Key: HeaderReplays, Value: []byte(strconv.Itoa(replays + 1))})
	return kafka.Message{Key: m.Key, Value: m.Value, Headers: h}
}

// Position is where a replay group stands on one dead-letter partition.
type Position struct {
	Partition int
	// Next is the first offset to replay: the committed offset, else the
	// oldest stored.
	Next int64
	// End is the high watermark.
	End int64
}

// Remaining returns End per partition that has letters left to replay
// (Next < End), the map ReplayConfig.End wants for a replay that stops at
// the end of what is there now.
func Remaining(pos []Position) map[int]int64 {
	out := map[int]int64{}
	for _, p := range pos {
		if p.Next < p.End {
			out[p.Partition] = p.End
		}
	}
	return out
}
