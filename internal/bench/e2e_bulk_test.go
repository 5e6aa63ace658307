package bench

import (
	"fmt"
	"testing"

	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/consumers"
	"github.com/newsflow/newsflow/pkg/article"
)

// TestPartitionOrderRunsPerPartition: every document once, each request's
// documents in runs of batch/partitions from one partition, in the
// partition's order, and the partition that of the producer's key.
func TestPartitionOrderRunsPerPartition(t *testing.T) {
	const n, partitions, batch = 1000, 4, 40
	raws := make([]article.RawArticle, n)
	docs := make([]consumers.Doc, n)
	for i := range raws {
		raws[i] = article.RawArticle{ID: fmt.Sprintf("a%04d", i), Source: "wire"}
		docs[i] = consumers.Doc{ID: raws[i].ID}
	}
	out := partitionOrder(docs, raws, partitions, batch)
	require.Len(t, out, n)
	var bal kafka.Murmur2Balancer
	part := map[string]int{}
	index := map[string]int{}
	for i, r := range raws {
		part[r.ID] = bal.Balance(kafka.Message{Key: []byte(r.Key())}, 0, 1, 2, 3)
		index[r.ID] = i
	}
	seen := map[string]bool{}
	last := map[int]int{0: -1, 1: -1, 2: -1, 3: -1}
	runs, prev := 0, -1
	for _, d := range out {
		require.False(t, seen[d.ID], "%s twice", d.ID)
		seen[d.ID] = true
		p := part[d.ID]
		require.Greater(t, index[d.ID], last[p], "partition %d keeps its order", p)
		last[p] = index[d.ID]
		if p != prev {
			runs++
			prev = p
		}
	}
	// 1000 documents in runs of 10: at least 100 runs (a partition that
	// ran out leaves its neighbours' runs adjacent), far fewer than 1000.
	require.GreaterOrEqual(t, runs, 90)
	require.Less(t, runs, 200)
	require.NotEqual(t, docs[:batch], out[:batch], "the order changed")
}
