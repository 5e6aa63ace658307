package dedup

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/pkg/article"
)

// TestTrimFollowsUse: a pooled marker and overlay that held a large article
// give its buffers up once they hold a small one, and a trimmed one decides
// as a fresh one does.
func TestTrimFollowsUse(t *testing.T) {
	long := make([]string, 300)
	for i := range long {
		long[i] = fmt.Sprintf("Paragraph %d of a long report says output rose %d percent in the quarter to %d tonnes, the ministry said on Tuesday.", i, i%17, 1000+i)
	}
	big := doc{id: "big", paras: long}.article()
	small := doc{id: "small", paras: []string{"Shares rose 3 percent on Monday.", strings.Repeat("Analysts expected a quieter week after the rally. ", 3)}}.article()

	m := new(marker)
	opts := Options{}.withDefaults()
	m.reset(big, nil, opts)
	m.within()
	m.collectKeys()
	bigTokens, bigKeys := cap(m.tokens), cap(m.keys)
	m.release()
	m.trim()
	require.Equal(t, bigTokens, cap(m.tokens), "a buffer sized by its last use is kept")
	require.Equal(t, bigKeys, cap(m.keys))
	m.reset(small, nil, opts)
	m.within()
	m.collectKeys()
	m.release()
	m.trim()
	require.Less(t, cap(m.tokens), bigTokens/10, "the large article's tokens are given up")
	require.Less(t, cap(m.keys), bigKeys/10)
	require.Less(t, cap(m.paras), 50)

	// Decisions do not depend on what the pools held before.
	store := NewMemoryStore(0)
	d := New(store, Options{})
	require.NoError(t, d.MarkBatch(context.Background(), []*article.Article{big}, nil))
	again := doc{id: "small-2", paras: []string{"Shares rose 3 percent on Monday.", strings.Repeat("Analysts expected a quieter week after the rally. ", 3)}}.article()
	require.NoError(t, d.MarkBatch(context.Background(), []*article.Article{small}, nil))
	require.NoError(t, d.MarkBatch(context.Background(), []*article.Article{again}, nil))
	fresh := New(NewMemoryStore(0), Options{})
	small2 := doc{id: "small", paras: []string{"Shares rose 3 percent on Monday.", strings.Repeat("Analysts expected a quieter week after the rally. ", 3)}}.article()
	again2 := doc{id: "small-2", paras: []string{"Shares rose 3 percent on Monday.", strings.Repeat("Analysts expected a quieter week after the rally. ", 3)}}.article()
	require.NoError(t, fresh.MarkBatch(context.Background(), []*article.Article{small2}, nil))
	require.NoError(t, fresh.MarkBatch(context.Background(), []*article.Article{again2}, nil))
	require.Contains(t, statusesOf(again), string(article.StatusRepeated), "the repeat is found")
	require.Equal(t, statusesOf(again2), statusesOf(again))
	require.Equal(t, refsOf(again2), refsOf(again))
}
