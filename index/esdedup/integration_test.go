package esdedup

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/newsflow/newsflow/internal/itest"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/dedup"
	"github.com/newsflow/newsflow/pkg/dedup/storetest"
	"github.com/stretchr/testify/require"
)

// TestIntegrationStoreAgreesUnderARace claims the same keys from two
// stores (two workers, separate caches) at once: both must end with the
// same first record for every key.
func TestIntegrationStoreAgreesUnderARace(t *testing.T) {
	url := itest.Elasticsearch(t)
	es := itest.ESClient(t, url)
	base := itest.NewIndexName(t, url) + "_fp"
	ctx := context.Background()
	a := NewStore(es, StoreConfig{Index: base})
	b := NewStore(es, StoreConfig{Index: base})
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
	c := NewStore(es, StoreConfig{Index: base, CacheEntries: -1})
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
	es := itest.ESClient(t, url)
	s := NewStore(es, StoreConfig{Index: itest.NewIndexName(t, url) + "_fp"})
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
	es := itest.ESClient(t, url)
	base := itest.NewIndexName(t, url)
	for _, tc := range []struct {
		name  string
		cache int
	}{{"with the cache", 0}, {"without a cache", -1}} {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			storetest.Run(t, func(t *testing.T) dedup.Store {
				n++
				s := NewStore(es, StoreConfig{Index: fmt.Sprintf("%s_fp%d_%d", base, tc.cache+1, n), CacheEntries: tc.cache})
				require.NoError(t, s.Setup(context.Background()))
				return s
			})
		})
	}
}
