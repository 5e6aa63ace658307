package dedup

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/pkg/article"
)

// countingStore counts the calls that reach a store.
type countingStore struct {
	Store
	mu                    sync.Mutex
	lookups, claims, keys int
}

func (s *countingStore) Lookup(ctx context.Context, keys []Key, out []Record) error {
	s.mu.Lock()
	s.lookups++
	s.keys += len(keys)
	s.mu.Unlock()
	return s.Store.Lookup(ctx, keys, out)
}

func (s *countingStore) Claim(ctx context.Context, keys []Key, recs []Record) error {
	s.mu.Lock()
	s.claims++
	s.mu.Unlock()
	return s.Store.Claim(ctx, keys, recs)
}

// markBatches marks corp in order in batches of size n (1: one by one with
// Mark).
func markBatches(t *testing.T, store Store, corp []corpusArticle, n int) []*article.Article {
	t.Helper()
	ctx := context.Background()
	d := New(store, Options{})
	var out []*article.Article
	for i := 0; i < len(corp); i += n {
		var batch []*article.Article
		for _, c := range corp[i:min(i+n, len(corp))] {
			batch = append(batch, c.toArticle())
		}
		if n == 1 {
			require.NoError(t, d.Mark(ctx, batch[0], nil))
		} else {
			require.NoError(t, d.MarkBatch(ctx, batch, nil))
		}
		out = append(out, batch...)
	}
	return out
}

// TestMarkBatchIsMarkInOrder marks the BBC corpus (133 exact-duplicate
// bodies, near repeats, boilerplate sign-offs, some within one batch) in
// batches of several sizes and expects every document as Mark gives it one
// by one, with at most two lookups and two claims per batch.
func TestMarkBatchIsMarkInOrder(t *testing.T) {
	corp := loadCorpus(t, "bbc-news")
	want := markBatches(t, NewMemoryStore(0), corp, 1)
	for _, n := range []int{2, 7, 64, 500} {
		t.Run(fmt.Sprintf("batches of %d", n), func(t *testing.T) {
			store := &countingStore{Store: NewMemoryStore(0)}
			got := markBatches(t, store, corp, n)
			require.Equal(t, len(want), len(got))
			for i := range want {
				require.Equal(t, want[i], got[i], "article %s", want[i].ID)
			}
			batches := (len(corp) + n - 1) / n
			require.LessOrEqual(t, store.lookups, 2*batches, "at most two lookups per batch")
			require.LessOrEqual(t, store.claims, 2*batches, "at most two claims per batch: the slots after the rest")
		})
	}
}

// TestMarkBatchSkipsTheBandsOfExactRepeats: copies of texts another
// article holds cost one lookup of their exact, slot and body keys; their
// band keys are not read.
func TestMarkBatchSkipsTheBandsOfExactRepeats(t *testing.T) {
	ctx := context.Background()
	store := &countingStore{Store: NewMemoryStore(0)}
	d := New(store, Options{})
	batch := func(prefix string) []*article.Article {
		return []*article.Article{
			doc{id: prefix + "1", paras: []string{lede, talks, reuter}}.article(),
			doc{id: prefix + "2", paras: []string{zelensky, berdyansk}}.article(),
		}
	}
	first := batch("a")
	require.NoError(t, d.MarkBatch(ctx, first, nil))
	require.Equal(t, 2, store.lookups, "new texts: a second lookup for their bands")
	firstKeys := store.keys

	store.lookups, store.keys = 0, 0
	copies := batch("b")
	require.NoError(t, d.MarkBatch(ctx, copies, nil))
	require.Equal(t, 1, store.lookups, "copies: no band lookup")
	require.Equal(t, firstKeys-3*5, store.keys, "the 5 bands of each of the 3 long paragraphs are left out")
	for _, a := range copies {
		for _, p := range a.Paragraphs {
			require.Equal(t, article.StatusRepeated, p.Status)
		}
	}
	// Marked one by one the copies come out the same.
	for i, a := range batch("b") {
		require.NoError(t, New(store, Options{}).Mark(ctx, a, nil))
		require.Equal(t, copies[i], a)
	}
}

// racingStore creates, just before the batch's claim, records of another
// writer for the keys of one paragraph text, as a worker racing on the same
// text would; rounds counts the lookups.
type racingStore struct {
	Store
	mu       sync.Mutex
	other    *Deduper
	text     string
	raced    bool
	lookups  int
	otherSeq int
}

func (s *racingStore) Lookup(ctx context.Context, keys []Key, out []Record) error {
	s.mu.Lock()
	s.lookups++
	s.mu.Unlock()
	return s.Store.Lookup(ctx, keys, out)
}

func (s *racingStore) Claim(ctx context.Context, keys []Key, recs []Record) error {
	s.mu.Lock()
	race := !s.raced
	s.raced = true
	s.otherSeq++
	id := fmt.Sprintf("other%d", s.otherSeq)
	s.mu.Unlock()
	if race && len(recs) > 1 {
		a := doc{id: id, paras: []string{s.text}}.article()
		if err := s.other.Mark(ctx, a, nil); err != nil {
			return err
		}
	}
	return s.Store.Claim(ctx, keys, recs)
}

