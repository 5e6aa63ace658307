package dedup

import (
	"context"
	"math/bits"
	"sync"

	"github.com/newsflow/newsflow/pkg/article"
)

// DefaultMemoryKeys is the bound NewMemoryStore uses when given none: about
// a million paragraphs of the test corpora (4.2 keys per paragraph on
// average), about 285 MB of heap (see the README for the measurement).
const DefaultMemoryKeys = 4 << 20

// MemoryStore is a Store in process memory, bounded by the number of keys
// it holds. When a claim takes it over the bound, it forgets the least
// recently used records (looked up or claimed), each with all of its keys.
// It serves `newsflow process` and tests; workers that share state use a
// persistent store.
//
// The layout is compact and free of pointers where it matters for the
// garbage collector: keys map to record slots; consecutive keys of one
// Claim with equal records (the exact and band keys of one paragraph)
// share one slot; article and story ids are interned; sketches live in a
// slab. Keys of a forgotten record are dropped from the map lazily.
type MemoryStore struct {
	mu      sync.Mutex
	maxKeys int
	live    int // keys of live records

	index keyTable        // key → slot<<32 | generation
	recs  slab[memRecord] // slot 0 is the sentinel of the LRU list
	free  []int32         // free record slots
	stale int             // map entries of forgotten records

	sketches   slab[Sketch]
	freeSketch []int32

	ids     []string // interned article and story ids; "" when free
	idRefs  []int32
	idIndex map[string]int32
	freeIDs []int32
	lastID  int32 // the id interned last (an article's records come together)
}

type memRecord struct {
	article, story int32 // interned ids
	index          int32
	sketch         int32 // slot in sketches, -1 without
	gen            uint32
	keys           int32 // live map entries pointing here
	prev, next     int32 // LRU list; the sentinel's next is the most recent
	figures        uint64
	numbers        uint64
}

// NewMemoryStore returns a MemoryStore that holds at most maxKeys keys
// (DefaultMemoryKeys when maxKeys <= 0). A long paragraph takes 6 keys
// (exact and 5 bands), a short one 1; a boilerplate candidate 3 more (the
// slots of the default BoilerplateStories) and every article 1 for its body.
func NewMemoryStore(maxKeys int) *MemoryStore {
	if maxKeys <= 0 {
		maxKeys = DefaultMemoryKeys
	}
	s := &MemoryStore{maxKeys: maxKeys, idIndex: make(map[string]int32)}
	s.recs.add() // the sentinel links to itself (0)
	return s
}

// Len returns the number of keys held.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.live
}

