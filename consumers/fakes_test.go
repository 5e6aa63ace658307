package consumers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/newsflow/newsflow/consumers/dlq"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/pipeline"
)

// fakeLog is an in-memory topic with one consumer group's committed offsets.
type fakeLog struct {
	mu        sync.Mutex
	topic     string
	parts     [][]kafka.Message
	committed map[int]int64 // next offset to read
	commits   int
}

func newFakeLog(topic string, partitions int) *fakeLog {
	return &fakeLog{topic: topic, parts: make([][]kafka.Message, partitions), committed: map[int]int64{}}
}

func (l *fakeLog) produce(p int, value []byte, headers ...kafka.Header) {
	l.mu.Lock()
	defer l.mu.Unlock()
	off := int64(len(l.parts[p]))
	l.parts[p] = append(l.parts[p], kafka.Message{
		Topic: l.topic, Partition: p, Offset: off, Key: []byte(fmt.Sprintf("k%d-%d", p, off)),
		Value: value, Time: time.Now(), Headers: headers,
	})
}

func (l *fakeLog) committedOffsets() map[int]int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[int]int64{}
	for p, o := range l.committed {
		out[p] = o
	}
	return out
}

// fakeReader reads every partition of a fakeLog from its committed offsets,
// round robin, like a sole member of the group; it records what it fetched.
type fakeReader struct {
	log     *fakeLog
	mu      sync.Mutex
	next    map[int]int64
	rr      int
	fetched []kafka.Message
}

func newFakeReader(l *fakeLog) *fakeReader {
	r := &fakeReader{log: l, next: map[int]int64{}}
	for p := range l.parts {
		r.next[p] = l.committedOffsets()[p]
	}
	return r
}

