package consumers

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/newsflow/newsflow/consumers/dlq"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/pipeline"
	"github.com/segmentio/kafka-go"
)

// handle runs the stages on a batch, dead-letters what failed and starts
// the bulk request, waiting while MaxInFlight requests are running.
func (w *Worker) handle(ctx context.Context, batch []*job, sem chan struct{}, inflight *sync.WaitGroup) {
	w.metrics.batchSize.Observe(float64(len(batch)))
	byPart := map[int][]*job{}
	var order []int
	for _, j := range batch {
		if _, ok := byPart[j.msg.Partition]; !ok {
			order = append(order, j.msg.Partition)
		}
		byPart[j.msg.Partition] = append(byPart[j.msg.Partition], j)
	}
	par := make(chan struct{}, w.cfg.Parallelism)
	var wg sync.WaitGroup
	for _, p := range order {
		jobs := byPart[p]
		wg.Add(1)
		par <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-par }()
			w.prepare(ctx, jobs)
		}()
	}
	wg.Wait()

	var letters, docs []*job
	for _, j := range batch {
		switch {
		case j.abandoned:
		case j.letter != nil:
			letters = append(letters, j)
		default:
			docs = append(docs, j)
		}
	}
	w.deadLetter(ctx, letters)
	if len(docs) == 0 {
		return
	}
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return // abandoned
	}
	inflight.Add(1)
	go func() {
		defer inflight.Done()
		defer func() { <-sem }()
		w.index(ctx, docs)
	}()
}

// prepare decodes and validates one partition's jobs and runs the stages on
// the valid ones as one run, in order (dedup decisions depend on what came
// before). Each job ends with j.art set, or j.letter for a message that
// cannot be processed. A retryable failure (the dedup store) is retried with
// backoff from the first article it held up; when ctx ends meanwhile, that
// job and every later one of the partition are abandoned: not done, left
// for redelivery, in order.
func (w *Worker) prepare(ctx context.Context, jobs []*job) {
	raws := make([]article.RawArticle, 0, len(jobs))
	valid := make([]int, 0, len(jobs)) // positions in jobs of raws
	for k, j := range jobs {
		if raw, ok := w.decode(j); ok {
			raws = append(raws, raw)
			valid = append(valid, k)
		}
	}
	for attempt := 0; len(raws) > 0; attempt++ {
		n, err := w.run(ctx, jobs, valid, raws)
		if n == len(raws) {
			return
		}
		if n > 0 {
			attempt = 0 // progress: the next failure starts a fresh backoff
		}
		raws, valid = raws[n:], valid[n:]
		j := jobs[valid[0]]
		stage := dlq.StagePipeline
		var pe *pipeline.Error
		if errors.As(err, &pe) {
			stage = pe.Stage
		}
		w.metrics.retries.WithLabelValues(stage).Inc()
		if attempt == 0 || attempt%10 == 0 {
			w.log.Warn("stage failed; retrying", "stage", stage, "topic", j.msg.Topic, "partition", j.msg.Partition, "offset", j.msg.Offset, "attempt", attempt+1, "err", err)
		}
		if ctx.Err() != nil || w.cfg.Backoff.Wait(ctx, attempt, 0) != nil {
			for _, rest := range jobs[valid[0]:] {
				rest.art, rest.letter, rest.abandoned = article.Article{}, nil, true
			}
			return
		}
	}
}

// run runs the stages on raws, the valid jobs at positions valid of jobs,
// and settles each job in order. It returns how many of raws are settled
// (done or dead-lettered) before the first retryable failure, and that
// failure. A stage that panics on the run is retried article by article to
// find the message that makes it panic, which is dead-lettered (stage
// pipeline): one such message must not crash every worker that fetches it.
func (w *Worker) run(ctx context.Context, jobs []*job, valid []int, raws []article.RawArticle) (int, error) {
	arts, errs, panicked := w.process(ctx, raws)
	if panicked != nil {
		if len(raws) == 1 {
			w.metrics.panics.Inc()
			j := jobs[valid[0]]
			j.letter = w.letterFor(j, dlq.StagePipeline, fmt.Sprintf("panic: %v", panicked))
			return 1, nil
		}
		w.log.Warn("stage panicked in a run; processing its messages one by one", "messages", len(raws), "panic", fmt.Sprint(panicked))
		for i := range raws {
			if n, err := w.run(ctx, jobs, valid[i:i+1], raws[i:i+1]); n == 0 {
				return i, err
			}
		}
		return len(raws), nil
	}
	for i := range raws {
		j := jobs[valid[i]]
		if errs[i] == nil {
			j.art = arts[i]
			j.art.EmbargoedUntil = j.embargo
			continue
		}
		var pe *pipeline.Error
		if errors.As(errs[i], &pe) && pe.Permanent {
			j.letter = w.letterFor(j, pe.Stage, errs[i].Error())
			continue
		}
		return i, errs[i]
	}
	return len(raws), nil
}

// process runs the Processor, catching a panic.
func (w *Worker) process(ctx context.Context, raws []article.RawArticle) (arts []article.Article, errs []error, panicked any) {
	defer func() {
		if r := recover(); r != nil {
			panicked = r
		}
	}()
	arts, errs = w.o.Processor.Process(ctx, raws)
	if len(arts) != len(raws) || len(errs) != len(raws) {
		return nil, nil, fmt.Sprintf("processor returned %d documents and %d errors for %d articles", len(arts), len(errs), len(raws))
	}
	return arts, errs, nil
}

// decode decodes and validates a message, setting j.received, or j.letter
// when it cannot be processed.
func (w *Worker) decode(j *job) (article.RawArticle, bool) {
	raw, err := pipeline.DecodeRaw(j.msg.Value)
	if err != nil {
		j.letter = w.letterFor(j, dlq.StageDecode, "value "+err.Error())
		return raw, false
	}
	if err := raw.Validate(); err != nil {
		j.letter = w.letterFor(j, dlq.StageValidate, err.Error())
		return raw, false
	}
	j.withdrawn = article.Withdrawn(header(j.msg, article.HeaderPubStatus))
	j.embargo = header(j.msg, article.HeaderEmbargoedUntil)
	j.received = j.msg.Time
	if raw.ReceivedAt != "" {
		if t, err := time.Parse(time.RFC3339Nano, raw.ReceivedAt); err == nil {
			j.received = t
		}
	}
	return raw, true
}

// header returns the value of the message header key, or "".
func header(m kafka.Message, key string) string {
	v, _ := dlq.Header(m, key)
	return v
}
