package elastic_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/consumers"
	"github.com/newsflow/newsflow/index/elastic"
	"github.com/newsflow/newsflow/internal/itest"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/search"
	"github.com/newsflow/newsflow/search/searchtest"
)

// testAnalyzer: the shipped template's analyzer (english), as the bleve
// index uses by default.
const testAnalyzer = ""

func TestIntegrationSearcherConformance(t *testing.T) {
	url := itest.Elasticsearch(t)
	es, err := elasticsearch.NewClient(elasticsearch.Config{Addresses: []string{url}, DisableRetry: true})
	require.NoError(t, err)
	alias := itest.NewIndexName(t, url)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = itest.ESDo(ctx, url, http.MethodDelete, "/_index_template/"+alias, "", nil)
	})

	var searcher search.Searcher
	searchtest.Run(t, searchtest.English, func(t *testing.T, docs []article.Article) search.Searcher {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		require.NoError(t, elastic.Install(ctx, es, alias, testAnalyzer, slog.New(slog.DiscardHandler)))
		ix := elastic.NewIndexer(es, elastic.IndexerConfig{Alias: alias})
		batch := make([]consumers.Doc, len(docs))
		for i, a := range docs {
			src, err := json.Marshal(a)
			require.NoError(t, err)
			batch[i] = consumers.Doc{ID: a.ID, Version: a.Version(), Source: src}
		}
		for i, r := range ix.Index(ctx, batch) {
			require.Equal(t, consumers.Indexed, r.Outcome, "%s: %s", docs[i].ID, r.Reason)
		}
		require.NoError(t, itest.ESDo(ctx, url, http.MethodPost, "/"+alias+"/_refresh", "", nil))
		searcher = elastic.NewSearcher(es, alias)
		return searcher
	})

	// As the bleve index with its default analyzer (TestEnglishAnalyzerStems).
	t.Run("the english analyzer stems", func(t *testing.T) {
		res, err := searcher.Search(context.Background(), search.Query{Text: "pipelines approving"})
		require.NoError(t, err)
		require.Equal(t, 1, res.Total)
		require.Equal(t, "b-pipeline", res.Hits[0].ID)
	})
}

// fakeES answers every request with a canned body and records the last one.
type fakeES struct {
	status int
	body   string
	req    map[string]any
	path   string
}

func (f *fakeES) Perform(r *http.Request) (*http.Response, error) {
	f.path = r.URL.Path
	b, _ := io.ReadAll(r.Body)
	f.req = nil
	_ = json.Unmarshal(b, &f.req)
	return &http.Response{StatusCode: f.status, Body: io.NopCloser(strings.NewReader(f.body)), Header: http.Header{}}, nil
}

func TestRequestsAndAnswers(t *testing.T) {
	ctx := context.Background()
	min := 1000.0
	t.Run("a figure filter is one nested query", func(t *testing.T) {
		f := &fakeES{status: 200, body: `{"hits":{"total":{"value":0},"hits":[]}}`}
		_, err := elastic.NewSearcher(f, "articles").Search(ctx, search.Query{Kind: "distance", Unit: "km", Min: &min})
		require.NoError(t, err)
		require.Equal(t, "/articles/_search", f.path)
		filter := f.req["query"].(map[string]any)["bool"].(map[string]any)["filter"].([]any)
		b, _ := json.Marshal(filter)
		require.JSONEq(t, `[{"nested":{"path":"figures","query":{"bool":{"filter":[
			{"term":{"figures.kind":"distance"}},{"term":{"figures.unit":"km"}},{"range":{"figures.value":{"gte":1000}}}]}}}}]`, string(b))
	})
	t.Run("hits, highlights and facets are read", func(t *testing.T) {
		f := &fakeES{status: 200, body: `{"hits":{"total":{"value":7},"hits":[
			{"_id":"a1","_source":{"title":"T","source":"wire","published_at":"2024-01-01T00:00:00Z"},
			 "highlight":{"body":["no match here","the <mark>oil</mark> price"],"title":["<mark>Oil</mark>"]}}]},
			"aggregations":{"source":{"buckets":[{"key":"wire","doc_count":7}]},
			"figures":{"doc_count":30,"kind":{"buckets":[{"key":"count","doc_count":20,"articles":{"doc_count":5}}]},"unit":{"buckets":[]}}}}`}
		res, err := elastic.NewSearcher(f, "articles").Search(ctx, search.Query{Text: "oil"})
		require.NoError(t, err)
		require.Equal(t, search.Result{
			Total: 7,
			Hits:  []search.Hit{{ID: "a1", Title: "T", Source: "wire", PublishedAt: "2024-01-01T00:00:00Z", Highlight: []string{"<mark>Oil</mark>", "the <mark>oil</mark> price"}}},
			Facets: search.Facets{
				Source:    []search.Facet{{Value: "wire", Count: 7}},
				Kind:      []search.Facet{{Value: "count", Count: 5}},
				Unit:      []search.Facet{},
				Published: []search.Facet{},
			},
		}, res)
	})
	t.Run("an error status is an error", func(t *testing.T) {
		f := &fakeES{status: 404, body: `{"error":{"type":"index_not_found_exception"}}`}
		_, err := elastic.NewSearcher(f, "articles").Search(ctx, search.Query{})
		require.ErrorContains(t, err, "status 404")
	})
	t.Run("an unknown article is not found", func(t *testing.T) {
		f := &fakeES{status: 200, body: `{"hits":{"hits":[]}}`}
		_, err := elastic.NewSearcher(f, "articles").Article(ctx, "x")
		require.ErrorIs(t, err, search.ErrNotFound)
	})
}
