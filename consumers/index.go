package consumers

import (
	"context"
	"time"

	"github.com/newsflow/newsflow/consumers/dlq"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/pipeline"
)

// Indexer is the last stage as the worker uses it: it writes documents and
// reports each (*elastic.Indexer for Elasticsearch, *bleve.Index for `newsflow
// up`, both under index/). It retries what may pass until ctx ends; a
// document then Unfinished stays not done and is delivered again.
type Indexer interface {
	Index(ctx context.Context, docs []Doc) []Result
}

// Doc is one article document to index.
type Doc struct {
	// ID is the document id (article.Article.ID).
	ID string
	// Version is the external version (article.Article.Version): a stored
	// document with a higher one is kept, an equal or lower one replaced.
	Version int64
	// Source is the document JSON (DESIGN.md's article document); none
	// when Delete is set.
	Source []byte
	// Delete removes the document instead (the story was withdrawn: its
	// feed marked it withheld or canceled), unless the index holds a newer
	// version.
	Delete bool
}

// Outcome is what became of one Doc.
type Outcome int

// Outcomes.
const (
	// Unfinished: no final answer before the context ended (the message is
	// not done and will be delivered again).
	Unfinished Outcome = iota
	// Indexed: created or replaced.
	Indexed
	// Withdrawn: a Delete that removed the document, or found none.
	Withdrawn
	// SkippedOlder: the index holds a newer version of the story; the
	// document is done.
	SkippedOlder
	// Rejected: the index refuses the document for good (a mapping or
	// parsing error); the message goes to the dead-letter topic with Reason.
	Rejected
)

func (o Outcome) String() string {
	switch o {
	case Indexed:
		return "indexed"
	case Withdrawn:
		return "withdrawn"
	case SkippedOlder:
		return "skipped_older"
	case Rejected:
		return "rejected"
	default:
		return "unfinished"
	}
}

// Result is the outcome of one Doc.
type Result struct {
	Outcome Outcome
	// Reason explains a rejection (for Elasticsearch: its error type and
	// reason).
	Reason string
}

// index bulk-indexes the jobs' articles (or removes those of withdrawn
// stories) and finishes each by its outcome.
func (w *Worker) index(ctx context.Context, jobs []*job) {
	now := w.o.Now().UTC().Format(time.RFC3339)
	docs := make([]Doc, 0, len(jobs))
	sent := make([]*job, 0, len(jobs))
	var letters []*job
	var scratch []byte
	for _, j := range jobs {
		if j.withdrawn {
			docs = append(docs, Doc{ID: j.art.ID, Version: j.art.Version(), Delete: true})
			j.art = article.Article{}
			sent = append(sent, j)
			continue
		}
		j.art.IndexedAt = now
		// json.Marshal's bytes, without its reflection; copied out of the
		// scratch buffer at their size, as json.Marshal returns them.
		var err error
		if scratch, err = pipeline.AppendJSON(scratch[:0], &j.art, true); err != nil {
			j.letter = w.letterFor(j, dlq.StageIndex, "encode document: "+err.Error())
			letters = append(letters, j)
			continue
		}
		src := append([]byte(nil), scratch...)
		docs = append(docs, Doc{
			ID:      j.art.ID,
			Version: j.art.Version(),
			Source:  src,
		})
		// The document is its JSON from here on: the article (several
		// copies of the text in paragraphs, body and figures) need not
		// wait for Elasticsearch's answer.
		j.art = article.Article{}
		sent = append(sent, j)
	}
	if len(docs) > 0 {
		results := w.o.Indexer.Index(ctx, docs)
		done := w.o.Now()
		for i, r := range results {
			j := sent[i]
			switch r.Outcome {
			case Indexed:
				w.finish(j, ResultIndexed)
				if !j.received.IsZero() {
					w.metrics.latency.Observe(done.Sub(j.received).Seconds())
				}
			case Withdrawn:
				w.finish(j, ResultWithdrawn)
			case SkippedOlder:
				w.finish(j, ResultSkippedOlder)
			case Rejected:
				j.letter = w.letterFor(j, dlq.StageIndex, r.Reason)
				letters = append(letters, j)
			default:
				// Unfinished: not done, not committed, delivered again.
			}
		}
	}
	w.deadLetter(ctx, letters)
}
