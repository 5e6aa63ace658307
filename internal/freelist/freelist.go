// Package freelist keeps reusable objects for the hot paths of a worker: a
// bounded stack that, unlike a sync.Pool, the garbage collector does not
// empty.
//
// Under a worker's memory limit the collector runs every 0.3–0.5 s (68
// cycles in one 20-second bench run of issue 11), and a sync.Pool drops
// what was not taken again within two cycles. The dedup stage's overlays
// and markers, grown to their batches' sizes, were then made again for
// most batches: the overlays' record lists allocated about 30 times what
// they do in a single-goroutine benchmark, where the pool is never
// emptied. A List keeps at most its limit of objects, and the objects'
// own buffers are the caller's to bound (dedup trims them after each use).
package freelist

import "sync"

// DefaultLimit is the number of objects a List with a zero Limit keeps.
const DefaultLimit = 512

// List is a stack of reusable *T, safe for concurrent use. The zero List is
// empty and keeps up to DefaultLimit objects.
type List[T any] struct {
	// Limit is the most objects kept (0: DefaultLimit). Set it before use.
	Limit int

	mu    sync.Mutex
	items []*T
}

// Get returns a kept object, or a new zero T when none is kept.
func (l *List[T]) Get() *T {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(l.items)
	if n == 0 {
		return new(T)
	}
	x := l.items[n-1]
	l.items[n-1] = nil
	l.items = l.items[:n-1]
	return x
}

// Put keeps x for a later Get, unless the list holds Limit objects already
// (x is then left to the garbage collector).
func (l *List[T]) Put(x *T) {
	l.mu.Lock()
	defer l.mu.Unlock()
	limit := l.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	if len(l.items) < limit {
		l.items = append(l.items, x)
	}
}

// Len returns the number of objects kept.
func (l *List[T]) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.items)
}
