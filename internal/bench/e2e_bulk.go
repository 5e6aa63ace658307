package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/newsflow/newsflow/consumers"
	"github.com/newsflow/newsflow/index/elastic"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/dedup"
	"github.com/newsflow/newsflow/pkg/pipeline"
)

// documents runs the stages in this process over the articles (memory
// dedup store, in order), giving the documents baseline 1 indexes.
func (r *run) documents(ctx context.Context) ([]consumers.Doc, error) {
	p := pipeline.New(dedup.New(dedup.NewMemoryStore(0), dedup.Options{}), time.Now, nil)
	now := time.Now().UTC()
	received := now.Format(time.RFC3339Nano)
	indexed := now.Format(time.RFC3339)
	docs := make([]consumers.Doc, 0, len(r.raws))
	for i, raw := range r.raws {
		raw.ReceivedAt = received
		a, err := p.ProcessOne(ctx, raw)
		if err != nil {
			return nil, fmt.Errorf("process %s: %w", raw.ID, err)
		}
		a.IndexedAt = indexed
		src, err := json.Marshal(a)
		if err != nil {
			return nil, err
		}
		docs = append(docs, consumers.Doc{ID: a.ID, Version: a.Version(), Source: src})
		if (i+1)%10000 == 0 {
			r.logf("bulk: processed %d of %d documents for the loader", i+1, len(r.raws))
		}
	}
	return docs, nil
}

// partitionOrder returns docs (docs[i] made of raws[i]) in the order the
// pipeline's bulk requests carry them: the producer's partition of each
// article (Murmur2 of its key, as publish.Publisher writes it), and each
// request of batch documents made of one run per partition in turn, in
// the partition's order, as a worker's batch of that size is.
func partitionOrder(docs []consumers.Doc, raws []article.RawArticle, partitions, batch int) []consumers.Doc {
	ids := make([]int, partitions)
	for i := range ids {
		ids[i] = i
	}
	var bal kafka.Murmur2Balancer
	queues := make([][]consumers.Doc, partitions)
	for i, d := range docs {
		p := bal.Balance(kafka.Message{Key: []byte(raws[i].Key())}, ids...)
		queues[p] = append(queues[p], d)
	}
	run := max(1, batch/partitions)
	out := make([]consumers.Doc, 0, len(docs))
	for len(out) < len(docs) {
		for p := range queues {
			n := min(run, len(queues[p]))
			out = append(out, queues[p][:n]...)
			queues[p] = queues[p][n:]
		}
	}
	return out
}

// phaseBulkAfter names baseline 1's second run in the log (BaselineAfter).
const phaseBulkAfter = "bulk-after"

