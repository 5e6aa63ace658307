// Package storetest is the conformance suite of dedup.Store: every Store
// implementation (the memory store, the Elasticsearch fingerprint index)
// runs it from its own tests, so that the Deduper behaves the same on all of
// them.
//
//	func TestMemoryStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) dedup.Store { return dedup.NewMemoryStore(0) })
//	}
//
// newStore must return an empty store (a fresh index, a fresh namespace)
// each time it is called.
package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/dedup"
)

// Run checks the Store contract and the Deduper on top of it.
func Run(t *testing.T, newStore func(t *testing.T) dedup.Store) {
	t.Helper()
	ctx := context.Background()
	run := func(name string, f func(t *testing.T)) {
		t.Helper()
		t.Run(name, f)
	}

	run("absent keys look up as zero records", func(t *testing.T) {
		s := newStore(t)
		out := make([]dedup.Record, 3)
		out[1] = rec("stale", 9)
		require.NoError(t, s.Lookup(ctx, []dedup.Key{1, 2, 3}, out))
		for i, r := range out {
			require.False(t, r.Found(), "key %d", i)
			require.Equal(t, dedup.Record{}, r)
		}
	})

	run("first occurrence wins", func(t *testing.T) {
		s := newStore(t)
		first := rec("a1", 0)
		first.Sketch[7] = 42
		recs := []dedup.Record{first}
		require.NoError(t, s.Claim(ctx, []dedup.Key{10}, recs))
		require.Equal(t, first, recs[0], "a claim that creates the key leaves the record as it was")

		recs = []dedup.Record{rec("b1", 3), rec("b1", 4)}
		require.NoError(t, s.Claim(ctx, []dedup.Key{10, 11}, recs))
		require.Equal(t, first, recs[0], "a later claim gets the first record")
		require.Equal(t, rec("b1", 4), recs[1], "and creates the keys that were absent")

		out := make([]dedup.Record, 3)
		require.NoError(t, s.Lookup(ctx, []dedup.Key{11, 10, 12}, out))
		require.Equal(t, []dedup.Record{rec("b1", 4), first, {}}, out)
	})

	run("a key repeated in one claim stores the first", func(t *testing.T) {
		s := newStore(t)
		recs := []dedup.Record{rec("a", 0), rec("a", 1), rec("a", 2)}
		require.NoError(t, s.Claim(ctx, []dedup.Key{5, 6, 5}, recs))
		require.Equal(t, []dedup.Record{rec("a", 0), rec("a", 1), rec("a", 0)}, recs)
	})

	run("claiming the same record again is idempotent", func(t *testing.T) {
		s := newStore(t)
		keys := []dedup.Key{1, 2, 3}
		for range 2 {
			recs := []dedup.Record{rec("a", 0), rec("a", 1), rec("a", 2)}
			require.NoError(t, s.Claim(ctx, keys, recs))
			require.Equal(t, []dedup.Record{rec("a", 0), rec("a", 1), rec("a", 2)}, recs)
		}
	})

	run("racing claims from goroutines agree", func(t *testing.T) {
		s := newStore(t)
		const workers, nkeys = 8, 64
		keys := make([]dedup.Key, nkeys)
		for i := range keys {
			keys[i] = dedup.Key(1000 + i)
		}
		got := make([][]dedup.Record, workers)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				recs := make([]dedup.Record, nkeys)
				for i := range recs {
					recs[i] = rec(fmt.Sprintf("w%d", w), i)
				}
				if err := s.Claim(ctx, keys, recs); err != nil {
					t.Error(err)
				}
				got[w] = recs
			}()
		}
		wg.Wait()
		stored := make([]dedup.Record, nkeys)
		require.NoError(t, s.Lookup(ctx, keys, stored))
		for i := range keys {
			require.True(t, stored[i].Found(), "key %d", i)
			require.Equal(t, i, stored[i].Ref.Index, "key %d holds a record made for it", i)
			for w := range workers {
				require.Equal(t, stored[i], got[w][i], "worker %d, key %d", w, i)
			}
		}
	})

	run("an article repeated by a later one", func(t *testing.T) {
		d := dedup.New(newStore(t), dedup.Options{})
		first := story("wire", "a1", lede, second, third)
		require.NoError(t, d.Mark(ctx, first, nil))
		require.Equal(t, statuses("unique", "unique", "unique"), statusesOf(first))
		require.Equal(t, "a1", first.StoryID)

		copyOf := story("wire", "a2", lede, second, third)
		require.NoError(t, d.Mark(ctx, copyOf, nil))
		require.Equal(t, statuses("repeated", "repeated", "repeated"), statusesOf(copyOf))
		require.Equal(t, &article.Ref{ArticleID: "a1", Index: 1}, copyOf.Paragraphs[1].DuplicateOf)
		require.Equal(t, "a1", copyOf.StoryID)
	})

	run("replay is identical", func(t *testing.T) {
		d := dedup.New(newStore(t), dedup.Options{})
		signOff := "Reuter"
		var docs []*article.Article
		for i := range 5 {
			a := story("wire", fmt.Sprintf("s%d", i), fmt.Sprintf("Story number %d has its own lede, long enough to be compared nearly with the others.", i), signOff)
			docs = append(docs, a)
		}
		edited := story("wire", "e1", strings.Replace(lede, "Gomel", "the Gomel region", 1), second, "A new closing paragraph that nobody has seen before, long enough to count.", signOff)
		docs = append(docs, story("wire", "o1", lede, second, third, signOff), edited)
		var first []*article.Article
		for _, a := range docs {
			require.NoError(t, d.Mark(ctx, a, nil))
			first = append(first, clone(a))
		}
		// Later traffic touches the same paragraphs...
		for i := range 5 {
			require.NoError(t, d.Mark(ctx, story("wire", fmt.Sprintf("later%d", i), lede, "Another paragraph written later, long enough to be a near candidate of nothing.", signOff), nil))
		}
		// ...and every article comes out as the first time, in any order.
		for i := len(docs) - 1; i >= 0; i-- {
			again := clone(first[i])
			resetStatuses(again)
			require.NoError(t, d.Mark(ctx, again, nil))
			require.Equal(t, first[i], again, "replay of %s", first[i].ID)
		}
		require.Equal(t, article.StatusBoilerplate, first[3].Paragraphs[1].Status, "the fourth story's sign-off")
	})

	run("boilerplate threshold", func(t *testing.T) {
		d := dedup.New(newStore(t), dedup.Options{BoilerplateStories: 3})
		bio := "Jane Doe is a regular columnist for the World Service programme Digital Planet and writes about science."
		var got []article.Status
		for i := range 4 {
			a := story("bbc", fmt.Sprintf("c%d", i), fmt.Sprintf("Column %d is about something entirely different from the other columns of the series.", i), bio)
			require.NoError(t, d.Mark(ctx, a, nil))
			got = append(got, a.Paragraphs[1].Status)
			if i >= 2 {
				require.Equal(t, &article.Ref{ArticleID: "c0", Index: 1}, a.Paragraphs[1].DuplicateOf)
			}
		}
		require.Equal(t, statuses("unique", "repeated", "boilerplate", "boilerplate"), got)

		other := story("other-source", "x1", "A different source quotes the bio at the end of its own story, which is long enough.", bio)
		require.NoError(t, d.Mark(ctx, other, nil))
		require.Equal(t, article.StatusRepeated, other.Paragraphs[1].Status, "stories of another source do not count")

		copyOf := story("bbc", "c0-copy", "Column 0 is about something entirely different from the other columns of the series.", bio)
		require.NoError(t, d.Mark(ctx, copyOf, nil))
		require.Equal(t, "c0", copyOf.StoryID)
		require.Equal(t, article.StatusRepeated, copyOf.Paragraphs[1].Status, "a copy of the first story keeps its rank")
	})

	run("near copies of a sign-off count toward boilerplate", func(t *testing.T) {
		// The slot records keep the sketch and numbers of a long sign-off:
		// a store must return them as they were claimed.
		d := dedup.New(newStore(t), dedup.Options{})
		signOffs := []string{
			"Maria Okafor is a regular contributor to the Example Wire technology desk and writes about the internet economy every week.",
			"Maria Okafor is a regular contributor to the technology desk of Example Wire and writes about the internet economy every week.",
			"Maria Okafor, a regular contributor to the Example Wire technology desk, writes about the internet economy every week.",
			"Maria Okafor is a regular contributor to the Example Wire technology desk and writes each week about the internet economy.",
		}
		var got []article.Status
		for i, so := range signOffs {
			a := story("desk", fmt.Sprintf("col%d", i), fmt.Sprintf("Column %d is about something entirely different from the other columns of the series.", i), so)
			require.NoError(t, d.Mark(ctx, a, []string{"", ""}))
			got = append(got, a.Paragraphs[1].Status)
			require.Equal(t, fmt.Sprintf("col%d", i), a.StoryID, "a shared sign-off makes no story")
		}
		require.Equal(t, article.StatusBoilerplate, got[2], "the third column's sign-off: %v", got)
		require.Equal(t, article.StatusBoilerplate, got[3], "the fourth column's sign-off: %v", got)
	})

	run("short sentences in unrelated stories stay unique", func(t *testing.T) {
		d := dedup.New(newStore(t), dedup.Options{})
		for i := range 5 {
			a := story("wire", fmt.Sprintf("brief%d", i), fmt.Sprintf("Brief number %d reports an incident of its own in a town that no other brief mentions.", i),
				"No one was injured.", "Police are appealing for witnesses.")
			require.NoError(t, d.Mark(ctx, a, nil))
			require.Equal(t, statuses("unique", "unique", "unique"), statusesOf(a), a.ID)
		}
	})

	run("racing articles agree on the first occurrence", func(t *testing.T) {
		// The articles share two paragraphs, not a story (the shared text
		// is less than half): a tail of one paragraph keeps the second from
		// boilerplate.
		d := dedup.New(newStore(t), dedup.Options{BoilerplateTail: 1})
		const workers = 6
		got := make([]*article.Article, workers)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a := story("wire", fmt.Sprintf("r%d", w), lede, third, fmt.Sprintf("Paragraph of worker %d, different from the paragraphs of every other worker here.", w))
				if err := d.Mark(ctx, a, nil); err != nil {
					t.Error(err)
				}
				got[w] = a
			}()
		}
		wg.Wait()
		// Claims are atomic per key only: the lede and the second paragraph
		// may have different winners, but every article agrees on each.
		for _, idx := range []int{0, 1} {
			owner := ""
			for _, a := range got {
				if a.Paragraphs[idx].Status == article.StatusUnique {
					require.Empty(t, owner, "two articles claim paragraph %d first", idx)
					owner = a.ID
				}
			}
			require.NotEmpty(t, owner, "paragraph %d", idx)
			for _, a := range got {
				if a.ID != owner {
					require.Equal(t, article.StatusRepeated, a.Paragraphs[idx].Status, a.ID)
					require.Equal(t, &article.Ref{ArticleID: owner, Index: idx}, a.Paragraphs[idx].DuplicateOf, a.ID)
				}
			}
		}
		// Replays agree with the race's outcome.
		for _, a := range got {
			again := clone(a)
			resetStatuses(again)
			require.NoError(t, d.Mark(ctx, again, nil))
			require.Equal(t, a, again)
		}
	})

	run("a batch comes out as its articles one by one", func(t *testing.T) {
		signOff := "Reuter"
		stream := func() []*article.Article {
			var out []*article.Article
			for i := range 4 {
				out = append(out, story("wire", fmt.Sprintf("s%d", i), fmt.Sprintf("Story number %d has its own lede, long enough to be compared nearly with the others.", i), signOff))
			}
			edited := strings.Replace(lede, "Gomel", "the Gomel region", 1)
			return append(out,
				story("wire", "o1", lede, second, third, signOff),
				story("wire", "o2", edited, second, "A new closing paragraph that nobody has seen before, long enough to count.", signOff),
				story("wire", "o1", lede, second, third, signOff), // redelivered within the batch
				story("wire", "o3", lede, second, third))
		}
		one := dedup.New(newStore(t), dedup.Options{})
		want := stream()
		for _, a := range want {
			require.NoError(t, one.Mark(ctx, a, nil))
		}
		batch := dedup.New(newStore(t), dedup.Options{})
		got := stream()
		require.NoError(t, batch.MarkBatch(ctx, got, nil))
		require.Equal(t, want, got)
		require.Equal(t, article.StatusBoilerplate, got[3].Paragraphs[1].Status, "the fourth story's sign-off")
		require.Equal(t, "o1", got[7].StoryID)
		// The stores hold the same records: later articles see the same.
		for _, d := range []*dedup.Deduper{one, batch} {
			a := story("wire", "later", lede, second, signOff)
			require.NoError(t, d.Mark(ctx, a, nil))
			require.Equal(t, statuses("repeated", "repeated", "boilerplate"), statusesOf(a))
			require.Equal(t, "o1", a.StoryID)
		}
		// A redelivered batch comes out as the first time.
		again := stream()
		require.NoError(t, batch.MarkBatch(ctx, again, nil))
		require.Equal(t, got, again)
	})

	run("racing batches agree on the first occurrence", func(t *testing.T) {
		d := dedup.New(newStore(t), dedup.Options{})
		const workers = 4
		got := make([][]*article.Article, workers)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				batch := []*article.Article{
					story("wire", fmt.Sprintf("w%d-a", w), fmt.Sprintf("Paragraph of worker %d, different from the paragraphs of every other worker here.", w)),
					story("wire", fmt.Sprintf("w%d-b", w), lede, third),
				}
				if err := d.MarkBatch(ctx, batch, nil); err != nil {
					t.Error(err)
				}
				got[w] = batch
			}()
		}
		wg.Wait()
		for _, idx := range []int{0, 1} {
			owner := ""
			for _, b := range got {
				if b[1].Paragraphs[idx].Status == article.StatusUnique {
					require.Empty(t, owner, "two articles claim paragraph %d first", idx)
					owner = b[1].ID
				}
			}
			require.NotEmpty(t, owner, "paragraph %d", idx)
			for _, b := range got {
				if b[1].ID != owner {
					require.Equal(t, article.StatusRepeated, b[1].Paragraphs[idx].Status, b[1].ID)
					require.Equal(t, &article.Ref{ArticleID: owner, Index: idx}, b[1].Paragraphs[idx].DuplicateOf, b[1].ID)
				}
			}
		}
		// Replays agree with the race's outcome.
		for _, b := range got {
			for _, a := range b {
				again := clone(a)
				resetStatuses(again)
				require.NoError(t, d.Mark(ctx, again, nil))
				require.Equal(t, a, again)
			}
		}
	})

	run("a redelivered article racing itself comes out the same", func(t *testing.T) {
		d := dedup.New(newStore(t), dedup.Options{})
		require.NoError(t, d.Mark(ctx, story("wire", "base", lede, "Reuter"), nil))
		const copies = 4
		got := make([]*article.Article, copies)
		var wg sync.WaitGroup
		for c := range copies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a := story("wire", "same-id", lede, second, third, "Reuter")
				if err := d.Mark(ctx, a, nil); err != nil {
					t.Error(err)
				}
				got[c] = a
			}()
		}
		wg.Wait()
		for c := 1; c < copies; c++ {
			require.Equal(t, got[0], got[c])
		}
		require.Equal(t, statuses("repeated", "unique", "unique", "unique"), statusesOf(got[0]), "the sign-off is short, and the two are not one story")
	})
}

