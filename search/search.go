// Package search is the read side of newsflow: the query model of the
// search page, the Searcher interface its HTTP API calls, and the handlers
// of GET /api/search, GET /api/articles/{id}, GET /api/stats, GET
// /api/deadletters and GET /api/info (DESIGN.md, "HTTP"; search/README.md).
//
// Two Searchers implement the same semantics: the bleve index of `newsflow
// up` (index/bleve) and Elasticsearch (index/elastic), so the page
// works unchanged against a deployment. The conformance suite
// search/searchtest proves it on both.
//
// # Query semantics
//
// q is ordinary words, or the subset of Elasticsearch's simple_query_string
// syntax below (ParseText); every term is required:
//
//   - word: analysed like the indexed text (english: lower case, possessive
//     and stem removed, stop words dropped), it matches an article that has
//     all its tokens in the title or all in the body. A word the analyzer
//     drops entirely (a stop word: "the", "of", "is" with the english
//     analyzer) is ignored, as Elasticsearch's match query with
//     zero_terms_query "all" and simple_query_string do: "the trial" is
//     "trial". A q of nothing but stop words matches every article.
//   - "a phrase": its words in order and next to each other, in the title
//     or in the body; a stop word inside keeps its place ("trial of the
//     century" matches "trial of the century" and "trial on the century").
//   - -term: the article must not match the term (-Italy, -"phrase",
//     -source:wire). Only exclusions: every article but those.
//   - tri*: a word of the title or the body starts with "tri" (lower-cased,
//     not stemmed: trial*, not trials*, finds "trials" since the index holds
//     the stem). A lone * matches every article, as an empty q.
//   - title:word, body:"a phrase", title:tri*: the term in that field only.
//   - source:name, source:"two words": the article's source is exactly name.
//
// OR, |, NOT, fuzzy and proximity (~) and wildcards inside a word are
// refused with a *SyntaxError that says what to write instead (the API's
// 400); parentheses, a leading + and AND are punctuation (every word is
// required anyway). Two analyzers exist: english (the default, the same
// stop words and Porter stemmer on both backends) and standard (words as
// written, no stop words).
//
// Filters:
//
//   - source: the article's source equals one of the values (the parameter
//     may repeat, or hold a comma-separated list).
//   - kind, unit, min, max: the article has at least one figure that
//     satisfies all of them at once: its kind equals kind, its unit equals
//     unit, and min ≤ value ≤ max (either bound may be left out). "More than
//     1,000 km" is kind=distance&unit=km&min=1000. Numbers may carry
//     thousands separators ("1,000"). Such a hit lists the figures that
//     satisfy the filter (Hit.Figures).
//   - from, to: published_at within [from, to], both inclusive; a date
//     without a time means the whole day (UTC). Articles without
//     published_at never match a date filter.
//   - id: the article's id is one of these (the page looks up the titles of
//     the articles a paragraph refers to).
//
// Order (sort): "relevance" ranks by score when q has a word, phrase or
// prefix to score (else it is "newest"), ties newest first then by id;
// "newest" orders by published_at, newest first (articles without it last),
// ties by id. The default is relevance. Highlight fragments are HTML-escaped
// text in which the matched words are wrapped in <mark>…</mark>, at most
// three, the title's first when it matched.
//
// Stories (group=story): the hits are stories, not articles: articles that
// share a story_id (versions and near-copies, see pkg/dedup) are one hit,
// the best-ranked of them, with the other matching ones in Hit.Story
// (newest first, at most StoryMembers) and their number in Hit.StorySize.
// Total still counts articles; Stories counts stories; paging (size,
// offset) is over stories. Facets count articles.
package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/newsflow/newsflow/pkg/article"
)

// Limits of Query.Size.
const (
	DefaultSize = 20
	MaxSize     = 100
	// MaxOffset bounds paging: offset + size stays within Elasticsearch's
	// default result window of 10,000.
	MaxOffset = 10000
	// FacetSize is the most values a facet lists.
	FacetSize = 50
	// MaxIDs is the most id values one query takes.
	MaxIDs = 100
	// MaxIDBytes is the longest id (Elasticsearch's _id limit).
	MaxIDBytes = 512
	// StoryMembers is the most other articles a grouped hit lists.
	StoryMembers = 10
)

