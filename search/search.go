// Package search is the read side of newsflow: the query model of the
// search page, the Searcher interface its HTTP API calls, and the handlers
// of GET /api/search, GET /api/articles/{id} and GET /api/stats (DESIGN.md,
// "HTTP").
//
// Two Searchers implement the same semantics: the bleve index of `newsflow
// up` (index/bleve) and Elasticsearch (index/elastic), so the page
// works unchanged against a deployment.
//
// # Query semantics
//
//   - q: words and "quoted phrases". Every word must occur in the title or
//     the body (each word in at least one of them, all of a word's tokens in
//     the same field); every phrase must occur as a phrase in the title or
//     the body. Words and phrases are analysed like the indexed text (stems,
//     case). An empty q matches every article.
//   - source: the article's source equals one of the values (the parameter
//     may repeat, or hold a comma-separated list).
//   - kind, unit, min, max: the article has at least one figure that
//     satisfies all of them at once: its kind equals kind, its unit equals
//     unit, and min ≤ value ≤ max (either bound may be left out). "More than
//     1,000 km" is kind=distance&unit=km&min=1000. Numbers may carry
//     thousands separators ("1,000").
//   - from, to: published_at within [from, to], both inclusive; a date
//     without a time means the whole day (UTC). Articles without
//     published_at never match a date filter.
//
// Hits are ordered by relevance when q is given, else by published_at,
// newest first (articles without it last); ties by id. Highlight fragments
// are HTML-escaped text in which the matched words are wrapped in
// <mark>…</mark>, at most three, the title's first when it matched.
package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
)

// Limits of Query.Size.
const (
	DefaultSize = 20
	MaxSize     = 100
	// MaxOffset bounds paging (Elasticsearch's default window is 10,000).
	MaxOffset = 10000
	// FacetSize is the most values a facet lists.
	FacetSize = 50
)

// Highlight tags around matched words in fragments.
const (
	MarkOpen  = "<mark>"
	MarkClose = "</mark>"
)

// ErrNotFound is returned by Searcher.Article for an unknown id.
var ErrNotFound = errors.New("article not found")

// Searcher answers the page's queries. The package that serves the API
// declares it; the bleve index and the Elasticsearch backend implement it.
type Searcher interface {
	// Search runs q, which Validate accepted.
	Search(ctx context.Context, q Query) (Result, error)
	// Article returns the article document as indexed, or ErrNotFound.
	Article(ctx context.Context, id string) (json.RawMessage, error)
}

// Query is one search of the page.
type Query struct {
	// Text is q: words and "quoted phrases".
	Text string
	// Sources: any of them; empty means all.
	Sources []string
	// Kind and Unit of a figure; empty means any.
	Kind, Unit string
	// Min and Max bound a figure's value, inclusive; nil means open.
	Min, Max *float64
	// From and To bound published_at, inclusive; zero means open.
	From, To time.Time
	// Size is the number of hits returned. Default: 20, at most 100.
	Size int
	// Offset skips hits, for paging.
	Offset int
}

// HasFigureFilter reports whether the query filters on figures.
func (q Query) HasFigureFilter() bool {
	return q.Kind != "" || q.Unit != "" || q.Min != nil || q.Max != nil
}

// Validate names what is wrong with q.
func (q Query) Validate() error {
	switch {
	case q.Size < 0 || q.Size > MaxSize:
		return fmt.Errorf("size %d: want 1 to %d", q.Size, MaxSize)
	case q.Offset < 0 || q.Offset > MaxOffset:
		return fmt.Errorf("offset %d: want 0 to %d", q.Offset, MaxOffset)
	case q.Min != nil && q.Max != nil && *q.Min > *q.Max:
		return fmt.Errorf("min %g is above max %g", *q.Min, *q.Max)
	case !q.From.IsZero() && !q.To.IsZero() && q.From.After(q.To):
		return fmt.Errorf("from %s is after to %s", q.From.Format(time.RFC3339), q.To.Format(time.RFC3339))
	}
	return nil
}

// Limit returns Size with its default applied.
func (q Query) Limit() int {
	if q.Size == 0 {
		return DefaultSize
	}
	return q.Size
}

// Hit is one article in a result (DESIGN.md).
type Hit struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Source      string   `json:"source"`
	PublishedAt string   `json:"published_at,omitempty"`
	Highlight   []string `json:"highlight"`
}

// Facet is one value of a field and the number of matching articles that
// have it.
type Facet struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// Facets count the matching articles by source, and by the kinds and units
// of their figures (an article counts once per kind it has). Values are
// ordered by count, then value.
type Facets struct {
	Source []Facet `json:"source"`
	Kind   []Facet `json:"kind"`
	Unit   []Facet `json:"unit"`
}

// Result answers a Query.
type Result struct {
	Total  int    `json:"total"`
	Hits   []Hit  `json:"hits"`
	Facets Facets `json:"facets"`
}

// Clause is one word or phrase of Query.Text.
type Clause struct {
	Text   string
	Phrase bool
}

// ParseText splits q into words and "quoted phrases". An unclosed quote
// runs to the end; an empty phrase is dropped; curly quotes count as
// quotes.
func ParseText(q string) []Clause {
	var out []Clause
	var cur strings.Builder
	inPhrase := false
	flush := func() {
		s := strings.TrimSpace(cur.String())
		cur.Reset()
		if s == "" {
			return
		}
		if inPhrase {
			out = append(out, Clause{Text: strings.Join(strings.Fields(s), " "), Phrase: true})
			return
		}
		for _, w := range strings.Fields(s) {
			out = append(out, Clause{Text: w})
		}
	}
	for _, r := range q {
		switch {
		case r == '"' || r == '“' || r == '”':
			flush()
			inPhrase = !inPhrase
		case unicode.IsSpace(r) && !inPhrase:
			flush()
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return out
}

// SortFacets orders facet values by count (descending), then value, and
// keeps at most FacetSize.
func SortFacets(m map[string]int) []Facet {
	out := make([]Facet, 0, len(m))
	for v, n := range m {
		if n > 0 {
			out = append(out, Facet{Value: v, Count: n})
		}
	}
	sortFacets(out)
	if len(out) > FacetSize {
		out = out[:FacetSize]
	}
	return out
}

func sortFacets(f []Facet) {
	// Insertion sort: facets are short.
	for i := 1; i < len(f); i++ {
		for j := i; j > 0 && less(f[j], f[j-1]); j-- {
			f[j], f[j-1] = f[j-1], f[j]
		}
	}
}

func less(a, b Facet) bool {
	if a.Count != b.Count {
		return a.Count > b.Count
	}
	return a.Value < b.Value
}

// Marked keeps the fragments that hold a match, at most three.
func Marked(frags []string) []string {
	out := []string{}
	for _, f := range frags {
		if strings.Contains(f, MarkOpen) && len(out) < 3 {
			out = append(out, f)
		}
	}
	return out
}
