package offsets

import (
	"math/rand"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// step is one action on a Tracker: add offsets, finish some, then expect
// the committable watermarks.
type step struct {
	add  map[int][]int64 // partition → offsets, added in order
	done map[int][]int64 // partition → offsets finished, in this order
	want map[int]int64   // Committable after the step
	// commit records want as committed after checking it.
	commit bool
}

func TestTracker(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{
			name: "nothing done commits nothing",
			steps: []step{
				{add: map[int][]int64{0: {0, 1, 2}}, want: map[int]int64{}},
			},
		},
		{
			name: "all done in order commits the last",
			steps: []step{
				{add: map[int][]int64{0: {0, 1, 2}}, done: map[int][]int64{0: {0, 1, 2}}, want: map[int]int64{0: 2}},
			},
		},
		{
			name: "a failed message holds the watermark below it",
			steps: []step{
				{add: map[int][]int64{0: {0, 1, 2, 3, 4}}, done: map[int][]int64{0: {0, 1, 3, 4}}, want: map[int]int64{0: 1}},
			},
		},
		{
			name: "out of order completion commits only the contiguous run",
			steps: []step{
				{add: map[int][]int64{0: {10, 11, 12, 13}}, done: map[int][]int64{0: {13, 11}}, want: map[int]int64{}},
				{done: map[int][]int64{0: {10}}, want: map[int]int64{0: 11}},
				{done: map[int][]int64{0: {12}}, want: map[int]int64{0: 13}},
			},
		},
		{
			name: "gaps in offsets (compaction, transaction markers) are not holes",
			steps: []step{
				{add: map[int][]int64{0: {5, 9, 10, 20}}, done: map[int][]int64{0: {9, 5, 10}}, want: map[int]int64{0: 10}},
			},
		},
		{
			name: "partitions are independent",
			steps: []step{
				{
					add:  map[int][]int64{0: {0, 1}, 1: {0, 1}, 2: {7}},
					done: map[int][]int64{0: {0, 1}, 1: {1}, 2: {7}},
					want: map[int]int64{0: 1, 2: 7},
				},
			},
		},
		{
			name: "a committed watermark is not offered again until it moves",
			steps: []step{
				{add: map[int][]int64{0: {0, 1, 2}}, done: map[int][]int64{0: {0}}, want: map[int]int64{0: 0}, commit: true},
				{want: map[int]int64{}},
				{done: map[int][]int64{0: {2}}, want: map[int]int64{}},
				{done: map[int][]int64{0: {1}}, want: map[int]int64{0: 2}, commit: true},
				{want: map[int]int64{}},
			},
		},
		{
			name: "a restarted partition starts a new session and drops the old one",
			steps: []step{
				{add: map[int][]int64{0: {0, 1, 2, 3}}, done: map[int][]int64{0: {0, 1}}, want: map[int]int64{0: 1}, commit: true},
				// rebalance: restarted at the committed offset 2
				{add: map[int][]int64{0: {2, 3}}, want: map[int]int64{}},
				{done: map[int][]int64{0: {2}}, want: map[int]int64{0: 2}},
			},
		},
		{
			name: "finishing the same message twice changes nothing",
			steps: []step{
				{add: map[int][]int64{0: {0, 1}}, done: map[int][]int64{0: {0, 0}}, want: map[int]int64{0: 0}},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := New()
			tickets := map[int]map[int64]Ticket{}
			for i, s := range tc.steps {
				for part := 0; part < 8; part++ {
					for _, off := range s.add[part] {
						if tickets[part] == nil {
							tickets[part] = map[int64]Ticket{}
						}
						tickets[part][off] = tr.Add(part, off)
					}
				}
				for part, offs := range s.done {
					for _, off := range offs {
						tr.Done(tickets[part][off])
					}
				}
				got := tr.Committable()
				require.Equal(t, s.want, got, "step %d", i)
				if s.commit {
					tr.Committed(got)
				}
			}
		})
	}
}

func TestStaleTicketIsIgnored(t *testing.T) {
	tr := New()
	old := tr.Add(0, 5)
	tr.Add(0, 6)
	// Re-assigned and restarted at 5: the old ticket for 5 must not count.
	fresh := tr.Add(0, 5)
	require.False(t, tr.Done(old), "a ticket of a replaced session")
	require.Empty(t, tr.Committable())
	require.True(t, tr.Done(fresh))
	require.Equal(t, map[int]int64{0: 5}, tr.Committable())
}

func TestPending(t *testing.T) {
	tr := New()
	a := tr.Add(0, 0)
	tr.Add(0, 1)
	tr.Add(1, 0)
	require.Equal(t, 3, tr.Pending())
	tr.Done(a)
	require.Equal(t, 2, tr.Pending())
	require.Equal(t, []int{0, 1}, tr.Partitions())
}

// TestRandomOrderNeverCommitsPastUnfinished finishes a random subset in a
// random order, concurrently, and checks the watermark against a model.
func TestRandomOrderNeverCommitsPastUnfinished(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for round := 0; round < 50; round++ {
		tr := New()
		const n = 3000
		var offs []int64
		var tks []Ticket
		off := int64(rng.Intn(100))
		for i := 0; i < n; i++ {
			off += 1 + int64(rng.Intn(3)) // gaps
			offs = append(offs, off)
			tks = append(tks, tr.Add(0, off))
		}
		finished := make([]bool, n)
		perm := rng.Perm(n)
		cut := rng.Intn(n)
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for j := w; j < cut; j += 4 {
					tr.Done(tks[perm[j]])
				}
			}(w)
		}
		wg.Wait()
		for _, i := range perm[:cut] {
			finished[i] = true
		}
		want := int64(-1)
		for i := 0; i < n && finished[i]; i++ {
			want = offs[i]
		}
		got, ok := tr.Committable()[0]
		if want < 0 {
			require.False(t, ok, "round %d", round)
			continue
		}
		require.Equal(t, want, got, "round %d", round)
		require.Equal(t, n-cut, tr.Pending(), "round %d", round)
	}
}

func BenchmarkAddDone(b *testing.B) {
	tr := New()
	for i := 0; i < b.N; i++ {
		tr.Done(tr.Add(i%3, int64(i)))
	}
}

func TestForgetDropsAPartitionsSession(t *testing.T) {
	tr := New()
	a := tr.Add(0, 10)
	tr.Add(0, 11)
	b := tr.Add(1, 3)
	require.Equal(t, 3, tr.Pending())
	tr.Forget(0)
	require.Equal(t, 1, tr.Pending(), "a forgotten partition's messages are not pending")
	require.False(t, tr.Done(a), "a ticket of a forgotten partition")
	require.True(t, tr.Done(b))
	require.Equal(t, map[int]int64{1: 3}, tr.Committable())
	// The partition comes back at a higher offset: a new session, nothing
	// of the old one in it.
	c := tr.Add(0, 12)
	require.True(t, tr.Done(c))
	require.Equal(t, map[int]int64{0: 12, 1: 3}, tr.Committable())
	require.Equal(t, []int{0, 1}, tr.Partitions())
}
