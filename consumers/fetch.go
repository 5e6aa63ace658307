package consumers

import (
	"context"
	"errors"
	"io"
	"time"
)

// fetch feeds in until ctx ends or the reader is closed.
func (w *Worker) fetch(ctx context.Context, in chan<- *job) error {
	defer close(in)
	attempt := 0
	for ctx.Err() == nil {
		m, err := w.o.Fetcher.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, io.EOF) {
				return errors.New("consumer: the Kafka reader was closed")
			}
			w.metrics.retries.WithLabelValues(retryFetch).Inc()
			w.log.Warn("fetch from kafka failed; retrying (is the broker reachable?)", "topic", w.cfg.Topic, "attempt", attempt+1, "err", err)
			if w.cfg.Backoff.Wait(ctx, attempt, 0) != nil {
				return nil
			}
			attempt++
			continue
		}
		attempt = 0
		j := &job{msg: m, tk: w.tracker.Add(m.Partition, m.Offset)}
		w.admittedN.Add(1)
		w.metrics.fetched.Inc()
		// A blocking send even when ctx ended meanwhile: a fetched message
		// is in-flight work, and Run drains in until it is closed.
		in <- j
	}
	return nil
}

// collect waits for a first job, then gathers more until the batch is full
// by count or bytes or FlushInterval has passed. more is false once in is
// closed and drained.
func (w *Worker) collect(in <-chan *job) (batch []*job, more bool) {
	j, ok := <-in
	if !ok {
		return nil, false
	}
	batch = append(batch, j)
	size := len(j.msg.Value)
	t := time.NewTimer(w.cfg.FlushInterval)
	defer t.Stop()
	for len(batch) < w.cfg.BatchSize && size < w.cfg.BatchBytes {
		select {
		case j, ok := <-in:
			if !ok {
				return batch, false
			}
			batch = append(batch, j)
			size += len(j.msg.Value)
		case <-t.C:
			return batch, true
		}
	}
	return batch, true
}
