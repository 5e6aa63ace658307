package redisdedup_test

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/index/redisdedup"
	"github.com/newsflow/newsflow/internal/bench"
	"github.com/newsflow/newsflow/internal/itest"
	"github.com/newsflow/newsflow/internal/shared"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/dedup"
	"github.com/newsflow/newsflow/pkg/pipeline"
)

// BenchmarkWorkerStagesOnRedis runs a consumer worker's stages
// (pipeline.Process: normalize, figures, dedup against this store,
// assembly) over both corpora as new text, the way a worker meets them in
// the first pass of `newsflow bench e2e`: batches of 498 articles split in
// 6 partition runs of 83, the runs of a batch at once, with the worker's
// default soft memory limit (150 MiB). One iteration is both corpora under
// a fresh key prefix. Without Kafka and Elasticsearch it shows the part of
// the worker's CPU that issue 11's isolated runs found limiting on new
// text, with far less noise than an end-to-end run: it reports CPU time per
// article of the whole process (garbage collection included) and of the
// Redis server (its INFO cpu). Pin it beside the server as the bench does
// (one core for both):
//
//	NEWSFLOW_TEST_REDIS=127.0.0.1:39379 taskset -c 0 go test ./index/redisdedup \
//	  -run '^$' -bench WorkerStagesOnRedis -benchtime 3x
//
// cache=off runs it without the store's record cache (on new text the
// cache holds the records the worker claimed itself).
func BenchmarkWorkerStagesOnRedis(b *testing.B) {
	withAndWithoutCache(b, benchmarkWorkerStages)
}

func benchmarkWorkerStages(b *testing.B, cacheEntries int) {
	addr := itest.Redis(b)
	var raws []article.RawArticle
	for _, name := range []string{shared.CorpusBBC, shared.CorpusReuters} {
		for _, r := range shared.LoadCorpus(b, name, 0) {
			raws = append(raws, article.RawArticle{ID: r.ID, Source: r.Source, Title: r.Title, Body: r.Body, Published: r.Published})
		}
	}
	const parts, run = 6, 83
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(150 << 20))
	ctx := context.Background()
	b.ReportAllocs()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	var cpu, server time.Duration
	info := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, DisableIdentity: true})
	defer info.Close()
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		b.StopTimer()
		cfg := redisdedup.Config{Addrs: []string{addr}, CacheEntries: cacheEntries, KeyPrefix: itest.NewRedisPrefix(b, addr) + fmt.Sprint(it) + ":"}
		s, err := redisdedup.New(cfg)
		require.NoError(b, err)
		require.NoError(b, s.Setup(ctx))
		p := pipeline.New(dedup.New(s, dedup.Options{}), nil, prometheus.NewRegistry())
		runtime.GC()
		b.StartTimer()
		cpu0, server0 := bench.CPUTime(), serverCPU(b, info)
		for from := 0; from < len(raws); from += parts * run {
			var wg sync.WaitGroup
			errs := make([]error, parts)
			for k := range parts {
				lo := min(from+k*run, len(raws))
				hi := min(lo+run, len(raws))
				if lo == hi {
					continue
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, perr := p.Process(ctx, raws[lo:hi])
					for _, e := range perr {
						if e != nil {
							errs[k] = e
							return
						}
					}
				}()
			}
			wg.Wait()
			for _, e := range errs {
				if e != nil {
					b.Fatal(e)
				}
			}
		}
		cpu += bench.CPUTime() - cpu0
		server += serverCPU(b, info) - server0
		b.StopTimer()
		_ = s.Close()
		b.StartTimer()
	}
	b.StopTimer()
	runtime.ReadMemStats(&ms1)
	n := float64(b.N * len(raws))
	b.ReportMetric(cpu.Seconds()*1e3/n, "cpu-ms/article")
	b.ReportMetric(server.Seconds()*1e3/n, "redis-cpu-ms/article")
	b.ReportMetric(float64(ms1.NumGC-ms0.NumGC)/float64(b.N), "gc/op")
	b.ReportMetric(float64(len(raws)), "articles/op")
}

// serverCPU is the CPU time the Redis server has used (INFO cpu).
func serverCPU(b *testing.B, c *redis.Client) time.Duration {
	info, err := c.Info(context.Background(), "cpu").Result()
	require.NoError(b, err)
	var total float64
	for line := range strings.SplitSeq(info, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if ok && (k == "used_cpu_user" || k == "used_cpu_sys") {
			f, err := strconv.ParseFloat(v, 64)
			require.NoError(b, err)
			total += f
		}
	}
	return time.Duration(total * float64(time.Second))
}
