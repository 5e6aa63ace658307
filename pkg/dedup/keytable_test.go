package dedup

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestKeyTableMatchesMap runs random puts, deletes and filters against a Go
// map, with keys crowded into few home slots so that probe runs wrap and
// deletions shift entries back.
func TestKeyTableMatchesMap(t *testing.T) {
	for _, tc := range []struct {
		name string
		key  func(r *rand.Rand) uint64
	}{
		{name: "uniform keys", key: func(r *rand.Rand) uint64 { return r.Uint64() }},
		{name: "keys crowding a few home slots", key: func(r *rand.Rand) uint64 {
			return uint64(r.IntN(4))<<62 | uint64(r.IntN(3000))
		}},
		{name: "small keys including zero", key: func(r *rand.Rand) uint64 { return uint64(r.IntN(50)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			var kt keyTable
			want := map[uint64]uint64{}
			for step := range 60_000 {
				k := tc.key(r)
				switch op := r.IntN(10); {
				case op < 6:
					v := r.Uint64()
					kt.put(k, v)
					want[k] = v
				case op < 9:
					kt.del(k)
					delete(want, k)
				case step%1000 == 0:
					kt.filter(func(v uint64) bool { return v%3 != 0 })
					for k, v := range want {
						if v%3 == 0 {
							delete(want, k)
						}
					}
				}
				if step%4999 == 0 {
					for k, v := range want {
						got, ok := kt.get(k)
						require.True(t, ok, "key %x", k)
						require.Equal(t, v, got, "key %x", k)
					}
				}
				got, ok := kt.get(k)
				wv, wok := want[k]
				require.Equal(t, wok, ok, "key %x after step %d", k, step)
				require.Equal(t, wv, got)
			}
			n := len(want)
			if _, ok := want[0]; ok {
				n--
			}
			require.Equal(t, n, kt.n)
		})
	}
}
