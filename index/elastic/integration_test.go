package elastic

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/consumers"
	"github.com/newsflow/newsflow/consumers/backoff"
	"github.com/newsflow/newsflow/internal/itest"
	"github.com/newsflow/newsflow/pkg/article"
)

// testAnalyzer is the analyzer the template ships with. Maven Central does
// not serve the analysis-common module for 8.x, so the test node of
// scripts/testenv.sh registers Lucene's EnglishAnalyzer under the same name
// (testenv/elasticsearch/src/.../EnglishAnalysisPlugin.java).
const testAnalyzer = DefaultAnalyzer

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
	es := itest.ESClient(t, url)
	alias := newAlias(t, url)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = Install(ctx, es, alias, testAnalyzer, slog.New(slog.DiscardHandler))
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	require.NoError(t, Install(ctx, es, alias, testAnalyzer, slog.New(slog.DiscardHandler)))

	var aliases map[string]struct {
		Aliases map[string]struct {
			IsWriteIndex bool `json:"is_write_index"`
		} `json:"aliases"`
	}
	get(t, url, "/_alias/"+alias, &aliases)
	require.Len(t, aliases, 1)
	require.True(t, aliases[alias+FirstIndexSuffix].Aliases[alias].IsWriteIndex)

	var mapping map[string]struct {
		Mappings struct {
			Properties map[string]struct {
				Type string `json:"type"`
			} `json:"properties"`
		} `json:"mappings"`
	}
	get(t, url, "/"+alias+"/_mapping", &mapping)
	props := mapping[alias+FirstIndexSuffix].Mappings.Properties
	require.Equal(t, "nested", props["figures"].Type)
	require.Equal(t, "date", props["published_at"].Type)
	require.Equal(t, "keyword", props["story_id"].Type)

	// A newer template (a newer worker) is not overwritten.
	newer := strings.Replace(string(mustTemplate(t, alias)), `"version":1`, `"version":2`, 1)
	require.NoError(t, itest.ESDo(ctx, url, http.MethodPut, "/_index_template/"+alias, newer, nil))
	require.NoError(t, Install(ctx, es, alias, testAnalyzer, slog.New(slog.DiscardHandler)))
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
	b, err := Template(alias, testAnalyzer)
	require.NoError(t, err)
	return b
}

func doc(t *testing.T, a article.Article) consumers.Doc {
	b, err := json.Marshal(a)
	require.NoError(t, err)
	return consumers.Doc{ID: a.ID, Version: a.Version(), Source: b}
}

// newIndexer installs the template of a fresh alias on the test node and
// returns an indexer writing to it with quick retries.
func newIndexer(t *testing.T, url string) (ix *Indexer, alias string) {
	t.Helper()
	es := itest.ESClient(t, url)
	alias = newAlias(t, url)
	require.NoError(t, Install(context.Background(), es, alias, testAnalyzer, slog.New(slog.DiscardHandler)))
	return NewIndexer(es, IndexerConfig{Alias: alias, Backoff: backoff.Policy{Min: 10 * time.Millisecond, Max: 50 * time.Millisecond}}), alias
}

func TestIntegrationIndexerOnARealNode(t *testing.T) {
	url := itest.Elasticsearch(t)
	ix, alias := newIndexer(t, url)
	ctx := context.Background()

	v2 := article.Article{ID: "story-1", Source: "wire", Title: "Floods", Body: "The river rose by two metres overnight.", UpdatedAt: "2024-05-02T10:00:00Z", StoryID: "story-1",
		Figures: []article.Figure{{Text: "two metres", Value: 2, Unit: "m", Kind: article.KindDistance}}}
	v1 := v2
	v1.Body = "The river rose."
	v1.UpdatedAt = "2024-05-01T10:00:00Z"
	bad := article.Article{ID: "story-2", Source: strings.Repeat("w", 33000), Body: "x"}

	res := ix.Index(ctx, []consumers.Doc{doc(t, v2), doc(t, bad)})
	require.Equal(t, consumers.Indexed, res[0].Outcome)
	require.Equal(t, consumers.Rejected, res[1].Outcome)
	require.Contains(t, res[1].Reason, "immense term")
	require.LessOrEqual(t, len(res[1].Reason), 2100)

	// A redelivery of the same version succeeds; an older copy is skipped.
	res = ix.Index(ctx, []consumers.Doc{doc(t, v2), doc(t, v1)})
	require.Equal(t, []consumers.Outcome{consumers.Indexed, consumers.SkippedOlder}, []consumers.Outcome{res[0].Outcome, res[1].Outcome})

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

func TestIntegrationIndexerRemovesWithdrawnStories(t *testing.T) {
	url := itest.Elasticsearch(t)
	ix, alias := newIndexer(t, url)
	ctx := context.Background()

	kept := article.Article{ID: "kept", Source: "wire", Title: "Floods", Body: "The river rose.", UpdatedAt: "2024-05-02T10:00:00Z", EmbargoedUntil: "2024-05-02T12:00:00Z"}
	killed := article.Article{ID: "killed", Source: "wire", Title: "Wrong", Body: "A story the agency canceled.", UpdatedAt: "2024-05-02T10:00:00Z"}
	res := ix.Index(ctx, []consumers.Doc{doc(t, kept), doc(t, killed)})
	require.Equal(t, []consumers.Outcome{consumers.Indexed, consumers.Indexed}, outcomes(res))

	older := killed
	older.UpdatedAt = "2024-05-02T09:00:00Z"
	withdraw := func(a article.Article) consumers.Doc {
		return consumers.Doc{ID: a.ID, Version: a.Version(), Delete: true}
	}
	res = ix.Index(ctx, []consumers.Doc{withdraw(older)})
	require.Equal(t, consumers.SkippedOlder, res[0].Outcome, "a withdrawal older than the indexed story leaves it")
	res = ix.Index(ctx, []consumers.Doc{withdraw(killed), withdraw(article.Article{ID: "never-indexed", UpdatedAt: killed.UpdatedAt})})
	require.Equal(t, []consumers.Outcome{consumers.Withdrawn, consumers.Withdrawn}, outcomes(res))
	// A late copy of the story from before its withdrawal does not bring it back.
	res = ix.Index(ctx, []consumers.Doc{doc(t, older)})
	require.Equal(t, consumers.SkippedOlder, res[0].Outcome)

	require.NoError(t, itest.ESDo(ctx, url, http.MethodPost, "/"+alias+"/_refresh", "", nil))
	var count struct {
		Count int `json:"count"`
	}
	get(t, url, "/"+alias+"/_count", &count)
	require.Equal(t, 1, count.Count)
	var hits struct {
		Hits struct {
			Total struct {
				Value int `json:"value"`
			} `json:"total"`
		} `json:"hits"`
	}
	var b bytes.Buffer
	require.NoError(t, itest.ESDo(ctx, url, http.MethodPost, "/"+alias+"/_search", `{"query":{"range":{"embargoed_until":{"gte":"2024-05-02T11:00:00Z"}}}}`, &b))
	require.NoError(t, json.Unmarshal(b.Bytes(), &hits))
	require.Equal(t, 1, hits.Hits.Total.Value, "the embargo is a date field of the template")
}
