package dedup

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/pkg/article"
)

// interleavingStore replays one unlucky order of a race between two copies
// of a paragraph, as a store without atomicity across keys (Elasticsearch,
// one document per key) can produce it: B's claim stores the band keys,
// then A's claim takes the exact key, then B's claim reaches the exact key
// and loses it.
type interleavingStore struct {
	Store
	bClaimed chan struct{} // B's band keys are stored
	aClaimed chan struct{} // A's claim is done
}

func (s *interleavingStore) Claim(ctx context.Context, keys []Key, recs []Record) error {
	if len(recs) == 0 {
		return s.Store.Claim(ctx, keys, recs)
	}
	switch recs[0].Ref.ArticleID {
	case "b":
		// keys[0] is the exact key of the one paragraph (collectKeys order).
		rest, restRecs := keys[1:], recs[1:]
		if err := s.Store.Claim(ctx, rest, restRecs); err != nil {
			return err
		}
		close(s.bClaimed)
		<-s.aClaimed
		return s.Store.Claim(ctx, keys[:1], recs[:1])
	case "a":
		<-s.bClaimed
		defer close(s.aClaimed)
		return s.Store.Claim(ctx, keys, recs)
	}
	return s.Store.Claim(ctx, keys, recs)
}

func TestRacingCopiesSplitAcrossKeysAgreeOnTheFirst(t *testing.T) {
	const lede = "Representatives from Moscow and Kiev are meeting at this hour in the town of Gomel, on Ukraine's border with Belarus, in search of an unlikely agreement."
	store := &interleavingStore{Store: NewMemoryStore(0), bClaimed: make(chan struct{}), aClaimed: make(chan struct{})}
	d := New(store, Options{})
	ctx := context.Background()
	a := doc{id: "a", paras: []string{lede}}.article()
	b := doc{id: "b", paras: []string{lede}}.article()
	var wg sync.WaitGroup
	for _, x := range []*article.Article{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			require.NoError(t, d.Mark(ctx, x, nil))
		}()
	}
	wg.Wait()
	require.Equal(t, article.StatusUnique, a.Paragraphs[0].Status, "a holds the exact key: it is the first")
	require.Equal(t, article.StatusRepeated, b.Paragraphs[0].Status)
	require.Equal(t, &article.Ref{ArticleID: "a", Index: 0}, b.Paragraphs[0].DuplicateOf)

	for _, x := range []*article.Article{a, b} {
		again := doc{id: x.ID, paras: []string{lede}}.article()
		require.NoError(t, d.Mark(ctx, again, nil))
		require.Equal(t, x.Paragraphs, again.Paragraphs, "replay of %s", x.ID)
		require.Equal(t, x.StoryID, again.StoryID)
	}
}

// splittingStore applies a claim one key at a time, in an order of its
// own, yielding between keys, as a store without atomicity across keys (a
// Redis cluster, whose nodes answer in any order) lets racing claims
// interleave; and it holds the first claims until every worker has made
// one, so that all of them decide on the same empty store first.
type splittingStore struct {
	Store
	workers int
	mu      sync.Mutex
	claims  int
	all     chan struct{}
	seed    uint64
}

func (s *splittingStore) Claim(ctx context.Context, keys []Key, recs []Record) error {
	s.mu.Lock()
	s.claims++
	if s.claims == s.workers {
		close(s.all)
	}
	s.seed++
	order := rand.New(rand.NewPCG(s.seed, 7)).Perm(len(keys))
	s.mu.Unlock()
	<-s.all
	for _, i := range order {
		if err := s.Store.Claim(ctx, keys[i:i+1], recs[i:i+1]); err != nil {
			return err
		}
		runtime.Gosched()
	}
	return nil
}

// TestRacingCopiesOfOneStoryMakeNoBoilerplate: copies of one story marked
// at once by several workers on a store whose claims split across keys
// agree on the first occurrence of every paragraph, and their sign-off,
// carried by one story only, never becomes boilerplate (a worker that lost
// a race used to have claimed boilerplate slots under the story it had
// before, so that one story counted as several). Their story ids may still
// differ: the records a worker claimed before losing a race keep the story
// it had then (README, "Determinism").
func TestRacingCopiesOfOneStoryMakeNoBoilerplate(t *testing.T) {
	const bio = "Maria Okafor is a regular contributor to the Example Wire technology desk and writes about the internet economy every week."
	ctx := context.Background()
	for round := range 30 {
		const workers = 6
		d := New(&splittingStore{Store: NewMemoryStore(0), workers: workers, all: make(chan struct{}), seed: uint64(round) << 8}, Options{})
		got := make([]*article.Article, workers)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a := doc{id: fmt.Sprintf("copy%d-%d", round, w), source: "desk", paras: []string{lede, talks, bio}}.article()
				if err := d.MarkBatch(ctx, []*article.Article{a}, [][]string{{"", "", ""}}); err != nil {
					t.Error(err)
				}
				got[w] = a
			}()
		}
		wg.Wait()
		for idx := range 3 {
			owners := 0
			for _, a := range got {
				p := a.Paragraphs[idx]
				require.NotEqual(t, article.StatusBoilerplate, p.Status, "round %d: %s#%d", round, a.ID, idx)
				if p.Status == article.StatusUnique {
					owners++
				}
			}
			require.Equal(t, 1, owners, "round %d: one first occurrence of paragraph %d", round, idx)
		}
	}
}
