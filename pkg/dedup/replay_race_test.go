package dedup

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/pkg/article"
)

// TestReplayAfterRacingPartitions: a consumer worker marks its partitions'
// runs concurrently against one store; delivering the same messages again
// (a replay of the raw topic) must give every paragraph the status of the
// first pass, whatever the races of that pass decided.
func TestReplayAfterRacingPartitions(t *testing.T) {
	corpus := loadCorpus(t, "reuters-21578")[:600]
	const partitions = 3
	pass := func(d *Deduper) map[string][]article.Status {
		var wg sync.WaitGroup
		var mu sync.Mutex
		out := map[string][]article.Status{}
		for p := range partitions {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var arts []*article.Article
				for i := p; i < len(corpus); i += partitions {
					arts = append(arts, corpus[i].toArticle())
				}
				for from := 0; from < len(arts); from += 100 {
					run := arts[from:min(from+100, len(arts))]
					require.NoError(t, d.MarkBatch(context.Background(), run, make([][]string, len(run))))
				}
				mu.Lock()
				defer mu.Unlock()
				for _, a := range arts {
					for _, para := range a.Paragraphs {
						out[a.ID] = append(out[a.ID], para.Status)
					}
				}
			}()
		}
		wg.Wait()
		return out
	}
	for round := range 5 {
		t.Run(fmt.Sprint("round ", round), func(t *testing.T) {
			d := New(&keyByKeyStore{Store: NewMemoryStore(0)}, Options{})
			first := pass(d)
			again := pass(d)
			for id, st := range first {
				require.Equal(t, st, again[id], "article %s", id)
			}
		})
	}
}

// keyByKeyStore claims one key at a time, yielding between keys, as a store
// without atomicity across keys does under load (Elasticsearch, a Redis
// cluster): racing claims interleave key by key.
type keyByKeyStore struct{ Store }

func (s *keyByKeyStore) Claim(ctx context.Context, keys []Key, recs []Record) error {
	for i := range keys {
		if err := s.Store.Claim(ctx, keys[i:i+1], recs[i:i+1]); err != nil {
			return err
		}
		runtime.Gosched()
	}
	return nil
}
