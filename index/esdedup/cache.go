package esdedup

import (
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/dedup"
)

// recordCache is the Store's LRU of found records, kept compact because it
// is most of a worker's long-lived memory: records sit in one slice linked
// by index (no element per record), and what records repeat is shared:
// a long paragraph's exact and band records carry the same sketch (dedup.SketchSize, 184 bytes)
// (one copy, counted), and the records of one article the same article and
// story ids (one string each, counted). About 110 bytes a record instead
// of about 300 with a map of list elements.
//
// Not safe for concurrent use: the Store holds its lock.
type recordCache struct {
	max   int
	index map[dedup.Key]int32
	slots []cacheSlot
	head  int32 // most recently used, -1 when empty
	tail  int32 // least recently used

	sketchSlab []sharedSketch
	lastSketch int32 // the sketch the last record put holds, -1: none
	sketchFree []int32
	strs       map[string]*internedString
}

// internedString is the held copy of an id and how many records use it.
type internedString struct {
	s string
	n int32
}

type cacheSlot struct {
	key        dedup.Key
	prev, next int32
	sketch     int32 // sketchSlab index, -1 for the zero sketch
	ref        article.Ref
	story      string
	figures    uint64
	numbers    uint64
}

type sharedSketch struct {
	sk   dedup.Sketch
	refs int32
}

func newRecordCache(max int) *recordCache {
	return &recordCache{max: max, index: map[dedup.Key]int32{}, head: -1, tail: -1, lastSketch: -1,
		strs: map[string]*internedString{}}
}

// Len is the number of records held.
func (c *recordCache) Len() int { return len(c.index) }

// get returns the record of k and marks it most recently used.
func (c *recordCache) get(k dedup.Key) (dedup.Record, bool) {
	i, ok := c.index[k]
	if !ok {
		return dedup.Record{}, false
	}
	c.touch(i)
	s := &c.slots[i]
	r := dedup.Record{Ref: s.ref, StoryID: s.story, Figures: s.figures, Numbers: s.numbers}
	if s.sketch >= 0 {
		r.Sketch = c.sketchSlab[s.sketch].sk
	}
	return r, true
}

// put stores a found record under k (a present key is only touched:
// records never change) and evicts the least recently used beyond max.
func (c *recordCache) put(k dedup.Key, r dedup.Record) {
	if c.max <= 0 || !r.Found() {
		return
	}
	if i, ok := c.index[k]; ok {
		c.touch(i)
		return
	}
	var i int32
	if len(c.slots) < c.max {
		c.slots = append(c.slots, cacheSlot{})
		i = int32(len(c.slots) - 1)
	} else {
		i = c.tail // full: reuse the least recently used slot
		c.release(i)
		c.unlink(i)
	}
	c.slots[i] = cacheSlot{key: k, prev: -1, next: -1, sketch: c.shareSketch(r.Sketch),
		ref: article.Ref{ArticleID: c.intern(r.Ref.ArticleID), Index: r.Ref.Index}, story: c.intern(r.StoryID),
		figures: r.Figures, numbers: r.Numbers}
	c.index[k] = i
	c.pushFront(i)
}

// release drops what slot i shares and its index entry.
func (c *recordCache) release(i int32) {
	s := &c.slots[i]
	delete(c.index, s.key)
	if s.sketch >= 0 {
		sh := &c.sketchSlab[s.sketch]
		if sh.refs--; sh.refs == 0 {
			c.sketchFree = append(c.sketchFree, s.sketch)
		}
	}
	c.unintern(s.ref.ArticleID)
	c.unintern(s.story)
}

// shareSketch holds sk for one more record. Records with the same sketch
// (a paragraph's exact and band keys) arrive one after the other, in claims
// and in lookups alike, so the last sketch held is the one to share: no
// map of sketch-sized keys needed.
func (c *recordCache) shareSketch(sk dedup.Sketch) int32 {
	if sk == (dedup.Sketch{}) {
		return -1
	}
	if j := c.lastSketch; j >= 0 && c.sketchSlab[j].refs > 0 && c.sketchSlab[j].sk == sk {
		c.sketchSlab[j].refs++
		return j
	}
	var j int32
	if n := len(c.sketchFree); n > 0 {
		j = c.sketchFree[n-1]
		c.sketchFree = c.sketchFree[:n-1]
	} else {
		c.sketchSlab = append(c.sketchSlab, sharedSketch{})
		j = int32(len(c.sketchSlab) - 1)
	}
	c.sketchSlab[j] = sharedSketch{sk: sk, refs: 1}
	c.lastSketch = j
	return j
}

// intern returns the held copy of s, counting one more user; the empty
// string is not counted.
func (c *recordCache) intern(s string) string {
	if s == "" {
		return s
	}
	if e, ok := c.strs[s]; ok {
		e.n++
		return e.s
	}
	c.strs[s] = &internedString{s: s, n: 1}
	return s
}

func (c *recordCache) unintern(s string) {
	if s == "" {
		return
	}
	if e, ok := c.strs[s]; ok {
		if e.n--; e.n == 0 {
			delete(c.strs, s)
		}
	}
}

func (c *recordCache) touch(i int32) {
	if c.head == i {
		return
	}
	c.unlink(i)
	c.pushFront(i)
}

func (c *recordCache) unlink(i int32) {
	s := &c.slots[i]
	if s.prev >= 0 {
		c.slots[s.prev].next = s.next
	} else {
		c.head = s.next
	}
	if s.next >= 0 {
		c.slots[s.next].prev = s.prev
	} else {
		c.tail = s.prev
	}
	s.prev, s.next = -1, -1
}

func (c *recordCache) pushFront(i int32) {
	s := &c.slots[i]
	s.prev, s.next = -1, c.head
	if c.head >= 0 {
		c.slots[c.head].prev = i
	}
	c.head = i
	if c.tail < 0 {
		c.tail = i
	}
}