// Lookup implements Store.
func (s *MemoryStore) Lookup(ctx context.Context, keys []Key, out []Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.index.warm(keys)
	for i, k := range keys {
		if slot := s.find(k); slot > 0 {
			s.touch(slot)
			s.load(slot, &out[i])
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
	last := int32(0) // slot created for the previous created key
	s.index.warm(keys)
	for i, k := range keys {
		if slot := s.find(k); slot > 0 {
			s.touch(slot)
			s.load(slot, &recs[i])
			continue
		}
		if last == 0 || !s.equal(last, &recs[i]) {
			last = s.create(&recs[i])
		}
		s.index.put(uint64(k), uint64(last)<<32|uint64(s.recs.at(last).gen))
		s.recs.at(last).keys++
		s.live++
	}
	for s.live > s.maxKeys && s.recs.at(0).prev != 0 {
		s.forget(s.recs.at(0).prev)
	}
	if s.stale > 1024 && s.stale > s.live {
		s.index.filter(func(v uint64) bool { return s.recs.at(int32(v>>32)).gen == uint32(v) })
		s.stale = 0
	}
	return nil
}

// find returns the live record slot of k, or 0.
func (s *MemoryStore) find(k Key) int32 {
	v, ok := s.index.get(uint64(k))
	if !ok {
		return 0
	}
	slot := int32(v >> 32)
	if s.recs.at(slot).gen != uint32(v) {
		s.index.del(uint64(k)) // a forgotten record's key
		s.stale--
		return 0
	}
	return slot
}

func (s *MemoryStore) load(slot int32, r *Record) {
	m := s.recs.at(slot)
	*r = Record{
		Ref:     article.Ref{ArticleID: s.ids[m.article], Index: int(m.index)},
		StoryID: s.ids[m.story],
		Figures: m.figures,
		Numbers: m.numbers,
	}
	if m.sketch >= 0 {
		r.Sketch = *s.sketches.at(m.sketch)
	}
}

// equal reports whether the record in slot holds r.
func (s *MemoryStore) equal(slot int32, r *Record) bool {
	m := s.recs.at(slot)
	if int(m.index) != r.Ref.Index || m.figures != r.Figures || m.numbers != r.Numbers ||
		s.ids[m.article] != r.Ref.ArticleID || s.ids[m.story] != r.StoryID {
		return false
	}
	if m.sketch < 0 {
		return r.Sketch == Sketch{}
	}
	return *s.sketches.at(m.sketch) == r.Sketch
}

func (s *MemoryStore) create(r *Record) int32 {
	var slot int32
	if n := len(s.free); n > 0 {
		slot = s.free[n-1]
		s.free = s.free[:n-1]
	} else {
		slot = s.recs.add()
	}
	m := s.recs.at(slot)
	gen := m.gen + 1
	*m = memRecord{
		article: s.intern(r.Ref.ArticleID),
		story:   s.intern(r.StoryID),
		index:   int32(r.Ref.Index),
		sketch:  -1,
		gen:     gen,
		figures: r.Figures,
		numbers: r.Numbers,
	}
	if r.Sketch != (Sketch{}) {
		if n := len(s.freeSketch); n > 0 {
			m.sketch = s.freeSketch[n-1]
			s.freeSketch = s.freeSketch[:n-1]
			*s.sketches.at(m.sketch) = r.Sketch
		} else {
			m.sketch = s.sketches.add()
			*s.sketches.at(m.sketch) = r.Sketch
		}
	}
	s.pushFront(slot)
	return slot
}

// forget drops the record in slot; its keys become stale map entries.
func (s *MemoryStore) forget(slot int32) {
	m := s.recs.at(slot)
	s.unlink(slot)
	s.live -= int(m.keys)
	s.stale += int(m.keys)
	s.release(m.article)
	s.release(m.story)
	if m.sketch >= 0 {
		s.freeSketch = append(s.freeSketch, m.sketch)
	}
	m.gen++ // invalidates the map entries
	m.keys, m.sketch = 0, -1
	s.free = append(s.free, slot)
}

func (s *MemoryStore) intern(id string) int32 {
	if i := s.lastID; i < int32(len(s.ids)) && s.idRefs[i] > 0 && s.ids[i] == id {
		s.idRefs[i]++
		return i
	}
	if i, ok := s.idIndex[id]; ok {
		s.lastID = i
		s.idRefs[i]++
		return i
	}
	var i int32
	if n := len(s.freeIDs); n > 0 {
		i = s.freeIDs[n-1]
		s.freeIDs = s.freeIDs[:n-1]
		s.ids[i], s.idRefs[i] = id, 1
	} else {
		s.ids = append(s.ids, id)
		s.idRefs = append(s.idRefs, 1)
		i = int32(len(s.ids) - 1)
	}
	s.idIndex[id] = i
	s.lastID = i
	return i
}

func (s *MemoryStore) release(i int32) {
	if s.idRefs[i]--; s.idRefs[i] == 0 {
		delete(s.idIndex, s.ids[i])
		s.ids[i] = ""
		s.freeIDs = append(s.freeIDs, i)
	}
}

func (s *MemoryStore) touch(slot int32) {
	if s.recs.at(0).next != slot {
		s.unlink(slot)
		s.pushFront(slot)
	}
}

func (s *MemoryStore) unlink(slot int32) {
	m := s.recs.at(slot)
	s.recs.at(m.prev).next = m.next
	s.recs.at(m.next).prev = m.prev
	m.prev, m.next = 0, 0
}

func (s *MemoryStore) pushFront(slot int32) {
	first := s.recs.at(0).next
	s.recs.at(slot).prev, s.recs.at(slot).next = 0, first
	s.recs.at(first).prev = slot
	s.recs.at(0).next = slot
}

// keyTable is an open-addressing hash table from keys to values with linear
// probing: keys are uniformly distributed hashes already, so the top bits
// of a key are its home slot. Key 0 marks a free slot; the key 0 itself is
// kept beside the slots.
type keyTable struct {
	slots   []keySlot
	n       int
	shift   uint // 64 - log2(len(slots))
	zero    uint64
	hasZero bool
	sink    uint64 // keeps warm's reads
}

type keySlot struct{ key, val uint64 }

const keyTableMinBits = 10

func (t *keyTable) home(k uint64) int { return int(k >> t.shift) }

// warm reads the home slot of every key before they are looked up one by
// one: the reads are independent, so the processor overlaps their cache
// misses instead of waiting for each in turn.
func (t *keyTable) warm(keys []Key) {
	if len(t.slots) == 0 {
		return
	}
	var sink uint64
	for _, k := range keys {
		sink += t.slots[uint64(k)>>t.shift].key
	}
	t.sink = sink
}

func (t *keyTable) get(k uint64) (uint64, bool) {
	if k == 0 {
		return t.zero, t.hasZero
	}
	if t.slots == nil {
		return 0, false
	}
	mask := len(t.slots) - 1
	for i := t.home(k); ; i = (i + 1) & mask {
		switch t.slots[i].key {
		case k:
			return t.slots[i].val, true
		case 0:
			return 0, false
		}
	}
}

// put inserts or replaces the value of k.
func (t *keyTable) put(k, v uint64) {
	if k == 0 {
		t.zero, t.hasZero = v, true
		return
	}
	if 10*(t.n+1) > 7*len(t.slots) {
		t.resize(max(2*len(t.slots), 1<<keyTableMinBits))
	}
	mask := len(t.slots) - 1
	for i := t.home(k); ; i = (i + 1) & mask {
		switch t.slots[i].key {
		case k:
			t.slots[i].val = v
			return
		case 0:
			t.slots[i] = keySlot{k, v}
			t.n++
			return
		}
	}
}

// del removes k, shifting later entries of its probe run back.
func (t *keyTable) del(k uint64) {
	if k == 0 {
		t.zero, t.hasZero = 0, false
		return
	}
	if t.slots == nil {
		return
	}
	mask := len(t.slots) - 1
	i := t.home(k)
	for ; t.slots[i].key != k; i = (i + 1) & mask {
		if t.slots[i].key == 0 {
			return
		}
	}
	for j := (i + 1) & mask; t.slots[j].key != 0; j = (j + 1) & mask {
		// Move slots[j] into the hole at i unless its home lies in (i, j].
		if h := t.home(t.slots[j].key); (j-h)&mask >= (j-i)&mask {
			t.slots[i] = t.slots[j]
			i = j
		}
	}
	t.slots[i] = keySlot{}
	t.n--
}

// filter keeps the entries whose value keep accepts, rebuilding the table.
func (t *keyTable) filter(keep func(v uint64) bool) {
	if t.hasZero && !keep(t.zero) {
		t.zero, t.hasZero = 0, false
	}
	old := t.slots
	n := 0
	for _, e := range old {
		if e.key != 0 && keep(e.val) {
			n++
		}
	}
	size := 1 << keyTableMinBits
	for 10*n > 7*size/2 {
		size *= 2
	}
	t.slots, t.n, t.shift = make([]keySlot, size), 0, uint(64-bits.Len(uint(size))+1)
	for _, e := range old {
		if e.key != 0 && keep(e.val) {
			t.put(e.key, e.val) // put does not resize: size holds n at load 0.35
		}
	}
}

func (t *keyTable) resize(size int) {
	old := t.slots
	t.slots, t.shift = make([]keySlot, size), uint(64-bits.Len(uint(size))+1)
	mask := size - 1
	for _, e := range old {
		if e.key == 0 {
			continue
		}
		i := t.home(e.key)
		for t.slots[i].key != 0 { // keys are distinct: find a free slot
			i = (i + 1) & mask
		}
		t.slots[i] = e
	}
}

// slab is a growing array in chunks: growing never copies what is there.
type slab[T any] struct {
	chunks [][]T
	n      int32
}

const slabBits = 12

func (s *slab[T]) at(i int32) *T { return &s.chunks[i>>slabBits][i&(1<<slabBits-1)] }

// add appends a zero element and returns its index.
func (s *slab[T]) add() int32 {
	if int(s.n)>>slabBits == len(s.chunks) {
		s.chunks = append(s.chunks, make([]T, 1<<slabBits))
	}
	s.n++
	return s.n - 1
}
