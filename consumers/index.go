package consumers

import "context"

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
	// Source is the document JSON (DESIGN.md's article document).
	Source []byte
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
