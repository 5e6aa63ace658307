package consumers

import (
	"context"

	"github.com/newsflow/newsflow/consumers/dlq"
)

// deadLetter stores the jobs' letters, retrying until ctx ends, and
// finishes them.
func (w *Worker) deadLetter(ctx context.Context, jobs []*job) {
	if len(jobs) == 0 {
		return
	}
	letters := make([]dlq.Letter, len(jobs))
	for i, j := range jobs {
		letters[i] = *j.letter
	}
	for attempt := 0; ; attempt++ {
		err := w.o.DeadLetters.Send(ctx, letters)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return
		}
		w.metrics.retries.WithLabelValues(retryDLQ).Inc()
		w.log.Warn("write dead letters failed; retrying", "count", len(letters), "attempt", attempt+1, "err", err)
		if w.cfg.Backoff.Wait(ctx, attempt, 0) != nil {
			return
		}
	}
	for _, j := range jobs {
		w.finish(j, ResultDeadLettered)
	}
}

func (w *Worker) letterFor(j *job, stage, reason string) *dlq.Letter {
	w.log.Warn("message dead-lettered", "stage", stage, "topic", j.msg.Topic, "partition", j.msg.Partition, "offset", j.msg.Offset, "reason", reason)
	return &dlq.Letter{Msg: j.msg, Stage: stage, Reason: reason}
}
