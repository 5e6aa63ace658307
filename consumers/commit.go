package consumers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
)

// finish marks a job done and counts it.
func (w *Worker) finish(j *job, result string) {
	if !w.tracker.Done(j.tk) {
		w.log.Debug("finished a message of a revoked partition session", "partition", j.msg.Partition, "offset", j.msg.Offset)
	}
	w.metrics.messages.WithLabelValues(result).Inc()
}

// commitLoop commits every CommitInterval until stop closes.
func (w *Worker) commitLoop(stop <-chan struct{}) {
	t := time.NewTicker(w.cfg.CommitInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), w.cfg.CommitTimeout)
		if err := w.commit(ctx); errors.Is(err, errNoGeneration) {
			w.log.Debug("commit offsets deferred: the group is rebalancing", "topic", w.cfg.Topic)
		} else if err != nil {
			w.log.Warn("commit offsets failed; retrying at the next interval", "topic", w.cfg.Topic, "err", err)
		}
		cancel()
	}
}

// commit commits the watermark of every partition that moved.
func (w *Worker) commit(ctx context.Context) error {
	w.commitMu.Lock()
	defer w.commitMu.Unlock()
	marks := w.tracker.Committable()
	if len(marks) == 0 {
		return nil
	}
	msgs := make([]kafka.Message, 0, len(marks))
	for p, off := range marks {
		msgs = append(msgs, kafka.Message{Topic: w.cfg.Topic, Partition: p, Offset: off})
	}
	if err := w.o.Fetcher.CommitMessages(ctx, msgs...); err != nil {
		if errors.Is(err, errNoGeneration) {
			return err // not a failure: the watermark waits for the next generation
		}
		w.metrics.commits.WithLabelValues("error").Inc()
		return fmt.Errorf("commit %d partitions of %s: %w", len(msgs), w.cfg.Topic, err)
	}
	w.metrics.commits.WithLabelValues("ok").Inc()
	w.tracker.Committed(marks)
	for p, off := range marks {
		w.log.Debug("committed", "topic", w.cfg.Topic, "partition", p, "offset", off+1)
	}
	return nil
}
