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

// flow orders the batches whose stages run at once (Config.StagesInFlight):
// a partition's run in one batch starts when its run in the batch before is
// settled (the dedup decisions depend on what came before), and the bulk
// requests start in batch order. Partitions that have nothing left to wait
// for start at once, so the next batch's stages overlap with the slowest
// partition of the current one instead of waiting at a barrier for all.
// tail and lastBulk belong to Run's goroutine (handle); the channels and
// the WaitGroup are shared with the batches' goroutines.
type flow struct {
	stages   chan struct{}    // a slot per batch from its collection to the start of its bulk request
	sem      chan struct{}    // a slot per bulk request in flight
	tail     map[int]*runLink // the last run of each partition
	lastBulk <-chan struct{}  // closed when the previous batch has started its bulk request (or has none)
	inflight sync.WaitGroup   // batches in their stages or bulk requests
}

// runLink is one partition's run in one batch, for the run after it.
type runLink struct {
	done      chan struct{} // closed when settled
	abandoned bool          // set before done: the run left jobs for redelivery
}

func newFlow(stages, bulks int) *flow {
	closed := make(chan struct{})
	close(closed)
	return &flow{stages: make(chan struct{}, stages), sem: make(chan struct{}, bulks), tail: map[int]*runLink{}, lastBulk: closed}
}

// handle starts a batch: the stages on each partition's run, after that
// partition's run in the previous batch; then dead letters and the bulk
// request (at most MaxInFlight at once). The caller holds a stages slot
// for the batch (at most StagesInFlight batches between fetch and the
// start of their bulk requests), which submit gives back.
func (w *Worker) handle(ctx context.Context, batch []*job, f *flow) {
	w.metrics.batchSize.Observe(float64(len(batch)))
	byPart := map[int][]*job{}
	var order []int
	for _, j := range batch {
		if _, ok := byPart[j.msg.Partition]; !ok {
			order = append(order, j.msg.Partition)
		}
		byPart[j.msg.Partition] = append(byPart[j.msg.Partition], j)
	}
	// The links are taken here, in batch order, before anything runs.
	prev := make([]*runLink, len(order))
	cur := make([]*runLink, len(order))
	for i, p := range order {
		prev[i], cur[i] = f.tail[p], &runLink{done: make(chan struct{})}
		f.tail[p] = cur[i]
	}
	bulkAfter := f.lastBulk
	bulkStarted := make(chan struct{})
	f.lastBulk = bulkStarted

	f.inflight.Add(1)
	go func() {
		defer f.inflight.Done()
		w.stagesOf(ctx, order, byPart, prev, cur)
		w.submit(ctx, batch, f, bulkAfter, bulkStarted)
	}()
}

// stagesOf runs each partition's jobs once its previous run is settled,
// at most Parallelism partitions at once, and returns when all are.
func (w *Worker) stagesOf(ctx context.Context, order []int, byPart map[int][]*job, prev, cur []*runLink) {
	par := make(chan struct{}, w.cfg.Parallelism)
	var wg sync.WaitGroup
	for i, p := range order {
		jobs := byPart[p]
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(cur[i].done)
			if prev[i] != nil {
				<-prev[i].done
				if prev[i].abandoned {
					// An earlier message of the partition was not done:
					// processing later ones would decide them without it.
					for _, j := range jobs {
						j.abandoned = true
					}
					cur[i].abandoned = true
					return
				}
			}
			par <- struct{}{}
			defer func() { <-par }()
			w.prepare(ctx, jobs)
			cur[i].abandoned = jobs[len(jobs)-1].abandoned
		}()
	}
	wg.Wait()
}

// submit dead-letters what failed and starts the bulk request of the rest,
// after the previous batch has started its own; then it gives up the
// batch's stages slot. A batch holds that slot until its bulk request has
// started, so at most StagesInFlight batches wait between fetch and index.
func (w *Worker) submit(ctx context.Context, batch []*job, f *flow, after <-chan struct{}, started chan struct{}) {
	defer func() { <-f.stages }()
	defer close(started)
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
	<-after
	if len(docs) == 0 {
		return
	}
	select {
	case f.sem <- struct{}{}:
	case <-ctx.Done():
		return // abandoned
	}
	f.inflight.Add(1)
	go func() {
		defer f.inflight.Done()
		defer func() { <-f.sem }()
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
