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
// Both backends analyse title and body with the english analyzer of
// Elasticsearch (the same stop words and Porter stemmer), so the cases test
// stop words and stems too; what legitimately differs between scoring
// models is not tested (the order of relevance-ranked hits is compared as a
// set).
package searchtest

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
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
		story := id
		if id == "h-trial-copy" {
			story = "f-trial" // the same story as f-trial, from another source
		}
		a := article.Article{
			ID: id, Source: source, Title: title, Body: body, PublishedAt: published,
			IngestedAt: "2024-06-01T00:00:00Z", StoryID: story,
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
		mk("f-trial", "court", "2024-04-02T10:00:00Z", "The trial of the century opens",
			"Prosecutors opened the trial in Rome, Italy, on Tuesday. Witnesses are expected to testify for weeks."),
		mk("g-trials", "court", "2024-04-03T08:00:00Z", "Trials resume after a strike",
			"Two trials resumed in Paris after lawyers ended their strike."),
		mk("h-trial-copy", "agency", "2024-04-02T12:00:00Z", "Trial of the century opens in Rome",
			"The trial opened in Rome, Italy, on Tuesday, prosecutors said."),
	}
}

// Everything is every id of Corpus, newest first, undated last.
var everything = []string{"g-trials", "h-trial-copy", "f-trial", "b-pipeline", "a-convoy", "c-markup", "e-flood", "d-undated"}

// except returns everything but ids, in order.
func except(ids ...string) []string {
	var out []string
	for _, id := range everything {
		if !slices.Contains(ids, id) {
			out = append(out, id)
		}
	}
	return out
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
	// Analyzer, when set, limits the case to the index analyzer of that
	// name (english stems and drops stop words; standard does neither).
	Analyzer string
}

// Analyzers of title and body the cases know (the --text-analyzer values).
const (
	English  = "english"
	Standard = "standard"
)

