package dedup

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/newsflow/newsflow/pkg/article"
)

// BenchmarkMemoryStore: one Lookup and one Claim of 28 keys (the average
// Reuters article), 80% of them new, against a store holding 2M keys.
func BenchmarkMemoryStore(b *testing.B) {
	ctx := context.Background()
	s := NewMemoryStore(1 << 30)
	r := rand.New(rand.NewPCG(1, 2))
	old := make([]Key, 0, 2<<20)
	for len(old) < 2<<20 {
		keys := make([]Key, 28)
		recs := make([]Record, 28)
		for i := range keys {
			keys[i] = Key(r.Uint64())
			recs[i] = Record{Ref: article.Ref{ArticleID: "x", Index: i}, StoryID: "x"}
		}
		_ = s.Claim(ctx, keys, recs)
		old = append(old, keys...)
	}
	keys := make([]Key, 28)
	recs := make([]Record, 28)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for n := range b.N {
		for i := range keys {
			if r.IntN(5) == 0 {
				keys[i] = old[r.IntN(len(old))]
			} else {
				keys[i] = Key(r.Uint64())
			}
		}
		_ = s.Lookup(ctx, keys, recs)
		for i := range recs {
			recs[i] = Record{Ref: article.Ref{ArticleID: "y", Index: n}, StoryID: "y"}
		}
		_ = s.Claim(ctx, keys, recs)
	}
	if cpu := (cpuTime() - cpu0).Seconds(); cpu > 0 {
		b.ReportMetric(cpu*1e9/float64(b.N), "cpu-ns/op")
	}
}
