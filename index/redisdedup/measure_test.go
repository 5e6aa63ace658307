package redisdedup_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/index/redisdedup"
	"github.com/newsflow/newsflow/internal/itest"
	"github.com/newsflow/newsflow/internal/shared"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/dedup"
)

var (
	measure    = flag.Bool("redisdedup.measure", false, "run TestMeasure*: the Redis memory per million paragraphs and the store's latency per batch")
	measureN   = flag.Int("redisdedup.paragraphs", 1_000_000, "TestMeasureMemoryPerMillionParagraphs: paragraphs to store")
	batchSize  = flag.Int("redisdedup.batch", 500, "articles per MarkBatch, as the consumer's batches")
	cacheFlag  = flag.Int("redisdedup.cache", 0, "Config.CacheEntries of the measured store (0: default, -1: none)")
	clusterRun = flag.Bool("redisdedup.cluster", false, "measure on the testenv cluster ($NEWSFLOW_TEST_REDIS_CLUSTER) instead of a private server")
)

// stream is the corpus articles as dedup sees them after normalize, pass
// after pass: pass n > 0 appends n q's to every word, so that no paragraph
// of a pass repeats one of an earlier pass (as pkg/dedup's
// TestMemoryPerMillionParagraphs does), and article ids carry the pass.
type stream struct {
	corp []shared.CorpusRecord
	pass int
	next int
}

func newStream(t *testing.T) *stream {
	corp := append(shared.LoadCorpus(t, shared.CorpusBBC, 0), shared.LoadCorpus(t, shared.CorpusReuters, 0)...)
	return &stream{corp: corp}
}

func (s *stream) batch(n int) []*article.Article {
	out := make([]*article.Article, 0, n)
	suffix := strings.Repeat("q", s.pass)
	for len(out) < n {
		if s.next == len(s.corp) {
			s.next, s.pass = 0, s.pass+1
			suffix = strings.Repeat("q", s.pass)
		}
		c := s.corp[s.next]
		s.next++
		a := &article.Article{ID: fmt.Sprintf("p%d-%s", s.pass, c.ID), Source: c.Source, Title: c.Title}
		for i, p := range strings.Split(c.Body, "\n\n") {
			if s.pass > 0 {
				p = rewriteWords(p, suffix)
			}
			a.Paragraphs = append(a.Paragraphs, article.Paragraph{Index: i, Text: p, Status: article.StatusUnique})
		}
		out = append(out, a)
	}
	return out
}

// rewriteWords appends suffix to every word of text, keeping its shape.
func rewriteWords(text, suffix string) string {
	var b strings.Builder
	inWord := false
	for _, r := range text {
		isWord := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if inWord && !isWord {
			b.WriteString(suffix)
		}
		inWord = isWord
		b.WriteRune(r)
	}
	if inWord {
		b.WriteString(suffix)
	}
	return b.String()
}

// timed records the calls a Deduper makes to its store.
type timed struct {
	dedup.Store
	mu              sync.Mutex
	lookups, claims []call
}

type call struct {
	keys int
	d    time.Duration
}

func (s *timed) Lookup(ctx context.Context, keys []dedup.Key, out []dedup.Record) error {
	t0 := time.Now()
	err := s.Store.Lookup(ctx, keys, out)
	s.mu.Lock()
	s.lookups = append(s.lookups, call{len(keys), time.Since(t0)})
	s.mu.Unlock()
	return err
}

func (s *timed) Claim(ctx context.Context, keys []dedup.Key, recs []dedup.Record) error {
	t0 := time.Now()
	err := s.Store.Claim(ctx, keys, recs)
	s.mu.Lock()
	s.claims = append(s.claims, call{len(keys), time.Since(t0)})
	s.mu.Unlock()
	return err
}

// summary describes calls: how many, keys per call, median and p90
// duration, keys per second of call time.
func summary(calls []call) string {
	if len(calls) == 0 {
		return "none"
	}
	ds := make([]time.Duration, len(calls))
	keys, total := 0, time.Duration(0)
	for i, c := range calls {
		ds[i] = c.d
		keys += c.keys
		total += c.d
	}
	slices.Sort(ds)
	return fmt.Sprintf("%d calls, %.0f keys/call, median %v, p90 %v, %.0f keys/s",
		len(calls), float64(keys)/float64(len(calls)), ds[len(ds)/2].Round(10*time.Microsecond),
		ds[len(ds)*9/10].Round(10*time.Microsecond), float64(keys)/total.Seconds())
}

