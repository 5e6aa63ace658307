package redisdedup_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/index/redisdedup"
	"github.com/newsflow/newsflow/internal/itest"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/dedup"
)

// BenchmarkClaim claims 500 fresh keys a call, as a partition's batch
// does, on the standalone test server (allocations of the claim path),
// with the record cache off and at its default size (which keeps a copy
// of every record claimed).
func BenchmarkClaim(b *testing.B) {
	withAndWithoutCache(b, benchmarkClaim)
}

func benchmarkClaim(b *testing.B, cacheEntries int) {
	s, ctx := benchStore(b, cacheEntries)
	keys, proto := benchRecords(500, 0)
	recs := make([]dedup.Record, len(proto))
	b.ReportAllocs()
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		for i := range keys {
			keys[i] = dedup.Key(uint64(it)<<20 | uint64(i) | 1<<63)
		}
		copy(recs, proto)
		if err := s.Claim(ctx, keys, recs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLookup looks up 500 keys that all have records, as a batch of
// repeats does: from the server with the cache off, from the cache at its
// default size.
func BenchmarkLookup(b *testing.B) {
	withAndWithoutCache(b, benchmarkLookup)
}

func benchmarkLookup(b *testing.B, cacheEntries int) {
	s, ctx := benchStore(b, cacheEntries)
	keys, recs := benchRecords(500, 0)
	require.NoError(b, s.Claim(ctx, keys, recs))
	out := make([]dedup.Record, len(keys))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := s.Lookup(ctx, keys, out); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	require.Equal(b, recs[7], out[7])
}

// benchRecords returns n keys numbered from it<<20 and records with full
// sketches, five paragraphs an article.
func benchRecords(n int, it uint64) ([]dedup.Key, []dedup.Record) {
	keys := make([]dedup.Key, n)
	recs := make([]dedup.Record, n)
	var sk dedup.Sketch
	for i := range sk {
		sk[i] = byte(i * 7)
	}
	for i := range recs {
		keys[i] = dedup.Key(it<<20 | uint64(i) | 1<<63)
		recs[i] = dedup.Record{Ref: article.Ref{ArticleID: fmt.Sprintf("bench-%d", i/5), Index: i % 5}, StoryID: "story", Figures: uint64(i), Numbers: uint64(i * 3), Sketch: sk}
	}
	return keys, recs
}

// benchStore returns a store on the standalone test server under a fresh
// prefix, with the given CacheEntries (-1: no cache, 0: the default).
func benchStore(b *testing.B, cacheEntries int) (*redisdedup.Store, context.Context) {
	cfg := redisdedup.Config{Addrs: []string{itest.Redis(b)}, CacheEntries: cacheEntries, KeyPrefix: itest.NewRedisPrefix(b, itest.Redis(b))}
	s, err := redisdedup.New(cfg)
	require.NoError(b, err)
	b.Cleanup(func() { _ = s.Close() })
	ctx := context.Background()
	require.NoError(b, s.Setup(ctx))
	return s, ctx
}

// withAndWithoutCache runs bench with the cache off and at its default.
func withAndWithoutCache(b *testing.B, bench func(b *testing.B, cacheEntries int)) {
	b.Run("cache=off", func(b *testing.B) { bench(b, -1) })
	b.Run("cache=default", func(b *testing.B) { bench(b, 0) })
}
