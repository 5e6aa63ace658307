package bleve

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/consumers"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/search"
	"github.com/newsflow/newsflow/search/searchtest"
)

func open(t *testing.T, dir string, o Options) *Index {
	t.Helper()
	x, err := Open(dir, o)
	require.NoError(t, err)
	t.Cleanup(func() { _ = x.Close() })
	return x
}

func docOf(t *testing.T, a article.Article) consumers.Doc {
	t.Helper()
	src, err := json.Marshal(a)
	require.NoError(t, err)
	return consumers.Doc{ID: a.ID, Version: a.Version(), Source: src}
}

func index(t *testing.T, x *Index, arts ...article.Article) []consumers.Result {
	t.Helper()
	docs := make([]consumers.Doc, len(arts))
	for i, a := range arts {
		docs[i] = docOf(t, a)
	}
	return x.Index(context.Background(), docs)
}

func TestSearcherConformance(t *testing.T) {
	for _, analyzer := range []string{AnalyzerEnglish, AnalyzerStandard} {
		t.Run(analyzer, func(t *testing.T) {
			searchtest.Run(t, analyzer, func(t *testing.T, docs []article.Article) search.Searcher {
				x := open(t, filepath.Join(t.TempDir(), "index"), Options{Analyzer: analyzer})
				for _, r := range index(t, x, docs...) {
					require.Equal(t, consumers.Indexed, r.Outcome)
				}
				return x
			})
		})
	}
}

func TestEnglishAnalyzerStems(t *testing.T) {
	x := open(t, filepath.Join(t.TempDir(), "index"), Options{})
	index(t, x, searchtest.Corpus()...)
	res, err := x.Search(context.Background(), search.Query{Text: "pipelines approving"})
	require.NoError(t, err)
	require.Equal(t, 1, res.Total)
	require.Equal(t, "b-pipeline", res.Hits[0].ID)
}

func TestVersions(t *testing.T) {
	base := searchtest.Corpus()[0]
	at := func(updated, title string) article.Article {
		a := base
		a.UpdatedAt, a.Title = updated, title
		return a
	}
	title := func(x *Index) string {
		raw, err := x.Article(context.Background(), base.ID)
		require.NoError(t, err)
		var a article.Article
		require.NoError(t, json.Unmarshal(raw, &a))
		return a.Title
	}
	for _, tc := range []struct {
		name  string
		first article.Article
		then  article.Article
		want  consumers.Outcome
		title string
	}{
		{"a newer version replaces", at("2024-03-01T10:00:00Z", "v1"), at("2024-03-01T11:00:00Z", "v2"), consumers.Indexed, "v2"},
		{"an older version is skipped", at("2024-03-01T11:00:00Z", "v2"), at("2024-03-01T10:00:00Z", "v1"), consumers.SkippedOlder, "v2"},
		{"the same version rewrites (redelivery)", at("2024-03-01T10:00:00Z", "v1"), at("2024-03-01T10:00:00Z", "v1 again"), consumers.Indexed, "v1 again"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := open(t, filepath.Join(t.TempDir(), "index"), Options{})
			require.Equal(t, consumers.Indexed, index(t, x, tc.first)[0].Outcome)
			require.Equal(t, tc.want, index(t, x, tc.then)[0].Outcome)
			require.Equal(t, tc.title, title(x))
			n, err := x.Count()
			require.NoError(t, err)
			require.EqualValues(t, 1, n)
		})
	}

	t.Run("two versions in one batch keep the newer", func(t *testing.T) {
		x := open(t, filepath.Join(t.TempDir(), "index"), Options{})
		res := index(t, x, at("2024-03-01T11:00:00Z", "new"), at("2024-03-01T10:00:00Z", "old"))
		require.Equal(t, []consumers.Outcome{consumers.Indexed, consumers.SkippedOlder}, []consumers.Outcome{res[0].Outcome, res[1].Outcome})
		require.Equal(t, "new", title(x))
	})
}

func TestWithdrawnStoriesAreRemovedUnlessNewer(t *testing.T) {
	base := searchtest.Corpus()[0]
	base.UpdatedAt = "2024-03-01T10:00:00Z"
	withdraw := func(updated string) consumers.Doc {
		a := base
		a.UpdatedAt = updated
		return consumers.Doc{ID: a.ID, Version: a.Version(), Delete: true}
	}
	count := func(x *Index) uint64 {
		n, err := x.Count()
		require.NoError(t, err)
		return n
	}
	ctx := context.Background()

	t.Run("a withdrawal of the same or a later version removes the document", func(t *testing.T) {
		x := open(t, filepath.Join(t.TempDir(), "index"), Options{})
		index(t, x, base)
		require.Equal(t, consumers.Withdrawn, x.Index(ctx, []consumers.Doc{withdraw(base.UpdatedAt)})[0].Outcome)
		require.EqualValues(t, 0, count(x))
		_, err := x.Article(ctx, base.ID)
		require.ErrorIs(t, err, search.ErrNotFound)
	})
	t.Run("a withdrawal older than the indexed version is skipped", func(t *testing.T) {
		x := open(t, filepath.Join(t.TempDir(), "index"), Options{})
		index(t, x, base)
		require.Equal(t, consumers.SkippedOlder, x.Index(ctx, []consumers.Doc{withdraw("2024-03-01T09:00:00Z")})[0].Outcome)
		require.EqualValues(t, 1, count(x))
	})
	t.Run("withdrawing a story never indexed is done", func(t *testing.T) {
		x := open(t, filepath.Join(t.TempDir(), "index"), Options{})
		require.Equal(t, consumers.Withdrawn, x.Index(ctx, []consumers.Doc{withdraw(base.UpdatedAt)})[0].Outcome)
	})
}

func TestUndecodableDocumentsAreRejected(t *testing.T) {
	reg := prometheus.NewRegistry()
	x := open(t, filepath.Join(t.TempDir(), "index"), Options{Registerer: reg})
	good := docOf(t, searchtest.Corpus()[1])
	res := x.Index(context.Background(), []consumers.Doc{{ID: "bad", Source: []byte(`{"title": 3`)}, good})
	require.Equal(t, consumers.Rejected, res[0].Outcome)
	require.Contains(t, res[0].Reason, "decode document")
	require.Equal(t, consumers.Indexed, res[1].Outcome)
	require.Equal(t, 1.0, testutil.ToFloat64(x.metrics.docs.WithLabelValues(DocRejected)))
	require.Equal(t, 1.0, testutil.ToFloat64(x.metrics.docs.WithLabelValues(DocIndexed)))
}

func TestTheIndexSurvivesReopening(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	x, err := Open(dir, Options{})
	require.NoError(t, err)
	index(t, x, searchtest.Corpus()...)
	require.NoError(t, x.Close())

	x = open(t, dir, Options{})
	n, err := x.Count()
	require.NoError(t, err)
	require.EqualValues(t, len(searchtest.Corpus()), n)
	res, err := x.Search(context.Background(), search.Query{Text: `"5,000 troops"`})
	require.NoError(t, err)
	require.Equal(t, 1, res.Total)
}

func TestBadOptions(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "index"), Options{Analyzer: "klingon"})
	require.ErrorContains(t, err, `analyzer "klingon"`)
}

func TestIndexingIsCancelledWhileTheContextEnds(t *testing.T) {
	x := open(t, filepath.Join(t.TempDir(), "index"), Options{})
	require.NoError(t, x.Close()) // every batch fails now
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	res := x.Index(ctx, []consumers.Doc{docOf(t, searchtest.Corpus()[0])})
	require.Equal(t, consumers.Unfinished, res[0].Outcome)
}