// Cases are the suite's queries over Corpus.
func Cases() []Case {
	trials := []string{"f-trial", "g-trials", "h-trial-copy"}
	return []Case{
		{"everything, newest first, undated last", "", everything, true, 0, ""},
		{"a word", "q=pipeline", []string{"b-pipeline"}, false, 0, ""},
		{"every word is required", "q=border+convoy", []string{"a-convoy"}, false, 0, ""},
		{"words from two articles match neither", "q=border+pipeline", nil, false, 0, ""},
		{"a word only in a title", "q=update", []string{"d-undated"}, false, 0, ""},
		{"a phrase with a number", `q="5,000 troops"`, []string{"a-convoy"}, false, 0, ""},
		{"a phrase in the wrong order", `q="troops 5,000"`, nil, false, 0, ""},
		{"a number as a word", "q=5,000", []string{"a-convoy", "e-flood"}, false, 0, ""},

		// Ordinary words: stop words ignored, stems matched (issue 15, 1).
		{"a stop word is ignored", "q=the+trial", trials, false, 0, English},
		{"stop words anywhere are ignored", "q=trial+of+the+century", []string{"f-trial", "h-trial-copy"}, false, 0, ""},
		{"a capitalised stop word is ignored", "q=The+Trial", trials, false, 0, English},
		{"a plural finds the singular", "q=trials", trials, false, 0, English},
		{"a verb form finds the others", "q=opening", []string{"f-trial", "h-trial-copy"}, false, 0, English},
		{"a possessive finds the word", "q=Rome%27s", []string{"f-trial", "h-trial-copy"}, false, 0, English},
		{"only stop words: every article", "q=the+of", everything, false, 0, English},
		{"a phrase keeps its stop words' places", `q="trial of the century"`, []string{"f-trial", "h-trial-copy"}, false, 0, ""},
		{"a phrase whose stop words differ still matches", `q="trial on a century"`, []string{"f-trial", "h-trial-copy"}, false, 0, English},
		{"a phrase that is a stop word and a word", `q="the trial"`, trials, false, 0, English},
		{"an excluded stop word is ignored", "q=trial+-the", trials, false, 0, English},

		// The standard analyzer keeps every word as written.
		{"standard: a stop word is a word", "q=the+trial", []string{"f-trial", "h-trial-copy"}, false, 0, Standard},
		{"standard: a plural is another word", "q=trials", []string{"g-trials"}, false, 0, Standard},
		{"standard: a stop word alone", "q=the", []string{"a-convoy", "b-pipeline", "c-markup", "e-flood", "f-trial", "h-trial-copy"}, false, 0, Standard},
		{"standard: a phrase is exact", `q="trial on a century"`, nil, false, 0, Standard},

		// Syntax (issue 15, 2; issue 14).
		{"a star is everything", "q=*", everything, true, 0, ""},
		{"exclusion", "q=trial+-Italy", []string{"g-trials"}, false, 0, English},
		{"exclusion after a prefix", "q=tri*+-Italy", []string{"g-trials"}, false, 0, ""},
		{"exclusion alone", "q=-Italy", except("f-trial", "h-trial-copy"), true, 0, ""},
		{"an excluded phrase", `q=tri*+-"in+Rome"`, []string{"g-trials"}, false, 0, ""},
		{"a prefix", "q=tri*", trials, false, 0, ""},
		{"a prefix is not stemmed but matches stems", "q=centur*", []string{"f-trial", "h-trial-copy"}, false, 0, ""},
		{"an excluded prefix", "q=-tri*", except(trials...), true, 0, ""},
		{"a word in the title only", "q=title:rome", []string{"h-trial-copy"}, false, 0, ""},
		{"a word in the body only", "q=body:rome", []string{"f-trial", "h-trial-copy"}, false, 0, ""},
		{"a phrase in the title", `q=title:"trial of the century"`, []string{"f-trial", "h-trial-copy"}, false, 0, ""},
		{"a prefix in the title", "q=title:resum*", []string{"g-trials"}, false, 0, ""},
		{"a source", "q=source:court", []string{"g-trials", "f-trial"}, true, 0, ""},
		{"an excluded source", "q=trial+-source:court", []string{"h-trial-copy"}, false, 0, ""},
		{"newest first with words", "q=tri*&sort=newest", []string{"g-trials", "h-trial-copy", "f-trial"}, true, 0, ""},
		{"ids", "id=a-convoy&id=f-trial&id=nope", []string{"f-trial", "a-convoy"}, true, 0, ""},

		{"one source", "source=agency", []string{"h-trial-copy", "b-pipeline", "d-undated"}, true, 0, ""},
		{"two sources", "source=agency,wire", except("f-trial", "g-trials"), true, 0, ""},
		{"an unknown source", "source=nobody", nil, false, 0, ""},
		{"figures above 1,000", "min=1,000", []string{"b-pipeline", "a-convoy", "e-flood"}, true, 0, ""},
		{"kind and value hold for one figure", "kind=distance&min=1000", []string{"b-pipeline"}, true, 0, ""},
		{"kind, unit and an upper bound", "kind=distance&unit=km&max=100", []string{"a-convoy"}, true, 0, ""},
		{"a unit alone", "unit=USD&min=1000000000", []string{"b-pipeline"}, true, 0, ""},
		{"a value range", "min=300&max=400", []string{"a-convoy"}, true, 0, ""},
		{"a kind alone", "kind=percent", []string{"d-undated"}, true, 0, ""},
		{"a kind with a unit it never has", "kind=count&unit=km", nil, false, 0, ""},
		{"a date range, the end day included", "from=2024-02-01&to=2024-03-01", []string{"a-convoy", "c-markup"}, true, 0, ""},
		{"a date filter leaves undated articles out", "from=2000-01-01", except("d-undated"), true, 0, ""},
		{"words and filters together", "q=border&kind=count&min=1000", []string{"a-convoy"}, false, 0, ""},
		{"first page", "size=2", []string{"g-trials", "h-trial-copy"}, true, len(everything), ""},
		{"second page", "size=2&offset=2", []string{"f-trial", "b-pipeline"}, true, len(everything), ""},
	}
}