func TestMarkBatchRace(t *testing.T) {
	ctx := context.Background()
	batch := func() []*article.Article {
		return []*article.Article{
			doc{id: "b1", paras: []string{berdyansk, talks}}.article(),
			doc{id: "b2", paras: []string{lede, energodar}}.article(),
			doc{id: "b3", paras: []string{lede, zelensky}}.article(),
		}
	}

	t.Run("a lost claim decides again from the first article that used the key", func(t *testing.T) {
		mem := NewMemoryStore(0)
		store := &racingStore{Store: mem, text: lede, other: New(mem, Options{})}
		arts := batch()
		require.NoError(t, New(store, Options{}).MarkBatch(ctx, arts, nil))
		require.Equal(t, 4, store.lookups, "a second round (two lookups) for the articles from b2 on")
		require.Equal(t, []string{"unique", "unique"}, statusesOf(arts[0]), "b1 kept its first decision")
		for _, a := range arts[1:] {
			require.Equal(t, article.StatusRepeated, a.Paragraphs[0].Status, "%s repeats the racing writer's lede", a.ID)
			require.Equal(t, &article.Ref{ArticleID: "other1", Index: 0}, a.Paragraphs[0].DuplicateOf)
		}
		// Each article comes out the same marked again alone (a redelivery).
		d := New(mem, Options{})
		for i, a := range batch() {
			require.NoError(t, d.Mark(ctx, a, nil))
			require.Equal(t, arts[i], a, a.ID)
		}
	})

	t.Run("endless races end in runs of one, decided without claiming", func(t *testing.T) {
		store := &lyingStore{countingStore: countingStore{Store: NewMemoryStore(0)}}
		arts := batch()
		require.NoError(t, New(store, Options{}).MarkBatch(ctx, arts, nil))
		// At most maxBatchRounds lost rounds of the batch, then per article
		// maxClaimRounds lost rounds and a last one without claims; two
		// lookups a round.
		require.LessOrEqual(t, store.lookups, 2*(maxBatchRounds+len(arts)*(maxClaimRounds+1)))
		require.Greater(t, store.lookups, 2*maxBatchRounds, "the batch went on in runs of one")
		for _, a := range arts {
			for _, p := range a.Paragraphs {
				require.NotEmpty(t, p.Status, a.ID)
			}
		}
	})
}

// lyingStore answers every claim as if another writer held its first key,
// without storing that record: every round of a batch loses a race.
type lyingStore struct{ countingStore }

func (s *lyingStore) Claim(ctx context.Context, keys []Key, recs []Record) error {
	if err := s.countingStore.Claim(ctx, keys[1:], recs[1:]); err != nil {
		return err
	}
	recs[0] = Record{Ref: article.Ref{ArticleID: "intruder"}}
	return nil
}

type failingStore struct{ Store }

var errDown = errors.New("store down")

func (failingStore) Lookup(context.Context, []Key, []Record) error { return errDown }

func TestMarkBatchErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		arts []*article.Article
		figs [][]string
		want error
	}{
		{name: "an article without id", arts: []*article.Article{doc{id: "a", paras: []string{"x"}}.article(), {Paragraphs: []article.Paragraph{{Text: "x"}}}}, want: ErrNoID},
		{name: "figure key lists that do not match the articles", arts: []*article.Article{doc{id: "a", paras: []string{"x"}}.article(), doc{id: "b", paras: []string{"y"}}.article()}, figs: [][]string{nil}, want: ErrFigureKeysLen},
		{name: "figure keys that do not match the paragraphs", arts: []*article.Article{doc{id: "a", paras: []string{"x"}}.article(), doc{id: "b", paras: []string{"y"}}.article()}, figs: [][]string{{"", ""}, {""}}, want: ErrFigureKeysLen},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, New(NewMemoryStore(0), Options{}).MarkBatch(ctx, tc.arts, tc.figs), tc.want)
		})
	}
	t.Run("a store error is returned with context", func(t *testing.T) {
		arts := []*article.Article{doc{id: "a", paras: []string{lede}}.article(), doc{id: "b", paras: []string{talks}}.article()}
		err := New(failingStore{NewMemoryStore(0)}, Options{}).MarkBatch(ctx, arts, nil)
		require.ErrorIs(t, err, errDown)
		require.ErrorContains(t, err, "of 2 articles")
	})
	t.Run("without a store each article is marked within itself", func(t *testing.T) {
		arts := []*article.Article{doc{id: "a", paras: []string{lede, lede}}.article(), doc{id: "b", paras: []string{lede}}.article()}
		require.NoError(t, (&Deduper{}).MarkBatch(ctx, arts, nil))
		require.Equal(t, []string{"unique", "duplicate"}, statusesOf(arts[0]))
		require.Equal(t, []string{"unique"}, statusesOf(arts[1]))
	})
}
