package dedup

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/pkg/article"
)

// BenchmarkMark marks a whole corpus in order with a fresh memory store per
// iteration: MB/s of paragraph text, articles/s, allocations per article.
//
// MB/cpu-s and articles/cpu-s divide by the CPU time the process used
// (garbage collection included), which a busy shared machine does not
// inflate the way it inflates wall-clock time. -dedup.batch n marks runs of
// n articles with MarkBatch, as a consumer batch does.
//
//	go test ./pkg/dedup -run '^$' -bench Mark -benchtime 5x -cpu 1 [-dedup.batch 64]
func BenchmarkMark(b *testing.B) {
	for _, name := range []string{"bbc-news", "reuters-21578", "both"} {
		b.Run(name, func(b *testing.B) {
			var corp []corpusArticle
			if name == "both" {
				corp = append(loadCorpus(b, "bbc-news"), loadCorpus(b, "reuters-21578")...)
			} else {
				corp = loadCorpus(b, name)
			}
			docs := make([]*article.Article, len(corp))
			bytes := 0
			for i, c := range corp {
				docs[i] = c.toArticle()
				for _, p := range docs[i].Paragraphs {
					bytes += len(p.Text)
				}
			}
			ctx := context.Background()
			b.SetBytes(int64(bytes))
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			for range b.N {
				d := New(NewMemoryStore(0), Options{})
				if *benchBatch <= 1 {
					for _, a := range docs {
						if err := d.Mark(ctx, a, nil); err != nil {
							b.Fatal(err)
						}
					}
					continue
				}
				for i := 0; i < len(docs); i += *benchBatch {
					if err := d.MarkBatch(ctx, docs[i:min(i+*benchBatch, len(docs))], nil); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(len(docs)*b.N)/b.Elapsed().Seconds(), "articles/s")
			if cpu := (cpuTime() - cpu0).Seconds(); cpu > 0 {
				b.ReportMetric(float64(bytes*b.N)/1e6/cpu, "MB/cpu-s")
				b.ReportMetric(float64(len(docs)*b.N)/cpu, "articles/cpu-s")
			}
		})
	}
}

var benchBatch = flag.Int("dedup.batch", 1, "BenchmarkMark: articles per MarkBatch call (1: Mark one by one)")

var millionParagraphs = flag.Bool("dedup.million", false, "TestMemoryPerMillionParagraphs: fill the store with 1,000,000 paragraphs instead of 200,000")

// TestMemoryPerMillionParagraphs fills a memory store with distinct corpus
// paragraphs (each pass over the corpora rewrites every word, so that no
// paragraph repeats an earlier one) and measures the heap it holds with
// runtime.MemStats. By default it stops at 200,000 paragraphs and scales;
// -dedup.million runs the full million.
//
//	go test ./pkg/dedup -run MemoryPerMillion -v -dedup.million
func TestMemoryPerMillionParagraphs(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short")
	}
	target := 200_000
	if *millionParagraphs {
		target = 1_000_000
	}
	corp := append(loadCorpus(t, "bbc-news"), loadCorpus(t, "reuters-21578")...)
	ctx := context.Background()

	heap := func() uint64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	store := NewMemoryStore(1 << 30)
	d := New(store, Options{})
	before := heap()
	paragraphs, long, articles := 0, 0, 0
	var sc scratch
	for pass := 0; paragraphs < target; pass++ {
		suffix := strings.Repeat("q", pass)
		for _, c := range corp {
			if paragraphs >= target {
				break
			}
			a := c.toArticle()
			a.ID = fmt.Sprintf("p%d-%s", pass, c.ID)
			for i := range a.Paragraphs {
				p := &a.Paragraphs[i]
				if pass > 0 {
					p.Text = rewriteWords(p.Text, suffix)
				}
				var pp para
				sc.analyse(p.Text, DefaultMinNearLength, &pp)
				if pp.long {
					long++
				}
			}
			require.NoError(t, d.Mark(ctx, a, nil))
			paragraphs += len(a.Paragraphs)
			articles++
		}
	}
	after := heap()
	keys := store.Len()
	per := float64(after-before) / float64(paragraphs)
	t.Logf("%d paragraphs (%d long, %.0f%%) in %d articles: %d keys, heap %+.1f MB: %.0f bytes per paragraph, %.0f per key, %.0f MB per million paragraphs",
		paragraphs, long, 100*float64(long)/float64(paragraphs), articles, keys, float64(after-before)/1e6, per,
		float64(after-before)/float64(keys), per)
	require.Less(t, per, 1000.0, "bytes per paragraph")
	runtime.KeepAlive(store)
}

// rewriteWords appends suffix to every word of text, keeping its shape.
func rewriteWords(text, suffix string) string {
	var b strings.Builder
	b.Grow(len(text) + len(text)/5*len(suffix))
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

// keyCountingStore counts the keys that reach a store.
type keyCountingStore struct {
	Store
	looked, claimed   int
	lookups, claimOps int
}

func (s *keyCountingStore) Lookup(ctx context.Context, keys []Key, out []Record) error {
	s.looked += len(keys)
	s.lookups++
	return s.Store.Lookup(ctx, keys, out)
}

func (s *keyCountingStore) Claim(ctx context.Context, keys []Key, recs []Record) error {
	s.claimed += len(keys)
	s.claimOps++
	return s.Store.Claim(ctx, keys, recs)
}

// TestStoreKeysPerParagraph marks both corpora as one stream (in runs of 64
// articles, as a consumer batch would) and reports the store keys per
// paragraph: held at the end, looked up, claimed. The cost of a shared
// store is per key.
//
//	go test ./pkg/dedup -run StoreKeysPerParagraph -v
func TestStoreKeysPerParagraph(t *testing.T) {
	if testing.Short() {
		t.Skip("both corpora; skipped with -short")
	}
	corp := append(loadCorpus(t, "bbc-news"), loadCorpus(t, "reuters-21578")...)
	mem := NewMemoryStore(1 << 30)
	store := &keyCountingStore{Store: mem}
	d := New(store, Options{})
	ctx := context.Background()
	paragraphs := 0
	const run = 64
	for i := 0; i < len(corp); i += run {
		var batch []*article.Article
		for _, c := range corp[i:min(i+run, len(corp))] {
			a := c.toArticle()
			paragraphs += len(a.Paragraphs)
			batch = append(batch, a)
		}
		require.NoError(t, d.MarkBatch(ctx, batch, nil))
	}
	per := func(n int) float64 { return float64(n) / float64(paragraphs) }
	runs := (len(corp) + run - 1) / run
	t.Logf("%d paragraphs in %d articles: %.2f keys held, %.2f looked up, %.2f claimed per paragraph; %.2f lookups and %.2f claims per run of %d",
		paragraphs, len(corp), per(mem.Len()), per(store.looked), per(store.claimed),
		float64(store.lookups)/float64(runs), float64(store.claimOps)/float64(runs), run)
}
