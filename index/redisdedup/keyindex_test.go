package redisdedup

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/pkg/dedup"
)

// TestKeyIndexAgainstMap runs random sets, gets and deletes against a Go
// map as the model, on a small key space so that runs of colliding keys,
// deletions inside runs and wrap-around at the table's end all happen, and
// checks every key of the space after each round.
func TestKeyIndexAgainstMap(t *testing.T) {
	for _, space := range []int{8, 100, 5_000} {
		r := rand.New(rand.NewPCG(uint64(space), 7))
		var x keyIndex
		model := map[dedup.Key]int32{}
		keys := make([]dedup.Key, space)
		for i := range keys {
			keys[i] = dedup.Key(r.Uint64())
			switch {
			case i == 1:
				keys[i] = 0 // the key held beside the table
			case i%3 == 0 && i > 0:
				// keys equal in their high bits share a home
				keys[i] = keys[i-1] ^ dedup.Key(r.Uint64N(16))
			}
		}
		for round := range 200 {
			for range space {
				k := keys[r.IntN(space)]
				switch r.IntN(3) {
				case 0, 1:
					v := int32(r.IntN(1 << 20))
					x.set(k, v)
					model[k] = v
				case 2:
					x.delete(k)
					delete(model, k)
				}
			}
			require.Equal(t, len(model), x.len(), "space %d round %d", space, round)
			for _, k := range keys {
				v, ok := x.get(k)
				mv, mok := model[k]
				require.Equal(t, mok, ok, "space %d round %d key %x", space, round, k)
				require.Equal(t, mv, v, "space %d round %d key %x", space, round, k)
			}
		}
		require.LessOrEqual(t, 2*x.n, len(x.keys))
	}
}

// BenchmarkCacheIndexChurn measures a lookup in the cache's index after
// the churn a worker's cache meets on new text (every insert evicts), for
// keyIndex and for the Go map it replaced: half the lookups miss.
//
//	go test ./index/redisdedup -run '^$' -bench CacheIndexChurn
func BenchmarkCacheIndexChurn(b *testing.B) {
	const n, rounds = 33_000, 30
	r := rand.New(rand.NewPCG(1, 2))
	ring := make([]dedup.Key, n)
	var x keyIndex
	m := map[dedup.Key]int32{}
	for i := range n * rounds {
		k := dedup.Key(r.Uint64())
		if i >= n {
			x.delete(ring[i%n])
			delete(m, ring[i%n])
		}
		ring[i%n] = k
		x.set(k, int32(i%n))
		m[k] = int32(i % n)
	}
	probe := make([]dedup.Key, 1<<16)
	for i := range probe {
		probe[i] = dedup.Key(r.Uint64())
		if i%2 == 0 {
			probe[i] = ring[r.IntN(n)]
		}
	}
	b.Run("index=keyIndex", func(b *testing.B) {
		var s int32
		for i := range b.N {
			v, _ := x.get(probe[i&(len(probe)-1)])
			s += v
		}
		_ = s
	})
	b.Run("index=map", func(b *testing.B) {
		var s int32
		for i := range b.N {
			v := m[probe[i&(len(probe)-1)]]
			s += v
		}
		_ = s
	})
}