// RunBounded checks a store that forgets keys beyond a bound (least
// recently used first). newStore returns an empty store holding at most
// maxKeys keys.
func RunBounded(t *testing.T, newStore func(t *testing.T, maxKeys int) dedup.Store) {
	t.Helper()
	ctx := context.Background()

	t.Run("bound evicts the least recently used keys", func(t *testing.T) {
		s := newStore(t, 4)
		for k := range dedup.Key(4) {
			require.NoError(t, s.Claim(ctx, []dedup.Key{k}, []dedup.Record{rec("a", int(k))}))
		}
		out := make([]dedup.Record, 1)
		require.NoError(t, s.Lookup(ctx, []dedup.Key{0}, out)) // 0 is now the most recent
		require.NoError(t, s.Claim(ctx, []dedup.Key{4, 5}, []dedup.Record{rec("a", 4), rec("a", 5)}))
		out = make([]dedup.Record, 6)
		require.NoError(t, s.Lookup(ctx, []dedup.Key{0, 1, 2, 3, 4, 5}, out))
		var found []int
		for i, r := range out {
			if r.Found() {
				require.Equal(t, rec("a", i), r, "a kept key keeps its record")
				found = append(found, i)
			}
		}
		require.Equal(t, []int{0, 3, 4, 5}, found)
	})

	t.Run("a forgotten article is claimed afresh", func(t *testing.T) {
		d := dedup.New(newStore(t, 20), dedup.Options{})
		require.NoError(t, d.Mark(ctx, story("wire", "old", "Short fact one.", "Short fact two."), nil))
		for i := range 10 {
			require.NoError(t, d.Mark(ctx, story("wire", fmt.Sprintf("n%d", i), fmt.Sprintf("Filler %d.", i)), nil))
		}
		a := story("wire", "new", "Short fact one.", "Short fact two.")
		require.NoError(t, d.Mark(ctx, a, nil))
		require.Equal(t, statuses("unique", "unique"), statusesOf(a), "the old article's keys were evicted")
		require.Equal(t, "new", a.StoryID)
	})
}

