package dedup

import (
	"context"
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
	mu       sync.Mutex
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
