package dedup

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestScratchSortUnique compares scratch.sortUnique with slices.Sort on
// slices of every length up to past its bucket range, of uniform hashes,
// of repeats and of values that all fall into one bucket.
func TestScratchSortUnique(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var sc scratch
	for n := 0; n <= 300; n++ {
		for _, kind := range []string{"uniform", "repeats", "one bucket"} {
			s := make([]uint64, n)
			for i := range s {
				switch kind {
				case "uniform":
					s[i] = r.Uint64()
				case "repeats":
					s[i] = r.Uint64N(8) << 58
				case "one bucket":
					s[i] = r.Uint64() >> 6
				}
			}
			want := slices.Clone(s)
			slices.Sort(want)
			want = slices.Compact(want)
			if got := sc.sortUnique(slices.Clone(s)); !slices.Equal(got, want) {
				t.Fatalf("%s, %d: got %v, want %v", kind, n, got, want)
			}
		}
	}
}