// bulkPhase is baseline 1: the documents the pipeline makes, indexed by a
// minimal loader: the same bulk requests (index with external_gte
// versions, BatchSize documents) with LoaderConcurrency in flight, into a
// fresh index made from the same template behind alias; the result goes
// to out. The documents are made once per run.
func (r *run) bulkPhase(ctx context.Context, total int64, phase, alias string, out *Phase) error {
	if r.docs == nil {
		docs, err := r.documents(ctx)
		if err != nil {
			return err
		}
		if r.cfg.BaselineOrder == OrderPartitions {
			docs = partitionOrder(docs, r.raws, r.cfg.Partitions, r.cfg.BatchSize)
		}
		r.docs = docs
	}
	docs := r.docs
	var docBytes int64
	for _, d := range docs {
		docBytes += int64(len(d.Source))
	}
	if err := elastic.Install(ctx, r.cfg.ES, alias, r.cfg.Analyzer, slog.New(slog.DiscardHandler)); err != nil {
		return err
	}
	r.logf("%s: loading %d documents (%.1f MB of JSON) into %s, %d per request, %d in flight, in %s order",
		phase, len(docs), float64(docBytes)/1e6, alias, r.cfg.BatchSize, r.cfg.LoaderConcurrency, r.cfg.BaselineOrder)
	ix := elastic.NewIndexer(r.cfg.ES, elastic.IndexerConfig{Alias: alias})
	pctx, cancel := context.WithTimeout(ctx, r.cfg.PhaseTimeout)
	defer cancel()
	cpu0, _ := esCPU(pctx, r.cfg.ES)
	procs0 := r.cpuSnapshot()
	busy := r.sampleBusy()
	defer busy.halt()
	start := time.Now()
	batches := make(chan []consumers.Doc)
	errc := make(chan error, r.cfg.LoaderConcurrency)
	var wg sync.WaitGroup
	for range r.cfg.LoaderConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				for i, res := range ix.Index(pctx, b) {
					if res.Outcome != consumers.Indexed {
						errc <- fmt.Errorf("document %s: %s %s", b[i].ID, res.Outcome, res.Reason)
						return
					}
				}
			}
		}()
	}
	for i := 0; i < len(docs); i += r.cfg.BatchSize {
		select {
		case batches <- docs[i:min(i+r.cfg.BatchSize, len(docs))]:
		case err := <-errc:
			close(batches)
			wg.Wait()
			return err
		}
	}
	close(batches)
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
	}
	n, err := r.waitCount(pctx, phase, alias, len(docs), start, nil)
	end := time.Now()
	esCPUs, otherCPUs := r.cpuCounts()
	usage := busy.stop(start, end, esCPUs, otherCPUs)
	if err != nil {
		return err
	}
	*out = Phase{Ran: true, Articles: n, Bytes: total, Duration: end.Sub(start), Load: LoadAverage(), Busy: usage}
	out.Settle = r.settle(pctx, phase, alias)
	out.CPU = r.cpuSince(procs0)
	if cpu1, err := esCPU(pctx, r.cfg.ES); err == nil && cpu0 > 0 {
		out.ESCPU = cpu1 - cpu0
	}
	out.preferProcCPU()
	out.Stats, _ = esIndexStats(pctx, r.cfg.ES, alias)
	r.logf("%s: %d documents searchable in %.1fs: %.0f articles/s (Elasticsearch CPU %.1fs; %s)", phase, n,
		out.Duration.Seconds(), out.ArticlesPerSecond(), out.ESCPU.Seconds(), cpuString(out.CPU))
	r.logf("%s: busy over the window: %s", phase, usage)
	return nil
}

// settle waits until no merge runs on the indices behind alias, and
// returns how long that took. Elasticsearch merges a phase's segments in
// the background, and a merge can outlast the moment the documents are
// searchable by many seconds (one of 217,000 nested documents took 15 s
// of Elasticsearch's core on the AMD machine of 2026-12-04): that work is
// the phase's. Unwaited, it was billed to the next phase, on whose
// Elasticsearch core it also ran, so the baseline's merges slowed the
// pipeline and raised its CPU per article. A phase's ESCPU is read after
// its settle, and the next phase starts on a quiet node.
func (r *run) settle(ctx context.Context, phase, alias string) time.Duration {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, settleTimeout)
	defer cancel()
	for {
		st, err := esIndexStats(ctx, r.cfg.ES, alias)
		if err == nil && st.MergesRunning == 0 {
			if d := time.Since(start); d >= time.Second {
				r.logf("%s: merges of %s finished %.1fs after the documents were searchable", phase, alias, d.Seconds())
			}
			return time.Since(start)
		}
		select {
		case <-ctx.Done():
			r.logf("%s: merges of %s still running after %v; reading Elasticsearch's CPU anyway (err %v)", phase, alias, settleTimeout, err)
			return time.Since(start)
		case <-time.After(countPoll):
		}
	}
}

// waitCount polls the alias until want documents are searchable (or, with
// done, until done says the rest will never come), logging progress.
func (r *run) waitCount(ctx context.Context, phase, alias string, want int, start time.Time, done func(count int) bool) (int, error) {
	lastLog := time.Now()
	last := -1
	for {
		n, err := esCount(ctx, r.cfg.ES, alias)
		if err == nil {
			last = n
			if n >= want || (done != nil && done(n)) {
				return n, nil
			}
		}
		if err := r.workersAlive(); err != nil {
			return last, err
		}
		if time.Since(lastLog) >= 5*time.Second {
			el := time.Since(start).Seconds()
			r.logf("%s: %d of %d searchable (%.0f/s so far), load %s", phase, last, want, float64(max(last, 0))/el, LoadString(LoadAverage()))
			lastLog = time.Now()
		}
		select {
		case <-ctx.Done():
			return last, fmt.Errorf("after %v, %d of %d documents searchable: %w", time.Since(start).Round(time.Second), last, want, ctx.Err())
		case <-time.After(countPoll):
		}
	}
}