// Odd are queries the parser accepts that a backend could choke on: none
// may fail (the API would answer 502 to an editor's typing).
func Odd() []string {
	return []string{
		"q=((", "q=)))", "q=%2B-", "q=%26%26", `q=-"the"`, `q=title:""`, `q=source:""`, "q=%5C", "q=%2F",
		"q=%F0%9F%99%82", "q=%F0%9F%99%82*", "q=5,000*", "q=%3C%3E*", "q=a*", "q=" + url.QueryEscape(strings.Repeat("word ", 200)),
		"q=" + url.QueryEscape(`"`+strings.Repeat("x", 900)), "q=title:the", "q=-source:%22%22",
		"kind=a.b&unit=%25", "unit=km/h&min=-1.7e308&max=1.7e308", "from=0001-01-01&to=9999-12-31",
		"offset=9900&size=100", "source=%22%3E%3Cscript%3E", "id=" + strings.Repeat("x", 512), "q=*&sort=relevance&group=story",
	}
}

// Run checks a Searcher whose title and body are analysed by analyzer
// (English or Standard): index(t, docs) must index docs in a fresh index,
// make them searchable and return the Searcher.
func Run(t *testing.T, analyzer string, index func(t *testing.T, docs []article.Article) search.Searcher) {
	t.Helper()
	ctx := context.Background()
	docs := Corpus()
	s := index(t, docs)

	for _, tc := range Cases() {
		if tc.Analyzer != "" && tc.Analyzer != analyzer {
			continue
		}
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

	t.Run("odd queries do not fail the backend", func(t *testing.T) {
		for _, p := range Odd() {
			v, err := url.ParseQuery(p)
			require.NoError(t, err, p)
			q, err := search.ParseQuery(v)
			require.NoError(t, err, p)
			_, err = s.Search(ctx, q)
			require.NoError(t, err, p)
		}
	})

	t.Run("hits carry title, source, date and story", func(t *testing.T) {
		res, err := s.Search(ctx, search.Query{Sources: []string{"agency"}})
		require.NoError(t, err)
		require.Equal(t, search.Hit{ID: "b-pipeline", Title: "Pipeline of 1,200 km approved", Source: "agency", PublishedAt: "2024-03-05T12:00:00Z", Highlight: []string{}, StoryID: "b-pipeline"}, res.Hits[1])
		require.Equal(t, "", res.Hits[2].PublishedAt)
		require.Equal(t, "f-trial", res.Hits[0].StoryID)
	})

	t.Run("a hit lists the figures that matched the filter", func(t *testing.T) {
		res, err := s.Search(ctx, search.Query{Kind: article.KindDistance, Min: ptr(1000)})
		require.NoError(t, err)
		require.Len(t, res.Hits, 1)
		require.Equal(t, []article.Figure{docs[1].Figures[0]}, res.Hits[0].Figures, "1,200 km, not $3.2 billion")
		res, err = s.Search(ctx, search.Query{Min: ptr(300), Max: ptr(5000)})
		require.NoError(t, err)
		got := map[string][]string{}
		for _, h := range res.Hits {
			for _, f := range h.Figures {
				got[h.ID] = append(got[h.ID], f.Text)
			}
		}
		require.Equal(t, map[string][]string{"a-convoy": {"5,000 troops", "314 tanks"}, "b-pipeline": {"1,200 km"}, "e-flood": {"5,000 people", "500 km"}}, got)
		res, err = s.Search(ctx, search.Query{Text: "trial"})
		require.NoError(t, err)
		require.Nil(t, res.Hits[0].Figures, "no figure filter, no figures")
	})

	t.Run("stories group copies under the newest", func(t *testing.T) {
		res, err := s.Search(ctx, search.Query{Text: "tri*", Group: true, Sort: search.SortNewest})
		require.NoError(t, err)
		require.Equal(t, 3, res.Total, "articles")
		require.Equal(t, 2, res.Stories)
		require.Len(t, res.Hits, 2)
		require.Equal(t, "g-trials", res.Hits[0].ID)
		require.Equal(t, 1, res.Hits[0].StorySize)
		require.Empty(t, res.Hits[0].Story)
		require.Equal(t, "h-trial-copy", res.Hits[1].ID)
		require.Equal(t, 2, res.Hits[1].StorySize)
		require.Equal(t, []search.Member{{ID: "f-trial", Title: "The trial of the century opens", Source: "court", PublishedAt: "2024-04-02T10:00:00Z"}}, res.Hits[1].Story)
		require.NotEmpty(t, res.Hits[1].Highlight)
	})

	t.Run("stories by relevance", func(t *testing.T) {
		res, err := s.Search(ctx, search.Query{Text: "rome", Group: true})
		require.NoError(t, err)
		require.Equal(t, 2, res.Total)
		require.Equal(t, 1, res.Stories)
		require.Len(t, res.Hits, 1)
		require.Equal(t, "f-trial", res.Hits[0].StoryID)
		require.Equal(t, 2, res.Hits[0].StorySize)
		require.Len(t, res.Hits[0].Story, 1)
		require.NotEqual(t, res.Hits[0].ID, res.Hits[0].Story[0].ID)
	})

	t.Run("stories are paged", func(t *testing.T) {
		res, err := s.Search(ctx, search.Query{Group: true, Size: 2, Offset: 1})
		require.NoError(t, err)
		require.Equal(t, len(everything), res.Total)
		require.Equal(t, len(everything)-1, res.Stories)
		var ids []string
		for _, h := range res.Hits {
			ids = append(ids, h.ID)
		}
		require.Equal(t, []string{"h-trial-copy", "b-pipeline"}, ids, "f-trial is under h-trial-copy")
	})

	t.Run("a stop word is not highlighted", func(t *testing.T) {
		if analyzer != English {
			t.Skip("the standard analyzer keeps stop words")
		}
		res, err := s.Search(ctx, search.Query{Text: "the trial", IDs: []string{"f-trial"}})
		require.NoError(t, err)
		require.Len(t, res.Hits, 1)
		joined := strings.Join(res.Hits[0].Highlight, " ")
		require.Contains(t, joined, "<mark>trial</mark>")
		require.NotContains(t, strings.ToLower(joined), "<mark>the</mark>")
	})

	t.Run("a prefix is highlighted", func(t *testing.T) {
		res, err := s.Search(ctx, search.Query{Text: "tri*", IDs: []string{"g-trials"}})
		require.NoError(t, err)
		require.Len(t, res.Hits, 1)
		require.Contains(t, strings.Join(res.Hits[0].Highlight, " "), "<mark>Trials</mark>")
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
		require.Equal(t, []search.Facet{{Value: "agency", Count: 3}, {Value: "wire", Count: 3}, {Value: "court", Count: 2}}, res.Facets.Source)
		require.Equal(t, []search.Facet{{Value: "2024-04-03", Count: 1}, {Value: "2024-04-02", Count: 2}, {Value: "2024-03-05", Count: 1},
			{Value: "2024-03-01", Count: 1}, {Value: "2024-02-10", Count: 1}, {Value: "2024-01-15", Count: 1}}, res.Facets.Published, "days, newest first")
		require.Equal(t, []search.Facet{{Value: "distance", Count: 3}, {Value: "count", Count: 2}, {Value: "money", Count: 2}, {Value: "percent", Count: 1}}, res.Facets.Kind)
		require.Equal(t, []search.Facet{{Value: "km", Count: 3}, {Value: "USD", Count: 2}, {Value: "%", Count: 1}}, res.Facets.Unit)

		res, err = s.Search(ctx, search.Query{Text: "border"})
		require.NoError(t, err)
		require.Equal(t, []search.Facet{{Value: "wire", Count: 1}}, res.Facets.Source, "facets follow the query")
		require.Equal(t, []search.Facet{{Value: "2024-03-01", Count: 1}}, res.Facets.Published)
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

func ptr(f float64) *float64 { return &f }

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}
