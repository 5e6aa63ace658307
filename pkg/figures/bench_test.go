package figures_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

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
			cpu0 := cpuTime()
			for b.Loop() {
				n = 0
				for _, body := range bodies {
					n += len(figures.Extract(body))
				}
			}
			cpu := (cpuTime() - cpu0).Seconds()
			b.ReportMetric(float64(len(bodies))*float64(b.N)/b.Elapsed().Seconds(), "articles/s")
			b.ReportMetric(float64(n), "figures/op")
			b.ReportMetric(float64(n)/float64(len(bodies)), "figures/article")
			if cpu > 0 {
				// Throughput per second of CPU time: on a shared machine the
				// wall-clock MB/s above understates one core.
				b.ReportMetric(float64(size)*float64(b.N)/cpu/1e6, "MB/cpu-s")
			}
		})
	}
}

// cpuTime is the user+system CPU time of the process so far (Linux, BSD,
// macOS); 0 elsewhere.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
