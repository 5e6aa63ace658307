package dedup

import (
	"context"
	"sync"
)

// DefaultMemoryKeys is a bound for NewMemoryStore that holds about a million
// paragraphs of wire text (see the README for the measurement).
const DefaultMemoryKeys = 4 << 20

// MemoryStore is a Store in process memory, bounded by the number of keys
// it holds: when a claim would exceed the bound, the least recently used
// keys (looked up or claimed) are forgotten. It serves `newsflow process`
// and tests; workers that share state use a persistent store.
//
// Records claimed together for consecutive keys with equal contents (the
// exact and band keys of one paragraph) share one copy in memory.
type MemoryStore struct {
	mu      sync.Mutex
	max     int
	entries map[Key]*memEntry
	lru     memEntry // sentinel: lru.next is the most recent entry
}

type memEntry struct {
	key        Key
	rec        *Record
	prev, next *memEntry
}

// NewMemoryStore returns a MemoryStore that holds at most maxKeys keys
// (DefaultMemoryKeys when maxKeys <= 0). A long paragraph takes 9 keys (exact
// and 8 bands), a short one 1; a boilerplate candidate 3 more (the slots of
// the default BoilerplateStories), an article 1 for its body.
func NewMemoryStore(maxKeys int) *MemoryStore {
	if maxKeys <= 0 {
		maxKeys = DefaultMemoryKeys
	}
	s := &MemoryStore{max: maxKeys, entries: make(map[Key]*memEntry)}
	s.lru.next, s.lru.prev = &s.lru, &s.lru
	return s
}

// Len returns the number of keys held.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

// Lookup implements Store.
func (s *MemoryStore) Lookup(ctx context.Context, keys []Key, out []Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, k := range keys {
		if e, ok := s.entries[k]; ok {
			s.touch(e)
			out[i] = *e.rec
		} else {
			out[i] = Record{}
		}
	}
	return nil
}

// Claim implements Store.
func (s *MemoryStore) Claim(ctx context.Context, keys []Key, recs []Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var last *Record // the copy made for the previous created key
	for i, k := range keys {
		if e, ok := s.entries[k]; ok {
			s.touch(e)
			recs[i] = *e.rec
			continue
		}
		if last == nil || *last != recs[i] {
			c := recs[i]
			last = &c
		}
		e := &memEntry{key: k, rec: last}
		s.entries[k] = e
		s.pushFront(e)
	}
	for len(s.entries) > s.max {
		e := s.lru.prev
		s.unlink(e)
		delete(s.entries, e.key)
	}
	return nil
}

func (s *MemoryStore) touch(e *memEntry) {
	if s.lru.next == e {
		return
	}
	s.unlink(e)
	s.pushFront(e)
}

func (s *MemoryStore) unlink(e *memEntry) {
	e.prev.next = e.next
	e.next.prev = e.prev
	e.prev, e.next = nil, nil
}

func (s *MemoryStore) pushFront(e *memEntry) {
	e.prev = &s.lru
	e.next = s.lru.next
	s.lru.next.prev = e
	s.lru.next = e
}
