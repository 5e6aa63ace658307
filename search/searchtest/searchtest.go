// Package searchtest is the conformance suite of search.Searcher: the bleve
// index and the Elasticsearch backend run it from their own tests on the
// same articles and queries, so the search page gives the same answers on
// both.
//
//	func TestSearcher(t *testing.T) {
//		searchtest.Run(t, func(t *testing.T, docs []article.Article) search.Searcher {
//			// index docs in a fresh index, make them searchable, return it
//		})
//	}
//
// The cases avoid what legitimately differs between analyzers (stemming,
// stop words) and between scoring models (the order of relevance-ranked
// hits is compared as a set).
package searchtest

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/search"
)

// Corpus is the suite's articles. Figures carry no real offsets: the
// search does not read them.
func Corpus() []article.Article {
	mk := func(id, source, published, title, body string, figs ...article.Figure) article.Article {
		a := article.Article{
			ID: id, Source: source, Title: title, Body: body, PublishedAt: published,
			IngestedAt: "2024-06-01T00:00:00Z", StoryID: id,
			Paragraphs:  []article.Paragraph{{Index: 0, Text: body, Status: article.StatusUnique}},
			Boilerplate: []string{}, Figures: figs,
			Stats: article.Stats{ParagraphsIn: 1, ParagraphsOut: 1, Figures: len(figs)},
		}
		if a.Figures == nil {
			a.Figures = []article.Figure{}
		}
		return a
	}
	fig := func(text string, v float64, unit, kind string) article.Figure {
		return article.Figure{Text: text, Value: v, Unit: unit, Kind: kind}
	}
	return []article.Article{
		mk("a-convoy", "wire", "2024-03-01T09:30:00Z", "Convoy of 5,000 troops reaches the border",
			"Officials said 5,000 troops and 314 tanks crossed the border on Friday. The convoy stretched 40 km along the main road.",
			fig("5,000 troops", 5000, "", article.KindCount), fig("314 tanks", 314, "", article.KindCount), fig("40 km", 40, "km", article.KindDistance)),
		mk("b-pipeline", "agency", "2024-03-05T12:00:00Z", "Pipeline of 1,200 km approved",
			"The government approved a pipeline of 1,200 km costing $3.2 billion.",
			fig("1,200 km", 1200, "km", article.KindDistance), fig("$3.2 billion", 3.2e9, "USD", article.KindMoney)),
		mk("c-markup", "wire", "2024-02-10T08:00:00Z", `<img src=x onerror=alert(1)>`,
			`Residents wrote <script>alert("x")</script> on the wall of the town hall, police said.`),
		mk("d-undated", "agency", "", "Market update",
			"Oil rose 2% to 80 dollars per barrel.",
			fig("2%", 2, "%", article.KindPercent), fig("80 dollars", 80, "USD", article.KindMoney)),
		mk("e-flood", "wire", "2024-01-15T18:45:00Z", "Flood displaces 5,000 people",
			"The flood displaced 5,000 people across a 500 km stretch of the river.",
			fig("5,000 people", 5000, "", article.KindCount), fig("500 km", 500, "km", article.KindDistance)),
	}
}

// Case is one query and the ids it must return.
type Case struct {
	Name string
	// Params are the /api/search parameters.
	Params string
	// Want are the ids, in order when Ordered.
	Want    []string
	Ordered bool
	// Total, when not 0, is the expected total (for paged cases).
	Total int
}

// Cases are the suite's queries over Corpus.
func Cases() []Case {
	return []Case{
		{"everything, newest first, undated last", "", []string{"b-pipeline", "a-convoy", "c-markup", "e-flood", "d-undated"}, true, 0},
		{"a word", "q=pipeline", []string{"b-pipeline"}, false, 0},
		{"every word is required", "q=border+convoy", []string{"a-convoy"}, false, 0},
		{"words from two articles match neither", "q=border+pipeline", nil, false, 0},
		{"a word only in a title", "q=update", []string{"d-undated"}, false, 0},
		{"a phrase with a number", `q="5,000 troops"`, []string{"a-convoy"}, false, 0},
		{"a phrase in the wrong order", `q="troops 5,000"`, nil, false, 0},
		{"a number as a word", "q=5,000", []string{"a-convoy", "e-flood"}, false, 0},
		{"one source", "source=agency", []string{"b-pipeline", "d-undated"}, true, 0},
		{"two sources", "source=agency,wire", []string{"b-pipeline", "a-convoy", "c-markup", "e-flood", "d-undated"}, true, 0},
		{"an unknown source", "source=nobody", nil, false, 0},
		{"figures above 1,000", "min=1,000", []string{"b-pipeline", "a-convoy", "e-flood"}, true, 0},
		{"kind and value hold for one figure", "kind=distance&min=1000", []string{"b-pipeline"}, true, 0},
		{"kind, unit and an upper bound", "kind=distance&unit=km&max=100", []string{"a-convoy"}, true, 0},
		{"a unit alone", "unit=USD&min=1000000000", []string{"b-pipeline"}, true, 0},
		{"a value range", "min=300&max=400", []string{"a-convoy"}, true, 0},
		{"a kind alone", "kind=percent", []string{"d-undated"}, true, 0},
		{"a kind with a unit it never has", "kind=count&unit=km", nil, false, 0},
		{"a date range, the end day included", "from=2024-02-01&to=2024-03-01", []string{"a-convoy", "c-markup"}, true, 0},
		{"a date filter leaves undated articles out", "from=2000-01-01", []string{"b-pipeline", "a-convoy", "c-markup", "e-flood"}, true, 0},
		{"words and filters together", "q=border&kind=count&min=1000", []string{"a-convoy"}, false, 0},
		{"first page", "size=2", []string{"b-pipeline", "a-convoy"}, true, 5},
		{"second page", "size=2&offset=2", []string{"c-markup", "e-flood"}, true, 5},
	}
}

