package redisdedup

import (
	"github.com/newsflow/newsflow/pkg/dedup"
)

// recordCache is the Store's LRU of found records. Records never change
// once created, so a cached copy is valid for as long as the server keeps
// the key: until the record's expireAt, less a margin for the clocks of
// the worker and the server (Store.cacheMargin). An entry past that is
// dropped when met.
//
// Each entry holds the value as the server stores it (compact: 90 to 200
// bytes for a long paragraph's record, by how many of its sketch's bins are
// set) and decodes it on a hit; slots sit in one slice linked by index
// (keyIndex maps a key to its slot), so there is no element per record.
// The cache is bounded in entries and in
// bytes (the values plus cacheEntryOverhead each): the records' size varies
// with the fingerprint format, and a bound in entries alone held twice the
// memory its comment promised once sketches grew (issue 11).
//
// Not safe for concurrent use: the Store holds its lock.
type recordCache struct {
	max      int
	maxBytes int64
	bytes    int64 // cost of the entries held
	index    keyIndex
	slots    []cacheSlot
	head     int32 // most recently used, -1 when empty
	tail     int32 // least recently used
	free     []int32
}

type cacheSlot struct {
	key        dedup.Key
	prev, next int32
	validUntil uint32 // Unix seconds
	value      string // the stored value (appendRecord)
}

// cacheEntryOverhead is what an entry costs beyond its value's bytes: its
// slot (40 bytes), its share of the index (12 bytes an entry of a table at
// most half full: 24 to 48) and the rounding of the value's allocation
// (TestCacheEntrySize).
const cacheEntryOverhead = 80

func entryCost(value string) int64 { return int64(len(value)) + cacheEntryOverhead }

// newRecordCache holds at most max entries and maxBytes of them (either
// bound <= 0: no cache).
func newRecordCache(max int, maxBytes int64) *recordCache {
	if maxBytes <= 0 {
		max = 0
	}
	return &recordCache{max: max, maxBytes: maxBytes, head: -1, tail: -1}
}

// Bytes is the cost of the entries held (their values plus
// cacheEntryOverhead each).
func (c *recordCache) Bytes() int64 { return c.bytes }

// Len is the number of entries held.
func (c *recordCache) Len() int { return c.index.len() }

// get returns the value cached for k when it is still valid at now (Unix
// seconds) and marks it most recently used; an expired entry is dropped.
func (c *recordCache) get(k dedup.Key, now uint32) (string, bool) {
	i, ok := c.index.get(k)
	if !ok {
		return "", false
	}
	if c.slots[i].validUntil <= now {
		c.remove(i)
		return "", false
	}
	c.touch(i)
	return c.slots[i].value, true
}

// keeps reports whether put would store a value of size bytes valid until
// validUntil, so that a caller holding the value as a []byte copies it
// only then: a claim offers every record it sends, and with the cache off
// most would be copied for nothing (issue 11: a fifth of a claim's bytes).
func (c *recordCache) keeps(size int, validUntil, now uint32) bool {
	return c.max > 0 && validUntil > now && int64(size)+cacheEntryOverhead <= c.maxBytes
}

// put caches value under k until validUntil (a present key is only
// touched: records never change) and evicts the least recently used
// beyond max entries or maxBytes. The entry holds value itself: a string
// the server answered, or the copy of a claim's record.
func (c *recordCache) put(k dedup.Key, value string, validUntil, now uint32) {
	if !c.keeps(len(value), validUntil, now) {
		return
	}
	if i, ok := c.index.get(k); ok {
		c.touch(i)
		return
	}
	var i int32
	switch {
	case len(c.free) > 0:
		i = c.free[len(c.free)-1]
		c.free = c.free[:len(c.free)-1]
	case len(c.slots) < c.max:
		c.slots = append(c.slots, cacheSlot{})
		i = int32(len(c.slots) - 1)
	default:
		i = c.tail // full: reuse the least recently used slot
		c.bytes -= entryCost(c.slots[i].value)
		c.index.delete(c.slots[i].key)
		c.unlink(i)
	}
	c.slots[i] = cacheSlot{key: k, prev: -1, next: -1, validUntil: validUntil, value: value}
	c.index.set(k, i)
	c.bytes += entryCost(value)
	c.pushFront(i)
	for c.bytes > c.maxBytes && c.tail != i {
		c.remove(c.tail)
	}
}

func (c *recordCache) remove(i int32) {
	c.bytes -= entryCost(c.slots[i].value)
	c.index.delete(c.slots[i].key)
	c.unlink(i)
	c.slots[i] = cacheSlot{prev: -1, next: -1}
	c.free = append(c.free, i)
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
	} else if c.head == i {
		c.head = s.next
	}
	if s.next >= 0 {
		c.slots[s.next].prev = s.prev
	} else if c.tail == i {
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