func (r *fakeReader) FetchMessage(ctx context.Context) (kafka.Message, error) {
	for {
		r.log.mu.Lock()
		r.mu.Lock()
		n := len(r.log.parts)
		for i := 0; i < n; i++ {
			p := (r.rr + i) % n
			if r.next[p] < int64(len(r.log.parts[p])) {
				m := r.log.parts[p][r.next[p]]
				r.next[p]++
				r.rr = p + 1
				r.fetched = append(r.fetched, m)
				r.mu.Unlock()
				r.log.mu.Unlock()
				return m, nil
			}
		}
		r.mu.Unlock()
		r.log.mu.Unlock()
		select {
		case <-ctx.Done():
			return kafka.Message{}, ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// CommitMessages commits offset+1 of the highest message per partition,
// as kafka-go does.
func (r *fakeReader) CommitMessages(ctx context.Context, msgs ...kafka.Message) error {
	r.log.mu.Lock()
	defer r.log.mu.Unlock()
	hi := map[int]int64{}
	for _, m := range msgs {
		if o, ok := hi[m.Partition]; !ok || m.Offset+1 > o {
			hi[m.Partition] = m.Offset + 1
		}
	}
	for p, o := range hi {
		r.log.committed[p] = o
	}
	r.log.commits++
	return nil
}

func (r *fakeReader) fetchedOffsets() map[int][]int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[int][]int64{}
	for _, m := range r.fetched {
		out[m.Partition] = append(out[m.Partition], m.Offset)
	}
	return out
}

// fakeProcessor turns RawArticles into Articles without the real stages,
// a run at a time as pipeline.Pipeline does: it stops at the first transient
// failure of a run (the later articles are "not processed") and panics on
// the id "panics". Ids in permanent fail permanently in the given stage, ids
// in transient fail that many times first.
type fakeProcessor struct {
	mu        sync.Mutex
	permanent map[string]string // id → stage
	transient map[string]int
	runs      int // Process calls
	longRuns  int // articles done in runs of more than one
}

func (p *fakeProcessor) Process(ctx context.Context, raws []article.RawArticle) ([]article.Article, []error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.runs++
	arts := make([]article.Article, len(raws))
	errs := make([]error, len(raws))
	for i, raw := range raws {
		a, err := p.one(raw)
		var pe *pipeline.Error
		if err != nil && !(errors.As(err, &pe) && pe.Permanent) {
			errs[i] = err
			for j := i + 1; j < len(raws); j++ {
				errs[j] = &pipeline.Error{Stage: pipeline.StageDedup, Err: errors.New("not processed")}
			}
			return arts, errs
		}
		arts[i], errs[i] = a, err
		if err == nil && len(raws) > 1 {
			p.longRuns++
		}
	}
	return arts, errs
}

func (p *fakeProcessor) one(raw article.RawArticle) (article.Article, error) {
	id := raw.DeriveID()
	if stage, ok := p.permanent[id]; ok {
		return article.Article{}, &pipeline.Error{Stage: stage, Permanent: true, Err: errors.New("cannot process")}
	}
	if id == "panics" {
		panic("index out of range")
	}
	if n := p.transient[id]; n > 0 {
		p.transient[id] = n - 1
		return article.Article{}, &pipeline.Error{Stage: pipeline.StageDedup, Err: errors.New("store did not answer")}
	}
	return article.Article{ID: id, Source: raw.Source, Title: raw.Title, Body: raw.Body, PublishedAt: raw.Published}, nil
}

// fakeIndexer records documents; ids in hang never get an answer (as if
// Elasticsearch were down) until ctx ends; ids in reject are rejected;
// versions below the indexed one are skipped as older.
type fakeIndexer struct {
	mu       sync.Mutex
	docs     map[string]int64 // id → version
	writes   int
	hang     map[string]bool
	reject   map[string]bool
	started  chan struct{} // receives once per Index call, when not nil
	blockAll chan struct{} // when not nil, every call waits for it to close
	keep     bool          // keep the sources of indexed documents
	deletes  int
	sources  map[string][]byte
}

func (ix *fakeIndexer) Index(ctx context.Context, docs []Doc) []Result {
	if ix.started != nil {
		select {
		case ix.started <- struct{}{}:
		default:
		}
	}
	if ix.blockAll != nil {
		select {
		case <-ix.blockAll:
		case <-ctx.Done():
			return make([]Result, len(docs))
		}
	}
	res := make([]Result, len(docs))
	hanging := false
	ix.mu.Lock()
	for i, d := range docs {
		switch {
		case ix.hang[d.ID]:
			hanging = true
		case ix.reject[d.ID]:
			res[i] = Result{Outcome: Rejected, Reason: "mapper_parsing_exception: failed to parse"}
		case d.Delete:
			if d.Source != nil {
				panic("a delete with a source")
			}
			if v, ok := ix.docs[d.ID]; ok && v > d.Version {
				res[i] = Result{Outcome: SkippedOlder}
				continue
			}
			delete(ix.docs, d.ID)
			delete(ix.sources, d.ID)
			ix.deletes++
			res[i] = Result{Outcome: Withdrawn}
		default:
			var doc article.Article
			if err := json.Unmarshal(d.Source, &doc); err != nil || doc.ID != d.ID {
				panic("bad document source")
			}
			if v, ok := ix.docs[d.ID]; ok && v > d.Version {
				res[i] = Result{Outcome: SkippedOlder}
				continue
			}
			ix.docs[d.ID] = d.Version
			if ix.keep {
				if ix.sources == nil {
					ix.sources = map[string][]byte{}
				}
				ix.sources[d.ID] = d.Source
			}
			ix.writes++
			res[i] = Result{Outcome: Indexed}
		}
	}
	ix.mu.Unlock()
	if hanging {
		<-ctx.Done() // the rest of the batch is answered, these never are
	}
	return res
}

func (ix *fakeIndexer) count() int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return len(ix.docs)
}

func (ix *fakeIndexer) countWhere(keep func(id string) bool) int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	n := 0
	for id := range ix.docs {
		if keep(id) {
			n++
		}
	}
	return n
}

// fakeDLQ records letters; it fails the first failures calls.
type fakeDLQ struct {
	mu       sync.Mutex
	letters  []dlq.Letter
	failures int
}

func (d *fakeDLQ) Send(ctx context.Context, letters []dlq.Letter) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.failures > 0 {
		d.failures--
		return errors.New("broker not available")
	}
	d.letters = append(d.letters, letters...)
	return nil
}

func (d *fakeDLQ) stages() map[string]int {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := map[string]int{}
	for _, l := range d.letters {
		out[l.Stage]++
	}
	return out
}
