package normalize

import (
	"encoding/json"
	"runtime"
	"testing"

	"github.com/newsflow/newsflow/internal/shared"
	"github.com/newsflow/newsflow/pkg/article"
)

// loadCorpus reads a corpus file of the shared data as raw articles and
// returns them with their title and body bytes.
func loadCorpus(b *testing.B, name string) ([]article.RawArticle, int64) {
	b.Helper()
	var raws []article.RawArticle
	var size int64
	for _, line := range readLines(b, shared.Path(b, name)) {
		var raw article.RawArticle
		if err := json.Unmarshal(line, &raw); err != nil {
			b.Fatal(err)
		}
		raws = append(raws, raw)
		size += int64(len(raw.Title) + len(raw.Body))
	}
	return raws, size
}

// BenchmarkNormalize normalizes every article of a corpus per iteration.
// MB/s counts title and body bytes; articles/s and allocs/article are
// reported alongside (run with -cpu 1 for per-core figures).
func BenchmarkNormalize(b *testing.B) {
	for _, name := range []string{"corpus/reuters-21578.jsonl", "corpus/bbc-news.jsonl"} {
		b.Run(name[len("corpus/"):], func(b *testing.B) {
			raws, size := loadCorpus(b, name)
			b.SetBytes(size)
			b.ReportAllocs()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for _, raw := range raws {
					if _, err := Normalize(raw); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.StopTimer()
			runtime.ReadMemStats(&after)
			n := float64(b.N) * float64(len(raws))
			b.ReportMetric(n/b.Elapsed().Seconds(), "articles/s")
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/n, "allocs/article")
		})
	}
}

// BenchmarkNormalizeFeedSamples measures the ninjs and NewsML-G2 paths on
// the feed samples (parse, convert, clean).
func BenchmarkNormalizeFeedSamples(b *testing.B) {
	raws := feedSampleRaws(b)
	var size int64
	for _, r := range raws {
		size += int64(len(r.Body))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, raw := range raws {
			_, _ = Normalize(raw)
		}
	}
	b.ReportMetric(float64(b.N)*float64(len(raws))/b.Elapsed().Seconds(), "articles/s")
}
