package figures_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/internal/shared"
	"github.com/newsflow/newsflow/pkg/figures"
)

// loadBodies reads the article bodies of a corpus file in ../shared/corpus.
func loadBodies(tb testing.TB, name string) []string {
	tb.Helper()
	f, err := os.Open(shared.Path(tb, filepath.Join("corpus", name)))
	require.NoError(tb, err)
	defer func() { require.NoError(tb, f.Close()) }()
	var bodies []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var rec struct {
			Body string `json:"body"`
		}
		require.NoError(tb, json.Unmarshal(sc.Bytes(), &rec))
		bodies = append(bodies, rec.Body)
	}
	require.NoError(tb, sc.Err())
	return bodies
}

// BenchmarkExtract runs Extract over every body of each corpus; one
// iteration is one pass over the corpus. MB/s is body bytes per second on
// one core; articles/s and figures/op are reported beside it.
func BenchmarkExtract(b *testing.B) {
	for _, name := range []string{"reuters-21578.jsonl", "bbc-news.jsonl"} {
		b.Run(name, func(b *testing.B) {
			bodies := loadBodies(b, name)
			size := 0
			for _, body := range bodies {
				size += len(body)
			}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			n := 0
			for b.Loop() {
				n = 0
				for _, body := range bodies {
					n += len(figures.Extract(body))
				}
			}
			b.ReportMetric(float64(len(bodies))*float64(b.N)/b.Elapsed().Seconds(), "articles/s")
			b.ReportMetric(float64(n), "figures/op")
		})
	}
}