// Paragraphs of the suite's articles (long enough to be compared nearly).
const (
	lede   = "Representatives from Moscow and Kiev are meeting at this hour in the town of Gomel, on Ukraine's border with Belarus, in search of an unlikely agreement."
	second = "The diplomatic delegations began the first talks this afternoon since the invasion began last Thursday, the Belarusian news agency Belta reported."
	third  = "Zelensky said yesterday he does not have much hope that the talks with Russia will be of any use."
)

func rec(articleID string, index int) dedup.Record {
	return dedup.Record{Ref: article.Ref{ArticleID: articleID, Index: index}, StoryID: articleID, Figures: uint64(index), Numbers: 7}
}

func story(source, id string, paragraphs ...string) *article.Article {
	a := &article.Article{ID: id, Source: source}
	for i, p := range paragraphs {
		a.Paragraphs = append(a.Paragraphs, article.Paragraph{Index: i, Text: p, Status: article.StatusUnique})
	}
	return a
}

func statuses(s ...string) []article.Status {
	out := make([]article.Status, len(s))
	for i, v := range s {
		out[i] = article.Status(v)
	}
	return out
}

func statusesOf(a *article.Article) []article.Status {
	out := make([]article.Status, len(a.Paragraphs))
	for i, p := range a.Paragraphs {
		out[i] = p.Status
	}
	return out
}

func clone(a *article.Article) *article.Article {
	c := *a
	c.Paragraphs = make([]article.Paragraph, len(a.Paragraphs))
	for i, p := range a.Paragraphs {
		if p.DuplicateOf != nil {
			ref := *p.DuplicateOf
			p.DuplicateOf = &ref
		}
		c.Paragraphs[i] = p
	}
	return &c
}

// resetStatuses puts the article back as normalize delivers it.
func resetStatuses(a *article.Article) {
	a.StoryID = ""
	for i := range a.Paragraphs {
		p := &a.Paragraphs[i]
		if p.Status == article.StatusDuplicate && p.DuplicateOf != nil && p.DuplicateOf.Index == article.TitleIndex {
			continue
		}
		p.Status, p.DuplicateOf = article.StatusUnique, nil
	}
}
