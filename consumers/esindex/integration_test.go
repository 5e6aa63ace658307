package esindex_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/consumers/backoff"
	"github.com/newsflow/newsflow/consumers/esindex"
	"github.com/newsflow/newsflow/internal/itest"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/dedup"
	"github.com/newsflow/newsflow/pkg/dedup/storetest"
)

// testAnalyzer is the analyzer the template ships with. Maven Central does
// not serve the analysis-common module for 8.x, so the test node of
// scripts/testenv.sh registers Lucene's EnglishAnalyzer under the same name
// (testenv/elasticsearch/src/.../EnglishAnalysisPlugin.java).
const testAnalyzer = esindex.DefaultAnalyzer

// client is the client newsflow builds (no client-side retries).
func client(t *testing.T, url string) *elasticsearch.Client {
	t.Helper()
	es, err := elasticsearch.NewClient(elasticsearch.Config{Addresses: []string{url}, DisableRetry: true})
	require.NoError(t, err)
	return es
}

// newAlias returns an alias name and removes its template at the end (the
// indices go with itest.NewIndexName).
func newAlias(t *testing.T, url string) string {
	t.Helper()
	alias := itest.NewIndexName(t, url)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = itest.ESDo(ctx, url, http.MethodDelete, "/_index_template/"+alias, "", nil)
	})
	return alias
}

func get(t *testing.T, url, path string, out any) {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, itest.ESDo(context.Background(), url, http.MethodGet, path, "", &b))
	require.NoError(t, json.Unmarshal(b.Bytes(), out), b.String())
}

func TestIntegrationInstallIsIdempotentAndSafeToRace(t *testing.T) {
	url := itest.Elasticsearch(t)
	es := client(t, url)
	alias := newAlias(t, url)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = esindex.Install(ctx, es, alias, testAnalyzer, slog.New(slog.DiscardHandler))
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	require.NoError(t, esindex.Install(ctx, es, alias, testAnalyzer, slog.New(slog.DiscardHandler)))

	var aliases map[string]struct {
		Aliases map[string]struct {
			IsWriteIndex bool `json:"is_write_index"`
		} `json:"aliases"`
	}
	get(t, url, "/_alias/"+alias, &aliases)
	require.Len(t, aliases, 1)
	require.True(t, aliases[alias+esindex.FirstIndexSuffix].Aliases[alias].IsWriteIndex)

	var mapping map[string]struct {
		Mappings struct {
			Properties map[string]struct {
				Type string `json:"type"`
			} `json:"properties"`
		} `json:"mappings"`
	}
	get(t, url, "/"+alias+"/_mapping", &mapping)
	props := mapping[alias+esindex.FirstIndexSuffix].Mappings.Properties
	require.Equal(t, "nested", props["figures"].Type)
	require.Equal(t, "date", props["published_at"].Type)
	require.Equal(t, "keyword", props["story_id"].Type)

	// A newer template (a newer worker) is not overwritten.
	newer := strings.Replace(string(mustTemplate(t, alias)), `"version":1`, `"version":2`, 1)
	require.NoError(t, itest.ESDo(ctx, url, http.MethodPut, "/_index_template/"+alias, newer, nil))
	require.NoError(t, esindex.Install(ctx, es, alias, testAnalyzer, slog.New(slog.DiscardHandler)))
	var tmpl struct {
		IndexTemplates []struct {
			IndexTemplate struct {
				Version int `json:"version"`
			} `json:"index_template"`
		} `json:"index_templates"`
	}
	get(t, url, "/_index_template/"+alias, &tmpl)
	require.Equal(t, 2, tmpl.IndexTemplates[0].IndexTemplate.Version)
}

func mustTemplate(t *testing.T, alias string) []byte {
	b, err := esindex.Template(alias, testAnalyzer)
	require.NoError(t, err)
	return b
}

func doc(t *testing.T, a article.Article) esindex.Doc {
	b, err := json.Marshal(a)
	require.NoError(t, err)
	return esindex.Doc{ID: a.ID, Version: esindex.Version(a.UpdatedAt, a.PublishedAt, a.IngestedAt), Source: b}
}

func TestIntegrationIndexerOnARealNode(t *testing.T) {
	url := itest.Elasticsearch(t)
	es := client(t, url)
	alias := newAlias(t, url)
	ctx := context.Background()
	require.NoError(t, esindex.Install(ctx, es, alias, testAnalyzer, slog.New(slog.DiscardHandler)))
	ix := esindex.NewIndexer(es, esindex.IndexerConfig{Alias: alias, Backoff: backoff.Policy{Min: 10 * time.Millisecond, Max: 50 * time.Millisecond}})

	v2 := article.Article{ID: "story-1", Source: "wire", Title: "Floods", Body: "The river rose by two metres overnight.", UpdatedAt: "2024-05-02T10:00:00Z", StoryID: "story-1",
		Figures: []article.Figure{{Text: "two metres", Value: 2, Unit: "m", Kind: article.KindDistance}}}
	v1 := v2
	v1.Body = "The river rose."
	v1.UpdatedAt = "2024-05-01T10:00:00Z"
	bad := article.Article{ID: "story-2", Source: strings.Repeat("w", 33000), Body: "x"}

	res := ix.Index(ctx, []esindex.Doc{doc(t, v2), doc(t, bad)})
	require.Equal(t, esindex.Indexed, res[0].Outcome)
	require.Equal(t, esindex.Rejected, res[1].Outcome)
	require.Contains(t, res[1].Reason, "immense term")
	require.LessOrEqual(t, len(res[1].Reason), 2100)

	// A redelivery of the same version succeeds; an older copy is skipped.
	res = ix.Index(ctx, []esindex.Doc{doc(t, v2), doc(t, v1)})
	require.Equal(t, []esindex.Outcome{esindex.Indexed, esindex.SkippedOlder}, []esindex.Outcome{res[0].Outcome, res[1].Outcome})

	require.NoError(t, itest.ESDo(ctx, url, http.MethodPost, "/"+alias+"/_refresh", "", nil))
	var got struct {
		Source article.Article `json:"_source"`
	}
	get(t, url, "/"+alias+"/_doc/story-1", &got)
	require.Equal(t, v2.Body, got.Source.Body, "the newer version stays")

	var hits struct {
		Hits struct {
			Total struct {
				Value int `json:"value"`
			} `json:"total"`
		} `json:"hits"`
	}
	q := `{"query":{"nested":{"path":"figures","query":{"bool":{"filter":[{"term":{"figures.unit":"m"}},{"range":{"figures.value":{"gte":1}}}]}}}}}`
	var b bytes.Buffer
	require.NoError(t, itest.ESDo(ctx, url, http.MethodPost, "/"+alias+"/_search", q, &b))
	require.NoError(t, json.Unmarshal(b.Bytes(), &hits))
	require.Equal(t, 1, hits.Hits.Total.Value, "figures are searchable as nested objects")
}

