package bench

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/newsflow/newsflow/internal/kafkacfg"
	"github.com/segmentio/kafka-go"
)

// consumePhase is baseline 2: one member of a fresh consumer group reads N
// messages of the topic from the start and commits, without processing.
func (r *run) consumePhase(ctx context.Context, total int64) error {
	pctx, cancel := context.WithTimeout(ctx, r.cfg.PhaseTimeout)
	defer cancel()
	start := time.Now()
	rc := kafkacfg.DefaultReaderConfig() // as newsflow consume reads
	rc.Group = r.names.rawGroup
	rd := r.cfg.Kafka.GroupReader(r.names.topic, rc, slog.New(slog.DiscardHandler), slog.LevelDebug)
	defer rd.Close()
	last := map[int]kafka.Message{}
	var read int
	for read < len(r.raws) {
		m, err := rd.FetchMessage(pctx)
		if err != nil {
			return fmt.Errorf("after %d of %d messages: %w", read, len(r.raws), err)
		}
		last[m.Partition] = m
		read++
	}
	msgs := make([]kafka.Message, 0, len(last))
	for _, m := range last {
		msgs = append(msgs, m)
	}
	if err := rd.CommitMessages(pctx, msgs...); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	r.rep.Consume = Phase{Ran: true, Articles: read, Bytes: total, Duration: time.Since(start), Load: LoadAverage()}
	r.logf("consume: %d messages read and committed in %.1fs: %.0f/s", read, r.rep.Consume.Duration.Seconds(), r.rep.Consume.ArticlesPerSecond())
	return nil
}