// Run checks a Searcher: index(t, docs) must index docs in a fresh index,
// make them searchable and return the Searcher.
func Run(t *testing.T, index func(t *testing.T, docs []article.Article) search.Searcher) {
	t.Helper()
	ctx := context.Background()
	docs := Corpus()
	s := index(t, docs)

	for _, tc := range Cases() {
		t.Run(tc.Name, func(t *testing.T) {
			v, err := url.ParseQuery(tc.Params)
			require.NoError(t, err)
			q, err := search.ParseQuery(v)
			require.NoError(t, err)
			res, err := s.Search(ctx, q)
			require.NoError(t, err)
			var ids []string
			for _, h := range res.Hits {
				ids = append(ids, h.ID)
			}
			want := tc.Want
			if !tc.Ordered {
				ids, want = sorted(ids), sorted(want)
			}
			require.Equal(t, want, ids)
			total := tc.Total
			if total == 0 {
				total = len(tc.Want)
			}
			require.Equal(t, total, res.Total)
		})
	}

	t.Run("hits carry title, source and date", func(t *testing.T) {
		res, err := s.Search(ctx, search.Query{Sources: []string{"agency"}})
		require.NoError(t, err)
		require.Equal(t, search.Hit{ID: "b-pipeline", Title: "Pipeline of 1,200 km approved", Source: "agency", PublishedAt: "2024-03-05T12:00:00Z", Highlight: []string{}}, res.Hits[0])
		require.Equal(t, "", res.Hits[1].PublishedAt)
	})

	t.Run("highlights mark the words and escape the text", func(t *testing.T) {
		res, err := s.Search(ctx, search.Query{Text: "wall"})
		require.NoError(t, err)
		require.Len(t, res.Hits, 1)
		h := res.Hits[0]
		require.Equal(t, `<img src=x onerror=alert(1)>`, h.Title, "the title is data, not markup: the page escapes it")
		require.NotEmpty(t, h.Highlight)
		joined := strings.Join(h.Highlight, " ")
		require.Contains(t, joined, "<mark>wall</mark>")
		require.Contains(t, joined, "&lt;script&gt;")
		require.NotContains(t, strings.ReplaceAll(strings.ReplaceAll(joined, search.MarkOpen, ""), search.MarkClose, ""), "<",
			"no markup but the marks")
	})

	t.Run("a title match is highlighted", func(t *testing.T) {
		res, err := s.Search(ctx, search.Query{Text: "update"})
		require.NoError(t, err)
		require.Len(t, res.Hits, 1)
		require.Equal(t, []string{"Market <mark>update</mark>"}, res.Hits[0].Highlight)
	})

	t.Run("a markup title matched is escaped", func(t *testing.T) {
		res, err := s.Search(ctx, search.Query{Text: "onerror"})
		require.NoError(t, err)
		require.Len(t, res.Hits, 1)
		require.Contains(t, res.Hits[0].Highlight[0], "&lt;img src=x <mark>onerror</mark>=alert(1)&gt;")
	})

	t.Run("facets count articles", func(t *testing.T) {
		res, err := s.Search(ctx, search.Query{})
		require.NoError(t, err)
		require.Equal(t, []search.Facet{{Value: "wire", Count: 3}, {Value: "agency", Count: 2}}, res.Facets.Source)
		require.Equal(t, []search.Facet{{Value: "distance", Count: 3}, {Value: "count", Count: 2}, {Value: "money", Count: 2}, {Value: "percent", Count: 1}}, res.Facets.Kind)
		require.Equal(t, []search.Facet{{Value: "km", Count: 3}, {Value: "USD", Count: 2}, {Value: "%", Count: 1}}, res.Facets.Unit)

		res, err = s.Search(ctx, search.Query{Text: "border"})
		require.NoError(t, err)
		require.Equal(t, []search.Facet{{Value: "wire", Count: 1}}, res.Facets.Source, "facets follow the query")
	})

	t.Run("an article is its document", func(t *testing.T) {
		raw, err := s.Article(ctx, "c-markup")
		require.NoError(t, err)
		var got article.Article
		require.NoError(t, json.Unmarshal(raw, &got))
		want := docs[2]
		got.IndexedAt = "" // the indexer may stamp it
		require.Equal(t, want, got)
	})

	t.Run("an unknown article is not found", func(t *testing.T) {
		_, err := s.Article(ctx, "no-such-article")
		require.True(t, errors.Is(err, search.ErrNotFound), "%v", err)
	})
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}