// TestIntegrationStoreAgreesUnderARace claims the same keys from two
// stores (two workers, separate caches) at once: both must end with the
// same first record for every key.
func TestIntegrationStoreAgreesUnderARace(t *testing.T) {
	url := itest.Elasticsearch(t)
	es := client(t, url)
	base := itest.NewIndexName(t, url) + "_fp"
	ctx := context.Background()
	a := esindex.NewStore(es, esindex.StoreConfig{Index: base})
	b := esindex.NewStore(es, esindex.StoreConfig{Index: base})
	require.NoError(t, a.Setup(ctx))
	require.NoError(t, b.Setup(ctx))

	const n = 200
	keys := make([]dedup.Key, n)
	for i := range keys {
		keys[i] = dedup.Key(uint64(i)*0x9E3779B97F4A7C15 + 1)
	}
	recsFor := func(who string) []dedup.Record {
		r := make([]dedup.Record, n)
		for i := range r {
			r[i] = dedup.Record{Ref: article.Ref{ArticleID: who, Index: i}, StoryID: who, Figures: uint64(i)}
		}
		return r
	}
	ra, rb := recsFor("worker-a"), recsFor("worker-b")
	var wg sync.WaitGroup
	var ea, eb error
	wg.Add(2)
	go func() { defer wg.Done(); ea = a.Claim(ctx, keys, ra) }()
	go func() { defer wg.Done(); eb = b.Claim(ctx, keys, rb) }()
	wg.Wait()
	require.NoError(t, ea)
	require.NoError(t, eb)
	require.Equal(t, ra, rb, "both workers see the first claim of every key")

	// A fresh store (no cache) reads the same records.
	c := esindex.NewStore(es, esindex.StoreConfig{Index: base, CacheEntries: -1})
	out := make([]dedup.Record, n)
	require.NoError(t, c.Lookup(ctx, keys, out))
	require.Equal(t, ra, out)
	// Unknown keys are absent.
	miss := []dedup.Key{1 << 60, 1<<60 + 1}
	out = make([]dedup.Record, 2)
	require.NoError(t, c.Lookup(ctx, miss, out))
	require.False(t, out[0].Found())
	require.False(t, out[1].Found())
}

// TestIntegrationStoreWithinOneClaim checks a key repeated in one call.
func TestIntegrationStoreWithinOneClaim(t *testing.T) {
	url := itest.Elasticsearch(t)
	es := client(t, url)
	s := esindex.NewStore(es, esindex.StoreConfig{Index: itest.NewIndexName(t, url) + "_fp"})
	ctx := context.Background()
	require.NoError(t, s.Setup(ctx))
	keys := []dedup.Key{7, 7, 8}
	recs := []dedup.Record{
		{Ref: article.Ref{ArticleID: "first", Index: 0}},
		{Ref: article.Ref{ArticleID: "second", Index: 1}},
		{Ref: article.Ref{ArticleID: "third", Index: 2}},
	}
	require.NoError(t, s.Claim(ctx, keys, recs))
	require.Equal(t, "first", recs[1].Ref.ArticleID)
	// Claiming again (a retry after a lost answer) returns the same records.
	again := []dedup.Record{{Ref: article.Ref{ArticleID: "x"}}, {Ref: article.Ref{ArticleID: "y"}}, {Ref: article.Ref{ArticleID: "z"}}}
	require.NoError(t, s.Claim(ctx, keys, again))
	require.Equal(t, []string{"first", "first", "third"}, []string{again[0].Ref.ArticleID, again[1].Ref.ArticleID, again[2].Ref.ArticleID})
}

// TestIntegrationStoreConformance runs the dedup.Store conformance suite
// against the fingerprint index on the real node, with and without the
// local cache.
func TestIntegrationStoreConformance(t *testing.T) {
	url := itest.Elasticsearch(t)
	es := client(t, url)
	base := itest.NewIndexName(t, url)
	for _, tc := range []struct {
		name  string
		cache int
	}{{"with the cache", 0}, {"without a cache", -1}} {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			storetest.Run(t, func(t *testing.T) dedup.Store {
				n++
				s := esindex.NewStore(es, esindex.StoreConfig{Index: fmt.Sprintf("%s_fp%d_%d", base, tc.cache+1, n), CacheEntries: tc.cache})
				require.NoError(t, s.Setup(context.Background()))
				return s
			})
		})
	}
}