// markStream marks batches of the stream until paragraphs are marked and
// returns what it marked and how long MarkBatch took in all.
func markStream(t *testing.T, d *dedup.Deduper, st *stream, paragraphs int) (articles, paras int, took time.Duration) {
	ctx := context.Background()
	for paras < paragraphs {
		b := st.batch(*batchSize)
		t0 := time.Now()
		err := d.MarkBatch(ctx, b, nil)
		if err != nil {
			for _, a := range b { // as the pipeline does
				require.NoError(t, d.Mark(ctx, a, nil))
			}
		}
		took += time.Since(t0)
		for _, a := range b {
			paras += len(a.Paragraphs)
		}
		articles += len(b)
	}
	return articles, paras, took
}

func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	return strings.TrimSpace(string(b))
}

// TestMeasureMemoryPerMillionParagraphs stores the keys of a million
// corpus paragraphs (the mix that dedup makes of both corpora: exact, band,
// slot and body keys with their records) in a private redis-server, and
// reports the server's used_memory per paragraph and per key, and the
// store's Lookup/Claim latency for the consumer's batch size; the same
// stream through the memory store is the baseline of MarkBatch's time.
//
//	go test ./index/redisdedup -run MeasureMemory -v -redisdedup.measure [-redisdedup.paragraphs 200000] [-redisdedup.cluster]
func TestMeasureMemoryPerMillionParagraphs(t *testing.T) {
	if !*measure {
		t.Skip("a measurement: run with -redisdedup.measure")
	}
	ctx := context.Background()
	var addrs []string
	if *clusterRun {
		addrs = itest.RedisCluster(t)
	} else {
		addrs = []string{itest.StartRedis(t).Addr()}
	}
	used := func() (mem, keys float64) {
		s, err := redisdedup.New(redisdedup.Config{Addrs: addrs, Cluster: *clusterRun})
		require.NoError(t, err)
		defer s.Close()
		nodes, err := s.ServerStats(ctx)
		require.NoError(t, err)
		for _, n := range nodes {
			mem += n.UsedMemory
			keys += n.Keys
		}
		return mem, keys
	}
	cfg := redisdedup.Config{Addrs: addrs, Cluster: *clusterRun, CacheEntries: *cacheFlag, KeyPrefix: itest.NewRedisPrefix(t, addrs...)}
	s, err := redisdedup.New(cfg)
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, s.Setup(ctx))
	mem0, keys0 := used()
	ts := &timed{Store: s}
	t.Logf("load before: %s", loadAvg())
	articles, paras, took := markStream(t, dedup.New(ts, dedup.Options{}), newStream(t), *measureN)
	mem1, keys1 := used()
	keys := keys1 - keys0
	t.Logf("redis (%s, cache %d): %d paragraphs in %d articles: %.0f keys (%.2f per paragraph), used_memory %+.1f MB: %.0f bytes per paragraph, %.0f per key, %.0f MB per million paragraphs",
		strings.Join(addrs, ","), cfg.WithDefaults().CacheEntries, paras, articles, keys, keys/float64(paras), (mem1-mem0)/1e6,
		(mem1-mem0)/float64(paras), (mem1-mem0)/keys, (mem1-mem0)/float64(paras))
	t.Logf("value sizes: %s", valueSizes(addrs, s.Prefix()))
	t.Logf("MarkBatch with redis: %v, %.0f articles/s", took.Round(time.Millisecond), float64(articles)/took.Seconds())
	t.Logf("lookups: %s", summary(ts.lookups))
	t.Logf("claims: %s", summary(ts.claims))

	// The baseline: the same stream through the memory store.
	ms := &timed{Store: dedup.NewMemoryStore(1 << 30)}
	articles, _, took = markStream(t, dedup.New(ms, dedup.Options{}), newStream(t), *measureN)
	t.Logf("MarkBatch with the memory store: %v, %.0f articles/s", took.Round(time.Millisecond), float64(articles)/took.Seconds())
	t.Logf("load after: %s", loadAvg())
}

// valueSizes samples the stored values' lengths with RANDOMKEY and STRLEN.
func valueSizes(addrs []string, prefix string) string {
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: addrs[0], Protocol: 2, DisableIdentity: true})
	defer c.Close()
	var n, total, long int
	for range 2000 {
		k, err := c.RandomKey(ctx).Result()
		if err != nil || !strings.HasPrefix(k, prefix) {
			continue
		}
		l, err := c.StrLen(ctx, k).Result()
		if err != nil {
			continue // a cluster key of another node's slot
		}
		n++
		total += int(l)
		if l > 40 {
			long++
		}
	}
	if n == 0 {
		return "no sample"
	}
	return fmt.Sprintf("%d sampled: mean %.0f bytes, %.0f%% above 40 bytes (records with a sketch)", n, float64(total)/float64(n), 100*float64(long)/float64(n))
}