// Orders of Query.Sort.
const (
	SortRelevance = "relevance"
	SortNewest    = "newest"
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
	// Text is q (see ParseText).
	Text string
	// Sources: any of them; empty means all.
	Sources []string
	// Kind and Unit of a figure; empty means any.
	Kind, Unit string
	// Min and Max bound a figure's value, inclusive; nil means open.
	Min, Max *float64
	// From and To bound published_at, inclusive; zero means open.
	From, To time.Time
	// IDs: any of them; empty means all.
	IDs []string
	// Sort is SortRelevance (also ""), or SortNewest.
	Sort string
	// Group makes the hits stories (see the package doc).
	Group bool
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
	finite := func(f *float64) bool { return f == nil || (*f == *f && *f <= maxFinite && *f >= -maxFinite) }
	switch {
	case q.Size < 0 || q.Size > MaxSize:
		return fmt.Errorf("size %d: want 1 to %d", q.Size, MaxSize)
	case q.Offset < 0 || q.Offset > MaxOffset || q.Offset+q.Limit() > MaxOffset:
		return fmt.Errorf("offset %d: want 0 to %d (offset + size at most %d; narrow the search instead)", q.Offset, MaxOffset-q.Limit(), MaxOffset)
	case !finite(q.Min):
		return fmt.Errorf("min %g: want a finite number", *q.Min)
	case !finite(q.Max):
		return fmt.Errorf("max %g: want a finite number", *q.Max)
	case q.Min != nil && q.Max != nil && *q.Min > *q.Max:
		return fmt.Errorf("min %g is above max %g", *q.Min, *q.Max)
	case !q.From.IsZero() && !q.To.IsZero() && q.From.After(q.To):
		return fmt.Errorf("from %s is after to %s", q.From.Format(time.RFC3339), q.To.Format(time.RFC3339))
	case q.Sort != "" && q.Sort != SortRelevance && q.Sort != SortNewest:
		return fmt.Errorf("sort %q: want %s or %s", q.Sort, SortRelevance, SortNewest)
	case len(q.IDs) > MaxIDs:
		return fmt.Errorf("%d ids: at most %d", len(q.IDs), MaxIDs)
	}
	for _, id := range q.IDs {
		if len(id) > MaxIDBytes || id == "" {
			return fmt.Errorf("id %.40q…: want 1 to %d bytes", id, MaxIDBytes)
		}
	}
	_, err := ParseText(q.Text)
	return err
}

// maxFinite keeps bounds inside what both backends store (a double).
const maxFinite = 1.7976931348623157e308

// Limit returns Size with its default applied.
func (q Query) Limit() int {
	if q.Size == 0 {
		return DefaultSize
	}
	return q.Size
}

// ByRelevance reports whether hits are ranked by score: Sort is not newest
// and terms has something to score.
func (q Query) ByRelevance(terms []Term) bool {
	return q.Sort != SortNewest && Scored(terms)
}

// FigureMatches reports whether f satisfies the figure filter of q (kind,
// unit, min, max together), the rule both backends apply to one figure.
func (q Query) FigureMatches(f article.Figure) bool {
	switch {
	case q.Kind != "" && f.Kind != q.Kind,
		q.Unit != "" && f.Unit != q.Unit,
		q.Min != nil && f.Value < *q.Min,
		q.Max != nil && f.Value > *q.Max:
		return false
	}
	return true
}

// MatchedFigures returns the figures of figs that satisfy the figure
// filter, nil without one.
func (q Query) MatchedFigures(figs []article.Figure) []article.Figure {
	if !q.HasFigureFilter() {
		return nil
	}
	var out []article.Figure
	for _, f := range figs {
		if q.FigureMatches(f) {
			out = append(out, f)
		}
	}
	return out
}

// Hit is one article in a result (DESIGN.md), or with Query.Group the best
// article of a story.
type Hit struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Source      string   `json:"source"`
	PublishedAt string   `json:"published_at,omitempty"`
	Highlight   []string `json:"highlight"`
	// StoryID is the article's story.
	StoryID string `json:"story_id,omitempty"`
	// Story lists, with Query.Group, the other matching articles of the
	// story, newest first, at most StoryMembers.
	Story []Member `json:"story,omitempty"`
	// StorySize is, with Query.Group, the number of matching articles of
	// the story, this one included.
	StorySize int `json:"story_size,omitempty"`
	// Figures are, with a figure filter, the article's figures that
	// satisfy it (the nested match of Elasticsearch).
	Figures []article.Figure `json:"figures,omitempty"`
}

// Member is another article of a grouped hit's story.
type Member struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Source      string `json:"source"`
	PublishedAt string `json:"published_at,omitempty"`
}

// Facet is one value of a field and the number of matching articles that
// have it.
type Facet struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// Facets count the matching articles by source, by the kinds and units of
// their figures (an article counts once per kind it has), ordered by count,
// then value; and by the day (UTC, 2006-01-02) of published_at, newest day
// first. Each lists at most FacetSize values.
type Facets struct {
	Source    []Facet `json:"source"`
	Kind      []Facet `json:"kind"`
	Unit      []Facet `json:"unit"`
	Published []Facet `json:"published"`
}

// Result answers a Query.
type Result struct {
	// Total is the number of matching articles.
	Total int `json:"total"`
	// Stories is, with Query.Group, the number of matching stories (the
	// hits' total for paging).
	Stories int    `json:"stories,omitempty"`
	Hits    []Hit  `json:"hits"`
	Facets  Facets `json:"facets"`
}

// DayLayout is the value format of the published facet.
const DayLayout = "2006-01-02"

// SortDays orders day facet values newest first and keeps at most
// FacetSize.
func SortDays(m map[string]int) []Facet {
	out := make([]Facet, 0, len(m))
	for v, n := range m {
		if n > 0 {
			out = append(out, Facet{Value: v, Count: n})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Value > out[j].Value })
	if len(out) > FacetSize {
		out = out[:FacetSize]
	}
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
	sort.Slice(f, func(i, j int) bool { return less(f[i], f[j]) })
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
