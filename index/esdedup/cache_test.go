package esdedup

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/dedup"
)

// paragraphRecords are the records of one long paragraph: the exact key
// and 5 bands, one sketch, one article.
func paragraphRecords(art, para int) []dedup.Record {
	var sk dedup.Sketch
	for i := range sk {
		sk[i] = uint8(art*31 + para*7 + i)
	}
	id := fmt.Sprintf("reuters-%d.20261125t150000.0", art)
	out := make([]dedup.Record, 6)
	for i := range out {
		out[i] = dedup.Record{Ref: article.Ref{ArticleID: id, Index: para}, StoryID: id, Figures: uint64(para), Numbers: 7, Sketch: sk}
	}
	return out
}

func TestRecordCache(t *testing.T) {
	t.Run("records come back as they went in", func(t *testing.T) {
		c := newRecordCache(100)
		recs := paragraphRecords(1, 2)
		recs[5].Sketch = dedup.Sketch{}
		recs[4].StoryID = ""
		for i, r := range recs {
			c.put(dedup.Key(i), r)
		}
		for i, r := range recs {
			got, ok := c.get(dedup.Key(i))
			require.True(t, ok)
			require.Equal(t, r, got)
		}
		_, ok := c.get(99)
		require.False(t, ok)
		c.put(50, dedup.Record{})
		require.Equal(t, 6, c.Len(), "absent records are not cached")
	})

	t.Run("the least recently used go first", func(t *testing.T) {
		c := newRecordCache(3)
		r := paragraphRecords(1, 0)[0]
		for k := range dedup.Key(3) {
			c.put(k, r)
		}
		_, _ = c.get(0) // 0 is now the most recent
		c.put(3, r)
		c.put(1, r) // evicted before: comes back
		var held []dedup.Key
		for k := range dedup.Key(4) {
			if _, ok := c.index[k]; ok {
				held = append(held, k)
			}
		}
		require.Equal(t, []dedup.Key{0, 1, 3}, held)
		require.Equal(t, 3, c.Len())
	})

	t.Run("shared sketches and ids go when their last record does", func(t *testing.T) {
		c := newRecordCache(12)
		k := dedup.Key(0)
		for a := range 4 {
			for _, r := range paragraphRecords(a, 0) {
				c.put(k, r)
				k++
			}
		}
		require.Equal(t, 12, c.Len())
		live := 0
		for _, sh := range c.sketchSlab {
			if sh.refs > 0 {
				live++
			}
		}
		require.Equal(t, 2, live, "two paragraphs of six records each")
		require.Len(t, c.strs, 2)
		got, ok := c.get(23)
		require.True(t, ok)
		require.Equal(t, paragraphRecords(3, 0)[5], got)
		require.Len(t, c.sketchSlab, 3, "a freed sketch slot is reused: three live at the peak, not four")
	})

	t.Run("no cache with a bound of zero or less", func(t *testing.T) {
		for _, max := range []int{0, -1} {
			c := newRecordCache(max)
			c.put(1, paragraphRecords(1, 0)[0])
			require.Equal(t, 0, c.Len())
		}
	})
}

// TestRecordCacheSize measures the heap a full cache holds per record.
func TestRecordCacheSize(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 100,000 records")
	}
	const n = 100_000
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	c := newRecordCache(n)
	k := dedup.Key(0)
	for a := 0; k < n; a++ {
		for p := range 4 {
			for _, r := range paragraphRecords(a, p) {
				c.put(k, r)
				k++
			}
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&ms1)
	per := float64(ms1.HeapAlloc-ms0.HeapAlloc) / n
	t.Logf("%d records: %.0f bytes each", c.Len(), per)
	require.Less(t, per, 160.0)
	runtime.KeepAlive(c)
}
