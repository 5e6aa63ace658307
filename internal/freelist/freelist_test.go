package freelist

import (
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestListReusesAndBounds(t *testing.T) {
	l := List[[]byte]{Limit: 2}
	a, b, c := new([]byte), new([]byte), new([]byte)
	l.Put(a)
	l.Put(b)
	l.Put(c) // over the limit: dropped
	require.Equal(t, 2, l.Len())
	require.Same(t, b, l.Get(), "last in, first out")
	require.Same(t, a, l.Get())
	fresh := l.Get()
	require.NotNil(t, fresh)
	require.NotSame(t, a, fresh)
	require.NotSame(t, c, fresh)
	require.Equal(t, 0, l.Len())
}

// What sync.Pool does not do: keep its objects through collections.
func TestListSurvivesGarbageCollection(t *testing.T) {
	var l List[int]
	x := new(int)
	*x = 7
	l.Put(x)
	runtime.GC()
	runtime.GC()
	runtime.GC()
	require.Same(t, x, l.Get())
}

func TestListConcurrentUse(t *testing.T) {
	var l List[int]
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				x := l.Get()
				*x++
				l.Put(x)
			}
		}()
	}
	wg.Wait()
	total := 0
	for l.Len() > 0 {
		total += *l.Get()
	}
	require.Equal(t, 8000, total, "every increment lands on a kept object")
}
